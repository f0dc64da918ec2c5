#!/usr/bin/env bash
# Builds dist/tftsr-linux-x64.vsix: the VS Code extension with the stripped release `tftsr` inside,
# which the extension runs with no setting at all.
#
# The binary is the portable release build (`cargo build --release -p tftsr --features
# vendored-openssl`: OpenSSL compiled in, so it needs no system libcrypto/libssl). Cargo reuses it
# when it is up to date (seconds); the first build takes several minutes.
# Usage: bash scripts/package-vsix.sh          (from any directory; prints the .vsix path last)
# Env:   TFTSR_RELEASE_BIN  package this binary instead of building one (it must be the
#                           vendored-OpenSSL release build; checked: no libssl/libcrypto needed)
# Needs: cargo, Node >= 20 (npm), binutils (strip, objdump); scripts/setup.sh installs the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
say() { echo "package-vsix: $*" >&2; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=linux-x64 ;;
  Linux-aarch64) target=linux-arm64 ;;
  *) say "no package for $(uname -s)-$(uname -m) (linux-x64 and linux-arm64 are built here)"; exit 2 ;;
esac
out="$root/dist/tftsr-$target.vsix"

if [ -n "${TFTSR_RELEASE_BIN:-}" ]; then
  bin="$TFTSR_RELEASE_BIN"
  say "using $bin (TFTSR_RELEASE_BIN)"
else
  bash scripts/setup.sh
  # OpenSSL's own build (openssl-src) runs Configure (perl) and make
  missing=()
  for p in perl make; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  say "building the release binary with OpenSSL inside (cargo build --release --features vendored-openssl;"
  say "several minutes the first time, seconds when it is up to date)…"
  t0=$(date +%s)
  cargo build --release --locked -p tftsr --features vendored-openssl
  say "release build: $(( $(date +%s) - t0 )) s"
  bin="${CARGO_TARGET_DIR:-$root/target}/release/tftsr"
fi
[ -x "$bin" ] || { say "no executable at $bin"; exit 2; }

# The point of this package: it runs on a machine with no OpenSSL installed.
if ldd "$bin" 2>/dev/null | grep -Eq 'lib(ssl|crypto)\.so'; then
  say "$bin links the system OpenSSL ($(ldd "$bin" | grep -Eo 'lib(ssl|crypto)\.so[^ ]*' | sort -u | tr '\n' ' '));"
  say "build it with --features vendored-openssl"
  exit 2
fi

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
strip -o "$work/tftsr" "$bin"
# The newest glibc symbol version the binary needs is the oldest glibc it runs on.
floor=$(objdump -T "$work/tftsr" | grep -Eo 'GLIBC_[0-9]+(\.[0-9]+)+' | sort -u -V | tail -n 1)
say "binary: $(stat -c %s "$bin") bytes, stripped $(stat -c %s "$work/tftsr") bytes; needs ${floor:-no versioned glibc}; libraries: $(ldd "$work/tftsr" | awk '{print $1}' | tr '\n' ' ')"

rm -f "$out"
vscode-extension/scripts/package-target.sh "$work/tftsr" "$target" "$out" >/dev/null
# What is inside: the bundle, the manifest, and the binary where the extension looks for it.
list="$(unzip -Z1 "$out")"
for f in extension/dist/extension.js extension/package.json "extension/bin/$target/tftsr" extension/images/icon.png; do
  grep -qx "$f" <<<"$list" || { say "$out lacks $f"; exit 1; }
done
say "$out: $(stat -c %s "$out") bytes, $(wc -l <<<"$list") files"
echo "$out"
