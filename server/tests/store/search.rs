//! `issue search`: BM25 scores that mean something on a store of any size (FTS5's own bm25()
//! clamps the IDF of a word in half the issues or more to 1e-6, so every score of a small store
//! printed as -0.00), checked against FTS5 itself, and neutral highlight marks on the real binary.

use crate::helpers;

use helpers::*;
use tftsr::store::{NewIssue, Store};

fn issue(s: &Store, title: &str, desc: &str) -> String {
    s.create_issue(NewIssue {
        title: title.into(),
        severity: "medium".into(),
        description: Some(desc.into()),
        ..Default::default()
    })
    .unwrap()
    .id
}

/// 40 issues: "checkout" in 30 of them (a common word: FTS5 clamps its IDF), "kafka" in one.
fn corpus(s: &Store) -> (String, Vec<String>) {
    let kafka = issue(s, "Kafka consumer lag", "orders queue backed up");
    let mut checkout = Vec::new();
    for i in 0..30 {
        let id = if i % 3 == 0 {
            issue(
                s,
                &format!("Checkout failure {i}"),
                "payment provider timed out",
            )
        } else {
            issue(
                s,
                &format!("Incident {i}"),
                "customers saw errors during checkout in the evening",
            )
        };
        checkout.push(id);
    }
    for i in 0..9 {
        issue(s, &format!("Disk alert {i}"), "volume nearly full");
    }
    (kafka, checkout)
}

#[test]
fn scores_are_bm25_with_fts5s_term_parts_and_an_idf_that_stays_positive() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let s = Store::open(&enc_opts(&db)).unwrap();
    let (kafka, checkout) = corpus(&s);

    // A rare word: FTS5's IDF is not clamped, so its bm25() and our score differ by the IDFs'
    // ratio only. FTS5 asked directly, on the same (encrypted) file.
    let hits = s.search_issues("kafka", 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].issue.id, kafka);
    let raw: f64 = raw_conn(&db, Some(KEY))
        .query_row(
            "SELECT bm25(issues_fts, 0.0, 4.0, 1.0) FROM issues_fts WHERE issues_fts MATCH 'kafka'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let (n, hit) = (40.0f64, 1.0f64);
    let fts_idf = ((n - hit + 0.5) / (hit + 0.5)).ln();
    let our_idf = (1.0 + (n - hit + 0.5) / (hit + 0.5)).ln();
    let want = -raw * our_idf / fts_idf;
    assert!(
        (hits[0].score - want).abs() < 1e-9,
        "{} against {want}",
        hits[0].score
    );

    // A word in 30 of 40 issues: FTS5 scores it about -1e-6 (printed -0.00); ours are real
    // numbers, a title hit above a description hit, best first.
    let raw_common: f64 = raw_conn(&db, Some(KEY))
        .query_row(
            "SELECT bm25(issues_fts, 0.0, 4.0, 1.0) FROM issues_fts \
             WHERE issues_fts MATCH 'checkout' ORDER BY 1 LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(raw_common.abs() < 1e-4, "FTS5 clamps: {raw_common}");
    let hits = s.search_issues("checkout", 50).unwrap();
    assert_eq!(hits.len(), 30);
    assert!(hits.iter().all(|h| checkout.contains(&h.issue.id)));
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(hits.last().unwrap().score >= 0.05, "{}", hits[29].score);
    assert!(hits[0].issue.title.starts_with("Checkout failure"));
    assert!(hits[29].issue.title.starts_with("Incident"));
    assert!(
        hits[0].score > 1.2 * hits[29].score,
        "{} {}",
        hits[0].score,
        hits[29].score
    );
    // The rare word weighs more than the common one.
    assert!(s.search_issues("kafka", 1).unwrap()[0].score > hits[0].score);

    // Several words: the sum of each word's part, as BM25 is.
    let both = s.search_issues("kafka lag", 5).unwrap();
    let (k, l) = (
        s.search_issues("kafka", 5).unwrap()[0].score,
        s.search_issues("lag", 5).unwrap()[0].score,
    );
    assert_eq!(both.len(), 1);
    assert!((both[0].score - (k + l)).abs() < 1e-9, "{both:?} {k} {l}");

    // A store of one issue: FTS5's IDF is always clamped there; the score is still positive.
    let one_dir = tempfile::tempdir().unwrap();
    let one = Store::open(&enc_opts(&db_in(one_dir.path()))).unwrap();
    issue(&one, "Checkout 502s", "");
    let h = one.search_issues("checkout", 5).unwrap();
    assert!(h[0].score > 0.1, "{}", h[0].score);
}

#[test]
fn search_on_the_real_binary_scores_marks_and_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let new = |title: &str, desc: &str| {
        tftsr(&data)
            .args(["issue", "new", "--title", title, "--severity", "low"])
            .args(["--description", desc])
            .assert()
            .success();
    };
    new("Checkout 502s", "nginx upstream timed out");
    new("Login slow", "checkout also slow at peak");
    new("Disk full", "volume at 100%");
    let run = |args: &[&str]| {
        let o = tftsr(&data).args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    };

    // Not a terminal: no colours, the matched words between » and «, a positive score.
    let (code, out, _) = run(&["issue", "search", "checkout"]);
    assert_eq!(code, Some(0));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(lines[0].ends_with("[low/open] Checkout 502s"), "{out}");
    assert_eq!(lines[1], "    »Checkout« 502s");
    assert_eq!(lines[3], "    »checkout« also slow at peak");
    let score = |line: &str| -> f64 { line.split_whitespace().nth(1).unwrap().parse().unwrap() };
    let (first, second) = (score(lines[0]), score(lines[2]));
    assert!(first > second && second > 0.0, "{out}");
    assert!(!out.contains("-0.00") && !out.contains('\x1b'), "{out}");
    assert!(
        !out.contains("[Checkout]") && !out.contains("[checkout]"),
        "{out}"
    );
    // Two decimals.
    let printed = lines[0].split_whitespace().nth(1).unwrap();
    assert_eq!(
        printed.split('.').nth(1).map(str::len),
        Some(2),
        "{printed}"
    );

    // --color always: bold and underlined, no marks; NO_COLOR does not stop `always`.
    let o = tftsr(&data)
        .env("NO_COLOR", "1")
        .args(["issue", "search", "checkout", "--color", "always"])
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.contains("    \x1b[1m\x1b[4mCheckout\x1b[0m 502s\n"),
        "{out:?}"
    );
    assert!(!out.contains('»') && !out.contains('«'));
    // --color never: the marks.
    let (_, out, _) = run(&["issue", "search", "checkout", "--color", "never"]);
    assert!(out.contains("»Checkout«") && !out.contains('\x1b'));

    // JSON: the same score, the plain snippet and the highlights.
    let (code, out, _) = run(&["issue", "search", "checkout", "--json"]);
    assert_eq!(code, Some(0));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["snippet"], "Checkout 502s");
    assert_eq!(v[0]["highlights"], serde_json::json!([[0, 8]]));
    assert_eq!(
        format!("{:.2}", v[0]["score"].as_f64().unwrap()),
        format!("{first:.2}")
    );

    // No match: exit 1 (as grep), "no matches" on stderr, nothing on stdout.
    let (code, out, err) = run(&["issue", "search", "kubernetes"]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("no matches"), "{err}");
}
