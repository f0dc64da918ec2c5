//! The incremental index is a full scan, whatever the interleaving (issue 16, item 1).
//!
//! A property test drives the server's document model (`tftsr::lsp::document`, the code the
//! server runs) with random edits (multi-change `didChange`s in UTF-16 and UTF-8, full-text
//! replacements) interleaved with random scan starts and completions, in any order: results of
//! scans that went stale (edits made meanwhile), of an older epoch (configuration change), and
//! full-scan completions. After every step the index must be a full scan of the current text
//! whenever the model calls it current, and draining a copy of the state (completing what runs,
//! then rescanning until current) must give exactly a full scan. Texts are small, built from real
//! loghub lines with planted values and PEM blocks, so 10,000 sequences run in a debug build.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, RngSeed, TestRunner};
use tftsr::engine::{Engine, Finding};
use tftsr::lsp::document::{merge, Doc, Merged, ScanJob, ScanResult};
use tftsr::lsp::position::Encoding;
use tower_lsp_server::ls_types::{Position, Range, TextDocumentContentChangeEvent};

use crate::edit_model::{position_of, snap};
use crate::engine_plant::{self, insert_at_space, plant, Rng};

/// Random sequences the property test runs (the issue asks for 10,000 in CI);
/// `TFTSR_INCREMENTAL_CASES` changes it for a longer (or quicker) run by hand.
fn cases() -> u32 {
    std::env::var("TFTSR_INCREMENTAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(Engine::with_defaults)
}

fn lines() -> &'static [String] {
    static L: OnceLock<Vec<String>> = OnceLock::new();
    L.get_or_init(|| {
        let all = engine_plant::loghub_lines();
        // Lines with something to find, and plain ones, from every corpus file.
        all.into_iter().step_by(7).collect()
    })
}

/// Two filters, one per configuration epoch: everything, or no IPv4/host names.
fn keep(epoch_cfg: bool) -> impl Fn(&Finding, &str) -> bool + Sync {
    move |f: &Finding, _: &str| !epoch_cfg || !matches!(f.kind.id(), "ipv4" | "hostname")
}

fn oracle(text: &str, cfg: bool) -> Vec<Finding> {
    let k = keep(cfg);
    engine()
        .scan(text)
        .into_iter()
        .filter(|f| k(f, f.value(text)))
        .collect()
}

const PEM_BODY: &str = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n";

/// What an edit inserts: single keys, line ends, multi-byte text, pieces of values and of PEM
/// blocks (so edits make, break, join and split findings).
fn fragments() -> &'static [String] {
    static F: OnceLock<Vec<String>> = OnceLock::new();
    F.get_or_init(|| {
        let mut r = Rng(7);
        let mut v: Vec<String> = [
            "", "x", "a", "1", " ", ".", "@", "=", ":", "-", "\n", "\r\n", "é", "😀", "用户",
            "10.0.", "password=", "Zq9!que-77", "@example.com", " host=", "-----",
            "-----BEGIN RSA PRIVATE KEY-----\n", "-----END RSA PRIVATE KEY-----", PEM_BODY,
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for ty in [
            tftsr::engine::PiiType::Email,
            tftsr::engine::PiiType::Ipv4,
            tftsr::engine::PiiType::CreditCard,
            tftsr::engine::PiiType::Jwt,
            tftsr::engine::PiiType::GithubToken,
            tftsr::engine::PiiType::Password,
        ] {
            let p = plant(&mut r, ty);
            v.push(format!(" {}{}{} ", p.before, p.value, p.after));
            v.push(p.value);
        }
        v
    })
}

/// A small text: a few consecutive real lines, some with a planted value, sometimes a PEM block
/// (with a planted e-mail inside its body: the key hides it, breaking the key reveals it).
fn base_text(seed: u64) -> String {
    let mut r = Rng(seed);
    let ls = lines();
    let n = r.range(2, 6) as usize;
    let at = r.below((ls.len() - n) as u64) as usize;
    let mut out = String::new();
    for line in &ls[at..at + n] {
        let mut line = line.clone();
        if r.below(2) == 0 {
            let f = fragments();
            let what = &f[r.below(f.len() as u64) as usize];
            line = insert_at_space(&mut r, &line, what.trim()).0;
        }
        out.push_str(&line);
        out.push_str(if r.below(8) == 0 { "\r\n" } else { "\n" });
        if r.below(6) == 0 {
            out.push_str("-----BEGIN RSA PRIVATE KEY-----\n");
            out.push_str(PEM_BODY);
            out.push_str("MIIEowIBAAKCAQEA eve@example.org q3ZQk1Jf8rYV0tq1rXqGd4nHnE7Qv0o2w\n");
            out.push_str(PEM_BODY);
            out.push_str("-----END RSA PRIVATE KEY-----\n");
        }
    }
    out
}

#[derive(Debug, Clone)]
enum Op {
    /// One didChange of 1–3 changes: (position ‰ of the text, characters deleted, fragment).
    Change {
        utf8: bool,
        changes: Vec<(u16, u8, u8)>,
    },
    /// A didChange without a range: the whole text replaced.
    Replace(u64),
    /// A debounced scan starts (nothing happens if one is running or nothing is dirty).
    Take,
    /// The k-th pending scan result (modulo) arrives and is merged.
    Complete(u8),
    /// The configuration changes (the other filter; a new epoch).
    Config,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (any::<bool>(), prop::collection::vec((0u16..=1000, 0u8..6, any::<u8>()), 1..4))
            .prop_map(|(utf8, changes)| Op::Change { utf8, changes }),
        1 => any::<u64>().prop_map(Op::Replace),
        4 => Just(Op::Take),
        4 => any::<u8>().prop_map(Op::Complete),
        1 => Just(Op::Config),
    ]
}

#[derive(Clone)]
struct Model {
    doc: Doc,
    text: String,
    cfg: bool,
    pending: Vec<ScanResult>,
    version: i32,
    /// The full scan of `text` under `cfg` (recomputed when either changes).
    full: Vec<Finding>,
}

impl Model {
    fn new(text: String) -> Model {
        Model {
            doc: Doc::new(text.clone(), 0, "log".into(), true),
            full: oracle(&text, false),
            text,
            cfg: false,
            pending: Vec::new(),
            version: 0,
        }
    }

    /// Applies one step; a completion says what its merge did.
    fn apply(&mut self, op: &Op) -> Option<Merged> {
        let r = self.step(op);
        if matches!(op, Op::Change { .. } | Op::Replace(_) | Op::Config) {
            self.full = oracle(&self.text, self.cfg);
        }
        r
    }

    fn step(&mut self, op: &Op) -> Option<Merged> {
        match op {
            Op::Change { utf8, changes } => {
                let enc = if *utf8 {
                    Encoding::Utf8
                } else {
                    Encoding::Utf16
                };
                let mut events = Vec::new();
                for &(pos, del, frag) in changes {
                    let f = fragments();
                    let ins = &f[frag as usize % f.len()];
                    let s = snap(&self.text, self.text.len() * pos as usize / 1000);
                    let mut e = s;
                    for _ in 0..del {
                        match self.text[e..].chars().next() {
                            Some(c) => e = snap(&self.text, e + c.len_utf8()),
                            None => break,
                        }
                    }
                    events.push(TextDocumentContentChangeEvent {
                        range: Some(Range::new(
                            position_of(&self.text, s, *utf8),
                            position_of(&self.text, e, *utf8),
                        )),
                        range_length: None,
                        text: ins.clone(),
                    });
                    self.text.replace_range(s..e, ins);
                }
                self.version += 1;
                self.doc
                    .apply_changes(self.version, &events, enc)
                    .expect("valid positions");
            }
            Op::Replace(seed) => {
                self.text = base_text(*seed);
                self.version += 1;
                let ev = TextDocumentContentChangeEvent {
                    range: None,
                    range_length: None,
                    text: self.text.clone(),
                };
                self.doc
                    .apply_changes(self.version, &[ev], Encoding::Utf16)
                    .unwrap();
            }
            Op::Take => {
                if let Some(job) = ScanJob::take(&mut self.doc) {
                    // The server reads engine and filter after taking the job: what is current.
                    self.pending.push(job.run(engine(), &keep(self.cfg)));
                }
            }
            Op::Complete(k) => {
                if !self.pending.is_empty() {
                    let res = self.pending.remove(*k as usize % self.pending.len());
                    return Some(merge(&mut self.doc, res));
                }
            }
            Op::Config => {
                self.cfg = !self.cfg;
                self.doc.new_epoch();
            }
        }
        None
    }

    /// Completes what is pending (in order), then scans until the index is current.
    fn drain(mut self) -> Doc {
        for res in std::mem::take(&mut self.pending) {
            merge(&mut self.doc, res);
        }
        for _ in 0..100 {
            if self.doc.index_is_current() {
                return self.doc;
            }
            let job = ScanJob::take(&mut self.doc).expect("a scan can start once nothing runs");
            let res = job.run(engine(), &keep(self.cfg));
            assert_ne!(merge(&mut self.doc, res), Merged::Stale);
        }
        panic!("the index never became current");
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let rope_text = self.doc.rope.to_string();
        prop_assert_eq!(
            &rope_text,
            &self.text,
            "the document differs from the client's copy"
        );
        if self.doc.index_is_current() {
            prop_assert_eq!(
                self.doc.findings(),
                &self.full[..],
                "current index != full scan"
            );
            prop_assert!(self
                .pending
                .iter()
                .all(|r| merge(&mut self.doc.clone(), r.clone()) == Merged::Stale));
        } else {
            let drained = self.clone().drain();
            prop_assert_eq!(
                drained.findings(),
                &self.full[..],
                "drained index != full scan"
            );
        }
        Ok(())
    }
}

#[test]
fn any_interleaving_of_edits_and_scans_converges_on_a_full_scan() {
    // Two runners on two threads (the machine has two cores), each half of the cases.
    let cases = cases();
    let counts: Vec<[usize; 4]> = std::thread::scope(|s| {
        let runs: Vec<_> = [cases / 2, cases - cases / 2]
            .into_iter()
            .enumerate()
            .map(|(i, n)| s.spawn(move || run_cases(i as u64, n)))
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let [steps, stale, pending, current] = counts.iter().fold([0; 4], |a, c| {
        [a[0] + c[0], a[1] + c[1], a[2] + c[2], a[3] + c[3]]
    });
    eprintln!(
        "{cases} sequences, {steps} steps; merges: {stale} stale, {pending} with edits made \
         meanwhile, {current} current"
    );
    // The interleavings the bug needed (a merge with edits made during the scan) and stale
    // results happened often.
    assert!(
        pending > cases as usize / 8 && stale > cases as usize / 20,
        "{counts:?}"
    );
}

/// Runs `cases` random sequences; returns [steps, stale, pending, current merges]. With a
/// fixed seed (`PROPTEST_RNG_SEED`, which scripts/test.sh sets so CI is reproducible) runner `i`
/// uses seed + i, so the two runners do not repeat each other's sequences.
fn run_cases(i: u64, cases: u32) -> [usize; 4] {
    let base = PropConfig::default();
    let rng_seed = match base.rng_seed {
        RngSeed::Fixed(s) => RngSeed::Fixed(s.wrapping_add(i)),
        RngSeed::Random => RngSeed::Random,
    };
    let mut runner = TestRunner::new(PropConfig {
        cases,
        rng_seed,
        // Shrinking a failure is worth its time; a passing run is what CI pays for.
        max_shrink_iters: 4000,
        failure_persistence: None,
        ..base
    });
    let strategy = (any::<u64>(), prop::collection::vec(op(), 1..20));
    let counts = std::cell::Cell::new([0usize; 4]);
    let result = runner.run(&strategy, |(seed, ops)| {
        let mut m = Model::new(base_text(seed));
        m.check()?;
        for op in &ops {
            let mut c = counts.get();
            c[0] += 1;
            match m.apply(op) {
                Some(Merged::Stale) => c[1] += 1,
                Some(Merged::Pending) => c[2] += 1,
                Some(Merged::Current) => c[3] += 1,
                None => {}
            }
            counts.set(c);
            m.check()?;
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    counts.get()
}

/// The deterministic case: a rescan of one line is running when a second keystroke
/// lands far below it. The old merge widened the replaced range down to the second edit and
/// dropped every finding in between (901 → 4).
#[test]
fn two_keystrokes_during_a_rescan_lose_nothing() {
    let real = lsp_corpus_lines("OpenSSH_2k.log", 300);
    let mut text = String::new();
    let mut r = Rng(16);
    for line in real {
        let email = engine_plant::email(&mut r);
        let ip = engine_plant::ipv4(&mut r);
        let line = insert_at_space(&mut r, &line, &email).0;
        text.push_str(&insert_at_space(&mut r, &line, &format!("from {ip}")).0);
        text.push('\n');
    }
    let e = engine();
    let full_before = e.scan(&text).len();
    assert!(full_before > 800, "{full_before}");
    let mut doc = Doc::new(text.clone(), 0, "log".into(), true);
    let job = ScanJob::take(&mut doc).unwrap();
    assert_eq!(merge(&mut doc, job.run(e, &|_, _| true)), Merged::Current);
    assert_eq!(doc.findings().len(), full_before);
    let key = |doc: &mut Doc, text: &mut String, line: u32| {
        let at = position_offset(text, line);
        text.insert(at, 'x');
        let ev = TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(line, 0), Position::new(line, 0))),
            range_length: None,
            text: "x".into(),
        };
        let v = doc.version + 1;
        doc.apply_changes(v, &[ev], Encoding::Utf16).unwrap();
    };
    // keystroke 1 on line 2, its rescan starts; keystroke 2 on line 297 while it runs
    key(&mut doc, &mut text, 2);
    let job = ScanJob::take(&mut doc).unwrap();
    let res = job.run(e, &|_, _| true);
    key(&mut doc, &mut text, 297);
    assert_eq!(merge(&mut doc, res), Merged::Pending);
    let kept = doc.findings().len();
    assert!(
        kept + 10 > full_before,
        "only {kept} of {full_before} findings kept"
    );
    let job = ScanJob::take(&mut doc).unwrap();
    assert_eq!(merge(&mut doc, job.run(e, &|_, _| true)), Merged::Current);
    assert_eq!(doc.findings(), &e.scan(&text)[..]);
    assert!(doc.findings().len() + 4 >= full_before);
}

fn lsp_corpus_lines(name: &str, n: usize) -> Vec<String> {
    crate::lsp_client::corpus::loghub_file(name)
        .lines()
        .take(n)
        .map(str::to_owned)
        .collect()
}

/// Byte offset of the start of `line` (`\n` line ends only).
fn position_offset(text: &str, line: u32) -> usize {
    text.split_inclusive('\n')
        .take(line as usize)
        .map(str::len)
        .sum()
}

/// A case the random search found in CI (stop 18): an edit inside a PEM block's END line, a
/// scan taken, then two insertions above it while that scan runs. Draining must give a full
/// scan (the private key, not the host names and e-mail inside its body).
#[test]
fn edits_around_a_pem_block_during_a_rescan_keep_the_key() {
    let ops = [
        Op::Change {
            utf8: false,
            changes: vec![(586, 5, 10)],
        },
        Op::Take,
        Op::Change {
            utf8: false,
            changes: vec![(116, 0, 132)],
        },
        Op::Change {
            utf8: false,
            changes: vec![(150, 0, 207)],
        },
    ];
    let mut m = Model::new(base_text(272120699225364998));
    m.check().unwrap();
    for op in &ops {
        m.apply(op);
        m.check().unwrap();
    }
}
