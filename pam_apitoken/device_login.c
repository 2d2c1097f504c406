/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * device_login.c - pam_apitoken's device-flow login: the conversation and the
 * waiting around the core's gates and polling (common/device.c).  What the
 * person sees is one PAM_TEXT_INFO with the URL and the code, then (unless
 * prompt=none) a prompt to press Enter once approved, repeated while the
 * approval is pending.  Never logs the device code, user code or token.
 */
#include "ac_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#ifdef HAVE_QRENCODE
#include <qrencode.h>
#endif

#include "config.h"
#include "device.h"
#include "device_login.h"
#include "errors.h"
#include "result.h"
#include "util.h"

/* pam_set_data() key: a flow ran on this handle (sudo asks three times on
 * one handle; only the first may start a flow).  A constant marker. */
#define DEVICE_DATA_KEY "pam_apitoken_device"
static const char ran_marker[] = "ran";

#define INFO_MAX    (2 * ATOK_HTTP_URL_MAX + ATOK_OAUTH_USER_CODE_MAX + 512)
#define QR_TEXT_MAX (64 * 1024) /* bytes of a rendered QR code */

static int conv_one(pam_handle_t *pamh, int style, const char *text,
                    char **answerp)
{
	const void *item = NULL;
	const struct pam_conv *pc;
	struct pam_message msg = {style, text};
	const struct pam_message *msgp = &msg;
	struct pam_response *resp = NULL;
	int r;

	if (answerp != NULL)
		*answerp = NULL;
	r = pam_get_item(pamh, PAM_CONV, &item);
	if (r != PAM_SUCCESS || (pc = item) == NULL || pc->conv == NULL)
		return PAM_CONV_ERR;
	r = pc->conv(1, &msgp, &resp, pc->appdata_ptr);
	if (r == PAM_SUCCESS && answerp != NULL &&
	    (resp == NULL || resp[0].resp == NULL))
		r = PAM_CONV_ERR;
	if (r == PAM_SUCCESS && answerp != NULL) {
		*answerp = resp[0].resp;
		resp[0].resp = NULL;
	}
	if (resp != NULL) {
		if (resp[0].resp != NULL) {
			explicit_bzero(resp[0].resp, strlen(resp[0].resp));
			free(resp[0].resp);
		}
		free(resp);
	}
	return r;
}

#ifdef HAVE_QRENCODE
/* The QR code of url in UTF-8 half blocks, light modules as blocks (for
 * a dark terminal), two module rows per line, a quiet zone of 2.  NULL
 * when it cannot be made. */
static char *qr_render(const char *url)
{
	static const char *const cells[4] = {"\xe2\x96\x88", /* both light */
	                                     "\xe2\x96\x80", /* top light */
	                                     "\xe2\x96\x84", /* bottom light */
	                                     " "};
	QRcode *q = NULL;
	char *out = NULL;
	size_t o = 0;
	int x, y, w, top, bot, q0 = 2;

	if ((q = QRcode_encodeString(url, 0, QR_ECLEVEL_L, QR_MODE_8, 1)) ==
	    NULL)
		return NULL;
	w = q->width;
	if ((out = malloc(QR_TEXT_MAX)) == NULL)
		goto out;
	for (y = -q0; y < w + q0; y += 2) {
		for (x = -q0; x < w + q0; x++) {
			top = y >= 0 && y < w && x >= 0 && x < w &&
			      (q->data[y * w + x] & 1);
			bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w &&
			      (q->data[(y + 1) * w + x] & 1);
			const char *c = cells[(top ? 2 : 0) | (bot ? 1 : 0)];
			size_t n = strlen(c);
			if (o + n + 2 > QR_TEXT_MAX) {
				free(out);
				out = NULL;
				goto out;
			}
			memcpy(out + o, c, n);
			o += n;
		}
		out[o++] = '\n';
	}
	if (o > 0)
		o--; /* no final newline */
	out[o] = '\0';
out:
	QRcode_free(q);
	return out;
}
#endif

/* Shows the code: one PAM_TEXT_INFO, plus the QR code when asked for. */
static int show_code(pam_handle_t *pamh, const struct atok_device *d,
                     const char *user, const struct atok_device_flow *f,
                     int64_t now)
{
	char info[INFO_MAX];
	long mins = (long)((f->deadline - now + 59) / 60);
	int n, r;

	n = snprintf(info, sizeof(info),
	             "To log in as %s, open %s and enter the code %s\n"
	             "%s%s%s"
	             "Only do so if you started this login yourself; the code "
	             "expires in %ld minute%s.",
	             user, f->dev.verification_uri, f->dev.user_code,
	             f->dev.verification_uri_complete[0] ? "(or open " : "",
	             f->dev.verification_uri_complete,
	             f->dev.verification_uri_complete[0] ? ")\n" : "", mins,
	             mins == 1 ? "" : "s");
	if (n < 0 || (size_t)n >= sizeof(info))
		return PAM_BUF_ERR;
	r = conv_one(pamh, PAM_TEXT_INFO, info, NULL);
	explicit_bzero(info, sizeof(info));
	if (r != PAM_SUCCESS)
		return r;
#ifdef HAVE_QRENCODE
	if (atok_device_qrcode(d)) {
		const char *url = f->dev.verification_uri_complete[0]
		                      ? f->dev.verification_uri_complete
		                      : f->dev.verification_uri;
		char *qr = qr_render(url);

		if (qr != NULL) {
			r = conv_one(pamh, PAM_TEXT_INFO, qr, NULL);
			free(qr);
		}
	}
#else
	(void)d;
#endif
	return r;
}

/* A time the core was given, and the monotonic clock at that moment: the
 * core counts whole seconds, and a wait measured from the truncated
 * second could come up to a second short of the interval. */
struct stamp {
	int64_t wall;
	struct timespec mono;
};

static int64_t stamp_now(struct stamp *s)
{
	s->wall = (int64_t)time(NULL);
	if (clock_gettime(CLOCK_MONOTONIC, &s->mono) != 0)
		memset(&s->mono, 0, sizeof(s->mono)); /* see sleep_until() */
	return s->wall;
}

/* Sleeps until `when` (seconds since the epoch, as the core said it
 * relative to s): at least when - s->wall seconds after s was taken. */
static void sleep_until(const struct stamp *s, int64_t when)
{
	struct timespec ts = s->mono;
	int r;

	if (when <= s->wall)
		return;
	if (s->mono.tv_sec == 0 && s->mono.tv_nsec == 0) {
		/* no monotonic clock: a second more, never less */
		ts.tv_sec = (time_t)(when - s->wall) + 1;
		ts.tv_nsec = 0;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		return;
	}
	ts.tv_sec += (time_t)(when - s->wall);
	do
		r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	while (r == EINTR);
}

/* A gate's refusal: its PAM code, with res filled. */
static int gate_refusal(int code, const struct atok_error *err,
                        struct atok_result *res)
{
	switch (code) {
	case ATOK_ERR_NOT_FOUND:
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_UNKNOWN,
		                "device: no code: %s", err->msg);
		return PAM_USER_UNKNOWN;
	case ATOK_ERR_PERM:
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_SOURCE,
		                "device: no code: %s", err->msg);
		return PAM_AUTH_ERR;
	case ATOK_ERR_BUSY:
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_NONE,
		                "device: no code: %s", err->msg);
		return PAM_AUTH_ERR;
	case ATOK_ERR_NOMEM:
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "out of memory");
		return PAM_BUF_ERR;
	default:
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG,
		                "device: no code: %s", err->msg);
		return PAM_SERVICE_ERR;
	}
}

/* A final state of the flow: its PAM code, with res filled. */
static int state_refusal(enum atok_device_state st,
                         const struct atok_oauth_reply *rep,
                         struct atok_result *res)
{
	switch (st) {
	case ATOK_DEVICE_DENIED:
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_NONE,
		                "device: not approved (%s)",
		                rep->error[0] ? rep->error : rep->detail);
		return PAM_AUTH_ERR;
	case ATOK_DEVICE_EXPIRED:
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_EXPIRED,
		                "device: the code expired: %s",
		                rep->error[0] ? rep->error : rep->detail);
		return PAM_AUTH_ERR;
	case ATOK_DEVICE_UNAVAILABLE:
		atok_result_set(
		    res, ATOK_UNAVAILABLE, ATOK_WHY_BACKEND,
		    "device: the authorization server cannot be reached: "
		    "%s",
		    rep->detail);
		return PAM_AUTHINFO_UNAVAIL;
	default:
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_CONFIG,
		                "device: the authorization server refuses the "
		                "client: %s%s%s",
		                rep->error, rep->error[0] ? ": " : "",
		                rep->detail);
		return PAM_SERVICE_ERR;
	}
}

int pamatok_device_token(pam_handle_t *pamh, const struct pamatok_opts *o,
                         const char *user, const char *remote_addr, char **tokp,
                         struct atok_device **devp, struct atok_result *res,
                         char *note, size_t notesz)
{
	struct atok_config *cfg = NULL;
	struct atok_device *d = NULL;
	struct atok_device_flow f;
	struct atok_oauth_tokens t;
	struct atok_oauth_reply rep;
	struct atok_error err;
	enum atok_device_state st = ATOK_DEVICE_REFUSED;
	const void *data = NULL;
	const char *prompt, *outcome = "none";
	char *answer = NULL, again[PAMATOK_PROMPT_MAX + 64];
	struct stamp at;
	int64_t now = stamp_now(&at), start = now, target;
	int r, first = 1, n;

	*tokp = NULL;
	*devp = NULL;
	memset(&f, 0, sizeof(f));
	memset(&t, 0, sizeof(t));
	memset(&rep, 0, sizeof(rep));
	atok_error_clear(&err);
	if (pam_get_data(pamh, DEVICE_DATA_KEY, &data) == PAM_SUCCESS &&
	    data != NULL) {
		outcome = "retry";
		atok_result_set(
		    res, ATOK_REJECT, ATOK_WHY_NONE,
		    "device: a device login already ran on this handle");
		r = PAM_AUTH_ERR;
		goto out;
	}
	if ((r = pamatok_config_load(o, &cfg, &err)) != 0 ||
	    (r = atok_device_new(cfg, &d, &err)) != 0) {
		outcome = "error";
		atok_result_set(res, ATOK_CONFIG_ERROR,
		                r == ATOK_ERR_NOMEM ? ATOK_WHY_INTERNAL
		                                    : ATOK_WHY_CONFIG,
		                "%s", err.msg[0] ? err.msg : atok_err_str(r));
		r = r == ATOK_ERR_NOMEM ? PAM_BUF_ERR : PAM_SERVICE_ERR;
		goto out;
	}
	/* the gates: no code, and no request, for who may not have one */
	if ((r = atok_device_gate(d, user, remote_addr, now, &err)) != 0) {
		outcome = "gate";
		r = gate_refusal(r, &err, res);
		goto out;
	}
	if ((r = pam_set_data(pamh, DEVICE_DATA_KEY, (void *)ran_marker,
	                      NULL)) != PAM_SUCCESS) {
		outcome = "error";
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "cannot mark the handle: %s",
		                pam_strerror(pamh, r));
		goto out;
	}
	if (atok_device_begin(d, now, &f, &rep) != 0) {
		outcome = "start";
		r = state_refusal(rep.outcome == ATOK_OAUTH_TEMPORARY
		                      ? ATOK_DEVICE_UNAVAILABLE
		                      : ATOK_DEVICE_REFUSED,
		                  &rep, res);
		goto out;
	}
	if ((r = show_code(pamh, d, user, &f, now)) != PAM_SUCCESS) {
		outcome = "conversation";
		atok_result_set(res, ATOK_CONFIG_ERROR, ATOK_WHY_INTERNAL,
		                "conversation failed: %s",
		                pam_strerror(pamh, r));
		r = r == PAM_BUF_ERR ? PAM_BUF_ERR : PAM_CONV_ERR;
		goto out;
	}
	prompt = o->prompt_set ? o->prompt : PAMATOK_DEVICE_PROMPT_DEFAULT;
	if (o->prompt_set && strcmp(o->prompt, "none") == 0)
		prompt = NULL;
	for (;;) {
		if (prompt != NULL) {
			n = snprintf(again, sizeof(again), "%s%s",
			             first ? "" : "Not approved yet. ", prompt);
			if (n < 0 || (size_t)n >= sizeof(again))
				again[0] = '\0';
			r = conv_one(pamh, PAM_PROMPT_ECHO_OFF, again, &answer);
			if (answer != NULL) {
				explicit_bzero(answer, strlen(answer));
				free(answer);
				answer = NULL;
			}
			if (r != PAM_SUCCESS) {
				outcome = "conversation";
				atok_result_set(res, ATOK_CONFIG_ERROR,
				                ATOK_WHY_INTERNAL,
				                "conversation failed: %s",
				                pam_strerror(pamh, r));
				r = r == PAM_BUF_ERR ? PAM_BUF_ERR
				                     : PAM_CONV_ERR;
				goto out;
			}
		}
		first = 0;
		target = f.next_poll < f.deadline ? f.next_poll : f.deadline;
		sleep_until(&at, target);
		st = atok_device_poll(d, &f, stamp_now(&at), &t, &rep);
		if (st != ATOK_DEVICE_PENDING)
			break;
	}
	outcome = atok_device_state_name(st);
	if (st != ATOK_DEVICE_APPROVED) {
		r = state_refusal(st, &rep, res);
		goto out;
	}
	if (t.access_token == NULL || t.access_len == 0 ||
	    t.access_len > ATOK_TOKEN_MAX) {
		atok_result_set(res, ATOK_REJECT, ATOK_WHY_EMPTY,
		                "device: approved, but no usable access token");
		r = PAM_AUTH_ERR;
		goto out;
	}
	*tokp = t.access_token;
	t.access_token = NULL;
	t.access_len = 0;
	*devp = d;
	d = NULL;
	r = PAM_SUCCESS;
out:
	if (note != NULL && notesz > 0)
		(void)snprintf(note, notesz,
		               " flow=device outcome=%s polls=%u slow_downs=%u "
		               "elapsed=%llds",
		               outcome, f.polls, f.slow_downs,
		               (long long)((int64_t)time(NULL) - start));
	atok_oauth_tokens_clear(&t);
	atok_device_flow_clear(&f);
	atok_device_free(&d);
	atok_config_free(&cfg);
	return r;
}

void pamatok_device_after(const struct atok_device *dev, const char *token,
                          struct atok_result *res)
{
	struct atok_error err;
	int r;

	if (dev == NULL || token == NULL || res->verdict != ATOK_ACCEPT)
		return;
	if ((r = atok_device_group_check(dev, token, strlen(token), &err)) == 0)
		return;
	atok_result_set(
	    res, r == ATOK_ERR_NOMEM ? ATOK_CONFIG_ERROR : ATOK_REJECT,
	    r == ATOK_ERR_NOMEM ? ATOK_WHY_INTERNAL : ATOK_WHY_SCOPE,
	    "device: %s", err.msg);
}
