#!/usr/bin/env bash
# Builds the runtime base for the function images without any registry: a root
# filesystem holding this machine's node binary and exactly the shared
# libraries it links against, imported with `podman import`.
#
#   scripts/base-image.sh            build unless the image already exists
#   scripts/base-image.sh --force    rebuild (also FORCE=1)
#   scripts/base-image.sh --print    print the image name and exit
#
# Env: NODE_BIN (default: node on PATH), CONTAINER_ENGINE (podman|docker),
#      BASE_IMAGE_REPO (default localhost/netpipe-node-base), NO_STRIP=1 keeps
#      the binary's symbol tables (about 13 MB).
# Prints the image reference on stdout; progress goes to stderr.
set -euo pipefail

fail() {
  echo "base-image: $*" >&2
  exit 1
}
note() { echo "base-image: $*" >&2; }

FORCE=${FORCE:-0}
PRINT_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    --print) PRINT_ONLY=1 ;;
    *) fail "unknown argument: $arg" ;;
  esac
done

ENGINE=${CONTAINER_ENGINE:-podman}
command -v "$ENGINE" >/dev/null 2>&1 || fail "$ENGINE not found (run scripts/setup-podman.sh)"

NODE_BIN=$(command -v "${NODE_BIN:-node}") || fail "node not found"
NODE_BIN=$(readlink -f "$NODE_BIN")
NODE_VERSION=$("$NODE_BIN" -p 'process.versions.node') || fail "$NODE_BIN does not run"
REPO=${BASE_IMAGE_REPO:-localhost/netpipe-node-base}
IMAGE="$REPO:$NODE_VERSION"

if ((PRINT_ONLY)); then
  echo "$IMAGE"
  exit 0
fi

image_exists() {
  # docker has no `image exists`
  if [[ "$ENGINE" == podman ]]; then
    podman image exists "$1"
  else
    "$ENGINE" image inspect "$1" >/dev/null 2>&1
  fi
}

# Bumped whenever the root filesystem layout changes, so an image left by an
# older version of this script is rebuilt rather than reused.
LAYOUT=2
layout_of() {
  "$ENGINE" image inspect --format '{{index .Config.Labels "netpipe.base-layout"}}' "$1" 2>/dev/null || true
}

if ((!FORCE)) && image_exists "$IMAGE" && [[ "$(layout_of "$IMAGE")" == "$LAYOUT" ]]; then
  echo "$IMAGE"
  exit 0
fi

command -v ldd >/dev/null 2>&1 || fail "ldd not found"
ldd "$NODE_BIN" >/dev/null 2>&1 || fail "$NODE_BIN is not a dynamically linked ELF binary that ldd understands"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root"/{usr/local/bin,etc,tmp,proc,sys,dev}
chmod 1777 "$root/tmp"

# /usr/local/bin/node is where the official node images keep it, so the
# function images can name it absolutely on either base.
node_out="$root/usr/local/bin/node"
if [[ "${NO_STRIP:-0}" != 1 ]] && command -v strip >/dev/null 2>&1; then
  strip -o "$node_out" "$NODE_BIN" 2>/dev/null || cp "$NODE_BIN" "$node_out"
else
  cp "$NODE_BIN" "$node_out"
fi
chmod 0755 "$node_out"

# Every library ldd resolves (including the dynamic loader), copied to the
# same path it has on the host, with the content behind any symlink.
libs=$(ldd "$NODE_BIN" | awk '
  $2 == "=>" && $3 ~ /^\// { print $3 }
  $1 ~ /^\// { print $1 }
')
[[ -n "$libs" ]] || fail "ldd listed no libraries for $NODE_BIN"
while IFS= read -r lib; do
  [[ -e "$lib" ]] || fail "library $lib (from ldd) does not exist"
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done <<<"$libs"

# kpt starts function containers with --user nobody, which the runtime resolves
# through the image's /etc/passwd. Debian names gid 65534 "nogroup"; "nobody"
# is listed too so --user nobody:nobody also resolves.
cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
nobody:x:65534:
EOF
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
chmod 0644 "$root"/etc/{passwd,group,nsswitch.conf}

# HOME=/tmp: nobody's home (/nonexistent) does not exist, so anything that
# resolves os.homedir() gets a directory it can write.
# The "INSTRUCTION args" form, because docker import accepts no other.
changes=(
  --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin'
  --change 'ENV HOME=/tmp'
  --change "ENV NODE_VERSION=$NODE_VERSION"
  --change 'WORKDIR /tmp'
  --change 'CMD ["node"]'
  --change 'LABEL org.opencontainers.image.title=netpipe-node-base'
  --change "LABEL org.opencontainers.image.version=$NODE_VERSION"
  --change "LABEL netpipe.base-layout=$LAYOUT"
)

note "importing $IMAGE from $NODE_BIN ($(du -sh "$root" | cut -f1) root filesystem)"
# Owner root and a fixed mtime, so the layer does not depend on who ran this or when.
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$root" -cf "$work/rootfs.tar" .
quiet=()
[[ "$ENGINE" == podman ]] && quiet=(--quiet)
old_id=$("$ENGINE" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
"$ENGINE" import "${quiet[@]}" "${changes[@]}" "$work/rootfs.tar" "$IMAGE" >/dev/null \
  || fail "$ENGINE import failed"
# A forced rebuild leaves the previous base untagged; drop it unless images
# built on it still need it (rmi then refuses, which is fine).
if [[ -n "$old_id" ]] && [[ "$("$ENGINE" image inspect --format '{{len .RepoTags}}' "$old_id" 2>/dev/null)" == 0 ]]; then
  "$ENGINE" rmi "$old_id" >/dev/null 2>&1 || true
fi

# Prove the image runs the way kpt will run it.
out=$("$ENGINE" run --rm --user nobody --network none "$IMAGE" /usr/local/bin/node -p 'process.getuid() + " " + process.versions.node' 2>&1) \
  || fail "smoke test failed: $out"
[[ "$out" == "65534 $NODE_VERSION" ]] || fail "smoke test printed '$out', expected '65534 $NODE_VERSION'"
note "built $IMAGE"
echo "$IMAGE"
