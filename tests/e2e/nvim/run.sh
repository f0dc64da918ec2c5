#!/usr/bin/env bash
# Headless Neovim 0.7.2 (Debian bookworm `neovim`) end-to-end test of the real `tftsr lsp`:
# 1. e2e.lua drives the full flow (diagnostics, quickfix, commands, redact-all, save);
# 2. docs/editors.md's Neovim 0.7 snippet, as init.lua, must attach on its own.
# Usage: tests/e2e/nvim/run.sh     (server: see lib.sh resolve_server)     exit 0 = pass
source "$(dirname "$0")/../lib.sh"
need_apt neovim
resolve_server
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
use_temp_store "$work"
t0=$(now_ms)
set +e
# -u NONE: no user config/plugins; -i NONE: no shada; -n: no swap file.
# XDG_*: nvim 0.7 writes ~/.cache/nvim/lsp.log etc.; keep everything in the work dir.
# watchdog.py: a hang guard that ends nvim only once nothing makes progress (the waits inside
# e2e.lua are progress-based themselves and fail first, with a message).
export XDG_CACHE_HOME="$work/cache" XDG_STATE_HOME="$work/state" XDG_DATA_HOME="$work/xdg-data" XDG_CONFIG_HOME="$work/config"
E2E_WORKDIR="$work/ws" python3 "$E2E_DIR/watchdog.py" nvim \
  nvim --headless -u NONE -i NONE -n -c "luafile $E2E_DIR/nvim/e2e.lua"
rc=$?
[ $rc -ne 0 ] && [ -s "$work/cache/nvim/lsp.log" ] && { echo "--- nvim lsp.log (tail)"; tail -n 20 "$work/cache/nvim/lsp.log"; }
if [ $rc -eq 0 ]; then
  mkdir -p "$work/docs"
  doc_block nvim-0.7 > "$work/docs/init.lua"
  [ -s "$work/docs/init.lua" ] || { echo "FAIL: no nvim-0.7 block in docs/editors.md"; exit 1; }
  path_with_tftsr "$work/bin"
  write_fixture "$work/docs/sample.log"
  (cd "$work/docs" && python3 "$E2E_DIR/watchdog.py" nvim \
    nvim --headless -u "$work/docs/init.lua" -i NONE -n sample.log -c "luafile $E2E_DIR/nvim/docs_check.lua")
  rc=$?
fi
echo "nvim e2e: rc=$rc in $(( $(now_ms) - t0 )) ms ($(nvim --version | head -1))"
exit $rc
