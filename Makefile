# tend — init and process supervisor for containers.
CC      ?= gcc
MUSLCC  ?= musl-gcc
CFLAGS  ?= -O2
WFLAGS  := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE
PREFIX  ?= /usr/local
DESTDIR ?=
PYTEST  ?= /usr/bin/python3 -m pytest
# size matters for an init: drop unused sections, unwind tables and page padding
STATIC_FLAGS := -Os -static -s -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
                -fno-unwind-tables -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none -Wl,-z,norelro

SRC     := $(wildcard src/*.c)
LIBSRC  := $(filter-out src/main.c,$(SRC))
HDR     := $(wildcard src/*.h)
UNITS   := $(patsubst tests/unit/%.c,build/unit/%,$(wildcard tests/unit/test_*.c))
HELPERS := $(patsubst tests/helpers/%.c,build/helpers/%,$(wildcard tests/helpers/*.c))

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# the config loader and what it uses, nothing of the supervisor
FUZZ_SRC := src/arena.c src/config.c src/config_keys.c src/config_print.c src/config_program.c \
            src/config_sections.c src/envlist.c src/expand.c src/ini.c src/pathglob.c src/pathname.c src/signame.c

.PHONY: all static test unit check-asan asan helpers demo install install-links clean deps bench bench-quick fuzz

all: build/tend

build/tend: $(SRC) $(HDR)
	@mkdir -p build
	$(CC) $(WFLAGS) $(CFLAGS) -o $@ $(SRC)

build/tend-static: $(SRC) $(HDR)
	@mkdir -p build
	$(MUSLCC) $(WFLAGS) $(STATIC_FLAGS) -o $@ $(SRC)

static: build/tend-static

build/tend-asan: $(SRC) $(HDR)
	@mkdir -p build
	$(CC) $(WFLAGS) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -o $@ $(SRC)

build/unit/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIBSRC) $(HDR)
	@mkdir -p build/unit
	$(CC) $(WFLAGS) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Isrc -o $@ $< $(LIBSRC)

build/helpers/%: tests/helpers/%.c
	@mkdir -p build/helpers
	$(CC) $(WFLAGS) -O2 -o $@ $<

helpers: $(HELPERS)

build/fuzz_config: fuzz/fuzz_config.c $(FUZZ_SRC) $(HDR)
	@mkdir -p build
	$(FUZZ_CC) $(WFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Isrc -o $@ fuzz/fuzz_config.c $(FUZZ_SRC)

# libFuzzer on the config loader for FUZZ_SECONDS; a crash, leak or sanitizer report fails
# (the input is kept in build/fuzz-artifacts/). New inputs go to build/fuzz-corpus.
fuzz: build/fuzz_config
	@mkdir -p build/fuzz-corpus build/fuzz-artifacts
	build/fuzz_config -max_total_time=$(FUZZ_SECONDS) -timeout=20 -max_len=16384 -print_final_stats=1 \
		-dict=fuzz/config.dict -artifact_prefix=build/fuzz-artifacts/ build/fuzz-corpus fuzz/corpus/config

unit: $(UNITS)
	@for t in $(UNITS); do echo "== $$t"; $$t || exit 1; done

# Install what the tests need (Debian), if missing.
deps:
	@tools/deps.sh

test: deps build/tend build/tend-static helpers unit
	TEND=$(CURDIR)/build/tend $(PYTEST) -q tests

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

install-links: install
	ln -sf tend $(DESTDIR)$(PREFIX)/bin/tini
	ln -sf tend $(DESTDIR)$(PREFIX)/bin/dumb-init

clean:
	rm -rf build
