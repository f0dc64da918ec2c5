//! The key of value fingerprints (HMAC-SHA-256, see `engine::FingerprintKey`): which key a scan
//! uses, the same for the CLI and the server.
//!
//! In order:
//! 1. `TFTSR_FINGERPRINT_KEY` (64 hex digits): for CI, where it comes from a secret;
//! 2. `.tftsr.key` beside the configuration file in use (64 hex digits): one key for a team's
//!    workspace, so the fingerprints of its allowlist match on every machine that has the file;
//! 3. the user's own key, `fingerprint.key` in the data directory (beside `tftsr.db`), created
//!    (random, mode 0600) on first use: stable across this user's runs and files.
//!
//! Where none of these can be had (no data directory, a read-only home), the key is random for
//! this process only, and the caller is told: fingerprints are then not comparable across runs,
//! so no allowlist fingerprint matches (findings are reported, never hidden).
//!
//! Keys never appear in messages; a malformed key is an error naming where it came from.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::engine::FingerprintKey;

/// The environment variable holding the key (hex).
pub const ENV_KEY: &str = "TFTSR_FINGERPRINT_KEY";
/// The workspace key file, beside `.tftsr.toml`.
pub const WORKSPACE_KEY_FILE: &str = ".tftsr.key";
/// The user's key file, in the data directory.
pub const USER_KEY_FILE: &str = "fingerprint.key";

/// Where the key in use came from (never the key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    Env,
    Workspace(PathBuf),
    User(PathBuf),
    /// Random for this process: `why` says what was missing.
    Ephemeral {
        why: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{ENV_KEY} must be 64 hex digits (a 32-byte key)")]
    BadEnv,
    #[error("{}: must hold 64 hex digits (a 32-byte key)", .0.display())]
    BadFile(PathBuf),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
}

/// The key for scans under the configuration file `config` (None: built-in defaults).
pub fn resolve(config: Option<&Path>) -> Result<(FingerprintKey, KeySource), KeyError> {
    if let Some(v) = std::env::var_os(ENV_KEY).filter(|v| !v.is_empty()) {
        let key = v.to_str().and_then(parse_hex).ok_or(KeyError::BadEnv)?;
        return Ok((key, KeySource::Env));
    }
    if let Some(cfg) = config {
        let path = super::output::dir_of(cfg).join(WORKSPACE_KEY_FILE);
        if let Some(key) = read_key(&path)? {
            return Ok((key, KeySource::Workspace(path)));
        }
    }
    let dir = match crate::store::data_dir() {
        Ok(d) => d,
        Err(e) => return Ok(ephemeral(format!("no data directory ({e})"))),
    };
    let path = dir.join(USER_KEY_FILE);
    if let Some(key) = read_key(&path)? {
        return Ok((key, KeySource::User(path)));
    }
    match create_user_key(&dir, &path) {
        Ok(key) => Ok((key, KeySource::User(path))),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match read_key(&path)? {
            // Another process created it first: theirs is the key.
            Some(key) => Ok((key, KeySource::User(path))),
            None => Err(KeyError::BadFile(path)),
        },
        Err(e) => Ok(ephemeral(format!("cannot create {}: {e}", path.display()))),
    }
}

fn ephemeral(why: String) -> (FingerprintKey, KeySource) {
    (FingerprintKey::new(random()), KeySource::Ephemeral { why })
}

fn random() -> [u8; 32] {
    let mut raw = [0u8; 32];
    // The OS source failing is not something a scan can fix; zeros would be a fixed, known key,
    // so fall back to a hash of what differs per process (still no value leaves through it).
    if getrandom::fill(&mut raw).is_err() {
        use sha2::{Digest, Sha256};
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        raw = Sha256::digest(seed.as_bytes()).into();
    }
    raw
}

fn parse_hex(s: &str) -> Option<FingerprintKey> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s.trim(), &mut out).ok()?;
    Some(FingerprintKey::new(out))
}

/// The key in `path`, None if there is no such file.
fn read_key(path: &Path) -> Result<Option<FingerprintKey>, KeyError> {
    match fs::read_to_string(path) {
        Ok(t) => parse_hex(&t)
            .map(Some)
            .ok_or_else(|| KeyError::BadFile(path.to_owned())),
        // No file, or no directory to hold one (the data dir is not there).
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(KeyError::Read {
            path: path.to_owned(),
            source: e,
        }),
    }
}

/// Creates the user's key file: private from its first byte, complete when it has a name (written
/// beside it and linked into place without replacing, so a concurrent creator's key wins whole).
fn create_user_key(dir: &Path, path: &Path) -> io::Result<FingerprintKey> {
    use std::os::unix::fs::PermissionsExt;
    fs::create_dir_all(dir)?;
    let raw = random();
    let mut tmp = tempfile::Builder::new()
        .prefix(".fingerprint.key.")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    writeln!(tmp, "{}", hex::encode(raw))?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(FingerprintKey::new(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_are_parsed_strictly() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(WORKSPACE_KEY_FILE);
        assert!(read_key(&p).unwrap().is_none());
        fs::write(&p, format!("{}\n", "ab".repeat(32))).unwrap();
        assert_eq!(read_key(&p).unwrap(), Some(FingerprintKey::new([0xab; 32])));
        fs::write(&p, "not hex").unwrap();
        let e = read_key(&p).unwrap_err().to_string();
        assert!(e.contains("64 hex digits") && !e.contains("not hex"), "{e}");
    }

    #[test]
    fn the_user_key_is_created_once_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(USER_KEY_FILE);
        let a = create_user_key(dir.path(), &p).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(read_key(&p).unwrap(), Some(a));
        // A second creator does not replace it.
        let e = create_user_key(dir.path(), &p).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    }
}
