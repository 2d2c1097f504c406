/* digest.c - message digests fetched once per process. */
#include "ac_config.h"

#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "digest.h"
#include "errors.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256, *sha384, *sha512; /* written once under `once` */

static void fetch_all(void)
{
	/* Never freed: they live as long as the process and OpenSSL. */
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
	sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
}

const EVP_MD *atok_md(const char *name)
{
	pthread_once(&once, fetch_all);
	if (name == NULL)
		return NULL;
	if (strcmp(name, "SHA256") == 0)
		return sha256;
	if (strcmp(name, "SHA384") == 0)
		return sha384;
	if (strcmp(name, "SHA512") == 0)
		return sha512;
	return NULL;
}

int atok_sha256(const void *p, size_t len, unsigned char out[32])
{
	const EVP_MD *md = atok_md("SHA256");
	unsigned int n = 0;

	if (md == NULL || EVP_Digest(p, len, out, &n, md, NULL) != 1 || n != 32)
		return ATOK_ERR_CRYPTO;
	return 0;
}
