#!/usr/bin/env bash
# The extension's checks: ESLint, tsc --noEmit, unit tests (node:test; with a tftsr binary at hand
# they also check package.json's finding types against it), `vsce package`, and, when a tftsr
# binary is at hand, a platform-specific .vsix whose bundled binary the lookup finds.
# Exit status non-zero on any failure; the last line is "N passed, N failed".
# Env: TFTSR_BIN (default ../target/debug/tftsr when built).
set -uo pipefail
cd "$(dirname "$0")"
passed=0 failed=0
step() {  # step NAME CMD...: one check
  local name="$1"; shift
  if "$@"; then passed=$((passed + 1)); echo "ok   - $name"; else failed=$((failed + 1)); echo "FAIL - $name"; fi
}

# Node itself (this machine has Node 20; a bare Debian 12 gets its nodejs 18 + npm)
if ! command -v npm >/dev/null; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null \
    || { echo "cannot install node/npm"; echo "0 passed, 1 failed"; exit 1; }
fi

# Node packages, pinned by package-lock.json; reinstalled only when the lock file changed.
if [ ! -f node_modules/.tftsr-lock ] || ! cmp -s package-lock.json node_modules/.tftsr-lock; then
  npm ci --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }
  cp package-lock.json node_modules/.tftsr-lock
fi

# The binary the unit tests check package.json's finding types against (test/findingTypes.test.ts).
bin="${TFTSR_BIN:-../target/debug/tftsr}"
[ -e "$bin" ] && bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
export TFTSR_BIN="$bin"

step "eslint" npx eslint --max-warnings 0 src test scripts eslint.config.mjs
step "tsc --noEmit" npx tsc -p . --noEmit

# Unit tests: each node:test test counts on its own.
rm -rf out
if npx tsc -p tsconfig.test.json; then
  log=$(mktemp)
  node --test --test-reporter=tap out/test/*.test.js > "$log" 2>&1; rc=$?
  grep -E '^(not ok|# (tests|pass|fail|skipped))' "$log" | sed 's/^/  /'
  [ $rc -eq 0 ] || grep -B2 -A20 '^ *not ok' "$log" | head -80
  p=$(sed -n 's/^# pass //p' "$log"); f=$(sed -n 's/^# fail //p' "$log")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); echo "FAIL - unit test run (rc=$rc)"; fi
  rm -f "$log"
else
  failed=$((failed + 1)); echo "FAIL - compile unit tests"
fi

vsix_ok() {  # the generic .vsix: bundle + manifest, no sources, no node_modules
  rm -f tftsr.vsix
  npx vsce package --no-dependencies -o tftsr.vsix >/dev/null || return 1
  local list; list=$(unzip -Z1 tftsr.vsix) || return 1
  grep -qx 'extension/dist/extension.js' <<<"$list" && grep -qx 'extension/package.json' <<<"$list" \
    && ! grep -qE '^extension/(src|test|node_modules|out)/' <<<"$list" \
    && echo "  tftsr.vsix: $(stat -c %s tftsr.vsix) bytes, $(wc -l <<<"$list") files"
}
step "vsce package -> tftsr.vsix" vsix_ok

bundled_ok() {  # platform .vsix: the unpacked extension finds and runs its own binary
  local target; target=$(node -p 'process.platform + "-" + process.arch')
  local v="$PWD/tftsr-$target.vsix" d; d=$(mktemp -d)
  # a stripped copy: the debug binary is >100 MB of symbols that only slow the zip down
  local b="$d/tftsr"; strip -o "$b" "$bin" 2>/dev/null || cp "$bin" "$b"
  # run from another directory with relative paths: both are the caller's, not the script's
  local ext="$PWD"
  (cd "$d" && "$ext/scripts/package-target.sh" tftsr "$target" "out/tftsr-$target.vsix" >/dev/null) || { rm -rf "$d"; return 1; }
  mv "$d/out/tftsr-$target.vsix" "$v" && rm -rf "$d/out" "$b"
  (cd "$d" && unzip -q "$v") || { rm -rf "$d"; return 1; }
  chmod a-x "$d/extension/bin/$target/tftsr"  # as if the zip had lost the mode: must be restored
  node -e '
    const s = require("./out/src/serverBinary.js");
    const found = s.locateServer({ env: { PATH: "" }, extensionPath: process.argv[1], platform: process.platform,
      arch: process.arch, homeDir: "/nonexistent", isFile: s.isRegularFile });
    if (found.source !== "bundled") throw new Error("not the bundled binary: " + JSON.stringify(found));
    s.ensureExecutable(found.path);
    s.checkServerVersion(found, 120000).then(v => console.log("  bundled tftsr " + v + " runs from the unpacked .vsix"),
      e => { console.error(e.message); process.exit(1); });' "$d/extension"
  local rc=$?; rm -rf "$d" "$v"; return $rc
}
if [ -x "$bin" ]; then
  step "platform .vsix with bundled binary" bundled_ok
else
  echo "skip - platform .vsix (no tftsr binary at $bin; cargo build first)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
