/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.c - the one configuration parser.
 *
 * The file is INI: `[section]`, `key = value`, `#` or `;` comments on their
 * own lines.  Every key is in keys[] with a type and range; the file and
 * the front ends' overrides go through the same set_value().
 */
#include "ac_config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atok.h"
#include "config.h"
#include "util.h"

enum key_type {
	T_STRING,  /* any printable text */
	T_PATH,    /* an absolute path */
	T_URL,     /* http(s)://... */
	T_BOOL,    /* yes|no|true|false|on|off|1|0 */
	T_INT,     /* integer in [min, max] */
	T_SECONDS, /* duration with optional s/m/h/d suffix, in [min, max] */
	T_ENUM,    /* one of choices */
	T_WORDS,   /* space-separated words, each one of choices if given */
};

struct key_def {
	const char *section;
	const char *key;
	enum key_type type;
	const char *def; /* default, as text; NULL = unset */
	long long min, max;
	const char *const *choices;
};

/* Indexed by enum atok_cfg_section: both come from ATOK_CFG_SECTIONS. */
static const char *const sections[] = {
#define SECTION_NAME(id, name, repeats) [ATOK_CFG_SECTION_##id] = (name),
    ATOK_CFG_SECTIONS(SECTION_NAME)
#undef SECTION_NAME
};
/* Sections that repeat as [NAME:INSTANCE], each instance with every key
 * of NAME: [account:NAME].  Never present without an instance. */
static const unsigned char repeated[] = {
#define SECTION_REPEATS(id, name, repeats) [ATOK_CFG_SECTION_##id] = (repeats),
    ATOK_CFG_SECTIONS(SECTION_REPEATS)
#undef SECTION_REPEATS
};

static const char *const store_backends[] = {"sqlite", "postgresql", NULL};
static const char *const jwt_algs[] = {
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512", NULL};
static const char *const charsets[] = {"b64token", "base64url", "alnum", "hex",
                                       NULL};
static const char *const auth_methods[] = {
    "client_secret_basic", "client_secret_post", "private_key_jwt", NULL};
static const char *const account_auth_methods[] = {
    "none", "client_secret_basic", "client_secret_post", "private_key_jwt",
    NULL};
static const char *const account_grants[] = {"refresh_token",
                                             "client_credentials", NULL};
static const char *const account_providers[] = {"microsoft", "google", NULL};

#define DAY (24LL * 3600)
/* Indexed by enum atok_cfg_key: both come from config_keys.def. */
static const struct key_def keys[] = {
#define ATOK_CFG_KEY(id, section, key, type, def, min, max, choices)           \
	[ATOK_CFG_##id] = {(section), (key), T_##type, (def),                  \
	                   (min),     (max), (choices)},
#include "config_keys.def"
#undef ATOK_CFG_KEY
};
#define N_KEYS     (sizeof(keys) / sizeof(keys[0]))
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))
_Static_assert(N_KEYS == ATOK_CFG_KEY_COUNT, "config_keys.def makes keys[]");
_Static_assert(N_SECTIONS == ATOK_CFG_SECTION_COUNT,
               "ATOK_CFG_SECTIONS makes sections[]");

struct value {
	char *s;     /* the text as given (or the default); NULL = unset */
	long long i; /* T_INT, T_SECONDS, T_BOOL */
};

/* One [NAME:INSTANCE] section: a full set of values, of which only the
 * keys of NAME are used. */
struct instance {
	int section;
	char name[ATOK_CONFIG_INSTANCE_MAX + 1];
	struct value v[N_KEYS];
};

struct atok_config {
	struct value v[N_KEYS];
	unsigned char present[N_SECTIONS];
	struct instance *inst; /* n_inst of them, in file order */
	size_t n_inst;
};

static int is_repeated(int sidx)
{
	return sidx >= 0 && (size_t)sidx < N_SECTIONS && repeated[sidx];
}

int atok_config_instance_name_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > ATOK_CONFIG_INSTANCE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static int find_section(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_SECTIONS; i++)
		if (strlen(sections[i]) == len &&
		    memcmp(sections[i], name, len) == 0)
			return (int)i;
	return -1;
}

static int set_value(struct atok_config *cfg, struct value *v, int idx,
                     const char *s, struct atok_error *err);

/* The instance of section sidx named name (n bytes), or NULL. */
static struct instance *find_instance(const struct atok_config *cfg, int sidx,
                                      const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < cfg->n_inst; i++)
		if (cfg->inst[i].section == sidx &&
		    strlen(cfg->inst[i].name) == n &&
		    memcmp(cfg->inst[i].name, name, n) == 0)
			return &cfg->inst[i];
	return NULL;
}

/*
 * Resolves a section name: a plain one to its index with the top-level
 * values, "NAME:INSTANCE" of a repeated section to its instance (created
 * with the defaults when create).  -1 when unknown or malformed, -2 out
 * of memory or over ATOK_CONFIG_INSTANCES_MAX.
 */
static int resolve(struct atok_config *cfg, const char *section, size_t len,
                   int create, struct value **vals)
{
	const char *colon = memchr(section, ':', len);
	size_t blen = colon != NULL ? (size_t)(colon - section) : len, i, nl;
	struct instance *ni;
	int sidx = find_section(section, blen);

	if (sidx < 0 || (colon != NULL) != is_repeated(sidx))
		return -1;
	if (colon == NULL) {
		*vals = cfg->v;
		return sidx;
	}
	nl = len - blen - 1;
	if (!atok_config_instance_name_valid(colon + 1, nl))
		return -1;
	if ((ni = find_instance(cfg, sidx, colon + 1, nl)) != NULL) {
		*vals = ni->v;
		return sidx;
	}
	if (!create)
		return -1;
	if (cfg->n_inst >= ATOK_CONFIG_INSTANCES_MAX ||
	    (ni = realloc(cfg->inst, (cfg->n_inst + 1) * sizeof(*ni))) == NULL)
		return -2;
	cfg->inst = ni;
	ni = &cfg->inst[cfg->n_inst++];
	memset(ni, 0, sizeof(*ni));
	ni->section = sidx;
	memcpy(ni->name, colon + 1, nl);
	for (i = 0; i < N_KEYS; i++)
		if (keys[i].def != NULL &&
		    strcmp(keys[i].section, sections[sidx]) == 0 &&
		    set_value(cfg, ni->v, (int)i, keys[i].def, NULL) != 0)
			return -2;
	*vals = ni->v;
	return sidx;
}

static int find_key(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < N_KEYS; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].key, key) == 0)
			return (int)i;
	return -1;
}

int atok_parse_duration(const char *s, long long *out)
{
	char *end = NULL;
	long long n, mult = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return ATOK_ERR_INVALID;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s)
		return ATOK_ERR_INVALID;
	if (*end != '\0') {
		switch (*end) {
		case 's':
			mult = 1;
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = DAY;
			break;
		default:
			return ATOK_ERR_INVALID;
		}
		if (end[1] != '\0')
			return ATOK_ERR_INVALID;
	}
	if (n > (long long)1e15 / mult)
		return ATOK_ERR_INVALID;
	*out = n * mult;
	return 0;
}

static int parse_bool(const char *s, long long *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return ATOK_ERR_INVALID;
}

static int in_choices(const char *const *choices, const char *s, size_t n)
{
	size_t i;

	for (i = 0; choices[i] != NULL; i++)
		if (strlen(choices[i]) == n && memcmp(choices[i], s, n) == 0)
			return 1;
	return 0;
}

static int printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* Validates text for key k; fills *num for numeric types. */
static int check_value(const struct key_def *k, const char *s, long long *num,
                       struct atok_error *err)
{
	const char *p;
	size_t n;

	*num = 0;
	if (strlen(s) > ATOK_CONFIG_VALUE_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "value of %s.%s is longer than %d bytes",
		                      k->section, k->key,
		                      ATOK_CONFIG_VALUE_MAX);
	if (!printable(s))
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "value of %s.%s holds control characters",
		                      k->section, k->key);
	if (*s == '\0')
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "%s.%s needs a value", k->section,
		                      k->key);
	switch (k->type) {
	case T_STRING:
		return 0;
	case T_PATH:
		if (s[0] != '/')
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "%s.%s must be an absolute path, "
			                      "not \"%s\"",
			                      k->section, k->key, s);
		return 0;
	case T_URL:
		if (strncmp(s, "https://", 8) != 0 &&
		    strncmp(s, "http://", 7) != 0)
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "%s.%s must be an http(s) URL, "
			                      "not \"%s\"",
			                      k->section, k->key, s);
		return 0;
	case T_BOOL:
		if (parse_bool(s, num) != 0)
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "%s.%s must be yes or no, not "
			                      "\"%s\"",
			                      k->section, k->key, s);
		return 0;
	case T_INT:
	case T_SECONDS: {
		int r;
		if (k->type == T_SECONDS) {
			r = atok_parse_duration(s, num);
		} else {
			char *end = NULL;
			errno = 0;
			*num = strtoll(s, &end, 10);
			r = (errno != 0 || end == s || *end != '\0' ||
			     !isdigit((unsigned char)s[0]))
			        ? ATOK_ERR_INVALID
			        : 0;
		}
		if (r != 0 || *num < k->min || *num > k->max)
			return atok_error_set(
			    err, ATOK_ERR_INVALID,
			    "%s.%s must be %s from %lld to %lld, not "
			    "\"%s\"",
			    k->section, k->key,
			    k->type == T_SECONDS ? "a duration (s/m/h/d) "
			                           "in seconds"
			                         : "a number",
			    k->min, k->max, s);
		return 0;
	}
	case T_ENUM:
		if (!in_choices(k->choices, s, strlen(s)))
			return atok_error_set(err, ATOK_ERR_INVALID,
			                      "%s.%s: unknown value \"%s\"",
			                      k->section, k->key, s);
		return 0;
	case T_WORDS:
		for (p = s; *p != '\0';) {
			while (*p == ' ')
				p++;
			n = strcspn(p, " ");
			if (n == 0)
				break;
			if (k->choices != NULL && !in_choices(k->choices, p, n))
				return atok_error_set(
				    err, ATOK_ERR_INVALID,
				    "%s.%s: unknown value \"%.*s\"", k->section,
				    k->key, (int)n, p);
			p += n;
		}
		return 0;
	}
	return atok_error_set(err, ATOK_ERR_INVALID, "bad key type");
}

static int set_value(struct atok_config *cfg, struct value *v, int idx,
                     const char *s, struct atok_error *err)
{
	long long num = 0;
	char *copy;
	int r;

	if ((r = check_value(&keys[idx], s, &num, err)) != 0)
		return r;
	if ((copy = strdup(s)) == NULL)
		return atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
	(void)cfg;
	free(v[idx].s);
	v[idx].s = copy;
	v[idx].i = num;
	return 0;
}

struct atok_config *atok_config_new(void)
{
	struct atok_config *cfg;
	size_t i;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return NULL;
	for (i = 0; i < N_KEYS; i++) {
		if (keys[i].def == NULL)
			continue;
		if (is_repeated(
		        find_section(keys[i].section, strlen(keys[i].section))))
			continue; /* per instance */
		if (set_value(cfg, cfg->v, (int)i, keys[i].def, NULL) != 0) {
			atok_config_free(&cfg);
			return NULL;
		}
	}
	return cfg;
}

void atok_config_free(struct atok_config **cfgp)
{
	size_t i;

	if (cfgp == NULL || *cfgp == NULL)
		return;
	size_t j;

	for (i = 0; i < N_KEYS; i++)
		free((*cfgp)->v[i].s);
	for (j = 0; j < (*cfgp)->n_inst; j++)
		for (i = 0; i < N_KEYS; i++)
			free((*cfgp)->inst[j].v[i].s);
	free((*cfgp)->inst);
	free(*cfgp);
	*cfgp = NULL;
}

int atok_config_set(struct atok_config *cfg, const char *section,
                    const char *key, const char *value, struct atok_error *err)
{
	struct value *vals = NULL;
	int sidx, kidx, r;

	if (cfg == NULL || section == NULL || key == NULL || value == NULL)
		return atok_error_set(err, ATOK_ERR_INVALID,
		                      "missing argument");
	if ((sidx = resolve(cfg, section, strlen(section), 1, &vals)) == -2)
		return atok_error_set(err, ATOK_ERR_NOMEM,
		                      "out of memory or more than %d "
		                      "[%.64s] sections",
		                      ATOK_CONFIG_INSTANCES_MAX, section);
	if (sidx < 0)
		return atok_error_set(
		    err, ATOK_ERR_CONFIG, "unknown section [%.80s]%s", section,
		    find_section(section, strcspn(section, ":")) >= 0
		        ? " (write [NAME:INSTANCE], the "
		          "instance of letters, digits, '_' "
		          "and '-')"
		        : "");
	if ((kidx = find_key(sections[sidx], key)) < 0)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "unknown key \"%.64s\" in [%s]", key,
		                      section);
	if ((r = set_value(cfg, vals, kidx, value, err)) != 0)
		return r;
	cfg->present[sidx] = 1;
	return 0;
}

int atok_config_set_dotted(struct atok_config *cfg, const char *arg,
                           struct atok_error *err)
{
	char section[ATOK_CONFIG_INSTANCE_MAX + 32], key[64];
	const char *dot, *eq;

	if (arg == NULL || (eq = strchr(arg, '=')) == NULL ||
	    (dot = memchr(arg, '.', (size_t)(eq - arg))) == NULL)
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "\"%.64s\" is not section.key=value",
		                      arg ? arg : "");
	if (atok_strlcpy(section, arg, (size_t)(dot - arg), sizeof(section)) ||
	    atok_strlcpy(key, dot + 1, (size_t)(eq - dot - 1), sizeof(key)))
		return atok_error_set(err, ATOK_ERR_CONFIG,
		                      "\"%.64s\": name too long", arg);
	return atok_config_set(cfg, section, key, eq + 1, err);
}

/* Trims ASCII blanks at both ends in place; returns the new start. */
static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int atok_config_load_buffer(struct atok_config *cfg, const char *buf,
                            size_t len, const char *origin,
                            struct atok_error *err)
{
	char line[ATOK_CONFIG_LINE_MAX + 2];
	const char *p = buf, *end = buf + len;
	char section[ATOK_CONFIG_INSTANCE_MAX + 32] = "";
	unsigned lineno = 0;
	int r;

	if (len > ATOK_CONFIG_FILE_MAX)
		return atok_error_set(err, ATOK_ERR_TOO_LONG,
		                      "%s: larger than %d bytes", origin,
		                      ATOK_CONFIG_FILE_MAX);
	if (memchr(buf, '\0', len) != NULL)
		return atok_error_set(err, ATOK_ERR_MALFORMED,
		                      "%s: holds a NUL byte", origin);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		char *s, *eq, *k, *v;

		lineno++;
		if (n > ATOK_CONFIG_LINE_MAX)
			return atok_error_set(
			    err, ATOK_ERR_TOO_LONG,
			    "%s:%u: line longer than %d bytes", origin, lineno,
			    ATOK_CONFIG_LINE_MAX);
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + (nl != NULL ? 1 : 0);
		s = trim(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close == NULL || *trim(close + 1) != '\0')
				return atok_error_set(
				    err, ATOK_ERR_CONFIG,
				    "%s:%u: malformed section header", origin,
				    lineno);
			*close = '\0';
			s = trim(s + 1);
			{
				struct value *vals;
				r = resolve(cfg, s, strlen(s), 1, &vals);
			}
			if (r == -2)
				return atok_error_set(
				    err, ATOK_ERR_CONFIG,
				    "%s:%u: out of memory or more than %d "
				    "[%.64s] sections",
				    origin, lineno, ATOK_CONFIG_INSTANCES_MAX,
				    s);
			if (r < 0)
				return atok_error_set(
				    err, ATOK_ERR_CONFIG,
				    "%s:%u: unknown section [%.80s]", origin,
				    lineno, s);
			cfg->present[r] = 1;
			snprintf(section, sizeof(section), "%s", s);
			continue;
		}
		if ((eq = strchr(s, '=')) == NULL)
			return atok_error_set(err, ATOK_ERR_CONFIG,
			                      "%s:%u: expected key = value",
			                      origin, lineno);
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (section[0] == '\0')
			return atok_error_set(err, ATOK_ERR_CONFIG,
			                      "%s:%u: \"%.64s\" is outside any "
			                      "[section]",
			                      origin, lineno, k);
		if ((r = atok_config_set(cfg, section, k, v, err)) != 0) {
			char detail[ATOK_ERROR_MSG_MAX];
			snprintf(detail, sizeof(detail), "%s",
			         err ? err->msg : "");
			return atok_error_set(err, r, "%s:%u: %s", origin,
			                      lineno, detail);
		}
	}
	return 0;
}

int atok_config_load_file(struct atok_config *cfg, const char *path,
                          struct atok_error *err)
{
	char *buf = NULL;
	struct stat st;
	ssize_t got;
	size_t have = 0;
	int fd = -1, r;

	if ((r = atok_check_path_safe(path, "configuration file", err)) != 0)
		return r == ATOK_ERR_NOT_FOUND ? ATOK_ERR_CONFIG : r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot open %s: %s", path,
		                   strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = atok_error_set(err, ATOK_ERR_IO, "%s is not a regular file",
		                   path);
		goto out;
	}
	if (st.st_size > ATOK_CONFIG_FILE_MAX) {
		r = atok_error_set(err, ATOK_ERR_TOO_LONG,
		                   "%s: larger than %d bytes", path,
		                   ATOK_CONFIG_FILE_MAX);
		goto out;
	}
	if ((buf = malloc(ATOK_CONFIG_FILE_MAX + 1)) == NULL) {
		r = atok_error_set(err, ATOK_ERR_NOMEM, "out of memory");
		goto out;
	}
	while ((got = read(fd, buf + have, ATOK_CONFIG_FILE_MAX + 1 - have)) >
	       0) {
		have += (size_t)got;
		if (have > ATOK_CONFIG_FILE_MAX)
			break;
	}
	if (got < 0) {
		r = atok_error_set(err, ATOK_ERR_IO, "cannot read %s: %s", path,
		                   strerror(errno));
		goto out;
	}
	r = atok_config_load_buffer(cfg, buf, have, path, err);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

int atok_config_key(size_t i, const char **section, const char **key)
{
	size_t k;

	/* Keys of repeated sections are set per instance, not overridden. */
	for (k = 0; k < N_KEYS; k++) {
		if (is_repeated(
		        find_section(keys[k].section, strlen(keys[k].section))))
			continue;
		if (i-- == 0) {
			*section = keys[k].section;
			*key = keys[k].key;
			return 1;
		}
	}
	return 0;
}

bool atok_config_has_section(const struct atok_config *cfg,
                             enum atok_cfg_section section)
{
	return cfg != NULL && (size_t)section < N_SECTIONS &&
	       cfg->present[section];
}

bool atok_config_has_instance(const struct atok_config *cfg,
                              enum atok_cfg_section section, const char *name)
{
	size_t j;

	if (cfg == NULL || name == NULL || !is_repeated((int)section))
		return false;
	for (j = 0; j < cfg->n_inst; j++)
		if (cfg->inst[j].section == (int)section &&
		    strcmp(cfg->inst[j].name, name) == 0)
			return true;
	return false;
}

const char *atok_config_section_name(enum atok_cfg_section section)
{
	return (size_t)section < N_SECTIONS ? sections[section] : NULL;
}

const char *atok_config_instance(const struct atok_config *cfg,
                                 enum atok_cfg_section section, size_t i)
{
	size_t j;

	if (cfg == NULL || !is_repeated((int)section))
		return NULL;
	for (j = 0; j < cfg->n_inst; j++)
		if (cfg->inst[j].section == (int)section && i-- == 0)
			return cfg->inst[j].name;
	return NULL;
}

const char *atok_config_key_name(enum atok_cfg_key key)
{
	return (size_t)key < N_KEYS ? keys[key].key : NULL;
}

/* Which getters may read a key: its type's, and atok_config_instance_is_set
 * any. */
enum getter { G_STR, G_INT, G_BOOL, G_ANY };

static int getter_fits(enum key_type type, enum getter g)
{
	switch (type) {
	case T_STRING:
	case T_PATH:
	case T_URL:
	case T_ENUM:
	case T_WORDS:
		return g == G_STR || g == G_ANY;
	case T_INT:
	case T_SECONDS:
		return g == G_INT || g == G_ANY;
	case T_BOOL:
		return g == G_BOOL || g == G_ANY;
	}
	return 0;
}

/*
 * The value of key for getter g: at the top level when !inst, else in the
 * instance `name` of key's repeated section.  NULL when key is no key or
 * name no instance; a getter of another type, or a repeated section read
 * without an instance (or the reverse), fails the assert and then reads
 * NULL.
 */
static const struct value *get(const struct atok_config *cfg, int inst,
                               const char *name, enum atok_cfg_key key,
                               enum getter g)
{
	const struct instance *in;
	int sidx, fits;

	if ((size_t)key >= N_KEYS)
		return NULL;
	sidx = find_section(keys[key].section, strlen(keys[key].section));
	fits = getter_fits(keys[key].type, g) && is_repeated(sidx) == inst;
	assert(fits && "a getter of the key's type and section kind");
	if (!fits || cfg == NULL)
		return NULL;
	if (!inst)
		return &cfg->v[key];
	if (name == NULL ||
	    (in = find_instance(cfg, sidx, name, strlen(name))) == NULL)
		return NULL;
	return &in->v[key];
}

static const char *value_str(const struct value *v)
{
	return v != NULL ? v->s : NULL;
}

static long long value_int(const struct value *v)
{
	return v != NULL && v->s != NULL ? v->i : 0;
}

static bool value_bool(const struct value *v)
{
	return v != NULL && v->s != NULL && v->i != 0;
}

const char *atok_config_str(const struct atok_config *cfg,
                            enum atok_cfg_key key)
{
	return value_str(get(cfg, 0, NULL, key, G_STR));
}

long long atok_config_int(const struct atok_config *cfg, enum atok_cfg_key key)
{
	return value_int(get(cfg, 0, NULL, key, G_INT));
}

bool atok_config_bool(const struct atok_config *cfg, enum atok_cfg_key key)
{
	return value_bool(get(cfg, 0, NULL, key, G_BOOL));
}

const char *atok_config_instance_str(const struct atok_config *cfg,
                                     const char *name, enum atok_cfg_key key)
{
	return value_str(get(cfg, 1, name, key, G_STR));
}

long long atok_config_instance_int(const struct atok_config *cfg,
                                   const char *name, enum atok_cfg_key key)
{
	return value_int(get(cfg, 1, name, key, G_INT));
}

bool atok_config_instance_bool(const struct atok_config *cfg, const char *name,
                               enum atok_cfg_key key)
{
	return value_bool(get(cfg, 1, name, key, G_BOOL));
}

bool atok_config_instance_is_set(const struct atok_config *cfg,
                                 const char *name, enum atok_cfg_key key)
{
	return value_str(get(cfg, 1, name, key, G_ANY)) != NULL;
}
