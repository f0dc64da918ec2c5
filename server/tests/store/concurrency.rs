//! Two processes (this test binary, re-run as writers) plus the real `tftsr` CLI write to one
//! encrypted database at the same time, starting from no file at all: no write is lost, none fails.

use crate::helpers;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use helpers::*;
use tftsr::store::{IssueFilter, NewIssue, Store};

const ROWS: usize = 1000;

/// Child mode: writes ROWS issues, one transaction each. Run only by the parent below.
#[test]
#[ignore = "child process of two_processes_writing_concurrently_lose_nothing"]
fn concurrent_writer_child() {
    let db = std::env::var("STORE_CHILD_DB").expect("run by the parent test");
    let tag = std::env::var("STORE_CHILD_TAG").unwrap();
    let s = Store::open(&enc_opts(std::path::Path::new(&db))).expect("child open");
    for n in 0..ROWS {
        s.create_issue(NewIssue {
            title: format!("{tag} row {n}"),
            severity: "low".into(),
            description: Some(format!("written by {tag}")),
            ..Default::default()
        })
        .unwrap_or_else(|e| panic!("{tag} row {n}: {e}"));
    }
}

#[test]
fn two_processes_writing_concurrently_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let me = std::env::current_exe().unwrap();
    let spawn = |tag: &str| {
        Command::new(&me)
            .args([
                "--exact",
                "concurrency::concurrent_writer_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("STORE_CHILD_DB", &db)
            .env("STORE_CHILD_TAG", tag)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Both start before the database exists: they also race on creating and migrating it.
    let a = spawn("alpha");
    let b = spawn("beta");
    // Meanwhile the real CLI adds a few through its own connections (same key, explicit), once the
    // children have created the database (whoever creates it, nothing may be lost; this only
    // makes the CLI's writes overlap theirs instead of racing the creation as well).
    let cli_dir = dir.path().to_path_buf();
    let created = db.clone();
    let children_done = Arc::new(AtomicBool::new(false));
    let done = children_done.clone();
    let cli = std::thread::spawn(move || {
        while !created.exists() && !done.load(Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        for n in 0..5 {
            tftsr(&cli_dir)
                .env("TFTSR_DB_KEY", KEY)
                .args([
                    "issue",
                    "new",
                    "--title",
                    &format!("cli row {n}"),
                    "--severity",
                    "high",
                ])
                .assert()
                .success();
        }
    });
    for (name, child) in [("alpha", a), ("beta", b)] {
        let out = progress::wait_output(child, name);
        assert!(
            out.status.success(),
            "{name} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "{name} did not run the writer"
        );
    }
    children_done.store(true, Ordering::SeqCst);
    cli.join().unwrap();
    let s = Store::open(&enc_opts(&db)).unwrap();
    let all = s.list_issues(&IssueFilter::default()).unwrap();
    assert_eq!(all.len(), 2 * ROWS + 5);
    for tag in ["alpha", "beta"] {
        let mut ns: Vec<usize> = all
            .iter()
            .filter_map(|i| i.title.strip_prefix(&format!("{tag} row ")))
            .map(|n| n.parse().unwrap())
            .collect();
        ns.sort();
        assert_eq!(ns, (0..ROWS).collect::<Vec<_>>(), "{tag} lost rows");
    }
    assert_eq!(
        s.audit_log(0).unwrap().len(),
        2 * ROWS + 5,
        "one audit entry per write"
    );
    assert_eq!(
        s.applied_migrations().unwrap().len(),
        13,
        "each migration applied once"
    );
    let r = s.check().unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(s.search_issues("alpha 999", 5).unwrap().len(), 1);
}
