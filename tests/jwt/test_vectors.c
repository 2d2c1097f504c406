/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Known-answer vectors for the signature layer (common/jws.c, jwk.c):
 * RFC 7515 Appendix A.1-A.4, RFC 8037 A.4, RFC 7520 sections 4.1-4.4.
 *
 * The JWTs of RFC 7515 A.1-A.3 carry a JSON object and go through
 * atok_jws_parse.  A.4, RFC 8037 A.4 and RFC 7520 sign plain text, which
 * atok_jws_parse refuses (a JWT payload must be a claims object): for those
 * we check that it refuses cleanly, then verify the signature on a struct
 * atok_jws filled by hand, as the parser would have filled it.
 */
#include "ac_config.h"

#include <jansson.h>

#include "tap.h"

#include "b64url.h"
#include "jwk.h"
#include "jws.h"

#define A2_PAYLOAD                                                             \
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"     \
	"cGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

#define RFC7520_PAYLOAD                                                        \
	"SXTigJlzIGEgZGFuZ2Vyb3VzIGJ1c2luZXNzLCBGcm9kbywgZ29pbmcgb3V0IH"       \
	"lvdXIgZG9vci4gWW91IHN0ZXAgb250byB0aGUgcm9hZCwgYW5kIGlmIHlvdSBk"       \
	"b24ndCBrZWVwIHlvdXIgZmVldCwgdGhlcmXigJlzIG5vIGtub3dpbmcgd2hlcm"       \
	"UgeW91IG1pZ2h0IGJlIHN3ZXB0IG9mZiB0by4"

#define RFC7520_KID "bilbo.baggins@hobbiton.example"

static const struct vector {
	const char *name;
	const char *jwks; /* NULL: HMAC with hmac_k */
	const char *hmac_k;
	const char *kid; /* for atok_jwks_select, or NULL */
	const char *token;
	int json_payload; /* atok_jws_parse accepts it */
} vectors[] = {
    {.name = "RFC 7515 A.1 (HS256)",
     .hmac_k =
         "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4h"
         "cgUuTwjAzZr1Z9CAow",
     .token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." A2_PAYLOAD
              ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
     .json_payload = 1},
    {.name = "RFC 7515 A.2 (RS256)",
     .jwks = "{\"keys\":[{\"kty\":\"RSA\",\"n\":\""
             "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp"
             "-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwO"
             "WvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYU"
             "sLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9"
             "kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk"
             "2PAcDTW9gb54h4FRWyuXpoQ\",\"e\":\"AQAB\"}]}",
     .token =
         "eyJhbGciOiJSUzI1NiJ9." A2_PAYLOAD
         ".cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
         "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX"
         "4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7"
         "K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPq"
         "vhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVr"
         "Bp0igcN_IoypGlUPQGe77Rw",
     .json_payload = 1},
    {.name = "RFC 7515 A.3 (ES256)",
     .jwks = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\","
             "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
             "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}",
     .token =
         "eyJhbGciOiJFUzI1NiJ9." A2_PAYLOAD
         ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
         "pmWQxfKTUJqPP3-Kg6NU1Q",
     .json_payload = 1},
    {.name = "RFC 7515 A.4 (ES512)",
     .jwks = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\""
             "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_"
             "NjFZ6OvLFV1jSfS9tsz4qUxcWceqwQGk\",\"y\":\""
             "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDl"
             "y79ajL4Kkd0AZMaZmh9ubmf63e3kyMj2\"}]}",
     .token = "eyJhbGciOiJFUzUxMiJ9.UGF5bG9hZA."
              "AdwMgeerwtHoh-l192l60hp9wAHZFVJbLfD_UxMi70cwnZOYaRI1bKPWROc-mZZq"
              "wqT2SI-KGDKB34XO0aw_7XdtAG8GaSwFKdCAPZgoXD2YBJZCPEX3xKpRwcdOO8Kp"
              "EHwJjyqOgzDO7iKvU8vcnwNrmxYbSW9ERBXukOXolLzeO_Jn"},
    {.name = "RFC 8037 A.4 (EdDSA, Ed25519)",
     .jwks = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
             "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}",
     .token = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
              "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5B"
              "hVsPt9g7sVvpAr_MuM0KAg"},
    {.name = "RFC 7520 4.1 (RS256)",
     .jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"" RFC7520_KID
             "\",\"use\":\"sig\",\"n\":\""
             "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT"
             "-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqV"
             "wGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-"
             "oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde"
             "3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuC"
             "LqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5g"
             "HdrNP5zw\",\"e\":\"AQAB\"}]}",
     .kid = RFC7520_KID,
     .token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX"
              "hhbXBsZSJ9." RFC7520_PAYLOAD "."
              "MRjdkly7_-oTPTS3AXP41iQIGKa80A0ZmTuV5MEaHoxnW2e5CZ5NlKtainoFmK"
              "ZopdHM1O2U4mwzJdQx996ivp83xuglII7PNDi84wnB-BDkoBwA78185hX-Es4J"
              "IwmDLJK3lfWRa-XtL0RnltuYv746iYTh_qHRD68BNt1uSNCrUCTJDt5aAE6x8w"
              "W1Kt9eRo4QPocSadnHXFxnt8Is9UzpERV0ePPQdLuW3IS_de3xyIrDaLGdjluP"
              "xUAhb6L2aXic1U12podGU0KLUQSE_oI-ZnmKJ3F4uOZDnd6QZWJushZ41Axf_f"
              "cIe8u9ipH84ogoree7vjbU5y18kDquDg"},
    {.name = "RFC 7520 4.2 (PS384, verify only)",
     .jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"" RFC7520_KID
             "\",\"use\":\"sig\",\"n\":\""
             "n4EPtAOCc9AlkeQHPzHStgAbgs7bTZLwUBZdR8_KuKPEHLd4rHVTeT"
             "-O-XV2jRojdNhxJWTDvNd7nqQ0VEiZQHz_AJmSCpMaJMRBSFKrKb2wqV"
             "wGU_NsYOYL-QtiWN2lbzcEe6XC0dApr5ydQLrHqkHHig3RBordaZ6Aj-"
             "oBHqFEHYpPe7Tpe-OfVfHd1E6cS6M1FZcD1NNLYD5lFHpPI9bTwJlsde"
             "3uhGqC0ZCuEHg8lhzwOHrtIQbS0FVbb9k3-tVTU4fg_3L_vniUFAKwuC"
             "LqKnS2BYwdq_mzSnbLY7h_qixoR7jig3__kRhuaxwUkRz5iaiQkqgc5g"
             "HdrNP5zw\",\"e\":\"AQAB\"}]}",
     .kid = RFC7520_KID,
     .token = "eyJhbGciOiJQUzM4NCIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX"
              "hhbXBsZSJ9." RFC7520_PAYLOAD "."
              "cu22eBqkYDKgIlTpzDXGvaFfz6WGoz7fUDcfT0kkOy42miAh2qyBzk1xEsnk2I"
              "pN6-tPid6VrklHkqsGqDqHCdP6O8TTB5dDDItllVo6_1OLPpcbUrhiUSMxbbXU"
              "vdvWXzg-UD8biiReQFlfz28zGWVsdiNAUf8ZnyPEgVFn442ZdNqiVJRmBqrYRX"
              "e8P_ijQ7p8Vdz0TTrxUeT3lm8d9shnr2lfJT8ImUjvAA2Xez2Mlp8cBE5awDzT"
              "0qI0n6uiP1aCN_2_jLAeQTlqRHtfa64QQSUmFAAjVKPbByi7xho0uTOcbH510a"
              "6GYmJUAfmWjwZ6oD4ifKo8DYM-X72Eaw"},
    {.name = "RFC 7520 4.3 (ES512)",
     .jwks = "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"" RFC7520_KID
             "\",\"use\":\"sig\",\"crv\":\"P-521\",\"x\":\""
             "AHKZLLOsCOzz5cY97ewNUajB957y-C-U88c3v13nmGZx6sYl_oJXu9"
             "A5RkTKqjqvjyekWF-7ytDyRXYgCF5cj0Kt\",\"y\":\""
             "AdymlHvOiLxXkEhayXQnNCvDX4h9htZaCJN34kfmC6pV5OhQHiraVy"
             "SsUdaQkAgDPrwQrJmbnX9cwlGfP-HqHZR1\"}]}",
     .kid = RFC7520_KID,
     .token = "eyJhbGciOiJFUzUxMiIsImtpZCI6ImJpbGJvLmJhZ2dpbnNAaG9iYml0b24uZX"
              "hhbXBsZSJ9." RFC7520_PAYLOAD "."
              "AE_R_YZCChjn4791jSQCrdPZCNYqHXCTZH0-JZGYNlaAjP2kqaluUIIUnC9qvb"
              "u9Plon7KRTzoNEuT4Va2cmL1eJAQy3mtPBu_u_sDDyYjnAMDxXPn7XrT0lw-kv"
              "AD890jl8e2puQens_IEKBpHABlsbEPX6sFY8OcGDqoRuBomu9xQ2"},
    {.name = "RFC 7520 4.4 (HS256)",
     .hmac_k = "hJtXIZ2uSN5kbQfbtTNWbpdmhkV8FJG-Onbc6mxCcYg",
     .kid = "018c0ae5-4d9b-471b-bfd6-eef314bc7037",
     .token = "eyJhbGciOiJIUzI1NiIsImtpZCI6IjAxOGMwYWU1LTRkOWItNDcxYi1iZmQ2LW"
              "VlZjMxNGJjNzAzNyJ9." RFC7520_PAYLOAD "."
              "s0h6KThzkfBBBkLspW1h84VsJZFTsPPqMDA7g1Md7p0"},
};

/* What atok_jws_parse would have filled for a text payload: alg, kid,
 * signing input, signature. */
static int fill_by_hand(const char *tok, struct atok_jws *jws)
{
	const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
	unsigned char hdr[512];
	size_t hl;
	json_t *h, *kid;
	int ok = 0;

	memset(jws, 0, sizeof(*jws));
	if (atok_b64url_decode(tok, (size_t)(d1 - tok), hdr, sizeof(hdr),
	                       &hl) != 0 ||
	    (h = json_loadb((char *)hdr, hl, JSON_REJECT_DUPLICATES, NULL)) ==
	        NULL)
		return 0;
	jws->alg = atok_jws_alg_from_name(
	    json_string_value(json_object_get(h, "alg")),
	    json_string_length(json_object_get(h, "alg")));
	if ((kid = json_object_get(h, "kid")) != NULL) {
		snprintf(jws->kid, sizeof(jws->kid), "%s",
		         json_string_value(kid));
		jws->has_kid = 1;
	}
	jws->signing_input = tok;
	jws->signing_input_len = (size_t)(d2 - tok);
	if (atok_b64url_decode(d2 + 1, strlen(d2 + 1), jws->sig,
	                       sizeof(jws->sig), &jws->sig_len) == 0 &&
	    jws->alg != ATOK_ALG_UNKNOWN)
		ok = 1;
	json_decref(h);
	return ok;
}

/* Verifies tok as vector v says; 0 when the signature is good. */
static int verify(const struct vector *v, const char *tok, int *parsed,
                  char *why, size_t whysz)
{
	struct atok_jws jws;
	struct atok_jwks *ks = NULL;
	const struct atok_jwk *key = NULL;
	struct atok_error err = {0};
	unsigned char k[128];
	size_t klen = 0;
	struct atok_key_miss miss = {0, NULL};
	struct atok_hmac_key *hk = NULL;
	int r;

	r = atok_jws_parse(tok, strlen(tok), &jws, &err);
	*parsed = r == 0;
	if (r != 0) {
		atok_jws_clear(&jws);
		if (!fill_by_hand(tok, &jws)) {
			snprintf(why, whysz, "cannot fill by hand");
			return -1;
		}
	}
	if (v->jwks != NULL) {
		if ((r = atok_jwks_parse(v->jwks, strlen(v->jwks), &ks,
		                         &err)) != 0) {
			snprintf(why, whysz, "jwks: %s", err.msg);
			goto out;
		}
		key = atok_jwks_select(ks, jws.has_kid ? jws.kid : NULL,
		                       jws.alg, &miss);
		if (key == NULL) {
			snprintf(why, whysz, "select: %s", miss.why);
			r = -1;
			goto out;
		}
	} else {
		atok_b64url_decode(v->hmac_k, strlen(v->hmac_k), k, sizeof(k),
		                   &klen);
		if ((r = atok_hmac_key_new(k, klen, &hk, &err)) != 0) {
			snprintf(why, whysz, "hmac key: %s", err.msg);
			goto out;
		}
	}
	r = atok_jws_verify(&jws, key, hk, &err);
	snprintf(why, whysz, "%s", r ? err.msg : "ok");
out:
	atok_jws_clear(&jws); /* safe on any state since the claims are spans */
	atok_jwks_free(&ks);
	atok_hmac_key_free(&hk);
	return r;
}

static void test_vectors(void)
{
	size_t i;

	for (i = 0; i < ATOK_ARRAY_SIZE_T(vectors); i++) {
		const struct vector *v = &vectors[i];
		char why[600], *t = strdup(v->token), *p;
		size_t len = strlen(t);
		int parsed, r;

		r = verify(v, t, &parsed, why, sizeof(why));
		T_EQ_INT(r, 0, "%s: verifies (%s)", v->name, why);
		T_EQ_INT(parsed, v->json_payload, "%s: atok_jws_parse %s it",
		         v->name, v->json_payload ? "accepts" : "refuses");
		/* The last signature character, changed. */
		t[len - 1] = t[len - 1] == 'A' ? 'Q' : 'A';
		r = verify(v, t, &parsed, why, sizeof(why));
		T_OK(r != 0, "%s: changed signature refused (%s)", v->name,
		     why);
		strcpy(t, v->token);
		/* One payload character, changed. */
		p = strchr(t, '.') + 3;
		*p = *p == 'x' ? 'y' : 'x';
		r = verify(v, t, &parsed, why, sizeof(why));
		T_OK(r != 0, "%s: changed payload refused (%s)", v->name, why);
		free(t);
	}
}

/* Another RSA key does not verify A.2; another HMAC key does not verify
 * A.1. */
static void test_crossed(void)
{
	struct vector a = vectors[1];
	char why[600];
	int parsed;

	a = vectors[5];
	a.token = vectors[1].token;
	T_OK(verify(&a, a.token, &parsed, why, sizeof(why)) != 0,
	     "A.2's token with RFC 7520's RSA key: refused (%s)", why);
	a = vectors[0];
	a.hmac_k = vectors[8].hmac_k;
	T_OK(verify(&a, a.token, &parsed, why, sizeof(why)) != 0,
	     "A.1's token with RFC 7520's HMAC key: refused (%s)", why);
}

int main(void)
{
	test_vectors();
	test_crossed();
	return t_done();
}
