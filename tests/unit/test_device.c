/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_device.c - the device-flow login's core (common/device.c): the
 * [device] configuration, the gates (local user, root, client address,
 * rate file), and the polling schedule where it needs no server (the
 * deadline; back-off against a closed loopback port).  The flows against
 * a real authorization server are in tests/integration/device.sh.
 */
#include "ac_config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "b64url.h"
#include "config.h"
#include "device.h"
#include "errors.h"
#include "fixture.h"
#include "tap.h"

/* A loopback port nothing listens on: connections are refused at once. */
#define CLOSED "http://127.0.0.1:1"

static const char *dir;

static struct atok_device *make(const char *extra, int want, const char *row)
{
	char text[2048];
	struct atok_config *cfg = atok_config_new();
	struct atok_device *d = NULL;
	struct atok_error err;
	int r;

	snprintf(text, sizeof(text),
	         "[device]\nclient_id = c\ntoken_endpoint = " CLOSED "/token\n"
	         "device_endpoint = " CLOSED "/device\n"
	         "allow_http_loopback = yes\nstate_dir = %s/state\n%s",
	         dir, extra);
	r = atok_config_load_buffer(cfg, text, strlen(text), "t", &err);
	if (r == 0)
		r = atok_device_new(cfg, &d, &err);
	T_EQ_INT(r, want, "%s: %s", row, r != 0 ? err.msg : "created");
	atok_config_free(&cfg);
	return d;
}

static void test_config(void)
{
	struct atok_config *cfg = atok_config_new();
	struct atok_device *d = NULL;
	struct atok_error err;

	T_EQ_INT(atok_device_new(cfg, &d, &err), ATOK_ERR_CONFIG,
	         "no [device] section: %s", err.msg);
	T_OK(d == NULL, "nothing made");
	atok_config_free(&cfg);
	cfg = atok_config_new();
	(void)atok_config_set(cfg, "device", "issuer", "https://idp.example",
	                      &err);
	T_EQ_INT(atok_device_new(cfg, &d, &err), ATOK_ERR_CONFIG,
	         "no client_id: %s", err.msg);
	atok_config_free(&cfg);
	d = make("from = 10.0.0.0/33\n", ATOK_ERR_CONFIG, "a bad from");
	T_OK(d == NULL, "a bad from makes nothing");
	d = make("", 0, "explicit endpoints");
	T_OK(d != NULL && !atok_device_qrcode(d), "qrcode off by default");
	atok_device_free(&d);
	T_OK(d == NULL, "free clears the pointer");
	atok_device_free(NULL);
}

static void test_gates(void)
{
	static const struct {
		const char *extra, *user, *addr;
		int want;
	} rows[] = {
	    {"", "no-such-user-xyz", NULL, ATOK_ERR_NOT_FOUND},
	    {"", "../etc", NULL, ATOK_ERR_NOT_FOUND},
	    {"", ".hidden", NULL, ATOK_ERR_NOT_FOUND},
	    {"", "a/b", NULL, ATOK_ERR_NOT_FOUND},
	    {"", "", NULL, ATOK_ERR_NOT_FOUND},
	    {"", "root", NULL, ATOK_ERR_PERM},
	    {"allow_root = yes\n", "root", NULL, 0},
	    {"", "nobody", NULL, 0},
	    {"from = 192.0.2.0/24\n", "nobody", "192.0.2.9", 0},
	    {"from = 192.0.2.0/24\n", "nobody", "::ffff:192.0.2.9", 0},
	    {"from = 192.0.2.0/24\n", "nobody", "198.51.100.1", ATOK_ERR_PERM},
	    {"from = 192.0.2.0/24\n", "nobody", NULL, ATOK_ERR_PERM},
	    {"from = 192.0.2.0/24\n", "nobody", "", ATOK_ERR_PERM},
	    {"from = 192.0.2.0/24\n", "nobody", "host.example", ATOK_ERR_PERM},
	    {"from = 192.0.2.0/24\n", "root", "192.0.2.9", ATOK_ERR_PERM},
	};
	struct atok_device *d;
	struct atok_error err;
	char row[32];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(row, sizeof(row), "gate row %zu", i);
		/* max_flows = 0: the rate gate is tested below */
		char extra[256];
		snprintf(extra, sizeof(extra), "max_flows = 0\n%s",
		         rows[i].extra);
		if ((d = make(extra, 0, row)) == NULL)
			continue;
		T_EQ_INT(
		    atok_device_gate(d, rows[i].user, rows[i].addr, 1000, &err),
		    rows[i].want, "%s: %s %s (%s)", row, rows[i].user,
		    rows[i].addr ? rows[i].addr : "-", err.msg);
		atok_device_free(&d);
	}
}

static void test_rate(void)
{
	struct atok_device *d =
	    make("max_flows = 2\nflow_window = 60\n", 0, "rate");
	struct atok_error err;
	char path[512];
	FILE *f;

	if (d == NULL)
		return;
	snprintf(path, sizeof(path), "%s/state/nobody", dir);
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 1000, &err), 0,
	         "first flow");
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 1001, &err), 0,
	         "second flow");
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 1002, &err), ATOK_ERR_BUSY,
	         "third flow in the window: %s", err.msg);
	T_EQ_INT(atok_device_gate(d, "root", NULL, 1002, &err), ATOK_ERR_PERM,
	         "root is refused before the rate counts");
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 1060, &err), 0,
	         "the first left the window");
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 1060, &err), ATOK_ERR_BUSY,
	         "two in the window again");
	/* torn or hostile lines are dropped, times in the future too */
	f = fopen(path, "w");
	if (f != NULL) {
		fputs("garbage\n-\n99999999999999999999999\n5000\n2000x\n"
		      "1990",
		      f);
		fclose(f);
	}
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 2000, &err), 0,
	         "a torn file: one good line in the window (%s)", err.msg);
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 2001, &err), ATOK_ERR_BUSY,
	         "then the limit");
	chmod(path, 0644);
	T_EQ_INT(atok_device_gate(d, "nobody", NULL, 3000, &err), ATOK_ERR_PERM,
	         "a readable rate file is refused: %s", err.msg);
	unlink(path);
	if (symlink("/etc/passwd", path) == 0)
		T_EQ_INT(atok_device_gate(d, "nobody", NULL, 3000, &err),
		         ATOK_ERR_IO, "a symlink is not followed: %s", err.msg);
	unlink(path);
	atok_device_free(&d);
}

static void test_poll(void)
{
	struct atok_device *d = make("", 0, "poll");
	struct atok_device_flow f;
	struct atok_oauth_tokens t;
	struct atok_oauth_reply rep;
	long want[] = {10, 20, 40, 60, 60};
	size_t i;

	if (d == NULL)
		return;
	memset(&t, 0, sizeof(t));
	memset(&f, 0, sizeof(f));
	snprintf(f.dev.device_code, sizeof(f.dev.device_code), "dc");
	f.started = 1000;
	f.deadline = 2000;
	f.interval = 5;
	f.next_poll = 1005;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		T_EQ_INT(atok_device_poll(d, &f, 1005, &t, &rep),
		         ATOK_DEVICE_PENDING,
		         "unreachable poll %zu: pending (%s)", i, rep.detail);
		T_EQ_INT(f.next_poll - 1005, want[i],
		         "back-off %zu doubles up to %d s", i,
		         ATOK_DEVICE_BACKOFF_MAX);
	}
	T_EQ_INT(f.interval, 5, "the interval itself is unchanged");
	T_EQ_INT(f.failures, 5, "five failures counted");
	T_EQ_INT(atok_device_poll(d, &f, 2000, &t, &rep),
	         ATOK_DEVICE_UNAVAILABLE,
	         "at the deadline after failures: unavailable");
	T_EQ_INT(f.polls, 5, "no request at the deadline");
	f.backoff = 0;
	T_EQ_INT(atok_device_poll(d, &f, 2001, &t, &rep), ATOK_DEVICE_EXPIRED,
	         "past the deadline while pending: expired");
	T_OK(t.access_token == NULL, "no token");
	atok_device_flow_clear(&f);
	T_OK(f.dev.device_code[0] == '\0', "the device code is wiped");
	T_EQ_STR(atok_device_state_name(ATOK_DEVICE_DENIED), "denied",
	         "state name");
	atok_device_free(&d);
}

/* "h.<payload>.s": the group check reads only the payload (after the
 * verifier accepted the token). */
static void jwt_of(const char *payload, char *out, size_t outsz)
{
	char b64[1024];

	atok_b64url_encode((const unsigned char *)payload, strlen(payload),
	                   b64);
	snprintf(out, outsz, "eyJhbGciOiJSUzI1NiJ9.%s.c2ln", b64);
}

static void test_group(void)
{
	static const struct {
		const char *extra, *payload;
		int want;
	} rows[] = {
	    {"", "{\"sub\":\"x\"}", 0}, /* no group required */
	    {"group = ssh\n", "{\"groups\":[\"a\",\"ssh\"]}", 0},
	    {"group = ssh\n", "{\"groups\":\"ssh\"}", 0},
	    {"group = ssh\n", "{\"groups\":[\"ssh-users\",\"sh\"]}",
	     ATOK_ERR_PERM},
	    {"group = ssh\n", "{\"groups\":[]}", ATOK_ERR_PERM},
	    {"group = ssh\n", "{\"groups\":[[\"ssh\"]]}", ATOK_ERR_PERM},
	    {"group = ssh\n", "{\"groups\":{\"ssh\":1}}", ATOK_ERR_PERM},
	    {"group = ssh\n", "{\"sub\":\"x\"}", ATOK_ERR_PERM},
	    {"group = ssh\n", "{\"groups\":[\"ss\\u0068\"]}", 0},
	    {"group = ssh\n", "{\"groups\":[\"ssh\"],\"groups\":[]}",
	     ATOK_ERR_MALFORMED},
	    {"group = ssh\n", "not json", ATOK_ERR_MALFORMED},
	    {"group = ssh\ngroups_claim = roles\n",
	     "{\"groups\":[\"ssh\"],\"roles\":[\"x\"]}", ATOK_ERR_PERM},
	    {"group = ssh\ngroups_claim = roles\n", "{\"roles\":[\"ssh\"]}", 0},
	};
	struct atok_device *d;
	struct atok_error err;
	char tok[2048], row[32];
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(row, sizeof(row), "group row %zu", i);
		if ((d = make(rows[i].extra, 0, row)) == NULL)
			continue;
		jwt_of(rows[i].payload, tok, sizeof(tok));
		T_EQ_INT(atok_device_group_check(d, tok, strlen(tok), &err),
		         rows[i].want, "%s: %s (%s)", row, rows[i].payload,
		         err.msg);
		atok_device_free(&d);
	}
	if ((d = make("group = ssh\n", 0, "group, other shapes")) == NULL)
		return;
	T_EQ_INT(atok_device_group_check(d, "2YotnFZFEjr1zCsicMWpAA", 22, &err),
	         ATOK_ERR_PERM, "an opaque token has no groups here: %s",
	         err.msg);
	T_EQ_INT(atok_device_group_check(d, "a.b", 3, &err), ATOK_ERR_PERM,
	         "one dot is no JWT");
	T_EQ_INT(atok_device_group_check(d, "h.!!.s", 6, &err),
	         ATOK_ERR_MALFORMED, "a payload that is no base64url");
	T_EQ_INT(atok_device_group_check(d, "h..s", 4, &err),
	         ATOK_ERR_MALFORMED, "an empty payload");
	atok_device_free(&d);
}

int main(void)
{
	dir = fx_tmpdir();
	test_config();
	test_gates();
	test_rate();
	test_poll();
	test_group();
	return t_done();
}
