#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets/) and prints, per target, the executions,
# coverage (libFuzzer's `cov`: edges, and `ft`: features) and crashes.
#
# Usage: scripts/fuzz.sh smoke                 every target a fixed number of inputs from a fixed
#                                               seed (deterministic, 5–10 s each), for CI
#        scripts/fuzz.sh long HOURS [TARGET...] HOURS CPU-hours in all, split evenly over the
#                                               targets, FUZZ_JOBS (default 2) at a time, niced;
#                                               each target stops when its CPU time is spent
#        scripts/fuzz.sh run TARGET SECONDS     one target
#        scripts/fuzz.sh build                  build the targets only (release profile)
#        scripts/fuzz.sh smoke-build            build the targets only, in the smoke profile (CI
#                                               builds first, then runs `FUZZ_NO_BUILD=1 … smoke`,
#                                               so its summary shows the two times apart)
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
# The long runs use a release build; the CI smoke a debug one with the hot crates optimised
# (fuzz/Cargo.toml [profile.smoke]): from cold ~5 CPU-minutes instead of ~11.
profile=release
case "${1:-smoke}" in smoke | smoke-build) profile=smoke ;; esac
bin_dir="$target_dir/$triple/$profile"
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
  echo "fuzz: building ${#targets[@]} targets ($triple, profile $profile + debug assertions, no sanitizer)"
  export RUSTC_BOOTSTRAP=1
  if [ "$profile" = smoke ]; then
    # Coverage instrumentation only (stable flags); the profile has debug assertions and
    # overflow checks already.
    local flags="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4
      -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table
      -Cllvm-args=-sanitizer-coverage-trace-compares -Cllvm-args=-sanitizer-coverage-stack-depth
      -Cllvm-args=-simplifycfg-branch-fold-threshold=0 --cfg fuzzing"
    RUSTFLAGS="$(echo $flags)" cargo build --manifest-path "$fuzz/Cargo.toml" --profile smoke \
      --target "$triple" --target-dir "$target_dir" --bins || return 1
  elif [ "${FUZZ_NO_CARGO_FUZZ:-0}" != 1 ] && cargo fuzz --version >/dev/null 2>&1; then
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

# cpu_now: sets CPU_NOW to the user + system seconds of this shell's waited-for children (bash's
# `times`, second line, "XmY.YYYs XmY.YYYs"). `times` must run in this shell, not in a $(…)
# subshell (which has children of its own), so its output goes through a file.
cpu_now() {
  local f; f="$(mktemp)"
  times >"$f"
  CPU_NOW=$(sed -n 2p "$f" | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%d", n }')
  rm -f "$f"
}

# Smoke runs are deterministic (the smoke case below says how): a fixed seed, a fixed number of
# inputs, a fresh corpus from the seeds only. Per target 5–10 s of one core in the smoke build
# (the position and transport targets are slow there: a position check converts every offset
# of its text, a transport session runs the whole server); -max_total_time is only a guard. The seeds and every crash
# ever found are also replayed by `cargo test` through the same checks.
smoke_runs() {
  case "$1" in
    scan) echo 4000 ;;
    redact) echo 1500 ;;
    config) echo 1000 ;;
    position) echo 20 ;;
    lsp_document) echo 1000 ;;
    lsp_transport) echo 100 ;;
    gzip_input) echo 300 ;;
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
  local rc wall cpu
  # The long run budgets CPU seconds (CPU_BUDGET=1: SECONDS is the CPU time the fuzzer may use):
  # on a shared machine a niced fuzzer gets a fraction of its wall time, and libFuzzer's own
  # -max_total_time counts wall time. A watcher stops it with SIGINT (libFuzzer prints its final
  # stats and exits 72) once utime+stime reach the budget; -max_total_time stays as a guard.
  local limit="$secs"
  [ "${CPU_BUDGET:-0}" = 1 ] && limit=$((secs * 20))
  local t_start=$SECONDS c_start
  cpu_now; c_start=$CPU_NOW
  # The smoke run of `position` starts from its committed seeds only: each of the ~200 seeds
  # made from the shared corpus costs a third of a second in the smoke build.
  local dirs=("$corpus" "$fuzz/seeds/$t" "$fuzz/corpus-seeds/$t")
  [ "$profile" = smoke ] && [ "$t" = position ] && dirs=("$corpus" "$fuzz/seeds/$t")
  ${NICE:-} "$bin_dir/$t" "${dirs[@]}" \
    -max_total_time="$limit" -max_len="$(max_len "$t")" -timeout=20 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$art/" "${d[@]}" "$@" >"$log" 2>&1 &
  local pid=$! stopped=0
  if [ "${CPU_BUDGET:-0}" = 1 ]; then
    local tck; tck=$(getconf CLK_TCK)
    while kill -0 "$pid" 2>/dev/null; do
      # Fields 14 and 15 of /proc/PID/stat: utime and stime in clock ticks (the command name,
      # field 2, holds no space here: it is the target's name).
      local used
      used=$(awk -v t="$tck" '{print int(($14 + $15) / t)}' "/proc/$pid/stat" 2>/dev/null || echo 0)
      if [ "${used:-0}" -ge "$secs" ]; then kill -INT "$pid" 2>/dev/null; stopped=1; break; fi
      sleep 2
    done
  fi
  wait "$pid"; rc=$?
  # Our own SIGINT is the end of the budget, not a crash (libFuzzer's -interrupted_exit_code).
  [ "$stopped" = 1 ] && [ "$rc" = 72 ] && rc=0
  wall=$((SECONDS - t_start))
  # The CPU time of this shell's children grew by the fuzzer's (and a few tiny helpers').
  cpu_now; cpu=$((CPU_NOW - c_start))
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
  build | smoke-build) build ;;
  seeds) seeds ;;
  smoke)
    build && seeds || exit 2
    CORPUS_ROOT="$(mktemp -d)"
    # A fixed seed is not enough for a run that repeats itself: libFuzzer rereads its corpus
    # folder every second (-reload=0: never), the hash maps in the targets are keyed from
    # getrandom (fuzz/fixed_random.c: the same keys every run), and address-space randomisation
    # moves buffers, which changes the paths that SIMD searches take (setarch -R: none). With
    # the three, two smoke runs of one commit are one run: a crash in CI is there every time,
    # and a green smoke stays green (measured: identical coverage, features and corpus).
    shim="$target_dir/fixed_random.so"
    cc -shared -fPIC -O2 -o "$shim" "$fuzz/fixed_random.c" || exit 2
    # Only the fuzzers get the shim (NICE prefixes their command line): mktemp and the other
    # helpers want real randomness.
    NICE="env LD_PRELOAD=$shim setarch -R"
    if ! setarch -R true 2>/dev/null; then
      echo "fuzz: setarch -R is refused here: the smoke run may differ from one run to the next"
      NICE="env LD_PRELOAD=$shim"
    fi
    t_runs=$SECONDS
    for t in "${targets[@]}"; do run "$t" 120 -seed=1 -reload=0 -runs="$(smoke_runs "$t")"; done
    echo "fuzz: smoke runs took $((SECONDS - t_runs)) s"
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
    export CPU_BUDGET=1
    echo "fuzz: long run, $hours CPU-hours: ${#targets[@]} targets x $per CPU-s, $jobs at a time"
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
  *) echo "usage: $0 smoke | long HOURS [TARGET...] | run TARGET SECONDS | build | smoke-build | seeds" >&2; exit 2 ;;
esac
[ "$crashed" -eq 0 ]
