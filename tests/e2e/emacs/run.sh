#!/usr/bin/env bash
# Emacs 28.2 + eglot 1.9 (Debian bookworm `emacs-nox`, `elpa-eglot`) batch end-to-end test of `tftsr lsp`.
# Then docs/editors.md's eglot snippet, loaded as-is, must attach on its own.
# Usage: tests/e2e/emacs/run.sh     (server: see lib.sh resolve_server)     exit 0 = pass
source "$(dirname "$0")/../lib.sh"
need_apt emacs-nox elpa-eglot
resolve_server
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir "$work/home" "$work/ws"
use_temp_store "$work"
t0=$(now_ms)
set +e
# throw-away HOME so no user init/state leaks in or out; watchdog.py so a dead server or editor
# cannot hang us (it ends emacs only once nothing makes progress; the waits inside are
# progress-based themselves)
HOME="$work/home" E2E_WORKDIR="$work/ws" python3 "$E2E_DIR/watchdog.py" emacs \
  emacs -Q --batch -l "$E2E_DIR/emacs/e2e.el"
rc=$?
if [ $rc -eq 0 ]; then   # the docs' eglot snippet, loaded as-is, must attach on its own
  mkdir -p "$work/docs"
  doc_block emacs > "$work/docs/snippet.el"
  [ -s "$work/docs/snippet.el" ] || { echo "FAIL: no emacs block in docs/editors.md"; exit 1; }
  path_with_tftsr "$work/bin"
  write_fixture "$work/docs/sample.log"
  HOME="$work/home" E2E_SNIPPET="$work/docs/snippet.el" E2E_SAMPLE="$work/docs/sample.log" \
    python3 "$E2E_DIR/watchdog.py" emacs emacs -Q --batch -l "$E2E_DIR/emacs/docs_check.el"
  rc=$?
fi
echo "emacs e2e: rc=$rc in $(( $(now_ms) - t0 )) ms ($(emacs --version | head -1), eglot $(dpkg-query -W -f='${Version}' elpa-eglot))"
exit $rc
