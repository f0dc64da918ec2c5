#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/) and prints, per target, the executions,
# coverage (libFuzzer's `cov`: edges, and `ft`: features) and crashes.
#
# Usage: scripts/fuzz.sh smoke                 every target a fixed number of inputs from a fixed
#                                               seed (deterministic, ~10 s each), for CI
#        scripts/fuzz.sh long HOURS [TARGET...] HOURS CPU-hours in all, split evenly over the
#                                               targets, FUZZ_JOBS (default 2) at a time, niced
#        scripts/fuzz.sh run TARGET SECONDS     one target
#        scripts/fuzz.sh build                  build the targets only
#        scripts/fuzz.sh seeds                  (re)build the seed corpora only
# Knobs: FUZZ_JOBS (long: targets at a time, 2), FUZZ_NICE (long: niceness, 19), FUZZ_NO_BUILD=1
# (reuse the targets as built), FUZZ_TARGET_DIR, FUZZ_NO_CARGO_FUZZ=1 (see below).
#
# Needs: a Rust toolchain (stable works: the targets are built without a sanitizer, which is
# the only part of cargo-fuzz that wants nightly; RUSTC_BOOTSTRAP=1 is set for any -Z flag a
# newer cargo-fuzz may add), a C++ compiler (libfuzzer-sys builds libFuzzer), python3 (the seed
# corpora). `cargo fuzz` is used when installed (`cargo install cargo-fuzz`); without it the
# same instrumentation flags are passed to `cargo build` directly, so CI needs no install
# (FUZZ_NO_CARGO_FUZZ=1 takes that path even where cargo-fuzz is installed).
#
# The targets are built once (one cargo build for all of them) into fuzz/target (or
# $FUZZ_TARGET_DIR) and reused. Corpora grow in fuzz/corpus/<target> (not committed), seeded
# from the committed fuzz/seeds/<target> and from the shared corpus (scripts/fuzz-seeds.py).
# A crash is written to fuzz/artifacts/<target>/; replay it with
#   fuzz/target/x86_64-unknown-linux-gnu/release/<target> <file>
# then add it to fuzz/regressions/<target>/ (the test suite replays that folder) and fix it.
# Exit status: 0 when no target crashed.
set -uo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
fuzz="$root/fuzz"
triple="$(rustc -vV | sed -n 's/^host: //p')"
target_dir="${FUZZ_TARGET_DIR:-$fuzz/target}"
bin_dir="$target_dir/$triple/release"
targets=(scan redact config position lsp_document lsp_transport gzip_input)

# Per-target libFuzzer options: the largest input worth trying, a dictionary.
max_len() {
  case "$1" in
    lsp_transport) echo 16384 ;;
    config | position) echo 4096 ;;
    *) echo 8192 ;;
  esac
}
dict() {
  case "$1" in
    lsp_transport) echo "$fuzz/dict/lsp.dict" ;;
    config) echo "$fuzz/dict/toml.dict" ;;
    *) echo "$fuzz/dict/log.dict" ;;
  esac
}

build() {
  local t0=$SECONDS
  if [ "${FUZZ_NO_BUILD:-0}" = 1 ]; then
    echo "fuzz: FUZZ_NO_BUILD=1: using the targets already built in $bin_dir"
    return 0
  fi
  echo "fuzz: building ${#targets[@]} targets ($triple, release + debug assertions, no sanitizer)"
  export RUSTC_BOOTSTRAP=1
  if [ "${FUZZ_NO_CARGO_FUZZ:-0}" != 1 ] && cargo fuzz --version >/dev/null 2>&1; then
    (cd "$root" && cargo fuzz build -s none --codegen-units 16 --target-dir "$target_dir") || return 1
  else
    # What `cargo fuzz build -s none` passes (cargo-fuzz 0.13).
    local flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4
      -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table
      -Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth
      -Cllvm-args=-simplifycfg-branch-fold-threshold=0 --cfg fuzzing -Cdebug-assertions
      -Coverflow-checks -Ccodegen-units=16"
    # Not --locked: fuzz/Cargo.lock pins libfuzzer-sys; a dependency the project adds later is
    # resolved on the way (and the lock file updated) instead of failing the build.
    RUSTFLAGS="$(echo $flags)" cargo build --manifest-path "$fuzz/Cargo.toml" --release \
      --target "$triple" --target-dir "$target_dir" --bins || return 1
  fi
  echo "fuzz: built in $((SECONDS - t0)) s"
}

seeds() {
  python3 "$root/scripts/fuzz-seeds.py" "$fuzz/corpus-seeds" "${targets[@]}" >/dev/null || return 1
}

results=()
crashed=0

# Smoke runs are deterministic: a fixed seed, a fixed number of inputs, a fresh corpus from the
# seeds only. Per target about 10 s on a quiet 2-core machine; -max_total_time is only a guard.
smoke_runs() {
  case "$1" in
    scan) echo 30000 ;;
    redact) echo 6000 ;;
    config) echo 15000 ;;
    position) echo 3000 ;;
    lsp_document) echo 4000 ;;
    lsp_transport) echo 4000 ;;
    gzip_input) echo 15000 ;;
  esac
}

# run TARGET SECONDS [LIBFUZZER-OPTION...]: one libFuzzer run; appends a result line.
run() {
  local t="$1" secs="$2"
  shift 2
  local corpus="${CORPUS_ROOT:-$fuzz/corpus}/$t" art="$fuzz/artifacts/$t" log
  mkdir -p "$corpus" "$art"
  log="$(mktemp)"
  local before
  before=$(find "$art" -type f | wc -l)
  local d=(); [ -f "$(dict "$t")" ] && d=("-dict=$(dict "$t")")
  local cpu_file rc
  cpu_file="$(mktemp)"
  # libFuzzer's -max_total_time is wall time; the CPU time it got is measured here (on a busy
  # machine, niced, they differ).
  { TIMEFORMAT='%R %U %S'; time ${NICE:-} "$bin_dir/$t" "$corpus" "$fuzz/seeds/$t" "$fuzz/corpus-seeds/$t" \
    -max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$art/" "${d[@]}" "$@" >"$log" 2>&1; rc=$?; } 2>"$cpu_file"
  local wall cpu
  wall=$(awk '{printf "%d", $1}' "$cpu_file")
  cpu=$(awk '{printf "%d", $2 + $3}' "$cpu_file"); rm -f "$cpu_file"
  local execs cov ft corp
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  corp=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  local new=$(( $(find "$art" -type f | wc -l) - before ))
  # A crash already in artifacts/ (same input, same name) adds no file: count the exit too.
  [ "$rc" -ne 0 ] && [ "$new" -eq 0 ] && new=1
  if [ "$new" -gt 0 ]; then
    crashed=$((crashed + 1))
    echo "fuzz: $t FAILED (exit $rc); its log:"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|Base64' "$log" | head -20
  fi
  results+=("$(printf '%-14s %7ss %7ss %12s %8s %8s %7s %8s' "$t" "$wall" "$cpu" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$new")")
  rm -f "$log"
}

report() {
  echo
  printf '%-14s %8s %8s %12s %8s %8s %7s %8s\n' target wall cpu executions cov ft corpus crashes
  printf '%s\n' "${results[@]}"
  echo "fuzz: $crashed target(s) crashed"
}

mode="${1:-smoke}"
case "$mode" in
  build) build ;;
  seeds) seeds ;;
  smoke)
    build && seeds || exit 2
    CORPUS_ROOT="$(mktemp -d)"
    for t in "${targets[@]}"; do run "$t" 120 -seed=1 -runs="$(smoke_runs "$t")"; done
    rm -rf "$CORPUS_ROOT"
    report
    ;;
  run)
    [ $# -eq 3 ] || { echo "usage: $0 run TARGET SECONDS" >&2; exit 2; }
    build && seeds || exit 2
    run "$2" "$3"
    report
    ;;
  long)
    hours="${2:?usage: $0 long HOURS [TARGET...]}"
    shift 2
    [ $# -gt 0 ] && targets=("$@")
    build && seeds || exit 2
    per=$(python3 -c "print(max(1, int(float('$hours') * 3600 / ${#targets[@]})))")
    jobs="${FUZZ_JOBS:-2}"
    NICE="nice -n ${FUZZ_NICE:-19}"
    echo "fuzz: long run, $hours CPU-hours: ${#targets[@]} targets x $per s, $jobs at a time"
    # Each target in its own background shell; results come back through files.
    tmp="$(mktemp -d)"
    running=0
    for t in "${targets[@]}"; do
      ( results=(); crashed=0; run "$t" "$per"; printf '%s\n' "${results[@]}" >"$tmp/$t.res"; echo "$crashed" >"$tmp/$t.crashed" ) &
      running=$((running + 1))
      if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
    done
    wait
    for t in "${targets[@]}"; do
      results+=("$(cat "$tmp/$t.res")")
      crashed=$((crashed + $(cat "$tmp/$t.crashed")))
    done
    rm -rf "$tmp"
    report
    ;;
  *) echo "usage: $0 smoke | long HOURS [TARGET...] | run TARGET SECONDS | build | seeds" >&2; exit 2 ;;
esac
[ "$crashed" -eq 0 ]
