#!/usr/bin/env bash
# Installs the CometBFT binary that the cometbft engine, its tests and its benchmark use.
# Idempotent: if .cache/bin/cometbft already reports the wanted version, it does nothing.
# Usage: scripts/setup-cometbft.sh [--quiet]  (or: npm run setup:cometbft; `npm test` runs it first)
# Env:   COMETBFT_VERSION (default v0.38.25), POLIS_COMETBFT_BIN_DIR (default <repo>/.cache/bin)
set -euo pipefail
VERSION="${COMETBFT_VERSION:-v0.38.25}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN_DIR="${POLIS_COMETBFT_BIN_DIR:-$ROOT/.cache/bin}"
BIN="$BIN_DIR/cometbft"
WANT="${VERSION#v}"
QUIET="${QUIET:-}"
[ "${1:-}" = "--quiet" ] && QUIET=1

have_version() { [ -x "$1" ] && [ "$("$1" version 2>/dev/null | head -n1)" = "$WANT" ]; }

if have_version "$BIN"; then
  [ "$QUIET" = 1 ] || echo "cometbft $WANT already installed at $BIN"
  exit 0
fi
mkdir -p "$BIN_DIR"

# Reuse a binary of the same version already on the machine (GOPATH/bin or PATH).
for cand in "$(command -v cometbft 2>/dev/null || true)" "${GOBIN:-}/cometbft" "$(go env GOPATH 2>/dev/null || echo /nonexistent)/bin/cometbft"; do
  if [ -n "$cand" ] && have_version "$cand"; then
    cp "$cand" "$BIN.tmp.$$" && mv "$BIN.tmp.$$" "$BIN"
    echo "cometbft $WANT copied from $cand to $BIN"
    exit 0
  fi
done

if ! command -v go >/dev/null 2>&1; then
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do [ -x "$g" ] && PATH="$(dirname "$g"):$PATH" && break; done
fi
if ! command -v go >/dev/null 2>&1; then
  echo "error: the Go toolchain (go >= 1.22) is needed to build CometBFT $VERSION but 'go' is not on PATH." >&2
  echo "       Install Go (https://go.dev/doc/install, or 'apt-get install golang-go' if recent enough), then re-run: npm run setup:cometbft" >&2
  exit 1
fi

echo "building cometbft $VERSION with $(go version) into $BIN_DIR (takes a few minutes the first time) ..."
# Build into a temp dir then move, so a half-finished build is never picked up.
TMP_BIN="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
trap 'rm -rf "$TMP_BIN"' EXIT
GOBIN="$TMP_BIN" GOFLAGS="${GOFLAGS:--buildvcs=false}" go install "github.com/cometbft/cometbft/cmd/cometbft@$VERSION"
mv "$TMP_BIN/cometbft" "$BIN"
if ! have_version "$BIN"; then
  echo "error: built $BIN but '$BIN version' does not report $WANT" >&2
  exit 1
fi
echo "cometbft $WANT installed at $BIN"
