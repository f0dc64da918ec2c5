//! CLI throughput: the release `tftsr` binary, end to end (process start, directory walk, reading,
//! scanning on all cores, JSONL formatting, writing).
//!
//!   cargo bench -p tftsr --bench cli_throughput
//!
//! Knobs (environment): CLI_BENCH_FILES (default 1000), CLI_BENCH_FILE_KB (default 100),
//! CLI_BENCH_RUNS (default 5). Files are built from the loghub corpus (shared/corpus/loghub or
//! TFTSR_CORPUS) with planted findings. Reports the median of the runs.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[path = "../../tests/common/corpus.rs"]
mod corpus;

fn corpus_dir() -> PathBuf {
    corpus::loghub_dir()
}

/// Every line of every loghub log, in a fixed order.
fn corpus_lines() -> Vec<String> {
    let mut names: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|p| {
            String::from_utf8_lossy(&fs::read(p).unwrap())
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Planted every 50 lines, cycling through several types.
const PLANTS: [&str; 6] = [
    "user jane.doe@example.com logged in",
    "client 10.1.2.3 connected",
    "card 4111 1111 1111 1111 declined",
    "auth password=hunter2-Correct-Horse",
    "key AKIA2JVQ5RZ7HXKM4TNW used",
    "Authorization: Bearer abcdefABCDEF0123456789abcdefABCDEF0123",
];

/// Writes `lines` (cycling, with plants) into `w` until `bytes` are written; returns the count.
fn write_log(w: &mut impl Write, lines: &[String], start: &mut usize, bytes: usize) -> usize {
    write_log_every(w, lines, start, bytes, 50)
}

/// `write_log` with a plant every `every` lines.
fn write_log_every(
    w: &mut impl Write,
    lines: &[String],
    start: &mut usize,
    bytes: usize,
    every: usize,
) -> usize {
    let mut n = 0;
    while n < bytes {
        let i = *start;
        *start += 1;
        let line = &lines[i % lines.len()];
        w.write_all(line.as_bytes()).unwrap();
        n += line.len();
        if i.is_multiple_of(every) {
            let p = PLANTS[(i / every) % PLANTS.len()];
            w.write_all(b" ").unwrap();
            w.write_all(p.as_bytes()).unwrap();
            n += p.len() + 1;
        }
        w.write_all(b"\n").unwrap();
        n += 1;
    }
    n
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// User + system CPU time of all waited-for children so far.
fn children_cpu() -> Duration {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) }, 0);
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// Median wall time and median CPU time (user + sys, all threads) of `runs` runs after one
/// warm-up, output discarded. On a shared machine the wall time mostly measures the neighbours;
/// CPU time is what the run itself cost.
fn time_runs(runs: usize, mut make: impl FnMut() -> Command, ok: &[i32]) -> (Duration, Duration) {
    let mut walls = Vec::new();
    let mut cpus = Vec::new();
    for i in 0..=runs {
        let mut cmd = make();
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let cpu0 = children_cpu();
        let t = Instant::now();
        let status = cmd.status().expect("run tftsr");
        let dt = t.elapsed();
        let cpu = children_cpu() - cpu0;
        let code = status.code().unwrap_or(-1);
        assert!(ok.contains(&code), "tftsr exited {code}");
        if i > 0 {
            walls.push(dt);
            cpus.push(cpu);
        }
    }
    (median(walls), median(cpus))
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn cpu_model() -> String {
    let out = Command::new("lscpu").output().ok();
    let text = out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    text.and_then(|t| {
        t.lines()
            .find(|l| l.starts_with("Model name:"))
            .map(|l| l["Model name:".len()..].trim().to_owned())
    })
    .unwrap_or_else(|| "unknown".into())
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let bin = env!("CARGO_BIN_EXE_tftsr");
    let files = env_usize("CLI_BENCH_FILES", 1000);
    let file_kb = env_usize("CLI_BENCH_FILE_KB", 100);
    let runs = env_usize("CLI_BENCH_RUNS", 5);
    let lines = corpus_lines();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("logs");

    let mut total = 0usize;
    let mut cursor = 0usize;
    for i in 0..files {
        let sub = tree.join(format!("host{:02}", i % 20));
        fs::create_dir_all(&sub).unwrap();
        let mut w = BufWriter::new(fs::File::create(sub.join(format!("app-{i:05}.log"))).unwrap());
        total += write_log(&mut w, &lines, &mut cursor, file_kb << 10);
        w.flush().unwrap();
    }
    let big = dir.path().join("big.log");
    {
        let mut w = BufWriter::new(fs::File::create(&big).unwrap());
        let mut c = 0usize;
        write_log(&mut w, &lines, &mut c, total);
    }
    let mb = total as f64 / 1e6;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "cli_throughput: {files} files x {file_kb} KiB = {mb:.1} MB from loghub; \
         {threads} threads; CPU: {}; median of {runs} runs; load average before: {}",
        cpu_model(),
        load_average()
    );

    let report = |what: &str, (wall, cpu): (Duration, Duration), files: Option<usize>| {
        let (w, c) = (wall.as_secs_f64(), cpu.as_secs_f64());
        let per_file = files.map_or(String::new(), |n| {
            format!("  {:>7.0} files/s", n as f64 / w)
        });
        println!(
            "  {what:<28} wall {:>7.1} MB/s{per_file}  ({w:.3} s) | CPU time {c:.3} s = {:>7.1} MB/CPU-s",
            mb / w,
            mb / c
        );
    };
    let scan_tree = time_runs(
        runs,
        || {
            let mut c = Command::new(bin);
            c.args(["scan", "--format", "jsonl"]).arg(&tree);
            c
        },
        &[1],
    );
    report("scan --format jsonl DIR", scan_tree, Some(files));

    let scan_big = time_runs(
        runs,
        || {
            let mut c = Command::new(bin);
            c.args(["scan", "--format", "jsonl"]).arg(&big);
            c
        },
        &[1],
    );
    report("scan --format jsonl FILE", scan_big, None);

    // Issue 9's dense log: a plant every other line on top of loghub's own addresses and host
    // names (its findings per MB are printed, the target is for >= 3,000).
    let dense = dir.path().join("dense.log");
    let dense_bytes = {
        let mut w = BufWriter::new(fs::File::create(&dense).unwrap());
        let mut c = 0usize;
        let n = write_log_every(&mut w, &lines, &mut c, total, 2);
        w.flush().unwrap();
        n
    };
    let found = Command::new(bin)
        .args(["scan", "--format", "jsonl"])
        .arg(&dense)
        .stderr(Stdio::null())
        .output()
        .expect("run tftsr")
        .stdout
        .iter()
        .filter(|&&c| c == b'\n')
        .count();
    let scan_dense = time_runs(
        runs,
        || {
            let mut c = Command::new(bin);
            c.args(["scan", "--format", "jsonl"]).arg(&dense);
            c
        },
        &[1],
    );
    let dmb = dense_bytes as f64 / 1e6;
    let (w, c) = (scan_dense.0.as_secs_f64(), scan_dense.1.as_secs_f64());
    println!(
        "  {:<28} wall {:>7.1} MB/s  ({w:.3} s) | CPU time {c:.3} s = {:>7.1} MB/CPU-s  \
         ({dmb:.1} MB, {found} findings = {:.0} per MB)",
        "scan --format jsonl DENSE",
        dmb / w,
        dmb / c,
        found as f64 / dmb
    );

    let out = dir.path().join("big.clean.log");
    let redact = time_runs(
        runs,
        || {
            let mut c = Command::new(bin);
            // --force: each run replaces the previous run's output (redact -o refuses to otherwise).
            c.arg("redact").arg(&big).arg("-o").arg(&out).arg("--force");
            c
        },
        &[0],
    );
    report("redact FILE -o OUT", redact, None);
    println!("  load average after: {}", load_average());
}
