#!/usr/bin/env bash
# Everything the tests need from the machine besides npm packages: the reference CNI plugins and
# iproute2 (real-CNI tests), podman with runc (image tests), etcd (ledger tests), chromium (the
# netpipe report test). kpt comes with the machine image.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v kpt >/dev/null 2>&1 || ! kpt version >/dev/null 2>&1; then
  echo "setup: kpt is not installed. It ships with the machine image (package google-cloud-cli-kpt," >&2
  echo "       kpt 1.0.0-beta.56 or later); install it from https://kpt.dev/installation/ and retry." >&2
  exit 1
fi
bash "$here/install-cni.sh"
bash "$here/setup-podman.sh"
bash "$here/install-etcd.sh"
bash "$here/install-chromium.sh"
