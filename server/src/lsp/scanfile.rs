//! `tftsr.scanFile`: a redacted copy of a file on disk (for logs too large for the editor).

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
