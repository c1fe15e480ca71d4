#!/usr/bin/env bash
# Installs everything brownout runs: npm packages (in a checkout), k6 and the Toxiproxy server
# (built from pinned Go modules into a per-user cache keyed by version), MariaDB, HAProxy and Redis
# from Debian. Idempotent: each step checks first, so a second run takes a second or two.
# `brownout doctor` runs this from an installed package too (there, npm has done its part).
set -euo pipefail
cd "$(dirname "$0")/../.."
# --with-browser: also what the suite alone needs (make test): Debian's chromium, which the report's
# browser test drives, and actionlint, which checks the README's workflow.
WITH_BROWSER=0
[ "${1:-}" = "--with-browser" ] && WITH_BROWSER=1
ROOT=$PWD
# shellcheck source=versions.env
. harness/setup/versions.env
# The same rule as harness/core/tools.ts: $BROWNOUT_TOOLS, else the user's cache.
TOOLS="${BROWNOUT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/brownout/tools}"
K6_BIN="$TOOLS/k6-$K6_VERSION/k6"
TOXIPROXY_BIN="$TOOLS/toxiproxy-$TOXIPROXY_VERSION/toxiproxy-server"
# The containers backend's PID 1 for a service (harness/setup/holder): keyed by its source's hash.
HOLDER_VERSION=$(sha256sum harness/setup/holder/main.go | cut -c1-12)
HOLDER_BIN="$TOOLS/holder-$HOLDER_VERSION/brownout-holder"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 2; }

# --- npm -------------------------------------------------------------------------------------
command -v npm >/dev/null || die "npm not found. Install Node.js >= 20 with npm, then run 'make setup' again."
# Only in a checkout (a lock file): an installed package's dependencies are its project's business.
if [ -f package-lock.json ] && { [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- Go tools ----------------------------------------------------------------------------------
need_go() {
  command -v go >/dev/null || die "Go not found. Install Go >= 1.25 (k6 $K6_VERSION needs it), then run 'make setup' again."
  local v; v=$(go env GOVERSION | sed 's/^go//')
  local major=${v%%.*} rest=${v#*.}; local minor=${rest%%.*}
  if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 25 ]; }; then
    die "Go $v is too old: k6 $K6_VERSION needs Go >= 1.25. Install a newer Go, then run 'make setup' again."
  fi
}
# `go install k6/v2@version` fails on the module proxy (its deprecation lookup 404s for /v2), so each
# tool is built from a small pinned module whose go.sum is committed.
build_tool() { # binary module-dir package version-flag wanted-version-text ldflags
  local bin=$1 dir=$2 pkg=$3 flag=$4 want=$5 ldflags=${6:-}
  # The Toxiproxy server ignores unknown arguments and starts serving, so each tool gets its own flag.
  if [ -x "$bin" ] && timeout 5 "$bin" "$flag" 2>/dev/null | grep -q -- "$want"; then return; fi
  need_go
  say "building $want into $bin (go build, pinned in $dir)"
  mkdir -p "$(dirname "$bin")"
  # Built beside, then moved: an interrupted build never leaves a half-written binary in the cache.
  (cd "$dir" && GOFLAGS=-mod=mod GOPROXY="${GOPROXY:-https://proxy.golang.org}" \
     go build -trimpath -ldflags "$ldflags" -o "$bin.part" "$pkg")
  mv -f "$bin.part" "$bin"
}
build_tool "$K6_BIN" harness/setup/go/k6 go.k6.io/k6/v2 version "k6 $K6_VERSION"
build_tool "$TOXIPROXY_BIN" harness/setup/go/toxiproxy github.com/Shopify/toxiproxy/v2/cmd/server \
  -version "version $TOXIPROXY_VERSION" "-X github.com/Shopify/toxiproxy/v2.Version=$TOXIPROXY_VERSION"
# The suite's own (make test): actionlint checks the README's GitHub Actions workflow.
if [ "$WITH_BROWSER" -eq 1 ]; then
  build_tool "$TOOLS/actionlint-$ACTIONLINT_VERSION/actionlint" harness/setup/go/actionlint github.com/rhysd/actionlint/cmd/actionlint \
    -version "${ACTIONLINT_VERSION#v}"
fi
# Static (no cgo): copied into any image a service runs in, whatever its libc.
if [ ! -x "$HOLDER_BIN" ]; then
  need_go
  say "building the service holder into $HOLDER_BIN"
  mkdir -p "$(dirname "$HOLDER_BIN")"
  (cd harness/setup/holder && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$HOLDER_BIN.part" .)
  mv -f "$HOLDER_BIN.part" "$HOLDER_BIN"
fi

# --- Debian packages ---------------------------------------------------------------------------
missing=()
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/memcached ] || missing+=(memcached)
[ "$WITH_BROWSER" -eq 0 ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing ${missing[*]} and apt-get is not available: install them with your package manager, then run 'make setup' again."
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  say "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts the packaged services on install; brownout runs its own instances on free ports
# and never touches these.
say "ready: $("$K6_BIN" version | head -1); $("$TOXIPROXY_BIN" -version); $(/usr/sbin/mariadbd --version | head -1); $(/usr/sbin/haproxy -v | head -1)"
