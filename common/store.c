/* SPDX-License-Identifier: BSD-3-Clause */
/* store.c - the store interface: picks the backend, dispatches. */
#include "ac_config.h"

#include <string.h>

#include "config.h"
#include "store.h"
#ifdef HAVE_LIBPQ
#include "store_pg.h"
#endif

/* Every backend's struct starts with the ops pointer. */
struct atok_store {
	const struct atok_store_ops *ops;
};

int atok_store_open(const struct atok_config *cfg, enum atok_store_mode mode,
                    struct atok_store **sp, struct atok_error *err)
{
	const char *backend = atok_config_str(cfg, ATOK_CFG_STORE_BACKEND);
	const char *path = atok_config_str(cfg, ATOK_CFG_STORE_PATH);

	*sp = NULL;
	if (backend == NULL || strcmp(backend, "sqlite") == 0)
		return atok_store_sqlite_open(
		    path, mode,
		    (int)atok_config_int(cfg, ATOK_CFG_STORE_BUSY_TIMEOUT), sp,
		    err);
#ifdef HAVE_LIBPQ
	if (strcmp(backend, "postgresql") == 0)
		return atok_store_pg_open(cfg, mode, sp, err);
#endif
	return atok_error_set(err, ATOK_ERR_CONFIG,
	                      "store backend %s is not built in "
	                      "(configure --with-libpq)",
	                      backend);
}

void atok_store_close(struct atok_store **sp)
{
	if (sp == NULL || *sp == NULL)
		return;
	(*sp)->ops->close(*sp);
	*sp = NULL;
}

int atok_store_lookup(struct atok_store *s, const char *id,
                      struct atok_token_record *rec, struct atok_error *err)
{
	return s->ops->lookup(s, id, rec, err);
}

int atok_store_insert(struct atok_store *s, const struct atok_token_record *rec,
                      struct atok_error *err)
{
	return s->ops->insert(s, rec, err);
}

int atok_store_list(struct atok_store *s, const char *user,
                    atok_store_list_cb cb, void *arg, struct atok_error *err)
{
	return s->ops->list(s, user, cb, arg, err);
}

int atok_store_revoke(struct atok_store *s, const char *id, int64_t now,
                      struct atok_error *err)
{
	return s->ops->revoke(s, id, now, err);
}

int atok_store_replace(struct atok_store *s, const char *old_id,
                       const struct atok_token_record *new_rec, int64_t now,
                       int64_t until, struct atok_error *err)
{
	return s->ops->replace(s, old_id, new_rec, now, until, err);
}

int atok_store_touch(struct atok_store *s, const char *id, int64_t now,
                     const char *from, struct atok_error *err)
{
	return s->ops->touch(s, id, now, from, err);
}

int atok_store_writable(const struct atok_store *s)
{
	return s->ops->writable(s);
}

int atok_store_info(struct atok_store *s, int *schema_version,
                    long long *n_tokens, struct atok_error *err)
{
	return s->ops->info(s, schema_version, n_tokens, err);
}

int atok_store_migrated(const struct atok_store *s, int *from, int *to)
{
	if (s->ops->migrated == NULL)
		return 0;
	return s->ops->migrated(s, from, to);
}
