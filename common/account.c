/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * account.c - named OAuth client accounts: state files and the locked,
 * shared refresh (see account.h).
 */
#include "ac_config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "account.h"
#include "config.h"
#include "oauth_client.h"
#include "util.h"

#define LOCK_POLL_NS (20 * 1000 * 1000) /* 20 ms between lock attempts */

struct atok_account {
	char name[ATOK_CONFIG_INSTANCE_MAX + 1];
	char section[ATOK_CONFIG_INSTANCE_MAX + 16];
	char store[PATH_MAX];
	char chroot[PATH_MAX]; /* "" when none */
	dev_t chroot_dev;
	ino_t chroot_ino;
	char *scope, *resource, *user;
	int client_credentials;
	const char *authorize_extra; /* static */
	int64_t margin, lock_timeout;
	struct atok_oauth_client *client;
};

/* --- presets ---------------------------------------------------------- */

struct preset {
	const char *name;
	const char *token, *device, *authorization, *revocation; /* {tenant} */
	const char *scope_delegated, *scope_app;
	const char *authorize_extra;
};

static const struct preset presets[] = {
    {"microsoft",
     "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
     "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
     "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize", NULL,
     "offline_access https://outlook.office.com/SMTP.Send "
     "https://outlook.office.com/IMAP.AccessAsUser.All",
     "https://outlook.office365.com/.default", NULL},
    {"google", "https://oauth2.googleapis.com/token",
     "https://oauth2.googleapis.com/device/code",
     "https://accounts.google.com/o/oauth2/v2/auth",
     "https://oauth2.googleapis.com/revoke", "https://mail.google.com/",
     "https://mail.google.com/", "&access_type=offline&prompt=consent"},
};

/* pattern with "{tenant}" replaced by tenant, into out. */
static void expand(char *out, size_t outsz, const char *pattern,
                   const char *tenant)
{
	const char *at = strstr(pattern, "{tenant}");

	if (at == NULL)
		snprintf(out, outsz, "%s", pattern);
	else
		snprintf(out, outsz, "%.*s%s%s", (int)(at - pattern), pattern,
		         tenant, at + 8);
}

/* --- the state file --------------------------------------------------- */

void atok_account_state_clear(struct atok_account_state *st)
{
	if (st == NULL)
		return;
	if (st->access_token != NULL)
		atok_freezero(st->access_token, st->access_len + 1);
	if (st->refresh_token != NULL)
		atok_freezero(st->refresh_token, st->refresh_len + 1);
	memset(st, 0, sizeof(*st));
}

/* An optional token member: 0 ok (absent or copied), -1 bad. */
static int token_member(json_t *o, const char *name, size_t max, char **out,
                        size_t *outlen)
{
	json_t *v = json_object_get(o, name);
	size_t n;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	n = json_string_length(v);
	if (!atok_visible_ascii(json_string_value(v), n, max) ||
	    (*out = malloc(n + 1)) == NULL)
		return -1;
	memcpy(*out, json_string_value(v), n + 1);
	*outlen = n;
	return 0;
}

static int text_member(json_t *o, const char *name, char *out, size_t outsz)
{
	json_t *v = json_object_get(o, name);
	size_t i, n;
	const char *s;

	out[0] = '\0';
	if (v == NULL)
		return 0;
	if (!json_is_string(v) || (n = json_string_length(v)) >= outsz)
		return -1;
	s = json_string_value(v);
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -1;
	memcpy(out, s, n + 1);
	return 0;
}

static int int_member(json_t *o, const char *name, int64_t *out)
{
	json_t *v = json_object_get(o, name);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static void wipe_json_string(json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);

	if (v != NULL && json_is_string(v))
		explicit_bzero((char *)json_string_value(v),
		               json_string_length(v));
}

int atok_account_parse_state(const char *text, size_t len,
                             struct atok_account_state *st)
{
	json_error_t jerr;
	json_t *o = NULL, *v;
	int64_t n = 0, f = 0;
	int r = ATOK_ERR_MALFORMED;

	memset(st, 0, sizeof(*st));
	if (len > ATOK_ACCOUNT_STATE_MAX)
		return ATOK_ERR_MALFORMED;
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL || !json_is_object(o) ||
	    (v = json_object_get(o, "v")) == NULL || !json_is_integer(v) ||
	    json_integer_value(v) != 1)
		goto out;
	if (token_member(o, "access_token", ATOK_OAUTH_ACCESS_MAX,
	                 &st->access_token, &st->access_len) != 0 ||
	    token_member(o, "refresh_token", ATOK_OAUTH_REFRESH_MAX,
	                 &st->refresh_token, &st->refresh_len) != 0 ||
	    int_member(o, "expires_at", &st->expires_at) != 0 ||
	    int_member(o, "refreshed_at", &st->refreshed_at) != 0 ||
	    int_member(o, "generation", &n) != 0 ||
	    int_member(o, "error_at", &st->error_at) != 0 ||
	    int_member(o, "next_attempt", &st->next_attempt) != 0 ||
	    int_member(o, "logged_at", &st->logged_at) != 0 ||
	    int_member(o, "failures", &f) != 0 || f > 1000000 ||
	    text_member(o, "error", st->error, sizeof(st->error)) != 0 ||
	    text_member(o, "error_code", st->error_code,
	                sizeof(st->error_code)) != 0 ||
	    ((v = json_object_get(o, "reauth")) != NULL && !json_is_boolean(v)))
		goto out;
	st->reauth = json_is_true(v);
	st->generation = (uint64_t)n;
	st->failures = (unsigned)f;
	r = 0;
out:
	if (o != NULL) {
		wipe_json_string(o, "access_token");
		wipe_json_string(o, "refresh_token");
		json_decref(o);
	}
	if (r != 0)
		atok_account_state_clear(st);
	return r;
}

/* The state as JSON text (malloc'd; the caller wipes it), or NULL. */
static char *state_text(const struct atok_account_state *st, size_t *len)
{
	json_t *o = json_pack(
	    "{s:i, s:I, s:I, s:I, s:b, s:s, s:s, s:I, s:I, s:I, s:I}", "v", 1,
	    "generation", (json_int_t)st->generation, "expires_at",
	    (json_int_t)st->expires_at, "refreshed_at",
	    (json_int_t)st->refreshed_at, "reauth", st->reauth, "error",
	    st->error, "error_code", st->error_code, "error_at",
	    (json_int_t)st->error_at, "next_attempt",
	    (json_int_t)st->next_attempt, "logged_at",
	    (json_int_t)st->logged_at, "failures", (json_int_t)st->failures);
	char *text = NULL;

	if (o == NULL)
		return NULL;
	if ((st->access_token != NULL &&
	     json_object_set_new(
	         o, "access_token",
	         json_stringn(st->access_token, st->access_len)) != 0) ||
	    (st->refresh_token != NULL &&
	     json_object_set_new(
	         o, "refresh_token",
	         json_stringn(st->refresh_token, st->refresh_len)) != 0))
		goto out;
	if ((text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) != NULL)
		*len = strlen(text);
out:
	wipe_json_string(o, "access_token");
	wipe_json_string(o, "refresh_token");
	json_decref(o);
	return text;
}

/* --- paths, inside or outside the chroot ------------------------------- */

/* The store directory as seen now: inside the chroot (after Postfix's
 * chroot()), [client] store without the chroot's prefix. */
static const char *store_dir(const struct atok_account *a)
{
	struct stat st;

	if (a->chroot[0] != '\0' && stat("/", &st) == 0 &&
	    st.st_dev == a->chroot_dev && st.st_ino == a->chroot_ino)
		return a->store + strlen(a->chroot);
	return a->store;
}

static int file_path(const struct atok_account *a, const char *suffix,
                     char *buf, size_t n)
{
	if ((size_t)snprintf(buf, n, "%s/%s%s", store_dir(a), a->name,
	                     suffix) >= n)
		return ATOK_ERR_TOO_LONG;
	return 0;
}

int atok_account_state_path(const struct atok_account *a, char *buf, size_t n)
{
	return file_path(a, ".state", buf, n);
}

/*
 * Checks the store directory: a directory (not a symlink), no group or
 * world bits, owned by the effective user (or, for root, by anyone: root
 * keeps a service user's files).  Creates it 0700 when create.  Its
 * owner into *owner.
 */
static int check_dir(const struct atok_account *a, int create, uid_t *owner,
                     gid_t *group, struct atok_error *err)
{
	const char *dir = store_dir(a);
	struct stat st;

	if (lstat(dir, &st) != 0) {
		if (errno != ENOENT || !create)
			return atok_error_set(
			    err,
			    errno == ENOENT ? ATOK_ERR_NOT_FOUND : ATOK_ERR_IO,
			    "account %s: store directory %s: %s%s", a->name,
			    dir, strerror(errno),
			    errno == ENOENT ? " (run apitoken oauth login)"
			                    : "");
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return atok_error_set(err, ATOK_ERR_IO,
			                      "cannot create %s: %s", dir,
			                      strerror(errno));
		if (lstat(dir, &st) != 0)
			return atok_error_set(err, ATOK_ERR_IO, "%s: %s", dir,
			                      strerror(errno));
	}
	if (!S_ISDIR(st.st_mode) || (st.st_mode & 077) != 0 ||
	    (st.st_uid != geteuid() && geteuid() != 0))
		return atok_error_set(
		    err, ATOK_ERR_PERM,
		    "account %s: store %s must be a directory of uid %u "
		    "with mode 0700 (it is %s, uid %u, mode %04o)",
		    a->name, dir, (unsigned)geteuid(),
		    S_ISDIR(st.st_mode)   ? "a directory"
		    : S_ISLNK(st.st_mode) ? "a symlink"
		                          : "not a directory",
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	*owner = st.st_uid;
	*group = st.st_gid;
	return 0;
}

/* An open state or lock file is ours: regular, 0600 or stricter, owned
 * by the directory's owner, which is the effective user unless root. */
static int check_file(const struct atok_account *a, int fd, const char *path,
                      uid_t owner, struct stat *st, struct atok_error *err)
{
	(void)a;
	if (fstat(fd, st) != 0)
		return atok_error_set(err, ATOK_ERR_IO, "%s: %s", path,
		                      strerror(errno));
	if (!S_ISREG(st->st_mode) || (st->st_mode & 077) != 0 ||
	    st->st_uid != owner)
		return atok_error_set(err, ATOK_ERR_PERM,
		                      "%s must be a regular file of uid %u "
		                      "with mode 0600 (uid %u, mode %04o)",
		                      path, (unsigned)owner,
		                      (unsigned)st->st_uid,
		                      (unsigned)(st->st_mode & 07777));
	return 0;
}

static int read_state(struct atok_account *a, struct atok_account_state *st,
                      struct atok_error *err)
{
	char path[PATH_MAX], *buf = NULL;
	struct stat sb;
	uid_t owner = 0;
	gid_t group = 0;
	ssize_t n;
	int fd = -1, r;

	memset(st, 0, sizeof(*st));
	if ((r = check_dir(a, 0, &owner, &group, err)) != 0)
		return r;
	if (file_path(a, ".state", path, sizeof(path)) != 0)
		return atok_error_set(err, ATOK_ERR_TOO_LONG, "path too long");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return atok_error_set(err, ATOK_ERR_NOT_FOUND,
			                      "account %s has no state %s: run "
			                      "apitoken oauth login %s",
			                      a->name, path, a->name);
		return atok_error_set(
		    err, errno == ELOOP ? ATOK_ERR_PERM : ATOK_ERR_IO,
		    "cannot open %s: %s", path,
		    errno == ELOOP ? "a symlink" : strerror(errno));
	}
	if ((r = check_file(a, fd, path, owner, &sb, err)) != 0)
		goto out;
	if (sb.st_size > ATOK_ACCOUNT_STATE_MAX) {
		r = atok_error_set(err, ATOK_ERR_PERM,
		                   "%s is over %d bytes: refused", path,
		                   ATOK_ACCOUNT_STATE_MAX);
		goto out;
	}
	if ((buf = malloc(ATOK_ACCOUNT_STATE_MAX + 1)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	n = read(fd, buf, ATOK_ACCOUNT_STATE_MAX + 1);
	if (n < 0 || n > ATOK_ACCOUNT_STATE_MAX) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot read %s", path);
		goto out;
	}
	if (atok_account_parse_state(buf, (size_t)n, st) != 0) {
		r = atok_error_set(err, ATOK_ERR_MALFORMED,
		                   "state file %s is corrupt: run apitoken "
		                   "oauth login %s",
		                   path, a->name);
		goto out;
	}
	r = 0;
out:
	if (buf != NULL)
		atok_freezero(buf, ATOK_ACCOUNT_STATE_MAX + 1);
	close(fd);
	return r;
}

int atok_account_read(struct atok_account *a, struct atok_account_state *st,
                      struct atok_error *err)
{
	return read_state(a, st, err);
}

/* Writes st: temp file, fsync, rename, fsync of the directory
 * (atok_write_private_file), owned as the directory is. */
static int write_state(struct atok_account *a,
                       const struct atok_account_state *st,
                       struct atok_error *err)
{
	struct atok_private_write how = {(uid_t)-1, (gid_t)-1, false};
	char path[PATH_MAX], *text = NULL;
	size_t len = 0;
	uid_t owner = 0;
	gid_t group = 0;
	int r;

	if ((r = check_dir(a, 1, &owner, &group, err)) != 0)
		return r;
	if (file_path(a, ".state", path, sizeof(path)) != 0)
		return atok_error_set(err, ATOK_ERR_TOO_LONG, "path too long");
	if ((text = state_text(st, &len)) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	/* root writing a user's store gives the file to that user */
	if (geteuid() != owner) {
		how.uid = owner;
		how.gid = group;
	}
	r = atok_write_private_file(path, text, len, &how, err);
	if (r == ATOK_ERR_NOT_FOUND) { /* no file can be made there */
		r = ATOK_ERR_IO;
		if (err != NULL)
			err->code = r;
	}
	atok_freezero(text, len + 1);
	return r;
}

/* Takes the account's exclusive lock within lock_timeout; *fdp. */
static int lock(struct atok_account *a, int create, int *fdp,
                struct atok_error *err)
{
	struct timespec pause = {0, LOCK_POLL_NS};
	char path[PATH_MAX];
	struct stat st;
	uid_t owner = 0;
	gid_t group = 0;
	int64_t tries;
	int fd, r;

	*fdp = -1;
	if ((r = check_dir(a, create, &owner, &group, err)) != 0)
		return r;
	if (file_path(a, ".lock", path, sizeof(path)) != 0)
		return atok_error_set(err, ATOK_ERR_TOO_LONG, "path too long");
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return atok_error_set(
		    err, errno == ELOOP ? ATOK_ERR_PERM : ATOK_ERR_IO,
		    "cannot open %s: %s", path, strerror(errno));
	if (geteuid() != owner && fstat(fd, &st) == 0 &&
	    st.st_uid == geteuid() && fchown(fd, owner, group) != 0) {
		close(fd);
		return atok_error_set(err, ATOK_ERR_IO, "cannot chown %s: %s",
		                      path, strerror(errno));
	}
	if ((r = check_file(a, fd, path, owner, &st, err)) != 0) {
		close(fd);
		return r;
	}
	for (tries = a->lock_timeout * 1000000000LL / LOCK_POLL_NS;; tries--) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			break;
		if ((errno != EWOULDBLOCK && errno != EINTR) || tries <= 0) {
			close(fd);
			return atok_error_set(err, ATOK_ERR_BUSY,
			                      "account %s: lock %s not taken "
			                      "within %llds",
			                      a->name, path,
			                      (long long)a->lock_timeout);
		}
		nanosleep(&pause, NULL);
	}
	*fdp = fd;
	return 0;
}

static void unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

/* --- opening an account ------------------------------------------------ */

int atok_account_open(const struct atok_config *cfg, const char *name,
                      struct atok_account **out, struct atok_error *err)
{
	struct atok_oauth_client_conf cc = {0};
	const struct preset *p = NULL;
	struct atok_account *a = NULL;
	char tok[ATOK_HTTP_URL_MAX + 1], dev[ATOK_HTTP_URL_MAX + 1],
	    az[ATOK_HTTP_URL_MAX + 1];
	const char *s, *provider, *tenant, *method, *store, *chroot, *scope;
	struct stat st;
	size_t i;
	int r;

	*out = NULL;
	if (name == NULL ||
	    !atok_config_instance_name_valid(name, strlen(name)))
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "\"%.64s\" is not an account name",
		                      name ? name : "");
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	snprintf(a->name, sizeof(a->name), "%s", name);
	snprintf(a->section, sizeof(a->section), "account:%s", name);
	if (!atok_config_has_instance(cfg, ATOK_CFG_SECTION_ACCOUNT, a->name)) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "no [account:%s] in the configuration",
		                   name);
		goto fail;
	}
	store = atok_config_str(cfg, ATOK_CFG_CLIENT_STORE);
	chroot = atok_config_str(cfg, ATOK_CFG_CLIENT_CHROOT);
	if (chroot != NULL) {
		size_t cl = strlen(chroot);
		while (cl > 1 && chroot[cl - 1] == '/')
			cl--;
		if (strncmp(store, chroot, cl) != 0 || store[cl] != '/' ||
		    cl >= sizeof(a->chroot)) {
			r = atok_error_set(
			    err, ATOK_ERR_CONFIG,
			    "[client] store %s must be under chroot %s, so "
			    "that the chrooted client sees it",
			    store, chroot);
			goto fail;
		}
		memcpy(a->chroot, chroot, cl);
		a->chroot[cl] = '\0';
		if (stat(a->chroot, &st) == 0) {
			a->chroot_dev = st.st_dev;
			a->chroot_ino = st.st_ino;
		} else {
			a->chroot[0] = '\0'; /* no such jail on this host */
		}
	}
	if (atok_strlcpy(a->store, store, strlen(store), sizeof(a->store)) !=
	    0) {
		r = atok_error_set(err, ATOK_ERR_CONFIG, "store path too long");
		goto fail;
	}
	a->margin = atok_config_instance_is_set(cfg, a->name,
	                                        ATOK_CFG_ACCOUNT_REFRESH_MARGIN)
	                ? atok_config_instance_int(
	                      cfg, a->name, ATOK_CFG_ACCOUNT_REFRESH_MARGIN)
	                : atok_config_int(cfg, ATOK_CFG_CLIENT_REFRESH_MARGIN);
	a->lock_timeout = atok_config_int(cfg, ATOK_CFG_CLIENT_LOCK_TIMEOUT);
	a->client_credentials =
	    strcmp(
	        atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_GRANT),
	        "client_credentials") == 0;

	provider =
	    atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_PROVIDER);
	tenant =
	    atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_TENANT);
	for (i = 0; provider != NULL && i < ATOK_ARRAY_SIZE(presets); i++)
		if (strcmp(presets[i].name, provider) == 0)
			p = &presets[i];
	if (tenant == NULL)
		tenant = a->client_credentials ? NULL : "organizations";
	if (p != NULL && strcmp(p->name, "microsoft") == 0 &&
	    (tenant == NULL || strpbrk(tenant, "/?#%\"\\ ") != NULL)) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[%s] provider = microsoft with "
		                   "client_credentials needs tenant (the "
		                   "directory id or domain)",
		                   a->section);
		goto fail;
	}
	if (p != NULL)
		a->authorize_extra = p->authorize_extra;
	scope = atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_SCOPE);
	if (scope == NULL && p != NULL)
		scope =
		    a->client_credentials ? p->scope_app : p->scope_delegated;
	if ((r = atok_strdup(&a->scope, scope, err)) != 0 ||
	    (r = atok_strdup(&a->resource,
	                     atok_config_instance_str(
	                         cfg, a->name, ATOK_CFG_ACCOUNT_RESOURCE),
	                     err)) != 0 ||
	    (r = atok_strdup(
	         &a->user,
	         atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_USER),
	         err)) != 0)
		goto fail;
	if (a->user != NULL && !atok_name_valid(a->user, strlen(a->user))) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[%s] user is not a valid user name",
		                   a->section);
		goto fail;
	}

	cc.section = a->section;
	cc.issuer =
	    atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_ISSUER);
	cc.token_endpoint = atok_config_instance_str(
	    cfg, a->name, ATOK_CFG_ACCOUNT_TOKEN_ENDPOINT);
	cc.device_endpoint = atok_config_instance_str(
	    cfg, a->name, ATOK_CFG_ACCOUNT_DEVICE_ENDPOINT);
	cc.revocation_endpoint = atok_config_instance_str(
	    cfg, a->name, ATOK_CFG_ACCOUNT_REVOCATION_ENDPOINT);
	cc.authorization_endpoint = atok_config_instance_str(
	    cfg, a->name, ATOK_CFG_ACCOUNT_AUTHORIZATION_ENDPOINT);
	if (p != NULL && cc.issuer == NULL) {
		const char *t = tenant != NULL ? tenant : "";
		expand(tok, sizeof(tok), p->token, t);
		expand(dev, sizeof(dev), p->device, t);
		expand(az, sizeof(az), p->authorization, t);
		if (cc.token_endpoint == NULL)
			cc.token_endpoint = tok;
		if (cc.device_endpoint == NULL)
			cc.device_endpoint = dev;
		if (cc.authorization_endpoint == NULL)
			cc.authorization_endpoint = az;
		if (cc.revocation_endpoint == NULL)
			cc.revocation_endpoint = p->revocation;
	}
	cc.client_id =
	    atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_CLIENT_ID);
	cc.client_secret_file = atok_config_instance_str(
	    cfg, a->name, ATOK_CFG_ACCOUNT_CLIENT_SECRET_FILE);
	cc.private_key_file = atok_config_instance_str(
	    cfg, a->name, ATOK_CFG_ACCOUNT_PRIVATE_KEY_FILE);
	method = atok_config_instance_str(cfg, a->name,
	                                  ATOK_CFG_ACCOUNT_AUTH_METHOD);
	if (method == NULL)
		method = cc.private_key_file != NULL     ? "private_key_jwt"
		         : cc.client_secret_file != NULL ? "client_secret_basic"
		                                         : "none";
	if (a->client_credentials && strcmp(method, "none") == 0) {
		r = atok_error_set(err, ATOK_ERR_CONFIG,
		                   "[%s] grant = client_credentials needs a "
		                   "client_secret_file or private_key_file",
		                   a->section);
		goto fail;
	}
	cc.auth_method = method;
	cc.ca_file =
	    atok_config_instance_str(cfg, a->name, ATOK_CFG_ACCOUNT_CA_FILE);
	cc.timeout_ms = atok_config_int(cfg, ATOK_CFG_CLIENT_TIMEOUT) * 1000;
	cc.allow_http_loopback = atok_config_instance_bool(
	    cfg, a->name, ATOK_CFG_ACCOUNT_ALLOW_HTTP_LOOPBACK);
	if ((r = atok_oauth_client_new(&cc, &a->client, err)) != 0)
		goto fail;
	if ((s = a->scope) != NULL && strlen(s) > ATOK_SCOPES_MAX) {
		r = atok_error_set(err, ATOK_ERR_CONFIG, "[%s] scope too long",
		                   a->section);
		goto fail;
	}
	*out = a;
	return 0;
fail:
	atok_account_free(&a);
	return r;
}

void atok_account_free(struct atok_account **ap)
{
	struct atok_account *a;

	if (ap == NULL || (a = *ap) == NULL)
		return;
	atok_oauth_client_free(&a->client);
	free(a->scope);
	free(a->resource);
	free(a->user);
	free(a);
	*ap = NULL;
}

const char *atok_account_name(const struct atok_account *a)
{
	return a->name;
}

const char *atok_account_user(const struct atok_account *a)
{
	return a->user;
}

const char *atok_account_scope(const struct atok_account *a)
{
	return a->scope;
}

const char *atok_account_resource(const struct atok_account *a)
{
	return a->resource;
}

int atok_account_is_client_credentials(const struct atok_account *a)
{
	return a->client_credentials;
}

struct atok_oauth_client *atok_account_client(struct atok_account *a)
{
	return a->client;
}

const char *atok_account_authorize_extra(const struct atok_account *a)
{
	return a->authorize_extra;
}

/* --- the refresh -------------------------------------------------------- */

/* Whether the cached token is good until the refresh margin, which is at
 * most half of the token's lifetime (a 20 s token with a 600 s margin
 * would otherwise be refreshed on every use). */
static int fresh(const struct atok_account *a,
                 const struct atok_account_state *st, int64_t now)
{
	int64_t margin = a->margin, life;

	if (st->access_token == NULL || st->expires_at <= now)
		return 0;
	life = st->expires_at - st->refreshed_at;
	if (st->refreshed_at > 0 && life > 0 && margin > life / 2)
		margin = life / 2;
	return now < st->expires_at - margin;
}

/* Still usable at all (past the margin, not yet expired). */
static int usable(const struct atok_account_state *st, int64_t now)
{
	return st->access_token != NULL && now + 5 < st->expires_at;
}

enum atok_account_health
atok_account_health_of(const struct atok_account *a,
                       const struct atok_account_state *st, int64_t now)
{
	if (st->reauth)
		return ATOK_ACCOUNT_REAUTH;
	if (st->failures > 0 ||
	    (!fresh(a, st, now) && !usable(st, now) &&
	     st->refresh_token == NULL && !a->client_credentials))
		return st->refresh_token == NULL && !a->client_credentials &&
		               !usable(st, now)
		           ? ATOK_ACCOUNT_REAUTH
		           : ATOK_ACCOUNT_TROUBLE;
	return ATOK_ACCOUNT_HEALTHY;
}

static void event(struct atok_account_event *ev, const char *what,
                  enum atok_account_health health, int log,
                  const struct atok_account_state *st)
{
	ev->event = what;
	ev->health = health;
	ev->log = log;
	ev->generation = st != NULL ? st->generation : 0;
	if (st != NULL) {
		snprintf(ev->error, sizeof(ev->error), "%s", st->error_code);
		snprintf(ev->detail, sizeof(ev->detail), "%s", st->error);
	}
}

static int hand_out(const struct atok_account_state *st, char **token,
                    size_t *len, struct atok_error *err)
{
	if ((*token = malloc(st->access_len + 1)) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	memcpy(*token, st->access_token, st->access_len + 1);
	*len = st->access_len;
	return 0;
}

static int64_t backoff(unsigned failures, long retry_after)
{
	int64_t d = ATOK_ACCOUNT_BACKOFF_MIN;

	while (failures-- > 1 && d < ATOK_ACCOUNT_BACKOFF_MAX)
		d *= 2;
	if (d > ATOK_ACCOUNT_BACKOFF_MAX)
		d = ATOK_ACCOUNT_BACKOFF_MAX;
	if (retry_after > d)
		d = retry_after < ATOK_ACCOUNT_RETRY_AFTER_MAX
		        ? retry_after
		        : ATOK_ACCOUNT_RETRY_AFTER_MAX;
	return d;
}

/* The decision without the token endpoint: 1 when made (a token handed
 * out, or a failure), 0 when a refresh is due. */
static int decide(struct atok_account *a, struct atok_account_state *st,
                  int64_t now, int flags, int locked, char **token, size_t *len,
                  struct atok_account_event *ev, int *r, struct atok_error *err)
{
	if (!(flags & ATOK_ACCOUNT_FORCE) && fresh(a, st, now)) {
		*r = hand_out(st, token, len, err);
		event(ev, locked ? "peer-refreshed" : "cached",
		      ATOK_ACCOUNT_HEALTHY, locked, st);
		return 1;
	}
	if (st->reauth) {
		*r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                    "account %s needs a new authorization "
		                    "(the server said %s): run apitoken oauth "
		                    "login %s",
		                    a->name,
		                    st->error_code[0] ? st->error_code
		                                      : "invalid_grant",
		                    a->name);
		event(ev, "reauth-required", ATOK_ACCOUNT_REAUTH, 0, st);
		return 1;
	}
	if (!a->client_credentials && st->refresh_token == NULL) {
		if (usable(st, now)) {
			*r = hand_out(st, token, len, err);
			event(ev, "cached", ATOK_ACCOUNT_HEALTHY, 0, st);
			return 1;
		}
		*r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                    "account %s has no refresh token and its "
		                    "access token expired: run apitoken oauth "
		                    "login %s",
		                    a->name, a->name);
		event(ev, "reauth-required", ATOK_ACCOUNT_REAUTH, 1, st);
		return 1;
	}
	if (!(flags & ATOK_ACCOUNT_FORCE) && st->next_attempt > now) {
		if (usable(st, now)) {
			*r = hand_out(st, token, len, err);
			event(ev, "cached", ATOK_ACCOUNT_TROUBLE, 0, st);
			return 1;
		}
		*r =
		    atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                   "account %s: backing off for %llds after "
		                   "%u failures (last: %.200s)",
		                   a->name, (long long)(st->next_attempt - now),
		                   st->failures, st->error);
		event(ev, "backoff", ATOK_ACCOUNT_TROUBLE, 0, st);
		return 1;
	}
	return 0;
}

/* Asks the token endpoint and folds the answer into st (locked). */
static void refresh(struct atok_account *a, struct atok_account_state *st,
                    int64_t now, struct atok_oauth_reply *rep)
{
	struct atok_oauth_tokens t = {0};
	int r;

	if (a->client_credentials)
		r = atok_oauth_client_credentials(a->client, a->scope,
		                                  a->resource, now, &t, rep);
	else
		r = atok_oauth_refresh(a->client, st->refresh_token, a->scope,
		                       a->resource, now, &t, rep);
	if (r == 0) {
		if (st->access_token != NULL)
			atok_freezero(st->access_token, st->access_len + 1);
		st->access_token = t.access_token;
		st->access_len = t.access_len;
		t.access_token = NULL;
		if (t.refresh_token != NULL) { /* rotated */
			if (st->refresh_token != NULL)
				atok_freezero(st->refresh_token,
				              st->refresh_len + 1);
			st->refresh_token = t.refresh_token;
			st->refresh_len = t.refresh_len;
			t.refresh_token = NULL;
		}
		st->expires_at = t.expires_at;
		st->refreshed_at = now;
		st->generation++;
		st->reauth = 0;
		st->failures = 0;
		st->next_attempt = 0;
		st->error[0] = st->error_code[0] = '\0';
	} else {
		snprintf(st->error, sizeof(st->error), "%s", rep->detail);
		snprintf(st->error_code, sizeof(st->error_code), "%s",
		         rep->error);
		st->error_at = now;
		if (rep->outcome == ATOK_OAUTH_REAUTH) {
			st->reauth = 1;
			st->next_attempt = 0;
		} else {
			st->failures++;
			st->next_attempt =
			    now + backoff(st->failures, rep->retry_after);
		}
	}
	atok_oauth_tokens_clear(&t);
}

int atok_account_token(struct atok_account *a, int64_t now, int flags,
                       char **token, size_t *len, struct atok_account_event *ev,
                       struct atok_error *err)
{
	struct atok_account_state st = {0};
	struct atok_oauth_reply rep;
	int r = 0, fd = -1, wr;

	*token = NULL;
	*len = 0;
	memset(ev, 0, sizeof(*ev));
	ev->event = "error";
	ev->health = ATOK_ACCOUNT_TROUBLE;
	ev->log = 1;
	/* Without a lock first: most calls end here. */
	r = read_state(a, &st, err);
	if (r == ATOK_ERR_NOT_FOUND && a->client_credentials)
		r = 0; /* the first use of an app-only account */
	if (r != 0)
		goto out;
	/* A re-authorization line is due: the lock path records it. */
	if (!(st.reauth && now - st.logged_at >= ATOK_ACCOUNT_LOG_INTERVAL) &&
	    decide(a, &st, now, flags, 0, token, len, ev, &r, err))
		goto out;
	if (*token != NULL) {
		atok_freezero(*token, *len + 1);
		*token = NULL;
	}
	atok_account_state_clear(&st);
	if ((r = lock(a, a->client_credentials, &fd, err)) != 0)
		goto out;
	/* A peer may have refreshed while we waited. */
	r = read_state(a, &st, err);
	if (r == ATOK_ERR_NOT_FOUND && a->client_credentials)
		r = 0;
	if (r != 0)
		goto out;
	if (decide(a, &st, now, flags & ~ATOK_ACCOUNT_FORCE, 1, token, len, ev,
	           &r, err) &&
	    (!(flags & ATOK_ACCOUNT_FORCE) || st.reauth ||
	     (!a->client_credentials && st.refresh_token == NULL))) {
		/* One re-authorization line per ATOK_ACCOUNT_LOG_INTERVAL
		 * from all processes: the time is kept in the state. */
		if (st.reauth &&
		    now - st.logged_at >= ATOK_ACCOUNT_LOG_INTERVAL) {
			struct atok_error werr = {0};
			st.logged_at = now;
			if (write_state(a, &st, &werr) == 0)
				ev->log = 1;
		}
		goto out;
	}
	if (*token != NULL) { /* FORCE: drop the peer's, refresh anyway */
		atok_freezero(*token, *len + 1);
		*token = NULL;
		*len = 0;
	}
	refresh(a, &st, now, &rep);
	if (rep.outcome == ATOK_OAUTH_REAUTH) {
		ev->log = now - st.logged_at >= ATOK_ACCOUNT_LOG_INTERVAL;
		if (ev->log)
			st.logged_at = now;
	}
	/* The new state is durable before any token is handed out. */
	if ((wr = write_state(a, &st, err)) != 0) {
		r = wr;
		goto out;
	}
	if (rep.outcome == ATOK_OAUTH_OK) {
		r = hand_out(&st, token, len, err);
		event(ev, "refreshed", ATOK_ACCOUNT_HEALTHY, 1, &st);
		snprintf(ev->detail, sizeof(ev->detail), "%s", rep.detail);
	} else if (rep.outcome == ATOK_OAUTH_REAUTH) {
		int log = ev->log;
		r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                   "account %s needs a new authorization (the "
		                   "server said %s): run apitoken oauth login "
		                   "%s",
		                   a->name, rep.error, a->name);
		event(ev, "reauth-required", ATOK_ACCOUNT_REAUTH, log, &st);
	} else if (usable(&st, now)) {
		r = hand_out(&st, token, len, err);
		event(ev, "refresh-failed", ATOK_ACCOUNT_TROUBLE, 1, &st);
	} else {
		r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
		                   "account %s: refresh failed: %.200s",
		                   a->name, rep.detail);
		event(ev, "refresh-failed", ATOK_ACCOUNT_TROUBLE, 1, &st);
	}
out:
	unlock(fd);
	atok_account_state_clear(&st);
	if (r != 0 && *token != NULL) {
		atok_freezero(*token, *len + 1);
		*token = NULL;
		*len = 0;
	}
	return r;
}

int atok_account_token_refused(struct atok_account *a, const char *token,
                               size_t len, int64_t now,
                               struct atok_account_event *ev,
                               struct atok_error *err)
{
	struct atok_account_state st = {0};
	int r, fd = -1;

	memset(ev, 0, sizeof(*ev));
	ev->event = "stale";
	ev->log = 1;
	if ((r = lock(a, 0, &fd, err)) != 0)
		goto out;
	if ((r = read_state(a, &st, err)) != 0)
		goto out;
	ev->generation = st.generation;
	if (st.access_token != NULL && st.access_len == len &&
	    CRYPTO_memcmp(st.access_token, token, len) == 0 &&
	    st.expires_at > now) {
		st.expires_at = now; /* refreshed at the next use */
		r = write_state(a, &st, err);
	}
out:
	unlock(fd);
	atok_account_state_clear(&st);
	return r;
}

int atok_account_save(struct atok_account *a, const struct atok_oauth_tokens *t,
                      int64_t now, struct atok_account_event *ev,
                      struct atok_error *err)
{
	struct atok_account_state st = {0};
	int r, fd = -1;

	memset(ev, 0, sizeof(*ev));
	ev->event = "saved";
	ev->log = 1;
	if ((r = lock(a, 1, &fd, err)) != 0)
		goto out;
	r = read_state(a, &st, err);
	if (r != 0 && r != ATOK_ERR_NOT_FOUND && r != ATOK_ERR_MALFORMED)
		goto out;
	/* A login replaces whatever was there, keeping the generation. */
	{
		uint64_t gen = st.generation;
		atok_account_state_clear(&st);
		st.generation = gen + 1;
	}
	if ((r = atok_strdup(&st.access_token, t->access_token, err)) != 0 ||
	    (r = atok_strdup(&st.refresh_token, t->refresh_token, err)) != 0)
		goto out;
	st.access_len = t->access_len;
	st.refresh_len = t->refresh_token != NULL ? t->refresh_len : 0;
	st.expires_at = t->expires_at;
	st.refreshed_at = now;
	r = write_state(a, &st, err);
	ev->generation = st.generation;
out:
	unlock(fd);
	atok_account_state_clear(&st);
	return r;
}

int atok_account_logout(struct atok_account *a, int64_t now, int force,
                        struct atok_account_event *ev, struct atok_error *err)
{
	struct atok_account_state st = {0};
	struct atok_oauth_reply rep = {0};
	char path[PATH_MAX];
	int r, fd = -1;

	memset(ev, 0, sizeof(*ev));
	ev->event = "revoked";
	ev->log = 1;
	if ((r = lock(a, 0, &fd, err)) != 0)
		goto out;
	if ((r = read_state(a, &st, err)) != 0 && r != ATOK_ERR_MALFORMED)
		goto out;
	r = 0;
	if (st.refresh_token != NULL || st.access_token != NULL) {
		int rr = atok_oauth_revoke(
		    a->client,
		    st.refresh_token ? st.refresh_token : st.access_token,
		    st.refresh_token ? "refresh_token" : "access_token", now,
		    &rep);
		snprintf(ev->detail, sizeof(ev->detail), "%s", rep.detail);
		snprintf(ev->error, sizeof(ev->error), "%s", rep.error);
		if (rr != 0 && !force) {
			r = atok_error_set(err, ATOK_ERR_UNAVAILABLE,
			                   "account %s: revocation failed "
			                   "(%.200s); state kept (--force "
			                   "deletes it anyway)",
			                   a->name, rep.detail);
			goto out;
		}
	}
	if (file_path(a, ".state", path, sizeof(path)) != 0 ||
	    (unlink(path) != 0 && errno != ENOENT)) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot delete %s: %s",
		                   path, strerror(errno));
		goto out;
	}
	ev->generation = st.generation;
out:
	unlock(fd);
	atok_account_state_clear(&st);
	return r;
}

int atok_account_chown(struct atok_account *a, uid_t uid, gid_t gid,
                       struct atok_error *err)
{
	static const char *const suffixes[] = {".state", ".lock"};
	char path[PATH_MAX];
	size_t i;
	int fd;

	if (chown(store_dir(a), uid, gid) != 0)
		return atok_error_set(err, ATOK_ERR_IO, "cannot chown %s: %s",
		                      store_dir(a), strerror(errno));
	for (i = 0; i < ATOK_ARRAY_SIZE(suffixes); i++) {
		if (file_path(a, suffixes[i], path, sizeof(path)) != 0)
			return atok_error_set(err, ATOK_ERR_TOO_LONG,
			                      "path too long");
		if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			if (errno == ENOENT)
				continue;
			return atok_error_set(err, ATOK_ERR_IO, "%s: %s", path,
			                      strerror(errno));
		}
		if (fchown(fd, uid, gid) != 0) {
			close(fd);
			return atok_error_set(err, ATOK_ERR_IO,
			                      "cannot chown %s: %s", path,
			                      strerror(errno));
		}
		close(fd);
	}
	return 0;
}
