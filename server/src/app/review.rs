//! Review, then redact (issue 12): attaching a log goes through its findings one by one, each
//! accepted (it will be redacted) or rejected (left as it is) by the caller's `decide` — the
//! CLI's `--review` prompt, its `--reject-type`/`--reject` rules, or "accept all" — and stores
//! the result in one transaction: the log, the accepted findings, the review's counts, and the
//! cleaned copy with only the accepted findings replaced (`log_files.redacted = 1`). A crash or
//! an error at any point leaves nothing of the log in the store.
//!
//! One pass over the file: the scan, the decisions and the cleaned copy (into a private,
//! unlinked temporary file beside the store) come from the same chunks, so memory stays bounded
//! and the copy is exactly the accepted edits applied to the bytes that were scanned.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use std::io::Read;

use sha2::{Digest, Sha256};

use super::attach::{AttachError, AttachInput, AttachJob, Attached};
use super::input::{self, RawTap, Source, StreamOptions};
use super::limits::{Limits, Stopped};
use crate::engine::redact::Redactor;
use crate::engine::Kind;
use crate::store::{AttachOptions, LogStatus, NewLogHeader, NewPiiSpan, Store, StoreError};

/// One finding as the reviewer sees it. `value` and `line_text` are the original text: for the
/// person reviewing, never for logs or the audit.
pub struct ReviewItem<'a> {
    /// 0-based, in file order.
    pub index: usize,
    pub kind: &'a str,
    /// 1-based line of the finding's start.
    pub line: u64,
    pub value: &'a str,
    pub replacement: &'a str,
    /// The line (as far as the current chunk holds it) with the finding, and the same line with
    /// the finding replaced: the side-by-side view.
    pub line_text: &'a str,
    pub redacted_line: String,
    pub fingerprint: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Attach(#[from] AttachError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot hold the cleaned copy in {dir}: {source}")]
    Temp { dir: String, source: std::io::Error },
    #[error("the review was stopped; nothing was attached")]
    Stopped,
}

/// What was attached.
#[derive(Debug)]
pub struct Reviewed {
    pub attached: Attached,
    pub status: LogStatus,
    pub accepted: u64,
    pub rejected: u64,
    /// Fingerprints of the rejected values (distinct, sorted): for an allowlist.
    pub rejected_fingerprints: Vec<String>,
    /// Rejected findings by type.
    pub rejected_counts: BTreeMap<String, u64>,
}

/// What an attach reads: the decoded stream, the log's header, and where the recorded hash and
/// size come from.
struct Reading<'a> {
    name: String,
    header: NewLogHeader,
    reader: Box<dyn Read + 'a>,
    gzip: bool,
    origin: Origin<'a>,
}

enum Origin<'a> {
    /// The file's bytes as they are on disk (before gzip), through the tap.
    File(RawTap),
    /// The text the caller holds.
    Held(&'a [u8]),
}

impl Origin<'_> {
    fn hash_and_size(&self) -> (String, u64) {
        match self {
            Origin::File(tap) => tap.finish(),
            Origin::Held(bytes) => (hex::encode(Sha256::digest(bytes)), bytes.len() as u64),
        }
    }
}

impl<'a> Reading<'a> {
    fn open(input: AttachInput<'a>, limits: Option<&Limits<'_>>) -> Result<Self, AttachError> {
        match input {
            AttachInput::File(file) => {
                let name = file.display().to_string();
                if let (Some(l), Ok(m)) = (limits, std::fs::metadata(file)) {
                    if m.is_file() {
                        l.check_size(m.len()).map_err(AttachError::Stopped)?;
                    }
                }
                let (opened, tap) =
                    Source::File(file.to_owned())
                        .open_tapped()
                        .map_err(|source| AttachError::Open {
                            name: name.clone(),
                            source,
                        })?;
                let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_owned());
                let file_name = file
                    .file_name()
                    .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
                Ok(Reading {
                    header: super::attach::header(file_name, abs),
                    name,
                    reader: opened.reader,
                    gzip: opened.gzip,
                    origin: Origin::File(tap),
                })
            }
            AttachInput::Text { name, path, bytes } => {
                if let Some(l) = limits {
                    l.check_size(bytes.len() as u64)
                        .map_err(AttachError::Stopped)?;
                }
                Ok(Reading {
                    header: NewLogHeader {
                        mime_type: Some(super::attach::mime_for(Path::new(&name)).into()),
                        file_name: name.clone(),
                        file_path: path,
                    },
                    name,
                    reader: Box::new(bytes),
                    gzip: false,
                    origin: Origin::Held(bytes),
                })
            }
        }
    }
}

/// Attaches `file` with every finding accepted (no review recorded).
pub fn attach_all(
    store: &Store,
    issue_id: &str,
    file: &Path,
    job: &AttachJob<'_>,
    keep_values: bool,
) -> Result<Reviewed, ReviewError> {
    attach_reviewed(store, issue_id, file, job, keep_values, None)
}

/// A reviewer: `Ok(decision)` per finding, or `Err(())` to stop (nothing is attached).
pub type Decide<'d> = &'d mut dyn FnMut(&ReviewItem<'_>) -> Result<Decision, ()>;

/// Attaches `file` after a review: `decide` is asked about each finding in file order (`None`:
/// accept all, and no review is recorded).
pub fn attach_reviewed(
    store: &Store,
    issue_id: &str,
    file: &Path,
    job: &AttachJob<'_>,
    keep_values: bool,
    decide: Option<Decide<'_>>,
) -> Result<Reviewed, ReviewError> {
    attach_input(
        store,
        issue_id,
        AttachInput::File(file),
        job,
        keep_values,
        decide,
        None,
    )
}

/// [`attach_reviewed`] of a file or of text the caller holds (the editor's document, saved or
/// not), held to `limits` (size cap, progress, cancellation: the editor's attach). Whichever
/// side attaches, the log gets its cleaned copy and `redacted = 1` in the same transaction; a
/// stop leaves nothing of the log in the store.
pub fn attach_input(
    store: &Store,
    issue_id: &str,
    input: AttachInput<'_>,
    job: &AttachJob<'_>,
    keep_values: bool,
    mut decide: Option<Decide<'_>>,
    limits: Option<&Limits<'_>>,
) -> Result<Reviewed, ReviewError> {
    // Fail on an unknown id before the (possibly long) scan and review.
    store.get_issue(issue_id)?;
    let dir = store
        .path()
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let temp_err = |source| ReviewError::Temp {
        dir: dir.display().to_string(),
        source,
    };
    let Reading {
        name,
        header,
        mut reader,
        gzip,
        origin,
    } = Reading::open(input, limits)?;
    // Unlinked at once: nothing is left behind, whatever happens to this process.
    let mut tmp = tempfile::tempfile_in(dir).map_err(temp_err)?;
    // The findings go into the store in batches as they are decided, inside the attach's one
    // transaction: memory follows the scan's window, never the number of findings.
    let mut log =
        super::attach::SpanSink::new(store, issue_id, header, &AttachOptions { keep_values });
    let mut store_error: Option<StoreError> = None;
    let scanner = job.scanner;
    let redactor = Redactor::new(&scanner.engine, job.style, job.key);
    let keep = |k: &Kind| scanner.keeps(k);
    let opts = StreamOptions {
        skip_binary: false,
        keep: &keep,
    };
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut rejected_counts: BTreeMap<String, u64> = BTreeMap::new();
    // Distinct as they come (a rule rejecting one repeated value must not grow this per hit).
    let mut rejected_fps: BTreeSet<String> = BTreeSet::new();
    let (mut accepted, mut rejected) = (0u64, 0u64);
    let mut index = 0usize;
    let mut line: u64 = 1;
    let mut stopped = false;
    let mut write_error: Option<std::io::Error> = None;
    let mut limited: Option<Stopped> = None;
    let mut read: u64 = 0;
    let result = input::stream(&mut reader, &scanner.engine, &opts, |chunk| {
        read += chunk.raw.len() as u64;
        if let Some(Err(e)) = limits.map(|l| l.at(read)) {
            limited = Some(e);
            return Err(std::io::Error::other("stopped"));
        }
        let text = chunk.text;
        // `pos` is an offset into `chunk.raw`, the input's own bytes: for UTF-16 input they are
        // not the text's offsets, and the cleaned copy is written in the input's encoding (as
        // `tftsr redact` writes it), everything outside the edits byte for byte.
        let mut pos = 0;
        // Lines counted up to `counted` in this chunk.
        let mut counted = 0;
        let mut out: Vec<u8> = Vec::with_capacity(chunk.raw.len());
        // The engine's plan: an edit may cover a neighbour its replacement would complete
        // (Redactor::plan); the value shown and fingerprinted is the finding's own.
        let edits = redactor.plan(text, chunk.findings);
        for (f, ed) in chunk.findings.iter().zip(&edits) {
            let value = &text[f.start..f.end];
            let replacement = ed.replacement.clone();
            line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted..f.start]).count() as u64;
            counted = f.start;
            let decision = match decide.as_mut() {
                None => Decision::Accept,
                Some(d) => {
                    let ls = text[..f.start].rfind('\n').map_or(0, |i| i + 1);
                    let le = text[f.end..].find('\n').map_or(text.len(), |i| f.end + i);
                    let item = ReviewItem {
                        index,
                        kind: f.kind.id(),
                        line,
                        value,
                        replacement: &replacement,
                        line_text: &text[ls..le],
                        redacted_line: format!(
                            "{}{}{}",
                            &text[ls..ed.start],
                            replacement,
                            &text[ed.end..le]
                        ),
                        fingerprint: scanner.engine.fingerprint(value),
                    };
                    match d(&item) {
                        Ok(x) => x,
                        Err(()) => {
                            stopped = true;
                            return Err(std::io::Error::other("review stopped"));
                        }
                    }
                }
            };
            index += 1;
            let (raw_start, raw_end) = (chunk.raw_at(ed.start), chunk.raw_at(ed.end));
            out.extend_from_slice(&chunk.raw[pos..raw_start]);
            match decision {
                Decision::Accept => {
                    accepted += 1;
                    super::attach::count(&mut counts, f.kind.id());
                    chunk.encoding.encode(&replacement, &mut out);
                    let span = NewPiiSpan {
                        pii_type: f.kind.id().to_owned(),
                        // Offsets into the input's bytes (after gzip; for UTF-16, of its units).
                        start_offset: chunk.stream_offset(ed.start) as i64,
                        end_offset: chunk.stream_offset(ed.end) as i64,
                        replacement,
                        original_value: text[ed.start..ed.end].to_owned(),
                    };
                    if let Err(e) = log.push(span) {
                        store_error = Some(e);
                        return Err(std::io::Error::other("the store refused a finding"));
                    }
                }
                Decision::Reject => {
                    rejected += 1;
                    super::attach::count(&mut rejected_counts, f.kind.id());
                    // Keyed, as diagnostics, JSONL and allowlists name values: a plain SHA-256
                    // of a low-entropy value (an SSN, an address) gives the value back.
                    rejected_fps.insert(scanner.engine.fingerprint(value));
                    out.extend_from_slice(&chunk.raw[raw_start..raw_end]);
                }
            }
            pos = raw_end;
        }
        line += memchr::memchr_iter(b'\n', &text.as_bytes()[counted..]).count() as u64;
        out.extend_from_slice(&chunk.raw[pos..]);
        tmp.write_all(&out).map_err(|e| {
            write_error = Some(e);
            std::io::Error::other("write failed")
        })
    });
    if stopped {
        return Err(ReviewError::Stopped);
    }
    if let Some(e) = limited {
        return Err(AttachError::Stopped(e).into());
    }
    if let Some(e) = store_error {
        return Err(e.into());
    }
    if let Some(e) = write_error {
        return Err(temp_err(e));
    }
    let stats = result.map_err(|source| {
        let name = name.clone();
        if gzip {
            AttachError::Decompress { name, source }
        } else {
            AttachError::Read { name, source }
        }
    })?;
    let (content_hash, file_size) = origin.hash_and_size();
    let size = tmp.seek(SeekFrom::End(0)).map_err(temp_err)?;
    tmp.seek(SeekFrom::Start(0)).map_err(temp_err)?;
    let store_counts = counts
        .iter()
        .map(|(k, v)| (k.clone(), *v as usize))
        .collect();
    let log_file = log.into_log()?.finish_cleaned(
        &content_hash,
        file_size as i64,
        decide.is_some().then_some((accepted, rejected)),
        &mut tmp,
        size,
        &store_counts,
    )?;
    let status = store.log_status(&log_file.id)?;
    Ok(Reviewed {
        attached: Attached {
            log_file,
            findings: accepted,
            counts,
            stats,
            gzip,
        },
        status,
        accepted,
        rejected,
        rejected_fingerprints: rejected_fps.into_iter().collect(),
        rejected_counts,
    })
}
