#!/usr/bin/env bash
# The Spark benchmark (python/benches/spark_bench.py): release builds of the CLI, the planted
# corpus writer and the wheel, Presidio from PyPI in the test venv, then the harness.
# Usage: bash python/benches/run.sh [--mb 64] [--presidio-kb 256] [--json out.json]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="$PWD/target/pyvenv"
TFTSR_PY_PROFILE=release bash python/test.sh --co -q >/dev/null   # venv, Java, release wheel installed
"$venv/bin/python" -c 'import presidio_analyzer, presidio_anonymizer, spacy' 2>/dev/null \
  || "$venv/bin/python" -m pip install -q "presidio-analyzer>=2.2,<3" "presidio-anonymizer>=2.2,<3"
cargo build --quiet --release --locked -p tftsr --bin tftsr --example plant_corpus
exec "$venv/bin/python" python/benches/spark_bench.py "$@"
