/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_oauth_client.c - the token-endpoint client's response rules
 * (common/oauth_client.c) and the shared client authentication
 * (common/clientauth.c), table-driven; no network.
 */
#include "ac_config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "account.h"
#include "b64url.h"
#include "clientauth.h"
#include "oauth_client.h"
#include "tap.h"

#define NOW 1800000000LL

struct token_row {
	const char *name;
	long status;
	const char *body;
	long retry_after;
	int ok;
	enum atok_oauth_outcome outcome;
	const char *error;
	int64_t expires_at;  /* when ok */
	const char *refresh; /* when ok; NULL: none */
};

static const struct token_row token_rows[] = {
    {.name = "issued",
     .status = 200,
     .body = "{\"access_token\":\"at-1\",\"token_type\":\"Bearer\","
             "\"expires_in\":3599,\"refresh_token\":\"rt-2\"}",
     .retry_after = -1,
     .ok = 1,
     .outcome = ATOK_OAUTH_OK,
     .error = "",
     .expires_at = NOW + 3599,
     .refresh = "rt-2"},
    {.name = "no refresh token (Google)",
     .status = 200,
     .body = "{\"access_token\":\"at\",\"token_type\":\"Bearer\","
             "\"expires_in\":60,\"scope\":\"https://mail.google.com/\"}",
     .retry_after = -1,
     .ok = 1,
     .outcome = ATOK_OAUTH_OK,
     .error = "",
     .expires_at = NOW + 60},
    {.name = "token_type in lower case",
     .status = 200,
     .body =
         "{\"access_token\":\"at\",\"token_type\":\"bearer\",\"expires_in\":1}",
     .retry_after = -1,
     .ok = 1,
     .outcome = ATOK_OAUTH_OK,
     .error = "",
     .expires_at = NOW + 1},
    {.name = "expires_in as a string (Microsoft v1)",
     .status = 200,
     .body = "{\"access_token\":\"at\",\"token_type\":\"Bearer\","
             "\"expires_in\":\"3600\"}",
     .retry_after = -1,
     .ok = 1,
     .outcome = ATOK_OAUTH_OK,
     .error = "",
     .expires_at = NOW + 3600},
    {.name = "no expires_in: the default",
     .status = 200,
     .body = "{\"access_token\":\"at\",\"token_type\":\"Bearer\"}",
     .retry_after = -1,
     .ok = 1,
     .outcome = ATOK_OAUTH_OK,
     .error = "",
     .expires_at = NOW + ATOK_OAUTH_EXPIRES_DEFAULT},
    {.name = "expires_in 0",
     .status = 200,
     .body =
         "{\"access_token\":\"at\",\"token_type\":\"Bearer\",\"expires_in\":0}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "expires_in negative",
     .status = 200,
     .body = "{\"access_token\":\"at\",\"token_type\":\"Bearer\","
             "\"expires_in\":-5}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "expires_in a float",
     .status = 200,
     .body = "{\"access_token\":\"at\",\"token_type\":\"Bearer\","
             "\"expires_in\":1.5}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "expires_in over a year",
     .status = 200,
     .body = "{\"access_token\":\"at\",\"token_type\":\"Bearer\","
             "\"expires_in\":99999999999}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "token_type mac",
     .status = 200,
     .body = "{\"access_token\":\"at\",\"token_type\":\"mac\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "no token_type",
     .status = 200,
     .body = "{\"access_token\":\"at\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "access_token with a space",
     .status = 200,
     .body = "{\"access_token\":\"a t\",\"token_type\":\"Bearer\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "access_token with a control character",
     .status = 200,
     .body = "{\"access_token\":\"a\\u0001t\",\"token_type\":\"Bearer\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "access_token empty",
     .status = 200,
     .body = "{\"access_token\":\"\",\"token_type\":\"Bearer\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "access_token a number",
     .status = 200,
     .body = "{\"access_token\":5,\"token_type\":\"Bearer\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "two access_tokens",
     .status = 200,
     .body = "{\"access_token\":\"a\",\"access_token\":\"b\","
             "\"token_type\":\"Bearer\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "refresh_token not a string",
     .status = 200,
     .body = "{\"access_token\":\"a\",\"token_type\":\"Bearer\","
             "\"refresh_token\":[]}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "an array",
     .status = 200,
     .body = "[1]",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "not JSON",
     .status = 200,
     .body = "access_token=at",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "empty",
     .status = 200,
     .body = "",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "invalid_grant",
     .status = 400,
     .body = "{\"error\":\"invalid_grant\",\"error_description\":\"revoked\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_REAUTH,
     .error = "invalid_grant"},
    {.name = "invalid_client",
     .status = 401,
     .body = "{\"error\":\"invalid_client\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_CLIENT,
     .error = "invalid_client"},
    {.name = "invalid_scope",
     .status = 400,
     .body = "{\"error\":\"invalid_scope\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_CLIENT,
     .error = "invalid_scope"},
    {.name = "authorization_pending",
     .status = 400,
     .body = "{\"error\":\"authorization_pending\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_PENDING,
     .error = "authorization_pending"},
    {.name = "slow_down",
     .status = 400,
     .body = "{\"error\":\"slow_down\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_SLOW_DOWN,
     .error = "slow_down"},
    {.name = "expired_token",
     .status = 400,
     .body = "{\"error\":\"expired_token\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_DENIED,
     .error = "expired_token"},
    {.name = "access_denied",
     .status = 400,
     .body = "{\"error\":\"access_denied\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_DENIED,
     .error = "access_denied"},
    {.name = "400 without a code",
     .status = 400,
     .body = "bad",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "error code with a quote",
     .status = 400,
     .body = "{\"error\":\"a\\\"b\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "error code too long",
     .status = 400,
     .body = "{\"error\":"
             "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaa\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "429",
     .status = 429,
     .body = "",
     .retry_after = 30,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "503",
     .status = 503,
     .body = "<html>",
     .retry_after = 5,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "500 with a token in it",
     .status = 500,
     .body = "{\"access_token\":\"at\",\"token_type\":\"Bearer\"}",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_TEMPORARY,
     .error = ""},
    {.name = "302",
     .status = 302,
     .body = "",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_CLIENT,
     .error = ""},
    {.name = "404",
     .status = 404,
     .body = "",
     .retry_after = -1,
     .outcome = ATOK_OAUTH_CLIENT,
     .error = ""},
};

static void test_token_rows(void)
{
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(token_rows); i++) {
		const struct token_row *w = &token_rows[i];
		struct atok_oauth_tokens t;
		struct atok_oauth_reply rep;
		int r = atok_oauth_parse_token_response(
		    w->status, w->body, strlen(w->body), w->retry_after, NOW,
		    &t, &rep);

		T_EQ_INT(r == 0, w->ok, "token row %zu (%s): result", i,
		         w->name);
		T_EQ_INT(rep.outcome, w->outcome, "token row %zu (%s): outcome",
		         i, w->name);
		T_EQ_STR(rep.error, w->error, "token row %zu (%s): error", i,
		         w->name);
		if (w->ok) {
			T_EQ_INT(t.expires_at, w->expires_at,
			         "token row %zu (%s): expiry", i, w->name);
			T_EQ_STR(t.refresh_token, w->refresh,
			         "token row %zu (%s): refresh token", i,
			         w->name);
			T_OK(t.access_token != NULL &&
			         strlen(t.access_token) == t.access_len,
			     "token row %zu (%s): access token", i, w->name);
		} else {
			T_OK(t.access_token == NULL && t.refresh_token == NULL,
			     "token row %zu (%s): no token kept", i, w->name);
		}
		if (w->status == 429 || w->status == 503)
			T_EQ_INT(rep.retry_after, w->retry_after,
			         "token row %zu (%s): retry after", i, w->name);
		T_OK(strstr(rep.detail, "at-1") == NULL &&
		         strstr(rep.detail, "rt-2") == NULL,
		     "token row %zu (%s): no token in the detail", i, w->name);
		atok_oauth_tokens_clear(&t);
	}
}

static void test_limits(void)
{
	struct atok_oauth_tokens t;
	struct atok_oauth_reply rep;
	size_t n = ATOK_OAUTH_ACCESS_MAX + 1, i;
	char *body = malloc(n + 100);
	int r;

	if (body == NULL)
		abort();
	for (i = 0; i < 2; i++) {
		size_t len = n - i; /* over the limit, then at it */
		int o = snprintf(body, 40, "{\"access_token\":\"");
		memset(body + o, 'a', len);
		snprintf(body + o + len, 60, "\",\"token_type\":\"Bearer\"}");
		r = atok_oauth_parse_token_response(200, body, strlen(body), -1,
		                                    NOW, &t, &rep);
		T_EQ_INT(r == 0, i == 1, "access token of %zu bytes (limit %d)",
		         len, ATOK_OAUTH_ACCESS_MAX);
		atok_oauth_tokens_clear(&t);
	}
	free(body);
	r = atok_oauth_parse_token_response(
	    200, "{}", ATOK_OAUTH_RESPONSE_MAX + 1, -1, NOW, &t, &rep);
	T_OK(r != 0, "a response over ATOK_OAUTH_RESPONSE_MAX is refused");
}

static void test_device(void)
{
	static const struct {
		const char *name, *body;
		long status;
		int ok;
		long interval;
	} rows[] = {
	    {.name = "complete",
	     .body = "{\"device_code\":\"dc\",\"user_code\":\"AB-CD\","
	             "\"verification_uri\":\"https://i.test/device\","
	             "\"verification_uri_complete\":\"https://i.test/d?c=AB\","
	             "\"expires_in\":600,\"interval\":7}",
	     .status = 200,
	     .ok = 1,
	     .interval = 7},
	    {.name = "no interval (oidc-provider): 5 s",
	     .body = "{\"device_code\":\"dc\",\"user_code\":\"AB\","
	             "\"verification_uri\":\"https://i.test/device\","
	             "\"expires_in\":600}",
	     .status = 200,
	     .ok = 1,
	     .interval = 5},
	    {.name = "Google's verification_url",
	     .body = "{\"device_code\":\"dc\",\"user_code\":\"AB\","
	             "\"verification_url\":\"https://www.google.com/device\","
	             "\"expires_in\":\"1800\",\"interval\":5}",
	     .status = 200,
	     .ok = 1,
	     .interval = 5},
	    {.name = "no user_code",
	     .body = "{\"device_code\":\"dc\",\"verification_uri\":\"https://"
	             "i.test/\","
	             "\"expires_in\":600}",
	     .status = 200},
	    {.name = "no expires_in",
	     .body = "{\"device_code\":\"dc\",\"user_code\":\"AB\","
	             "\"verification_uri\":\"https://i.test/\"}",
	     .status = 200},
	    {.name = "interval 0",
	     .body =
	         "{\"device_code\":\"dc\",\"user_code\":\"AB\","
	         "\"verification_uri\":\"https://i.test/\",\"expires_in\":6,"
	         "\"interval\":0}",
	     .status = 200},
	    {.name = "user_code with a newline",
	     .body =
	         "{\"device_code\":\"dc\",\"user_code\":\"A\\nB\","
	         "\"verification_uri\":\"https://i.test/\",\"expires_in\":6}",
	     .status = 200},
	    {.name = "an error",
	     .body = "{\"error\":\"invalid_client\"}",
	     .status = 401},
	};
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		struct atok_oauth_device dev;
		struct atok_oauth_reply rep;
		int r = atok_oauth_parse_device_response(
		    rows[i].status, rows[i].body, strlen(rows[i].body), NOW,
		    &dev, &rep);
		T_EQ_INT(r == 0, rows[i].ok, "device row %zu (%s)", i,
		         rows[i].name);
		if (rows[i].ok)
			T_EQ_INT(dev.interval, rows[i].interval,
			         "device row %zu (%s): interval", i,
			         rows[i].name);
		else
			T_OK(dev.device_code[0] == '\0',
			     "device row %zu (%s): no device code kept", i,
			     rows[i].name);
	}
}

static void test_metadata(void)
{
	static const char good[] =
	    "{\"issuer\":\"https://i.test\","
	    "\"token_endpoint\":\"https://i.test/token\","
	    "\"device_authorization_endpoint\":\"https://i.test/device\","
	    "\"revocation_endpoint\":\"https://i.test/revoke\"}";
	static const char other[] = "{\"issuer\":\"https://evil.test\","
	                            "\"token_endpoint\":\"https://e.test/t\"}";
	static const char no_token[] = "{\"issuer\":\"https://i.test\"}";
	char tok[ATOK_HTTP_URL_MAX + 1] = "", dev[ATOK_HTTP_URL_MAX + 1] = "",
	                             rev[ATOK_HTTP_URL_MAX + 1] = "",
	                             az[ATOK_HTTP_URL_MAX + 1] = "";
	struct atok_oauth_reply rep;

	T_EQ_INT(atok_oauth_parse_metadata(good, strlen(good), "https://i.test",
	                                   tok, dev, rev, az, &rep),
	         0, "metadata read");
	T_EQ_STR(tok, "https://i.test/token", "token endpoint");
	T_EQ_STR(dev, "https://i.test/device", "device endpoint");
	T_EQ_STR(rev, "https://i.test/revoke", "revocation endpoint");
	T_EQ_STR(az, "", "no authorization endpoint");
	snprintf(tok, sizeof(tok), "https://configured.test/token");
	T_EQ_INT(atok_oauth_parse_metadata(good, strlen(good), "https://i.test",
	                                   tok, dev, rev, az, &rep),
	         0, "metadata read again");
	T_EQ_STR(tok, "https://configured.test/token",
	         "a configured endpoint wins over the metadata");
	tok[0] = '\0';
	T_OK(atok_oauth_parse_metadata(other, strlen(other), "https://i.test",
	                               tok, dev, rev, az, &rep) != 0 &&
	         tok[0] == '\0',
	     "metadata of another issuer is refused");
	T_OK(atok_oauth_parse_metadata(no_token, strlen(no_token),
	                               "https://i.test", tok, dev, rev, az,
	                               &rep) != 0,
	     "metadata without a token endpoint is refused");
}

static void test_form_and_auth(void)
{
	struct atok_client_auth *ca = NULL;
	struct atok_error err = {0};
	struct atok_form form = {0};
	const char *header = NULL;
	char dir[] = "/tmp/test_oauth_client.XXXXXX", path[64];
	int fd;

	atok_form_add(&form, "grant_type", "refresh_token", 13);
	atok_form_add(&form, "x", "a b&c=d/é", strlen("a b&c=d/é"));
	T_EQ_STR(form.buf, "grant_type=refresh_token&x=a%20b%26c%3Dd%2F%C3%A9",
	         "form body encodes every reserved byte");
	atok_form_clear(&form);
	T_OK(form.buf == NULL && form.len == 0, "form cleared");

	T_OK(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/secret", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	T_OK(fd >= 0 && write(fd, "s3:cr&t\n", 8) == 8, "secret file");
	close(fd);

	T_EQ_INT(atok_client_auth_new("account:x", "client_secret_basic",
	                              "my id", path, NULL, &ca, &err),
	         0, "client_secret_basic");
	T_EQ_INT(atok_client_auth_apply(ca, "https://i.test/token", NOW, &form,
	                                &header, &err),
	         0, "basic applied");
	/* base64("my%20id:s3%3Acr%26t") */
	T_EQ_STR(header, "Authorization: Basic bXklMjBpZDpzMyUzQWNyJTI2dA==",
	         "basic header form-encodes id and secret (RFC 6749 2.3.1)");
	T_OK(form.len == 0, "basic adds nothing to the body");
	atok_client_auth_free(&ca);
	T_OK(ca == NULL, "freed");

	T_EQ_INT(atok_client_auth_new("account:x", "client_secret_post", "id",
	                              path, NULL, &ca, &err),
	         0, "client_secret_post");
	atok_client_auth_apply(ca, "https://i.test/token", NOW, &form, &header,
	                       &err);
	T_EQ_STR(form.buf, "client_id=id&client_secret=s3%3Acr%26t",
	         "post: id and secret in the body");
	T_OK(header == NULL, "post: no header");
	atok_form_clear(&form);
	atok_client_auth_free(&ca);

	T_EQ_INT(atok_client_auth_new("account:x", "none", "public", NULL, NULL,
	                              &ca, &err),
	         0, "none");
	atok_client_auth_apply(ca, "https://i.test/token", NOW, &form, &header,
	                       &err);
	T_EQ_STR(form.buf, "client_id=public", "none: the id only");
	atok_form_clear(&form);
	atok_client_auth_free(&ca);

	T_EQ_INT(atok_client_auth_new("account:x", "client_secret_post", "id",
	                              NULL, NULL, &ca, &err),
	         ATOK_ERR_CONFIG, "post without a secret file: %s", err.msg);
	T_OK(strstr(err.msg, "[account:x]") != NULL, "error names the section");
	T_EQ_INT(atok_client_auth_new("account:x", "private_key_jwt", "id",
	                              NULL, NULL, &ca, &err),
	         ATOK_ERR_CONFIG, "private_key_jwt without a key: %s", err.msg);
	T_EQ_INT(atok_client_auth_new("account:x", "none", "a\"b", NULL, NULL,
	                              &ca, &err),
	         ATOK_ERR_CONFIG, "a quote in client_id: %s", err.msg);
	chmod(path, 0644);
	T_EQ_INT(atok_client_auth_new("account:x", "client_secret_post", "id",
	                              path, NULL, &ca, &err),
	         ATOK_ERR_PERM, "a world-readable secret: %s", err.msg);
	unlink(path);
	rmdir(dir);
}

static void test_pkce(void)
{
	char v[ATOK_OAUTH_PKCE_LEN + 1], c[ATOK_OAUTH_PKCE_LEN + 1],
	    want[ATOK_OAUTH_PKCE_LEN + 2];
	unsigned char md[32];
	unsigned int n = 0;

	T_EQ_INT(atok_oauth_pkce_new(v, c), 0, "PKCE pair");
	T_EQ_INT(strlen(v), 43, "verifier: 43 characters (RFC 7636 4.1)");
	EVP_Digest(v, strlen(v), md, &n, EVP_sha256(), NULL);
	atok_b64url_encode(md, 32, want);
	T_EQ_STR(c, want, "challenge = BASE64URL(SHA256(verifier))");
}

/* The state file's reader (common/account.c). */
static void test_state(void)
{
	static const struct {
		const char *name, *text;
		int ok;
	} rows[] = {
	    {"complete",
	     "{\"v\":1,\"access_token\":\"at\",\"refresh_token\":\"rt\","
	     "\"expires_at\":1800000600,\"refreshed_at\":1800000000,"
	     "\"generation\":7,\"reauth\":false,\"error\":\"\","
	     "\"error_code\":\"\",\"error_at\":0,\"next_attempt\":0,"
	     "\"logged_at\":0,\"failures\":0}",
	     1},
	    {"minimal", "{\"v\":1}", 1},
	    {"re-authorization",
	     "{\"v\":1,\"reauth\":true,\"error_code\":\"invalid_grant\"}", 1},
	    {"version 2", "{\"v\":2}", 0},
	    {"no version", "{\"access_token\":\"at\"}", 0},
	    {"torn", "{\"v\":1,\"access_token\":\"a", 0},
	    {"two access tokens",
	     "{\"v\":1,\"access_token\":\"a\",\"access_token\":\"b\"}", 0},
	    {"token with a space", "{\"v\":1,\"access_token\":\"a b\"}", 0},
	    {"token a number", "{\"v\":1,\"refresh_token\":5}", 0},
	    {"negative expiry", "{\"v\":1,\"expires_at\":-1}", 0},
	    {"reauth a string", "{\"v\":1,\"reauth\":\"yes\"}", 0},
	    {"error with a newline", "{\"v\":1,\"error\":\"a\\nb\"}", 0},
	    {"an array", "[1]", 0},
	    {"empty", "", 0},
	};
	struct atok_account_state st;
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		int r = atok_account_parse_state(rows[i].text,
		                                 strlen(rows[i].text), &st);
		T_EQ_INT(r == 0, rows[i].ok, "state row %zu (%s)", i,
		         rows[i].name);
		if (r != 0)
			T_OK(st.access_token == NULL &&
			         st.refresh_token == NULL,
			     "state row %zu (%s): nothing kept", i,
			     rows[i].name);
		atok_account_state_clear(&st);
	}
	T_EQ_INT(
	    atok_account_parse_state(rows[0].text, strlen(rows[0].text), &st),
	    0, "complete state");
	T_OK(st.generation == 7 && st.expires_at == 1800000600 &&
	         st.refresh_len == 2 && strcmp(st.access_token, "at") == 0,
	     "complete state: values");
	atok_account_state_clear(&st);
	T_OK(atok_account_parse_state("{}", ATOK_ACCOUNT_STATE_MAX + 1, &st) !=
	         0,
	     "a state over ATOK_ACCOUNT_STATE_MAX is refused");
}

/* The redirect of a browser login (RFC 6749 4.1.2): request line,
 * pasted URL or bare query. */
static void test_redirect(void)
{
	static const char state[] = "0123456789abcdef0123456789abcdef";
	static const struct {
		const char *name, *text;
		int ok;
		enum atok_oauth_outcome outcome;
		const char *code;
	} rows[] = {
	    {.name = "request line",
	     .text = "GET /?code=abc&state=0123456789abcdef0123456789abcdef "
	             "HTTP/1.1",
	     .ok = 1,
	     .outcome = ATOK_OAUTH_OK,
	     .code = "abc"},
	    {.name = "pasted URL",
	     .text = "http://127.0.0.1/"
	             "?state=0123456789abcdef0123456789abcdef&code=a%2Fb"
	             "&scope=x",
	     .ok = 1,
	     .outcome = ATOK_OAUTH_OK,
	     .code = "a/b"},
	    {.name = "bare query, fragment dropped",
	     .text = "code=c1&state=0123456789abcdef0123456789abcdef#frag",
	     .ok = 1,
	     .outcome = ATOK_OAUTH_OK,
	     .code = "c1"},
	    {.name = "wrong state",
	     .text = "GET /?code=abc&state=0123456789abcdef0123456789abcdee "
	             "HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "state a prefix",
	     .text = "GET /?code=abc&state=0123456789abcdef0123456789abcde "
	             "HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "no state",
	     .text = "GET /?code=abc HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "two codes",
	     .text =
	         "GET /?code=a&code=b&state=0123456789abcdef0123456789abcdef "
	         "HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "code with a space",
	     .text = "GET /?code=a+b&state=0123456789abcdef0123456789abcdef "
	             "HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "code with a control character",
	     .text = "GET /?code=a%01b&state=0123456789abcdef0123456789abcdef "
	             "HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "truncated escape",
	     .text = "GET /?state=0123456789abcdef0123456789abcdef&code=a%4",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "empty code",
	     .text =
	         "GET /?code=&state=0123456789abcdef0123456789abcdef HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "access_denied",
	     .text =
	         "GET "
	         "/?error=access_denied&state=0123456789abcdef0123456789abcdef "
	         "HTTP/1.1",
	     .outcome = ATOK_OAUTH_DENIED,
	     .code = ""},
	    {.name = "favicon",
	     .text = "GET /favicon.ico HTTP/1.1",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	    {.name = "nothing",
	     .text = "",
	     .outcome = ATOK_OAUTH_CLIENT,
	     .code = ""},
	};
	char code[ATOK_OAUTH_CODE_MAX + 1], *big;
	struct atok_oauth_reply rep;
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(rows); i++) {
		int r = atok_oauth_parse_redirect(rows[i].text,
		                                  strlen(rows[i].text), state,
		                                  code, sizeof(code), &rep);
		T_EQ_INT(r == 0, rows[i].ok, "redirect row %zu (%s)", i,
		         rows[i].name);
		T_EQ_INT(rep.outcome, rows[i].outcome,
		         "redirect row %zu (%s): outcome", i, rows[i].name);
		T_EQ_STR(code, rows[i].code, "redirect row %zu (%s): code", i,
		         rows[i].name);
	}
	T_EQ_STR(rep.error, "", "no error code kept from a non-error row");
	atok_oauth_parse_redirect(rows[11].text, strlen(rows[11].text), state,
	                          code, sizeof(code), &rep);
	T_EQ_STR(rep.error, "access_denied", "the error code is kept");
	/* A code over ATOK_OAUTH_CODE_MAX. */
	big = malloc(ATOK_OAUTH_CODE_MAX + 100);
	if (big == NULL)
		abort();
	i = (size_t)snprintf(big, 60, "state=%s&code=", state);
	memset(big + i, 'c', ATOK_OAUTH_CODE_MAX + 1);
	big[i + ATOK_OAUTH_CODE_MAX + 1] = '\0';
	T_OK(atok_oauth_parse_redirect(big, strlen(big), state, code,
	                               sizeof(code), &rep) != 0 &&
	         code[0] == '\0',
	     "a code over ATOK_OAUTH_CODE_MAX is refused");
	big[i + ATOK_OAUTH_CODE_MAX] = '\0';
	T_OK(atok_oauth_parse_redirect(big, strlen(big), state, code,
	                               sizeof(code), &rep) == 0 &&
	         strlen(code) == ATOK_OAUTH_CODE_MAX,
	     "a code of ATOK_OAUTH_CODE_MAX bytes is taken");
	free(big);
}

int main(void)
{
	test_redirect();
	test_state();
	test_token_rows();
	test_limits();
	test_device();
	test_metadata();
	test_form_and_auth();
	test_pkce();
	return t_done();
}
