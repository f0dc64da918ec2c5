//! The engine's contract beyond single detectors: overlap policy, PEM blocks, incremental
//! `scan_range`, `scan_bytes` on invalid UTF-8, `stream_safe_len`, char boundaries.

use crate::engine_plant;

use engine_plant::{pem, Rng};
use tftsr_engine::{Engine, Finding, Kind, PiiType};

/// Each finding as (type id, value): what table-driven assertions compare.
pub(crate) fn ids(text: &str, fs: &[Finding]) -> Vec<(String, String)> {
    fs.iter()
        .map(|f| (f.kind.id().to_owned(), f.value(text).to_owned()))
        .collect()
}

const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

#[test]
fn jwt_inside_bearer_is_one_jwt() {
    let eng = Engine::with_defaults();
    let t = format!("GET / Authorization: Bearer {JWT} ok");
    assert_eq!(ids(&t, &eng.scan(&t)), vec![("jwt".into(), JWT.into())]);
    // With `jwt` disabled the same region is still covered, as a bearer token.
    let cfg = tftsr_engine::Config::from_toml_str(
        "[types]\ndisable = [\"jwt\"]\n",
        std::path::Path::new("t.toml"),
    )
    .unwrap();
    let eng2 = Engine::new(cfg).unwrap();
    assert_eq!(
        ids(&t, &eng2.scan(&t)),
        vec![("bearer_token".into(), JWT.into())]
    );
}

#[test]
fn one_span_per_region_more_specific_wins() {
    let eng = Engine::with_defaults();
    for (t, want) in [
        // a GitHub token as a password value: the specific type
        (
            "password=ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            vec![("github_token", "ghp_16C7e42F292c6912E7710c838347Ae178B4a")],
        ),
        // an AWS key as api_key value
        (
            "api_key=AKIA2JVQ5RZ7HXKM4TNW",
            vec![("aws_access_key", "AKIA2JVQ5RZ7HXKM4TNW")],
        ),
        // URL credentials and host, not an e-mail `pass@host`
        (
            "https://bob:pw1234@db.example.com/x",
            vec![
                ("url_credentials", "bob:pw1234"),
                ("hostname", "db.example.com"),
            ],
        ),
        // a key-named value containing a more specific finding is redacted whole
        (
            "password=https://u:s3cret@db.example.com",
            vec![("password", "https://u:s3cret@db.example.com")],
        ),
        // a grouped IBAN, not the card-shaped digits inside it
        (
            "iban DE89 3704 0044 0532 0130 00",
            vec![("iban", "DE89 3704 0044 0532 0130 00")],
        ),
    ] {
        let fs = eng.scan(t);
        let got = ids(t, &fs);
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        assert_eq!(got, want, "{t}");
    }
}

#[test]
fn findings_are_sorted_non_overlapping_on_char_boundaries() {
    let eng = Engine::with_defaults();
    let t = "é 10.0.0.1 ü alice@example.com 日本 4111111111111111 🎉 password=pässwörd host=db.example.com";
    let fs = eng.scan(t);
    assert_eq!(fs.len(), 5, "{:?}", ids(t, &fs));
    for w in fs.windows(2) {
        assert!(w[0].end <= w[1].start);
    }
    for f in &fs {
        assert!(t.is_char_boundary(f.start) && t.is_char_boundary(f.end));
    }
    assert_eq!(fs[3].value(t), "pässwörd");
}

#[test]
fn pem_blocks() {
    let eng = Engine::with_defaults();
    let mut r = Rng(1);
    let (k1, k2) = (pem(&mut r), pem(&mut r));
    let t = format!("start\n{k1}\nmiddle line\n{k2}\nend\n");
    let fs = eng.scan(&t);
    assert_eq!(fs.len(), 2, "two keys, two spans");
    assert_eq!(fs[0].value(&t), k1);
    assert_eq!(fs[1].value(&t), k2);
    assert!(fs.iter().all(|f| f.kind == PiiType::PrivateKey.into()));
    // A lone BEGIN (truncated log) is not a key, and does not swallow the next real key.
    let lone = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n";
    let t2 = format!("{lone}log continues\n{k1}\n");
    let fs2 = eng.scan(&t2);
    assert_eq!(ids(&t2, &fs2), vec![("private_key".into(), k1.clone())]);
    assert!(eng.scan(lone).is_empty());
    // JSON-escaped key on one line.
    let esc = k1.replace('\n', "\\n");
    let t3 = format!("{{\"key\": \"{esc}\"}}");
    assert_eq!(
        ids(&t3, &eng.scan(&t3)),
        vec![("private_key".into(), esc.clone())]
    );
}

#[test]
fn scan_range_widens_to_lines_and_pem() {
    let eng = Engine::with_defaults();
    let mut r = Rng(2);
    let key = pem(&mut r);
    let t = format!("a 10.0.0.1\nb alice@example.com c\n{key}\nz 10.0.0.2\n");
    let full = eng.scan(&t);
    // Middle of the e-mail line: whole line scanned.
    let mid = t.find("example").unwrap();
    let (rg, fs) = eng.scan_range(&t, mid..mid + 1);
    assert_eq!(&t[rg.clone()], "b alice@example.com c\n");
    assert_eq!(
        ids(&t, &fs),
        vec![("email".into(), "alice@example.com".into())]
    );
    // Inside the PEM body: widened to the whole block, which is found as one span.
    let inside = t.find("-----END").unwrap() - 10;
    let (rg, fs) = eng.scan_range(&t, inside..inside + 3);
    assert!(rg.start <= t.find("-----BEGIN").unwrap() && rg.end >= t.find("-----END").unwrap());
    assert_eq!(ids(&t, &fs), vec![("private_key".into(), key.clone())]);
    // Touching the BEGIN line only: widened forward to the END.
    let b = t.find("-----BEGIN").unwrap();
    let (_, fs) = eng.scan_range(&t, b..b + 2);
    assert_eq!(fs.len(), 1);
    // Every range's findings equal the full scan's findings in that range.
    for s in (0..t.len()).step_by(7) {
        let (rg, fs) = eng.scan_range(&t, s..(s + 5).min(t.len()));
        let want: Vec<_> = full
            .iter()
            .filter(|f| f.start >= rg.start && f.end <= rg.end)
            .cloned()
            .collect();
        assert_eq!(fs, want, "range at {s}");
    }
    // Out-of-bounds and empty inputs never panic.
    let _ = eng.scan_range(&t, t.len() + 10..t.len() + 20);
    let _ = eng.scan_range("", 0..0);
}

#[test]
fn scan_bytes_invalid_utf8() {
    let eng = Engine::with_defaults();
    let mut bytes =
        b"ok alice@example.com \xff\xfe then 10.0.0.7 \xc3 and bob@example.org\n".to_vec();
    bytes.extend_from_slice(b"\xe2\x82 trailing 192.168.0.9");
    let r = eng.scan_bytes(&bytes);
    assert_eq!(r.invalid_sequences, 4);
    let vals: Vec<&[u8]> = r.findings.iter().map(|f| &bytes[f.start..f.end]).collect();
    assert_eq!(
        vals,
        vec![
            &b"alice@example.com"[..],
            b"10.0.0.7",
            b"bob@example.org",
            b"192.168.0.9"
        ]
    );
    // Valid input: same as scan.
    let ok = eng.scan_bytes(b"x 10.0.0.1");
    assert_eq!(ok.invalid_sequences, 0);
    assert_eq!(ok.findings.len(), 1);
    // Arbitrary garbage never panics.
    let mut r = Rng(3);
    for _ in 0..200 {
        let junk: Vec<u8> = (0..r.below(300)).map(|_| r.below(256) as u8).collect();
        let _ = eng.scan_bytes(&junk);
    }
}

#[test]
fn stream_safe_len_never_cuts_a_line_or_open_pem() {
    let eng = Engine::with_defaults();
    let mut r = Rng(4);
    let key = pem(&mut r);
    let t = format!("l1 10.0.0.1\nl2\n{key}\nl3 partial");
    assert_eq!(eng.stream_safe_len(&t, true), t.len());
    // Cut in the middle of the key: only the lines before its BEGIN are safe.
    let inside = t.find("-----END").unwrap();
    let cut = &t[..inside];
    assert_eq!(
        eng.stream_safe_len(cut, false),
        t.find("-----BEGIN").unwrap()
    );
    // After the END line: everything up to the last newline.
    assert_eq!(eng.stream_safe_len(&t, false), t.rfind('\n').unwrap() + 1);
    assert_eq!(eng.stream_safe_len("no newline", false), 0);
    // Streaming chunk by chunk gives the same findings as one scan.
    let mut found = Vec::new();
    let mut buf = String::new();
    let mut base = 0;
    for chunk in t.as_bytes().chunks(9) {
        buf.push_str(std::str::from_utf8(chunk).unwrap());
        let n = eng.stream_safe_len(&buf, false);
        found.extend(
            eng.scan(&buf[..n])
                .into_iter()
                .map(|f| Finding::new(f.kind, f.start + base, f.end + base)),
        );
        buf.drain(..n);
        base += n;
    }
    found.extend(
        eng.scan(&buf)
            .into_iter()
            .map(|f| Finding::new(f.kind, f.start + base, f.end + base)),
    );
    assert_eq!(found, eng.scan(&t));
    assert!(found
        .iter()
        .any(|f| f.kind == Kind::Builtin(PiiType::PrivateKey)));
}

#[test]
fn edge_inputs() {
    let eng = Engine::with_defaults();
    assert!(eng.scan("").is_empty());
    let crlf = "a 10.0.0.1\r\nb alice@example.com\r\n";
    assert_eq!(
        ids(crlf, &eng.scan(crlf)),
        vec![
            ("ipv4".into(), "10.0.0.1".into()),
            ("email".into(), "alice@example.com".into())
        ]
    );
    // A 5 MB single line.
    let big = "x".repeat(5 << 20) + " 10.0.0.1";
    assert_eq!(eng.scan(&big).len(), 1);
}

/// The scanner classifies the text in 64-byte blocks: findings must not depend on where the
/// block boundaries fall (words, keys and tokens straddling a boundary).
#[test]
fn block_alignment_does_not_change_findings() {
    let eng = Engine::with_defaults();
    let mut r = Rng(9);
    let key = pem(&mut r);
    let text = format!(
        "host=db01.prod.example.com password=hunter2 api_key=9f8e7d6c5b4a39281706 card 4111 1111 1111 1111 \
         mail alice@example.com from 10.1.2.3 port 22 fe80::1ff:fe23:4567:890a hw 00:1a:2b:3c:4d:5e \
         Authorization: Bearer abcDEF123456ghiJKL789 {JWT} AKIA2JVQ5RZ7HXKM4TNW https://u:p4ss@x.example.org/ \
         ghp_16C7e42F292c6912E7710c838347Ae178B4a sk_live_4eC39HqLyjWDarjtT1zdp7dc xoxb-123456789012-1234567890123-AbCdEf \
         iban DE89370400440532013000 ssn 123-45-6789 tel (555) 234-5678 +44 20 7946 0958 pwd = s3cret\n{key}\n"
    );
    let base = eng.scan(&text);
    assert!(base.len() >= 20, "{}", base.len());
    for k in 1..130 {
        let padded = format!("{}{text}", "x".repeat(k).replace('x', " "));
        let got: Vec<Finding> = eng
            .scan(&padded)
            .into_iter()
            .map(|f| Finding::new(f.kind, f.start - k, f.end - k))
            .collect();
        assert_eq!(got, base, "shift {k}");
    }
}

/// Random concatenations of the fragments detectors key on: never a panic, and the output
/// contract (sorted, non-overlapping, on char boundaries, non-empty) always holds.
#[test]
fn fragment_fuzz_keeps_the_contract() {
    const PIECES: &[&str] = &[
        "-----BEGIN ",
        "RSA PRIVATE KEY-----",
        "-----END ",
        "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun",
        "password",
        "passwd",
        "api_key",
        "x-api-key",
        "aws_secret_access_key",
        "=",
        ":",
        " = ",
        "\"",
        "'",
        "@",
        "::",
        "://",
        "4111",
        "1111",
        "123",
        "45",
        "6789",
        "10",
        "0",
        "255",
        "256",
        "fe80",
        "ffff",
        "00",
        "1a",
        ".",
        "-",
        "_",
        " ",
        "\n",
        "\r\n",
        "é",
        "日本",
        "🎉",
        "AKIA",
        "IOSFODNN7EXAMPLE",
        "ghp_",
        "16C7e42F292c6912E7710c838347Ae178B4a",
        "xoxb-",
        "sk_live_",
        "AIza",
        "[",
        "]",
        "{",
        "}",
        "<",
        ">",
        "Bearer ",
        "eyJ",
        "hbGciOiJIUzI1NiJ9",
        "example.com",
        "host=",
        "from ",
        "ssh ",
        "+",
        "+44",
        "(555)",
        "DE89",
        "3704",
        "0044",
        "/",
        "%",
        "*",
        "****",
        "${X}",
    ];
    let eng = Engine::with_defaults();
    let mut r = Rng(11);
    for _ in 0..3000 {
        let n = r.below(40) as usize;
        let text: String = (0..n)
            .map(|_| PIECES[r.below(PIECES.len() as u64) as usize])
            .collect();
        let fs = eng.scan(&text);
        for w in fs.windows(2) {
            assert!(w[0].end <= w[1].start, "{text:?}");
        }
        for f in &fs {
            assert!(
                f.start < f.end && text.is_char_boundary(f.start) && text.is_char_boundary(f.end),
                "{text:?}"
            );
        }
        let (_, part) = eng.scan_range(&text, r.below(text.len() as u64 + 1) as usize..text.len());
        for f in &part {
            assert!(text.is_char_boundary(f.start) && text.is_char_boundary(f.end));
        }
        let _ = eng.stream_safe_len(&text, false);
    }
}

/// Found by the `scan` fuzz target: a line inside a key starting `-----END` but not an END line
/// (`-----ENDAIzord]`) made `scan_range` and `stream_safe_len` take the block for closed, so a
/// partial rescan of the lines after it (and a streamed chunk cut there) missed the key that a
/// full scan finds. Only `-----END ` (as the detector reads it) closes a block.
#[test]
fn a_bare_end_marker_inside_a_key_does_not_close_it() {
    let eng = Engine::with_defaults();
    let t = "2026-11-28T09:14:0 dump:\n-----BEGIN RSA PRIVATE KEY-----\nPO+ynbdrZRzead6/wJ9kFZJSqF\n\
             -----ENDAIzord]\nj59fhZ5R1Py4oJe2JbmPTuSgR7cMyhiFXiQ2hz\nT/pLjHX2JiCLhKcIhP6Br1iQFeOUh\n\
             -----END RSA PRIVATE KEY-----\nafter\n";
    let whole = eng.scan(t);
    assert!(
        whole.iter().any(|f| f.kind.id() == "private_key"),
        "{whole:?}"
    );
    let at = t.find("j59f").unwrap();
    let (range, part) = eng.scan_range(t, at..at + 4);
    assert_eq!(part, whole, "{range:?}");
    let cut = eng.stream_safe_len(&t[..at + 10], false);
    assert!(
        cut <= t.find("-----BEGIN").unwrap(),
        "cut {cut} inside the open block"
    );
}

/// Found by the incremental property test (CI, stop 18): a BEGIN line whose closing dashes run
/// into `END …` (`-----BEGIN RSA PRIVATE KEY-----END RSA …`, typed mid-line) opens a block that the
/// detector closes at the real END line below; `scan_range` read the `-----END ` overlapping the
/// BEGIN line's own dashes as the end, so a rescan of the lines under it lost the key.
#[test]
fn an_end_marker_glued_to_the_begin_line_does_not_close_the_block() {
    let eng = Engine::with_defaults();
    let t = "[10.30 16:49:28] chrome.exe open through pro-----BEGIN RSA PRIVATE KEY-----END RSA \
             PRIVATE KEY-----\nxy proxy.cse.cuhk.edu.hk:5070 HTTPS\n\
             MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n\
             -----END RSA PRIVATE KEY-----\nafter alice@example.com\n";
    let whole = eng.scan(t);
    assert!(
        whole.iter().any(|f| f.kind.id() == "private_key"),
        "{whole:?}"
    );
    // Any one-byte range in the text: the rescan agrees with the full scan where it reaches.
    for at in 0..t.len() {
        if !t.is_char_boundary(at) {
            continue;
        }
        let (range, part) = eng.scan_range(t, at..at);
        assert_rescan_agrees(&whole, &range, &part);
    }
    let at = t.find("xy proxy").unwrap();
    let cut = eng.stream_safe_len(&t[..at + 10], false);
    assert!(
        cut <= t.find("-----BEGIN").unwrap(),
        "cut {cut} inside the open block"
    );
}

/// Found by the `scan` and `redact` fuzz targets: the detectors classify text 64 bytes at a time,
/// and an inner label of a dotted name (`xoxp-…` in `xe.xoxp-1-…`) was looked at when its end
/// fell on a block's last byte and skipped elsewhere. So the same line gave different findings
/// in a full scan, a partial rescan and a streamed chunk, and redaction missed the second copy of
/// a token it had just redacted (the first replacement moved the blocks). Findings must not
/// depend on where the text starts.
#[test]
fn findings_do_not_depend_on_block_alignment() {
    let engine = Engine::with_defaults();
    let lines = [
        "[10.e k.e\n2015Ti0yLTM0M4M\0\0\0ttoriee xoxe.xoxp-1-0yLTM0M4Mxe.xoxp-1-0yTM0M4M",
        "Jun 3020:xoxp-1-38kvj10o\u{fffd}\u{fffd}e.xoxp-1-i-i380vd token xoxp-1-i-i380vd\n",
        "host a.b-c.d.example.com mac 00:1a:2b:3c:4d:5e ip 10.1.2.3 v1.2.3.4 x.12:34:56:78:9a:bc\n",
        "node.ghp_U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oool8D.AKIA2JVQ5RZ7HXKM4TNW-xoxb-51351043345-Lzwmto5IMVb8UK36MghZYMEi\n",
    ];
    for line in lines {
        let text = line.repeat(3);
        let base = engine.scan(&text);
        for k in 1..=64 {
            let moved = format!("{}{text}", " ".repeat(k).replace(' ', "\n"));
            let got: Vec<_> = engine
                .scan(&moved)
                .into_iter()
                .map(|mut f| {
                    f.start -= k;
                    f.end -= k;
                    f
                })
                .collect();
            assert_eq!(got, base, "moved by {k}: {line:?}");
        }
    }
    // The redaction that missed a second copy of the token.
    let text = lines[1];
    let fs = engine.scan(text);
    let out = tftsr_engine::redact::apply(
        text,
        &tftsr_engine::redact::Redactor::new(
            &engine,
            tftsr_engine::redact::Style::Pseudonym,
            [7; 32],
        )
        .plan(text, &fs),
    );
    assert!(engine.scan(&out).is_empty(), "{out}");
}

/// Found by the `scan` fuzz target (long run, stop 21): one line closes a key and opens another
/// (`-----END RSA PRIVATE KEY-----  … -----BEGIN PRIVATE KEY----- …`, the second never closed).
/// `stream_safe_len` moved the cut back to the start of that line, the open block's BEGIN line,
/// which left the first key without its END: a streamed scan lost the key a full scan finds.
/// `scan_range` widening had the same one-step reasoning.
#[test]
fn an_end_and_the_next_begin_on_one_line_keep_the_first_key_whole() {
    let eng = Engine::with_defaults();
    let t = "[Mon Dec 05 10:12:01 2005] dump -----BEGIN RSA PRIVATE KEY-----\n\
             MIIEpQIBAAKCAQEAn6/O8li+SX4m98LLYt/PKSzEmQ++ZBD7Loh9P13f4yQ92EF3\n\
             yxR5MsXFu9PRsrYQA7/4UTPHiC4y2sAVCBg4C2yyBpUEtMQjyCESi6Y=\n\
             -----END RSA PRIVATE KEY-----  07:46:46 2005] [notice] gmetad[1682]: \
             data_thread()-----BEGIN PRIVATE KEY----- got no answer from any datasource\n\
             tail line without a newline";
    let whole = eng.scan(t);
    assert!(
        whole.iter().any(|f| f.kind.id() == "private_key"),
        "{whole:?}"
    );
    let cut = eng.stream_safe_len(t, false);
    assert!(
        cut <= t.find("-----BEGIN RSA").unwrap(),
        "cut {cut} leaves the first key open"
    );
    assert_eq!(split_scan(&eng, t, cut), whole);
    // A rescan of any one line finds exactly the full scan's findings inside its widened range,
    // and no finding of the full scan crosses that range's edges.
    for at in t.match_indices('\n').map(|(i, _)| i + 1) {
        let (range, part) = eng.scan_range(t, at..at + 1);
        assert_rescan_agrees(&whole, &range, &part);
    }
}

/// Found by the `config` fuzz target (`fuzz/regressions/config/argument-cut-inside-a-character`):
/// a `-u` argument longer than a value may be was cut at the length limit, inside a character
/// (U+FFFD here): a span off a char boundary, which a caller slicing the text panics on. An
/// argument that runs past the limit is no value at all.
#[test]
fn an_argument_past_the_length_limit_is_no_value_and_never_split() {
    let eng = Engine::with_defaults();
    for filler in ["\u{fffd}", "é", "x"] {
        let t = format!("curl -u\tdev:.t{} https://x\n", filler.repeat(600));
        let found = eng.scan(&t);
        for f in &found {
            assert!(
                t.is_char_boundary(f.start) && t.is_char_boundary(f.end),
                "{f:?}"
            );
        }
        assert!(found.iter().all(|f| f.kind.id() != "password"), "{found:?}");
    }
    // A short one is still found.
    let t = "curl -u developer:yqDVtkqPECriaLRi https://x\n";
    assert!(eng.scan(t).iter().any(|f| f.kind.id() == "password"));
}

/// Found by the `scan` fuzz target (`fuzz/regressions/scan/xml-text-on-a-line-of-its-own`): an
/// XML element's text on a line of its own (`<AWSToken>⏎ [AKIA…⏎</CWSToken>`) is read by the
/// detector over three lines, and a rescan of the value's line alone, or a streamed chunk cut
/// after it, saw another finding. Rescans widen over an open element, cuts stay before it.
#[test]
fn an_xml_element_over_three_lines_is_rescanned_and_streamed_whole() {
    let eng = Engine::with_defaults();
    let t = "<config>\n<AWSToken>\n    [AKIACBYTFHJ5VZJCLQJD\n</CWSToken>\n<password>\n  Zq9-hunter2-xkcd\n</password>\nend\n";
    let whole = eng.scan(t);
    assert!(whole.iter().any(|f| f.kind.id() == "password"), "{whole:?}");
    for at in t.match_indices('\n').map(|(i, _)| i + 1).chain([0]) {
        let (range, part) = eng.scan_range(t, at..at);
        assert_rescan_agrees(&whole, &range, &part);
        // Streamed in two pieces at this line: the same findings.
        let cut = eng.stream_safe_len(&t[..at], false);
        assert_eq!(split_scan(&eng, t, cut), whole, "cut {cut}");
    }
}

/// A rescan's findings are exactly the full scan's inside its widened range, and no finding of
/// the full scan crosses that range's edges.
fn assert_rescan_agrees(whole: &[Finding], range: &std::ops::Range<usize>, part: &[Finding]) {
    let inside: Vec<_> = whole
        .iter()
        .filter(|f| f.start >= range.start && f.end <= range.end)
        .cloned()
        .collect();
    assert_eq!(part, inside, "{range:?}");
    assert!(
        whole
            .iter()
            .all(|f| f.end <= range.start || f.start >= range.end || inside.contains(f)),
        "a finding crosses {range:?}"
    );
}

/// The findings of `t` scanned as two pieces cut at `cut`, in `t`'s offsets.
fn split_scan(eng: &Engine, t: &str, cut: usize) -> Vec<Finding> {
    let mut split = eng.scan(&t[..cut]);
    split.extend(eng.scan(&t[cut..]).into_iter().map(|mut f| {
        f.start += cut;
        f.end += cut;
        f
    }));
    split
}

/// Found by the `scan` fuzz target (`fuzz/regressions/scan/backquoted-value-over-a-line-break`):
/// a backquoted value may go on over one line break as a double-quoted one does, but the check
/// for a quote open at a line's end looked for `"` and `'` only, so a rescan of the second line
/// or a stream cut between the two lines split the value.
#[test]
fn a_backquoted_value_over_a_line_break_is_rescanned_and_streamed_whole() {
    let eng = Engine::with_defaults();
    let t = "start\nAWSToken := `Zq9Xk2hunter 1333\nQ7vLmXcd88pT`\nend\n";
    let whole = eng.scan(t);
    let nl = t.find("1333\n").unwrap() + 4;
    assert!(
        whole.iter().any(|f| f.start < nl && f.end > nl),
        "the value over the line break is one finding: {whole:?}"
    );
    for at in t.match_indices('\n').map(|(i, _)| i + 1).chain([0]) {
        let (range, part) = eng.scan_range(t, at..at);
        assert_rescan_agrees(&whole, &range, &part);
        let cut = eng.stream_safe_len(&t[..at], false);
        assert_eq!(split_scan(&eng, t, cut), whole, "cut {cut}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/quoted-string-longer-than-a-value`):
/// a quoted string of 500 bytes (no value: too long, with spaces) became 520 once the findings
/// inside it were redacted, and a string that no longer closed within the value limit was read
/// as its first bare word, so a second redaction redacted more. A quoted string decides the same
/// at any length: a refused one, and one longer than a value, lead to the bare word after the
/// quote (`fuzz/regressions/redact/closer-inside-a-later-finding` made that the rule).
#[test]
fn a_quoted_string_decides_the_same_at_any_length() {
    use tftsr_engine::redact::{apply, Redactor, Style};
    let eng = Engine::with_defaults();
    // Inner lengths on both sides of the 512-byte limit: redaction grows the string by ~20.
    for len in 470..=530 {
        let mut inner = String::from(
            "ASI335e4c35a9e - - - block AKIALALEMEL33243OLIB src: /10.250.9.207:50010 ",
        );
        while inner.len() < len {
            inner.push_str(if inner.len() % 2 == 0 { "x" } else { " " });
        }
        let t = format!("AWSToken := \"{inner}\";\nnext line\n");
        for style in [Style::Tag, Style::Pseudonym, Style::Mask, Style::Partial] {
            let r = Redactor::new(&eng, style, [7; 32]);
            let once = apply(&t, &r.plan(&t, &eng.scan(&t)));
            let twice = apply(&once, &r.plan(&once, &eng.scan(&once)));
            assert_eq!(once, twice, "{style:?} with a string of {len} bytes");
        }
    }
}
