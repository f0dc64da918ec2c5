//! Linear time on every input, proven with the work counter ([`super::work`]) rather than wall
//! time: for each family, worst-case single-line inputs are built from the catalog (each rule's
//! keywords and prefixes, repeated alone and with the separators, quotes and brackets that
//! detectors react to), so a rule added to the catalog is covered without touching this file.
//!
//! Every unit is screened at two sizes; then the unit that costs most per byte in each family
//! is scanned at 64 KiB and 1 MiB, and its work must grow at most linearly (within 10 %) and
//! stay under a fixed budget per byte.

use crate::catalog::stress::{repeat_to, units};
use crate::catalog::Family;
use crate::Engine;

/// Work units per input byte that no input may exceed (the normal-log figure is about 2).
const BUDGET_PER_BYTE: f64 = 64.0;

fn work(eng: &Engine, text: &str) -> u64 {
    eng.scan_counting(text).1
}

fn check_family(f: Family) {
    let eng = Engine::with_defaults();
    // Screening: every unit at 4 KiB and 32 KiB.
    let (a, b) = (4 << 10, 32 << 10);
    let mut worst: Option<(f64, String)> = None;
    let mut failures = Vec::new();
    for u in units(f) {
        let wa = work(&eng, &repeat_to(&u, a));
        let wb = work(&eng, &repeat_to(&u, b));
        let ratio = wb as f64 / wa.max(1) as f64;
        let per_byte = wb as f64 / b as f64;
        if ratio > 8.0 * 1.25 || per_byte > BUDGET_PER_BYTE {
            failures.push(format!(
                "{u:?}: work {wa} at 4 KiB, {wb} at 32 KiB (x{ratio:.1}, {per_byte:.1}/byte)"
            ));
        }
        if worst.as_ref().is_none_or(|(p, _)| per_byte > *p) {
            worst = Some((per_byte, u));
        }
    }
    assert!(
        failures.is_empty(),
        "{f}: super-linear or over budget:\n{}",
        failures.join("\n")
    );
    // The family's worst unit at 64 KiB and 1 MiB.
    let (_, u) = worst.expect("units");
    let (small, large) = (64 << 10, 1 << 20);
    let ws = work(&eng, &repeat_to(&u, small));
    let wl = work(&eng, &repeat_to(&u, large));
    let ratio = wl as f64 / ws.max(1) as f64;
    let per_byte = wl as f64 / large as f64;
    eprintln!(
        "{f}: worst unit {u:?}: {ws} at 64 KiB, {wl} at 1 MiB (x{ratio:.2}, {per_byte:.1}/byte)"
    );
    assert!(
        ratio <= 16.0 * 1.1,
        "{f}: work grows faster than the input on {u:?}: x{ratio:.2} for x16"
    );
    assert!(
        per_byte <= BUDGET_PER_BYTE,
        "{f}: {per_byte:.1} work units per byte on {u:?}"
    );
}

#[test]
fn pii_is_linear() {
    check_family(Family::Pii);
}

#[test]
fn network_is_linear() {
    check_family(Family::Network);
}

#[test]
fn credential_is_linear() {
    check_family(Family::Credential);
}

#[test]
fn provider_token_is_linear() {
    check_family(Family::ProviderToken);
}

/// Every family has units (a family without rules would make its test vacuous).
#[test]
fn every_family_has_units() {
    for f in Family::ALL {
        assert!(units(f).len() > 5, "{f}");
    }
}

/// The overlap resolution stays linear too: many candidates nested in one another.
#[test]
fn resolution_is_not_quadratic() {
    let eng = Engine::with_defaults();
    for unit in [
        "password=a 1.2.3.4 ",
        "pwd=\"x\" ",
        "key=\"10.0.0.1 10.0.0.2\" ",
    ] {
        let t1 = repeat_to(unit, 64 << 10);
        let t2 = repeat_to(unit, 1 << 20);
        let (f1, w1) = eng.scan_counting(&t1);
        let (f2, w2) = eng.scan_counting(&t2);
        assert!(f2.len() >= f1.len() * 15, "{unit:?}: findings scale");
        assert!(
            (w2 as f64) <= (w1 as f64) * 16.0 * 1.1,
            "{unit:?}: {w1} -> {w2}"
        );
    }
}
