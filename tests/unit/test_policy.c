/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for common/policy.c: the issuance policy. */
#include "ac_config.h"

#include <string.h>

#include "atok.h"
#include "config.h"
#include "errors.h"
#include "policy.h"
#include "tap.h"

#define NOW 1800000000LL
#define DAY (24LL * 3600)

int main(void)
{
	/* config text, load result, max, default, message part */
	static const struct {
		const char *conf;
		int r;
		long long max, dflt;
		const char *msg;
	} load[] = {
	    {.conf = "", .dflt = 90 * DAY, .msg = ""},
	    {.conf = "max_lifetime = 30d\n",
	     .max = 30 * DAY,
	     .dflt = 90 * DAY,
	     .msg = ""},
	    {.conf = "max_expires = 30d\n",
	     .max = 30 * DAY,
	     .dflt = 90 * DAY,
	     .msg = ""},
	    {.conf = "max_expires = 30d\nmax_lifetime = 30d\n",
	     .max = 30 * DAY,
	     .dflt = 90 * DAY,
	     .msg = ""},
	    {.conf = "max_expires = 30d\nmax_lifetime = 7d\n",
	     .r = ATOK_ERR_CONFIG,
	     .msg = "old name"},
	    {.conf = "default_lifetime = 7d\n", .dflt = 7 * DAY, .msg = ""},
	    {.conf = "max_lifetime = 30d\ndefault_lifetime = 7d\n",
	     .max = 30 * DAY,
	     .dflt = 7 * DAY,
	     .msg = ""},
	    {.conf = "max_lifetime = 7d\ndefault_lifetime = 30d\n",
	     .r = ATOK_ERR_CONFIG,
	     .msg = "longer than max_lifetime"},
	    {.conf = "known_scopes = ssh  imap\n", .dflt = 90 * DAY, .msg = ""},
	};
	/* expires relative to NOW (0 = never), with max_lifetime 30d */
	static const struct {
		long long rel;
		int never, r;
	} exp[] = {
	    {.rel = DAY},
	    {.rel = 30 * DAY},
	    {.rel = 30 * DAY + 1, .r = ATOK_ERR_INVALID},
	    {.never = 1, .r = ATOK_ERR_INVALID},
	};
	static const struct {
		const char *scopes;
		int r;
	} sc[] = {
	    {.scopes = ""},
	    {.scopes = "ssh"},
	    {.scopes = "imap ssh"},
	    {.scopes = "shh", .r = ATOK_ERR_INVALID},
	    {.scopes = "ssh sshd", .r = ATOK_ERR_INVALID},
	    {.scopes = "ss", .r = ATOK_ERR_INVALID},
	};
	struct atok_policy pol;
	struct atok_error err = {0};
	struct atok_config *cfg;
	char text[256];
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(load); i++) {
		cfg = atok_config_new();
		snprintf(text, sizeof(text), "[store]\n%s", load[i].conf);
		atok_error_clear(&err);
		T_EQ_INT(atok_config_load_buffer(cfg, text, strlen(text),
		                                 "test", &err),
		         0, "load row %zu config (%s)", i, err.msg);
		T_EQ_INT(atok_policy_load(cfg, &pol, &err), load[i].r,
		         "load row %zu (%s)", i, err.msg);
		if (load[i].r == 0) {
			T_EQ_INT(pol.max_lifetime, load[i].max,
			         "load row %zu max", i);
			T_EQ_INT(pol.default_lifetime, load[i].dflt,
			         "load row %zu default", i);
		} else {
			T_OK(strstr(err.msg, load[i].msg) != NULL,
			     "load row %zu message has \"%s\"", i, load[i].msg);
		}
		atok_config_free(&cfg);
	}
	cfg = atok_config_new();
	T_EQ_INT(
	    atok_config_set(cfg, "store", "known_scopes", "ssh imap", &err), 0,
	    "known_scopes set");
	T_EQ_INT(atok_config_set(cfg, "store", "max_lifetime", "30d", &err), 0,
	         "max_lifetime set");
	T_EQ_INT(atok_config_set(cfg, "store", "max_lifetime", "never", &err),
	         ATOK_ERR_INVALID, "max_lifetime = never is not a duration");
	T_EQ_INT(atok_policy_load(cfg, &pol, &err), 0, "policy load");
	for (i = 0; i < ATOK_ARRAY_SIZE_T(exp); i++) {
		T_EQ_INT(
		    atok_policy_check_expires(
		        &pol, NOW, exp[i].never ? 0 : NOW + exp[i].rel, &err),
		    exp[i].r, "expires row %zu (%s)", i, err.msg);
		if (exp[i].r != 0)
			T_OK(strstr(err.msg, "max_lifetime") != NULL,
			     "expires row %zu names the key", i);
	}
	for (i = 0; i < ATOK_ARRAY_SIZE_T(sc); i++)
		T_EQ_INT(atok_policy_check_scopes(&pol, sc[i].scopes, &err),
		         sc[i].r, "scopes row %zu \"%s\" (%s)", i, sc[i].scopes,
		         err.msg);
	T_OK(strstr(err.msg, "\"ss\"") != NULL, "the unknown scope is named");
	atok_config_free(&cfg);

	/* The old key's name is the one in errors when it set the limit. */
	cfg = atok_config_new();
	atok_config_set(cfg, "store", "max_expires", "1d", &err);
	atok_policy_load(cfg, &pol, &err);
	T_EQ_INT(atok_policy_check_expires(&pol, NOW, 0, &err),
	         ATOK_ERR_INVALID, "max_expires refuses never");
	T_OK(strstr(err.msg, "max_expires") != NULL, "and names max_expires");
	atok_config_free(&cfg);
	/* No policy: anything goes. */
	cfg = atok_config_new();
	atok_policy_load(cfg, &pol, &err);
	T_EQ_INT(atok_policy_check_expires(&pol, NOW, 0, &err), 0,
	         "no maximum: never is fine");
	T_EQ_INT(atok_policy_check_scopes(&pol, "anything at:all", &err), 0,
	         "no known scopes: any scope");
	atok_config_free(&cfg);
	return t_done();
}
