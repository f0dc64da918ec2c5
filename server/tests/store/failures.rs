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
