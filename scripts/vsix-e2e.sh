#!/usr/bin/env bash
# A new user's path with the VS Code extension, as one script: package the platform .vsix with the
# release binary inside (scripts/package-vsix.sh), install it into a throw-away code-server (VS
# Code 1.100) with no tftsr.server.path, no TFTSR_SERVER_PATH and no tftsr on PATH, open a log, and
# see its findings in the Problems panel and the status bar (tests/e2e/vscode/run.sh --vsix).
# Run by scripts/test.sh as a suite of its own when TFTSR_VSIX=1 (not by default: its release
# build with OpenSSL compiled in does not fit the default test command's budget; docs/testing.md).
#
# Usage: bash scripts/vsix-e2e.sh [--fresh-clone]
#   --fresh-clone  run it in a new clone of this repository's HEAD (a temporary directory): only
#                  committed files count, and the release build starts cold (~8 min of CPU)
# Env: TFTSR_RELEASE_BIN (see package-vsix.sh), E2E_OUT, E2E_CACHE (see tests/e2e/vscode/run.sh)
# Installs what it needs (apt, npm) idempotently. Exit 0 = pass; the last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --fresh-clone ]; then
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  git clone -q "$PWD" "$tmp/tftsr" || { echo "0 passed, 1 failed"; exit 1; }
  echo "vsix-e2e: in a fresh clone of $(git rev-parse --short HEAD) at $tmp/tftsr" >&2
  E2E_OUT="${E2E_OUT:-$PWD/test-artifacts/vscode-vsix}" bash "$tmp/tftsr/scripts/vsix-e2e.sh"
  exit $?
fi
t0=$(date +%s)
if ! vsix="$(bash scripts/package-vsix.sh | tail -n 1)" || [ ! -f "$vsix" ]; then
  echo "vsix-e2e: packaging failed"; echo "0 passed, 1 failed"; exit 1
fi
t1=$(date +%s)
E2E_OUT="${E2E_OUT:-$PWD/test-artifacts/vscode-vsix}" bash tests/e2e/vscode/run.sh --vsix "$vsix"; rc=$?
echo "vsix-e2e: package $(( t1 - t0 )) s, install and check $(( $(date +%s) - t1 )) s" >&2
exit $rc
