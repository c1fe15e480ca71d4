#!/usr/bin/env bash
# make setup-containers: a Docker engine and the images the containers backend runs. Idempotent: a
# second run starts nothing and rebuilds nothing (Docker's build cache), in a few seconds.
#
# No registry is needed: every image is built here on a Debian 12 base made with debootstrap from
# this machine's own apt sources, with the same Debian packages (and the same Toxiproxy and Node
# binaries) as the local backend. IMAGES=upstream skips the builds (the run then pulls mariadb:10.11,
# ghcr.io/shopify/toxiproxy:2.12.0, ... from a registry your engine reaches).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
say() { printf 'setup-containers: %s\n' "$*"; }
die() { printf 'setup-containers: error: %s\n' "$*" >&2; exit 2; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
export DOCKER_BUILDKIT=0   # the classic builder: Debian's engine has no BuildKit plugin

# --- the engine ---------------------------------------------------------------------------------
missing=()
command -v docker >/dev/null || missing+=(docker.io)
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and apt-get is not available: install a Docker engine and debootstrap, then run 'make setup-containers' again."
  say "apt-get install $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi
# A user's own running engine is used as it is, never restarted.
if ! timeout 10 docker info >/dev/null 2>&1; then
  [ -z "${DOCKER_HOST:-}" ] || die "DOCKER_HOST=$DOCKER_HOST does not answer: start that engine, or unset DOCKER_HOST to let setup start a local one."
  # --iptables=false: no NAT rules on this machine; containers talk on the run's own network and
  # builds reach the package registries with --network host.
  say "no Docker engine answers: starting dockerd --iptables=false (log: /var/log/brownout-dockerd.log)"
  # A dockerd that was killed (a machine's session ended) leaves its pid file; dockerd refuses to
  # start while the pid in it exists, even as a zombie or as another program that got the pid.
  for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    state=$( [ -n "$pid" ] && awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    comm=$( [ -n "$pid" ] && cat "/proc/$pid/comm" 2>/dev/null || true)
    if [ -z "$state" ] || [ "$state" = Z ] || { [ "$comm" != dockerd ] && [ "$comm" != containerd ]; }; then
      say "removing the stale $pidfile (pid ${pid:-?} is not a running dockerd/containerd)"
      $SUDO rm -f "$pidfile"
    fi
  done
  $SUDO bash -c 'nohup setsid dockerd --iptables=false >/var/log/brownout-dockerd.log 2>&1 </dev/null &'
  for _ in $(seq 60); do timeout 5 docker info >/dev/null 2>&1 && break; sleep 0.5; done
  timeout 10 docker info >/dev/null 2>&1 || die "dockerd did not answer within 30 s; its log: $(tail -5 /var/log/brownout-dockerd.log 2>/dev/null)"
fi
say "engine: $(docker version --format 'Docker {{.Server.Version}}' 2>/dev/null)"
[ "${IMAGES:-local}" = upstream ] && { say "IMAGES=upstream: no image built; the run pulls the upstream images"; exit 0; }

# --- the images -----------------------------------------------------------------------------------
build() { # tag dockerfile context [build args...]
  local tag=$1 file=$2 ctx=$3; shift 3
  local out
  if ! out=$(docker build --network host --force-rm -q -t "$tag" -f "$file" "$@" "$ctx" 2>&1); then
    die "building $tag failed:
$(printf '%s\n' "$out" | tail -15)"
  fi
}
BASE=brownout/debian:bookworm
if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  # The base comes from the Debian archive this machine's apt uses (its first deb source).
  mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | head -1 | awk '{print $2}')
  [ -n "$mirror" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | head -1 | awk '{print $2}')
  [ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list(.d): debootstrap needs one"
  tmp=$(mktemp -d /tmp/brownout-base.XXXXXX)
  trap 'rm -rf "$tmp"' EXIT
  say "building $BASE (debootstrap --variant=minbase bookworm, about a minute)"
  debootstrap --variant=minbase bookworm "$tmp/rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1 || die "debootstrap failed: $(tail -5 "$tmp/debootstrap.log")"
  # The images install from the same sources (and security updates) as this machine.
  for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && grep -q debian "$f" && cp "$f" "$tmp/rootfs/etc/apt/sources.list.d/"; done
  [ -n "$(ls "$tmp/rootfs/etc/apt/sources.list.d/" 2>/dev/null)" ] && : >"$tmp/rootfs/etc/apt/sources.list"
  rm -rf "$tmp"/rootfs/var/cache/apt/archives/*.deb "$tmp"/rootfs/var/lib/apt/lists/*
  tar -C "$tmp/rootfs" -c . | docker import -c 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$tmp"; trap - EXIT
fi
IMG=harness/setup/images
say "building the images (cached after the first time)"
build brownout/mariadb:10.11 $IMG/mariadb.Dockerfile $IMG
build brownout/redis:7.0 $IMG/redis.Dockerfile $IMG
build brownout/memcached:1.6 $IMG/memcached.Dockerfile $IMG
build brownout/haproxy:2.6 $IMG/haproxy.Dockerfile $IMG
. harness/setup/versions.env
TOXIPROXY_DIR="${BROWNOUT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/brownout/tools}/toxiproxy-$TOXIPROXY_VERSION"
[ -x "$TOXIPROXY_DIR/toxiproxy-server" ] || die "$TOXIPROXY_DIR/toxiproxy-server is missing: run 'make setup' first"
build "brownout/toxiproxy:$TOXIPROXY_VERSION" $IMG/toxiproxy.Dockerfile "$TOXIPROXY_DIR"
# Node: the binary and npm of this machine's node (the version the local backend runs).
node_bin=$(readlink -f "$(command -v node)")
npm_dir=$(dirname "$node_bin")/../lib/node_modules/npm
[ -d "$npm_dir" ] || npm_dir=$(npm root -g)/npm
ctx=.tools/node-image
rm -rf "$ctx"; mkdir -p "$ctx"
cp "$node_bin" "$ctx/node"; cp -r "$npm_dir" "$ctx/npm"
ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
[ -f "$ca" ] || die "no CA bundle at $ca: install ca-certificates (or set NODE_EXTRA_CA_CERTS), then run again"
cp "$ca" "$ctx/ca-certificates.crt"
build brownout/node:20 $IMG/node.Dockerfile "$ctx"
rm -rf "$ctx"
# The sample services' image, as the runs build it (the scenarios declare it): ahead of the first run.
say "brownout build scenarios/*.ts"
node --import tsx harness/cli/main.ts build scenarios/*.ts
say "ready: $(docker images --format '{{.Repository}}:{{.Tag}}' 'brownout/*' | sort | tr '\n' ' ')"
