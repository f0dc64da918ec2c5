//! Engine throughput, single-threaded, every type enabled, on a ≥ 100 MB log built
//! deterministically from the loghub corpus with planted findings (one line in 25 carries a
//! planted value of some type, one in 25 a hard negative).
//!
//! Run: `cargo bench -p tftsr-engine --bench engine_throughput` (release profile). The input is generated once
//! into `target/tftsr-bench/` (not committed). Prints MB/s per run and the median.

#[path = "../../tests/common/engine_plant.rs"]
mod engine_plant;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use engine_plant::{hard_negative, insert_at_space, loghub_lines, plant, Rng};
use tftsr_engine::{Engine, PiiType};

const TARGET_BYTES: usize = 110 * 1024 * 1024;
const RUNS: usize = 7;

/// `TFTSR_BENCH_MB=10 TFTSR_BENCH_RUNS=1`: a shorter run for instruction counting under
/// `valgrind --tool=callgrind` (wall-clock figures on a loaded machine mean little).
fn knob(name: &str) -> Option<usize> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn build_input() -> String {
    let lines = loghub_lines();
    let mut r = Rng(0x0062_656e_6368);
    let mut out = String::with_capacity(TARGET_BYTES + 4096);
    let mut k = 0usize;
    while out.len() < TARGET_BYTES {
        let line = &lines[k % lines.len()];
        k += 1;
        match r.below(25) {
            0 => {
                let ty = *r.pick(&PiiType::ALL);
                let p = plant(&mut r, ty);
                let (l, _) =
                    insert_at_space(&mut r, line, &format!("{}{}{}", p.before, p.value, p.after));
                out.push_str(&l);
            }
            1 => {
                let neg = hard_negative(&mut r);
                let (l, _) = insert_at_space(&mut r, line, &neg);
                out.push_str(&l);
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn input() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/tftsr-bench");
    let path = dir.join("engine_input_v1.log");
    if let Ok(t) = std::fs::read_to_string(&path) {
        if t.len() >= TARGET_BYTES {
            return t;
        }
    }
    let t = build_input();
    std::fs::create_dir_all(&dir).expect("create bench dir");
    std::fs::write(&path, &t).expect("write bench input");
    t
}

/// CPU time of this thread in seconds (Linux `schedstat`), so the figure means something on a
/// machine shared with other jobs; `None` elsewhere.
fn thread_cpu() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing useful: run
    // only when asked to bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let mut text = input();
    if let Some(mb) = knob("TFTSR_BENCH_MB") {
        let cut = text[..(mb << 20).min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        text.truncate(cut);
    }
    let runs = knob("TFTSR_BENCH_RUNS").unwrap_or(RUNS).max(1);
    let mb = text.len() as f64 / 1e6;
    let eng = Engine::with_defaults();
    let mut per = BTreeMap::new();
    for f in eng.scan(&text) {
        *per.entry(f.kind.id().to_owned()).or_insert(0usize) += 1;
    }
    println!(
        "input: {:.1} MB, {} lines, findings per type: {per:?}",
        mb,
        text.lines().count()
    );
    let mut rates = Vec::new();
    let mut cpu_rates = Vec::new();
    for i in 0..runs {
        let c0 = thread_cpu();
        let t0 = Instant::now();
        let n = eng.scan(&text).len();
        let dt = t0.elapsed().as_secs_f64();
        let rate = mb / dt;
        match (c0, thread_cpu()) {
            (Some(a), Some(b)) if b > a => {
                cpu_rates.push(mb / (b - a));
                println!("run {i}: {n} findings in {dt:.3} s wall = {rate:.0} MB/s; {:.3} s CPU = {:.0} MB/s", b - a, mb / (b - a));
            }
            _ => println!("run {i}: {n} findings in {dt:.3} s = {rate:.0} MB/s"),
        }
        rates.push(rate);
    }
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    cpu_rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if !cpu_rates.is_empty() {
        println!(
            "engine_throughput (CPU time of the scanning thread): median {:.0} MB/s (min {:.0}, max {:.0})",
            cpu_rates[cpu_rates.len() / 2],
            cpu_rates[0],
            cpu_rates[cpu_rates.len() - 1]
        );
    }
    println!(
        "engine_throughput (wall clock): median {:.0} MB/s (min {:.0}, max {:.0}) over {runs} runs, {:.1} MB, single thread, all {} types enabled",
        rates[runs / 2],
        rates[0],
        rates[runs - 1],
        mb,
        PiiType::ALL.len()
    );
}
