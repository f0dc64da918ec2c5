#!/usr/bin/env bash
# The main job on the bundled example: build TFTSR, scan examples/app.log, write a redacted copy,
# and show that the copy scans clean.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release -q -p tftsr
bin=target/release/tftsr
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
# The example's .tftsr.toml sits beside the log: a configuration that came with the logs applies
# in full only when vouched for (--trust-config, or --config naming it).
echo "== tftsr scan --trust-config examples/app.log"
"$bin" scan --trust-config examples/app.log || [ $? -eq 1 ]   # exit 1 = findings, as expected here
echo
echo "== tftsr redact --trust-config examples/app.log -o <tmp>/app.redacted.log"
"$bin" redact --trust-config examples/app.log -o "$out/app.redacted.log"
echo
echo "== first lines of the redacted copy"
head -n 15 "$out/app.redacted.log"
echo
echo "== tftsr scan on the redacted copy, same configuration (exit 0 = clean)"
# The copy lives outside examples/, so name the configuration whose allowlist kept some values.
"$bin" scan --config examples/.tftsr.toml "$out/app.redacted.log"
echo "clean."
