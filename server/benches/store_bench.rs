//! Store benchmarks (release, encrypted, real files in a temp dir). Run:
//!
//!     cargo bench -p tftsr --bench store_bench
//!
//! Reports medians of:
//! - attaching a 10 MB log with 10,000 findings (the store's `attach_log` alone, and end to end:
//!   SHA-256 + engine scan + `attach_log`, as `tftsr issue attach` does);
//! - open + migrate of a new database, and open of an existing one (both pay the 256,000-round
//!   PBKDF2-HMAC-SHA512 key derivation);
//! - FTS5 search (bm25, snippet, limit 20) over 100,000 issues;
//! - the audit chain: one audited write (an audit row and its SHA-256 link) and `verify_audit`
//!   over 20,000 entries.

use std::time::{Duration, Instant};

#[path = "../../tests/common/corpus.rs"]
mod corpus;

use sha2::{Digest, Sha256};
use tftsr::engine::Engine;
use tftsr::store::{Encryption, NewIssue, NewLogFile, NewPiiSpan, OpenOptions, Store};

const KEY: &str = "bench-key";

fn opts(db: &std::path::Path) -> OpenOptions {
    OpenOptions {
        db_path: Some(db.into()),
        encryption: Some(Encryption::On),
        key: Some(KEY.into()),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// ~10 MB of real loghub lines with 10,000 e-mail addresses planted at even intervals.
fn build_log() -> (String, usize) {
    let corpus = [
        "OpenSSH_2k.log",
        "Hadoop_2k.log",
        "Linux_2k.log",
        "Apache_2k.log",
    ]
    .iter()
    .filter_map(|f| std::fs::read_to_string(corpus::loghub_dir().join(f)).ok())
    .collect::<Vec<_>>()
    .join("\n");
    let lines: Vec<&str> = if corpus.is_empty() {
        vec!["2026-01-01 00:00:00 INFO worker started job 42 in 17 ms"]
    } else {
        corpus.lines().collect()
    };
    let target = 10 * 1024 * 1024;
    let mut out = String::with_capacity(target + 1024);
    let mut i = 0usize;
    let mut planted = 0;
    while out.len() < target {
        out.push_str(lines[i % lines.len()]);
        // One planted address per ~1 KB of log: 10,000 over 10 MB.
        if out.len() / 1048 > planted && planted < 10_000 {
            out.push_str(&format!(" notify=user{planted}@mail.example.com"));
            planted += 1;
        }
        out.push('\n');
        i += 1;
    }
    (out, planted)
}

fn spans_for(engine: &Engine, text: &str) -> Vec<NewPiiSpan> {
    engine
        .scan(text)
        .into_iter()
        .map(|f| NewPiiSpan {
            pii_type: f.kind.id().to_owned(),
            start_offset: f.start as i64,
            end_offset: f.end as i64,
            original_value: text[f.start..f.end].to_owned(),
            replacement: engine.tag(&f.kind).to_owned(),
        })
        .collect()
}

fn bench_attach() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&opts(&dir.path().join("tftsr.db"))).unwrap();
    let issue = s
        .create_issue(NewIssue {
            title: "bench".into(),
            severity: "low".into(),
            ..Default::default()
        })
        .unwrap();
    let (text, planted) = build_log();
    let engine = Engine::with_defaults();
    let hash = hex::encode(Sha256::digest(text.as_bytes()));
    // Store alone: exactly 10,000 findings (the planted ones), so the figure does not move with
    // the engine's detectors.
    let fixed: Vec<NewPiiSpan> = spans_for(&engine, &text)
        .into_iter()
        .filter(|s| s.pii_type == "email")
        .take(10_000)
        .collect();
    let mk = |spans: Vec<NewPiiSpan>| NewLogFile {
        file_name: "bench.log".into(),
        file_path: "/bench/bench.log".into(),
        content_hash: hash.clone(),
        file_size: text.len() as i64,
        mime_type: Some("text/plain".into()),
        spans,
    };
    let mut store_only = Vec::new();
    for _ in 0..7 {
        let log = mk(fixed.clone());
        let t = Instant::now();
        s.attach_log(&issue.id, log).unwrap();
        store_only.push(t.elapsed());
    }
    let mut e2e = Vec::new();
    let mut found = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let h = hex::encode(Sha256::digest(text.as_bytes()));
        let spans = spans_for(&engine, &text);
        found = spans.len();
        let mut log = mk(spans);
        log.content_hash = h;
        s.attach_log(&issue.id, log).unwrap();
        e2e.push(t.elapsed());
    }
    println!(
        "attach, 10 MB log ({:.1} MB, {planted} planted e-mails):",
        text.len() as f64 / 1048576.0
    );
    println!(
        "  attach_log, {} findings (1 transaction)     median {}",
        fixed.len(),
        ms(median(store_only))
    );
    println!(
        "  sha256 + engine scan + attach_log ({found} findings)  median {}",
        ms(median(e2e))
    );
}

fn bench_open() {
    let mut create = Vec::new();
    let mut reopen = Vec::new();
    for _ in 0..7 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tftsr.db");
        let t = Instant::now();
        drop(Store::open(&opts(&db)).unwrap());
        create.push(t.elapsed());
        let t = Instant::now();
        drop(Store::open(&opts(&db)).unwrap());
        reopen.push(t.elapsed());
    }
    let mut plain = Vec::new();
    for _ in 0..7 {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("tftsr.db");
        let o = OpenOptions {
            db_path: Some(db),
            encryption: Some(Encryption::Off),
            key: None,
        };
        drop(Store::open(&o).unwrap());
        let t = Instant::now();
        drop(Store::open(&o).unwrap());
        plain.push(t.elapsed());
    }
    println!("open:");
    println!(
        "  new encrypted db: create + 12 migrations     median {}",
        ms(median(create))
    );
    println!(
        "  existing encrypted db: open (KDF) + check      median {}",
        ms(median(reopen))
    );
    println!(
        "  existing plain db: open + check (no KDF)       median {}",
        ms(median(plain))
    );
}

fn bench_search() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tftsr.db");
    drop(Store::open(&opts(&db)).unwrap());
    // Titles and descriptions made of real log lines (loghub, 16 systems): a realistic vocabulary.
    let corpus: Vec<String> = std::fs::read_dir(corpus::loghub_dir())
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .flat_map(|t| t.lines().map(str::to_owned).collect::<Vec<_>>())
                .collect()
        })
        .unwrap_or_default();
    let corpus = if corpus.is_empty() {
        vec!["checkout failed: upstream timed out".to_string()]
    } else {
        corpus
    };
    let n = 100_000usize;
    let t = Instant::now();
    {
        // Bulk load through a raw connection in one transaction (the FTS triggers still run).
        let mut c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "key", KEY).unwrap();
        let tx = c.transaction().unwrap();
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO issues (id, title, description, severity, status, created_at,
                     updated_at, tags) VALUES (?1, ?2, ?3, 'medium', 'open', ?4, ?4, '[]')",
                )
                .unwrap();
            let mut x: u64 = 0x9E3779B97F4A7C15;
            let mut pick = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                corpus[(x % corpus.len() as u64) as usize].as_str()
            };
            for i in 0..n {
                let line = pick();
                let title: String = line
                    .chars()
                    .rev()
                    .take(90)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let title = format!("{title} #{i}");
                let desc = [pick(), pick(), pick()].join("\n");
                st.execute(rusqlite::params![
                    uuid::Uuid::now_v7().to_string(),
                    title,
                    desc,
                    "2026-01-01 00:00:00"
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let load = t.elapsed();
    let s = Store::open(&opts(&db)).unwrap();
    let queries = [
        "error",
        "failed password",
        "connection closed",
        "authentication failure",
        "kernel",
        "exception",
        "block",
        "session opened",
        "nothingmatchesthis",
        "timeout",
    ];
    let matches = |q: &str| -> i64 {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.pragma_update(None, "key", KEY).unwrap();
        c.query_row(
            "SELECT count(*) FROM issues_fts WHERE issues_fts MATCH ?1",
            [tftsr::store::fts_query(q).unwrap()],
            |r| r.get(0),
        )
        .unwrap()
    };
    let most = queries.iter().map(|q| (matches(q), *q)).max().unwrap();
    // Warm the page cache once, then measure.
    for q in queries {
        s.search_issues(q, 20).unwrap();
    }
    let mut all = Vec::new();
    for _ in 0..10 {
        for q in queries {
            let t = Instant::now();
            let hits = s.search_issues(q, 20).unwrap();
            all.push(t.elapsed());
            std::hint::black_box(hits);
        }
    }
    let mut common = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        std::hint::black_box(s.search_issues(most.1, 20).unwrap());
        common.push(t.elapsed());
    }
    println!(
        "search over {n} issues (loaded in {:.1} s):",
        load.as_secs_f64()
    );
    println!(
        "  10 queries x 10, bm25 + snippet, limit 20      median {}",
        ms(median(all.clone()))
    );
    println!(
        "  slowest query                                  {}",
        ms(*all.iter().max().unwrap())
    );
    println!(
        "  most frequent query {:?} ({} matching rows)  median {}",
        most.1,
        most.0,
        ms(median(common))
    );
}

fn bench_audit_chain() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&opts(&dir.path().join("tftsr.db"))).unwrap();
    let n = 20_000;
    let t = Instant::now();
    // Many entries per transaction would not be what users do; one setting change = one
    // audited write transaction, as the CLI makes it.
    let mut writes = Vec::new();
    for i in 0..n {
        let t = Instant::now();
        s.set_setting(&format!("k{}", i % 100), "v").unwrap();
        writes.push(t.elapsed());
    }
    let load = t.elapsed();
    let mut runs = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let v = s.verify_audit().unwrap();
        runs.push(t.elapsed());
        assert!(v.ok && v.links == n as i64);
    }
    println!(
        "audit chain ({n} entries, written in {:.1} s):",
        load.as_secs_f64()
    );
    println!(
        "  one audited write (setting + audit row + link) median {}",
        ms(median(writes))
    );
    println!(
        "  verify_audit over {n} links                    median {}",
        ms(median(runs))
    );
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too, so stay quick there.
    if std::env::args().any(|a| a == "--test") || cfg!(debug_assertions) {
        println!("store_bench: run with `cargo bench -p tftsr --bench store_bench` (release)");
        return;
    }
    println!(
        "store_bench (release, SQLCipher 4, encrypted, temp dir on {})",
        { std::env::temp_dir().display() }
    );
    bench_open();
    bench_attach();
    bench_search();
    bench_audit_chain();
}
