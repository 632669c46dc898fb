#!/usr/bin/env bash
# Install what `make test-containers` needs on Debian 12, only if something is missing:
# podman with runc (crun refuses this kind of VM's hybrid cgroup layout), a static busybox
# for the test image, mmdebstrap for the Debian base of examples/, docker.io (with
# containerd) for the docker half, and PyYAML to parse examples/k8s/pod.yaml.
# (docker.io's postinst would start dockerd through the init system: the test starts its own)
exec "$(dirname "$0")/deps.sh" podman runc uidmap busybox-static mmdebstrap docker.io containerd python3-yaml python3-pytest
