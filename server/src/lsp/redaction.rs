//! Planning the redaction of an open document: which findings, which replacements, the hashes
//! the audit log records. A bulk redaction covers what a full scan of exactly the text it edits
//! finds: planned from a fresh scan of a snapshot, or from the index only when it is provably
//! that scan (`Doc::index_is_current`).

use std::collections::BTreeMap;
use std::sync::Arc;

use ropey::Rope;
use sha2::{Digest, Sha256};
use tower_lsp_server::ls_types::{TextEdit, Uri};

use super::document::full_scan;
use super::position::Encoding;
use super::protocol::text_edits;
use super::session::{lock, Session};
use crate::engine::redact::{glued, Edit, Redactor, Style};
use crate::engine::{Engine, Finding};

/// Which findings a redaction covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Type(String),
    Types(Vec<String>),
}

impl Scope {
    pub fn matches(&self, f: &Finding) -> bool {
        match self {
            Scope::All => true,
            Scope::Type(t) => f.kind.id() == t,
            Scope::Types(ts) => ts.iter().any(|t| t == f.kind.id()),
        }
    }
}

/// A redaction of a document: the LSP edits plus what the audit log records (no values).
pub struct Plan {
    pub edits: Vec<TextEdit>,
    pub by_type: BTreeMap<String, usize>,
    pub sha_before: String,
    pub sha_after: String,
}

impl Plan {
    pub fn count(&self) -> usize {
        self.edits.len()
    }
}

/// How a redaction is planned: style, key and the position encoding of its edits.
#[derive(Clone)]
pub struct Planner {
    pub engine: Arc<Engine>,
    pub style: Style,
    pub key: [u8; 32],
    pub enc: Encoding,
}

impl Planner {
    pub fn new(s: &Session, style: Style, key: [u8; 32]) -> Planner {
        Planner {
            engine: s.engine(),
            style,
            key,
            enc: s.enc(),
        }
    }

    /// Plans the redaction of `findings` (of the text in `rope`) in `scope`.
    /// `hashes`: also compute the SHA-256 of the text before and after (for the audit log;
    /// costly on a big document, so not for code actions that may never be applied).
    pub fn plan(&self, rope: &Rope, findings: &[Finding], scope: &Scope, hashes: bool) -> Plan {
        let redactor = Redactor::new(&self.engine, self.style, self.key);
        let mut spans = Vec::new();
        let mut by_type = BTreeMap::new();
        let mut before = Sha256::new();
        let mut after = Sha256::new();
        let mut pos = 0;
        if hashes {
            for chunk in rope.chunks() {
                before.update(chunk.as_bytes());
            }
        }
        let scoped: Vec<Finding> = findings
            .iter()
            .filter(|f| scope.matches(f))
            .cloned()
            .collect();
        // One replacement per finding, unless a replacement could complete a neighbour into a
        // finding (or `partial` could join one): then the engine's plan over the whole text,
        // which covers such neighbours too (Redactor::plan).
        let needs_text =
            self.style == Style::Partial || scoped.iter().any(|f| glued_in(rope, f.start, f.end));
        let edits: Vec<Edit> = if needs_text {
            redactor.plan(&rope.to_string(), &scoped)
        } else {
            scoped
                .iter()
                .map(|f| Edit {
                    start: f.start,
                    end: f.end,
                    replacement: redactor
                        .replacement(f, &rope.byte_slice(f.start..f.end).to_string()),
                })
                .collect()
        };
        for (f, e) in scoped.iter().zip(edits) {
            if hashes {
                for chunk in rope.byte_slice(pos..e.start).chunks() {
                    after.update(chunk.as_bytes());
                }
                after.update(e.replacement.as_bytes());
            }
            pos = e.end;
            *by_type.entry(f.kind.id().to_owned()).or_insert(0) += 1;
            spans.push((e.start, e.end, e.replacement));
        }
        if hashes {
            for chunk in rope.byte_slice(pos..).chunks() {
                after.update(chunk.as_bytes());
            }
        }
        Plan {
            edits: text_edits(rope, self.enc, spans),
            by_type,
            sha_before: hex::encode(before.finalize()),
            sha_after: hex::encode(after.finalize()),
        }
    }
}

/// [`glued`] on the bytes of a rope around `[s, e)` (two each side are all it reads).
fn glued_in(rope: &Rope, s: usize, e: usize) -> bool {
    let lo = s.saturating_sub(2);
    let hi = (e + 2).min(rope.len_bytes());
    let mut b = Vec::with_capacity(s - lo + hi - e);
    b.extend((lo..s).map(|i| rope.byte(i)));
    b.extend((e..hi).map(|i| rope.byte(i)));
    glued(&b, s - lo, s - lo)
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the document is not open")]
    NotOpen,
    #[error("the scan for the redaction failed")]
    Failed,
    #[error("the document kept changing while the redaction was planned; try again")]
    KeptChanging,
}

/// How many times a bulk redaction is planned again when the document changed meanwhile.
const PLAN_ATTEMPTS: usize = 3;

/// Plans a bulk redaction of an open document from a *fresh full scan of the text it edits*,
/// never from the index (which lags behind while edits are being rescanned): the text is
/// snapshotted, scanned and planned off the lock, and the plan is returned only if the document
/// is still at that version (else planned again). Returns the plan and the version it is for.
pub async fn plan_fresh(
    s: &Session,
    uri: &Uri,
    planner: Planner,
    scope: &Scope,
    hashes: bool,
) -> Result<(Plan, i32), PlanError> {
    let scope = scope.clone();
    fresh(s, uri, move |rope, findings| {
        planner.plan(rope, findings, &scope, hashes)
    })
    .await
}

/// The plan from the index, if the index is provably a full scan of the text now
/// (`Doc::index_is_current`: nothing dirty, no scan running); None otherwise (or not open).
pub fn plan_current(s: &Session, uri: &Uri, planner: &Planner, scope: &Scope) -> Option<Plan> {
    let docs = lock(&s.docs);
    let doc = docs.get(uri)?;
    doc.index_is_current()
        .then(|| planner.plan(&doc.rope, doc.findings(), scope, true))
}

/// Runs `f` on a snapshot of the document and a fresh full scan of exactly that text (with the
/// settings' filter), off the async runtime; again if the document changed meanwhile.
pub async fn fresh<T: Send + 'static>(
    s: &Session,
    uri: &Uri,
    f: impl Fn(&Rope, &[Finding]) -> T + Send + Sync + 'static,
) -> Result<(T, i32), PlanError> {
    let f = Arc::new(f);
    for _ in 0..PLAN_ATTEMPTS {
        let snap = s.snapshot(uri).ok_or(PlanError::NotOpen)?;
        let (engine, keep, f) = (s.engine(), s.keep_filter(), f.clone());
        let rope = snap.rope;
        let out = tokio::task::spawn_blocking(move || {
            let text = rope.to_string();
            let mut findings = full_scan(&engine, &text);
            findings.retain(|x| keep(x, x.value(&text)));
            f(&rope, &findings)
        })
        .await
        .map_err(|_| PlanError::Failed)?;
        if s.version(uri) == Some(snap.version) {
            return Ok((out, snap.version));
        }
    }
    Err(PlanError::KeptChanging)
}
