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

.PHONY: all static test unit check-asan asan helpers demo install install-links clean deps bench bench-quick

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
