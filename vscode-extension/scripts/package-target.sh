#!/usr/bin/env bash
# Builds a platform-specific .vsix that carries the tftsr binary (bin/<target>/tftsr[.exe]), which
# the extension runs when neither tftsr.server.path nor TFTSR_SERVER_PATH is set.
# Usage: scripts/package-target.sh BINARY [TARGET] [OUT.vsix]
#   TARGET: a vsce target (linux-x64, linux-arm64, darwin-arm64, win32-x64 …); default: this machine
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:?usage: scripts/package-target.sh BINARY [TARGET] [OUT.vsix]}"
target="${2:-$(node -p 'process.platform + "-" + process.arch')}"
out="${3:-tftsr-$target.vsix}"
[ -f "$bin" ] || { echo "package-target: no binary at $bin" >&2; exit 2; }
"$bin" --version | grep -q '^tftsr ' || { echo "package-target: $bin is not a tftsr binary" >&2; exit 2; }
name=tftsr; case "$target" in win32-*) name=tftsr.exe ;; esac
rm -rf bin; mkdir -p "bin/$target"
trap 'rm -rf bin' EXIT
cp "$bin" "bin/$target/$name"; chmod 755 "bin/$target/$name"
npx vsce package --no-dependencies --target "$target" -o "$out" >/dev/null
echo "$out"
