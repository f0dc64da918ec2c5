//! Peak memory, measured rather than guessed: the kernel's high-water mark of resident memory,
//! for this process (`VmHWM`) or for the children it has waited for (`getrusage`), so no
//! sampling can miss a peak.
//!
//! Both figures cover more than one test would like: a child's peak starts at its parent's RSS
//! when it was forked, `RUSAGE_CHILDREN` is the maximum over every waited-for child, and a test
//! binary's own peak includes every test running beside it. So a memory test runs in a process
//! of its own: [`run_alone`] re-runs this test binary for one ignored test, by its exact name.
#![allow(dead_code)]

/// Runs the ignored test `name` (module path inside this test binary, e.g.
/// `redact_memory::measured_in_own_process`) alone in a fresh process of this binary, and fails
/// unless it ran and passed. Its stderr (the figures it prints) is passed on.
pub fn run_alone(name: &str) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            name,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&out.stdout);
    let se = String::from_utf8_lossy(&out.stderr);
    eprint!("{se}");
    assert!(out.status.success(), "{so}\n{se}");
    // The filter must have matched the one test: a rename must not turn this into a no-op.
    assert!(so.contains("1 passed"), "{name} did not run: {so}\n{se}");
}

/// Peak resident memory of this process (Linux `VmHWM`), in bytes; `None` without `/proc`.
pub fn own_peak() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = l.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb << 10)
}

/// Peak resident memory of all waited-for children so far, in bytes (Linux reports `ru_maxrss`
/// in KiB).
pub fn children_peak() -> u64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes the struct it is given, nothing else.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    usage.ru_maxrss as u64 * 1024
}
