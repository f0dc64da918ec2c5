//! SQLCipher on real files: settings, nothing in clear, wrong keys and mismatches refused without
//! touching the file, key files, `tftsr db encrypt|rekey`.

use crate::helpers;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use helpers::*;
use tftsr::store::{Encryption, NewIssue, NewLogFile, NewPiiSpan, OpenOptions, Store, StoreError};

const PLANT: &str = "planted-7f3a9c.victim@example.com";

fn plant(s: &Store) {
    let i = s
        .create_issue(NewIssue {
            title: format!("Outage for {PLANT}"),
            severity: "critical".into(),
            description: Some(format!("user {PLANT} cannot log in")),
            ..Default::default()
        })
        .unwrap();
    s.attach_log(
        &i.id,
        NewLogFile {
            file_name: "app.log".into(),
            file_path: "/var/log/app.log".into(),
            content_hash: "a".repeat(64),
            file_size: 100,
            mime_type: Some("text/plain".into()),
            spans: vec![NewPiiSpan {
                pii_type: "email".into(),
                start_offset: 5,
                end_offset: 5 + PLANT.len() as i64,
                original_value: PLANT.into(),
                replacement: "[Email]".into(),
            }],
        },
    )
    .unwrap();
    s.set_setting("note", PLANT).unwrap();
}

fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut v: Vec<_> = all_bytes(dir)
        .into_iter()
        .map(|(p, b)| (p, hex::encode(sha2::Sha256::digest(&b))))
        .collect();
    v.sort();
    v
}
use sha2::Digest;

#[test]
fn sqlcipher_4_settings_as_the_seed_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let s = Store::open(&enc_opts(&db)).unwrap();
    // Through SQLCipher's own PRAGMAs on an independent connection, not our code's view.
    let c = raw_conn(&db, Some(KEY));
    let one = |p: &str| -> String {
        c.query_row(&format!("PRAGMA {p}"), [], |r| r.get::<_, String>(0))
            .unwrap()
    };
    assert!(
        one("cipher_version").starts_with("4."),
        "{}",
        one("cipher_version")
    );
    assert_eq!(one("cipher"), "AES-256-CBC");
    assert_eq!(one("cipher_page_size"), "4096");
    assert_eq!(one("kdf_iter"), "256000");
    assert_eq!(one("cipher_hmac_algorithm"), "HMAC_SHA512");
    assert_eq!(one("cipher_kdf_algorithm"), "PBKDF2_HMAC_SHA512");
    assert_eq!(one("cipher_use_hmac"), "1");
    let n: i64 = c
        .query_row("SELECT count(*) FROM _migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 13, "the raw connection really decrypted the file");
    // And `tftsr db check`'s view agrees.
    let r = s.check().unwrap();
    let cs = r.cipher.expect("cipher settings");
    assert_eq!(cs.cipher, "AES-256-CBC");
    assert_eq!(cs.cipher_page_size, 4096);
    assert_eq!(cs.kdf_iter, 256_000);
    assert!(r.ok, "{:?}", r.integrity_check);
    // Page size on disk: an encrypted file is a whole number of 4096-byte pages.
    drop(c);
    drop(s);
    assert_eq!(std::fs::metadata(&db).unwrap().len() % 4096, 0);
}

#[test]
fn encrypted_files_hold_no_planted_value_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let s = Store::open(&enc_opts(&db)).unwrap();
    plant(&s);
    // While open: the database, its WAL and shm.
    let open_files = all_bytes(dir.path());
    assert!(open_files.len() >= 2, "expected the db and its WAL");
    for (p, b) in &open_files {
        assert!(
            !contains(b, PLANT.as_bytes()),
            "{} holds the planted value",
            p.display()
        );
        assert!(!contains(b, b"victim"), "{} holds part of it", p.display());
    }
    drop(s);
    let bytes = std::fs::read(&db).unwrap();
    assert!(
        !bytes.starts_with(b"SQLite format 3"),
        "encrypted file has a plain header"
    );
    for (p, b) in all_bytes(dir.path()) {
        assert!(
            !contains(&b, PLANT.as_bytes()),
            "{} holds the planted value",
            p.display()
        );
    }
    // Control: the same data in a plain database is found, so the check above can fail.
    let pdir = tempfile::tempdir().unwrap();
    let pdb = db_in(pdir.path());
    let p = Store::open(&plain_opts(&pdb)).unwrap();
    plant(&p);
    drop(p);
    let pb = std::fs::read(&pdb).unwrap();
    assert!(pb.starts_with(b"SQLite format 3\0"));
    assert!(contains(&pb, PLANT.as_bytes()));
}

#[test]
fn database_file_is_created_0600() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sub/dir/tftsr.db");
    let s = Store::open(&enc_opts(&db)).unwrap();
    plant(&s);
    for (p, _) in all_bytes(db.parent().unwrap()) {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    let dmode = std::fs::metadata(db.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dmode, 0o700);
}

#[test]
fn wrong_key_is_refused_and_the_file_is_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    plant(&Store::open(&enc_opts(&db)).unwrap());
    let before = snapshot(dir.path());
    let wrong = "not-the-key-0xDEADBEEF";
    let err = Store::open(&OpenOptions {
        key: Some(wrong.into()),
        ..enc_opts(&db)
    })
    .err()
    .expect("wrong key must fail");
    assert!(matches!(err, StoreError::CannotDecrypt { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "cannot decrypt {}: wrong key or not a TFTSR database",
            db.display()
        )),
        "{msg}"
    );
    assert!(!msg.contains(wrong) && !msg.contains(KEY) && !format!("{err:?}").contains(wrong));
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a failed open modified the directory"
    );
    // The right key still works afterwards: nothing was "repaired".
    let s = Store::open(&enc_opts(&db)).unwrap();
    assert_eq!(s.search_issues("outage", 5).unwrap().len(), 1);
}

#[test]
fn plain_opened_as_encrypted_and_the_reverse_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let pdb = db_in(dir.path());
    plant(&Store::open(&plain_opts(&pdb)).unwrap());
    let before = snapshot(dir.path());
    let err = Store::open(&enc_opts(&pdb)).err().unwrap();
    assert!(
        matches!(err, StoreError::PlainButEncryptionOn { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("tftsr db encrypt"));
    assert_eq!(snapshot(dir.path()), before);

    let edir = tempfile::tempdir().unwrap();
    let edb = db_in(edir.path());
    plant(&Store::open(&enc_opts(&edb)).unwrap());
    let before = snapshot(edir.path());
    let err = Store::open(&plain_opts(&edb)).err().unwrap();
    assert!(
        matches!(err, StoreError::EncryptedButEncryptionOff { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("TFTSR_DB_ENCRYPT=1"));
    assert_eq!(snapshot(edir.path()), before);
}

#[test]
fn corrupt_and_foreign_files_are_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    // Random bytes: not a database under any key.
    let junk = dir.path().join("junk.db");
    let mut b = vec![0u8; 16384];
    getrandom::fill(&mut b).unwrap();
    std::fs::write(&junk, &b).unwrap();
    let before = snapshot(dir.path());
    let e1 = Store::open(&enc_opts(&junk)).err().unwrap();
    assert!(matches!(e1, StoreError::CannotDecrypt { .. }), "{e1}");
    let e2 = Store::open(&plain_opts(&junk)).err().unwrap();
    assert!(
        matches!(e2, StoreError::EncryptedButEncryptionOff { .. }),
        "{e2}"
    );
    assert_eq!(snapshot(dir.path()), before);

    // A plain header followed by garbage.
    let bad = dir.path().join("bad.db");
    let mut b = b"SQLite format 3\0".to_vec();
    b.extend(std::iter::repeat_n(0xA5u8, 8192));
    std::fs::write(&bad, &b).unwrap();
    let before = snapshot(dir.path());
    let e3 = Store::open(&plain_opts(&bad)).err().unwrap();
    assert!(
        matches!(e3, StoreError::Corrupt { .. } | StoreError::Db { .. }),
        "{e3:?}"
    );
    assert_eq!(snapshot(dir.path()), before);

    // A real encrypted store cut in half.
    let tdir = tempfile::tempdir().unwrap();
    let tdb = db_in(tdir.path());
    let s = Store::open(&enc_opts(&tdb)).unwrap();
    for n in 0..200 {
        s.create_issue(NewIssue {
            title: format!("issue {n}"),
            severity: "low".into(),
            description: Some("x".repeat(500)),
            ..Default::default()
        })
        .unwrap();
    }
    drop(s);
    let full = std::fs::read(&tdb).unwrap();
    std::fs::write(&tdb, &full[..full.len() / 2]).unwrap();
    let before = snapshot(tdir.path());
    match Store::open(&enc_opts(&tdb)) {
        Err(e) => {
            assert!(
                matches!(
                    e,
                    StoreError::Corrupt { .. }
                        | StoreError::CannotDecrypt { .. }
                        | StoreError::Db { .. }
                ),
                "{e:?}"
            );
            assert_eq!(snapshot(tdir.path()), before);
        }
        // Page 1 may still decrypt; then the damage must show in `check`, not pass silently.
        Ok(s) => assert!(!s.check().map(|r| r.ok).unwrap_or(false)),
    }
}

#[test]
fn a_flipped_byte_in_an_encrypted_page_is_caught_by_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_in(dir.path());
    let s = Store::open(&enc_opts(&db)).unwrap();
    for n in 0..100 {
        s.create_issue(NewIssue {
            title: format!("issue {n}"),
            severity: "low".into(),
            description: Some("y".repeat(400)),
            ..Default::default()
        })
        .unwrap();
    }
    drop(s);
    let mut b = std::fs::read(&db).unwrap();
    let pages = b.len() / 4096;
    assert!(pages > 4);
    b[(pages - 2) * 4096 + 100] ^= 0xFF;
    std::fs::write(&db, &b).unwrap();
    let s = Store::open(&enc_opts(&db)).unwrap();
    let r = s.check();
    match r {
        Ok(r) => assert!(!r.ok, "check passed a corrupted page: {r:?}"),
        Err(e) => assert!(
            matches!(e, StoreError::Corrupt { .. } | StoreError::Db { .. }),
            "{e:?}"
        ),
    }
}

fn key_file(dir: &Path) -> std::path::PathBuf {
    dir.join(".dbkey")
}

#[test]
fn key_file_is_generated_once_0600_and_reused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tftsr(&data)
        .args(["issue", "new", "--title", "first", "--severity", "low"])
        .assert()
        .success();
    let id = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let kf = key_file(&data);
    let key = std::fs::read_to_string(&kf).unwrap();
    assert_eq!(key.trim().len(), 64);
    assert!(key.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        std::fs::metadata(&kf).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(db_in(&data))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    tftsr(&data)
        .args(["issue", "show", id.trim()])
        .assert()
        .success()
        .stdout(predicates::str::contains("first"));
    assert_eq!(
        std::fs::read_to_string(&kf).unwrap(),
        key,
        "the key must not change"
    );
    // The file opens with that key and no other.
    let s = Store::open(&OpenOptions {
        key: Some(key.trim().into()),
        ..enc_opts(&db_in(&data))
    })
    .unwrap();
    assert_eq!(s.list_issues(&Default::default()).unwrap().len(), 1);
    drop(s);
    tftsr(&data)
        .args(["db", "path"])
        .assert()
        .success()
        .stdout(predicates::str::contains(".dbkey"));
}

#[test]
fn missing_or_loose_key_file_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tftsr(&data)
        .args(["issue", "new", "--title", "t", "--severity", "low"])
        .assert()
        .success();
    let kf = key_file(&data);
    std::fs::set_permissions(&kf, std::fs::Permissions::from_mode(0o644)).unwrap();
    tftsr(&data)
        .args(["issue", "list"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("chmod 600"));
    std::fs::set_permissions(&kf, std::fs::Permissions::from_mode(0o600)).unwrap();
    let saved = std::fs::read(&kf).unwrap();
    std::fs::remove_file(&kf).unwrap();
    let before = sha256_file(&db_in(&data));
    let out = tftsr(&data).args(["issue", "list"]).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("no key was found"), "{err}");
    assert!(
        !kf.exists(),
        "a fresh key must not be generated for an existing database"
    );
    assert_eq!(sha256_file(&db_in(&data)), before);
    std::fs::write(&kf, saved).unwrap();
    std::fs::set_permissions(&kf, std::fs::Permissions::from_mode(0o600)).unwrap();
    tftsr(&data).args(["issue", "list"]).assert().success();
}

#[test]
fn env_key_wins_and_a_wrong_env_key_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tftsr(&data)
        .env("TFTSR_DB_KEY", "env-secret-1")
        .args(["issue", "new", "--title", "t", "--severity", "low"])
        .assert()
        .success();
    assert!(
        !key_file(&data).exists(),
        "no key file when TFTSR_DB_KEY is set"
    );
    let out = tftsr(&data)
        .env("TFTSR_DB_KEY", "env-secret-2")
        .args(["issue", "list"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("wrong key or not a TFTSR database"), "{err}");
    assert!(!err.contains("env-secret"), "{err}");
    // Empty TFTSR_DB_KEY counts as unset: it falls back to the key file, which does not exist.
    tftsr(&data)
        .env("TFTSR_DB_KEY", "")
        .args(["issue", "list"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no key was found"));
}

#[test]
fn rekey_replaces_the_key_file_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tftsr(&data)
        .args([
            "issue",
            "new",
            "--title",
            "kept across rekey",
            "--severity",
            "low",
        ])
        .assert()
        .success();
    let kf = key_file(&data);
    let old = std::fs::read_to_string(&kf).unwrap();
    tftsr(&data).args(["db", "rekey"]).assert().success();
    let new = std::fs::read_to_string(&kf).unwrap();
    assert_ne!(old, new);
    assert_eq!(
        std::fs::metadata(&kf).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!data.join(".dbkey.new").exists());
    let db = db_in(&data);
    let err = Store::open(&OpenOptions {
        key: Some(old.trim().into()),
        ..enc_opts(&db)
    })
    .err()
    .unwrap();
    assert!(matches!(err, StoreError::CannotDecrypt { .. }));
    tftsr(&data)
        .args(["issue", "search", "rekey"])
        .assert()
        .success()
        .stdout(predicates::str::contains("kept across rekey"));
    // With an env key, the new key comes from TFTSR_DB_NEW_KEY.
    let edir = tempfile::tempdir().unwrap();
    let edata = edir.path().join("data");
    tftsr(&edata)
        .env("TFTSR_DB_KEY", "k-one")
        .args(["issue", "new", "--title", "t", "--severity", "low"])
        .assert()
        .success();
    tftsr(&edata)
        .env("TFTSR_DB_KEY", "k-one")
        .args(["db", "rekey"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("TFTSR_DB_NEW_KEY"));
    tftsr(&edata)
        .env("TFTSR_DB_KEY", "k-one")
        .env("TFTSR_DB_NEW_KEY", "k-two")
        .args(["db", "rekey"])
        .assert()
        .success();
    tftsr(&edata)
        .env("TFTSR_DB_KEY", "k-two")
        .args(["issue", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains(" t"));
}

#[test]
fn a_crash_between_rekey_and_key_install_recovers_on_open() {
    // Simulate the window: the database is under the staged key, .dbkey still holds the old one.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    tftsr(&data)
        .args(["issue", "new", "--title", "survivor", "--severity", "low"])
        .assert()
        .success();
    let kf = key_file(&data);
    let old = std::fs::read_to_string(&kf).unwrap();
    let staged = "ab".repeat(32);
    {
        let c = raw_conn(&db_in(&data), Some(old.trim()));
        c.pragma_update(None, "rekey", &staged).unwrap();
    }
    std::fs::write(data.join(".dbkey.new"), format!("{staged}\n")).unwrap();
    tftsr(&data)
        .args(["issue", "list"])
        .assert()
        .success()
        .stdout(predicates::str::contains("survivor"));
    assert_eq!(std::fs::read_to_string(&kf).unwrap().trim(), staged);
    assert!(!data.join(".dbkey.new").exists());
}

#[test]
fn db_encrypt_turns_a_plain_store_into_an_encrypted_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = tftsr(&data)
        .env("TFTSR_DB_ENCRYPT", "0")
        .args([
            "issue",
            "new",
            "--title",
            &format!("plain {PLANT}"),
            "--severity",
            "high",
        ])
        .assert()
        .success();
    let id = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let db = db_in(&data);
    assert!(std::fs::read(&db)
        .unwrap()
        .starts_with(b"SQLite format 3\0"));
    tftsr(&data).args(["db", "encrypt"]).assert().success();
    let b = std::fs::read(&db).unwrap();
    assert!(!b.starts_with(b"SQLite format 3"));
    for (p, b) in all_bytes(&data) {
        assert!(!contains(&b, PLANT.as_bytes()), "{}", p.display());
    }
    assert!(!data.join("tftsr.db.plain-backup").exists());
    assert_eq!(
        std::fs::metadata(&db).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Same data, search index rebuilt (sqlcipher_export does not carry implicit rowids).
    tftsr(&data)
        .args(["issue", "search", "plain"])
        .assert()
        .success()
        .stdout(predicates::str::contains(id.trim()));
    tftsr(&data).args(["db", "check"]).assert().success();
    // Encrypting again is refused.
    tftsr(&data)
        .args(["db", "encrypt"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already encrypted"));
    // And the plain path now refuses the file clearly.
    let e = Store::open(&OpenOptions {
        db_path: Some(db.clone()),
        encryption: Some(Encryption::Off),
        key: None,
    })
    .err()
    .unwrap();
    assert!(matches!(e, StoreError::EncryptedButEncryptionOff { .. }));
}
