//! Open documents: text in a rope, the sorted index of findings, and the bookkeeping that lets
//! an edit rescan only what it touched.
//!
//! # Why the index always converges on a full scan
//!
//! The state of a document is its text `T`, its index `F` (sorted findings) and a *dirty set*
//! `D` (byte ranges whose findings are not known). The invariant: outside the engine's widening
//! of `D` (whole lines, plus any PEM block), `F` holds exactly the findings a full scan of `T`
//! would report. Every operation keeps it:
//!
//! - **An edit** drops the findings it touches (and those it abuts: typing next to a value can
//!   extend it), shifts the later ones, and adds to `D` the inserted text *and the whole extent
//!   of every finding it dropped* (a PEM block broken on one line changes what its other lines
//!   hold). Findings on lines it does not touch are unaffected: a finding never crosses a line
//!   end except inside a PEM block, and those are covered by the extents and the widening.
//! - **A scan** takes `D` (leaving it empty) and rescans the engine's widening of it. At most one
//!   scan of the current epoch runs per document, so while it runs nothing but edits changes the
//!   document: its result can only be older than the edits made since, never than another merge.
//! - **A merge** rebases the result through the edits made since the snapshot (dropping what
//!   they touched, adding the dropped extents to `D`) and replaces in `F` exactly the range the
//!   scan covered, mapped through those edits. The edits themselves are already in `D`, so
//!   whatever they changed is rescanned next; anything removed from `F` without a replacement has
//!   its extent added to `D`.
//! - **A new epoch** (configuration change, full-text replacement) empties `F` and `D` and asks
//!   for a full scan; results of scans started before are ignored when they arrive.
//!
//! So once `D` is empty, no full scan is pending and no scan is running, `F` is a full scan of
//! `T` (`Doc::index_is_current`); only then are diagnostics published. The property test in
//! `server/tests/lsp/incremental.rs` drives random interleavings against a full scan.

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

    fn new_end(&self) -> usize {
        self.start + self.new_len
    }

    /// Does the edit touch (overlap or abut) `[start, end]`?
    fn touches(&self, start: usize, end: usize) -> bool {
        end >= self.start && start <= self.old_end
    }

    /// Maps a range through the edit: a range the edit does not touch is shifted (or kept), one
    /// it touches grows to cover the inserted text.
    pub fn map_range(&self, r: Range<usize>) -> Range<usize> {
        if r.end < self.start {
            r
        } else if r.start > self.old_end {
            let d = self.delta();
            (r.start as isize + d) as usize..(r.end as isize + d) as usize
        } else {
            let end = if r.end >= self.old_end {
                (r.end as isize + self.delta()) as usize
            } else {
                self.new_end()
            };
            r.start.min(self.start)..end.max(self.new_end())
        }
    }
}

/// Byte ranges of a document whose findings are unknown: sorted, disjoint, never touching
/// (touching ranges are merged). Empty ranges count (a deletion leaves one where it happened).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dirty(Vec<Range<usize>>);

/// More ranges than this are merged into one (a bigger rescan, but bounded bookkeeping).
const MAX_DIRTY_RANGES: usize = 256;

impl Dirty {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn ranges(&self) -> &[Range<usize>] {
        &self.0
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn take(&mut self) -> Vec<Range<usize>> {
        std::mem::take(&mut self.0)
    }

    pub fn add(&mut self, r: Range<usize>) {
        let v = &mut self.0;
        // First range that ends at or after r.start (could touch r), last that starts at or
        // before r.end.
        let first = v.partition_point(|x| x.end < r.start);
        let last = v.partition_point(|x| x.start <= r.end);
        if first < last {
            let s = v[first].start.min(r.start);
            let e = v[last - 1].end.max(r.end);
            v.splice(first..last, std::iter::once(s..e));
        } else {
            v.insert(first, r);
        }
        if v.len() > MAX_DIRTY_RANGES {
            let hull = v[0].start..v[v.len() - 1].end;
            v.clear();
            v.push(hull);
        }
    }

    /// Maps every range through an edit (a range it touches grows over the inserted text).
    pub fn map(&mut self, e: &EditRec) {
        let old = std::mem::take(&mut self.0);
        for r in old {
            self.add(e.map_range(r));
        }
    }

    /// Maps every range through an edit, then adds the edit's inserted text.
    pub fn rebase(&mut self, e: &EditRec) {
        self.map(e);
        self.add(e.start..e.new_end());
    }

    pub fn extend(&mut self, other: Dirty) {
        for r in other.0 {
            self.add(r);
        }
    }
}

/// Drops the findings an edit touches (or abuts) and shifts those after it; the extent of each
/// dropped finding (mapped through the edit) becomes dirty. `findings` is sorted by start and
/// non-overlapping.
pub fn rebase_findings(findings: &mut Vec<Finding>, e: &EditRec, dirty: &mut Dirty) {
    let first = findings.partition_point(|f| f.end < e.start);
    let last = findings.partition_point(|f| f.start <= e.old_end);
    let delta = e.delta();
    if first < last {
        for f in findings.drain(first..last) {
            debug_assert!(e.touches(f.start, f.end));
            dirty.add(e.map_range(f.start..f.end));
        }
    }
    if delta != 0 {
        for f in &mut findings[first..] {
            f.start = (f.start as isize + delta) as usize;
            f.end = (f.end as isize + delta) as usize;
        }
    }
}

/// The scan of the current epoch that is running, and the edits made since its snapshot.
#[derive(Clone, Debug)]
struct Inflight {
    id: u64,
    edits: Vec<EditRec>,
}

#[derive(Clone)]
pub struct Doc {
    pub version: i32,
    pub language_id: String,
    pub rope: Rope,
    /// False while the rope of a just-opened document is being built.
    pub rope_ready: bool,
    /// Does this document get scanned (language id `log` or a matching glob)?
    pub tracked: bool,
    /// Sorted by start, non-overlapping, in the current text's coordinates.
    findings: Vec<Finding>,
    /// Bytes whose findings are unknown (current coordinates).
    dirty: Dirty,
    /// True until a full scan has been merged (first scan, or after a new epoch).
    needs_full: bool,
    /// The one scan of the current epoch allowed to run (see the module header).
    inflight: Option<Inflight>,
    next_job: u64,
    /// Bumped by each edit/schedule: a debounced scan only runs if it is still the latest.
    pub generation: u64,
    /// The version whose findings were last published (for `data.version`).
    pub scanned_version: Option<i32>,
    /// The text given with didOpen, kept until the first full scan so it needs no rope copy.
    open_text: Option<Arc<String>>,
    /// Bumped when the configuration changes or the whole text is replaced: results of scans
    /// started before are dropped (they used the old engine, settings or text).
    epoch: u64,
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
            dirty: Dirty::default(),
            needs_full: true,
            inflight: None,
            next_job: 0,
            generation: 0,
            scanned_version: None,
            open_text: Some(text),
            attached_log_file: None,
            epoch: 0,
        }
    }

    /// The findings index (sorted, non-overlapping). Only a full scan of the text when
    /// [`Doc::index_is_current`]; between edits and their rescans it may lag behind.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Test support: sets the index directly (for serialization tests).
    #[doc(hidden)]
    pub fn set_findings_for_test(&mut self, findings: Vec<Finding>) {
        self.findings = findings;
        self.needs_full = false;
        self.dirty.clear();
        self.inflight = None;
    }

    pub fn dirty(&self) -> &Dirty {
        &self.dirty
    }

    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// True when the index is exactly a full scan of the current text (nothing dirty, no full
    /// scan pending, no scan running): see the module header.
    pub fn index_is_current(&self) -> bool {
        !self.needs_full && self.dirty.is_empty() && self.inflight.is_none()
    }

    /// Is a scan of the current epoch running?
    pub fn scan_running(&self) -> bool {
        self.inflight.is_some()
    }

    /// Is there anything to scan (a full scan pending or dirty bytes)?
    pub fn wants_scan(&self) -> bool {
        self.tracked && (self.needs_full || !self.dirty.is_empty())
    }

    /// Starts a new epoch: the configuration changed (or the whole text was replaced). The index
    /// is emptied, a full scan is needed, and the results of scans running now will be ignored.
    pub fn new_epoch(&mut self) {
        self.epoch += 1;
        self.findings.clear();
        self.dirty.clear();
        self.needs_full = true;
        self.inflight = None;
    }

    /// A scan failed (its task panicked): forget it and ask for a full scan.
    pub fn scan_failed(&mut self, job_id: u64, job_epoch: u64) {
        if job_epoch == self.epoch && self.inflight.as_ref().is_some_and(|i| i.id == job_id) {
            self.inflight = None;
            self.needs_full = true;
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
            // Nothing of the old index or of scans running can be rebased across it.
            self.new_epoch();
        }
        for r in recs {
            self.edit(r);
        }
        Ok(())
    }

    /// Records one applied edit in the index, the dirty set and the running scan's log.
    fn edit(&mut self, r: EditRec) {
        // Map the dirty set first: the extents the edit drops are in post-edit coordinates.
        self.dirty.rebase(&r);
        rebase_findings(&mut self.findings, &r, &mut self.dirty);
        if let Some(i) = &mut self.inflight {
            i.edits.push(r);
        }
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
    pub id: u64,
    pub version: i32,
    pub epoch: u64,
    pub kind: JobKind,
}

pub enum JobKind {
    Full(Arc<String>),
    Partial {
        /// The text at the snapshot (an O(1) clone) and the dirty ranges taken from it.
        rope: Rope,
        dirty: Vec<Range<usize>>,
    },
}

/// A scanned range (snapshot coordinates) and every finding of a full scan inside it.
#[derive(Clone, Debug)]
pub struct Piece {
    pub range: Range<usize>,
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug)]
pub struct ScanResult {
    pub id: u64,
    pub epoch: u64,
    pub full: bool,
    /// Sorted, disjoint.
    pub pieces: Vec<Piece>,
}

impl ScanResult {
    pub fn findings(&self) -> usize {
        self.pieces.iter().map(|p| p.findings.len()).sum()
    }
}

/// Window margin around a dirty range: wide enough for any PEM block the engine widens to.
const WINDOW_MARGIN: usize = 64 * 1024;
/// Dirty ranges closer than this are scanned as one (one window instead of two overlapping).
const COALESCE_GAP: usize = 4 * 1024;
/// Documents above this are scanned in parallel line-aligned chunks.
const PARALLEL_CHUNK: usize = 2 * 1024 * 1024;

impl ScanJob {
    /// Builds the job for the document's current state (full or dirty part), or None when there
    /// is nothing to scan or a scan of this epoch is already running (its merge asks again).
    pub fn take(doc: &mut Doc) -> Option<ScanJob> {
        if !doc.tracked || doc.inflight.is_some() {
            return None;
        }
        let kind = if doc.needs_full {
            // Edits from here on are in `dirty` and the running scan's log.
            doc.dirty.clear();
            JobKind::Full(doc.full_text())
        } else {
            if doc.dirty.is_empty() || !doc.rope_ready {
                return None;
            }
            JobKind::Partial {
                rope: doc.rope.clone(),
                dirty: doc.dirty.take(),
            }
        };
        doc.next_job += 1;
        let id = doc.next_job;
        doc.inflight = Some(Inflight {
            id,
            edits: Vec::new(),
        });
        Some(ScanJob {
            id,
            version: doc.version,
            epoch: doc.epoch,
            kind,
        })
    }

    pub fn is_full(&self) -> bool {
        matches!(self.kind, JobKind::Full(_))
    }

    /// Runs the scan (blocking; call from the blocking pool). `keep(finding, value)` filters
    /// (disabled types, allowlisted fingerprints).
    pub fn run(
        self,
        engine: &Engine,
        keep: &(dyn Fn(&Finding, &str) -> bool + Sync),
    ) -> ScanResult {
        let full = self.is_full();
        let pieces = match self.kind {
            JobKind::Full(text) => {
                let mut findings = full_scan(engine, &text);
                findings.retain(|f| keep(f, f.value(&text)));
                vec![Piece {
                    range: 0..text.len(),
                    findings,
                }]
            }
            JobKind::Partial { rope, dirty } => scan_dirty(engine, keep, &rope, &dirty),
        };
        ScanResult {
            id: self.id,
            epoch: self.epoch,
            full,
            pieces,
        }
    }
}

/// Rescans the dirty ranges of a snapshot: each group of nearby ranges in a window of whole
/// lines around it (not the whole text), widened by the engine as far as its constructs need.
fn scan_dirty(
    engine: &Engine,
    keep: &(dyn Fn(&Finding, &str) -> bool + Sync),
    rope: &Rope,
    dirty: &[Range<usize>],
) -> Vec<Piece> {
    let len = rope.len_bytes();
    let mut groups: Vec<Range<usize>> = Vec::new();
    for r in dirty {
        // The line holding the first byte *after* a changed range changed too: inserting a line
        // end gives the rest of the line a new beginning (`org.p⏎assword=` is no password).
        // Reaching one character past the range makes the engine's widening include it.
        let end = r.end.min(len);
        let end = if end < len {
            rope.char_to_byte(rope.byte_to_char(end) + 1)
        } else {
            end
        };
        let r = r.start.min(end)..end;
        match groups.last_mut() {
            Some(g) if r.start <= g.end + COALESCE_GAP => g.end = g.end.max(r.end),
            _ => groups.push(r),
        }
    }
    let mut pieces: Vec<Piece> = Vec::with_capacity(groups.len());
    let mut whole: Option<String> = None;
    for g in groups {
        let piece = scan_group(engine, keep, rope, g, &mut whole);
        // Widened ranges of neighbouring groups may overlap (one long line, one PEM block):
        // both are exact there, so the union is.
        match pieces.last_mut() {
            Some(last) if piece.range.start < last.range.end => {
                let end = last.range.end;
                last.findings
                    .extend(piece.findings.into_iter().filter(|f| f.start >= end));
                last.range.end = end.max(piece.range.end);
            }
            _ => pieces.push(piece),
        }
    }
    pieces
}

fn scan_group(
    engine: &Engine,
    keep: &(dyn Fn(&Finding, &str) -> bool + Sync),
    rope: &Rope,
    dirty: Range<usize>,
    whole: &mut Option<String>,
) -> Piece {
    let len = rope.len_bytes();
    let ws_line = rope.byte_to_line(dirty.start.saturating_sub(WINDOW_MARGIN));
    let we_line = rope.byte_to_line((dirty.end + WINDOW_MARGIN).min(len));
    let ws = rope.line_to_byte(ws_line);
    let we = if we_line + 1 >= rope.len_lines() {
        len
    } else {
        rope.line_to_byte(we_line + 1)
    };
    let window = rope.byte_slice(ws..we).to_string();
    let local = dirty.start - ws..dirty.end - ws;
    let (w, mut fs) = engine.scan_range(&window, local.clone());
    // The window holds whole lines and at least PEM_MAX (64 KiB) on each side of the dirty
    // lines, so any PEM block touching them fits. Only a widening *past* the dirty lines that
    // reaches the window's edge means something may be cut off (a very long line alone does not).
    let line_start = window[..local.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = window[local.end..]
        .find('\n')
        .map_or(window.len(), |i| local.end + i + 1);
    let hits_edge = (w.start == 0 && w.start < line_start && ws > 0)
        || (w.end >= window.len() && w.end > line_end && we < len);
    if hits_edge {
        // A construct reaches the window's edge: scan with the whole text so the engine can
        // widen as far as it needs.
        let text = whole.get_or_insert_with(|| rope.to_string());
        let (range, mut findings) = engine.scan_range(text, dirty);
        findings.retain(|f| keep(f, f.value(text)));
        Piece { range, findings }
    } else {
        fs.retain(|f| keep(f, f.value(&window)));
        for f in &mut fs {
            f.start += ws;
            f.end += ws;
        }
        Piece {
            range: w.start + ws..w.end + ws,
            findings: fs,
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

/// What a merge did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merged {
    /// The result was of an older epoch or not the running scan: ignored.
    Stale,
    /// Merged; the index is now a full scan of the text (publish it).
    Current,
    /// Merged; edits made meanwhile (or a full scan) still need scanning.
    Pending,
}

/// Merges a scan result into the document, rebasing it through the edits made since the
/// snapshot (see the module header for why the result is then exact).
pub fn merge(doc: &mut Doc, res: ScanResult) -> Merged {
    if res.epoch != doc.epoch || doc.inflight.as_ref().is_none_or(|i| i.id != res.id) {
        return Merged::Stale;
    }
    let later = doc.inflight.take().map(|i| i.edits).unwrap_or_default();
    // Extents of result findings the later edits dropped, kept in step with the edits (an
    // extent dropped by the first must still be mapped through the others).
    let mut dropped = Dirty::default();
    let mut rebase = |findings: &mut Vec<Finding>, range: &mut Range<usize>| {
        for e in &later {
            dropped.map(e);
            rebase_findings(findings, e, &mut dropped);
            *range = e.map_range(range.clone());
        }
    };
    if res.full {
        let mut findings = res
            .pieces
            .into_iter()
            .next()
            .map_or(Vec::new(), |p| p.findings);
        rebase(&mut findings, &mut (0..0));
        doc.findings = findings;
        doc.needs_full = false;
        // The didOpen text has served its purpose: don't keep a second copy of a big log.
        doc.open_text = None;
    } else {
        for piece in res.pieces {
            let mut range = piece.range;
            let mut findings = piece.findings;
            rebase(&mut findings, &mut range);
            let first = doc.findings.partition_point(|f| f.end <= range.start);
            let last = doc
                .findings
                .partition_point(|f| f.start < range.end)
                .max(first);
            // A finding only partly inside the range can't be told from its replacement: what
            // it covered outside is rescanned.
            for f in [first, last.wrapping_sub(1)] {
                if let Some(f) = doc.findings.get(f).filter(|_| first < last) {
                    if f.start < range.start || f.end > range.end {
                        let r = f.start..f.end;
                        doc.dirty.add(r);
                    }
                }
            }
            doc.findings.splice(first..last, findings);
        }
    }
    doc.dirty.extend(dropped);
    if doc.index_is_current() {
        Merged::Current
    } else {
        Merged::Pending
    }
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // lists of ranges, one long
mod tests {
    use super::*;
    use crate::engine::PiiType;

    fn f(s: usize, e: usize) -> Finding {
        Finding::new(PiiType::Email, s, e)
    }

    #[test]
    fn rebase_drops_touched_and_shifts_later() {
        let mut v = vec![f(0, 5), f(10, 15), f(20, 25), f(30, 35)];
        let mut d = Dirty::default();
        // insert 3 bytes at 15 (abutting the second finding)
        rebase_findings(
            &mut v,
            &EditRec {
                start: 15,
                old_end: 15,
                new_len: 3,
            },
            &mut d,
        );
        assert_eq!(v, vec![f(0, 5), f(23, 28), f(33, 38)]);
        assert_eq!(d.ranges(), &[10..18]);
        // delete [24, 34): touches both remaining later findings
        rebase_findings(
            &mut v,
            &EditRec {
                start: 24,
                old_end: 34,
                new_len: 0,
            },
            &mut d,
        );
        assert_eq!(v, vec![f(0, 5)]);
        assert_eq!(d.ranges(), &[10..18, 23..28]);
    }

    #[test]
    fn dirty_ranges_map_merge_and_stay_sorted() {
        let mut d = Dirty::default();
        d.rebase(&EditRec {
            start: 10,
            old_end: 10,
            new_len: 1,
        });
        assert_eq!(d.ranges(), &[10..11]);
        // an edit far before shifts it and adds its own (empty: a deletion) range
        d.rebase(&EditRec {
            start: 0,
            old_end: 2,
            new_len: 0,
        });
        assert_eq!(d.ranges(), &[0..0, 8..9]);
        // an edit far after leaves both alone
        d.rebase(&EditRec {
            start: 50,
            old_end: 60,
            new_len: 2,
        });
        assert_eq!(d.ranges(), &[0..0, 8..9, 50..52]);
        // an edit overlapping the middle one grows it
        d.rebase(&EditRec {
            start: 7,
            old_end: 8,
            new_len: 4,
        });
        assert_eq!(d.ranges(), &[0..0, 7..12, 53..55]);
        // touching ranges merge
        d.add(12..20);
        assert_eq!(d.ranges(), &[0..0, 7..20, 53..55]);
        d.add(0..60);
        assert_eq!(d.ranges(), &[0..60]);
    }

    /// A full scan, merged.
    fn settle(doc: &mut Doc, engine: &Engine) {
        while let Some(job) = ScanJob::take(doc) {
            let res = job.run(engine, &|_, _| true);
            assert_ne!(merge(doc, res), Merged::Stale);
        }
        assert!(doc.index_is_current());
    }

    fn insert(doc: &mut Doc, line: u32, col: u32, text: &str) {
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
    }

    #[test]
    fn incremental_equals_full_scan_after_edits() {
        let engine = Engine::with_defaults();
        let text = "a b\nline two bob@example.org\nthird\n".repeat(50);
        let mut doc = Doc::new(text, 0, "log".into(), true);
        settle(&mut doc, &engine);
        // type an e-mail on one line char by char, scanning every few edits
        for (i, ch) in " carol@corp.example.com".chars().enumerate() {
            insert(&mut doc, 39, 3 + i as u32, &ch.to_string());
            if i % 4 == 0 {
                settle(&mut doc, &engine);
            }
        }
        settle(&mut doc, &engine);
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
        assert!(ScanJob::take(&mut doc).is_none(), "one scan at a time");
        let res = job.run(&engine, &|_, _| true);
        // configuration changed while it ran
        doc.new_epoch();
        assert_eq!(merge(&mut doc, res), Merged::Stale);
        assert!(doc.needs_full && doc.inflight.is_none() && doc.findings.is_empty());
        settle(&mut doc, &engine);
        assert_eq!(doc.findings.len(), 1);
    }

    /// Edits at `(line, col)` (UTF-16), then one incremental scan: must equal a full scan.
    fn edit_and_check(doc: &mut Doc, engine: &Engine, line: u32, col: u32, text: &str) {
        insert(doc, line, col, text);
        settle(doc, engine);
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
        settle(&mut doc, &engine);
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
