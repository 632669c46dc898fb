#!/bin/bash
# tend benchmark harness: bench/run.sh full|quick|smoke [OUTDIR]
#   full   a few minutes; what docs/benchmarks.md carries (also updates it)
#   quick  under a minute, same figures with fewer repetitions
#   smoke  minimal repetitions, for `make test`; give OUTDIR (a temp dir)
# Results: OUTDIR (default bench/results)/latest.{md,json,png}.
set -euo pipefail
MODE=${1:-quick}
OUT=${2:-}
case "$MODE" in full|quick|smoke) ;; *) echo "usage: $0 full|quick|smoke [OUTDIR]" >&2; exit 2;; esac
cd "$(dirname "$0")/.."

# 1. Comparison tools from Debian, installed only if missing.
bench/install-anchors.sh || echo "bench: some anchors could not be installed; their cells will be empty" >&2

# 2. Helpers (small C programs) into build/bench/.
mkdir -p build/bench
for h in bsvc launch siglat storm flood drain rdy; do
    src=bench/helpers/$h.c
    bin=build/bench/$h
    if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ] || [ bench/helpers/common.h -nt "$bin" ]; then
        flags="-std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE"
        # The service helper is static so that it shares no libc pages with
        # the supervisors whose PSS we measure.
        if [ "$h" = bsvc ]; then
            gcc $flags -static -o "$bin" "$src" 2>/dev/null || gcc $flags -o "$bin" "$src"
        else
            gcc $flags -o "$bin" "$src"
        fi
    fi
done

# 3. Many services need file descriptors.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# 4. Run, bounded. On timeout the harness gets SIGTERM and kills what it started.
case "$MODE" in full) CAP=1500;; quick) CAP=360;; smoke) CAP=180;; esac
exec timeout -k 10 "$CAP" /usr/bin/python3 bench/bench.py "$MODE" ${OUT:+"$OUT"}
