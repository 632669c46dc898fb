# tend — init and process supervisor for containers.
CC      ?= gcc
MUSLCC  ?= musl-gcc
CFLAGS  ?= -O2
WFLAGS  := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE
PREFIX  ?= /usr/local
DESTDIR ?=
PYTEST  ?= /usr/bin/python3 -m pytest
# size matters for an init: drop unused sections, unwind tables and page padding.
# common-page-size=64: ld would otherwise pad the file by up to 4 KB before the data
# segment to save one page of memory, so the size would jump with unrelated changes.
# -fno-pie: a -static link is not position-independent, so PIE code (Debian's gcc
# default) only costs size. -fno-jump-tables: non-PIE jump tables hold 8-byte addresses.
# -malign-data=abi: arrays get the ABI's alignment, not 32 bytes for vector loads;
# --sort-section=alignment: sections sorted by alignment leave fewer padding holes.
# -flto -flto-partition=one: one unit, so unused code and cross-file inlining go away.
# -Oz, not -Os: shorter encodings where they are slower (push/pop for constants; ~3 KB smaller).
# -fno-caller-saves ... -fno-tree-loop-im: passes that make this code bigger under -Os, each
# measured (~5.5 KB together with LTO; each still saves under -Oz); nothing relies on tail calls
# (the -O1 ASan build has none). -fno-thread-jumps: ~0.6 KB (jump threading copies blocks); three
# variables gcc then cannot see set are initialised (config_keys.c, ctl_fg.c, persona.c).
# -DTEND_OWN_MALLOC: src/alloc.c replaces musl's malloc (~8 KB smaller); -DTEND_OWN_PASSWD:
# src/passwd.c replaces musl's getpw*, getgr*, initgroups (~5 KB smaller, no nscd client).
# -DTEND_OWN_SETID: src/setid.c replaces musl's setuid, setgid, setgroups, setrlimit (~2 KB
# smaller: no __synccall; they are called only in one-thread children, setrlimit is prlimit64).
# -DTEND_OWN_TIME: src/localtime.c replaces musl's gmtime_r, localtime_r (~2.6 KB smaller: no tzset).
# -DTEND_OWN_THREAD: sink.c's relay thread is a bare clone() on x86-64, not pthread_create (~3.4 KB).
# -DTEND_OWN_FORK: src/setid.c's fork() is musl's _Fork(): no pthread_create, no atfork locks (~1.4 KB).
# -DTEND_OWN_GETLINE: src/getline.c's getdelim/getline, a byte loop, not musl's (~0.6 KB).
# -DTEND_OWN_CLOCK: src/clock.c's clock_gettime is the system call, not musl's vDSO lookup (~1.1 KB,
# with time and mkdtemp, which reach musl's through its internal name).
# -DTEND_OWN_SETENV: src/setenv.c's setenv is musl's without putenv and unsetenv (~0.3 KB).
# -DTEND_OWN_EXECVP: src/execvp.c's execvp is musl's __execvpe, without its stack checks (~0.2 KB).
# -DTEND_OWN_STAT: src/stat.c's stat/lstat/fstat/fstatat are newfstatat into the caller's struct,
# the same as the kernel's on x86-64 (~0.5 KB; x86-64 only).
# -DTEND_OWN_INET_PTON: src/inet_pton.c is musl's inet_pton at -Oz, without its stack check (~0.25 KB).
# -DTEND_OWN_STRSPN: src/strspn.c's strspn/strcspn look bytes up with strchr, no stack bitmap (~0.3 KB).
# -DTEND_OWN_STRCHR: src/strchr.c's strchr/strchrnul are byte loops, getenv with them (~0.6 KB).
# tools/sstrip.sh then drops the section headers, which nothing loads (~1.1 KB).
# build/musl/libc.a: musl's libc.a with its code sections byte-aligned, not 16: x86-64 code needs
# no alignment, and the padding in front of each libc function is ~1.9 KB (x86-64 only).
STATIC_FLAGS := -Oz -flto -flto-partition=one -fno-caller-saves -fno-if-conversion -fno-partial-inlining \
                -fno-optimize-sibling-calls -fno-tree-dominator-opts -fno-tree-slsr -fno-tree-tail-merge \
                -fno-shrink-wrap -fno-move-loop-invariants -fno-tree-loop-im -fno-thread-jumps -DTEND_OWN_MALLOC -DTEND_OWN_PASSWD -DTEND_STATIC \
                -static -s -fno-pie -fno-jump-tables -malign-data=abi -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                -fno-unwind-tables -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none -Wl,-z,norelro \
                -Wl,-z,common-page-size=64 -Wl,--sort-section=alignment
STATIC_FLAGS += -DTEND_OWN_SETID -DTEND_OWN_TIME -DTEND_OWN_THREAD -DTEND_OWN_FORK -DTEND_OWN_GETLINE -DTEND_OWN_CLOCK -DTEND_OWN_SETENV -DTEND_OWN_EXECVP -DTEND_OWN_STAT -DTEND_OWN_INET_PTON -DTEND_OWN_STRSPN -DTEND_OWN_STRCHR

MUSL_LIBC ?= $(wildcard /usr/lib/x86_64-linux-musl/libc.a)
STATIC_LIBC := $(if $(MUSL_LIBC),build/musl/libc.a)

SRC     := $(wildcard src/*.c)
LIBSRC  := $(filter-out src/main.c,$(SRC))
HDR     := $(wildcard src/*.h)
UNITS   := $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/test_*.c))
HELPERS := $(patsubst tests/helpers/%.c,build/helpers/%,$(wildcard tests/helpers/*.c))

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# the config loader and what it uses, nothing of the supervisor
FUZZ_SRC := src/stop_budget.c src/arena.c src/event_names.c src/config.c src/config_fcgi.c src/config_keys.c src/config_lifecycle.c src/config_listener.c src/config_print.c src/config_program.c \
            src/config_resolve.c src/config_sections.c src/duration.c src/envlist.c src/expand.c src/ini.c \
            src/intparse.c src/memfind.c src/pathglob.c src/pathname.c src/regex.c src/signame.c src/cgroup_name.c
# the control plane's codecs: pure code, nothing of the supervisor
FUZZ_HTTP_SRC   := src/buf.c src/http.c src/sha1.c
# what services send: sd_notify datagrams; what their output is matched with (ready=log:)
FUZZ_NOTIFY_SRC := src/notify_msg.c
FUZZ_REGEX_SRC  := src/regex.c
# what an event listener writes back
FUZZ_LISTENER_SRC := src/listener_proto.c
FUZZ_XMLRPC_SRC := src/arena.c src/buf.c src/http.c src/memfind.c src/sha1.c src/xml_tree.c src/xmlrpc.c src/xmlrpc_write.c
FUZZ_FLAGS := $(WFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc

.PHONY: all static size-check test unit check-asan asan helpers demo install install-links clean deps bench bench-quick fuzz man-lint test-containers

all: build/tend

build/tend: $(SRC) $(HDR)
	@mkdir -p build
	$(CC) $(WFLAGS) $(CFLAGS) -o $@ $(SRC)

build/tend-static: $(SRC) $(HDR) tools/sstrip.sh $(STATIC_LIBC)
	@mkdir -p build
	$(MUSLCC) $(WFLAGS) $(STATIC_FLAGS) $(if $(STATIC_LIBC),-Lbuild/musl) -o $@ $(SRC)
	tools/sstrip.sh $@

build/musl/libc.a: $(MUSL_LIBC)
	@mkdir -p build/musl
	objcopy --set-section-alignment '.text*=1' $< $@

static: build/tend-static

# the project's budget: the static binary, with every feature, within 256 KiB
size-check: build/tend-static
	@n=$$(stat -c %s build/tend-static); echo "build/tend-static: $$n bytes (limit 262144)"; test $$n -le 262144

build/tend-asan: $(SRC) $(HDR)
	@mkdir -p build
	$(CC) $(WFLAGS) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -o $@ $(SRC)

# the unit tests link the sanitized objects of every file but main.c, compiled once
UNIT_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all
UNIT_OBJ   := $(patsubst src/%.c,build/unit/obj/%.o,$(LIBSRC))

.SECONDARY: $(UNIT_OBJ) # kept between runs: they are not intermediate files to delete

build/unit/obj/%.o: src/%.c $(HDR)
	@mkdir -p build/unit/obj
	$(CC) $(WFLAGS) $(UNIT_FLAGS) -c -o $@ $<

build/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(UNIT_OBJ)
	@mkdir -p build/unit
	$(CC) $(WFLAGS) $(UNIT_FLAGS) -Isrc -o $@ $< $(UNIT_OBJ)

build/helpers/%: tests/helpers/%.c
	@mkdir -p build/helpers
	$(CC) $(WFLAGS) -O2 -o $@ $<

helpers: $(HELPERS)

build/fuzz_config: fuzz/fuzz_config.c $(FUZZ_SRC) $(HDR)
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_config.c $(FUZZ_SRC)

build/fuzz_http: fuzz/fuzz_http.c $(FUZZ_HTTP_SRC) $(HDR)
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_http.c $(FUZZ_HTTP_SRC)

build/fuzz_notify: fuzz/fuzz_notify.c $(FUZZ_NOTIFY_SRC) $(HDR)
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_notify.c $(FUZZ_NOTIFY_SRC)

build/fuzz_regex: fuzz/fuzz_regex.c $(FUZZ_REGEX_SRC) $(HDR)
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_regex.c $(FUZZ_REGEX_SRC)

build/fuzz_listener: fuzz/fuzz_listener.c $(FUZZ_LISTENER_SRC) $(HDR)
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_listener.c $(FUZZ_LISTENER_SRC)

build/fuzz_xmlrpc: fuzz/fuzz_xmlrpc.c $(FUZZ_XMLRPC_SRC) $(HDR)
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_xmlrpc.c $(FUZZ_XMLRPC_SRC)

# libFuzzer on each target (the config loader, the HTTP codec, the XML-RPC codec) for
# FUZZ_SECONDS each; a crash, leak or sanitizer report fails (the input is kept in
# build/fuzz-artifacts/). New inputs go to build/fuzz-corpus/TARGET.
FUZZ_RUN = -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 -artifact_prefix=build/fuzz-artifacts/
fuzz: build/fuzz_config build/fuzz_http build/fuzz_xmlrpc build/fuzz_notify build/fuzz_regex build/fuzz_listener
	@mkdir -p build/fuzz-corpus/config build/fuzz-corpus/http build/fuzz-corpus/xmlrpc build/fuzz-artifacts \
		build/fuzz-corpus/notify build/fuzz-corpus/regex build/fuzz-corpus/listener
	build/fuzz_config $(FUZZ_RUN) -max_len=16384 -dict=fuzz/config.dict build/fuzz-corpus/config fuzz/corpus/config
	build/fuzz_http $(FUZZ_RUN) -max_len=20000 -dict=fuzz/http.dict build/fuzz-corpus/http fuzz/corpus/http
	build/fuzz_xmlrpc $(FUZZ_RUN) -max_len=65536 -dict=fuzz/xmlrpc.dict build/fuzz-corpus/xmlrpc fuzz/corpus/xmlrpc
	build/fuzz_notify $(FUZZ_RUN) -max_len=4096 build/fuzz-corpus/notify
	build/fuzz_regex $(FUZZ_RUN) -max_len=2048 build/fuzz-corpus/regex
	build/fuzz_listener $(FUZZ_RUN) -max_len=4096 -dict=fuzz/listener.dict build/fuzz-corpus/listener

unit: $(UNITS)
	@for t in $(UNITS); do echo "== $$t"; $$t || exit 1; done

# Install what the tests need (Debian), if missing.
deps:
	@tools/deps.sh

test: deps build/tend build/tend-static helpers unit
	TEND=$(CURDIR)/build/tend $(PYTEST) -q tests

# tend under real runtimes: podman (runc) and docker (a daemon of its own), a busybox image
# and the Dockerfiles of examples/, all built locally (see docs/containers.md)
test-containers: build/tend-static
	@tools/container-deps.sh
	TEND_CONTAINERS=1 $(PYTEST) -v -rs --durations=8 tests/containers

check-asan: deps build/tend-asan helpers unit
	TEND=$(CURDIR)/build/tend-asan TEND_ASAN=1 $(PYTEST) -q tests

asan: check-asan

demo: build/tend
	@tools/demo.sh

bench: deps build/tend build/tend-static
	@bench/run.sh full

bench-quick: deps build/tend build/tend-static
	@bench/run.sh quick

install: build/tend
	install -D -m 0755 build/tend $(DESTDIR)$(PREFIX)/bin/tend
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man1 man/tend.1 man/tend-ctl.1
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/man/man5 man/tend.conf.5

# the man pages (mdoc): any mandoc warning fails (CI); tests/test_man.py checks their content
man-lint:
	mandoc -Tlint -W warning man/tend.1 man/tend-ctl.1 man/tend.conf.5

install-links: install
	ln -sf tend $(DESTDIR)$(PREFIX)/bin/tini
	ln -sf tend $(DESTDIR)$(PREFIX)/bin/dumb-init
	ln -sf tend $(DESTDIR)$(PREFIX)/bin/docker-init

clean:
	rm -rf build
