//! Shared helpers of the store tests (real files in temp dirs, the real `tftsr` binary).
#![allow(dead_code)]

#[path = "../../../tests/common/child_env.rs"]
pub mod child_env;
#[path = "../../../tests/common/peak_rss.rs"]
pub mod peak_rss;
#[path = "../../../tests/common/progress.rs"]
pub mod progress;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tftsr::store::{Encryption, OpenOptions};

pub const KEY: &str = "correct horse battery staple";

pub fn enc_opts(db: &Path) -> OpenOptions {
    OpenOptions {
        db_path: Some(db.to_path_buf()),
        encryption: Some(Encryption::On),
        key: Some(KEY.into()),
    }
}

pub fn plain_opts(db: &Path) -> OpenOptions {
    OpenOptions {
        db_path: Some(db.to_path_buf()),
        encryption: Some(Encryption::Off),
        key: None,
    }
}

/// A raw rusqlite connection, keyed if `key` is given (to look at the file behind the API's back).
pub fn raw_conn(db: &Path, key: Option<&str>) -> rusqlite::Connection {
    // Another thread may be opening its first store right now: SQLite must be fully initialised
    // before any connection, whoever opens it.
    tftsr::store::init_sqlite().unwrap();
    let c = rusqlite::Connection::open(db).unwrap();
    if let Some(k) = key {
        c.pragma_update(None, "key", k).unwrap();
    }
    c
}

pub fn sha256_file(p: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(p).unwrap()))
}

/// The real binary with a private data dir, encryption on and no inherited `TFTSR_*` settings.
pub fn tftsr(data_dir: &Path) -> assert_cmd::Command {
    assert_cmd::Command::from_std(tftsr_std(data_dir))
}

/// [`tftsr`] as a `std::process::Command`, for `spawn` and [`progress`].
pub fn tftsr_std(data_dir: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("tftsr"));
    child_env::scrub(&mut c)
        .env("TFTSR_DATA_DIR", data_dir)
        .env("TFTSR_DB_ENCRYPT", "1");
    c
}

pub fn db_in(dir: &Path) -> PathBuf {
    dir.join("tftsr.db")
}

/// Every byte of every file in `dir` (the database, its -wal/-shm, the key file).
pub fn all_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Runs `sql` against `db` through an independent SQLCipher client (Python `sqlcipher3`, its own
/// SQLCipher build), keyed with `key`. `None` when that client is not installed here (CI must
/// have it: scripts/test.sh installs it, so under CI its absence fails the test).
pub fn independent_sqlcipher(db: &Path, key: &str, sql: &str) -> Option<String> {
    const SCRIPT: &str = r#"
import sys
try:
    import sqlcipher3
except ImportError:
    sys.exit(97)
db, key, sql = sys.argv[1], sys.argv[2], sys.stdin.read()
c = sqlcipher3.connect(db)
c.execute("PRAGMA key = '%s'" % key.replace("'", "''"))
out = []
for stmt in [s for s in sql.split(";\n") if s.strip()]:
    for row in c.execute(stmt):
        out.append("|".join("" if v is None else str(v) for v in row))
c.commit()
c.close()
print("\n".join(out))
"#;
    use std::io::Write as _;
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(db)
        .arg(key)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.code() == Some(97) {
        assert!(
            std::env::var_os("CI").is_none(),
            "python sqlcipher3 is missing under CI (scripts/test.sh installs sqlcipher3-binary)"
        );
        eprintln!("SKIPPED: python sqlcipher3 not installed (pip install sqlcipher3-binary)");
        return None;
    }
    assert!(
        out.status.success(),
        "independent client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}
