#!/usr/bin/env bash
# End-to-end test of the VS Code extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3)
# driven by Debian's chromium through playwright-core, against the real `tftsr lsp`.
#
# It builds the .vsix from vscode-extension/, installs it, opens a log with multi-byte text before
# the findings, checks the Problems panel and the status bar, applies a quick fix, saves, runs
# "TFTSR: Attach Log to Issue…" with a new issue, checks the issue holds the log (in the preview
# and with `tftsr issue show --json`), searches for it, redacts the rest and checks the file on disk.
#
# Usage: tests/e2e/vscode/run.sh [--update-docs] [--vsix FILE]
#   --update-docs      also copy the screenshots to docs/img/ (for docs/vscode.md)
#   --vsix FILE        install this platform .vsix (scripts/package-vsix.sh) instead of building one,
#                      with no tftsr.server.path, no TFTSR_SERVER_PATH and no tftsr on PATH: the
#                      server must be the binary inside it; a short run (diagnostics, status bar,
#                      agreement with that binary's CLI, which binary the output channel names)
# Env: TFTSR_BIN   tftsr binary (default: target/debug/tftsr, built with `cargo build` if absent;
#                  with --vsix: the binary inside the installed extension)
#      E2E_OUT     artifacts: screenshots, code-server.log, server output (default test-artifacts/vscode)
#      E2E_CACHE   install cache (default ~/.cache/tftsr-e2e)
#      E2E_UI_WAIT how long drive.js waits for one UI element, ms (default 120000: generous, a wait
#                  returns as soon as the element is there); the run itself is guarded by
#                  tests/e2e/watchdog.py (no progress / hard cap), not by a guessed time-out
# Installs what it needs idempotently: Debian chromium + build deps (apt), code-server and
# playwright-core (npm, into E2E_CACHE), the extension's node modules (npm ci).
# Exit 0 = pass; the last line is "N passed, N failed".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
update_docs="" vsix_in=""
while [ $# -gt 0 ]; do
  case "$1" in
    --update-docs) update_docs=1 ;;
    --vsix) [ $# -ge 2 ] || { echo "--vsix needs a file" >&2; exit 2; }; vsix_in="$2"; shift ;;
    *) echo "usage: tests/e2e/vscode/run.sh [--update-docs] [--vsix FILE]" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$vsix_in" ]; then
  [ -f "$vsix_in" ] || { echo "no .vsix at $vsix_in"; echo "0 passed, 1 failed"; exit 1; }
  vsix_in="$(cd "$(dirname "$vsix_in")" && pwd)/$(basename "$vsix_in")"
fi
out="${E2E_OUT:-$root/test-artifacts/vscode}"; mkdir -p "$out"; out="$(cd "$out" && pwd)"
E2E_CACHE="${E2E_CACHE:-$HOME/.cache/tftsr-e2e}"; mkdir -p "$E2E_CACHE"
now_ms() { date +%s%3N; }
t_start=$(now_ms)
fail_setup() { echo "vscode e2e: setup failed: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
trap 'fail_setup "command failed at line $LINENO"' ERR
( source "$here/../lib.sh" && no_stray_config ) || fail_setup "a stray .tftsr.toml above the temp dir"

# code-server pins its Node major: 4.100.3 (VS Code 1.100.3) is the newest that runs on Node 20.
CS_VERSION="${CS_VERSION:-4.100.3}"
PW_VERSION=1.65.1
# @vscode/ripgrep (a code-server dependency) downloads rg from GitHub in postinstall, which cannot
# work here: its download cache is seeded with Debian's rg. Values for code-server 4.100.3.
RG_NPM_VERSION=1.15.11 RG_TAG=v13.0.0-10

# --- prerequisites (idempotent) -------------------------------------------------------------
need_apt() {  # install only the Debian packages that are missing
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "apt-get install ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
# chromium drives the UI (wqy font: the CJK text of app.log in screenshots); the rest builds code-server's native modules (kerberos needs gssapi.h)
need_apt chromium fonts-wqy-microhei ripgrep curl unzip build-essential pkg-config python3 \
  libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
command -v node >/dev/null || need_apt nodejs npm

cs_dir="$E2E_CACHE/code-server-$CS_VERSION"
CS="$cs_dir/node_modules/.bin/code-server"
if [ ! -f "$cs_dir/.ok" ]; then
  echo "installing code-server $CS_VERSION into $cs_dir (native builds: a few minutes)"
  tmpd="$(node -e 'console.log(require("os").tmpdir())')"
  rgc="$tmpd/vscode-ripgrep-cache-$RG_NPM_VERSION"; mkdir -p "$rgc"
  t=$(mktemp -d); cp "$(command -v rg)" "$t/rg"
  tar czf "$rgc/ripgrep-$RG_TAG-x86_64-unknown-linux-musl.tar.gz" -C "$t" rg; rm -rf "$t"
  rm -rf "$cs_dir"; mkdir -p "$cs_dir"; echo '{"private":true}' > "$cs_dir/package.json"
  # npm 11 has no --unsafe-perm flag, but code-server's postinstall.sh checks the variable when
  # run as root; npm_config_yes lets node-pty's postinstall `npx node-gyp` proceed.
  ( cd "$cs_dir" && npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" )
  touch "$cs_dir/.ok"
fi

pw_dir="$E2E_CACHE/playwright-core-$PW_VERSION"
if [ ! -f "$pw_dir/.ok" ]; then
  rm -rf "$pw_dir"; mkdir -p "$pw_dir"; echo '{"private":true}' > "$pw_dir/package.json"
  ( cd "$pw_dir" && npm install --no-audit --no-fund --loglevel=error "playwright-core@$PW_VERSION" )
  touch "$pw_dir/.ok"
fi

work="$(mktemp -d)"; cs_pid=""
if [ -n "$vsix_in" ]; then
  vsix="$vsix_in"
  echo "extension: $vsix ($(stat -c %s "$vsix") bytes)"
else
  # the real server
  if [ -z "${TFTSR_BIN:-}" ]; then
    TFTSR_BIN="$root/target/debug/tftsr"
    ( cd "$root" && cargo build --quiet -p tftsr )
  fi
  [ -x "$TFTSR_BIN" ] || fail_setup "no tftsr binary at $TFTSR_BIN"
  TFTSR_BIN="$(cd "$(dirname "$TFTSR_BIN")" && pwd)/$(basename "$TFTSR_BIN")"
  echo "server: $("$TFTSR_BIN" --version) at $TFTSR_BIN"

  # the extension, built from source into a .vsix
  ext="$root/vscode-extension"
  if [ ! -f "$ext/node_modules/.tftsr-lock" ] || ! cmp -s "$ext/package-lock.json" "$ext/node_modules/.tftsr-lock"; then
    ( cd "$ext" && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.tftsr-lock )
  fi
  vsix="$work/tftsr.vsix"
  ( cd "$ext" && npx vsce package --no-dependencies -o "$vsix" >/dev/null )
fi
trap - ERR

# --- run ------------------------------------------------------------------------------------
cleanup() {  # end code-server's process group (code-server, extension host, tftsr lsp)
  if [ -n "$cs_pid" ]; then
    kill -- -"$cs_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- -"$cs_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- -"$cs_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/data/User" "$work/exts" "$work/ws" "$work/tftsr-data"
# code-server writes ~/.config/code-server/config.yaml and ~/.cache/Microsoft, chromium
# ~/.config/chromium and ~/.cache/dconf, even with custom data dirs: keep them in the work dir.
export XDG_CONFIG_HOME="$work/xdg" XDG_CACHE_HOME="$work/xdg-cache"
# The store the server (started by the extension, inheriting code-server's environment) uses.
# TFTSR_DB_ENCRYPT=1: debug builds would otherwise keep a plain SQLite file; this is SQLCipher.
export TFTSR_DATA_DIR="$work/tftsr-data" TFTSR_DB_KEY="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" TFTSR_DB_ENCRYPT=1
if [ -z "$vsix_in" ]; then
  export TFTSR_SERVER_PATH="$TFTSR_BIN"
else
  # Nothing may point the extension at a binary: no variable, and no tftsr on PATH.
  unset TFTSR_SERVER_PATH
  clean_path=""
  IFS=: read -r -a path_dirs <<<"$PATH"
  for d in "${path_dirs[@]}"; do
    [ -n "$d" ] && [ ! -e "$d/tftsr" ] && clean_path="${clean_path:+$clean_path:}$d"
  done
  export PATH="$clean_path"
  ! command -v tftsr >/dev/null || fail_setup "tftsr is still on PATH ($(command -v tftsr))"
fi
# Keyed value fingerprints (HMAC-SHA-256): a fixed key, so drive.js can check them itself.
export TFTSR_FINGERPRINT_KEY="${TFTSR_FINGERPRINT_KEY:-e2e0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e}"
cp "$here/app.log" "$work/ws/app.log"
# big.log: app.log repeated, for "Scan Large File on Disk…" (scanned on disk, never opened)
export BIG_REPEAT="${BIG_REPEAT:-2000}"
for _ in $(seq 1 "$BIG_REPEAT"); do cat "$here/app.log"; done > "$work/ws/big.log"
python3 - "$work/data/User/settings.json" <<'PY'
import json, sys
json.dump({
  "security.workspace.trust.enabled": False,   # restricted mode would disable the extension
  "workbench.startupEditor": "none", "workbench.tips.enabled": False,
  "telemetry.telemetryLevel": "off", "update.mode": "none",
  "extensions.autoUpdate": False, "extensions.autoCheckUpdates": False,
  "files.autoSave": "off", "git.enabled": False, "editor.minimap.enabled": False,
  "workbench.colorTheme": "Default Light Modern",
  "tftsr.logLevel": "debug",
}, open(sys.argv[1], "w"), indent=1)
PY
csargs=(--user-data-dir "$work/data" --extensions-dir "$work/exts")
t_inst=$(now_ms)
"$CS" "${csargs[@]}" --install-extension "$vsix" >/dev/null
mode=full
if [ -n "$vsix_in" ]; then
  mode=packaged
  # the CLI checks of drive.js run the very binary the extension runs
  TFTSR_BIN="$(find "$work/exts" -path '*/bin/linux-*/tftsr' -type f | head -n 1)"
  [ -n "$TFTSR_BIN" ] || fail_setup "the installed extension holds no bin/linux-*/tftsr"
  if [ -x "$TFTSR_BIN" ]; then echo "server: $("$TFTSR_BIN" --version) bundled at $TFTSR_BIN"
  else echo "server: bundled at $TFTSR_BIN, installed without its exec bit (the extension restores it)"; fi
fi
t0=$(now_ms)
# Port 0: the kernel picks a free port and code-server logs it (a port probed beforehand could be
# taken by someone else before code-server binds it).
# setsid: its own process group, so cleanup ends code-server and its children together.
# The log exists before code-server starts: the background job opens its redirect when it is
# scheduled, and on a loaded machine the loop below could read the file before that (a CI run
# failed so: `sed: can't read …/code-server.log`, and `set -e` ended the suite).
: > "$out/code-server.log"
setsid "$CS" "${csargs[@]}" --auth none --bind-addr "127.0.0.1:0" --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  "$work/ws" >> "$out/code-server.log" 2>&1 &
cs_pid=$!
# Wait for it to listen while it is alive (it logs the address once bound); no guessed time-out:
# a code-server that dies fails at once, one that hangs is ended by the hard cap.
port=""
while [ -z "$port" ]; do
  port=$(sed -n 's#.*HTTP server listening on http://127\.0\.0\.1:\([0-9]*\)/.*#\1#p' "$out/code-server.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$cs_pid" 2>/dev/null || { cat "$out/code-server.log" >&2; fail_setup "code-server exited before listening"; }
  [ $(( $(now_ms) - t0 )) -lt $(( ${E2E_HARD_CAP:-1800} * 1000 )) ] || fail_setup "code-server never listened"
  sleep 0.2
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || fail_setup "code-server on port $port does not answer /healthz"
echo "code-server $CS_VERSION up on 127.0.0.1:$port after $(( $(now_ms) - t0 )) ms (extension install $(( t0 - t_inst )) ms)"
rm -f "$out/result.json"
set +e
CS_URL="http://127.0.0.1:$port" E2E_WORKSPACE="$work/ws" E2E_OUT="$out" TFTSR_BIN="$TFTSR_BIN" E2E_MODE="$mode" \
  NODE_PATH="$pw_dir/node_modules" python3 "$here/../watchdog.py" vscode node "$here/drive.js"
rc=$?
set -e
# VS Code's logs; the TFTSR output channel (with the server's stderr) on its own
rm -rf "$out/logs"; cp -r "$work/data/logs" "$out/logs" 2>/dev/null || true
find "$out/logs" -name '*TFTSR*' -exec cp {} "$out/tftsr-output.log" \; 2>/dev/null || true
if [ -n "$update_docs" ] && [ $rc -eq 0 ]; then
  mkdir -p "$root/docs/img"
  for s in problems quickfix issue scan-report redacted missing-binary; do cp "$out/$s.png" "$root/docs/img/vscode-$s.png"; done
  echo "screenshots copied to docs/img/vscode-*.png"
fi
read -r passed failed < <(python3 -c 'import json,sys
try: r=json.load(open(sys.argv[1])); print(r["passed"], r["failed"])
except Exception: print(0, 1)' "$out/result.json")
[ $rc -eq 0 ] || [ "$failed" -gt 0 ] || failed=1   # a crash or timeout before any check failed
echo "vscode e2e: rc=$rc in $(( $(now_ms) - t_start )) ms; artifacts in $out"
echo "$passed passed, $failed failed"
[ $rc -eq 0 ] && [ "$failed" -eq 0 ]
