#!/usr/bin/env bash
# Install what `make test` needs on Debian 12, only if something is missing.
# With arguments: those packages instead (tools/container-deps.sh).
set -euo pipefail
pkgs=(gcc make python3 python3-pytest musl-tools php8.2-fpm procps util-linux perl
      tini dumb-init catatonit supervisor s6 gnuplot-nox strace
      mandoc man-db # make man-lint; tests/test_man.py renders the pages with man -l
      clang libclang-rt-14-dev postgresql-15) # make fuzz: libFuzzer is in libclang-rt-14-dev, only Recommended by clang
[ $# -eq 0 ] || pkgs=("$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "tend: missing packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "tend: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# php-fpm's postinst wants to start a service; containers have no init system to ask
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
