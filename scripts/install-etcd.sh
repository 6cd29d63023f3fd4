#!/usr/bin/env bash
# etcd for the shared-ledger tests (Debian's etcd-server, 3.4: v3 API and its JSON gateway).
# The tests start their own members on loopback; the package's own service is not needed.
set -euo pipefail
if command -v etcd >/dev/null 2>&1 && etcd --version >/dev/null 2>&1; then
  echo "etcd: $(etcd --version | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends etcd-server
# The package starts a system etcd on 2379; the tests use their own ports, so stop it if it runs.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now etcd >/dev/null 2>&1 || true; fi
etcd --version | head -1
