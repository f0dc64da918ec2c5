//! Open documents: text in a rope, the sorted index of findings, and the bookkeeping that lets
//! an edit rescan only what it touched.
//!
//! Edits are applied synchronously in arrival order (see `ordered.rs`); scans run on the blocking
//! pool against a snapshot. A scan result is never published for the version it was computed
//! on if the document moved on: it is rebased through the edits made since (findings those edits
//! touched are dropped, the rest shifted) and the edited regions stay dirty for the next scan.

use std::ops::Range;
use std::sync::Arc;

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, TextDocumentContentChangeEvent};

use super::position::{range_to_span, Encoding, PositionError};
use crate::engine::{Engine, Finding};

/// One applied edit in byte offsets: `[start, old_end)` was replaced by `new_len` bytes.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct EditRec {
    pub start: usize,
    pub old_end: usize,
    pub new_len: usize,
}

impl EditRec {
    fn delta(&self) -> isize {
        self.new_len as isize - (self.old_end - self.start) as isize
    }

    /// Where a position (not inside the edit) moves; inside the edit maps to the edit's end.
    fn map(&self, x: usize) -> usize {
        if x <= self.start {
            x
        } else if x >= self.old_end {
            (x as isize + self.delta()) as usize
        } else {
            self.start + self.new_len
        }
    }
}

/// Drops the findings an edit touches (or abuts: typing next to a value can extend it) and
/// shifts those after it. `findings` is sorted by start and non-overlapping.
pub fn rebase_findings(findings: &mut Vec<Finding>, e: &EditRec) {
    let first = findings.partition_point(|f| f.end < e.start);
    let last = findings.partition_point(|f| f.start <= e.old_end);
    let delta = e.delta();
    if first < last {
        findings.drain(first..last);
    }
    let from = first;
    if delta != 0 {
        for f in &mut findings[from..] {
            f.start = (f.start as isize + delta) as usize;
            f.end = (f.end as isize + delta) as usize;
        }
    }
}

/// Grows a dirty range through an edit: old dirty bytes are mapped, the inserted text is added.
pub fn rebase_dirty(dirty: Option<Range<usize>>, e: &EditRec) -> Range<usize> {
    let ins = e.start..e.start + e.new_len;
    match dirty {
        None => ins,
        Some(d) => {
            let s = e.map(d.start).min(ins.start);
            let en = e.map(d.end).max(ins.end);
            s..en
        }
    }
}

pub struct Doc {
    pub version: i32,
    pub language_id: String,
    pub rope: Rope,
    /// False while the rope of a just-opened document is being built.
    pub rope_ready: bool,
    /// Does this document get scanned (language id `log` or a matching glob)?
    pub tracked: bool,
    /// Sorted by start, non-overlapping, in the current text's coordinates.
    pub findings: Vec<Finding>,
    /// Bytes changed since the last merged scan (current coordinates).
    pub dirty: Option<Range<usize>>,
    /// True until a full scan has been merged (first scan, or after a configuration change).
    pub needs_full: bool,
    /// A full scan is running: don't start another, its merge marks later edits dirty.
    pub full_inflight: bool,
    /// Edits made while scans are in flight, so their results can be rebased.
    pub edit_log: Vec<EditRec>,
    pub inflight: usize,
    /// Bumped by each edit/schedule: a debounced scan only runs if it is still the latest.
    pub generation: u64,
    /// The version whose findings were last published (for `data.version`).
    pub scanned_version: Option<i32>,
    /// The text given with didOpen, kept until the first full scan so it needs no rope copy.
    pub open_text: Option<Arc<String>>,
    /// Bumped when the configuration changes: results of scans started before are dropped
    /// (they used the old engine or settings).
    pub epoch: u64,
    /// The store's log_file id once attached with `tftsr.attachToIssue` (audit entity).
    pub attached_log_file: Option<String>,
}

impl Doc {
    pub fn new(text: String, version: i32, language_id: String, tracked: bool) -> Doc {
        let mut doc = Doc::pending(Arc::new(text), version, language_id, tracked);
        doc.rope = Rope::from_str(doc.open_text.as_deref().map_or("", |t| t.as_str()));
        doc.rope_ready = true;
        doc
    }

    /// A document whose rope is still being built (see `Backend::open_sync`): only a full scan
    /// of `open_text` may run until `rope_ready`.
    pub fn pending(text: Arc<String>, version: i32, language_id: String, tracked: bool) -> Doc {
        Doc {
            version,
            language_id,
            rope: Rope::new(),
            rope_ready: false,
            tracked,
            findings: Vec::new(),
            dirty: None,
            needs_full: true,
            full_inflight: false,
            edit_log: Vec::new(),
            inflight: 0,
            generation: 0,
            scanned_version: None,
            open_text: Some(text),
            attached_log_file: None,
            epoch: 0,
        }
    }

    /// Applies a didChange's content changes atomically: all of them, or (on any bad range)
    /// none, leaving the document exactly as it was.
    pub fn apply_changes(
        &mut self,
        version: i32,
        changes: &[TextDocumentContentChangeEvent],
        enc: Encoding,
    ) -> Result<(), PositionError> {
        // Cloning a rope is O(1) (shared nodes): the atomic all-or-nothing is cheap.
        let mut rope = self.rope.clone();
        let mut recs = Vec::with_capacity(changes.len());
        let mut full_text = false;
        for ch in changes {
            match ch.range {
                Some(range) => {
                    let span = range_to_span(&rope, range, enc)?;
                    let cs = rope.byte_to_char(span.start);
                    let ce = rope.byte_to_char(span.end);
                    rope.remove(cs..ce);
                    rope.insert(cs, &ch.text);
                    recs.push(EditRec {
                        start: span.start,
                        old_end: span.end,
                        new_len: ch.text.len(),
                    });
                }
                None => {
                    rope = Rope::from_str(&ch.text);
                    full_text = true;
                    recs.clear();
                }
            }
        }
        self.rope = rope;
        self.version = version;
        self.open_text = None;
        if full_text {
            self.findings.clear();
            self.dirty = None;
            self.needs_full = true;
            // Results of scans in flight cannot be rebased across a full replacement.
            self.edit_log.push(EditRec {
                start: 0,
                old_end: usize::MAX / 4,
                new_len: 0,
            });
        }
        for r in recs {
            rebase_findings(&mut self.findings, &r);
            if !self.needs_full {
                self.dirty = Some(rebase_dirty(self.dirty.take(), &r));
            }
            if self.inflight > 0 {
                self.edit_log.push(r);
            }
        }
        Ok(())
    }

    /// Text of the whole document (a copy for the rope, the didOpen text when still unchanged).
    pub fn full_text(&self) -> Arc<String> {
        match &self.open_text {
            Some(t) => t.clone(),
            None => Arc::new(self.rope.to_string()),
        }
    }

    /// Findings overlapping `[start, end]` (a cursor is `start == end`): binary search.
    pub fn findings_at(&self, start: usize, end: usize) -> &[Finding] {
        let first = self.findings.partition_point(|f| f.end < start);
        let last = self.findings.partition_point(|f| f.start <= end);
        &self.findings[first..last.max(first)]
    }

    /// The matched text of a finding (for the redactor and fingerprints; never logged).
    pub fn value(&self, f: &Finding) -> String {
        self.rope.byte_slice(f.start..f.end).to_string()
    }

    pub fn position_to_offset(&self, p: Position, enc: Encoding) -> Result<usize, PositionError> {
        super::position::position_to_offset(&self.rope, p, enc)
    }
}

/// What a scan job needs, taken under the documents lock, run off the async runtime.
pub struct ScanJob {
    pub version: i32,
    pub epoch: u64,
    pub log_pos: usize,
    pub kind: JobKind,
}

pub enum JobKind {
    Full(Arc<String>),
    Partial {
        /// Text window around the dirty range and its start offset in the document.
        window: String,
        window_start: usize,
        dirty: Range<usize>,
        /// The rope, for the rare fallback to the whole text.
        rope: Rope,
    },
}

pub struct ScanResult {
    /// Range (snapshot coordinates) whose old findings are replaced.
    pub range: Range<usize>,
    pub findings: Vec<Finding>,
}

/// Window margin around a dirty range: wide enough for any PEM block the engine widens to.
const WINDOW_MARGIN: usize = 64 * 1024;
/// Documents above this are scanned in parallel line-aligned chunks.
const PARALLEL_CHUNK: usize = 2 * 1024 * 1024;

impl ScanJob {
    /// Builds the job for the document's current state (full or dirty part), or None.
    pub fn take(doc: &mut Doc) -> Option<ScanJob> {
        if !doc.tracked {
            return None;
        }
        let log_pos = doc.edit_log.len();
        let kind = if doc.needs_full {
            if doc.full_inflight {
                return None;
            }
            doc.full_inflight = true;
            JobKind::Full(doc.full_text())
        } else {
            let dirty = doc.dirty.take()?;
            let len = doc.rope.len_bytes();
            let dirty = dirty.start.min(len)..dirty.end.min(len);
            let ws_line = doc
                .rope
                .byte_to_line(dirty.start.saturating_sub(WINDOW_MARGIN));
            let we_line = doc.rope.byte_to_line((dirty.end + WINDOW_MARGIN).min(len));
            let ws = doc.rope.line_to_byte(ws_line);
            let we = if we_line + 1 >= doc.rope.len_lines() {
                len
            } else {
                doc.rope.line_to_byte(we_line + 1)
            };
            JobKind::Partial {
                window: doc.rope.byte_slice(ws..we).to_string(),
                window_start: ws,
                dirty,
                rope: doc.rope.clone(),
            }
        };
        doc.inflight += 1;
        Some(ScanJob {
            version: doc.version,
            epoch: doc.epoch,
            log_pos,
            kind,
        })
    }

    /// Runs the scan (blocking; call from the blocking pool). `keep(finding, value)` filters
    /// (disabled types, allowlisted fingerprints).
    pub fn run(
        self,
        engine: &Engine,
        keep: &(dyn Fn(&Finding, &str) -> bool + Sync),
    ) -> ScanResult {
        match self.kind {
            JobKind::Full(text) => {
                let mut findings = full_scan(engine, &text);
                findings.retain(|f| keep(f, f.value(&text)));
                ScanResult {
                    range: 0..text.len(),
                    findings,
                }
            }
            JobKind::Partial {
                window,
                window_start,
                dirty,
                rope,
            } => {
                let local = dirty.start - window_start..dirty.end - window_start;
                let (w, mut fs) = engine.scan_range(&window, local.clone());
                let doc_len = rope.len_bytes();
                // The window holds whole lines and at least PEM_MAX (64 KiB) on each side of the
                // dirty lines, so any PEM block touching them fits. Only a widening *past* the
                // dirty lines that reaches the window's edge means something may be cut off
                // (a very long line alone does not).
                let line_start = window[..local.start].rfind('\n').map_or(0, |i| i + 1);
                let line_end = window[local.end..]
                    .find('\n')
                    .map_or(window.len(), |i| local.end + i + 1);
                let hits_edge = (w.start == 0 && w.start < line_start && window_start > 0)
                    || (w.end >= window.len()
                        && w.end > line_end
                        && window_start + window.len() < doc_len);
                if hits_edge {
                    // A construct (or a huge line) reaches the window's edge: scan with the
                    // whole text so the engine can widen as far as it needs.
                    let text = rope.to_string();
                    let (range, mut findings) = engine.scan_range(&text, dirty);
                    findings.retain(|f| keep(f, f.value(&text)));
                    ScanResult { range, findings }
                } else {
                    fs.retain(|f| keep(f, f.value(&window)));
                    for f in &mut fs {
                        f.start += window_start;
                        f.end += window_start;
                    }
                    ScanResult {
                        range: w.start + window_start..w.end + window_start,
                        findings: fs,
                    }
                }
            }
        }
    }
}

/// Whole-text scan; big texts in parallel line-aligned chunks (each chunk via `scan_range`, which
/// widens over any PEM block crossing a chunk border; duplicates from that are dropped).
pub fn full_scan(engine: &Engine, text: &str) -> Vec<Finding> {
    use rayon::prelude::*;
    if text.len() <= PARALLEL_CHUNK {
        return engine.scan(text);
    }
    let mut bounds = vec![0];
    let mut pos = 0;
    while pos < text.len() {
        let target = (pos + PARALLEL_CHUNK).min(text.len());
        let next = match text[target..].find('\n') {
            Some(i) => target + i + 1,
            None => text.len(),
        };
        bounds.push(next);
        pos = next;
    }
    let parts: Vec<Vec<Finding>> = bounds
        .par_windows(2)
        .map(|w| engine.scan_range(text, w[0]..w[1]).1)
        .collect();
    let mut out: Vec<Finding> = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        for f in part {
            if out.last().is_some_and(|l| f.start < l.end) {
                continue;
            }
            out.push(f);
        }
    }
    out
}

/// Merges a scan result into the document, rebasing it through the edits made since the
/// snapshot. Returns false if nothing could be merged (a full replacement happened since).
pub fn merge(
    doc: &mut Doc,
    job_log_pos: usize,
    job_epoch: u64,
    was_full: bool,
    mut res: ScanResult,
) -> bool {
    doc.inflight = doc.inflight.saturating_sub(1);
    if was_full {
        doc.full_inflight = false;
    }
    let later: Vec<EditRec> = doc.edit_log.get(job_log_pos..).unwrap_or(&[]).to_vec();
    if doc.inflight == 0 {
        doc.edit_log.clear();
    }
    if job_epoch != doc.epoch || later.iter().any(|e| e.old_end >= usize::MAX / 4) {
        return false;
    }
    let mut range = res.range.clone();
    for e in &later {
        rebase_findings(&mut res.findings, e);
        range = e.map(range.start).min(e.start)..e.map(range.end).max(e.start + e.new_len);
    }
    if was_full {
        doc.findings = res.findings;
        doc.needs_full = false;
        // The didOpen text has served its purpose: don't keep a second copy of a big log.
        doc.open_text = None;
        // Edits since the snapshot are in `dirty` only if needs_full was already false; mark
        // them now so the next partial scan covers them.
        for e in &later {
            doc.dirty = Some(rebase_dirty(doc.dirty.take(), e));
        }
    } else {
        let first = doc.findings.partition_point(|f| f.end <= range.start);
        let last = doc.findings.partition_point(|f| f.start < range.end);
        doc.findings.splice(first..last.max(first), res.findings);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PiiType;

    fn f(s: usize, e: usize) -> Finding {
        Finding::new(PiiType::Email, s, e)
    }

    #[test]
    fn rebase_drops_touched_and_shifts_later() {
        let mut v = vec![f(0, 5), f(10, 15), f(20, 25), f(30, 35)];
        // insert 3 bytes at 15 (abutting the second finding)
        rebase_findings(
            &mut v,
            &EditRec {
                start: 15,
                old_end: 15,
                new_len: 3,
            },
        );
        assert_eq!(v, vec![f(0, 5), f(23, 28), f(33, 38)]);
        // delete [24, 34): touches both remaining later findings
        rebase_findings(
            &mut v,
            &EditRec {
                start: 24,
                old_end: 34,
                new_len: 0,
            },
        );
        assert_eq!(v, vec![f(0, 5)]);
    }

    #[test]
    fn dirty_grows_through_edits() {
        let e1 = EditRec {
            start: 10,
            old_end: 10,
            new_len: 1,
        };
        let d = rebase_dirty(None, &e1);
        assert_eq!(d, 10..11);
        let e2 = EditRec {
            start: 0,
            old_end: 2,
            new_len: 0,
        };
        assert_eq!(rebase_dirty(Some(d), &e2), 0..9);
    }

    #[test]
    fn incremental_equals_full_scan_after_edits() {
        let engine = Engine::with_defaults();
        let text = "a b\nline two bob@example.org\nthird\n".repeat(50);
        let mut doc = Doc::new(text, 0, "log".into(), true);
        let job = ScanJob::take(&mut doc).unwrap();
        let res = job.run(&engine, &|_, _| true);
        assert!(merge(&mut doc, 0, 0, true, res));
        // type an e-mail on one line char by char, scanning every few edits
        let enc = Encoding::Utf16;
        for (i, ch) in " carol@corp.example.com".chars().enumerate() {
            let change = TextDocumentContentChangeEvent {
                range: Some(tower_lsp_server::ls_types::Range::new(
                    Position::new(39, 3 + i as u32),
                    Position::new(39, 3 + i as u32),
                )),
                range_length: None,
                text: ch.to_string(),
            };
            doc.apply_changes(i as i32 + 1, &[change], enc).unwrap();
            if i % 4 == 0 {
                let job = ScanJob::take(&mut doc).unwrap();
                let pos = job.log_pos;
                let res = job.run(&engine, &|_, _| true);
                assert!(merge(&mut doc, pos, 0, false, res));
            }
        }
        if let Some(job) = ScanJob::take(&mut doc) {
            let pos = job.log_pos;
            let res = job.run(&engine, &|_, _| true);
            merge(&mut doc, pos, 0, false, res);
        }
        let full = engine.scan(&doc.rope.to_string());
        assert_eq!(doc.findings, full);
        // 50 lines of `bob@example.org`, plus the one typed char by char
        assert!(
            full.iter()
                .any(|f| doc.value(f) == "carol@corp.example.com"),
            "{full:?}"
        );
        assert_eq!(full.len(), 51);
    }

    #[test]
    fn results_from_before_a_config_change_are_dropped() {
        let engine = Engine::with_defaults();
        let mut doc = Doc::new("x bob@example.org\n".into(), 0, "log".into(), true);
        let job = ScanJob::take(&mut doc).unwrap();
        assert!(ScanJob::take(&mut doc).is_none(), "one full scan at a time");
        let epoch = job.epoch;
        let res = job.run(&engine, &|_, _| true);
        // configuration changed while it ran
        doc.epoch += 1;
        assert!(!merge(&mut doc, 0, epoch, true, res));
        assert!(doc.needs_full && !doc.full_inflight && doc.findings.is_empty());
        let job = ScanJob::take(&mut doc).unwrap();
        let (pos, epoch) = (job.log_pos, job.epoch);
        let res = job.run(&engine, &|_, _| true);
        assert!(merge(&mut doc, pos, epoch, true, res));
        assert_eq!(doc.findings.len(), 1);
    }

    /// Edits at `(line, col)` (UTF-16), then one incremental scan: must equal a full scan.
    fn edit_and_check(doc: &mut Doc, engine: &Engine, line: u32, col: u32, text: &str) {
        let change = TextDocumentContentChangeEvent {
            range: Some(tower_lsp_server::ls_types::Range::new(
                Position::new(line, col),
                Position::new(line, col),
            )),
            range_length: None,
            text: text.into(),
        };
        doc.apply_changes(doc.version + 1, &[change], Encoding::Utf16)
            .unwrap();
        let job = ScanJob::take(doc).unwrap();
        let (pos, epoch) = (job.log_pos, job.epoch);
        let res = job.run(engine, &|_, _| true);
        assert!(merge(doc, pos, epoch, false, res));
        assert_eq!(doc.findings, engine.scan(&doc.rope.to_string()));
    }

    #[test]
    fn incremental_pem_blocks_and_long_lines() {
        let engine = Engine::with_defaults();
        let body: String = (0..20)
            .map(|i| format!("MIIEowIBAAKCAQEA{i:02}q3ZQk1Jf8rYV0tq1rXqGd4nHnE7Qv0o2wzWw8Yx5Ks\n"))
            .collect();
        let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n");
        let filler = "2024-01-01 INFO nothing to see here\n".repeat(3000);
        let long_line = format!(
            "{} eve@example.com {}\n",
            "a".repeat(100_000),
            "b".repeat(100_000)
        );
        let text = format!("{filler}{pem}{filler}{long_line}{filler}");
        let mut doc = Doc::new(text, 0, "log".into(), true);
        let job = ScanJob::take(&mut doc).unwrap();
        let res = job.run(&engine, &|_, _| true);
        assert!(merge(&mut doc, 0, 0, true, res));
        let full = engine.scan(&doc.rope.to_string());
        assert_eq!(doc.findings, full);
        assert!(
            full.iter().any(|f| f.kind.id() == "private_key"),
            "{full:?}"
        );
        // inside the PEM body, on its END line, right after it, on the long line
        edit_and_check(&mut doc, &engine, 3010, 5, "x");
        edit_and_check(&mut doc, &engine, 3021, 3, "-");
        edit_and_check(&mut doc, &engine, 3022, 0, "y");
        edit_and_check(&mut doc, &engine, 6022, 150_000, "z");
        edit_and_check(&mut doc, &engine, 6022, 100_005, " fay@example.org ");
    }

    #[test]
    fn bad_range_leaves_document_unchanged() {
        let mut doc = Doc::new("abc\n".into(), 0, "log".into(), true);
        let ok = TextDocumentContentChangeEvent {
            range: Some(tower_lsp_server::ls_types::Range::new(
                Position::new(0, 0),
                Position::new(0, 0),
            )),
            range_length: None,
            text: "X".into(),
        };
        let bad = TextDocumentContentChangeEvent {
            range: Some(tower_lsp_server::ls_types::Range::new(
                Position::new(9, 0),
                Position::new(9, 1),
            )),
            range_length: None,
            text: "Y".into(),
        };
        assert!(doc.apply_changes(1, &[ok, bad], Encoding::Utf16).is_err());
        assert_eq!(doc.rope.to_string(), "abc\n");
        assert_eq!(doc.version, 0);
    }
}
