//! Full disk and read-only directories, on real file systems: a small tmpfs (mounted by the test,
//! which needs root/CAP_SYS_ADMIN) for the disk-full case and a tmpfs remounted read-only. Without
//! the privilege to mount, the read-only case falls back to chmod (non-root) and the disk-full case
//! reports that it was skipped.

use crate::helpers;

use std::path::{Path, PathBuf};
use std::process::Command;

use helpers::*;
use tftsr::store::{NewIssue, NewLogFile, NewPiiSpan, Store, StoreError};

struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(Tmpfs { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn remount_ro(&self) -> bool {
        Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn big_log(n: usize) -> NewLogFile {
    NewLogFile {
        file_name: "huge.log".into(),
        file_path: "/tmp/huge.log".into(),
        content_hash: "f".repeat(64),
        file_size: 1 << 30,
        mime_type: None,
        spans: (0..n)
            .map(|i| NewPiiSpan {
                pii_type: "email".into(),
                start_offset: i as i64 * 100,
                end_offset: i as i64 * 100 + 40,
                original_value: format!("someone.with.a.long.name.{i}@example.com"),
                replacement: "[Email]".into(),
            })
            .collect(),
    }
}

#[test]
fn disk_full_during_attach_rolls_back_and_keeps_the_store() {
    let Some(fs) = Tmpfs::mount("2m") else {
        // CI runs as root and must exercise this path; a developer without mount rights may not.
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot mount a tmpfs under CI: the disk-full case would go untested"
        );
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root); disk-full not exercised");
        return;
    };
    let db = fs.path().join("tftsr.db");
    let s = Store::open(&enc_opts(&db)).unwrap();
    let keep = s
        .create_issue(NewIssue {
            title: "before the disk filled".into(),
            severity: "high".into(),
            ..Default::default()
        })
        .unwrap();
    // ~50,000 findings need far more than the 2 MB left.
    let err = s.attach_log(&keep.id, big_log(50_000)).unwrap_err();
    assert!(matches!(err, StoreError::DiskFull { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "disk full while writing {}; the change was rolled back",
            db.display()
        )
    );
    // Nothing of the failed attach; what was there is intact; the connection still works.
    let d = s.get_issue(&keep.id).unwrap();
    assert!(d.log_files.is_empty());
    assert!(s.pii_spans("anything").unwrap().is_empty());
    assert_eq!(s.audit_log(0).unwrap().len(), 1);
    drop(s);
    let s = Store::open(&enc_opts(&db)).unwrap();
    let r = s.check().unwrap();
    assert!(r.ok, "{r:?}");
    assert_eq!(
        r.row_counts
            .iter()
            .find(|(t, _)| t == "pii_spans")
            .unwrap()
            .1,
        0
    );
    assert_eq!(s.list_issues(&Default::default()).unwrap()[0].id, keep.id);
}

/// A read-only place holding a store: (guard, dir). tmpfs remounted ro as root, else chmod 0500.
fn read_only_store() -> (Box<dyn std::any::Any>, PathBuf) {
    read_only_store_with(|_| {})
}

/// Drops every search-index entry of every issue behind the store's back (the content stays):
/// an index that no longer matches `issues`.
fn break_search_index(db: &Path) {
    let c = raw_conn(db, Some(KEY));
    c.execute_batch(
        "INSERT INTO issues_fts(issues_fts, rowid, id, title, description)
         SELECT 'delete', rowid, id, title, description FROM issues",
    )
    .unwrap();
}

/// Like `read_only_store`, with `prepare` run on the database before it becomes read-only.
fn read_only_store_with(prepare: impl FnOnce(&Path)) -> (Box<dyn std::any::Any>, PathBuf) {
    if let Some(fs) = Tmpfs::mount("8m") {
        let db = fs.path().join("tftsr.db");
        let s = Store::open(&enc_opts(&db)).unwrap();
        s.create_issue(NewIssue {
            title: "stored before ro".into(),
            severity: "low".into(),
            ..Default::default()
        })
        .unwrap();
        drop(s);
        prepare(&db);
        assert!(fs.remount_ro(), "remount ro");
        let p = fs.path().to_path_buf();
        return (Box::new(fs), p);
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tftsr.db");
    let s = Store::open(&enc_opts(&db)).unwrap();
    s.create_issue(NewIssue {
        title: "stored before ro".into(),
        severity: "low".into(),
        ..Default::default()
    })
    .unwrap();
    drop(s);
    prepare(&db);
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o500)).unwrap();
    let p = dir.path().to_path_buf();
    (Box::new(dir), p)
}

#[test]
fn read_only_directory_gives_a_clear_error_and_changes_nothing() {
    let (_guard, dir) = read_only_store();
    let db = dir.join("tftsr.db");
    let before = sha256_file(&db);
    // Reads still work (opened read-only); every write fails clearly and changes nothing.
    let s = Store::open(&enc_opts(&db)).expect("read-only open");
    assert!(s.is_read_only());
    let all = s.list_issues(&Default::default()).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(s.search_issues("stored", 5).unwrap().len(), 1);
    let e = s
        .create_issue(NewIssue {
            title: "x".into(),
            severity: "low".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "cannot write {}: the database or its directory is read-only",
            db.display()
        )
    );
    assert!(matches!(
        s.set_setting("k", "v"),
        Err(StoreError::ReadOnly { .. })
    ));
    drop(s);
    // The wrong key is still refused on a read-only file system.
    let wrong = Store::open(&tftsr::store::OpenOptions {
        key: Some("wrong".into()),
        ..enc_opts(&db)
    })
    .err()
    .unwrap();
    assert!(
        matches!(wrong, StoreError::CannotDecrypt { .. }),
        "{wrong:?}"
    );
    assert_eq!(sha256_file(&db), before);
    // A new database in a read-only directory: a clear error, no stray files.
    let fresh = dir.join("new.db");
    let e = Store::open(&enc_opts(&fresh)).err().unwrap();
    assert!(matches!(e, StoreError::ReadOnly { .. }), "{e:?}");
    assert!(!fresh.exists());
}

fn db_check_json(dir: &Path) -> (i32, serde_json::Value) {
    let out = tftsr(dir)
        .env("TFTSR_DB_KEY", KEY)
        .args(["db", "check", "--json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), v)
}

#[test]
fn db_check_on_a_read_only_file_system_tells_it_from_an_inconsistent_index() {
    // A healthy store on a read-only file system: every check passes, the index included.
    let (_guard, dir) = read_only_store();
    let before = sha256_file(&dir.join("tftsr.db"));
    tftsr(&dir)
        .env("TFTSR_DB_KEY", KEY)
        .args(["db", "check"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "search index:    ok (read-only file system",
        ));
    let (code, v) = db_check_json(&dir);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["read_only"], true);
    assert_eq!(v["fts_ok"], true);
    assert_eq!(v["fts_method"], "compared-with-rebuild");
    assert_eq!(sha256_file(&dir.join("tftsr.db")), before);

    // A really inconsistent index on a read-only file system is still found.
    let (_guard2, dir2) = read_only_store_with(break_search_index);
    let (code, v) = db_check_json(&dir2);
    assert_eq!(
        (code, &v["fts_ok"], &v["ok"]),
        (1, &false.into(), &false.into()),
        "{v}"
    );
    tftsr(&dir2)
        .env("TFTSR_DB_KEY", KEY)
        .args(["db", "check"])
        .assert()
        .code(1)
        .stdout(predicates::str::contains("search index:    INCONSISTENT"));

    // And on a writable store FTS5's own check finds it too.
    let d3 = tempfile::tempdir().unwrap();
    let db3 = d3.path().join("tftsr.db");
    let s = Store::open(&enc_opts(&db3)).unwrap();
    s.create_issue(NewIssue {
        title: "indexed then lost".into(),
        severity: "low".into(),
        ..Default::default()
    })
    .unwrap();
    assert!(s.check().unwrap().fts_ok);
    break_search_index(&db3);
    let r = s.check().unwrap();
    assert_eq!(
        (r.fts_ok, r.ok, r.fts_method),
        (false, false, "integrity-check")
    );
}
