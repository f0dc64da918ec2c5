#!/usr/bin/env bash
# Builds a platform-specific .vsix that carries the tftsr binary (bin/<target>/tftsr[.exe]), which
# the extension runs when neither tftsr.server.path nor TFTSR_SERVER_PATH is set.
# Usage: scripts/package-target.sh BINARY [TARGET] [OUT.vsix]
#   BINARY, OUT.vsix: relative to the directory you run it from (any directory works)
#   TARGET: a vsce target (linux-x64, linux-arm64, darwin-arm64, win32-x64 …); default: this machine
#   OUT.vsix default: tftsr-TARGET.vsix in the current directory
# Needs Node >= 20 (@vscode/vsce 3.9); installs the extension's node modules (npm ci) when missing.
# The binary is packed as given: scripts/package-vsix.sh builds the stripped release one.
set -euo pipefail
usage="usage: scripts/package-target.sh BINARY [TARGET] [OUT.vsix]"
[ $# -ge 1 ] && [ $# -le 3 ] || { echo "$usage" >&2; exit 2; }
abs() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
# Both paths are the caller's: resolve them before changing to the extension's directory.
bin="$(abs "$1")"
[ -f "$bin" ] || { echo "package-target: no binary at $1 (looked for $bin)" >&2; exit 2; }
command -v node >/dev/null || { echo "package-target: Node.js >= 20 is needed (node not found)" >&2; exit 2; }
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || { echo "package-target: Node.js >= 20 is needed (@vscode/vsce 3.9), this is $(node --version)" >&2; exit 2; }
target="${2:-$(node -p 'process.platform + "-" + process.arch')}"
out="$(abs "${3:-tftsr-$target.vsix}")"
name=tftsr; case "$target" in win32-*) name=tftsr.exe ;; esac
# Only a binary this machine can run is checked by running it (a cross-built one cannot be).
if [ "$target" = "$(node -p 'process.platform + "-" + process.arch')" ]; then
  "$bin" --version | grep -q '^tftsr ' || { echo "package-target: $1 is not a tftsr binary" >&2; exit 2; }
fi
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.tftsr-lock ] || ! cmp -s package-lock.json node_modules/.tftsr-lock; then
  npm ci --no-audit --no-fund --loglevel=error >&2
  cp package-lock.json node_modules/.tftsr-lock
fi
rm -rf bin; mkdir -p "bin/$target"
trap 'rm -rf bin' EXIT
cp "$bin" "bin/$target/$name"; chmod 755 "bin/$target/$name"
mkdir -p "$(dirname "$out")"
npx vsce package --no-dependencies --target "$target" -o "$out" >/dev/null
echo "$out"
