#!/usr/bin/env bash
# Run the editor end-to-end tests against the real `tftsr lsp` and print "N passed, N failed".
# Usage: tests/e2e/run.sh [nvim emacs pytest-lsp vscode]      (default: nvim emacs pytest-lsp,
#        plus vscode when tests/e2e/vscode/run.sh exists)
# Server: $SERVER_CMD, else $TFTSR_BIN lsp, else target/debug/tftsr built here (see lib.sh).
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
set +e
clients=("$@")
if [ ${#clients[@]} -eq 0 ]; then
  clients=(nvim emacs pytest-lsp)
  [ -x "$here/vscode/run.sh" ] && clients+=(vscode)
fi
resolve_server || { echo "0 passed, ${#clients[@]} failed"; exit 1; }
echo "server: $SERVER_CMD"
pass=0; fail=0; failed=()
for c in "${clients[@]}"; do
  echo "=== $c"
  if [ "$c" = vscode ] && [ ! -x "$here/vscode/run.sh" ]; then
    echo "skipped: tests/e2e/vscode/run.sh is not there yet (the VS Code e2e lives there)"; continue
  fi
  if [ ! -x "$here/$c/run.sh" ]; then
    echo "no such client: $c ($here/$c/run.sh missing)"; fail=$((fail+1)); failed+=("$c"); continue
  fi
  if "$here/$c/run.sh" </dev/null; then pass=$((pass+1)); else fail=$((fail+1)); failed+=("$c"); fi
done
[ $fail -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
