//! Memory on a 16 MB line stays under 64 MB, whatever the line repeats: the worst-case units of
//! every family (generated from the catalog's keywords and prefixes: the densest in findings,
//! and the inputs issue 16 reported), each repeated into one 16 MB line and scanned.
//!
//! Measured, not guessed: the kernel's high-water mark of resident memory (`VmHWM`), read in a
//! process of its own (this test binary re-run for one ignored test), so no other test's memory
//! counts. The input itself (16 MB) is inside the figure.

use tftsr_engine::catalog::stress::{repeat_to, units};
use tftsr_engine::catalog::Family;
use tftsr_engine::Engine;

const LINE: usize = 16 << 20;
const BOUND: u64 = 64 << 20;

#[test]
fn memory_on_a_16_mb_line_stays_under_64_mb() {
    crate::peak_rss::run_alone("memory::measured_in_own_process");
}

#[test]
#[ignore = "run by memory_on_a_16_mb_line_stays_under_64_mb in a process of its own"]
fn measured_in_own_process() {
    let Some(start) = crate::peak_rss::own_peak() else {
        eprintln!("no /proc/self/status: memory not measured on this platform");
        return;
    };
    let eng = Engine::with_defaults();
    // The units issue 16 reported, and per family the three densest in findings.
    let mut chosen: Vec<String> = [
        "eyJ_",
        "password=",
        "pwd=",
        "api_key=",
        "password=[",
        "eyJ-",
        "AIza-",
        "ghp_",
        "xoxb-",
        "password=\"",
    ]
    .map(String::from)
    .to_vec();
    for f in Family::ALL {
        let mut by_density: Vec<(usize, String)> = units(f)
            .into_iter()
            .map(|u| (eng.scan(&repeat_to(&u, 16 << 10)).len(), u))
            .collect();
        by_density.sort();
        chosen.extend(by_density.into_iter().rev().take(3).map(|(_, u)| u));
    }
    let mut report = Vec::new();
    for u in &chosen {
        let line = repeat_to(u, LINE);
        let mut n = 0usize;
        eng.scan_each(&line, &mut |_| n += 1);
        let shown: String = u.chars().take(40).collect();
        report.push(format!(
            "{shown:?}: {n} findings, peak so far {} MiB",
            crate::peak_rss::own_peak().unwrap_or(0) >> 20
        ));
    }
    let peak = crate::peak_rss::own_peak().unwrap();
    eprintln!(
        "peak RSS {} MiB (at start {} MiB) over 16 MiB lines of:\n{}",
        peak >> 20,
        start >> 20,
        report.join("\n")
    );
    assert!(
        peak < BOUND,
        "peak RSS {} MiB on a 16 MiB line (bound {} MiB)",
        peak >> 20,
        BOUND >> 20
    );
}
