# Sourced by the tests/e2e/*/run.sh scripts. Idempotent prerequisite helpers; nothing here writes
# into the repository, only to $E2E_CACHE and mktemp dirs.
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
export E2E_FIXTURE="${E2E_FIXTURE:-$E2E_DIR/fixtures/multibyte.json}"
export E2E_CACHE="${E2E_CACHE:-$HOME/.cache/tftsr-e2e}"
mkdir -p "$E2E_CACHE"

_apt_updated=""
# need_apt PKG... : apt-get install only the packages that are not installed yet
need_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "$_apt_updated" ]; then $sudo apt-get update -qq; _apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

now_ms() { date +%s%3N; }

# The server under test is always the real `tftsr lsp`. Precedence:
#   SERVER_CMD (a full shell command line, e.g. "env RUST_LOG=debug /path/tftsr lsp"),
#   TFTSR_BIN (path of the tftsr binary), else a fresh `cargo build` of the workspace.
# Exported once by run.sh so a multi-client run builds only once.
resolve_server() {
  no_stray_config || return 1
  if [ -n "${SERVER_CMD:-}" ]; then export SERVER_CMD; return 0; fi
  if [ -z "${TFTSR_BIN:-}" ]; then
    (cd "$REPO_ROOT" && cargo build -q --bin tftsr) >&2
    TFTSR_BIN="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/tftsr"
  fi
  [ -x "$TFTSR_BIN" ] || { echo "tftsr binary not found: $TFTSR_BIN" >&2; return 1; }
  export TFTSR_BIN
  export SERVER_CMD="$TFTSR_BIN lsp"
}

# The workspaces live in mktemp dirs and tftsr looks for .tftsr.toml in their ancestors too: a
# stray /tmp/.tftsr.toml would change what every test sees. Refuse to run with one.
no_stray_config() {
  local d; d="$(dirname "$(mktemp -u)")"
  while :; do
    if [ -e "$d/.tftsr.toml" ]; then
      echo "$d/.tftsr.toml exists: tftsr would read it for every test workspace; move it away" >&2
      return 1
    fi
    [ "$d" = / ] && return 0
    d="$(dirname "$d")"
  done
}

# A throw-away encrypted store for the issue commands: the server inherits these.
# The key is random per run so a test cannot pass by reading someone else's database.
use_temp_store() {
  export TFTSR_DATA_DIR="$1/data"
  # debug builds default to a plain store; the tests want the encrypted path users get
  export TFTSR_DB_ENCRYPT=1
  mkdir -p "$TFTSR_DATA_DIR"
  TFTSR_DB_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export TFTSR_DB_KEY
}

# doc_block TAG : print the fenced code block that follows "<!-- e2e: TAG" in docs/editors.md,
# so the editor tests run the very configuration the docs tell users to paste.
doc_block() {
  awk -v tag="<!-- e2e: $1" '
    index($0, tag) == 1 { armed = 1; next }
    armed && /^```/ { if (inside) exit; inside = 1; next }
    inside { print }' "$REPO_ROOT/docs/editors.md"
}

# path_with_tftsr DIR : a `tftsr` on PATH that runs $SERVER_CMD, for the docs' `cmd = { "tftsr", "lsp" }`
path_with_tftsr() {
  mkdir -p "$1"
  printf '#!/bin/sh\n# ignores its arguments ("lsp"): SERVER_CMD already names the subcommand\nexec /bin/sh -c "exec $SERVER_CMD"\n' > "$1/tftsr"
  chmod +x "$1/tftsr"
  export PATH="$1:$PATH"
}

# write_fixture FILE : the fixture's lines, newline-terminated, as a log file
write_fixture() {
  python3 -c 'import json,sys; fx=json.load(open(sys.argv[1], encoding="utf-8"));
open(sys.argv[2], "w", encoding="utf-8", newline="\n").write("\n".join(fx["lines"]) + "\n")' "$E2E_FIXTURE" "$1"
}
