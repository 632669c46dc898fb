#!/usr/bin/env bash
# make demo: tend as PID 1 of a fresh PID namespace running examples/demo.conf.
# Kills the fake php-fpm master with SIGKILL and shows that its orphaned workers are
# stopped and reaped before the restart, which then binds the port on the first try.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || exec sudo -E "$0" "$@"
export DEMO_PORT=${DEMO_PORT:-$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo 9073)}
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
wait_for() { for _ in $(seq 200); do eval "$1" && return 0; sleep 0.05; done; echo "timeout: $1" >&2; return 1; }
fpm_master() { for k in $(pgrep -x keep:fpm); do pgrep -P "$k"; done | head -1; }

step "starting: unshare --pid --fork --mount-proc --kill-child build/tend -c examples/demo.conf"
unshare --pid --fork --mount-proc --kill-child build/tend ${TEND_DEMO_FLAGS:-} -c examples/demo.conf &
NS=$!
trap 'kill -KILL $NS 2>/dev/null || true' EXIT
wait_for '[ -n "$(fpm_master)" ] && (exec 3<>/dev/tcp/127.0.0.1/$DEMO_PORT) 2>/dev/null'
sleep 2
M=$(fpm_master)
step "php-fpm stand-in: master $M and its workers (host pids)"
ps -o pid,ppid,sid,args -p "$M" --ppid "$M" >&2
step "answer from the pool: $(exec 3<>/dev/tcp/127.0.0.1/$DEMO_PORT; head -1 <&3)"
step "kill -9 $M  (the OOM killer, say): its workers would keep the port under supervisord"
kill -KILL "$M"
wait_for '[ -n "$(fpm_master)" ] && [ "$(fpm_master)" != "$M" ] && (exec 3<>/dev/tcp/127.0.0.1/$DEMO_PORT) 2>/dev/null'
sleep 1.5
step "restarted on the first try; new master $(fpm_master); answer: $(exec 3<>/dev/tcp/127.0.0.1/$DEMO_PORT; head -1 <&3)"
ps -o pid,ppid,sid,args -p "$(fpm_master)" --ppid "$(fpm_master)" >&2
step "docker stop: SIGTERM to tend (PID 1); every service stops in parallel"
kill -TERM "$(cat /proc/$NS/task/$NS/children)"
wait "$NS" && rc=0 || rc=$?
trap - EXIT
step "tend exited with status $rc"
