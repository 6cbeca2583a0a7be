# cylo — the only build entry point.  `make`, `make check`, `make demo`,
# `make deps`, `make bench`, `make asan`, `make valgrind`.

CC      ?= cc
BUILD   ?= build
PKGS    := libconfuse jansson
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wimplicit-fallthrough
HARDEN  := -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fPIE
CFLAGS  ?= -O2 -g
override CFLAGS += -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) -pthread -MMD -MP
ifeq ($(CI),true)
override CFLAGS += -Werror
endif
override LDFLAGS += -pie -Wl,-z,relro,-z,now -pthread

# pkg-config only when the packages are there, so `make deps` can run first.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Debian 12's libinotifytools ships no .pc file: probe it, else link by name.
INOTIFY_LIBS := $(shell pkg-config --libs libinotifytools 2>/dev/null || echo -linotifytools)
# libseccomp only for the filter generator and the unit tests (see below).
SECCOMP_CFLAGS := $(shell pkg-config --cflags libseccomp 2>/dev/null)
SECCOMP_LIBS   := $(shell pkg-config --libs libseccomp 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

# cylo links every library statically whose archive is installed (Debian
# 12's -dev packages ship them all), else the shared one: `cylo exec` is a
# fresh process per job and archive extraction re-executes cylo, and each
# start paid the loader to map and relocate ten libraries (measured:
# --version 2.1 -> 1.1 ms of CPU).  Of libarchive only the tar and zip
# readers and the decompressors we enable get linked, not libxml2, ICU and
# libstdc++ for formats we never read (--version 6.8 -> 3.6 ms); its
# compression libraries follow it.  glibc too, as a static PIE, where
# libc.a is installed and no sanitizer is linked (STATIC, below): loading
# and relocating libc and libm was 0.5 ms of every `cylo exec` (--version
# 1.45 -> 0.96 ms).  A static glibc reaches NSS, locales and iconv's
# charset modules only by loading the installed glibc's files, which must
# match the one linked in.  cylo uses no NSS (ids are numbers) and no
# charset module; only the archive extractor loads a locale, C.UTF-8 from
# /usr/lib/locale, for libarchive's UTF-8 names (see README).  libconfuse's
# tilde expansion, which would look up users, is reached only by
# cfg_parse(), cfg_add_searchpath() and include(), none of which cylo uses
# (the linker still warns that it is linked).
# $(call static_or,NAME,SHARED): libNAME.a when installed, else SHARED.
LIBDIR    := /usr/lib/$(shell $(CC) -print-multiarch 2>/dev/null)
static_or = $(or $(wildcard $(LIBDIR)/lib$(1).a),$(2))
ifneq ($(wildcard $(LIBDIR)/libarchive.a),)
ARCHIVE_LIBS := $(LIBDIR)/libarchive.a \
                $(foreach l,nettle z bz2 lzma zstd,$(call static_or,$(l),-l$(l)))
else
ARCHIVE_LIBS := $(shell pkg-config --libs libarchive 2>/dev/null)
endif
# COMPAT(static glibc, sanitizers): cylo and the floor are linked
# dynamically where libc.a is not installed or CFLAGS or LDFLAGS name a
# sanitizer, which cannot link statically.
STATIC := $(if $(and $(wildcard $(LIBDIR)/libc.a),$(if $(findstring -fsanitize,$(CFLAGS) $(LDFLAGS)),,y)),-static-pie)
CYLO_LIBS := $(call static_or,confuse,$(shell pkg-config --libs libconfuse 2>/dev/null)) \
             $(call static_or,jansson,$(shell pkg-config --libs jansson 2>/dev/null)) \
             $(ARCHIVE_LIBS) $(call static_or,inotifytools,$(INOTIFY_LIBS)) -lm

CPPFLAGS += -iquote src $(PKG_CFLAGS) $(SECCOMP_CFLAGS) \
            $(shell pkg-config --cflags libarchive 2>/dev/null)
# The unit suites build hostile archives with libarchive's writer, whose
# generic format setters reach every format: they link the shared library.
TEST_LIBS := $(PKG_LIBS) $(SECCOMP_LIBS) $(shell pkg-config --libs libarchive 2>/dev/null) $(INOTIFY_LIBS) -lm

SRCS      := $(wildcard src/*.c)
OBJS      := $(SRCS:src/%.c=$(BUILD)/%.o)

# The seccomp filter takes no configuration, so its BPF program is a
# constant for an architecture: a generator runs libseccomp at build time
# and writes the program as C, which cylo embeds instead of building it at
# every start (see sandbox_seccomp.c).  cylo links neither seccomp_rules.o nor
# libseccomp; the unit suites link both and check that the embedded program
# is byte for byte a fresh build.  The program is regenerated when the
# rules, libseccomp's library or its header change (SECCOMP_DEPS).
# COMPAT(cross-compiling): the generator is built with $(CC) and run on the
# build host, and emits the filter of the architecture it runs on (syscall
# numbers and constants come from this host's headers), so the build host
# must be the target architecture; a cross build fails when the generator
# cannot run.  Remove when the generator takes the target architecture.
RULES_OBJ := $(BUILD)/seccomp_rules.o
PROG_OBJ  := $(BUILD)/seccomp_prog.o
GEN       := $(BUILD)/tools/seccomp_gen
CYLO_OBJS := $(filter-out $(RULES_OBJ),$(OBJS)) $(PROG_OBJ)
LIB_OBJS  := $(filter-out $(BUILD)/main.o,$(OBJS)) $(PROG_OBJ)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HOSTILE_SRCS := $(wildcard tests/security/hostile/*.c)

# A generator that fails must not leave a half-written program behind.
.DELETE_ON_ERROR:

.PHONY: all deps check unit integration security demo bench asan valgrind clean install
all: $(BUILD)/cylo

# The static archives are prerequisites: an upgraded libarchive (which
# parses untrusted archives), or glibc, must relink cylo, not wait for
# `make clean`.
$(BUILD)/cylo: $(CYLO_OBJS) $(filter %.a,$(CYLO_LIBS)) $(if $(STATIC),$(LIBDIR)/libc.a)
	$(CC) $(LDFLAGS) $(STATIC) -o $@ $(CYLO_OBJS) $(CYLO_LIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Depends on the generator, which depends on seccomp_rules.o and so, through
# -MMD, on the rules and every header they include: a change regenerates.
$(BUILD)/seccomp_prog.c: $(GEN)
	$(GEN) >$@

$(PROG_OBJ): $(BUILD)/seccomp_prog.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# -MMD leaves system headers out: an upgraded libseccomp (its library or
# seccomp.h) must regenerate the program too.
SECCOMP_DEPS := $(wildcard $(LIBDIR)/libseccomp.so /usr/include/seccomp.h)
$(RULES_OBJ) $(BUILD)/tools/seccomp_gen.o: $(SECCOMP_DEPS)
$(GEN): $(BUILD)/tools/seccomp_gen.o $(RULES_OBJ) $(SECCOMP_DEPS)
	$(CC) $(LDFLAGS) -o $@ $(BUILD)/tools/seccomp_gen.o $(RULES_OBJ) $(SECCOMP_LIBS)

# The benchmark's floors (tools/nsfloor.c; -l applies cylo's own Landlock
# plan and embedded seccomp filter, hence the three objects), built with cylo so that
# `make check` compiles and tests it too.  Static, so that the loader's
# work (0.17 ms a start here) does not raise the floor.
FLOOR := $(BUILD)/tools/nsfloor
FLOOR_OBJS := $(BUILD)/tools/nsfloor.o $(BUILD)/sandbox_landlock.o $(BUILD)/sandbox_seccomp.o \
              $(PROG_OBJ)
$(FLOOR): $(FLOOR_OBJS)
	$(CC) $(LDFLAGS) $(STATIC) -o $@ $(FLOOR_OBJS)

$(BUILD)/tools/%.o: tools/%.c | $(BUILD)/tools
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(TEST_LIBS) $(CHECK_LIBS)

$(BUILD) $(BUILD)/tests $(BUILD)/tools:
	mkdir -p $@

deps:
	@sh packaging/deps.sh

# Every suite runs even when an earlier one fails; the summary line counts them.
check: deps
	@$(MAKE) --no-print-directory all $(FLOOR) $(UNIT_BINS)
	@sh tests/run-all.sh

unit: all $(UNIT_BINS)
	@sh tests/run-all.sh unit

integration: all $(FLOOR)
	@sh tests/run-all.sh integration

security: all
	@sh tests/run-all.sh security

demo: deps
	@$(MAKE) --no-print-directory all
	@sh tests/demo.sh

bench: deps
	@$(MAKE) --no-print-directory all $(FLOOR)
	@sh bench/run.sh

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined -pthread" build-asan/cylo $(UNIT_BINS:$(BUILD)/%=build-asan/%)
	CK_TIMEOUT_MULTIPLIER=10 CYLO_UNIT_DIR=build-asan/tests sh tests/run-all.sh unit

# valgrind 3.19 answers ENOSYS to clone3 and the pidfd calls: the unit
# cases tagged "pidfd" run under `make check` and `make asan`, not here.
valgrind: all $(UNIT_BINS)
	@echo "valgrind: leaving out the unit cases tagged pidfd (clone3, pidfds)"
	CK_TIMEOUT_MULTIPLIER=20 CK_FORK=no CK_EXCLUDE_TAGS=pidfd CYLO_VALGRIND=1 \
		sh tests/run-all.sh unit

install: all
	install -D -m 0755 $(BUILD)/cylo $(DESTDIR)/usr/bin/cylo
	[ -e $(DESTDIR)/etc/cylo/cylo.conf ] || \
		install -D -m 0644 etc/cylo.conf $(DESTDIR)/etc/cylo/cylo.conf
	install -D -m 0644 man/cylo.1 $(DESTDIR)/usr/share/man/man1/cylo.1
	install -D -m 0644 man/cylo.conf.5 $(DESTDIR)/usr/share/man/man5/cylo.conf.5
	install -D -m 0644 packaging/cylo.service $(DESTDIR)/lib/systemd/system/cylo.service

clean:
	rm -rf $(BUILD) build build-asan

-include $(OBJS:.o=.d) $(PROG_OBJ:.o=.d) $(GEN).d $(FLOOR).d $(UNIT_BINS:=.d)
