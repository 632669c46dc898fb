#!/bin/bash
# Install the comparison tools (and gnuplot for the chart) from Debian if any is missing.
set -u
declare -A need=(
    [/usr/bin/tini]=tini [/usr/bin/tini-static]=tini [/usr/bin/dumb-init]=dumb-init
    [/usr/bin/catatonit]=catatonit [/usr/bin/supervisord]=supervisor [/usr/bin/s6-svscan]=s6
    [/usr/bin/execlineb]=execline [/usr/bin/gnuplot]=gnuplot-nox [/usr/bin/unshare]=util-linux
    [/usr/bin/gcc]=gcc
)
pkgs=()
for f in "${!need[@]}"; do
    [ -x "$f" ] || pkgs+=("${need[$f]}")
done
[ ${#pkgs[@]} -eq 0 ] && exit 0
[ "$(id -u)" = 0 ] || { echo "bench: missing ${pkgs[*]} and not root; install them" >&2; exit 1; }
pkgs=($(printf '%s\n' "${pkgs[@]}" | sort -u))
echo "bench: installing from Debian: ${pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null 2>&1 && exit 0
apt-get update -q >/dev/null 2>&1
apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
