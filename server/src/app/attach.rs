//! Attaching a log to an issue, with one policy whichever side asks (`tftsr issue attach`, the
//! server's `tftsr.attachToIssue`): what an attach takes and gives, and the sink that writes its
//! findings into the store in batches. The attach itself — scan with the caller's scanner
//! (configuration and type filter), each finding stored with its offsets, its original value (in
//! the encrypted store) and the replacement of the caller's style, the cleaned copy, the audit
//! entries, all in one transaction — is `app::review::attach_input`, for both sides.

use std::collections::BTreeMap;
use std::path::Path;

use super::engines::Scanner;
use super::input::StreamStats;
use super::limits::Stopped;
use crate::engine::redact::Style;
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
