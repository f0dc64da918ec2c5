//! What one string or byte string becomes: the findings `tftsr scan` reports and the bytes
//! `tftsr redact` writes for it. Shared by the per-string functions and the Arrow batch path so
//! the two cannot drift apart.

use tftsr_engine::redact::Redactor;
use tftsr_engine::{Engine, Finding, Kind};

/// The findings in `bytes` the CLI would report: valid UTF-8 is scanned whole; otherwise each
/// valid run on its own (an invalid sequence separates values, it never joins two), offsets
/// into the original bytes either way. Only enabled kinds; and, defensively, only spans that
/// keep the sorted, non-overlapping, on-boundary contract (an engine bug must not become a
/// panic or garbled output).
pub fn findings(engine: &Engine, bytes: &[u8]) -> Vec<Finding> {
    let mut found = match std::str::from_utf8(bytes) {
        Ok(text) => engine.scan(text),
        Err(_) => engine.scan_bytes(bytes).findings,
    };
    let mut last_end = 0;
    found.retain(|f| {
        let ok = f.start < f.end
            && f.end <= bytes.len()
            && f.start >= last_end
            && std::str::from_utf8(&bytes[f.start..f.end]).is_ok()
            && engine.is_enabled(&f.kind);
        if ok {
            last_end = f.end;
        }
        ok
    });
    found
}

/// The value of a finding from [`findings`] (checked to be UTF-8 there).
pub fn value<'b>(bytes: &'b [u8], f: &Finding) -> &'b str {
    std::str::from_utf8(&bytes[f.start..f.end]).unwrap_or_default()
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
    let mut pos = 0;
    for f in findings(engine, bytes) {
        out.extend_from_slice(&bytes[pos..f.start]);
        out.extend_from_slice(redactor.replacement(&f, value(bytes, &f)).as_bytes());
        on_kind(&f.kind);
        pos = f.end;
    }
    out.extend_from_slice(&bytes[pos..]);
}
