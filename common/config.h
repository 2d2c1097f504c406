/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * config.h - the one configuration parser, for the file and for front-end
 * overrides (PAM `section.key=value`, SASL `apitoken_<section>_<key>`).
 *
 * Every key has a type and a range; an unknown section or key, a bad value,
 * or an unsafe file is an error, never silently ignored.  A validator is
 * enabled by its section being present (in the file or by an override).
 */
#ifndef ATOK_CONFIG_H
#define ATOK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

#define ATOK_CONFIG_DEFAULT_PATH  "/etc/apitoken/apitoken.conf"
#define ATOK_CONFIG_FILE_MAX      (64 * 1024) /* bytes of a config file */
#define ATOK_CONFIG_LINE_MAX      1024        /* bytes of one line */
#define ATOK_CONFIG_VALUE_MAX     1024        /* bytes of one value */
#define ATOK_CONFIG_INSTANCE_MAX  64 /* bytes of NAME in [account:NAME] */
#define ATOK_CONFIG_INSTANCES_MAX 64 /* [account:NAME] sections */

struct atok_config;

/*
 * Every key of the configuration, ATOK_CFG_<SECTION>_<KEY>, made from
 * config_keys.def as the parser's table is: the getters take these, so a
 * misspelt key does not compile.
 */
enum atok_cfg_key {
#define ATOK_CFG_KEY(id, section, key, type, def, min, max, choices)           \
	ATOK_CFG_##id,
#include "config_keys.def"
#undef ATOK_CFG_KEY
	ATOK_CFG_KEY_COUNT /* the number of keys, itself none */
};

/*
 * Every section, ATOK_CFG_SECTION_<NAME>: what atok_config_has_section()
 * and atok_config_instance() take, so a misspelt section does not compile
 * either.  X(ID, name, repeats): a section that repeats is written
 * [name:INSTANCE] ([account:NAME]), each instance with every key of name.
 */
#define ATOK_CFG_SECTIONS(X)                                                   \
	X(STORE, "store", 0)                                                   \
	X(JWT, "jwt", 0)                                                       \
	X(INTROSPECTION, "introspection", 0)                                   \
	X(CACHE, "cache", 0)                                                   \
	X(PAM, "pam", 0)                                                       \
	X(CLIENT, "client", 0)                                                 \
	X(ACCOUNT, "account", 1)                                               \
	X(DEVICE, "device", 0)

enum atok_cfg_section {
#define ATOK_CFG_SECTION_ENUM(id, name, repeats) ATOK_CFG_SECTION_##id,
	ATOK_CFG_SECTIONS(ATOK_CFG_SECTION_ENUM)
#undef ATOK_CFG_SECTION_ENUM
	    ATOK_CFG_SECTION_COUNT /* the number of sections, itself none */
};

/* A new configuration with every key at its default and no section
 * present.  Returns NULL when out of memory. */
struct atok_config *atok_config_new(void);

/* Frees *cfgp (NULL fine) and sets it to NULL. */
void atok_config_free(struct atok_config **cfgp);

/*
 * Reads and applies the file at path.  The file must be a regular file
 * owned by root or the effective user, not group- or world-writable, in a
 * directory that is not either (unless sticky), and at most
 * ATOK_CONFIG_FILE_MAX bytes.  Errors name the file and line.
 */
int atok_config_load_file(struct atok_config *cfg, const char *path,
                          struct atok_error *err);

/* Parses configuration text (the file format); origin names it in errors. */
int atok_config_load_buffer(struct atok_config *cfg, const char *buf,
                            size_t len, const char *origin,
                            struct atok_error *err);

/* Sets one key, validated exactly as in the file, and marks the section
 * present. */
int atok_config_set(struct atok_config *cfg, const char *section,
                    const char *key, const char *value, struct atok_error *err);

/* Parses "section.key=value" (the PAM override form) and sets it. */
int atok_config_set_dotted(struct atok_config *cfg, const char *arg,
                           struct atok_error *err);

/*
 * The i-th key of the configuration table (0-based): sets *section and *key
 * and returns 1, or returns 0 past the end.  Front ends use it to offer
 * every key as an override (SASL's apitoken_<section>_<key>).
 */
int atok_config_key(size_t i, const char **section, const char **key);

/*
 * The name of the i-th instance (0-based, file order) of a repeated
 * section (ATOK_CFG_SECTION_ACCOUNT for [account:NAME]), or NULL past the
 * end or for a section that does not repeat.  Owned by cfg.
 * atok_config_set() takes such a section as "account:NAME", the instance
 * getters take the NAME.
 */
const char *atok_config_instance(const struct atok_config *cfg,
                                 enum atok_cfg_section section, size_t i);

/* Whether s (n bytes) may name an instance: 1 to ATOK_CONFIG_INSTANCE_MAX
 * letters, digits, '_' and '-'. */
int atok_config_instance_name_valid(const char *s, size_t n);

/* Whether a section appeared (in the file or an override); a repeated
 * section appears with its first instance. */
bool atok_config_has_section(const struct atok_config *cfg,
                             enum atok_cfg_section section);

/* Whether the instance name ([account:NAME]) of the repeated section
 * appeared; false for a section that does not repeat, or a NULL name. */
bool atok_config_has_instance(const struct atok_config *cfg,
                              enum atok_cfg_section section, const char *name);

/* The name of a section ("introspection"), for messages; NULL for none. */
const char *atok_config_section_name(enum atok_cfg_section section);

/* The name of key in its section ("timeout" for
 * ATOK_CFG_INTROSPECTION_TIMEOUT), for messages; NULL for no key. */
const char *atok_config_key_name(enum atok_cfg_key key);

/*
 * Typed getters: a key of a section that does not repeat, with the getter
 * of its type (config_keys.def).  Strings stay owned by cfg.  An unset key
 * reads NULL / 0 / false, and so does a value that is no key (only a cast
 * makes one).  A key of another type or of a repeated section is a
 * programming error that every call makes, whatever the input: it fails
 * an assert(), which aborts (no build of this tree defines NDEBUG); were
 * asserts compiled out, it would read NULL / 0 / false.
 */
const char *atok_config_str(const struct atok_config *cfg,
                            enum atok_cfg_key key);
long long atok_config_int(const struct atok_config *cfg, enum atok_cfg_key key);
bool atok_config_bool(const struct atok_config *cfg, enum atok_cfg_key key);

/*
 * The same for the instance `name` of a repeated section: key names the
 * section too (ATOK_CFG_ACCOUNT_CLIENT_ID: name's [account:NAME]).  An
 * unknown or NULL name reads NULL / 0 / false.  A key of a section that
 * does not repeat, or of another type, fails an assert() as above.
 */
const char *atok_config_instance_str(const struct atok_config *cfg,
                                     const char *name, enum atok_cfg_key key);
long long atok_config_instance_int(const struct atok_config *cfg,
                                   const char *name, enum atok_cfg_key key);
bool atok_config_instance_bool(const struct atok_config *cfg, const char *name,
                               enum atok_cfg_key key);

/* Whether key, of any type, has a value in the instance `name` (set in the
 * file or an override, or by a default); asserts as above. */
bool atok_config_instance_is_set(const struct atok_config *cfg,
                                 const char *name, enum atok_cfg_key key);

/*
 * Parses a duration "90", "90s", "15m", "12h", "90d" into seconds.
 * Returns 0 or ATOK_ERR_INVALID.
 */
int atok_parse_duration(const char *s, long long *out);

#endif /* ATOK_CONFIG_H */
