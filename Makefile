# mfm: build, test and demo.  GNU make.
#
#   make               build the tools into build/
#   make check         unit tests (Check), CLI tests, the man pages' examples
#   make demo          the whole pipeline on examples/
#   make install       PREFIX=/usr/local DESTDIR= (tools, man pages and
#                      bash, zsh and fish completions)
#   make fuzz          every fuzz target, FUZZ_SECONDS each (libFuzzer)
#   make crash         kill -9 mfm-threshold CRASH_ROUNDS times mid-update
#   make crash-test    kill -9 mfm-alert --state-dir at random, ALERT_CRASH_ROUNDS times
#   make join-long     mfm-join: 1M-prediction counts, kill -9 during --state
#   SANITIZE=1         build with ASan and UBSan (into build/san)
#   DEVELOPER=1        add -Werror

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR = $(PREFIX)/share/fish/vendor_completions.d
FUZZ_SECONDS ?= 60
CRASH_ROUNDS ?= 1000
ALERT_CRASH_ROUNDS ?= 100

CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wformat=2 -Wvla -Wundef -Wno-sign-compare
MFM_CFLAGS = -std=c11 $(WARNINGS) -I. -D_POSIX_C_SOURCE=200809L \
	-D_DEFAULT_SOURCE -DMFM_VERSION='"$(VERSION)"'
BUILD = build
ifeq ($(DEVELOPER),1)
MFM_CFLAGS += -Werror
endif
ifeq ($(SANITIZE),1)
BUILD = build/san
MFM_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
MFM_LDFLAGS += -fsanitize=address,undefined
endif

YAML_CFLAGS := $(shell $(PKG_CONFIG) --cflags yaml-0.1 2>/dev/null)
YAML_LIBS := $(shell $(PKG_CONFIG) --libs yaml-0.1 2>/dev/null || echo -lyaml)
CURL_CFLAGS := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null || echo -lcurl)
# HMAC-SHA256 and SHA-256 for mfm-alert: libcrypto, which libcurl on
# Debian already links (libcurl4-openssl-dev), so no second TLS stack.
CRYPTO_LIBS := $(shell $(PKG_CONFIG) --libs libcrypto 2>/dev/null || echo -lcrypto)
# gzip and zstd input, read transparently by lib/io.c: every tool.
Z_CFLAGS := $(shell $(PKG_CONFIG) --cflags zlib libzstd 2>/dev/null)
Z_LIBS := $(shell $(PKG_CONFIG) --libs zlib libzstd 2>/dev/null || echo -lz -lzstd)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)

TOOLS = $(patsubst cmd/mfm-%.c,%,$(wildcard cmd/mfm-*.c))
BINS = $(TOOLS:%=$(BUILD)/mfm-%)
LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/check_*.c)
UNIT_OBJ = $(UNIT_SRC:%.c=$(BUILD)/%.o)
MANS = $(wildcard man/*.1 man/*.5 man/*.7)

# What each tool links beyond libmfm.a: only what it uses.  A tool not
# named here links libyaml (every tool reads -c), zlib and libzstd (every
# tool reads input through lib/io.c) and libm.  mfm-join reads files on
# threads of their own.
LIBS_default = $(YAML_LIBS) $(Z_LIBS) -lm
LIBS_join = $(YAML_LIBS) $(Z_LIBS) -pthread
LIBS_window = $(YAML_LIBS) $(Z_LIBS)
LIBS_alert = $(YAML_LIBS) $(Z_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS) -lm
LIBS_export = $(YAML_LIBS) $(Z_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS) -lm

ALL_CFLAGS = $(MFM_CFLAGS) $(YAML_CFLAGS) $(CURL_CFLAGS) $(Z_CFLAGS) $(CFLAGS)

.PHONY: all check unit cli man-examples demo deps install uninstall clean \
	fuzz bench bench-peers crash crash-test join-long
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BINS) $(BUILD)/completions/zsh/_mfm

# Shell completions, generated from the tools' option tables (--help for
# a tool not on one yet).
$(BUILD)/completions/zsh/_mfm: $(BINS) scripts/gen-completions
	scripts/gen-completions $(BUILD)/completions $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libmfm.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/mfm-%: $(BUILD)/cmd/mfm-%.o $(BUILD)/libmfm.a
	$(CC) $(MFM_LDFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libmfm.a \
		$(if $(filter undefined,$(origin LIBS_$*)),$(LIBS_default),$(LIBS_$*))

# Unit tests: every tests/unit/check_<module>.c defines
# `Suite *suite_<module>(void)`; the list is generated.
$(BUILD)/tests/unit/suites.inc: $(UNIT_SRC)
	@mkdir -p $(dir $@)
	@for f in $(notdir $(basename $(UNIT_SRC))); do \
		echo "SUITE($${f#check_})"; done > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/unit/main.o: tests/unit/main.c $(BUILD)/tests/unit/suites.inc
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests/unit -c -o $@ $<

$(BUILD)/tests/unit/check_%.o: tests/unit/check_%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/unit-tests: $(BUILD)/tests/unit/main.o $(UNIT_OBJ) $(BUILD)/libmfm.a
	$(CC) $(MFM_LDFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(YAML_LIBS) \
		$(Z_LIBS) $(CURL_LIBS) $(CRYPTO_LIBS) -lm

deps:
	@scripts/install-deps --if-missing

unit: deps $(BUILD)/unit-tests
	cd tests/unit && MFM_TESTDATA=../data CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-300} \
		$(abspath $(BUILD))/unit-tests

# The benchmark programs are built too, so that a change that breaks them
# fails here rather than in the next scripts/bench.
cli: deps $(BINS) $(BUILD)/completions/zsh/_mfm $(BUILD)/bench-json $(BUILD)/bench-metric $(BUILD)/bench-gen
	tests/cli/lint
	MFM_BIN=$(abspath $(BUILD)) tests/cli/run

check: deps
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory cli
	@$(MAKE) --no-print-directory man-examples

# The EXAMPLES of every man page and the README's sessions, run as tests
# (scripts/man-examples says how they are read).
man-examples: deps $(BINS)
	MFM_BIN=$(abspath $(BUILD)) scripts/man-examples

demo: deps
	@$(MAKE) --no-print-directory all
	@MFM_BIN=$(abspath $(BUILD)) scripts/demo

# Fuzzing with libFuzzer (clang).  Every tests/fuzz/fuzz_<name>.c is a
# target, linked with the library built again for it (coverage, ASan,
# UBSan); `make fuzz` runs each for FUZZ_SECONDS from its committed seeds
# (tests/fuzz/corpus/<name>; the tokenizer's are tests/data/json) and a
# dictionary tests/fuzz/<name>.dict if there is one, keeping what it
# finds in build/fuzz/corpus/<name> and any crash in build/fuzz.
# `make fuzz-<name>` runs one.
FUZZ = $(BUILD)/fuzz
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_FLAGS = -g -O1 -Wno-format-nonliteral -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_MAX_LEN ?= 4096

$(FUZZ)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	clang $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(MFM_CFLAGS)) \
		$(YAML_CFLAGS) $(CURL_CFLAGS) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ)/libmfm.a: $(LIB_SRC:%.c=$(FUZZ)/%.o)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ)/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ)/libmfm.a
	clang $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(MFM_CFLAGS)) \
		$(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $(filter-out %.h,$^) \
		$(YAML_LIBS) \
		$(CURL_LIBS) $(CRYPTO_LIBS) -lm

fuzz-%: $(FUZZ)/fuzz-%
	@mkdir -p $(FUZZ)/corpus/$*
	$< -max_total_time=$(FUZZ_SECONDS) -max_len=$(FUZZ_MAX_LEN) \
		-timeout=10 -print_final_stats=1 -artifact_prefix=$(FUZZ)/ \
		$(if $(wildcard tests/fuzz/$*.dict),-dict=tests/fuzz/$*.dict) \
		$(FUZZ)/corpus/$* \
		$(if $(filter json,$*),tests/data/json,tests/fuzz/corpus/$*)

fuzz: deps
	@for t in $(FUZZ_TARGETS); do \
		$(MAKE) --no-print-directory fuzz-$$t || exit 1; done

$(BUILD)/bench-json: tests/bench/bench_json.c $(BUILD)/libmfm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $^

$(BUILD)/bench-metric: tests/bench/bench_metric.c $(BUILD)/libmfm.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $^ -lm

$(BUILD)/bench-gen: tests/bench/gen_logs.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 -o $@ $^ -lm

bench: $(BINS) $(BUILD)/bench-json $(BUILD)/bench-gen
	scripts/bench

bench-peers: $(BINS) $(BUILD)/bench-json $(BUILD)/bench-gen
	scripts/bench --peers

# The state file against kill -9 at random points (make check runs 20).
crash: $(BINS)
	MFM_BIN=$(abspath $(BUILD)) scripts/threshold-crash $(CRASH_ROUNDS)

# The outbox under kill -9 at random points, while mfm-alert delivers,
# reads a pipe and reads a growing file with --resume; small versions in check.
crash-test: deps $(BINS)
	MFM_BIN=$(abspath $(BUILD)) scripts/alert-crash-test $(ALERT_CRASH_ROUNDS)

# mfm-join's long checks: 1M predictions whose -v counts must add up, and
# kill -9 at random points of --state runs (small versions run in check).
join-long: $(BINS)
	MFM_BIN=$(abspath $(BUILD)) scripts/join-count 1000000
	MFM_BIN=$(abspath $(BUILD)) scripts/join-kill 5 200000 60

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	for t in $(TOOLS); do \
		install -m 755 $(BUILD)/mfm-$$t $(DESTDIR)$(BINDIR)/mfm-$$t; done
	for m in $(MANS); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
		$(DESTDIR)$(FISHCOMPDIR)
	for t in $(TOOLS); do \
		install -m 644 $(BUILD)/completions/bash/mfm-$$t \
			$(DESTDIR)$(BASHCOMPDIR)/mfm-$$t; \
		install -m 644 $(BUILD)/completions/fish/mfm-$$t.fish \
			$(DESTDIR)$(FISHCOMPDIR)/mfm-$$t.fish; done
	install -m 644 $(BUILD)/completions/zsh/_mfm $(DESTDIR)$(ZSHCOMPDIR)/_mfm

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/mfm-$$t; done
	for m in $(MANS); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BASHCOMPDIR)/mfm-$$t \
		$(DESTDIR)$(FISHCOMPDIR)/mfm-$$t.fish; done
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_mfm

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(TOOLS:%=$(BUILD)/cmd/mfm-%.d)
