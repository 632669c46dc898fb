#!/bin/bash
# System calls the supervisor makes per line of service output (strace -f -c -p).
#   bench/syscalls_per_line.sh [LINES [LINELEN [PER_WRITE]]]
# One service (bench/helpers/flood) writes LINES lines (default 200000) of
# LINELEN bytes (default 100, newline included), PER_WRITE lines per write(2)
# (default 40), once to a file (stdout_logfile=PATH) and once to the
# supervisor's stdout (stdout_logfile=/dev/stdout), a pipe read by a fast
# reader (bench/helpers/drain). strace is attached to the supervisor before the
# service writes its first line and detached once the last line has arrived.
# Supervisor: $TEND_STATIC_BIN (default build/tend-static); SUPERVISOR=tend
# uses $TEND_BIN (default build/tend); SUPERVISOR=supervisord measures
# supervisord on the same config.
set -euo pipefail
LINES=${1:-200000}
LEN=${2:-100}
PER=${3:-40}
cd "$(dirname "$0")/.."
ROOT=$PWD
case "${SUPERVISOR:-tend-static}" in
    tend-static) SUP=(${TEND_STATIC_BIN:-$ROOT/build/tend-static} -c) ;;
    tend) SUP=(${TEND_BIN:-$ROOT/build/tend} -c) ;;
    supervisord) SUP=(/usr/bin/supervisord -n -c) ;;
    *) echo "SUPERVISOR must be tend-static, tend or supervisord" >&2; exit 2 ;;
esac
[ -x "${SUP[0]}" ] || { echo "${SUP[0]}: not built" >&2; exit 2; }
command -v strace >/dev/null || { echo "strace is not installed" >&2; exit 2; }
mkdir -p build/bench
for h in flood drain; do
    if [ ! -x build/bench/$h ] || [ bench/helpers/$h.c -nt build/bench/$h ]; then
        gcc -std=gnu11 -O2 -Wall -Wextra -D_GNU_SOURCE -o build/bench/$h bench/helpers/$h.c
    fi
done

work=$(mktemp -d /tmp/tend-syscalls.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# bounded wait for a condition (a shell command), 0.05 s steps
wait_until() {
    local deadline=$(( $(date +%s) + $1 )); shift
    until eval "$@"; do
        [ "$(date +%s)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

lines_arrived() { # target: file or pipe
    if [ "$1" = file ]; then
        [ "$(stat -c %s "$work/out" 2>/dev/null || echo 0)" -ge $(( LINES * LEN )) ]
    else
        [ -s "$work/count" ] && [ "$(od -An -t u8 -j 8 -N 8 "$work/count" | tr -d ' ')" -ge "$LINES" ]
    fi
}

measure() { # target
    local target=$1 log
    rm -f "$work/go" "$work/out" "$work/count"
    mkfifo "$work/go"
    [ "$target" = file ] && log=$work/out || log=/dev/stdout
    cat > "$work/sup.conf" <<EOF
[supervisord]
nodaemon=true
logfile=/dev/null
logfile_maxbytes=0
pidfile=$work/supervisord.pid
loglevel=warn
user=root

[program:flood]
command=/bin/sh -c 'read _ < $work/go; exec $ROOT/build/bench/flood $LEN $PER $LINES'
autostart=true
autorestart=false
startsecs=0
stdout_logfile=$log
stdout_logfile_maxbytes=0
stdout_logfile_backups=0
stderr_logfile=NONE
EOF
    if [ "$target" = file ]; then
        "${SUP[@]}" "$work/sup.conf" > /dev/null 2> "$work/sup.err" &
    else
        "${SUP[@]}" "$work/sup.conf" 2> "$work/sup.err" > >(exec "$ROOT/build/bench/drain" "$work/count") &
    fi
    local sup=$!
    pids+=("$sup")
    # attach only once the service runs (waiting to open the FIFO), so that -f
    # does not follow the supervisor's start-up or the service's own exec
    wait_until 30 'pgrep -f "read _ < $work/go" >/dev/null' \
        || { echo "the service did not start; supervisor said:" >&2; cat "$work/sup.err" >&2; exit 1; }
    strace -f -c -o "$work/strace.$target" -p "$sup" 2> "$work/strace.err" &
    local st=$!
    pids+=("$st")
    wait_until 10 '[ "$(awk "/^TracerPid:/ {print \$2}" /proc/$sup/status)" != 0 ]' \
        || { echo "strace did not attach" >&2; cat "$work/strace.err" >&2; exit 1; }
    local t0; t0=$(date +%s.%N)
    echo go > "$work/go" # blocks until the service opens the FIFO
    wait_until $(( 120 + LINES / 250 )) lines_arrived "$target" || { # strace on a loaded 2-CPU box is slow
        echo "$target: not all lines arrived; supervisor said:" >&2; cat "$work/sup.err" >&2; exit 1; }
    local t1; t1=$(date +%s.%N)
    kill -INT "$st"
    wait "$st" || true
    kill -TERM "$sup"
    wait "$sup" 2>/dev/null || true
    awk -v lines="$LINES" -v target="$target" -v secs="$(echo "$t1 - $t0" | bc)" '
        # % time, seconds, usecs/call, calls, [errors], syscall
        $NF == "total" { total = $4 }
        $1 ~ /^[0-9.]+$/ && $NF != "total" { calls[$NF] = $4; errs[$NF] = (NF == 6) ? $5 : 0 }
        END {
            printf "%-5s %8d syscalls for %d lines: %.2f per line (%.1f s under strace)\n", target, total, lines, total / lines, secs
            n = 0
            for (c in calls) order[++n] = c
            for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
                if (calls[order[j]] + 0 > calls[order[i]] + 0) { t = order[i]; order[i] = order[j]; order[j] = t }
            for (i = 1; i <= n; i++)
                printf "      %-18s %9d  %.3f per line%s\n", order[i], calls[order[i]], calls[order[i]] / lines,
                    errs[order[i]] ? sprintf(" (%d failed)", errs[order[i]]) : ""
        }' "$work/strace.$target"
}

echo "${SUPERVISOR:-tend-static} (${SUP[0]}): $LINES lines of $LEN bytes, $PER lines per write"
measure file
measure pipe
