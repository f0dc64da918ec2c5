//! Properties of the engine on real loghub lines with planted values (proptest): redaction is
//! idempotent and its output rescans clean in every style, and scanning a text in streamed
//! pieces (cut where `stream_safe_len` allows, whatever the read sizes) equals scanning it
//! whole. The same invariants, on arbitrary bytes, are the `scan` and `redact` fuzz targets.

use proptest::prelude::*;
use tftsr_engine::{Engine, Finding};

use crate::fuzz_engine::{assert_findings, engine, redact, STYLES};
use crate::planted_text::recipe;

/// Cases per property: enough to cover every type and line end, a few seconds in a debug build.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    }
}

/// What the CLI does with a byte stream arriving in reads of the given sizes: append each read
/// to a buffer, emit the prefix `stream_safe_len` calls final, scan it, keep the rest.
pub fn streamed_scan(engine: &Engine, text: &str, reads: &[usize]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut buf_start = 0; // offset of the buffer in `text`
    let mut read_to = 0;
    let mut i = 0;
    loop {
        let eof = read_to == text.len();
        if !eof {
            let n = reads[i % reads.len()].max(1);
            i += 1;
            read_to = (read_to + n).min(text.len());
            while !text.is_char_boundary(read_to) {
                read_to += 1; // the CLI keeps a split character for the next read
            }
        }
        let buf = &text[buf_start..read_to];
        let eof = read_to == text.len();
        let safe = engine.stream_safe_len(buf, eof);
        assert!(safe <= buf.len() && buf.is_char_boundary(safe));
        for mut f in engine.scan(&buf[..safe]) {
            f.start += buf_start;
            f.end += buf_start;
            out.push(f);
        }
        buf_start += safe;
        if eof && buf_start == text.len() {
            return out;
        }
    }
}

/// Every way of scanning a text must give the whole-text scan. A new scanner (the parallel
/// chunked scans of the scale work) gets a line here.
fn assert_same_as_whole(text: &str, reads: &[usize]) {
    let e = engine();
    let whole = e.scan(text);
    assert_findings(text, &whole, "whole scan");
    assert_eq!(
        streamed_scan(e, text, reads),
        whole,
        "streamed in reads of {reads:?}"
    );
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn redaction_is_idempotent_in_every_style(r in recipe(30, 12)) {
        let text = r.text();
        for style in STYLES {
            let (once, _, _) = redact(&text, style);
            let (twice, _, _) = redact(&once, style);
            prop_assert!(twice == once, "{:?}: redacting the output again changed it", style);
        }
    }

    #[test]
    fn redacted_output_rescans_clean(r in recipe(30, 12)) {
        let text = r.text();
        let e = engine();
        for style in STYLES {
            let (out, ranges, findings) = redact(&text, style);
            let values: Vec<&str> = findings.iter().map(|f| f.value(&text)).collect();
            for f in e.scan(&out) {
                let v = f.value(&out);
                prop_assert!(!values.contains(&v), "{:?}: a redacted value is found again: {:?}", style, f);
                prop_assert!(
                    ranges.iter().all(|r| f.end < r.start || f.start > r.end),
                    "{:?}: the rescan finds {:?} at or next to a replacement", style, f
                );
            }
        }
    }

    #[test]
    fn streamed_scans_equal_the_whole_text_scan(
        r in recipe(40, 12),
        reads in prop::collection::vec(prop_oneof![1usize..8, 8usize..200, 200usize..5000], 1..6),
    ) {
        assert_same_as_whole(&r.text(), &reads);
    }
}

/// A case the random search found (a plain `cargo test` run on the `vscode` lane, stop 19): kept
/// as a named test so it runs whatever the seed.
#[test]
fn found_case_redaction_is_idempotent() {
    let r = crate::planted_text::Recipe {
        seed: 17240500871372599029,
        lines: 10,
        plants: vec![21, 21, 19, 15, 9, 17, 5, 7, 18],
        ends: vec![0],
        multibyte: vec![],
        final_newline: false,
    };
    let text = r.text();
    for style in STYLES {
        let (once, _, _) = redact(&text, style);
        let (twice, _, _) = redact(&once, style);
        assert!(
            twice == once,
            "{style:?}: redacting the output again changed it"
        );
    }
}
