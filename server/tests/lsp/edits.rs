//! Issue 17, item 3: an edit sequence applied by the real `tftsr lsp` equals the same sequence
//! applied to a string. A property test sends random `didChange`s (1–4 changes each, ranges
//! anywhere: inside multi-byte characters' neighbours, across `\r\n`, lone `\r` and `\n` line
//! ends, whole-text replacements) to one server per position encoding (UTF-16 and UTF-8), and
//! compares `tftsr/documentText` (SHA-256, length, version) with the client's own copy, whose
//! positions are computed by `edit_model.rs` (independent of the server's `position.rs`).

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestRunner};
use serde_json::{json, Value};

use crate::edit_model::{position_of, snap};
use crate::lsp_client::{self, *};

/// Documents (random edit sequences) per encoding.
const CASES: u32 = 200;

const INSERTS: &[&str] = &[
    "",
    "x",
    "é",
    "😀",
    "用户",
    "\n",
    "\r\n",
    "\r",
    " ",
    "ab\ncd",
    "😀\r\n😀",
    "\u{2028}",
    "\t",
    "password=Zq9!que-77 ",
    " eve@example.org",
];

fn base(seed: u64) -> String {
    let real = lsp_client::corpus::loghub_file("Linux_2k.log");
    let lines: Vec<&str> = real.lines().collect();
    let at = (seed as usize) % (lines.len() - 6);
    let mut t = String::new();
    for (i, l) in lines[at..at + 1 + (seed as usize % 5)].iter().enumerate() {
        t.push_str(l);
        t.push_str(match (seed as usize + i) % 4 {
            0 => "\r\n",
            1 => " José 😀\r",
            _ => "\n",
        });
    }
    t
}

/// One change: (start ‰, characters replaced, insert index).
type Change = (u16, u8, u8);

fn events() -> impl Strategy<Value = Vec<(bool, Vec<Change>)>> {
    prop::collection::vec(
        (
            prop::bool::weighted(0.05), // a whole-text replacement instead
            prop::collection::vec((0u16..=1000, 0u8..8, any::<u8>()), 1..5),
        ),
        1..12,
    )
}

/// Applies the changes to the client's copy and builds the `contentChanges` for them.
fn changes(text: &mut String, full: bool, cs: &[Change], utf8: bool) -> Vec<Value> {
    if full {
        let (_, _, i) = cs[0];
        *text = format!("{}{}", INSERTS[i as usize % INSERTS.len()], base(i as u64));
        return vec![json!({"text": text})];
    }
    cs.iter()
        .map(|&(pos, n, i)| {
            let s = snap(text, text.len() * pos as usize / 1000);
            let mut e = s;
            for _ in 0..n {
                match text[e..].chars().next() {
                    // a `\r\n` goes as a whole (no position lies between the two)
                    Some('\r') if text[e + 1..].starts_with('\n') => e += 2,
                    Some(c) => e += c.len_utf8(),
                    None => break,
                }
            }
            let ins = INSERTS[i as usize % INSERTS.len()];
            let range =
                json!({"start": position_of(text, s, utf8), "end": position_of(text, e, utf8)});
            text.replace_range(s..e, ins);
            json!({"range": range, "text": ins})
        })
        .collect()
}

#[test]
fn server_applies_edit_sequences_exactly_as_a_string_does() {
    for utf8 in [false, true] {
        let c = RefCell::new(Client::spawn_args(&["lsp"], &[]));
        let caps = if utf8 {
            caps_utf8_eager()
        } else {
            caps_nvim07()
        };
        let init = c.borrow_mut().initialize(caps, Value::Null, None);
        assert_eq!(
            init["capabilities"]["positionEncoding"],
            if utf8 { "utf-8" } else { "utf-16" }
        );
        let mut runner = TestRunner::new(PropConfig {
            cases: CASES,
            failure_persistence: None,
            ..PropConfig::default()
        });
        let n = RefCell::new(0u64);
        let result = runner.run(&(any::<u64>(), events()), |(seed, evs)| {
            let mut c = c.borrow_mut();
            *n.borrow_mut() += 1;
            let uri = format!("file:///tmp/tftsr-edits/{}-{}.log", utf8, n.borrow());
            let mut text = base(seed);
            c.open(&uri, "log", &text);
            for (v, (full, cs)) in evs.iter().enumerate() {
                let content = changes(&mut text, *full, cs, utf8);
                c.notify(
                    "textDocument/didChange",
                    json!({"textDocument": {"uri": uri, "version": v + 1},
                           "contentChanges": content}),
                );
            }
            let got = c.request("tftsr/documentText", json!({"uri": uri}));
            c.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": uri}}),
            );
            prop_assert_eq!(&got["version"], &json!(evs.len()));
            prop_assert_eq!(&got["bytes"], &json!(text.len()));
            prop_assert_eq!(&got["sha256"], &json!(sha256_hex(&text)), "{:?}", text);
            Ok(())
        });
        if let Err(e) = result {
            panic!("utf8={utf8}: {e}");
        }
        // no edit was rejected (every position the client sent was valid)
        let (code, log) = c.into_inner().shutdown_exit();
        assert_eq!(code, 0);
        assert!(!log.contains("rejected didChange"), "an edit was rejected");
    }
}
