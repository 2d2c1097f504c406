/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fixture.h - a private temp directory and files in it, for the tests
 * (tests/lib/libatoktest.la).  Set-up errors are not test results: they
 * print why and exit 99, which the TAP driver reports as an error.
 */
#ifndef ATOK_TEST_FIXTURE_H
#define ATOK_TEST_FIXTURE_H

/* What the header-only fixture.h included, which the tests that include
 * this one use (paths, modes, directory walks). */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The directory fx_tmpdir() made ("" before). */
extern char fx_dir[256];

/* Makes a private temp dir under $TMPDIR (default /tmp) into fx_dir,
 * removed with everything in it at exit; returns fx_dir. */
const char *fx_tmpdir(void);

/* Writes text to fx_dir/name with mode; returns the path, in a static
 * buffer that the fourth call after this one reuses. */
const char *fx_file(const char *name, const char *text, mode_t mode);

#endif
