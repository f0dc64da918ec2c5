#!/usr/bin/env bash
# pytest-lsp (swyddfa) + pygls suite against the real `tftsr lsp`, once per client capability
# profile (Neovim 0.7.0/0.11.0, VS Code 1.65.2, Emacs 29.1 eglot), plus raw-stdio robustness tests.
# Usage: tests/e2e/pytest-lsp/run.sh [extra pytest args]     exit 0 = pass
source "$(dirname "$0")/../lib.sh"
resolve_server
PY="${PYTHON:-python3}"
# Debian's own python3 needs python3-venv for "-m venv"
"$PY" -c 'import venv, ensurepip' 2>/dev/null || need_apt python3-venv
venv="$E2E_CACHE/venv-pytest-lsp"
pins="pytest-lsp==1.0.1 pygls==2.1.1 lsprotocol==2025.0.0"
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$pins" ]; then
  rm -rf "$venv"; "$PY" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check $pins
  echo "$pins" > "$venv/.pins"
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
use_temp_store "$work"        # each test also points databasePath at its own tmp dir
export PYTHONDONTWRITEBYTECODE=1   # nothing written next to the tests
t0=$(now_ms)
set +e
here="$E2E_DIR/pytest-lsp"
python3 "$E2E_DIR/watchdog.py" pytest "$venv/bin/python" -m pytest -p no:cacheprovider -c "$here/pytest.ini" \
  --rootdir "$here" --basetemp "$work/pytest" "$here/test_tftsr_lsp.py" -q "$@"
rc=$?
echo "pytest-lsp e2e: rc=$rc in $(( $(now_ms) - t0 )) ms"
exit $rc
