#!/usr/bin/env bash
# Makes podman usable for building and running the function images on this
# kind of host (Debian, root, cgroup v1/hybrid, no systemd as PID 1).
# Safe to run repeatedly: apt is touched only when a package is missing and the
# config file is rewritten only when a setting differs.
#
#   scripts/setup-podman.sh           install + configure + check
#   scripts/setup-podman.sh --check   check only, change nothing (exit 1 if not ready)
set -euo pipefail

# podman itself reads only $CONTAINERS_CONF when that is set, so edit that file then.
CONF=${CONTAINERS_CONF:-/etc/containers/containers.conf}
STORAGE_CONF=/etc/containers/storage.conf
CHECK_ONLY=0
CHANGED=0
[[ "${1:-}" == "--check" ]] && CHECK_ONLY=1

fail() {
  echo "setup-podman: $*" >&2
  exit 1
}
note() { echo "setup-podman: $*" >&2; }

# ---------------------------------------------------------------------------
# Packages. runc is named together with podman so apt satisfies podman's
# "crun | runc" dependency with runc: crun cannot create containers under this
# kernel's hybrid cgroup layout.
# ---------------------------------------------------------------------------
missing=()
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v runc >/dev/null 2>&1 || missing+=(runc)

if ((${#missing[@]})); then
  ((CHECK_ONLY)) && fail "not installed: ${missing[*]} (run scripts/setup-podman.sh as root)"
  [[ "$(id -u)" == 0 ]] || fail "must run as root to install ${missing[*]}"
  command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: install ${missing[*]} by hand"
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; fail "apt-get update failed"; }
  # Recommends (buildah, slirp4netns, fuse-overlayfs, ...) are not needed:
  # images are built by podman's own builder, containers run with
  # --network none, and the kernel's overlayfs is used directly.
  apt-get install -y -qq --no-install-recommends podman runc >"$log" 2>&1 \
    || { cat "$log" >&2; fail "apt-get install podman runc failed"; }
  note "installed ${missing[*]}"
  CHANGED=1
fi

# ---------------------------------------------------------------------------
# containers.conf: set a few keys, keep everything else the file already has.
# A tiny TOML line editor: it replaces a key inside its own table (dropping the
# continuation lines of a multi-line array value), drops duplicates of that key,
# appends missing keys at the end of the table and missing tables at the end of
# the file. Comments and other tables are left as they are.
# ---------------------------------------------------------------------------
WANT=$(
  cat <<'EOF'
containers	default_ulimits	[]
engine	runtime	"runc"
engine	cgroup_manager	"cgroupfs"
EOF
)
# default_ulimits = []: otherwise podman asks runc for an RLIMIT_NOFILE above
#   the hard limit this host grants, and container start fails.
# runtime = "runc", cgroup_manager = "cgroupfs": crun fails on the hybrid
#   cgroup hierarchy and there is no systemd to manage cgroups.

merge_conf() {
  # $1: existing file (may be empty); prints the merged file.
  awk -v want="$WANT" '
    BEGIN {
      n = split(want, rows, "\n")
      for (i = 1; i <= n; i++) {
        if (rows[i] == "") continue
        split(rows[i], f, "\t")
        key = f[1] SUBSEP f[2]
        val[key] = f[3]
        order[++nk] = key
        tables[f[1]] = 1
      }
      table = ""
      skipping = 0
    }
    function flush_table(t,    i, k, p) {
      if (!(t in tables)) return
      for (i = 1; i <= nk; i++) {
        k = order[i]
        split(k, p, SUBSEP)
        if (p[1] == t && !(k in done)) { print p[2] " = " val[k]; done[k] = 1 }
      }
      seen[t] = 1
    }
    function blanks() { for (; nb > 0; nb--) print "" }
    {
      line = $0
      if (skipping) {
        # continuation of a multi-line array being replaced
        if (line ~ /\]/) skipping = 0
        next
      }
      # Blank lines are held back so keys appended to a table land right
      # after its last key, not after the gap before the next table.
      if (line ~ /^[ \t]*$/) { nb++; next }
      if (line ~ /^[ \t]*\[[^\]]+\][ \t]*(#.*)?$/) {
        flush_table(table)
        blanks()
        hdr = line
        sub(/^[ \t]*\[[ \t]*/, "", hdr); sub(/[ \t]*\].*$/, "", hdr)
        table = hdr
        print line
        next
      }
      if (line ~ /^[ \t]*[A-Za-z0-9_-]+[ \t]*=/) {
        k = line
        sub(/^[ \t]*/, "", k); sub(/[ \t]*=.*$/, "", k)
        key = table SUBSEP k
        if (key in val) {
          v = line
          sub(/^[^=]*=[ \t]*/, "", v)
          if (v ~ /^\[/ && v !~ /\]/) skipping = 1
          if (!(key in done)) { blanks(); print k " = " val[key]; done[key] = 1 }
          next
        }
      }
      blanks()
      print line
    }
    END {
      flush_table(table)
      blanks()
      for (t in tables) {
        if (t in seen) continue
        print ""
        print "[" t "]"
        flush_table(t)
      }
    }
  ' "$1"
}

current=/dev/null
[[ -f "$CONF" ]] && current="$CONF"
merged=$(merge_conf "$current")
if [[ ! -f "$CONF" ]] || [[ "$merged" != "$(cat "$CONF")" ]]; then
  ((CHECK_ONLY)) && fail "$CONF lacks default_ulimits = [] / runtime = \"runc\" / cgroup_manager = \"cgroupfs\""
  [[ -w "$(dirname "$CONF")" || "$(id -u)" == 0 ]] || fail "cannot write $CONF (run as root)"
  mkdir -p "$(dirname "$CONF")"
  [[ -f "$CONF" && ! -f "$CONF.orig" ]] && cp -p "$CONF" "$CONF.orig"
  tmp=$(mktemp "$CONF.XXXXXX")
  # Strip leading blank lines a fresh file would otherwise start with.
  printf '%s\n' "$merged" | sed '/./,$!d' >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$CONF"
  note "updated $CONF"
  CHANGED=1
fi

# ---------------------------------------------------------------------------
# Storage. The kernel overlay driver is fastest and works on ext4/xfs; it
# cannot stack on another overlayfs (a container host's root), where podman
# only works with vfs. Switch to vfs only when overlay is what fails and the
# admin has not chosen a driver.
# ---------------------------------------------------------------------------
info_err=$(mktemp)
trap 'rm -f "$info_err" "${log:-}"' EXIT
if ! driver=$(podman info --format '{{.Store.GraphDriverName}}' 2>"$info_err"); then
  if grep -qi overlay "$info_err" && [[ ! -e "$STORAGE_CONF" ]] && ((!CHECK_ONLY)); then
    note "overlay storage does not work here ($(head -1 "$info_err")); switching to vfs"
    CHANGED=1
    printf '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' >"$STORAGE_CONF"
    driver=$(podman info --format '{{.Store.GraphDriverName}}' 2>"$info_err") \
      || { cat "$info_err" >&2; fail "podman info still fails with vfs storage"; }
  else
    cat "$info_err" >&2
    fail "podman info failed"
  fi
fi

runtime=$(podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null || true)
cgm=$(podman info --format '{{.Host.CgroupManager}}' 2>/dev/null || true)
[[ "$runtime" == runc ]] || fail "podman uses OCI runtime '$runtime', expected runc (check $CONF and CONTAINERS_CONF)"
[[ "$cgm" == cgroupfs ]] || fail "podman uses cgroup manager '$cgm', expected cgroupfs (check $CONF)"
if ((CHANGED)); then
  note "podman $(podman version --format '{{.Client.Version}}' 2>/dev/null) ready (runtime $runtime, cgroups $cgm, storage $driver)"
fi
