//! File-level operations of the server that touch the disk: `tftsr.scanFile` (a redacted copy of
//! a file too large for the editor) and adding a fingerprint to the `.tftsr.toml` allowlist.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::engine::redact::{Redactor, Style};
use crate::engine::{Engine, Finding};

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("the output {0} is the input file; choose another `output`")]
    SameFile(String),
    #[error("{path} is not valid TOML ({message}); fix it before adding to its allowlist")]
    Toml { path: String, message: String },
}

pub struct FileRedaction {
    pub findings: usize,
    pub by_type: BTreeMap<String, usize>,
    pub sha_before: String,
    pub sha_after: String,
    pub invalid_sequences: usize,
}

/// Scans `input` and writes the redacted copy to `output` (through a temporary file renamed
/// into place, so a failure never leaves a half-written copy).
pub fn redact_file(
    engine: &Engine,
    keep: &(dyn Fn(&Finding, &str) -> bool + Sync),
    style: Style,
    key: [u8; 32],
    input: &Path,
    output: &Path,
) -> Result<FileRedaction, FileError> {
    let disp = |p: &Path| p.display().to_string();
    let bytes = std::fs::read(input).map_err(|source| FileError::Read {
        path: disp(input),
        source,
    })?;
    if let (Ok(a), Ok(b)) = (input.canonicalize(), output.canonicalize()) {
        if a == b {
            return Err(FileError::SameFile(disp(output)));
        }
    }
    let scan = engine.scan_bytes(&bytes);
    let redactor = Redactor::new(engine, style, key);
    let mut out = Vec::with_capacity(bytes.len());
    let mut by_type = BTreeMap::new();
    let mut pos = 0;
    let mut count = 0;
    for f in &scan.findings {
        // Findings come from valid UTF-8 runs, so this never fails; be defensive anyway.
        let Ok(value) = std::str::from_utf8(&bytes[f.start..f.end]) else {
            continue;
        };
        if !keep(f, value) {
            continue;
        }
        out.extend_from_slice(&bytes[pos..f.start]);
        out.extend_from_slice(redactor.replacement(f, value).as_bytes());
        pos = f.end;
        count += 1;
        *by_type.entry(f.kind.id().to_owned()).or_insert(0) += 1;
    }
    out.extend_from_slice(&bytes[pos..]);
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let werr = |source| FileError::Write {
        path: disp(output),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(werr)?;
    tmp.write_all(&out).map_err(werr)?;
    tmp.persist(output).map_err(|e| werr(e.error))?;
    use sha2::{Digest, Sha256};
    Ok(FileRedaction {
        findings: count,
        by_type,
        sha_before: hex::encode(Sha256::digest(&bytes)),
        sha_after: hex::encode(Sha256::digest(&out)),
        invalid_sequences: scan.invalid_sequences,
    })
}

/// Adds a fingerprint to `[allowlist] fingerprints` of a `.tftsr.toml`, creating the file if
/// needed and keeping everything else in it (comments, order) as it was.
pub fn add_fingerprint(path: &Path, fp: &str) -> Result<(), FileError> {
    let disp = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(FileError::Read { path: disp, source }),
    };
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| FileError::Toml {
                path: disp.clone(),
                message: e.message().to_owned(),
            })?;
    let allow = doc
        .entry("allowlist")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let Some(table) = allow.as_table_like_mut() else {
        return Err(FileError::Toml {
            path: disp,
            message: "`allowlist` is not a table".into(),
        });
    };
    let fps = table
        .entry("fingerprints")
        .or_insert(toml_edit::value(toml_edit::Array::new()));
    let Some(arr) = fps.as_array_mut() else {
        return Err(FileError::Toml {
            path: disp,
            message: "`allowlist.fingerprints` is not an array".into(),
        });
    };
    if !arr.iter().any(|v| v.as_str() == Some(fp)) {
        arr.push(fp);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let werr = |source| FileError::Write {
        path: disp.clone(),
        source,
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(werr)?;
    tmp.write_all(doc.to_string().as_bytes()).map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_added_once_and_file_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".tftsr.toml");
        std::fs::write(&p, "# mine\n[types]\ndisable = [\"ipv4\"]\n").unwrap();
        let fp = "a".repeat(64);
        add_fingerprint(&p, &fp).unwrap();
        add_fingerprint(&p, &fp).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("# mine\n"));
        assert_eq!(text.matches(&fp).count(), 1);
        let cfg = crate::engine::Config::load(&p).unwrap();
        assert_eq!(cfg.allowlist.fingerprints, vec![fp]);
        assert_eq!(cfg.types.disable, vec!["ipv4".to_string()]);
        std::fs::write(&p, "allowlist = 3\n").unwrap();
        assert!(add_fingerprint(&p, "b").is_err());
    }
}
