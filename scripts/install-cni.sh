#!/usr/bin/env bash
# Installs what test/cni needs to wire real pod interfaces: the reference CNI
# plugins (macvlan, ipvlan, static, tuning, ...), iproute2 (ip netns, veth) and
# ping. Safe to run repeatedly: it touches apt only when something is missing.
set -euo pipefail

CNI_DIR=/usr/lib/cni
REQUIRED_PLUGINS=(macvlan ipvlan static tuning)

fail() {
  echo "install-cni: $*" >&2
  exit 1
}

have_everything() {
  local p
  for p in "${REQUIRED_PLUGINS[@]}"; do
    [[ -x "$CNI_DIR/$p" ]] || return 1
  done
  command -v ip >/dev/null 2>&1 || return 1
  command -v ping >/dev/null 2>&1 || return 1
}

if have_everything; then
  exit 0
fi

[[ "$(id -u)" == 0 ]] || fail "must run as root (apt-get install and network namespaces need it)"
command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: this script supports Debian/Ubuntu only"

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT

pkgs=(containernetworking-plugins iproute2 iputils-ping)

# A fresh image may have empty package lists; refresh once, only if the
# install cannot find the packages otherwise.
if ! apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$log" 2>&1; then
  apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; fail "apt-get update failed"; }
  apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >"$log" 2>&1 \
    || { cat "$log" >&2; fail "apt-get install ${pkgs[*]} failed"; }
fi

have_everything || fail "installed ${pkgs[*]} but $CNI_DIR/{${REQUIRED_PLUGINS[*]}}, ip or ping is still missing"
echo "install-cni: CNI plugins in $CNI_DIR, iproute2 and ping are installed"
