/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/config.c: the one parser, file and overrides. */
#include "ac_config.h"

#include <ctype.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "errors.h"
#include "fixture.h"
#include "tap.h"

static void test_buffers(void)
{
	static const struct {
		const char *text;
		int want;
		const char *msg; /* substring of the error, or NULL */
	} rows[] = {
	    {"", 0, NULL},
	    {"# comment\n; other\n\n", 0, NULL},
	    {"[store]\npath = /x/y.db\n", 0, NULL},
	    {"[store]\r\npath=/x/y.db\r\n", 0, NULL},
	    {"  [ store ]  \n  path =  /x  \n", 0, NULL},
	    {"[store]\nbusy_timeout = 100\nupdate_last_used = no\n", 0, NULL},
	    {"[jwt]\nalgorithms = RS256 EdDSA\nleeway = 2m\n", 0, NULL},
	    {"[introspection]\nauth_method = private_key_jwt\n", 0, NULL},
	    {"[store]\npath = relative.db\n", ATOK_ERR_INVALID,
	     "absolute path"},
	    {"[store]\nfoo = 1\n", ATOK_ERR_CONFIG, "unknown key \"foo\""},
	    {"[nope]\n", ATOK_ERR_CONFIG, "unknown section [nope]"},
	    {"path = /x\n", ATOK_ERR_CONFIG, "outside any [section]"},
	    {"[store\n", ATOK_ERR_CONFIG, "malformed section"},
	    {"[store] x\n", ATOK_ERR_CONFIG, "malformed section"},
	    {"[store]\njust words\n", ATOK_ERR_CONFIG, "key = value"},
	    {"[store]\npath =\n", ATOK_ERR_INVALID, "needs a value"},
	    {"[store]\nbusy_timeout = abc\n", ATOK_ERR_INVALID, "number"},
	    {"[store]\nbusy_timeout = -1\n", ATOK_ERR_INVALID, "number"},
	    {"[store]\nbusy_timeout = 60001\n", ATOK_ERR_INVALID, "60000"},
	    {"[store]\nbusy_timeout = 10x\n", ATOK_ERR_INVALID, "number"},
	    {"[store]\nupdate_last_used = maybe\n", ATOK_ERR_INVALID,
	     "yes or no"},
	    {"[store]\nbackend = ldap\n", ATOK_ERR_INVALID, "unknown value"},
	    {"[store]\nbackend = postgresql\nconninfo = host=/run/pg "
	     "dbname=a user=b\nadmin_conninfo = host=/run/pg dbname=a "
	     "user=c\ntimeout = 1\nlast_used_interval = 0\n"
	     "allow_insecure_transport = no\n",
	     0, NULL},
	    {"[store]\ntimeout = 0\n", ATOK_ERR_INVALID, "from 1 to 60"},
	    {"[store]\ntimeout = 61\n", ATOK_ERR_INVALID, "from 1 to 60"},
	    {"[store]\nlast_used_interval = 2d\n", ATOK_ERR_INVALID,
	     "from 0 to 86400"},
	    {"[store]\nallow_insecure_transport = sometimes\n",
	     ATOK_ERR_INVALID, "yes or no"},
	    {"[store]\nconninfo =\n", ATOK_ERR_INVALID, "needs a value"},
	    {"[jwt]\nalgorithms = RS256 none\n", ATOK_ERR_INVALID,
	     "unknown value \"none\""},
	    {"[jwt]\nleeway = 2y\n", ATOK_ERR_INVALID, "duration"},
	    {"[jwt]\njwks_uri = ftp://x\n", ATOK_ERR_INVALID, "URL"},
	    {"[store]\n\n\nfoo = 1\n", ATOK_ERR_CONFIG, "test:4:"},
	    {"[store]\npath = /a\x01\n", ATOK_ERR_INVALID, "control"},
	    {"[client]\nchroot = /var/spool/postfix\n", 0, NULL},
	    {"[account:m365]\ngrant = client_credentials\n", 0, NULL},
	    {"[account:a]\n[account:b]\n[account:a]\nscope = x\n", 0, NULL},
	    {"[account]\n", ATOK_ERR_CONFIG, "unknown section [account]"},
	    {"[account:]\n", ATOK_ERR_CONFIG, "unknown section"},
	    {"[account:a.b]\n", ATOK_ERR_CONFIG, "unknown section"},
	    {"[account:a b]\n", ATOK_ERR_CONFIG, "unknown section"},
	    {"[store:x]\n", ATOK_ERR_CONFIG, "unknown section"},
	    {"[account:x]\ngrant = password\n", ATOK_ERR_INVALID,
	     "unknown value"},
	    {"[account:x]\nprovider = yahoo\n", ATOK_ERR_INVALID,
	     "unknown value"},
	    {"[account:x]\npath = /x\n", ATOK_ERR_CONFIG,
	     "unknown key \"path\" in [account:x]"},
	    {"[account:x]\nauth_method = none\n", 0, NULL},
	    {"[introspection]\nauth_method = none\n", ATOK_ERR_INVALID,
	     "unknown value"},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		struct atok_config *cfg = atok_config_new();
		struct atok_error err = {0};
		int r = atok_config_load_buffer(
		    cfg, rows[i].text, strlen(rows[i].text), "test", &err);
		T_EQ_INT(r, rows[i].want, "buffer row %zu", i);
		if (rows[i].msg != NULL)
			T_OK(strstr(err.msg, rows[i].msg) != NULL,
			     "buffer row %zu message \"%s\" has \"%s\"", i,
			     err.msg, rows[i].msg);
		atok_config_free(&cfg);
		T_OK(cfg == NULL, "free clears the pointer (row %zu)", i);
	}
}

static void test_limits(void)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};
	char *big;
	size_t n = ATOK_CONFIG_FILE_MAX + 1;

	big = malloc(n);
	memset(big, '#', n);
	T_EQ_INT(atok_config_load_buffer(cfg, big, n, "t", &err),
	         ATOK_ERR_TOO_LONG, "file over the size limit");
	memset(big, 'a', ATOK_CONFIG_LINE_MAX + 1);
	T_EQ_INT(atok_config_load_buffer(cfg, big, ATOK_CONFIG_LINE_MAX + 1,
	                                 "t", &err),
	         ATOK_ERR_TOO_LONG, "line over the limit");
	T_EQ_INT(atok_config_load_buffer(cfg, "[store]\0x", 9, "t", &err),
	         ATOK_ERR_MALFORMED, "NUL byte");
	free(big);
	atok_config_free(&cfg);
	atok_config_free(NULL);
}

static void test_getters_and_overrides(void)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};
	static const struct {
		const char *arg;
		int want;
	} rows[] = {
	    {"store.path=/o/t.db", 0},
	    {"store.busy_timeout=250", 0},
	    {"jwt.leeway=1h", ATOK_ERR_INVALID}, /* over 3600? no: 3600 ok */
	    {"store.nope=1", ATOK_ERR_CONFIG},
	    {"nosection.key=1", ATOK_ERR_CONFIG},
	    {"store.path", ATOK_ERR_CONFIG},
	    {"storepath=/x", ATOK_ERR_CONFIG},
	    {"store.path=rel", ATOK_ERR_INVALID},
	    {"cache.dir=/var/cache/x", 0},
	};
	size_t i;

	T_EQ_STR(atok_config_str(cfg, ATOK_CFG_STORE_PATH),
	         "/var/lib/apitoken/tokens.db", "default store path");
	T_EQ_INT(atok_config_int(cfg, ATOK_CFG_STORE_BUSY_TIMEOUT), 5000,
	         "default busy_timeout");
	T_EQ_INT(atok_config_int(cfg, ATOK_CFG_STORE_TIMEOUT), 3,
	         "default PostgreSQL timeout");
	T_EQ_INT(atok_config_int(cfg, ATOK_CFG_STORE_LAST_USED_INTERVAL), 60,
	         "default last_used_interval");
	T_OK(!atok_config_bool(cfg, ATOK_CFG_STORE_ALLOW_INSECURE_TRANSPORT),
	     "insecure transport refused by default");
	T_OK(atok_config_str(cfg, ATOK_CFG_STORE_CONNINFO) == NULL,
	     "no conninfo by default");
	T_OK(atok_config_bool(cfg, ATOK_CFG_STORE_UPDATE_LAST_USED),
	     "default update_last_used");
	T_EQ_INT(atok_config_int(cfg, ATOK_CFG_JWT_LEEWAY), 60,
	         "default leeway");
	T_OK(!atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE),
	     "no section by default");
	T_OK(atok_config_str(cfg, ATOK_CFG_KEY_COUNT) == NULL,
	     "unknown getter");
	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		int want = rows[i].want;
		/* 1h = 3600 is exactly the maximum leeway: allowed. */
		if (i == 2)
			want = 0;
		T_EQ_INT(atok_config_set_dotted(cfg, rows[i].arg, &err), want,
		         "override row %zu \"%s\" (%s)", i, rows[i].arg,
		         err.msg);
	}
	T_EQ_STR(atok_config_str(cfg, ATOK_CFG_STORE_PATH), "/o/t.db",
	         "override took");
	T_EQ_INT(atok_config_int(cfg, ATOK_CFG_STORE_BUSY_TIMEOUT), 250,
	         "override int");
	T_EQ_INT(atok_config_int(cfg, ATOK_CFG_JWT_LEEWAY), 3600,
	         "duration override");
	T_OK(atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE),
	     "override marks section");
	T_OK(atok_config_has_section(cfg, ATOK_CFG_SECTION_JWT),
	     "override marks jwt");
	T_OK(!atok_config_has_section(cfg, ATOK_CFG_SECTION_INTROSPECTION),
	     "introspection absent");
	atok_config_free(&cfg);
}

static void test_durations(void)
{
	static const struct {
		const char *s;
		int r;
		long long v;
	} rows[] = {
	    {"0", 0, 0},
	    {"90", 0, 90},
	    {"90s", 0, 90},
	    {"15m", 0, 900},
	    {"12h", 0, 43200},
	    {"90d", 0, 7776000},
	    {"", ATOK_ERR_INVALID, 0},
	    {"d", ATOK_ERR_INVALID, 0},
	    {"-5", ATOK_ERR_INVALID, 0},
	    {"5w", ATOK_ERR_INVALID, 0},
	    {"5dd", ATOK_ERR_INVALID, 0},
	    {" 5", ATOK_ERR_INVALID, 0},
	    {"99999999999999999999", ATOK_ERR_INVALID, 0},
	    {"999999999999999d", ATOK_ERR_INVALID, 0},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		long long v = 0;
		int r = atok_parse_duration(rows[i].s, &v);
		T_EQ_INT(r, rows[i].r, "duration row %zu \"%s\"", i, rows[i].s);
		if (r == 0)
			T_EQ_INT(v, rows[i].v, "duration row %zu value", i);
	}
}

static void test_files(void)
{
	static const struct {
		const char *name;
		mode_t mode;
		int want;
	} rows[] = {
	    {"ok.conf", 0600, 0},
	    {"ok644.conf", 0644, 0},
	    {"gw.conf", 0620, ATOK_ERR_PERM},
	    {"ow.conf", 0602, ATOK_ERR_PERM},
	};
	struct atok_error err = {0};
	size_t i;
	char sub[600];

	fx_tmpdir();
	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		struct atok_config *cfg = atok_config_new();
		const char *p =
		    fx_file(rows[i].name, "[store]\npath = /x\n", rows[i].mode);
		T_EQ_INT(atok_config_load_file(cfg, p, &err), rows[i].want,
		         "file row %zu %s mode %04o (%s)", i, rows[i].name,
		         (unsigned)rows[i].mode, err.msg);
		atok_config_free(&cfg);
	}
	{
		struct atok_config *cfg = atok_config_new();
		T_EQ_INT(
		    atok_config_load_file(cfg, "/nonexistent/x.conf", &err),
		    ATOK_ERR_CONFIG, "missing file is a config error");
		T_OK(strstr(err.msg, "does not exist") != NULL,
		     "missing file message: %s", err.msg);
		T_EQ_INT(atok_config_load_file(cfg, fx_dir, &err),
		         ATOK_ERR_PERM, "a directory is refused");
		snprintf(sub, sizeof(sub), "%s/gwdir", fx_dir);
		mkdir(sub, 0777);
		chmod(sub, 0777);
		snprintf(sub, sizeof(sub), "%s/gwdir/a.conf", fx_dir);
		FILE *f = fopen(sub, "w");
		fputs("[store]\n", f);
		fclose(f);
		chmod(sub, 0600);
		T_EQ_INT(atok_config_load_file(cfg, sub, &err), ATOK_ERR_PERM,
		         "file in a world-writable dir refused (%s)", err.msg);
		{
			const char *p =
			    fx_file("bad.conf", "[store]\nx=1\n", 0600);
			T_EQ_INT(atok_config_load_file(cfg, p, &err),
			         ATOK_ERR_CONFIG, "bad key in file");
			T_OK(strstr(err.msg, "bad.conf:2:") != NULL,
			     "error names file and line: %s", err.msg);
		}
		atok_config_free(&cfg);
	}
}

/* [account:NAME]: one set of keys per instance, defaults per instance. */
static void test_instances(void)
{
	static const char text[] = "[account:one]\n"
	                           "client_id = c1\n"
	                           "scope = a b\n"
	                           "[client]\n"
	                           "refresh_margin = 5m\n"
	                           "[account:two]\n"
	                           "grant = client_credentials\n"
	                           "client_id = c2\n";
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};
	char many[64 * 24 + 32];
	size_t i, o = 0;

	T_EQ_INT(atok_config_load_buffer(cfg, text, strlen(text), "t", &err), 0,
	         "two accounts: %s", err.msg);
	T_EQ_STR(atok_config_instance(cfg, ATOK_CFG_SECTION_ACCOUNT, 0), "one",
	         "first account");
	T_EQ_STR(atok_config_instance(cfg, ATOK_CFG_SECTION_ACCOUNT, 1), "two",
	         "second account");
	T_OK(atok_config_instance(cfg, ATOK_CFG_SECTION_ACCOUNT, 2) == NULL,
	     "no third");
	T_EQ_STR(
	    atok_config_instance_str(cfg, "one", ATOK_CFG_ACCOUNT_CLIENT_ID),
	    "c1", "account one's client_id");
	T_EQ_STR(
	    atok_config_instance_str(cfg, "two", ATOK_CFG_ACCOUNT_CLIENT_ID),
	    "c2", "account two's client_id");
	T_EQ_STR(atok_config_instance_str(cfg, "one", ATOK_CFG_ACCOUNT_GRANT),
	         "refresh_token", "default grant in account one");
	T_EQ_STR(atok_config_instance_str(cfg, "two", ATOK_CFG_ACCOUNT_GRANT),
	         "client_credentials", "grant of account two");
	T_OK(atok_config_instance_str(cfg, "two", ATOK_CFG_ACCOUNT_SCOPE) ==
	         NULL,
	     "no scope leaks from account one to two");
	T_OK(atok_config_instance_str(cfg, "three",
	                              ATOK_CFG_ACCOUNT_CLIENT_ID) == NULL,
	     "an unknown account has no values");
	T_OK(atok_config_has_instance(cfg, ATOK_CFG_SECTION_ACCOUNT, "one") &&
	         !atok_config_has_instance(cfg, ATOK_CFG_SECTION_ACCOUNT,
	                                   "three") &&
	         atok_config_has_section(cfg, ATOK_CFG_SECTION_ACCOUNT),
	     "has_section by instance");
	T_EQ_INT(atok_config_int(cfg, ATOK_CFG_CLIENT_REFRESH_MARGIN), 300,
	         "[client] refresh_margin");
	T_EQ_INT(atok_config_set(cfg, "account:two", "scope", "s", &err), 0,
	         "an override of one instance");
	T_EQ_STR(atok_config_instance_str(cfg, "two", ATOK_CFG_ACCOUNT_SCOPE),
	         "s", "override applied");
	T_EQ_INT(atok_config_set_dotted(cfg, "account:one.user=bob", &err), 0,
	         "a dotted override of one instance");
	T_EQ_STR(atok_config_instance_str(cfg, "one", ATOK_CFG_ACCOUNT_USER),
	         "bob", "dotted override applied");
	atok_config_free(&cfg);

	/* At most ATOK_CONFIG_INSTANCES_MAX instances. */
	for (i = 0; i <= ATOK_CONFIG_INSTANCES_MAX; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o,
		                      "[account:a%zu]\n", i);
	cfg = atok_config_new();
	T_EQ_INT(atok_config_load_buffer(cfg, many, o, "t", &err),
	         ATOK_ERR_CONFIG, "%d accounts are too many: %s",
	         ATOK_CONFIG_INSTANCES_MAX + 1, err.msg);
	atok_config_free(&cfg);
}

/* Keys of a repeated section are no front-end override. */
static void test_override_keys(void)
{
	const char *section, *key;
	size_t i, acct = 0, client = 0;

	for (i = 0; atok_config_key(i, &section, &key); i++) {
		acct += strcmp(section, "account") == 0;
		client += strcmp(section, "client") == 0;
	}
	T_OK(acct == 0 && client > 0,
	     "override keys: %zu of [client], none of [account:NAME]", client);
}

/* The enum and the parser's table come from one list: each constant is
 * ATOK_CFG_<SECTION>_<KEY> and reads its own row. */
static void test_key_names(void)
{
	static const struct {
		enum atok_cfg_key key;
		const char *id, *section, *name;
	} rows[] = {
#define ATOK_CFG_KEY(id, section, key, type, def, min, max, choices)           \
	{ATOK_CFG_##id, #id, (section), (key)},
#include "config_keys.def"
#undef ATOK_CFG_KEY
	};
	char want[128];
	size_t i, j;

	T_EQ_INT(ATOK_ARRAY_SIZE_T(rows), ATOK_CFG_KEY_COUNT, "one row a key");
	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		snprintf(want, sizeof(want), "%s_%s", rows[i].section,
		         rows[i].name);
		for (j = 0; want[j] != '\0'; j++)
			want[j] = (char)toupper((unsigned char)want[j]);
		T_EQ_STR(rows[i].id, want, "row %zu, [%s] %s: its constant", i,
		         rows[i].section, rows[i].name);
		T_EQ_INT(rows[i].key, i, "ATOK_CFG_%s is row %zu", rows[i].id,
		         i);
		T_EQ_STR(atok_config_key_name(rows[i].key), rows[i].name,
		         "ATOK_CFG_%s names its key", rows[i].id);
	}
	T_OK(atok_config_key_name(ATOK_CFG_KEY_COUNT) == NULL,
	     "ATOK_CFG_KEY_COUNT names no key");
}

/* Every section constant names its section, every key's section is one of
 * them, and only [account:NAME] repeats. */
static void test_section_names(void)
{
	static const struct {
		enum atok_cfg_section section;
		const char *id, *name;
		int repeats;
	} rows[] = {
#define ROW(id, name, repeats) {ATOK_CFG_SECTION_##id, #id, (name), (repeats)},
	    ATOK_CFG_SECTIONS(ROW)
#undef ROW
	};
	struct atok_config *cfg = atok_config_new();
	const char *section, *key, *text = "[store]\npath = /x\n";
	char want[64];
	size_t i, j, k;

	T_EQ_INT(ATOK_ARRAY_SIZE_T(rows), ATOK_CFG_SECTION_COUNT,
	         "one row a section");
	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		snprintf(want, sizeof(want), "%s", rows[i].name);
		for (j = 0; want[j] != '\0'; j++)
			want[j] = (char)toupper((unsigned char)want[j]);
		T_EQ_STR(rows[i].id, want, "[%s]: its constant", rows[i].name);
		T_EQ_STR(atok_config_section_name(rows[i].section),
		         rows[i].name, "ATOK_CFG_SECTION_%s names it",
		         rows[i].id);
		T_OK(!atok_config_has_section(cfg, rows[i].section),
		     "[%s] absent from a new configuration", rows[i].name);
		T_OK(rows[i].repeats ==
		         (rows[i].section == ATOK_CFG_SECTION_ACCOUNT),
		     "[%s] repeats only if it is [account:NAME]", rows[i].name);
	}
	T_OK(atok_config_section_name(ATOK_CFG_SECTION_COUNT) == NULL,
	     "ATOK_CFG_SECTION_COUNT names no section");
	for (k = 0; atok_config_key(k, &section, &key); k++) {
		for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++)
			if (strcmp(rows[i].name, section) == 0)
				break;
		T_OK(i < ATOK_ARRAY_SIZE_T(rows), "[%s] %s: a known section",
		     section, key);
	}
	T_OK(atok_config_load_buffer(cfg, text, strlen(text), "t",
	                             &(struct atok_error){0}) == 0 &&
	         atok_config_has_section(cfg, ATOK_CFG_SECTION_STORE) &&
	         !atok_config_has_instance(cfg, ATOK_CFG_SECTION_STORE, "x") &&
	         atok_config_instance(cfg, ATOK_CFG_SECTION_STORE, 0) == NULL &&
	         !atok_config_has_section(cfg, ATOK_CFG_SECTION_COUNT) &&
	         !atok_config_has_instance(cfg, ATOK_CFG_SECTION_ACCOUNT, NULL),
	     "no instances of a section that does not repeat; out of range "
	     "and NULL are absent");
	atok_config_free(&cfg);
}

/* Runs one getter call in a child; returns its wait status. */
static int child_status(const struct atok_config *cfg, int which)
{
	struct rlimit no_core = {0, 0};
	pid_t pid;
	int status = 0;

	fflush(stdout);
	if ((pid = fork()) < 0)
		return -1;
	if (pid == 0) {
		(void)setrlimit(RLIMIT_CORE, &no_core);
		switch (which) {
		case 0:
			(void)atok_config_int(cfg, ATOK_CFG_STORE_PATH);
			break;
		case 1:
			(void)atok_config_str(cfg,
			                      ATOK_CFG_INTROSPECTION_TIMEOUT);
			break;
		case 2:
			(void)atok_config_bool(cfg, ATOK_CFG_JWT_LEEWAY);
			break;
		case 3:
			(void)atok_config_str(cfg, ATOK_CFG_ACCOUNT_CLIENT_ID);
			break;
		case 4:
			(void)atok_config_instance_str(cfg, "one",
			                               ATOK_CFG_JWT_ISSUER);
			break;
		case 5:
			(void)atok_config_instance_int(
			    cfg, "one", ATOK_CFG_ACCOUNT_CLIENT_ID);
			break;
		default:
			(void)atok_config_str(cfg, ATOK_CFG_STORE_PATH);
			break;
		}
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* A getter of another type, or a key of a repeated section read without an
 * instance (or the reverse), aborts: a programming error fails loudly. */
static void test_getter_misuse(void)
{
	static const char *const what[] = {
	    "int getter for a path",      "str getter for a duration",
	    "bool getter for a duration", "top-level getter for [account:NAME]",
	    "instance getter for [jwt]",  "int instance getter for a string"};
	struct atok_config *cfg = atok_config_new();
	struct atok_error err = {0};
	size_t i;
	int st;

	T_EQ_INT(atok_config_load_buffer(cfg, "[account:one]\n", 14, "t", &err),
	         0, "an account: %s", err.msg);
	for (i = 0; i < ATOK_ARRAY_SIZE_T(what); i++) {
		st = child_status(cfg, (int)i);
		T_OK(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT,
		     "%s aborts", what[i]);
	}
	st = child_status(cfg, -1);
	T_OK(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	     "the right getter does not");
	T_OK(atok_config_instance_is_set(cfg, "one", ATOK_CFG_ACCOUNT_GRANT) &&
	         !atok_config_instance_is_set(
	             cfg, "one", ATOK_CFG_ACCOUNT_REFRESH_MARGIN) &&
	         !atok_config_instance_is_set(cfg, "two",
	                                      ATOK_CFG_ACCOUNT_GRANT),
	     "is_set: a default counts, an unknown instance has none");
	atok_config_free(&cfg);
}

int main(void)
{
	test_instances();
	test_override_keys();
	test_key_names();
	test_section_names();
	test_getter_misuse();
	test_buffers();
	test_limits();
	test_getters_and_overrides();
	test_durations();
	test_files();
	return t_done();
}
