//! Worst-case throughput per detector family: every unit the catalog generates for a family
//! (each rule's keywords and prefixes, alone and followed by separators, quotes and brackets;
//! see `tftsr_engine::catalog::stress`) repeated into one 1 MiB line, scanned single-threaded
//! with every type enabled. Prints, per family, the slowest unit's MB per CPU-second (target:
//! ≥ 50) and the median. (Memory on 16 MiB lines is a test: `engine/tests/engine/memory.rs`.)
//!
//! Run: `cargo bench -p tftsr-engine --bench worst_case` (release profile). CPU time of the
//! scanning thread, so the figures mean something on a shared machine.

use tftsr_engine::catalog::stress::{repeat_to, units};
use tftsr_engine::catalog::Family;
use tftsr_engine::{Engine, PiiType};

const LINE: usize = 1 << 20;

/// CPU time of this thread in seconds (`CLOCK_THREAD_CPUTIME_ID`: precise even for the
/// millisecond a fast unit takes).
fn cpu_now() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec to write into.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// MB per CPU-second of one scan of `text` (best of `runs`).
fn rate(eng: &Engine, text: &str, runs: usize) -> (f64, usize) {
    let mut best = 0.0f64;
    let mut n = 0;
    for _ in 0..runs {
        let c0 = cpu_now();
        let mut k = 0usize;
        eng.scan_each(text, &mut |_| k += 1);
        let dt = (cpu_now() - c0).max(1e-6);
        best = best.max(text.len() as f64 / 1e6 / dt);
        n = k;
    }
    (best, n)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let eng = Engine::with_defaults();
    // `TFTSR_WORST_UNIT='AL47--' cargo bench … --bench worst_case`: one unit, scanned 20 times
    // (for a profiler).
    if let Ok(u) = std::env::var("TFTSR_WORST_UNIT") {
        let text = repeat_to(&u, LINE);
        let mut rs: Vec<f64> = (0..20).map(|_| rate(&eng, &text, 1).0).collect();
        rs.sort_by(|a, b| a.partial_cmp(b).unwrap());
        println!("{u:?}: median {:.0} MB/s", rs[rs.len() / 2]);
        return;
    }
    println!(
        "worst_case: 1 MiB single lines, single thread, all {} types enabled",
        PiiType::COUNT
    );
    let mut all_ok = true;
    for f in Family::ALL {
        let us = units(f);
        let mut rates: Vec<(f64, String)> = us
            .iter()
            .map(|u| (rate(&eng, &repeat_to(u, LINE), 1).0, u.clone()))
            .collect();
        rates.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        // Re-measure the three slowest (a scheduling hiccup must not name the worst).
        let mut worst: Vec<(f64, usize, String)> = rates
            .iter()
            .take(3)
            .map(|(_, u)| {
                let (r, n) = rate(&eng, &repeat_to(u, LINE), 3);
                (r, n, u.clone())
            })
            .collect();
        worst.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        let (r, n, u) = &worst[0];
        let median = rates[rates.len() / 2].0;
        let shown: String = u.chars().take(32).collect();
        println!(
            "{:<15} {:>4} units: slowest {:>6.0} MB/s ({shown:?}, {n} findings), median {:>6.0} MB/s",
            f.id(),
            us.len(),
            r,
            median
        );
        all_ok &= *r >= 50.0;
    }
    println!(
        "worst_case: {}",
        if all_ok {
            "every family ≥ 50 MB per CPU-second"
        } else {
            "BELOW TARGET (50 MB per CPU-second)"
        }
    );
}
