//! `.tftsr.toml` files: finding, reading, and adding an allowlist fingerprint. The engine parses
//! and validates the text; reading and replacing the file happens here.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::engine::{Config, ConfigError};

/// Reads and validates the configuration file at `path`.
pub fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_owned(),
        source,
    })?;
    Config::from_toml_str(&text, path)
}

/// The nearest `.tftsr.toml` in `dir` or its ancestors.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(Config::FILE_NAME))
        .find(|p| p.is_file())
}

/// Adds a fingerprint (see `app::fingerprint`) to `[allowlist] fingerprints` of the configuration file at `path`
/// (creating the file or the table if needed), preserving the file's comments and layout. Used by
/// "Ignore this value": the file never holds the value itself. The file is replaced atomically
/// (temp file in the same directory, then rename), so a crash leaves the old or the new file.
pub fn add_allowlisted_fingerprint(path: &Path, fingerprint: &str) -> Result<(), ConfigError> {
    let io = |source| ConfigError::Io {
        path: path.to_owned(),
        source,
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let out_text = crate::engine::config::add_allowlisted_fingerprint(&text, path, fingerprint)?;
    if out_text == text {
        return Ok(());
    }
    // Replaced atomically, keeping the file's mode (a new one gets the usual 0644).
    let existing = std::fs::metadata(path).ok();
    let out = super::output::AtomicOutput::create(path, 0o644, existing.as_ref(), true)
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    let mut w = out.file();
    w.write_all(out_text.as_bytes()).map_err(io)?;
    out.commit()
        .map_err(|e| io(std::io::Error::other(e.to_string())))?;
    Ok(())
}
