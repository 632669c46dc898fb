#!/usr/bin/env bash
# Install what `make test-containers` needs on Debian 12, only if something is missing:
# podman with runc (crun refuses this kind of VM's hybrid cgroup layout), a static busybox
# for the test image, mmdebstrap for the Debian base of examples/, docker.io (with
# containerd) for the docker half, and PyYAML to parse examples/k8s/pod.yaml.
set -euo pipefail
pkgs=(podman runc uidmap busybox-static mmdebstrap docker.io containerd python3-yaml python3-pytest)
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
# docker.io's postinst would start dockerd through the init system: the test starts its own
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
