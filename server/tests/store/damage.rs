//! A store that lost its content is never mistaken for a new one: a zero-length or zero-filled
//! `tftsr.db` (beside its key file, or not) is refused by the real binary with a message saying
//! what it looks like, and every file in the data directory is left byte for byte as it was.

use crate::helpers;

use std::path::Path;

use helpers::*;
use tftsr::store::{Store, StoreError};

/// A data dir with a real encrypted store (one issue) made by the binary, then `damage` applied
/// to `tftsr.db` once the process has exited (its -wal/-shm are gone by then).
fn damaged_store(damage: impl FnOnce(&Path)) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tftsr(&data)
        .args(["issue", "new", "--title", "lost one", "--severity", "low"])
        .assert()
        .success();
    assert!(data.join(".dbkey").is_file());
    damage(&db_in(&data));
    (dir, data)
}

fn refused_untouched(data: &Path, args: &[&str], encrypt: &str, looks: &str) {
    let before = all_bytes(data);
    let out = tftsr(data)
        .env("TFTSR_DB_ENCRYPT", encrypt)
        .args(args)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains(looks), "{args:?}: {err}");
    assert!(
        err.contains("not a new one") && err.contains("left untouched"),
        "{args:?}: {err}"
    );
    assert_eq!(all_bytes(data), before, "{args:?} changed the data dir");
}

#[test]
fn a_zero_length_store_beside_its_key_file_is_refused_untouched() {
    let (_d, data) = damaged_store(|db| std::fs::File::create(db).map(drop).unwrap());
    let looks = format!(
        "is empty (0 bytes) although its key file {} exists",
        data.join(".dbkey").display()
    );
    for args in [
        &["db", "check"][..],
        &["issue", "list"],
        &["issue", "new", "--title", "x", "--severity", "low"],
        &["audit"],
    ] {
        refused_untouched(&data, args, "1", &looks);
    }
    assert_eq!(std::fs::metadata(db_in(&data)).unwrap().len(), 0);
    // The library says the same, as a typed error.
    let e = Store::open(&enc_opts(&db_in(&data))).err().unwrap();
    assert!(matches!(e, StoreError::Damaged { .. }), "{e:?}");
    // Nor is a zero-length file with no key file (or in a plain debug store) taken for a new one.
    std::fs::remove_file(data.join(".dbkey")).unwrap();
    refused_untouched(&data, &["issue", "list"], "1", "is empty (0 bytes)");
    refused_untouched(&data, &["issue", "list"], "0", "is empty (0 bytes)");
}

#[test]
fn a_zero_filled_store_is_refused_untouched_whatever_its_size() {
    for (len, looks) in [
        (100usize, "is all zero bytes (100 bytes)".to_string()),
        (4096, "is all zero bytes (4096 bytes)".to_string()),
        (
            3 * 4096,
            "starts with a page of zero bytes (12288 bytes in all)".to_string(),
        ),
    ] {
        let (_d, data) = damaged_store(|db| std::fs::write(db, vec![0u8; len]).unwrap());
        let looks = format!("{looks} although its key file");
        refused_untouched(&data, &["db", "check"], "1", &looks);
        refused_untouched(&data, &["issue", "list"], "1", &looks);
        // Not "it looks encrypted" with encryption off: it is zeros, and says so.
        refused_untouched(&data, &["issue", "list"], "0", &looks);
    }
    // A store whose first page was zeroed but the rest survives is refused too (not "wrong key").
    let (_d, data) = damaged_store(|db| {
        let mut b = std::fs::read(db).unwrap();
        assert!(b.len() > 8192);
        b[..4096].fill(0);
        std::fs::write(db, b).unwrap();
    });
    refused_untouched(
        &data,
        &["db", "check"],
        "1",
        "starts with a page of zero bytes",
    );
}

#[test]
fn a_healthy_store_still_opens_and_a_missing_one_is_still_created() {
    // The guard must not catch what is fine: a real store reopens, a missing file is created.
    let (_d, data) = damaged_store(|_| {});
    tftsr(&data)
        .args(["db", "check"])
        .assert()
        .success()
        .stdout(predicates::str::contains("search index:    ok"));
    let fresh = tempfile::tempdir().unwrap();
    tftsr(&fresh.path().join("new"))
        .args(["issue", "list"])
        .assert()
        .success();
}
