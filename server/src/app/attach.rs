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
use super::limits::{Limits, Stopped};
use crate::engine::redact::{Redactor, Style};
use crate::engine::Kind;
use crate::store::{
    AttachOptions, LogAttach, LogFile, NewLogHeader, NewPiiSpan, Store, StoreError,
};

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
    /// Stopped by its limits (over the size cap, or cancelled): nothing stored.
    #[error("{0}; nothing was stored")]
    Stopped(Stopped),
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
///
/// The findings go into the store in batches as the scan yields them, inside the attach's one
/// transaction (`Store::begin_attach`, see [`SpanSink`]): memory follows the scan's window, never
/// the number of findings, and an error at any point leaves nothing of the log.
pub fn attach_with(
    store: &Store,
    issue_id: &str,
    input: AttachInput<'_>,
    job: &AttachJob<'_>,
    opts: &AttachOptions,
) -> Result<Attached, AttachError> {
    attach_limited(store, issue_id, input, job, opts, None)
}

/// [`attach_with`] held to `limits` (a size cap, progress, cancellation: the editor's attach). A
/// stop rolls the attach back: nothing of the log stays in the store.
pub fn attach_limited(
    store: &Store,
    issue_id: &str,
    input: AttachInput<'_>,
    job: &AttachJob<'_>,
    opts: &AttachOptions,
    limits: Option<&Limits<'_>>,
) -> Result<Attached, AttachError> {
    // Fail on an unknown id before the (possibly long) scan.
    store.get_issue(issue_id)?;
    let (log_file, found) = match input {
        AttachInput::File(p) => {
            let name = p.display().to_string();
            if let (Some(l), Ok(m)) = (limits, std::fs::metadata(p)) {
                if m.is_file() {
                    l.check_size(m.len()).map_err(AttachError::Stopped)?;
                }
            }
            let (mut opened, tap) =
                Source::File(p.to_owned())
                    .open_tapped()
                    .map_err(|source| AttachError::Open {
                        name: name.clone(),
                        source,
                    })?;
            let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
            let file_name = p
                .file_name()
                .map_or_else(|| name.clone(), |n| n.to_string_lossy().into_owned());
            let mut log = SpanSink::new(store, issue_id, header(file_name, abs), opts);
            let found = scan(
                &name,
                &mut opened.reader,
                opened.gzip,
                job,
                &mut log,
                limits,
            )?;
            let (hash, size) = tap.finish();
            (log.into_log()?.finish(&hash, size as i64)?, found)
        }
        AttachInput::Text { name, path, bytes } => {
            let mut log = SpanSink::new(
                store,
                issue_id,
                NewLogHeader {
                    mime_type: Some(mime_for(Path::new(&name)).into()),
                    file_name: name.clone(),
                    file_path: path,
                },
                opts,
            );
            let found = scan(&name, &mut &bytes[..], false, job, &mut log, limits)?;
            let hash = hex::encode(Sha256::digest(bytes));
            (log.into_log()?.finish(&hash, bytes.len() as i64)?, found)
        }
    };
    Ok(Attached {
        log_file,
        findings: found.counts.values().sum(),
        counts: found.counts,
        stats: found.stats,
        gzip: found.gzip,
    })
}

/// How many findings wait in memory before the attach's transaction is opened and they are
/// written (then again each time the batch is full).
const BATCH: usize = 4096;

/// Findings on their way into the store: held in a small batch, and the attach's transaction —
/// which takes the store's write lock — opened only once the batch is full or at the end. A log
/// with few findings (or a person reviewing them one by one) holds the lock only for the final
/// write, as before; memory stays bounded by the batch either way, whatever the number of
/// findings.
pub(crate) struct SpanSink<'s> {
    store: &'s Store,
    issue_id: String,
    header: Option<NewLogHeader>,
    opts: AttachOptions,
    log: Option<LogAttach<'s>>,
    pending: Vec<NewPiiSpan>,
}

impl<'s> SpanSink<'s> {
    pub(crate) fn new(
        store: &'s Store,
        issue_id: &str,
        header: NewLogHeader,
        opts: &AttachOptions,
    ) -> SpanSink<'s> {
        SpanSink {
            store,
            issue_id: issue_id.to_owned(),
            header: Some(header),
            opts: opts.clone(),
            log: None,
            pending: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, span: NewPiiSpan) -> Result<(), StoreError> {
        self.pending.push(span);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        let log = match (&mut self.log, self.header.take()) {
            (Some(log), _) => log,
            (None, Some(header)) => {
                let log = self
                    .store
                    .begin_attach(&self.issue_id, header, &self.opts)?;
                self.log.insert(log)
            }
            (None, None) => unreachable!("the header is taken only to begin the attach"),
        };
        for s in self.pending.drain(..) {
            log.add_span(s)?;
        }
        Ok(())
    }

    /// The attach with every finding written, to be finished.
    pub(crate) fn into_log(mut self) -> Result<LogAttach<'s>, StoreError> {
        self.flush()?;
        Ok(self.log.take().expect("flush begins the attach"))
    }
}

/// The header of a file's log: its name, absolute path and MIME type.
pub(crate) fn header(file_name: String, abs: std::path::PathBuf) -> NewLogHeader {
    NewLogHeader {
        mime_type: Some(mime_for(Path::new(&file_name)).into()),
        file_name,
        file_path: abs.display().to_string(),
    }
}

struct Found {
    counts: BTreeMap<String, u64>,
    stats: StreamStats,
    gzip: bool,
}

/// The finding → span-row mapping, written once; each span goes into `log` at once.
fn scan(
    name: &str,
    reader: &mut dyn Read,
    gzip: bool,
    job: &AttachJob<'_>,
    log: &mut SpanSink<'_>,
    limits: Option<&Limits<'_>>,
) -> Result<Found, AttachError> {
    let scanner = job.scanner;
    let redactor = Redactor::new(&scanner.engine, job.style, job.key);
    let keep = |k: &Kind| scanner.keeps(k);
    let opts = StreamOptions {
        // Whatever the file holds is stored: its findings too.
        skip_binary: false,
        keep: &keep,
    };
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut store_error: Option<StoreError> = None;
    let mut stopped: Option<Stopped> = None;
    let mut read: u64 = 0;
    let stats = input::stream(reader, &scanner.engine, &opts, |chunk| {
        read += chunk.raw.len() as u64;
        if let Some(Err(e)) = limits.map(|l| l.at(read)) {
            stopped = Some(e);
            return Err(std::io::Error::other("stopped"));
        }
        // The engine's plan: an edit may cover a neighbour its replacement would complete
        // (Redactor::plan), and the stored span is what the cleaned copy replaces.
        let edits = redactor.plan(chunk.text, chunk.findings);
        for (f, e) in chunk.findings.iter().zip(edits) {
            count(&mut counts, f.kind.id());
            let span = NewPiiSpan {
                pii_type: f.kind.id().to_owned(),
                // Offsets into the input's bytes (after gzip; for UTF-16, of its units).
                start_offset: chunk.stream_offset(e.start) as i64,
                end_offset: chunk.stream_offset(e.end) as i64,
                original_value: chunk.text[e.start..e.end].to_owned(),
                replacement: e.replacement,
            };
            if let Err(e) = log.push(span) {
                store_error = Some(e);
                return Err(std::io::Error::other("the store refused a finding"));
            }
        }
        Ok(())
    });
    if let Some(e) = stopped {
        return Err(AttachError::Stopped(e));
    }
    if let Some(e) = store_error {
        return Err(e.into());
    }
    let stats = stats.map_err(|source| {
        let name = name.to_owned();
        if gzip {
            AttachError::Decompress { name, source }
        } else {
            AttachError::Read { name, source }
        }
    })?;
    Ok(Found {
        counts,
        stats,
        gzip,
    })
}

/// `counts[kind] += 1`, allocating the key only the first time a type is seen.
pub(crate) fn count(counts: &mut BTreeMap<String, u64>, kind: &str) {
    match counts.get_mut(kind) {
        Some(n) => *n += 1,
        None => {
            counts.insert(kind.to_owned(), 1);
        }
    }
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
