# SPDX-License-Identifier: BSD-3-Clause
# libFuzzer harnesses, one per parser of attacker-controlled bytes.
# Built only with `configure CC=clang --enable-fuzzers` (use a separate
# build directory): then everything is compiled with ASan+UBSan and
# libFuzzer's coverage ($(FUZZ_SAN_CFLAGS) in AM_CFLAGS), and only the
# harness links add -fsanitize=fuzzer.  `make fuzz` runs each harness for
# FUZZ_SECONDS on a copy of its seed corpus (tests/fuzz/corpus/<name>) and
# fails on any crash, leak or timeout.  See tests/fuzz/README.md.
FUZZ_HARNESSES = fuzz_oauth_parse fuzz_local_token fuzz_config fuzz_json \
	fuzz_jws fuzz_jwks fuzz_introspect fuzz_oauth_client fuzz_cidr \
	fuzz_device
FUZZ_PROGS = tests/fuzz/fuzz_oauth_parse tests/fuzz/fuzz_local_token \
	tests/fuzz/fuzz_config tests/fuzz/fuzz_json tests/fuzz/fuzz_jws \
	tests/fuzz/fuzz_jwks tests/fuzz/fuzz_introspect \
	tests/fuzz/fuzz_oauth_client tests/fuzz/fuzz_cidr \
	tests/fuzz/fuzz_device
FUZZ_SECONDS = 60
FUZZ_LINK = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all
FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/common
FUZZ_LDADD = libatok.la $(CRYPTO_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS)

EXTRA_DIST += tests/fuzz/README.md tests/fuzz/mkcorpus.sh tests/fuzz/corpus

tests_fuzz_fuzz_oauth_parse_SOURCES = tests/fuzz/fuzz_oauth_parse.c \
	sasl_plugin/oauth_parse.c sasl_plugin/oauth_parse.h
tests_fuzz_fuzz_oauth_parse_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-I$(top_srcdir)/sasl_plugin
tests_fuzz_fuzz_oauth_parse_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_local_token_SOURCES = tests/fuzz/fuzz_local_token.c
tests_fuzz_fuzz_local_token_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_local_token_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_local_token_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c
tests_fuzz_fuzz_config_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_json_SOURCES = tests/fuzz/fuzz_json.c
tests_fuzz_fuzz_json_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_json_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_json_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_jws_SOURCES = tests/fuzz/fuzz_jws.c
tests_fuzz_fuzz_jws_CPPFLAGS = $(FUZZ_CPPFLAGS) \
	-DFUZZ_JWT_FIXTURES='"$(abs_top_srcdir)/tests/fixtures/jwt"'
tests_fuzz_fuzz_jws_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_jws_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_jwks_SOURCES = tests/fuzz/fuzz_jwks.c
tests_fuzz_fuzz_jwks_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_jwks_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_jwks_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_introspect_SOURCES = tests/fuzz/fuzz_introspect.c
tests_fuzz_fuzz_introspect_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_introspect_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_introspect_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_introspect_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_cidr_SOURCES = tests/fuzz/fuzz_cidr.c
tests_fuzz_fuzz_cidr_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_cidr_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_cidr_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_oauth_client_SOURCES = tests/fuzz/fuzz_oauth_client.c
tests_fuzz_fuzz_oauth_client_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_oauth_client_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_oauth_client_LDADD = $(FUZZ_LDADD)
# The PostgreSQL store's conninfo rules (libpq is dlopen()ed at run time).
if HAVE_LIBPQ
FUZZ_HARNESSES += fuzz_pg_conninfo
FUZZ_PROGS += tests/fuzz/fuzz_pg_conninfo
endif
tests_fuzz_fuzz_pg_conninfo_SOURCES = tests/fuzz/fuzz_pg_conninfo.c
tests_fuzz_fuzz_pg_conninfo_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_pg_conninfo_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_pg_conninfo_LDADD = $(FUZZ_LDADD)
tests_fuzz_fuzz_device_SOURCES = tests/fuzz/fuzz_device.c
tests_fuzz_fuzz_device_CPPFLAGS = $(FUZZ_CPPFLAGS)
tests_fuzz_fuzz_device_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_fuzz_fuzz_device_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_device_LDADD = $(FUZZ_LDADD)

if FUZZERS
AM_CFLAGS += $(FUZZ_SAN_CFLAGS)
AM_LDFLAGS += $(FUZZ_SAN_CFLAGS)
noinst_PROGRAMS += $(FUZZ_PROGS)

# -max_len per harness: a little over each input's named limit, or what
# the parser could meaningfully use.  A slow unit (10 s or more) fails
# like a timeout: libFuzzer checks -timeout only every timeout/2 + 1 s,
# so an input of 10 to 16 s can finish unreported but for that file.
fuzz: $(FUZZ_PROGS)
	@fail=0; for h in $(FUZZ_HARNESSES); do \
	  case $$h in \
	    fuzz_jws) ml=20000 ;; fuzz_jwks) ml=65536 ;; \
	    fuzz_config) ml=16384 ;; fuzz_json) ml=8192 ;; \
	    fuzz_oauth_parse) ml=70000 ;; fuzz_introspect) ml=8192 ;; \
	    fuzz_cidr) ml=1100 ;; \
	    fuzz_oauth_client) ml=70000 ;; \
	    fuzz_pg_conninfo) ml=2048 ;; \
	    fuzz_device) ml=4096 ;; \
	    *) ml=256 ;; \
	  esac; \
	  w=tests/fuzz/work/$$h; rm -rf $$w; mkdir -p $$w; \
	  cp $(srcdir)/tests/fuzz/corpus/$$h/* $$w/; \
	  log=tests/fuzz/$$h.fuzz.log; rm -f tests/fuzz/$$h-slow-unit-*; \
	  if ./tests/fuzz/$$h -max_total_time=$(FUZZ_SECONDS) -max_len=$$ml \
	       -timeout=10 -report_slow_units=10 -rss_limit_mb=2048 \
	       -print_final_stats=1 \
	       -artifact_prefix=tests/fuzz/$$h- $$w >$$log 2>&1; then \
	    r=ok; else r=FAILED; fail=1; fi; \
	  if ls tests/fuzz/$$h-slow-unit-* >/dev/null 2>&1; then \
	    r=FAILED; fail=1; fi; \
	  ex=`sed -n 's/^stat::number_of_executed_units: *//p' $$log`; \
	  cov=`grep -E '^#[0-9]+.*cov: ' $$log | tail -1 | \
	       sed 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*/\1 \2/'`; \
	  echo "$$h: $$r, $${ex:-?} executions, $$cov ($(FUZZ_SECONDS) s, log $$log)"; \
	  if test $$r = FAILED; then \
	    grep -E 'ERROR|SUMMARY|Test unit written' $$log | head -5; fi; \
	done; exit $$fail
else
fuzz:
	@echo "make fuzz needs a build configured with --enable-fuzzers (clang)."
	@echo "Use a separate build directory from a source tree that is not itself"
	@echo "configured (a git worktree, an unpacked make dist, or after make distclean):"
	@echo "  mkdir -p /tmp/fuzzbuild && cd /tmp/fuzzbuild &&"
	@echo "  SRC/configure CC=clang --enable-fuzzers && make fuzz FUZZ_SECONDS=60"
	@exit 1
endif
.PHONY: fuzz

clean-local: clean-local-fuzz
clean-local-fuzz:
	rm -rf tests/fuzz/work tests/fuzz/*.fuzz.log
.PHONY: clean-local-fuzz
