/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * probe.h - shared between the test-only module pam_probe.so and
 * test_pam.c.
 */
#ifndef ATOK_TESTS_PAM_PROBE_H
#define ATOK_TESTS_PAM_PROBE_H

#include <security/_pam_types.h>

/*
 * What pam_probe.so returns after the module under test answered
 * PAM_IGNORE: a code pam_apitoken never returns, so the test can tell.
 */
#define PAM_PROBE_MARKER PAM_NO_MODULE_DATA

#endif /* ATOK_TESTS_PAM_PROBE_H */
