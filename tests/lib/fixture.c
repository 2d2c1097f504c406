/* SPDX-License-Identifier: BSD-3-Clause */
/* fixture.c - temp directories and files for the tests (fixture.h). */
#include "ac_config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture.h"

char fx_dir[256];

static int fx_rm(const char *p, const struct stat *st, int flag,
                 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void fx_cleanup(void)
{
	if (fx_dir[0] != '\0')
		nftw(fx_dir, fx_rm, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fx_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(fx_dir, sizeof(fx_dir), "%s/atok-unit.XXXXXX",
	         base ? base : "/tmp");
	if (mkdtemp(fx_dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	if (atexit(fx_cleanup) != 0) {
		fx_cleanup();
		fprintf(stderr, "atexit failed\n");
		exit(99);
	}
	return fx_dir;
}

const char *fx_file(const char *name, const char *text, mode_t mode)
{
	static char paths[4][512];
	static int k;
	char *p = paths[k++ % 4];
	FILE *f;
	int bad;

	snprintf(p, 512, "%s/%s", fx_dir, name);
	f = fopen(p, "w");
	if (f == NULL) {
		perror(p);
		exit(99);
	}
	bad = fputs(text, f) == EOF;
	if (fclose(f) != 0 || bad || chmod(p, mode) != 0) {
		perror(p);
		exit(99);
	}
	return p;
}
