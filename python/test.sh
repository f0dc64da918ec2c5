#!/usr/bin/env bash
# The Python package's tests and the Spark job's test (python/tests), against the real `tftsr`
# binary and the planted loghub archive. Installs what it needs, idempotently: a Java runtime
# (Debian's), a virtual environment in target/pyvenv with maturin, pyarrow, pandas, pytest and
# pyspark (PyPI). Builds the wheel with maturin (dev profile by default, reusing the workspace's
# debug build; TFTSR_PY_PROFILE=release for the shipped profile), checks that it installs into
# a fresh environment with no Rust toolchain on PATH, then runs pytest.
# Usage: bash python/test.sh [pytest args…]
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
venv="$root/target/pyvenv"
profile="${TFTSR_PY_PROFILE:-dev}"

if ! java -version >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# pandas: pyspark's mapInArrow imports it; 2.x is the line pyspark 4 supports.
reqs=("maturin>=1.7,<2" "pyarrow>=14" "pandas>=2.2,<3" "pytest>=8" "pyspark>=4,<5")
if ! "$venv/bin/python" - "${reqs[@]}" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
from packaging.requirements import Requirement
for r in map(Requirement, sys.argv[1:]):
    assert r.specifier.contains(version(r.name), prereleases=True), r
EOF
then
  "$venv/bin/python" -m pip install -q --upgrade pip packaging
  "$venv/bin/python" -m pip install -q "${reqs[@]}"
fi

# Up to date with the sources (a no-op after scripts/test.sh's cargo build).
cargo build --quiet --locked -p tftsr --bin tftsr --example plant_corpus

# The wheel, built once per change (cargo decides), installed over the previous one.
rm -rf target/wheels/py-test
"$venv/bin/maturin" build --quiet --locked --profile "$profile" -m python/Cargo.toml \
  -i "$venv/bin/python" -o target/wheels/py-test
wheel=$(ls target/wheels/py-test/tftsr-*.whl)
"$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$wheel"

# Installing the wheel needs no Rust toolchain: a fresh environment, PATH without cargo/rustc.
fresh=$(mktemp -d)
trap 'rm -rf "$fresh"' EXIT
python3 -m venv "$fresh/venv"
env -i HOME="$fresh" PATH=/usr/bin:/bin "$fresh/venv/bin/python" -m pip install -q --no-index "$wheel"
env -i HOME="$fresh" PATH=/usr/bin:/bin "$fresh/venv/bin/python" -c \
  'import tftsr, shutil; assert shutil.which("cargo") is None; assert tftsr.redact("bob@example.com") == "[Email]"'

export TFTSR_BIN="$root/target/debug/tftsr"
export TFTSR_PLANT_BIN="$root/target/debug/examples/plant_corpus"
# From python/, with the pytest entry point (not `python -m`, which would put python/tftsr, the
# sources without the native module, ahead of the installed package).
cd python
"$venv/bin/pytest" -q -p no:cacheprovider "$@"
