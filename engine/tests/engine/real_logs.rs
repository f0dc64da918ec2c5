//! Precision on real logs: the loghub corpus (16 systems × 2k lines) yields no finding from the
//! hard-negative categories, and the true positives we know are there are found.

use std::collections::BTreeMap;

use regex::Regex;
use tftsr_engine::{Engine, Finding, PiiType};

use crate::engine_plant::corpus;

fn corpus() -> Vec<(String, String)> {
    let dir = corpus::loghub_dir();
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).expect("loghub corpus present") {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "log") {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    out.sort();
    assert_eq!(out.len(), 16, "16 loghub systems");
    out
}

/// `TFTSR_DUMP=1 cargo test --test engine_corpus dump -- --nocapture` prints every distinct
/// finding per system and type (for iterating on precision by eye).
#[test]
fn dump() {
    if std::env::var_os("TFTSR_DUMP").is_none() {
        return;
    }
    let eng = Engine::with_defaults();
    for (name, text) in corpus() {
        let mut per: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
        for f in eng.scan(&text) {
            *per.entry(f.kind.id().to_owned())
                .or_default()
                .entry(f.value(&text).to_owned())
                .or_default() += 1;
        }
        for (k, vals) in per {
            let total: usize = vals.values().sum();
            let sample: Vec<_> = vals.keys().take(12).cloned().collect();
            println!(
                "{name} {k} total={total} distinct={} {:?}",
                vals.len(),
                sample
            );
        }
    }
}

fn kinds(fs: &[Finding]) -> BTreeMap<&str, usize> {
    let mut m = BTreeMap::new();
    for f in fs {
        *m.entry(f.kind.id()).or_insert(0) += 1;
    }
    m
}

/// The corpus holds addresses, MACs, host names and one e-mail, but no card, phone, SSN, IBAN,
/// password or token: every such finding would be a false positive from a counter, timestamp,
/// block id, version or hex id. And the kinds it does hold must not come from the hard-negative
/// shapes (versions, class names, file names, loopback, networks, hardware ids).
#[test]
fn corpus_has_no_hard_negatives() {
    let eng = Engine::with_defaults();
    let allowed: &[&str] = &["ipv4", "ipv6", "mac_address", "hostname", "email"];
    let uuid =
        Regex::new(r"(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$").unwrap();
    let hex_digest = Regex::new(r"(?i)^[0-9a-f]{32,}$").unwrap();
    let class_like = Regex::new(r"^([a-z]+\.)+[A-Z][A-Za-z0-9$]*$").unwrap();
    let file_like =
        Regex::new(r"(?i)\.(log|java|png|jpg|py|so|dll|exe|xml|json|jar|class|txt|properties)$")
            .unwrap();
    let mut total = 0;
    for (name, text) in corpus() {
        let fs = eng.scan(&text);
        total += fs.len();
        for f in &fs {
            let v = f.value(&text);
            let id = f.kind.id();
            assert!(
                allowed.contains(&id),
                "{name}: unexpected {id} finding (a false positive)"
            );
            assert!(
                !uuid.is_match(v) && !hex_digest.is_match(v),
                "{name}: {id} on a UUID/digest"
            );
            assert!(
                !v.is_empty() && text.is_char_boundary(f.start) && text.is_char_boundary(f.end)
            );
            match f.kind.builtin().unwrap() {
                PiiType::Hostname | PiiType::Email => {
                    assert!(
                        !class_like.is_match(v),
                        "{name}: class name {v} reported as {id}"
                    );
                    assert!(
                        !file_like.is_match(v),
                        "{name}: file name {v} reported as {id}"
                    );
                }
                PiiType::Ipv4 => {
                    let oct: Vec<u32> = v.split('.').map(|o| o.parse().unwrap()).collect();
                    assert!(
                        oct[0] != 127 && oct[0] != 0,
                        "{name}: loopback/unspecified {v}"
                    );
                    assert!(oct[3] != 0, "{name}: network address {v}");
                    let before = &text[f.start.saturating_sub(9)..f.start];
                    assert!(
                        !before.to_ascii_lowercase().contains("version"),
                        "{name}: version {v}"
                    );
                    assert!(
                        !before.ends_with('~') && !before.ends_with('v'),
                        "{name}: version {v}"
                    );
                }
                PiiType::Ipv6 => {
                    assert!(v != "::1" && v != "::" && !v.starts_with("0:0:0:0:0:0:0:0"));
                    // EUI-64 hardware ids (BGL) are not addresses.
                    assert!(
                        !v.split(':').all(|g| g.len() == 2),
                        "{name}: hardware id {v}"
                    );
                }
                _ => {}
            }
        }
        // Sorted and non-overlapping.
        for w in fs.windows(2) {
            assert!(
                w[0].end <= w[1].start,
                "{name}: overlapping or unsorted findings"
            );
        }
        if name.starts_with("Windows") {
            // Servicing-stack versions like `~~6.1.7601.23505` and `version 0.0.0.6` everywhere.
            assert_eq!(
                kinds(&fs).get("ipv4"),
                None,
                "Windows versions reported as IPs"
            );
        }
        if name.starts_with("BGL") {
            assert_eq!(kinds(&fs).get("ipv6"), None);
        }
    }
    assert!(total > 5000, "the corpus does hold addresses ({total})");
}

/// True positives we know are in the corpus.
#[test]
fn corpus_true_positives() {
    let eng = Engine::with_defaults();
    let texts: BTreeMap<String, String> = corpus().into_iter().collect();
    let check = |sys: &str, re: &str, ty: PiiType, min: usize| {
        let text = &texts[sys];
        let fs = eng.scan(text);
        let re = Regex::new(re).unwrap();
        let mut n = 0;
        for c in re.captures_iter(text) {
            let m = c.get(1).unwrap();
            assert!(
                fs.iter()
                    .any(|f| f.kind == ty.into() && f.start == m.start() && f.end == m.end()),
                "{sys}: {ty} at {}..{} ({:?}) not found",
                m.start(),
                m.end(),
                m.as_str()
            );
            n += 1;
        }
        assert!(
            n >= min,
            "{sys}: expected at least {min} samples of {re}, got {n}"
        );
    };
    // OpenSSH source addresses: `from 173.234.31.186 port 38926`, `rhost=…`.
    check(
        "OpenSSH_2k",
        r"from (\d+\.\d+\.\d+\.\d+) port",
        PiiType::Ipv4,
        100,
    );
    check(
        "OpenSSH_2k",
        r"rhost=(\d+\.\d+\.\d+\.\d+)\s",
        PiiType::Ipv4,
        100,
    );
    check(
        "OpenSSH_2k",
        r"getaddrinfo for ([a-z0-9.-]+\.[a-z]+) \[",
        PiiType::Hostname,
        5,
    );
    check(
        "OpenSSH_2k",
        r"rhost=(\d+\.\d+\.\d+\.\d+\.[a-z][a-z.-]+)\s",
        PiiType::Hostname,
        2,
    );
    // A reverse-DNS name that starts with the client's address, outside a host position:
    // the address in it is found (`(62.99.164.82.sh.interxion.inode.at)`).
    check(
        "Linux_2k",
        r"\((\d+\.\d+\.\d+\.\d+)\.[a-z][a-z.-]+\.[a-z]+\)",
        PiiType::Ipv4,
        20,
    );
    // HDFS block pools: the address is one field of the id.
    check(
        "Hadoop_2k",
        r"BP-\d+-(\d+\.\d+\.\d+\.\d+)-\d+",
        PiiType::Ipv4,
        5,
    );
    check(
        "Linux_2k",
        r"rhost=(\d+\.\d+\.\d+\.\d+)\s",
        PiiType::Ipv4,
        50,
    );
    // DataNode addresses with ports.
    check("HDFS_2k", r"(10\.\d+\.\d+\.\d+):50010", PiiType::Ipv4, 500);
    // Browsing log: every host:port is a host name.
    check(
        "Proxifier_2k",
        r" - ([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|cn)):\d+ ",
        PiiType::Hostname,
        500,
    );
    check("Zookeeper_2k", r"/(10\.10\.34\.\d+):", PiiType::Ipv4, 100);
    check(
        "Mac_2k",
        r"([0-9a-f]{2}(?::[0-9a-f]{2}){5})",
        PiiType::MacAddress,
        10,
    );
    check(
        "Linux_2k",
        r"(bhcompile@bugs\.build\.redhat\.com)",
        PiiType::Email,
        1,
    );
}
