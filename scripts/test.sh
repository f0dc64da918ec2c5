#!/usr/bin/env bash
# Every test of TFTSR: Rust unit + integration tests (engine, CLI, store, language server over
# stdio), the Python package and its Spark job (python/test.sh), the editor end-to-end tests
# (Neovim, Emacs, pytest-lsp profiles, VS Code via code-server), and the VS Code extension's
# lint/typecheck/unit tests/packaging, and the packaged .vsix (release binary inside) installed
# into code-server with no setting (scripts/vsix-e2e.sh).
# Installs what it needs (apt/pip/npm, idempotently). Exit non-zero on any failure.
# Usage: scripts/test.sh            everything
#        TFTSR_SKIP_VSCODE=1 scripts/test.sh   everything but the browser-driven VS Code runs
#        TFTSR_SKIP_VSIX=1 scripts/test.sh     everything but the packaged .vsix (its release build)
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bash scripts/setup.sh || exit 2
# The SARIF test validates against the official schema with Python's jsonschema.
python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q jsonschema || exit 2
# The store tests tamper with tftsr.db through an independent SQLCipher client.
python3 -c 'import sqlcipher3' 2>/dev/null || python3 -m pip install -q sqlcipher3-binary || exit 2

pass=0; fail=0; failed=()
step() {  # step NAME CMD... : run one suite, record the outcome, keep going
  local name="$1"; shift
  echo "=== $name"
  local t0=$(date +%s)
  if "$@"; then pass=$((pass+1)); echo "=== $name: ok ($(( $(date +%s) - t0 )) s)"
  else fail=$((fail+1)); failed+=("$name"); echo "=== $name: FAILED ($(( $(date +%s) - t0 )) s)"; fi
}

step "cargo build" cargo build --all-targets --locked
step "cargo test" cargo test --workspace --locked
step "python package + Spark job (python/tests)" bash python/test.sh
export TFTSR_BIN="$root/target/debug/tftsr"
export SERVER_CMD="$TFTSR_BIN lsp"
clients=(nvim emacs pytest-lsp)
[ "${TFTSR_SKIP_VSCODE:-0}" = 1 ] || clients+=(vscode)
step "vscode-extension: lint, typecheck, unit tests, package" bash vscode-extension/test.sh
step "editor e2e (${clients[*]})" bash tests/e2e/run.sh "${clients[@]}"
# A new user's path: the release binary (vendored OpenSSL; cargo reuses it when up to date) packed
# into dist/tftsr-linux-x64.vsix, installed into code-server with nothing configured, findings shown.
if [ "${TFTSR_SKIP_VSCODE:-0}" != 1 ] && [ "${TFTSR_SKIP_VSIX:-0}" != 1 ]; then
  step "packaged .vsix: release build, package, install, diagnostics (scripts/vsix-e2e.sh)" bash scripts/vsix-e2e.sh
fi

echo
[ $fail -gt 0 ] && echo "failed suites: ${failed[*]}"
echo "suites: $pass passed, $fail failed"
[ $fail -eq 0 ]
