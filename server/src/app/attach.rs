//! Attaching a log to an issue, with one policy whichever side asks (`tftsr issue attach`, the
//! server's `tftsr.attachToIssue`): the log is scanned with the caller's scanner (configuration and
//! type filter), each finding is stored with its offsets, its original value (in the encrypted
//! store) and the replacement of the caller's style, and the store records the `log_attach` audit
//! entry (hash, size, counts) in the same transaction.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::engines::Scanner;
use super::input::{self, Source, StreamOptions, StreamStats};
use crate::engine::redact::{Redactor, Style};
use crate::engine::Kind;
use crate::store::{AttachOptions, LogFile, NewLogFile, NewPiiSpan, Store, StoreError};

/// How to attach.
pub struct AttachJob<'a> {
    pub scanner: &'a Scanner,
    /// The style whose replacement is recorded with each finding.
    pub style: Style,
    /// The pseudonym secret (see `app::keys::redaction_key`); ignored by the other styles.
    pub key: [u8; 32],
}

/// What is attached.
pub enum AttachInput<'a> {
    /// A file on disk: `.gz` is decompressed for scanning (offsets are into the decompressed
    /// text); the hash and size recorded are of the file as it is.
    File(&'a Path),
    /// Text the caller holds (an editor's document, saved or not), recorded under `name` and
    /// `path`.
    Text {
        name: String,
        path: String,
        bytes: &'a [u8],
    },
}

/// The stored log and what was found in it (counts by type, never values).
#[derive(Debug)]
pub struct Attached {
    pub log_file: LogFile,
    pub findings: u64,
    pub counts: BTreeMap<String, u64>,
    pub stats: StreamStats,
    pub gzip: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("cannot read {name}: {source}")]
    Open {
        name: String,
        source: std::io::Error,
    },
    #[error("cannot decompress {name}: {source}")]
    Decompress {
        name: String,
        source: std::io::Error,
    },
    #[error("read error in {name}: {source}")]
    Read {
        name: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Scans `input` and stores it, with its findings, as a log file of issue `issue_id`.
pub fn attach(
    store: &Store,
    issue_id: &str,
    input: AttachInput<'_>,
    job: &AttachJob<'_>,
) -> Result<Attached, AttachError> {
    attach_with(store, issue_id, input, job, &AttachOptions::default())
}

/// `attach` with the store's options (`keep_values: false`: no original value is ever stored).
pub fn attach_with(
    store: &Store,
    issue_id: &str,
    input: AttachInput<'_>,
    job: &AttachJob<'_>,
    opts: &AttachOptions,
) -> Result<Attached, AttachError> {
    // Fail on an unknown id before the (possibly long) scan.
    store.get_issue(issue_id)?;
    let (file_name, file_path, found, (content_hash, size)) = match input {
        AttachInput::File(p) => {
            let name = p.display().to_string();
            let (mut opened, tap) =
                Source::File(p.to_owned())
                    .open_tapped()
                    .map_err(|source| AttachError::Open {
                        name: name.clone(),
                        source,
                    })?;
            let found = scan(&name, &mut opened.reader, opened.gzip, job)?;
            let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
            let file_name = p
                .file_name()
                .map_or(name, |n| n.to_string_lossy().into_owned());
            (file_name, abs.display().to_string(), found, tap.finish())
        }
        AttachInput::Text { name, path, bytes } => {
            let found = scan(&name, &mut &bytes[..], false, job)?;
            let hash = (hex::encode(Sha256::digest(bytes)), bytes.len() as u64);
            (name, path, found, hash)
        }
    };
    let log_file = store.attach_log_with(
        issue_id,
        NewLogFile {
            mime_type: Some(mime_for(Path::new(&file_name)).into()),
            file_name,
            file_path,
            content_hash,
            file_size: size as i64,
            spans: found.spans,
        },
        opts,
    )?;
    Ok(Attached {
        log_file,
        findings: found.counts.values().sum(),
        counts: found.counts,
        stats: found.stats,
        gzip: found.gzip,
    })
}

struct Found {
    spans: Vec<NewPiiSpan>,
    counts: BTreeMap<String, u64>,
    stats: StreamStats,
    gzip: bool,
}

/// The finding → span-row mapping, written once.
fn scan(
    name: &str,
    reader: &mut dyn Read,
    gzip: bool,
    job: &AttachJob<'_>,
) -> Result<Found, AttachError> {
    let scanner = job.scanner;
    let redactor = Redactor::new(&scanner.engine, job.style, job.key);
    let keep = |k: &Kind| scanner.keeps(k);
    let opts = StreamOptions {
        // Whatever the file holds is stored: its findings too.
        skip_binary: false,
        keep: &keep,
    };
    let mut spans: Vec<NewPiiSpan> = Vec::new();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let stats = input::stream(reader, &scanner.engine, &opts, |chunk| {
        for f in chunk.findings {
            let value = &chunk.text[f.start..f.end];
            *counts.entry(f.kind.id().to_owned()).or_default() += 1;
            spans.push(NewPiiSpan {
                pii_type: f.kind.id().to_owned(),
                start_offset: (chunk.base + f.start as u64) as i64,
                end_offset: (chunk.base + f.end as u64) as i64,
                replacement: redactor.replacement(f, value),
                original_value: value.to_owned(),
            });
        }
        Ok(())
    })
    .map_err(|source| {
        let name = name.to_owned();
        if gzip {
            AttachError::Decompress { name, source }
        } else {
            AttachError::Read { name, source }
        }
    })?;
    Ok(Found {
        spans,
        counts,
        stats,
        gzip,
    })
}

/// The MIME type recorded for a log, from its name.
pub fn mime_for(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
    {
        Some(e) if e == "gz" => "application/gzip",
        Some(e) if e == "json" || e == "jsonl" || e == "ndjson" => "application/json",
        Some(e) if e == "xml" => "application/xml",
        _ => "text/plain",
    }
}
