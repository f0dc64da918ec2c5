//! What one string or byte string becomes: the findings `tftsr scan` reports and the bytes
//! `tftsr redact` writes for it. Shared by the per-string functions and the Arrow batch path so
//! the two cannot drift apart.

use tftsr_engine::redact::Redactor;
use tftsr_engine::{Engine, Finding, Kind};

/// The findings in `bytes` the CLI would report: valid UTF-8 is scanned whole; otherwise the
/// text view with each invalid byte as SUB (`Engine::scan_bytes`: a value with an invalid byte
/// inside is one finding covering it), offsets into the original bytes either way. Only enabled
/// kinds; and, defensively, only spans that keep the sorted, non-overlapping, on-boundary
/// contract (an engine bug must not become a panic or garbled output).
pub fn findings(engine: &Engine, bytes: &[u8]) -> Vec<Finding> {
    let view: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(text) => text.into(),
        Err(_) => tftsr_engine::substitute_invalid(bytes).0.into(),
    };
    let mut found = engine.scan(&view);
    let mut last_end = 0;
    found.retain(|f| {
        let ok = f.start < f.end
            && f.end <= bytes.len()
            && f.start >= last_end
            && view.is_char_boundary(f.start)
            && view.is_char_boundary(f.end)
            && engine.is_enabled(&f.kind);
        if ok {
            last_end = f.end;
        }
        ok
    });
    found
}

/// The value of a finding from [`findings`], as the CLI sees it: invalid bytes as SUB.
pub fn value<'b>(bytes: &'b [u8], f: &Finding) -> std::borrow::Cow<'b, str> {
    let raw = &bytes[f.start..f.end];
    match std::str::from_utf8(raw) {
        Ok(v) => v.into(),
        Err(_) => tftsr_engine::substitute_invalid(raw).0.into(),
    }
}

/// Appends the redacted copy of `bytes` to `out`: every finding replaced in the redactor's
/// style, every other byte (invalid UTF-8 included) copied unchanged. Calls `on_kind` for each
/// replaced finding, in order.
pub fn redact_into(
    engine: &Engine,
    redactor: &Redactor<'_>,
    bytes: &[u8],
    out: &mut Vec<u8>,
    mut on_kind: impl FnMut(&Kind),
) {
    let found = findings(engine, bytes);
    if found.is_empty() {
        out.extend_from_slice(bytes);
        return;
    }
    // The engine's plan over the text view the CLI scans (invalid bytes as SUB, same offsets):
    // an edit may cover a neighbour its replacement would complete (Redactor::plan), byte for
    // byte what `tftsr redact` writes.
    let view: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(t) => t.into(),
        Err(_) => tftsr_engine::substitute_invalid(bytes).0.into(),
    };
    let mut pos = 0;
    for (f, e) in found.iter().zip(redactor.plan(&view, &found)) {
        out.extend_from_slice(&bytes[pos..e.start]);
        out.extend_from_slice(e.replacement.as_bytes());
        on_kind(&f.kind);
        pos = e.end;
    }
    out.extend_from_slice(&bytes[pos..]);
}
