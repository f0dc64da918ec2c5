#!/usr/bin/env bash
# Installs what building TFTSR needs on a fresh Debian 12 machine (idempotent, quiet when done).
# The Rust toolchain itself (cargo >= 1.89) must already be there.
set -euo pipefail
need=()
for p in pkg-config libssl-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]} (apt-get)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "setup: cargo not found: install Rust (rustup) first" >&2; exit 2; }
