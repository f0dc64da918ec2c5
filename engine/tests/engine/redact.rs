//! Redaction over the loghub corpus with planted values of every type: for every style the
//! output scans clean, redacting again changes nothing, and the styles produce what DESIGN.md
//! says.

use crate::api::ids;
use crate::engine_plant;
use crate::fuzz_engine::check_redact;

use engine_plant::{insert_at_space, loghub_lines, plant, Rng};
use tftsr_engine::redact::{apply, Redactor, Style};
use tftsr_engine::{Engine, Finding, PiiType};

const KEY: [u8; 32] = [7; 32];

fn planted_text() -> String {
    let lines = loghub_lines();
    let mut r = Rng(0x0072_6564_6163);
    let mut text = String::new();
    // Every corpus line once (real addresses and hosts) …
    for l in lines.iter().step_by(7) {
        text.push_str(l);
        text.push('\n');
    }
    // … plus 40 planted values of every type.
    for ty in PiiType::ALL {
        for _ in 0..40 {
            let line = &lines[r.below(lines.len() as u64) as usize];
            let p = plant(&mut r, ty);
            let (l, _) =
                insert_at_space(&mut r, line, &format!("{}{}{}", p.before, p.value, p.after));
            text.push_str(&l);
            text.push('\n');
        }
    }
    text
}

/// Every redaction style.
const STYLES: [Style; 4] = [Style::Tag, Style::Mask, Style::Partial, Style::Pseudonym];

/// A hard negative: redacting `text` in the tag style keeps `kept`, and is idempotent.
fn assert_keeps(eng: &Engine, text: &str, kept: &str) {
    let once = redact(eng, Style::Tag, text);
    assert!(once.contains(kept), "{once:?}");
    assert_eq!(redact(eng, Style::Tag, &once), once);
}

fn redact(eng: &Engine, style: Style, text: &str) -> String {
    let fs = eng.scan(text);
    let red = Redactor::new(eng, style, KEY);
    apply(text, &red.plan(text, &fs))
}

#[test]
fn every_style_scans_clean_and_is_idempotent() {
    let eng = Engine::with_defaults();
    let text = planted_text();
    let before = eng.scan(&text);
    for ty in PiiType::ALL {
        assert!(
            before.iter().any(|f| f.kind == ty.into()),
            "{ty} planted and found"
        );
    }
    for style in STYLES {
        let once = redact(&eng, style, &text);
        let left = eng.scan(&once);
        let show: Vec<_> = left
            .iter()
            .take(5)
            .map(|f| (f.kind.id().to_owned(), f.value(&once).to_owned()))
            .collect();
        assert!(
            left.is_empty(),
            "{style:?}: {} findings left after redaction, e.g. {show:?}",
            left.len()
        );
        let twice = redact(&eng, style, &once);
        assert_eq!(once, twice, "{style:?}: redaction is idempotent");
        if matches!(style, Style::Mask | Style::Partial) {
            // A masked or partial private key keeps its line breaks.
            assert_eq!(
                once.lines().count(),
                text.lines().count(),
                "{style:?}: line count kept"
            );
        }
        if style == Style::Mask {
            // Columns stay aligned: same length in chars.
            assert_eq!(once.chars().count(), text.chars().count());
        }
    }
}

fn one(eng: &Engine, style: Style, line: &str) -> String {
    redact(eng, style, line)
}

#[test]
fn style_outputs() {
    let eng = Engine::with_defaults();
    let cases: &[(&str, Style, &str)] = &[
        ("mail alice@example.com x", Style::Tag, "mail [Email] x"),
        (
            "mail alice@example.com x",
            Style::Mask,
            "mail ***************** x",
        ),
        (
            "mail john@example.com x",
            Style::Partial,
            "mail j***@example.com x",
        ),
        (
            "card 4111-1111-1111-1111 x",
            Style::Partial,
            "card ****-****-****-1111 x",
        ),
        (
            "card 4111111111111111 x",
            Style::Partial,
            "card ************1111 x",
        ),
        ("from 10.1.2.3 port", Style::Partial, "from 10.*.*.* port"),
        (
            "token ghp_16C7e42F292c6912E7710c838347Ae178B4a ok",
            Style::Partial,
            "token ghp_**** ok",
        ),
        (
            "key AKIA2JVQ5RZ7HXKM4TNW ok",
            Style::Partial,
            "key AKIA**** ok",
        ),
        ("ssn 123-45-6789", Style::Partial, "ssn ***-**-6789"),
        ("password=hunter2 ok", Style::Tag, "password=[Password] ok"),
        ("password=hunter2 ok", Style::Partial, "password=**** ok"),
        (
            "db postgres://admin:s3cr3t@db.example.com:5432/x",
            Style::Tag,
            "db postgres://[Credentials]@[Hostname]:5432/x",
        ),
        (
            "hw 00:1a:2b:3c:4d:5e up",
            Style::Partial,
            "hw 00:1a:2b:**:**:** up",
        ),
        (
            "host=db01.prod.example.com x",
            Style::Partial,
            "host=****.****.*******.com x",
        ),
    ];
    for (input, style, want) in cases {
        assert_eq!(&one(&eng, *style, input), want, "{style:?} of {input:?}");
    }
}

#[test]
fn pseudonyms_are_keyed_stable_and_short() {
    let eng = Engine::with_defaults();
    let text = "a alice@example.com b bob@example.com c alice@example.com";
    let out = one(&eng, Style::Pseudonym, text);
    let toks: Vec<&str> = out
        .split_whitespace()
        .filter(|w| w.starts_with("[Email-"))
        .collect();
    assert_eq!(toks.len(), 3);
    assert_eq!(toks[0], toks[2], "same value, same token");
    assert_ne!(toks[0], toks[1], "different values, different tokens");
    let hexpart = &toks[0]["[Email-".len()..toks[0].len() - 1];
    assert_eq!(hexpart.len(), 18);
    assert!(hexpart.bytes().all(|c| c.is_ascii_hexdigit()));
    // Another key gives other tokens (so tokens can't be reversed by hashing guesses without it).
    let fs = eng.scan(text);
    let other = apply(
        text,
        &Redactor::new(&eng, Style::Pseudonym, [9; 32]).plan(text, &fs),
    );
    assert_ne!(out, other);
}

#[test]
fn private_key_partial_keeps_lines() {
    let eng = Engine::with_defaults();
    let mut r = Rng(12);
    let key = engine_plant::pem(&mut r);
    let text = format!("before\n{key}\nafter\n");
    let fs: Vec<Finding> = eng.scan(&text);
    assert_eq!(fs.len(), 1);
    let (begin, end) = (key.lines().next().unwrap(), key.lines().last().unwrap());
    for style in [Style::Partial, Style::Mask, Style::Tag, Style::Pseudonym] {
        let out = one(&eng, style, &text);
        assert!(eng.scan(&out).is_empty());
        // The armor lines stay in every style; the body is gone.
        assert!(out.contains(&format!("\n{begin}\n")), "{style:?}: {out}");
        assert!(out.contains(&format!("\n{end}\n")), "{style:?}: {out}");
        assert!(
            !out.contains(key.lines().nth(1).unwrap()),
            "{style:?}: {out}"
        );
        match style {
            Style::Tag => assert!(
                out.contains(&format!("{begin}\n[PrivateKey]\n{end}")),
                "{out}"
            ),
            Style::Pseudonym => assert!(out.contains(&format!("{begin}\n[PrivateKey-")), "{out}"),
            _ => assert_eq!(out.lines().count(), text.lines().count(), "{style:?}"),
        }
    }
    // An escaped key on one line (a JSON string) keeps its escaped line breaks.
    let json = format!("{{\"key\": \"{}\"}}\n", key.replace('\n', "\\n"));
    let out = one(&eng, Style::Tag, &json);
    assert_eq!(
        out,
        format!("{{\"key\": \"{begin}\\n[PrivateKey]\\n{end}\"}}\n"),
        "{json}"
    );
}

/// Found by the `redact` fuzz target in CI (`fuzz/regressions/redact/key-after-a-lone-begin`):
/// a `-----BEGIN` with no END of its own is no key while a real block follows it, but once that
/// block was one `[PrivateKey]` the lone BEGIN paired with a stray END further down, and the
/// redacted log rescanned as one key spanning the tag. Every style keeps the armor lines, so the
/// output has the structure of the input: it rescans clean and redacting again changes nothing.
#[test]
fn a_key_after_a_lone_begin_keeps_its_armor_and_rescans_clean() {
    let eng = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(41);
    for round in 0..40 {
        let key = engine_plant::pem(&mut r);
        let label = &key["-----BEGIN ".len()..key.find("-----\n").unwrap()];
        let mut log =
            |n: usize| -> String { (0..n).map(|_| r.pick(&lines).clone() + "\n").collect() };
        let (a, b, c) = (log(2), log(1), log(2));
        let text = format!(
            "{a}dump -----BEGIN {label}-----\n{b}{key} {c}tail -----END {label}-----\nafter\n"
        );
        let fs = eng.scan(&text);
        let keys: Vec<_> = fs.iter().filter(|f| f.kind.id() == "private_key").collect();
        assert_eq!(keys.len(), 1, "round {round}: {keys:?}");
        assert_eq!(keys[0].value(&text), key, "round {round}");
        for style in STYLES {
            let out = redact(&eng, style, &text);
            let again = eng.scan(&out);
            assert!(
                again.iter().all(|f| f.kind.id() != "private_key"),
                "round {round} {style:?}: the output rescans as a key: {again:?}"
            );
            assert_eq!(redact(&eng, style, &out), out, "round {round} {style:?}");
            let body = key.lines().nth(1).unwrap();
            assert!(!out.contains(body), "round {round} {style:?}");
            // Both BEGIN lines and both END lines are still there.
            assert_eq!(out.matches("-----BEGIN ").count(), 2, "{style:?}: {out}");
            assert_eq!(out.matches("-----END ").count(), 2, "{style:?}: {out}");
        }
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/key-armor-after-a-password-key`,
/// sixth long run): a key that is the value of a password key (`pwd=-----BEGIN …`) keeps its
/// armor when redacted, and `pwd=-----BEGIN` then rescanned as a password. An armor line is
/// never a key=value's value; a password next to a key is still found.
#[test]
fn a_key_as_a_password_value_keeps_its_armor_and_no_password_appears() {
    let eng = Engine::with_defaults();
    let mut r = Rng(43);
    for key_name in [
        "pwd=",
        "password: ",
        "secret=\"",
        "api_key=",
        "client_secret: ",
    ] {
        let key = engine_plant::pem(&mut r);
        let text = format!("[Mon Dec 05 10:12:01 2005] {key_name}{key} done password=Zq9!que-77\n");
        let fs = eng.scan(&text);
        let kinds: Vec<_> = fs.iter().map(|f| f.kind.id()).collect();
        assert!(kinds.contains(&"private_key"), "{key_name}: {kinds:?}");
        assert!(
            fs.iter().any(|f| f.value(&text) == "Zq9!que-77"),
            "{key_name}: {fs:?}"
        );
        for style in STYLES {
            let out = redact(&eng, style, &text);
            let again = eng.scan(&out);
            assert!(
                again.is_empty(),
                "{key_name} {style:?}: {out} rescans as {again:?}"
            );
            assert_eq!(redact(&eng, style, &out), out, "{key_name} {style:?}");
        }
    }
}

/// Plants `piece` (spaces around it) at a space of a random real log line, redacts the line in
/// every style and asserts that redacting the output again changes nothing. Returns the number
/// of checks made (one per style).
fn assert_idempotent_in_a_line(
    engine: &Engine,
    r: &mut Rng,
    lines: &[String],
    piece: &str,
) -> usize {
    let line = r.pick(lines).clone();
    let (mut text, _) = insert_at_space(r, &line, &format!(" {piece} "));
    text.push('\n');
    for style in STYLES {
        let once = redact(engine, style, &text);
        let twice = redact(engine, style, &once);
        assert_eq!(once, twice, "{style:?}: {text:?}");
    }
    STYLES.len()
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/unterminated-quote-near-the-value-window`,
/// eighth long run): the value of an unterminated quote (`AWS_token: "ASI2015-10-18 …` on a
/// truncated line) is the rest of its line when that fits the value window (512 bytes), and the
/// bare word after the quote on a longer line. When the check refused the rest of the line,
/// nothing was reported; once pseudonyms inside the line had made it longer than the window,
/// the bare word was, so redacting the output again redacted more. A refused rest of line now
/// leads to the bare word too, so the first word is found whatever the line's length, and a
/// redaction inside the line cannot change that.
#[test]
fn an_unterminated_quotes_first_word_is_found_whatever_the_lines_length() {
    let engine = Engine::with_defaults();
    // Real log text without quotes (a quote on the line would close the value).
    let lines: Vec<String> = loghub_lines()
        .into_iter()
        .filter(|l| !l.contains(['"', '\'', '`']) && l.is_ascii())
        .collect();
    let mut r = Rng(512);
    let mut checked = 0;
    for (key, word) in [
        ("\"AWS_token\": ", "ASI2015-10-18"),
        ("api_secret = ", "Zq9xK2mP4vT7wQ"),
        ("client_secret: ", "s3cr3t-Pa55-2015-77"),
    ] {
        // From 430 to 590 bytes after the quote: the line crosses the value window as
        // replacements inside it lengthen it (pseudonyms) or shorten it (tags).
        for len in (430..=590).step_by(16) {
            let mut rest = format!("{word} ");
            while rest.len() < len {
                rest.push_str(r.pick(&lines).trim_end());
                rest.push_str(" from fe80::1%eth0 via 10.190.173.170 ");
            }
            rest.truncate(len);
            let text = format!("{key}\"{rest}\nnext line\n");
            for style in STYLES {
                let once = redact(&engine, style, &text);
                assert!(
                    !once.contains(word),
                    "{style:?}, {len} bytes after the quote: the first word stays: {once:?}"
                );
                assert_eq!(redact(&engine, style, &once), once, "{style:?}: {text:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 11 * 4);
    // A quote that closes the value on the next line, at or near the window's end (the
    // fuzz target's `quote-on-the-next-line-near-the-window`): the first word is found either way.
    for len in (380..=560).step_by(12) {
        let mut second = String::new();
        while second.len() < len {
            second.push_str(r.pick(&lines).trim_end());
            second.push(' ');
        }
        second.truncate(len);
        let text = format!(
            "AWSToken=\"ABIATK7JYCworkerEnv fe80::1%eth0 via 10.190.173.170 error\n{second}\" end\n"
        );
        for style in STYLES {
            let once = redact(&engine, style, &text);
            assert!(
                !once.contains("ABIATK7JYCworkerEnv"),
                "{style:?}, {len}: {once:?}"
            );
            assert_eq!(redact(&engine, style, &once), once, "{style:?}: {text:?}");
        }
    }
    // An escaped quote further on the line, and more unterminated keys on one line than a
    // line's rest is tried for: the same answer at every length.
    for len in (430..=590).step_by(16) {
        let mut rest = String::from("Zq9xK2mP4vT7wQ \\\"x\\\" ");
        let mut many = String::new();
        while rest.len() < len {
            let l = r.pick(&lines).trim_end();
            rest.push_str(l);
            rest.push_str(" from fe80::1%eth0 via 10.190.173.170 ");
            many.push_str(&format!("secret=\"Zq9xK2mP4vT{} {l} ", many.len()));
        }
        rest.truncate(len);
        let text = format!("api_secret: \"{rest}\n{many}\n");
        for style in STYLES {
            let once = redact(&engine, style, &text);
            assert_eq!(redact(&engine, style, &once), once, "{style:?}: {text:?}");
        }
    }
    // Hard negatives: a quote that closes is one value, and an unterminated quote's first word
    // that is no secret stays.
    for (text, kept) in [
        (
            "client_secret: \"two words\" from 10.1.2.3\n",
            "\"two words\"",
        ),
        ("api_secret = \"none of it\n", "none of it"),
    ] {
        assert_keeps(&engine, text, kept);
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/quote-below-a-value-before-a-redacted-value`,
/// eighth long run): a quoted value may span one line break, and a quote on the next line
/// closes it only when it is not glued to a word (`"ab⏎"cd` is a new string). In
/// `passwd:";⏎var AWSToken string = "AKIA…"` the quote before `AKIA` was glued, so no password;
/// once the key was `"[AWSKey]"`, it was not, and the rescan found the password
/// `;⏎var AWSToken string = `. Whatever a finding begins with, its replacement decides the same.
#[test]
fn a_quote_below_an_open_value_decides_the_same_before_and_after_redaction() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(954);
    let mut checked = 0;
    for key in ["passwd:\"", "password = '", "\"client_secret\": \""] {
        let q = key.chars().last().unwrap();
        for value in [
            "AKIACBYTFHJ5VZJCLQJD",
            "zoe.kowalski@globex-mail.com",
            "10.190.173.170",
            "+1 415 555 0132",
            "[Email]",
        ] {
            let line = r.pick(&lines).trim_end().replace(['"', '\''], "");
            let text = format!("{line} {key};\nvar token string = {q}{value}{q}\n{line}\n");
            for style in STYLES {
                let once = redact(&engine, style, &text);
                if value != "[Email]" {
                    assert!(!once.contains(value), "{style:?}: {once:?}");
                }
                assert_eq!(redact(&engine, style, &once), once, "{style:?}: {text:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 5 * 4);
    // Hard negatives and positives: a quote below that ends the value closes it.
    for (text, found) in [
        ("password=\"Zq9!x\nK2m\" user=bob\n", true),
        ("password=\"Zq9!x\nK2m\"; user=bob\n", true),
        ("password=\"Zq9!x\n\"K2m user=bob\n", false),
    ] {
        let once = redact(&engine, Style::Tag, text);
        assert_eq!(once.contains("K2m"), !found, "{text:?} -> {once:?}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/bracket-closer-inside-a-finding`,
/// eighth long run): a bracketed value `(…)` runs to its closer on the line; in
/// `"AWSToken" => (ASIAIHNZJ25Y4KWWSToken" … "AS)AIHNZJ25Y4KUCJXI"` the closer was inside a
/// later finding, the long bracketed run was refused, and once that finding was `[ApiKey]` there
/// was no closer and the bare run `(ASIAIHNZJ25Y4KWWSToken` was a secret. A refused bracketed
/// value now leads to the bare run it starts, closer or not.
#[test]
fn a_bracketed_values_closer_inside_a_finding_decides_nothing() {
    let engine = Engine::with_defaults();
    let lines: Vec<String> = loghub_lines()
        .into_iter()
        .filter(|l| !l.contains([')', ']', '>', '}', '"']))
        .collect();
    let mut r = Rng(830);
    let mut checked = 0;
    for (open, close) in [('(', ')'), ('[', ']'), ('<', '>'), ('{', '}')] {
        for key in ["\"AWSToken\" => ", "api_secret=", "client_secret: "] {
            let line = r.pick(&lines).trim_end();
            let text = format!(
                "{key}{open}Zq9xK2mP4vT7wQ {line} AWS_TOKEN=\"AS{close}AIHNZJ25Y4KUCJXI\" end\n"
            );
            for style in STYLES {
                let once = redact(&engine, style, &text);
                assert_eq!(redact(&engine, style, &once), once, "{style:?}: {text:?}");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * 3 * 4);
    // A bracketed value that is one is found whole; a placeholder in brackets stays.
    for (text, kept) in [
        ("api_secret=(Zq9xK2mP4vT7wQ) next\n", None),
        ("api_secret=<redacted> next\n", Some("<redacted>")),
    ] {
        let once = redact(&engine, Style::Tag, text);
        match kept {
            Some(k) => assert!(once.contains(k), "{once:?}"),
            None => assert!(!once.contains("Zq9xK2mP4vT7wQ"), "{once:?}"),
        }
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/armor-inside-a-key-value`, eighth
/// long run): a lone `-----BEGIN PRIVATE KEY-----` inside an `RSA` block keeps the block's BEGIN
/// from pairing with its END, so there is no key; it stood inside an `AWS_TOKEN=` value, and
/// once that value was `[ApiKey]` the block was one. A value holding armor anywhere is no
/// key's value (the private-key detector finds a key whole or not at all).
#[test]
fn armor_inside_a_key_value_is_no_value() {
    let engine = Engine::with_defaults();
    let body = "MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMbRvI0MBZhpF\n";
    for value in [
        "ASIAIHNZJ25Y4KWUCJXI\\nBACKUP-----BEGIN",
        "Zq9xK2mP4vT7wQ-----END",
    ] {
        let text = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{body}secret={value} PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n"
        );
        for style in STYLES {
            let once = redact(&engine, style, &text);
            let armor = &value[value.rfind('-').unwrap() - 4..];
            assert!(once.contains(armor), "{style:?}: {once:?}");
            assert_eq!(redact(&engine, style, &once), once, "{style:?}: {text:?}");
        }
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/armor-and-a-host-after-an-open-quote`,
/// twelfth run, both workers within a minute): on a truncated line
/// `AWS_TOKEN = "AKnova-compute.log.1… 2-----BEGIN OPENSSH PRIVATE KEY-----931 INFO to www.example.com:443`
/// the unterminated quote's value is the rest of the line, which holds PEM armor, so no value;
/// once the host was `[Hostname]`, the rest of the line held our tag, a placeholder, which was
/// asked first and leads to the bare word after the quote, and `AKnova…` was a secret. A value
/// holding armor is now refused as one holding a tag is, whichever is asked first: the bare
/// word after the quote decides, as it does on a line longer than the value window.
#[test]
fn a_value_holding_armor_decides_as_one_holding_a_tag() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x4152);
    let mut checked = 0;
    for key in ["AWS_TOKEN = ", "password: ", "api_key=", "\"secret\": "] {
        for word in [
            "AKnova-compute.log.1.2017-05-16_13:55:31",
            "Zq9xplanted77ab",
            "s3cr3t-v4lue",
        ] {
            for armor in [
                "-----BEGIN OPENSSH PRIVATE KEY-----",
                "-----END RSA PRIVATE KEY-----",
            ] {
                for host in ["www.example.com:443", "10.1.2.3", "bob@example.org"] {
                    let line = r.pick(&lines).clone();
                    let text = format!("{key}\"{word} 2{armor}931 {line} to {host} x\n");
                    check_redact(text.as_bytes());
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 4 * 3 * 2 * 3);
    // The armor itself is never a value, and a closed quote holding it is none either.
    for text in [
        "password=\"-----BEGIN RSA PRIVATE KEY-----\" from 10.1.2.3\n",
        "pwd=-----BEGIN RSA PRIVATE KEY-----\n",
    ] {
        let found = engine.scan(text);
        assert!(
            found.iter().all(|f| f.kind != PiiType::Password.into()),
            "{text:?}: {found:?}"
        );
        check_redact(text.as_bytes());
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/jwt-glued-to-armor-inside-a-key`,
/// `fuzz/regressions/redact/jwt-glued-to-a-key`, thirteenth run, both workers within four
/// minutes): a JWT's signature is base64url, whose alphabet holds `-`, so `eyJ….sig-----BEGIN`
/// took the armor's dashes and word into the token. Inside a key block that hid a lone BEGIN
/// which kept the block's BEGIN from pairing with its END, and once the JWT was `[JWT]` the block
/// was a key spanning the replacement; glued to a whole key, the JWT lost to the key it overlapped
/// and, with the key redacted, its signature and the kept armor read as a JWT. Armor is no part
/// of a token: the signature ends before it, and so does any other finding (a bearer,
/// `Authorization` or provider token, a key's value).
#[test]
fn a_token_glued_to_armor_ends_before_it() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x4a57);
    let jwts = [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjoxLCJiIjoyLCJjIjozfQ.hxhGCCCmGV9nT1",
        "eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcQ.ixMlnWrAG7NVuTTKu8cdcYfM7gweS3jlKaEsIBNGOVEjPE7rtXtgMkAw",
        "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.",
    ];
    let body = "MIIEowIBAAKCAQEAxa0s9e8hB3kfHnZ0lS7dP1qk9wR2cT8yX4bV6nM1oJ3uL5zQ7rE2";
    let mut checked = 0;
    let tokens = [
        "Bearer AbCdEf0123456789xyzQ",
        "Authorization: Token 9f86d081884c7d659a2feaa0c55ad015",
        "Authorization: Basic dXNlcjpodW50ZXIy",
        "xoxb-781236542736-2364535789652-GkwFDQoHqzXDVsC6GzqYUypD",
        "api_key=Zq9xplanted77abcd-",
    ];
    for jwt in jwts.iter().chain(&tokens) {
        let pieces = [
            // Glued to a whole key.
            format!("{jwt}-----BEGIN RSA PRIVATE KEY-----{body}-----END RSA PRIVATE KEY-----"),
            // A lone, cut BEGIN inside a key block.
            format!(
                "-----BEGIN RSA PRIVATE KEY-----x {jwt}-----BEGIN RSA PRI.251 {body}-----END RSA PRIVATE KEY-----"
            ),
            // Glued to an END.
            format!("{jwt}-----END RSA PRIVATE KEY----- done"),
        ];
        for piece in pieces {
            let line = r.pick(&lines).clone();
            let (text, _) = insert_at_space(&mut r, &line, &format!(" {piece} "));
            check_redact(text.as_bytes());
            // A token is reported up to the armor, never with it.
            let found = engine.scan(&text);
            let with_armor: Vec<_> = found
                .iter()
                .filter(|f| f.kind != PiiType::PrivateKey.into())
                .filter(|f| f.value(&text).contains("-----"))
                .collect();
            assert!(with_armor.is_empty(), "{text:?}: {with_armor:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 8 * 3);
    // A JWT beside armor with a space keeps its whole signature, dashes included.
    let text =
        "token eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.ab-cd_ef-gh -----BEGIN RSA PRIVATE KEY-----\n";
    let jwt: Vec<_> = engine
        .scan(text)
        .into_iter()
        .filter(|f| f.kind == PiiType::Jwt.into())
        .map(|f| f.value(text).to_owned())
        .collect();
    assert_eq!(jwt, ["eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.ab-cd_ef-gh"]);
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/quote-closing-on-the-next-line-before-a-value`,
/// `fuzz/regressions/redact/quoted-value-holding-armor-closing-in-the-key`, fourteenth run): a
/// quoted value's closer can stand where a redaction takes it away, and then the value is an
/// open quote's. In `AWS_token: "ASAWS_token: AKIA…`⏎String x = "\0…AKIA…";` the quote closed on
/// the next line, the two-line value was refused and the bare word after the quote was no
/// secret; once the next line's value was `[ApiKey]` the quote before it no longer closed (a tag
/// follows it), the quote above was open, and the rest of its line was a secret. In
/// `AWSToken = "AB… 10-----BEGIN RSA PRIVATE KEY-----… -u "…` the closer lay inside the key the
/// armor begins. Both now decide as an open quote does: the rest of the line, then the bare
/// word after the quote.
#[test]
fn a_quoted_value_whose_closer_a_redaction_can_take_decides_as_an_open_one() {
    let lines = loghub_lines();
    let mut r = Rng(0x7155);
    let mut checked = 0;
    for key in ["AWS_token: ", "password: ", "api_key = ", "client_secret="] {
        for rest in [
            "ASAWS_token: AKIACBYTFHJ5`",
            "Zq9xplanted77 and more",
            "s3cr3t-v4lue",
        ] {
            // A quote on the next line before a value that is redacted.
            for next in [
                "\0\0\0@AKIACBYTFHJ5VZWUCJCLQJD",
                "ghp_9j3k30u3rr6qgv7n8b1lo7tz3odp8jt7fxr5",
                "10.1.2.3",
            ] {
                let line = r.pick(&lines).clone();
                let text = format!("{key}\"{rest}\nString x = \"{next}\";\n{line}\n");
                check_redact(text.as_bytes());
                checked += 1;
            }
            // A closer inside a key that armor on the value's line begins.
            let line = r.pick(&lines).clone();
            let text = format!(
                "{key}\"{rest} 10-----BEGIN RSA PRIVATE KEY-----{line} -u \"x\"\nMIIEowIBAAKCAQEAxa0s9e8hB3kf\n-----END RSA PRIVATE KEY-----\n"
            );
            check_redact(text.as_bytes());
            checked += 1;
        }
    }
    assert_eq!(checked, 4 * 3 * 4);
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/closer-inside-a-later-finding`,
/// fifteenth run): in `aws_secret_access_key="3h05… Served Token := `{"config.ini": "…"` the
/// quote closed at the `"` inside the later backtick value, and the quoted value (spaces, a key)
/// was refused; once that value was `[ApiKey]` the closer was gone, the quote open, and the bare
/// word after it a secret. A refused quoted value now leads to the rest of its line (when that
/// would be an open quote's value), then to the bare word after the quote, whatever closes it.
/// A password may hold spaces, so `password: "3h05… Token := `{…` was one password up to that
/// closer, which overlapped the later value and lost to it, leaving the password in clear
/// (`fuzz/regressions/redact/quoted-password-losing-to-a-later-value`, found while testing the
/// fix): a quoted value holding another assignment of a quoted value is refused, and leads to
/// the bare word after its quote too.
#[test]
fn a_quoted_values_closer_inside_a_later_finding_decides_nothing() {
    let lines = loghub_lines();
    let mut r = Rng(0x636c);
    let mut checked = 0;
    for key in [
        "aws_secret_access_key=",
        "password: ",
        "api_key = ",
        "\"client_secret\": ",
    ] {
        for word in ["3h05zcd6664v1o3ncv", "Zq9xplanted77", "s3cr3t-v4lue"] {
            for later in [
                "Token := `{\"config.ini\": \"AWS_TOKEN=AKIACBYTUPIATK7JYCIP\"",
                "secret='x\" ghp_9j3k30u3rr6qgv7n8b1lo7tz3odp8jt7fxr5'",
                "pwd=\"a\"b hunter2",
            ] {
                let line = r.pick(&lines).clone();
                let text = format!("{key}\"{word}  {line} {later}\n");
                check_redact(text.as_bytes());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 4 * 3 * 3);
    // Hard negatives: base64 padding and an `=` inside a quoted value are no assignment; the
    // value is found whole.
    let engine = Engine::with_defaults();
    for (text, value) in [
        ("password=\"dXNlcjpodW50ZXIy==\" ok\n", "dXNlcjpodW50ZXIy=="),
        (
            "password: \"correct horse battery staple\"\n",
            "correct horse battery staple",
        ),
        ("api_key=\"Zq9x=Kp2m:Wt7vLq4\" ok\n", "Zq9x=Kp2m:Wt7vLq4"),
    ] {
        let found: Vec<_> = engine
            .scan(text)
            .iter()
            .map(|f| f.value(text).to_owned())
            .collect();
        assert_eq!(found, [value], "{text:?}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/ipv6-zone-and-prefix-before-an-address`,
/// fifteenth run): `2001:db8::%eth0/64:ff9b::192.0.2.1` read as the network `2001:db8::/64` (a
/// range, not reported) and an address; once the address was `[IPv6]`, `2001:db8::%eth0` was a
/// bare address, six bytes from the tag. Digits after the `/` that go on as an address are no
/// prefix length.
#[test]
fn digits_after_a_slash_that_go_on_as_an_address_are_no_prefix() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x7a6f);
    let mut checked = 0;
    for before in ["2001:db8::%eth0", "fe80::1%en0", "2001:db8::"] {
        for after in ["64:ff9b::192.0.2.1", "64:ff9b::1", "10.0.0.1"] {
            checked +=
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &format!("{before}/{after}"));
        }
    }
    assert_eq!(checked, 3 * 3 * 4);
    // Hard negatives: a network with its prefix length is no address.
    for (text, kept) in [
        (
            "route 2001:db8::%eth0/64 via fe80::1\n",
            "2001:db8::%eth0/64",
        ),
        ("allow 2001:db8::/32, deny all\n", "2001:db8::/32"),
    ] {
        assert_keeps(&engine, text, kept);
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/tag-before-armor-in-a-flag-value`,
/// `fuzz/regressions/redact/slack-token-glued-to-a-key-name`, sixteenth run). Every finding ends
/// before PEM armor (fix 24), but what is left there was not what the detector checked:
/// `--user "[Password]-----BEGIN …` left our own tag, a password. And a Slack token's end is a
/// guess when an identifier goes on after it: `xoxa-…-e039d0aws_secret_access_key=e|…` took
/// `aws` into the token, and once it was `[SlackToken]` the key read `_secret_access_key` and
/// its value was a secret. A tag or placeholder left before armor is no finding, and a Slack
/// token glued to `_` is none.
#[test]
fn what_a_finding_leaves_or_takes_is_decided_before_redaction_too() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x7367);
    let mut checked = 0;
    for user in [
        "src@5500-0000-0000-0004-srabi@msra-sa",
        "bob:Zq9xplanted77",
        "alice@example.com",
    ] {
        let line = r.pick(&lines).clone();
        let text = format!("curl --user \"{user}-----BEGIN RSA PRIVATE KEY----- {line}\n");
        check_redact(text.as_bytes());
        checked += 1;
    }
    for token in [
        "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b93aws",
        "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
    ] {
        for key in [
            "_secret_access_key=e|30002312|saveStatData(",
            "_token=Zq9xplanted77",
        ] {
            let line = r.pick(&lines).clone();
            let text = format!("{line} type {token}{key} done\n");
            check_redact(text.as_bytes());
            checked += 1;
        }
    }
    // An already redacted log: a tag or placeholder before armor in a flag's `user:pass`.
    for tag in ["[Password]", "[ApiKey]", "<password>", "${PASS}"] {
        let line = r.pick(&lines).clone();
        let text = format!(
            "curl --user \"{tag}-----BEGIN RSA PRIVATE KEY----- detected. Old: {line}\" --mail-rcpt \"x\"\n"
        );
        let found = engine.scan(&text);
        assert!(
            found.iter().all(|f| f.value(&text) != tag),
            "{text:?}: {found:?}"
        );
        check_redact(text.as_bytes());
        checked += 1;
    }
    assert_eq!(checked, 3 + 2 * 2 + 4);
    // A Slack token beside a key with a space is found whole.
    let text = "token xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx secret_key=x\n";
    let found: Vec<_> = engine
        .scan(text)
        .into_iter()
        .filter(|f| f.kind == PiiType::SlackToken.into())
        .map(|f| f.value(text).to_owned())
        .collect();
    assert_eq!(
        found,
        ["xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"]
    );
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/partial-iban-ending-a-reverse-dns-name`,
/// `fuzz/regressions/redact/bearer-token-before-an-assignment`, seventeenth run). In
/// `(62.99.164.82.sh.interxion.GT82 TRAJ 0102 …)` the IBAN's `GT82` is no TLD, so no reverse-DNS
/// name and no address inside it; the partial style keeps `GT** ****`, `GT` is Guatemala's TLD,
/// and the address inside the name was found: a name glued to a mask is none. In
/// `Bearer ~~….secret=5TF…` the `=` was taken for base64 padding glued to more token, so no
/// token; once the key's value was `[ApiKey]` the token ended at the `=`: padding before anything
/// but what ends a value is no padding, and no token.
#[test]
fn a_kept_part_or_a_tag_after_a_name_or_a_token_changes_nothing() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x6774);
    let mut checked = 0;
    for ip in ["62.99.164.82", "10.1.2.3", "203.101.45.59"] {
        for iban in [
            "GT82 TRAJ 0102 0000 0012 1002 9690",
            "DE89 3704 0044 0532 0130 00",
            "AT61 1904 3002 3457 3201",
        ] {
            let piece = format!("from {ip} ({ip}.sh.interxion.{iban})");
            checked += assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece);
            let line = r.pick(&lines).clone();
            let (text, _) = insert_at_space(&mut r, &line, &format!(" {piece} "));
            check_redact(text.as_bytes());
        }
    }
    for token in [
        "~~~~~~~~~~~htgres0.02.0",
        "abc.def-123456789",
        "AbCdEf0123456789xyz",
    ] {
        for value in ["5TFHJJZ5CVBearer", "Zq9xplanted77", "[ApiKey]"] {
            let line = r.pick(&lines).clone();
            let text = format!("{line} Authorization: Bearer {token}.secret={value} x\n");
            check_redact(text.as_bytes());
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 3 * 4 + 3 * 3);
    // Hard negatives: padding at a token's end, and a reverse-DNS name ending in a TLD.
    for (text, kind, value) in [
        (
            "Authorization: Bearer dXNlcjpodW50ZXIy0a9== ok\n",
            PiiType::BearerToken,
            "dXNlcjpodW50ZXIy0a9==",
        ),
        (
            "from 62.99.164.82 (62.99.164.82.sh.interxion.inode.at)\n",
            PiiType::Ipv4,
            "62.99.164.82",
        ),
    ] {
        let found: Vec<_> = engine
            .scan(text)
            .into_iter()
            .filter(|f| f.kind == kind.into())
            .map(|f| f.value(text).to_owned())
            .collect();
        assert!(found.iter().any(|v| v == value), "{text:?}: {found:?}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/ssn-after-an-ibans-last-group`,
/// `fuzz/regressions/redact/partial-password-read-as-an-image-tag`, eighteenth run). In
/// `GB82 WEST 1234 5698 7654 32 078 05 1123` the spaced SSN goes on the IBAN's list of numbers,
/// so it is none; once the IBAN was `[IBAN]` it was one: a number a space after a value ending
/// in a digit is looked at as a glued neighbour, and joins the edit. In
/// `hooks.slack.com/workflows/x:pass@9e7e.org` the `:pass@` is no image tag (`@` follows), so
/// no host; the partial `p***@` left `:p` before a mask, read as a tag: a tag glued to a mask is
/// none.
#[test]
fn a_number_after_a_value_and_a_tag_before_a_mask_decide_as_before_redaction() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x6962);
    let mut checked = 0;
    for value in [
        "GB82 WEST 1234 5698 7654 32",
        "10.1.2.3",
        "4111 1111 1111 1111",
    ] {
        for number in ["078 05 1123", "219 09 9999", "+1 415 555 0132"] {
            checked +=
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &format!("{value} {number}"));
        }
    }
    for host in ["hooks.slack.com", "registry.example.com", "quay.example.io"] {
        for cred in ["user:pass@9e7e.org", "bob:hunter2@db.example.net"] {
            let line = r.pick(&lines).clone();
            let text = format!("{line} {host}/workflows/ahrbt93ub{cred}\n");
            check_redact(text.as_bytes());
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 3 * 4 + 3 * 2);
    // Hard negatives: an image reference with its tag is a host; a port after an address is kept.
    assert_keeps(
        &engine,
        "pulling quay.example.io/team/api:1.4.2 now\n",
        "[Hostname]/team/api:1.4.2",
    );
    assert_keeps(&engine, "from 10.1.2.3 port 22 ssh2\n", "port 22 ssh2");
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/email-local-part-holding-armor`,
/// nineteenth run, after nine clean minutes): every finding but a private key ends before PEM
/// armor (fix 24), and an e-mail address whose local part held `-----END` was cut to what came
/// before, `64192.168���`, which holds no `@`. An address or a name that armor would cut short
/// is no finding.
#[test]
fn an_address_holding_armor_is_none() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x6172);
    let mut checked = 0;
    for local in ["64192.168\u{fffd}\u{fffd}", "bob.smith", "x"] {
        for armor in ["-----END", "-----BEGIN RSA"] {
            let addr = format!("{local}{armor}\u{fffd}@example.com");
            let found = engine.scan(&addr);
            assert!(
                found
                    .iter()
                    .all(|f| f.value(&addr).contains('@') || f.kind != PiiType::Email.into()),
                "{addr:?}: {found:?}"
            );
            let line = r.pick(&lines).clone();
            let text = format!("{line} fe80::1%eth0/{addr} fe80::1\n");
            check_redact(text.as_bytes());
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * 2);
    // Hard negative: an address beside armor, apart from it, is found.
    let text = "mail bob@example.com -----BEGIN RSA PRIVATE KEY-----\n";
    assert!(engine
        .scan(text)
        .iter()
        .any(|f| f.value(text) == "bob@example.com"));
}

/// Found by the property tests (`redaction_is_idempotent_in_every_style`): in
/// `Authorization: aws_secret_access_key=…` the key reports its value, and what was left of the
/// header's token once that was redacted (`aws_secret_access_key=` before `[AWSSecret]`) read as
/// one. A header token that starts with a secret's key name is that key's.
#[test]
fn a_key_inside_an_authorization_header_reports_its_own_value() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(476);
    for key in [
        "aws_secret_access_key",
        "password",
        "api_key",
        "client_secret",
    ] {
        let piece = format!("Authorization: {key}=EFuuA6DWITZUS5Ot2upbO49Wj3blC9VMpSzsXkHy");
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
            4
        );
        let once = redact(&engine, Style::Tag, &format!("{piece}\n"));
        assert!(once.contains(&format!("{key}=[")), "{once:?}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/key-name-glued-to-a-long-token`,
/// run 21): in `ghs_9j3k…M9.12.0435password=-N7-C:J08-U11` the identifier before the `=` ran
/// 92 bytes, and a run longer than 64 was taken for data, so no key; once the token was
/// `[GitHubToken]`, the rest `.12.0435password` was a password's key, so redacting twice
/// redacted more. A long run is cut to its last 64 bytes instead, which a redaction before them
/// does not change.
#[test]
fn a_key_name_glued_to_a_long_token_names_the_same_key_before_and_after_redaction() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x64);
    let tokens = [
        "ghs_9j3k30u3rr6qgv7n8b1lo7tz3odp8jODNhYzAxYjA5ZjVmODBhYjgzN2QyNDdjOTNlOGY5NTg2YWM1OGM4M9",
        "ghp_y229gj4jnhk6hymdywbl7z12mxs48yj67ad0ZjVmODBhYjgzN2QyNDdjOTNlOGY5NTg2YWM1",
    ];
    for token in tokens {
        for (key, value) in [
            (".12.0435password", "-N7-C:J08-U11"),
            ("_db_password", "Zq9xplanted77"),
            (".client_secret", "EFuuA6DWITZUS5Ot2upbO49Wj3blC9VM"),
        ] {
            let piece = format!("{token}{key}={value}");
            assert_eq!(
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
                4
            );
            let once = redact(&engine, Style::Tag, &format!("{piece}\n"));
            assert!(!once.contains(value), "{once:?}");
        }
    }
    // Hard negative: a long run of data that ends in no key name is no key.
    let data = format!("{}={}\n", "a3f9c2".repeat(14), "77e1b0c4d5");
    assert_eq!(engine.scan(&data), vec![], "{data:?}");
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/begin-armor-sharing-dashes-with-an-end`,
/// run 21): in `…-----END RSA PRIVATE KEY--------BEGIN RSA PRIVATE KEY-----…` two armor lines
/// share eight dashes. The key found took the dashes for its BEGIN and the next BEGIN lost them
/// to the first key's END (an overlap); once the first key was `[PrivateKey]` inside its kept
/// armor, the next BEGIN took them and the rescan found a key beside the replacement, its body
/// in clear until then. Dashes shared with the armor line before are that line's, and the key
/// starts after them; armor lines with ten dashes or a line break between them are two keys.
#[test]
fn a_begin_line_sharing_dashes_with_the_line_before_is_none() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x9e3);
    let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun";
    // A body over two lines, as a key in a log is: the redactor's look at the line around an
    // edit does not see its end.
    let key =
        |n: u32| format!("-----BEGIN RSA PRIVATE KEY-----{body}\n{n}-----END RSA PRIVATE KEY-----");
    for glue in ["---", "-", "--"] {
        let piece = format!("{}{glue}{}", key(1), &key(2)[5..]);
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
            4
        );
        // Both bodies redacted at once.
        let once = redact(&engine, Style::Tag, &format!("{piece}\n"));
        assert!(!once.contains("MIIE") && !once.contains("\n2-"), "{once:?}");
        let piece = format!("x-----END RSA PRIVATE KEY{glue}{}", key(3));
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
            4
        );
    }
    // Hard negatives: apart, both keys are found.
    for sep in ["\n", "", " "] {
        let text = format!("{}{sep}{}\n", key(1), key(2));
        let found = engine.scan(&text);
        let keys = found
            .iter()
            .filter(|f| f.kind.id() == "private_key")
            .count();
        assert_eq!(keys, 2, "{text:?}: {found:?}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/header-token-holding-a-key-assignment`,
/// run 20): a header token with no scheme that holds a key assignment inside it, not at its
/// start (`Authorization: BafUz…XVCJ9aws_secret_access_key=jh9…`). The key's value won the
/// overlap; once it was `[ApiKey]`, the token up to the `=` read as one, so redacting the output
/// again redacted more. A token with a key assignment anywhere inside is that key's; a token
/// whose last `=` is its base64 padding is still one.
#[test]
fn a_key_assignment_inside_a_header_token_reports_its_own_value() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(1138);
    for head in [
        "BafUzI1NiIsInR5cCI6Ikp10.1.2.3XVCJ9",
        "eyJhbGciOiJIUzI1NiJ9",
        "Zm9vYmFyYmF6cXV4",
    ] {
        for key in [
            "aws_secret_access_key",
            "password",
            "api_key",
            "client_secret",
        ] {
            let piece =
                format!("Authorization: {head}{key}=jh9.kvRPfjAhLhtRTczoRgctVGp7KY1QVH3UBZM");
            assert_eq!(
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
                4
            );
            let once = redact(&engine, Style::Tag, &format!("{piece}\n"));
            assert!(once.contains(&format!("{key}=[")), "{once:?}");
            assert!(!once.contains("jh9.kvRPf"), "{once:?}");
        }
    }
    // Padding, not an assignment: the whole token is the header's.
    let padded = "Authorization: c2VydmljZS1hY2NvdW50OnMzY3JldHRva2Vu\n";
    let padded_too = "Authorization: dXNlcjpzM2NyZXQ5OGFiY2RlZnNlY3JldA==\n";
    for text in [padded, padded_too] {
        let found = engine.scan(text);
        assert_eq!(found.len(), 1, "{text:?}: {found:?}");
        assert_eq!(found[0].end, text.len() - 1, "{text:?}: {found:?}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/password-ver-colon-before-an-address`,
/// run 20): in `password=ver: 10.251.67.225:50010` the value `ver:` was the password, and the
/// address after it read as a version number (`ver: 10.251…`), so it was not reported; once the
/// password was `[Password]`, the address was one, so redacting twice redacted more. A version
/// word is no key's value with the separators the version context looks through either.
#[test]
fn a_version_word_and_its_colon_is_no_password() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(2027);
    for key in ["password", "passwd", "pwd", "secret"] {
        for word in ["ver:", "version:", "v=", "rev:", "build=", "Firmware:"] {
            let piece = format!("{key}={word} 10.251.67.225:50010");
            assert_eq!(
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
                4
            );
            let found = engine.scan(&piece);
            assert!(
                found.iter().all(|f| f.kind.id() != "password"),
                "{piece:?}: {found:?}"
            );
        }
    }
    // A password that only starts with the word is one.
    let found = engine.scan("password=ver:Zq9!x7Lm2 10.251.67.225:50010");
    assert!(found.iter().any(|f| f.kind.id() == "password"), "{found:?}");
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/ipv6-prefix-before-a-slash-and-an-address`,
/// seventh long run): `2001:db8::/99::192.0.2.0/96` reads as the prefix `2001:db8::/99` (a
/// network, which the policy does not report) and an address; once the address is `[IPv6]`,
/// `2001:db8::` is a bare address, so redacting the output again redacted more. An address
/// before the `/` may end in `::` or a hex letter, not only in a digit.
#[test]
fn an_ipv6_address_before_a_slash_and_a_redacted_address_joins_its_edit() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let befores = ["2001:db8::", "fe80::1:abcd", "2607:f140:6000:8004::a", "::"];
    let afters = ["99::192.0.2.0/96", "64::8a2e:370:7334", "48::a:b:c"];
    let mut r = Rng(91);
    let mut checked = 0;
    for before in befores {
        for after in afters {
            checked +=
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &format!("{before}/{after}"));
        }
    }
    assert_eq!(checked, 4 * 3 * 4);
    // Hard negatives: a path or a prefix length after an address is left as it is.
    for (text, kept) in [
        ("route 2001:db8::/32 via fe80::1\n", "2001:db8::/32"),
        ("GET /api/v1/users/42 from 10.1.2.3\n", "/api/v1/users/42"),
    ] {
        assert_keeps(&engine, text, kept);
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/ssn-before-a-slash-and-an-address`,
/// fifth long run): `123-45-6789/10.250.14.224` is no SSN (a digit after the `/` makes it a
/// path), but once the address is `[IPv4]` it is one, so redacting the output again redacted
/// more. The same holds for other values and separators (a card number before `,` and a
/// number, an e-mail address before `:` and a token, a phone number before `/`): a
/// neighbour a separator away from an edit is looked at like a glued one, and joins the edit.
#[test]
fn a_neighbour_a_separator_away_that_a_replacement_would_complete_joins_its_edit() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    // (a value the detectors refuse before `sep` + a digit, the separator)
    let cases = [
        ("123-45-6789", "/"),
        ("+1 415-555-0132", "/"),
        ("4111111111111111", ","),
        ("4111111111111111", "."),
        ("alice@example.com", ":"),
    ];
    let nexts = [
        "10.250.14.224",
        "10.250.14.224:47278",
        "ghp_9j3k30u3rr6qgv7n8b1lo7tz3odp8jt7fxr5",
        "bob@example.org",
    ];
    let mut r = Rng(77);
    let mut checked = 0;
    for (value, sep) in cases {
        for next in nexts {
            checked += assert_idempotent_in_a_line(
                &engine,
                &mut r,
                &lines,
                &format!("{value}{sep}{next}"),
            );
        }
    }
    assert_eq!(checked, 5 * 4 * 4);
    // Hard negatives: a separator after a space or a key's `=` widens nothing.
    for text in [
        "src: /10.250.14.224:47278 dest: /10.250.14.225:50010\n",
        "ip=10.1.2.3,user=bob@example.com\n",
        "key: 10.1.2.3/24 via 10.1.2.1\n",
    ] {
        let found = engine.scan(text);
        let edits = Redactor::new(&engine, Style::Tag, [0; 32]).plan(text, &found);
        let spans: Vec<_> = edits.iter().map(|e| (e.start, e.end)).collect();
        let own: Vec<_> = found.iter().map(|f| (f.start, f.end)).collect();
        assert_eq!(spans, own, "{text}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/host-after-an-email-shaped-run`,
/// tenth long run): in `4111111111111111���������info@presidio.site----ak6aa92e.com:J` the run
/// before the `@` is longer than a local part may be (64 bytes), so it was no address and the
/// host after the `@` was not reported; once the card number in the run was `[CreditCard]`, the
/// rest was short enough, `info@…com:J` read as scp's `user@host:path` and the host was found,
/// so redacting the output again redacted more. The host of `user@host:path` is now found
/// whatever the run before the `@` holds (only an e-mail address needs a local part of at most
/// 64 bytes).
#[test]
fn a_host_after_an_at_is_found_whatever_the_run_before_it() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x4057);
    let mut checked = 0;
    for card in ["4111111111111111", "5500005555555559", "6011000990139424"] {
        for glue in ["\u{fffd}", "é", "-", ""] {
            for n in [1, 9, 30] {
                for tail in [":J", ":/srv/www", ":~/x", " done"] {
                    let piece = format!("{card}{}info@web1.example.org{tail}", glue.repeat(n));
                    checked += assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece);
                }
            }
        }
    }
    assert_eq!(checked, 3 * 4 * 3 * 4 * 4);
    // A run too long for a local part before `user@host:path`: the host is found.
    for run in ["é".repeat(40), "\u{fffd}".repeat(25), "a.b-c_".repeat(12)] {
        let text = format!("copied {run}info@web1.example.org:/srv/www\n");
        let hosts: Vec<_> = engine
            .scan(&text)
            .into_iter()
            .filter(|f| f.kind == PiiType::Hostname.into())
            .map(|f| f.value(&text).to_owned())
            .collect();
        assert_eq!(hosts, ["web1.example.org"], "{text:?}");
    }
    // Hard negatives: such a run before a plain `@domain` is no address, and a file name with
    // an `@` is no host.
    for (text, kept) in [
        (
            format!("id {}@example.com ok\n", "é".repeat(40)),
            "@example.com",
        ),
        (
            "loaded image@2x.png from foo.log\n".to_owned(),
            "image@2x.png",
        ),
    ] {
        assert_keeps(&engine, &text, kept);
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/partial-email-with-a-non-ascii-local-part`,
/// eleventh long run): in `x@y.orgt���10.1.2.3���@y.org…ample.com���iiiii` the run before the
/// second `@` is too long for a local part and the last label after it too long for a domain
/// (more than 63 bytes), so only the address is found, and its partial `10.*.*.*` rescans clean.
/// But the redactor looks at an edit's neighbours in a window of 128 bytes each side, whose edge
/// cut the last label short enough to be one: the edit widened over the cut address; and that
/// was checked with the partial replacement, while the widened edit writes the tag, and with
/// `[IPv4]` in its place `x@y.orgt���` before it is a whole address (the `10` no longer ends its
/// domain). A neighbour the window's edge cuts is now looked at again in a wider window, and a
/// widened edit takes its replacement at once, so the next look rescans what will be written.
#[test]
fn a_neighbour_is_looked_at_whole_and_beside_the_replacement_it_will_have() {
    let lines = loghub_lines();
    let mut r = Rng(0x6e61);
    let mut checked = 0;
    for glue in ["\u{fffd}", "é", "ü"] {
        for addr in ["10.1.2.3", "62.99.164.82", "192.168.201.7"] {
            // A trailing run from well inside the window to past its edge.
            for n in [4, 12, 16, 19, 22, 30] {
                let g = |k: usize| glue.repeat(k);
                let piece = format!(
                    "x@y.orgt{}{addr}{}@y.orgt7ou90{}ample.com{}iiiii",
                    g(18),
                    g(12),
                    g(8),
                    g(n)
                );
                let line = r.pick(&lines).clone();
                let (text, _) = insert_at_space(&mut r, &line, &format!(" {piece} "));
                // Every style: the output rescans with nothing at or beside a replacement, and
                // redacting it again changes nothing.
                check_redact(text.as_bytes());
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 6);
}

/// Random sequences of tricky fragments, glued together or separated as log fields are: our
/// own tags and masks next to digits, URLs with user names, values of every kind side by side.
/// Every style's output scans clean.
#[test]
fn fragment_fuzz_redacts_clean() {
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
        "10.0.0.1",
        "alice@example.com",
        " 10.1.2.3 ",
        "https://",
        "bob:pw12@",
        "db.example.org",
        ":5432",
        " 4111 1111 1111 1111 ",
        "123-45-6789",
        "+1 555 234 5678",
    ];
    let eng = Engine::with_defaults();
    let mut r = Rng(12);
    let mut bad = Vec::new();
    for _ in 0..4000 {
        let n = r.below(30) as usize;
        let mut text = String::new();
        for _ in 0..n {
            text.push_str(PIECES[r.below(PIECES.len() as u64) as usize]);
            text.push_str(["", "", " ", "\n", ", ", "; "][r.below(6) as usize]);
        }
        for style in STYLES {
            let out = redact(&eng, style, &text);
            let left = eng.scan(&out);
            if !left.is_empty() && bad.len() < 5 {
                let ids: Vec<_> = left.iter().map(|f| f.kind.id().to_owned()).collect();
                bad.push(format!("{style:?} {text:?} -> {out:?} left {ids:?}"));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Found by the `redact` fuzz target: in `fe80::1%eth0@y.org` an e-mail wins over the IPv6
/// address, and its `partial` replacement `1***@y.org` kept the `1` that makes `fe80::1` an
/// address again, in clear, next to the replacement. A partial replacement that joins its
/// neighbours into a finding falls back to the tag.
#[test]
fn partial_never_joins_its_neighbours_into_a_new_value() {
    let engine = Engine::with_defaults();
    let text = "peer fe80::1%ethx@y.org and fe80::1 up\n";
    let found = engine.scan(text);
    assert!(found.iter().any(|f| f.kind.id() == "email"), "{found:?}");
    let out = apply(
        text,
        &Redactor::new(&engine, Style::Partial, [0; 32]).plan(text, &found),
    );
    assert_eq!(out, "peer fe80::[Email] and fe80:**** up\n");
    assert!(engine.scan(&out).is_empty(), "{out}");
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/partial-host-beside-a-key`): the
/// host `db-primary.internalpassword` hides a `password=` key inside its last label; its partial
/// `**********.internalpassword` no longer reads as one name with the key, so a second
/// redaction found `password=com:5432/orders`. A partial with a new finding a separator away
/// becomes the tag.
#[test]
fn partial_never_leaves_a_key_beside_it_that_reads_as_a_new_value() {
    let engine = Engine::with_defaults();
    let text = "connecting to postgresql://orders:Tr0ub4dor-and-3@db-primary.internalpassword=com:5432/orders\n";
    let r = Redactor::new(&engine, Style::Partial, [0; 32]);
    let once = apply(text, &r.plan(text, &engine.scan(text)));
    let again = engine.scan(&once);
    assert!(again.is_empty(), "{once} rescans as {again:?}");
    assert!(!once.contains("Tr0ub4dor"), "{once}");
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/jwt-chain-next-to-a-tag`): in a
/// chain of JWT-shaped parts the last three were taken for a JWT, so redaction cut the chain
/// and what was left beside the tag (`eyJhIjozfQ.f1J9.[JWT]`) rescanned as a new JWT. A JWT is
/// a whole dotted token: the chain holds none, and a real one beside it is still found.
#[test]
fn redaction_does_not_cut_a_chain_into_a_new_jwt() {
    let engine = Engine::with_defaults();
    let chain = "eyJhIjozfQ.f1J9.eyJjIjozfQ.hxnT.";
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
    let text = format!("{chain}\nsession {chain} token {jwt} end\n");
    let found = engine.scan(&text);
    let ids: Vec<_> = found
        .iter()
        .map(|f| (f.kind.id(), f.value(&text)))
        .collect();
    assert_eq!(ids, vec![("jwt", jwt)]);
    for style in STYLES {
        let out = apply(
            &text,
            &Redactor::new(&engine, style, [0; 32]).plan(&text, &found),
        );
        assert!(engine.scan(&out).is_empty(), "{style:?}: {out}");
        assert!(out.contains(chain), "{style:?}: {out}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/ipv6-glued-to-an-iban`): a
/// neighbour that a detector refuses only for the character glued to it (`2001:db8::` before
/// the IBAN's `G` is no address) becomes a finding once a replacement stands there
/// (`2001:db8::[IBAN]`). The neighbour joins the edit beside it, in every style, and the output
/// rescans clean; a value separated from its key or the next field as usual is left alone.
#[test]
fn a_neighbour_a_replacement_would_complete_joins_its_edit() {
    let engine = Engine::with_defaults();
    let cases = [
        // (text, what must stay in the output)
        (
            "to 2001:db8::GB82 WEST 1234 5698 7654 32.1 ok\n",
            vec!["to ", ".1 ok"],
        ),
        (
            "route 2001:db8::alice@example.com up\n",
            vec!["route ", " up"],
        ),
        // An IPv6 prefix whose IPv4 tail is the finding: without the tail, eight groups.
        (
            "address aa:bb:01:db8:0:0:0:0:192.168.1.1 up\n",
            vec!["address ", " up"],
        ),
        // Hard negatives: not glued, nothing more is replaced than the finding.
        (
            "ip=10.1.2.3:8080 user=bob@example.com\n",
            vec!["ip=", ":8080 user="],
        ),
        (
            "(2001:db8::1) <bob@example.com>, 10.1.2.3;\n",
            vec!["(", ") <", ">, ", ";"],
        ),
    ];
    for (text, kept) in cases {
        let found = engine.scan(text);
        assert!(!found.is_empty(), "{text}");
        for style in STYLES {
            let edits = Redactor::new(&engine, style, [0; 32]).plan(text, &found);
            assert_eq!(edits.len(), found.len());
            let out = apply(text, &edits);
            assert!(engine.scan(&out).is_empty(), "{style:?}: {out}");
            for k in &kept {
                assert!(out.contains(k), "{style:?}: {k:?} lost in {out}");
            }
            // `partial` keeps the IBAN's country (`2001:db8::GB** …`): still glued, still no
            // address; the others replace the neighbour with the value.
            if style != Style::Partial {
                assert!(!out.contains("2001:db8::"), "{style:?}: {out}");
            }
        }
    }
    // Only the glued cases widen an edit.
    let plain = "ip=10.1.2.3:8080 user=bob@example.com\n";
    let found = engine.scan(plain);
    let edits = Redactor::new(&engine, Style::Tag, [0; 32]).plan(plain, &found);
    let spans: Vec<_> = edits.iter().map(|e| (e.start, e.end)).collect();
    let own: Vec<_> = found.iter().map(|f| (f.start, f.end)).collect();
    assert_eq!(spans, own);
}

/// Pseudonyms that do not collide (issue 14): a million distinct e-mail addresses, one token
/// each and no token shared (at 24 bits, 22 of 20,000 addresses shared one). The token is the
/// tag and 18 hex digits, and the same value keeps its token.
#[test]
fn a_million_distinct_values_get_a_million_distinct_pseudonyms() {
    use std::collections::HashSet;
    let engine = Engine::with_defaults();
    let r = Redactor::new(&engine, Style::Pseudonym, [5; 32]);
    let kind = tftsr_engine::Kind::Builtin(PiiType::Email);
    let mut seen = HashSet::with_capacity(1 << 20);
    let mut v = String::new();
    for i in 0..1_000_000u32 {
        v.clear();
        use std::fmt::Write;
        write!(v, "user{i}@example.com").unwrap();
        let f = Finding {
            kind: kind.clone(),
            start: 0,
            end: v.len(),
        };
        let t = r.replacement(&f, &v);
        if i == 0 {
            let hex = t.strip_prefix("[Email-").and_then(|t| t.strip_suffix(']'));
            assert!(
                hex.is_some_and(|h| h.len() == 18 && h.bytes().all(|c| c.is_ascii_hexdigit())),
                "{t}"
            );
            assert_eq!(r.replacement(&f, &v), t, "the same value, the same token");
            assert!(engine.scan(&format!("user={t} ok")).is_empty(), "{t}");
        }
        assert!(seen.insert(t), "value {i} shares a token");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/pem-body-short-until-a-pseudonym`,
/// long run of 2026-12-04): a BEGIN/END pair around a few words and a phone number is no key
/// (too few base64 characters in the body), but once the phone number was
/// `[Phone-67cfb9866527dbe25a]` the pseudonym's hex made it one, so redacting the output again
/// redacted more. Our own tags in a body count for nothing, so a redaction can only make a body
/// less key-like; a real key with a tag inside it is still a key.
#[test]
fn a_short_pem_body_stays_no_key_after_its_values_are_pseudonymised() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x5e1);
    for value in [
        "+93 06 678 4343",
        "(415) 555-0132",
        "ann.lee@example.org",
        "10.251.67.225",
        "078 05 1123",
    ] {
        for words in ["e is \0", "key for", "then the number is", ""] {
            let piece = format!(
                "-----BEGIN PRIVATE KEY-----{words} {value}\nMy US number -----END PRIVATE KEY-----"
            );
            assert_eq!(
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
                4
            );
            let text = format!("{piece}\n");
            let once = redact(&engine, Style::Pseudonym, &text);
            assert!(!once.contains(value), "{once:?}");
            assert!(
                engine
                    .scan(&once)
                    .iter()
                    .all(|f| f.kind.id() != "private_key"),
                "{once:?}"
            );
        }
    }
    // Hard negatives: a real key is found whole, with one of our tags or a pseudonym inside its
    // body or not, and redacted to its armor.
    let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun";
    for inside in ["", "[Phone]", "[Email-0123456789abcdef01]"] {
        let text = format!(
            "x -----BEGIN RSA PRIVATE KEY-----\n{body}{inside}\n{body}\n-----END RSA PRIVATE KEY----- y\n"
        );
        let found = engine.scan(&text);
        assert_eq!(found.len(), 1, "{text:?}: {found:?}");
        assert_eq!(found[0].kind.id(), "private_key");
        assert!(found[0]
            .value(&text)
            .ends_with("-----END RSA PRIVATE KEY-----"));
        let once = redact(&engine, Style::Tag, &text);
        assert!(!once.contains("MIIE"), "{once:?}");
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/mask-of-a-widened-key-edit-loses-its-armor`,
/// run 24): in the `mask` style, a private key's edit widened over a neighbour glued to it was
/// masked whole, armor lines included, so a lone `-----BEGIN` before it paired with a stray
/// `-----END` after it and the output rescanned as one key. A widened edit keeps the key's armor
/// in every style, as a plain one does.
#[test]
fn a_widened_key_edit_keeps_its_armor_in_every_style() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x24a);
    let body = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun";
    // Neighbours glued before the BEGIN line or after the END line.
    for (before, after) in [
        ("", "team@corp.example.org"),
        ("", "10.251.67.225"),
        ("ops@example.org", ""),
        ("x", "y"),
    ] {
        let key = format!(
            "{before}-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----{after}"
        );
        let text = format!(
            "start -----BEGIN RSA PRIVATE KEY-----\nnot a key\n{key}\nthen a stray -----END RSA PRIVATE KEY----- end\n"
        );
        for style in STYLES {
            let once = redact(&engine, style, &text);
            assert!(!once.contains("MIIE"), "{style:?}: {once:?}");
            assert_eq!(
                once.matches("-----BEGIN RSA PRIVATE KEY-----").count(),
                2,
                "{style:?}: the armor is kept: {once:?}"
            );
            let again = engine.scan(&once);
            assert!(
                again.iter().all(|f| f.kind.id() != "private_key"),
                "{style:?}: {once:?} rescans as {again:?}"
            );
        }
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, &key),
            4
        );
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/password-run-ending-in-ver-before-an-address`,
/// run 24): a password's value that ends in `ver:` (`password=…Xce�ver: 10.251.214.130:50010`)
/// made the address after it a version, until the value was `[Password]` and the address was
/// one. A short version word counts only when it stands on its own, so the address is found
/// before and after; a version after a word of its own stays no address.
#[test]
fn an_address_after_a_value_ending_in_a_version_word_is_found_before_and_after_redaction() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x5e2);
    for tail in ["Xce\u{fffd}ver:", "abc-ver:", "q9.v=", "x\u{fffd}fw "] {
        for addr in ["10.251.214.130:50010", "10.251.214.130"] {
            let piece = format!("password=Zq9{tail} {addr}:Got");
            assert_eq!(
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
                4
            );
            let once = redact(&engine, Style::Tag, &format!("{piece}\n"));
            assert!(!once.contains("10.251.214.130"), "{once:?}");
        }
    }
    // Hard negatives: a version word of its own still makes the number a version.
    for text in [
        "upgraded to ver: 10.2.3.4 today",
        "(v 10.2.3.4) running",
        "\"ver\": \"10.2.3.4\"",
    ] {
        let found = engine.scan(text);
        assert!(
            found.iter().all(|f| f.kind.id() != "ipv4"),
            "{text:?}: {found:?}"
        );
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/address-after-a-redacted-host-in-a-url`,
/// run 25): `…@db-primary.internal.eversion 1.2.3.4`: the host name ends in `eversion`, whose
/// `version` made the number after it a version, until the host was `[Hostname]` and the
/// number an address. A refusal for context holds only while no finding covers that context:
/// the address is found when the version word is part of another finding, before and after
/// redaction, and stays a version after a word that no finding takes.
#[test]
fn a_version_word_inside_another_finding_refuses_no_address() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x25a);
    for piece in [
        "postgresql://orders:Tr0ub4dor@db-primary.internal.eversion 10.251.67.225",
        "host=build.example.com:8080 release: 10.251.67.225",
        "password=Zq9xK2mPrelease 10.251.67.225",
        "redis://:s3cret@cache.prod.example.org/firmware=10.251.67.225",
    ] {
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, piece),
            4
        );
    }
    // The word is another finding's: the address is found in the first pass.
    for piece in [
        "postgresql://orders:Tr0ub4dor@db-primary.internal.eversion 10.251.67.225",
        "password=Zq9xK2mPrelease 10.251.67.225",
    ] {
        let once = redact(&engine, Style::Tag, &format!("{piece}\n"));
        assert!(!once.contains("10.251.67.225"), "{once:?}");
    }
    // A version word of its own (or a key's last word) still makes the number a version.
    for text in [
        "agent version 10.2.3.4 started",
        "appVersion: 10.2.3.4",
        "app_release=10.2.3.4",
        "firmware 10.2.3.4 on db.example.com",
    ] {
        let found = engine.scan(text);
        assert!(
            found.iter().all(|f| f.kind.id() != "ipv4"),
            "{text:?}: {found:?}"
        );
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/host-left-of-an-address-glued-to-tags`,
/// run 25): a URL's user part ends at its last `@`, and here that `@` was an e-mail address's
/// (`postgresql://u:pw@db.internal.exao[Email]r-and-3@db.internal.example- …`); once the address
/// was `[Email]`, the rescan split at the `@` before it and found the host `db.internal.exao`.
/// That split is taken in the first pass too when a finding covers the last `@`, so both passes
/// find the same; an `@` that no finding covers still ends the user part.
#[test]
fn a_url_split_at_an_e_mail_address_is_the_one_a_rescan_makes() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x25b);
    for piece in [
        "postgresql://ord:Tr0ub4do[Email]r-and-3@db-primary.internal.exao[Email]r-and-3@db-primary.internal.example- Recei",
        "postgresql://orders:Tr0ub4dor@db-primary.internal.exao[Email]ops@corp.example.org",
        "mysql://app:[Password]@db.prod.lan[Email]dba@example.com:3306",
    ] {
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, piece),
            4
        );
    }
    let text =
        "postgresql://orders:Tr0ub4dor@db-primary.internal.exao[Email]ops@corp.example.org\n";
    let once = redact(&engine, Style::Tag, text);
    assert!(!once.contains("db-primary"), "{once:?}");
    assert!(!once.contains("corp.example"), "{once:?}");
    // No finding covers the last `@`: the user part ends there, the host is after it.
    let text = "ftp://alice:s3cr3tPw@relay.exao@files.internal/x";
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        ids(text, &engine.scan(text)),
        [
            s("url_credentials", "alice:s3cr3tPw@relay.exao"),
            s("hostname", "files.internal")
        ],
    );
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/header-token-ending-in-an-assignment-before-a-tag`,
/// run 26): `Authorization: Bahost.internal.example.comToken=AKIA…` is an assignment inside a
/// header token (no secret of its own; the AWS key is found); once the key was `[AWSKey]`, the
/// token up to the `=` read as an API key next to the tag. A trailing `=` before what does not
/// end a value assigns, as after `Bearer`; base64 padding at a token's end stays a token.
#[test]
fn a_header_token_ending_in_an_assignment_is_no_token_before_or_after_redaction() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x26a);
    for piece in [
        "-H \"Authorization: Bahost.internal.example.comToken=AKIACBYTFHJ5VZJCLQJD",
        "Authorization: Bahost.internal.example.comToken=AKIACBYTFHJ5VZJCLQJD\"",
        "Authorization: x9Fq2mPvT7wQ.sessionKey=ghp_Zq9xK2mP4vT7wQ1aB3cD5eF7gH9iJ0kL2mN4",
    ] {
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, piece),
            4
        );
    }
    for text in [
        "Authorization: Bahost.internal.example.comToken=[AWSKey]\n",
        "Authorization: x9Fq2mPvT7wQ.sessionKey=[GitHubToken-0123456789abcdef01]\n",
    ] {
        let found = engine.scan(text);
        assert!(found.is_empty(), "{text:?}: {found:?}");
    }
    // Padding at the end of a token is no assignment.
    for text in [
        "Authorization: dXNlcjpwYXNzd29yZDEyMw==\n",
        "Authorization: \"dXNlcjpwYXNzd29yZDEyMw==\", next",
    ] {
        let found = engine.scan(text);
        assert_eq!(
            found
                .iter()
                .map(|f| &text[f.start..f.end])
                .collect::<Vec<_>>(),
            ["dXNlcjpwYXNzd29yZDEyMw=="],
            "{text:?}"
        );
    }
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/url-whose-only-at-is-an-e-mail-address`,
/// run 26): in `postgresql://92e.coecret=ser@xn--80ak6aa92e.com`, the only `@` is an e-mail
/// address's; the user part before it has no `:`, so it was a user name and no host was
/// found; once the address was `[Email]`, the URL had no user part and `92e.coecret` was its
/// host. The split a rescan makes (here: none) is taken when a finding covers the last `@`.
#[test]
fn a_url_whose_only_at_is_an_e_mail_address_finds_its_host_before_and_after_redaction() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x26b);
    for piece in [
        "postgresql://92e.coecret=ser@xn--80ak6aa92e.com today",
        "redis://cache.prod.lan/ops@example.org",
        "https://alice@example.com/x",
        "https://user.name@example.com/",
    ] {
        assert_eq!(
            assert_idempotent_in_a_line(&engine, &mut r, &lines, piece),
            4
        );
    }
    let ids = |text: &str| ids(text, &engine.scan(text));
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        ids("postgresql://92e.coecret=ser@xn--80ak6aa92e.com today"),
        [
            s("hostname", "92e.coecret"),
            s("email", "ser@xn--80ak6aa92e.com")
        ]
    );
    // A user name that is an address: the address, and no host taken from it.
    assert_eq!(
        ids("https://user.name@example.com/"),
        [s("email", "user.name@example.com")]
    );
    assert_eq!(
        ids("https://alice@example.com/x"),
        [s("email", "alice@example.com")]
    );
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/value-checked-once-a-key-in-another-value-is-redacted`,
/// run 26): keys glued into one bare run share a budget of checks (the first eight values that
/// end at one place), and a key whose name lay inside another key's value (`api_key=��aws_secret_access_key
/// :::= "…`) took some; once that value was `[ApiKey]`, the key was gone, tries were free, and
/// the last value of the run was found. A key inside a value already found assigns nothing, so
/// what is found after that value is the same whether it is in clear or a tag, whatever the
/// lengths of the values around it (invalid bytes, decoded as U+FFFD, as the fuzzer wrote them).
#[test]
fn a_key_inside_a_found_value_takes_no_check_from_the_keys_after_it() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x26c);
    let f = "\u{fffd}";
    let after = |text: &str, from: usize| -> Vec<String> {
        engine
            .scan(text)
            .into_iter()
            .filter(|x| x.start >= from)
            .map(|x| format!("{} {}", x.kind.id(), &text[x.start..x.end]))
            .collect()
    };
    let mut compared = 0;
    for first in (1..=80).step_by(4) {
        for zeros in [0, 8] {
            let rest = format!(
                " :::= \"AKIALALEMEL3324{}{}{}aws_secret_access_key={}aws_secret_access_key={}:3C:4{}\u{15}KIALALEM1810388 file /mnt/hadoop/dfs/data/current/subdir5/blk_5528471097481810388",
                f.repeat(19),
                "\0".repeat(zeros),
                f.repeat(13),
                f.repeat(first),
                f.repeat(31),
                f.repeat(9)
            );
            for outer in [
                "api_key=\u{fffd}\u{fffd}aws_secret_access_key",
                "api_key=Zq9xK2mP4vT7aws_secret_access_key",
            ] {
                let clear = format!("{outer}{rest}");
                let tagged = format!("api_key=[ApiKey]{rest}");
                assert_eq!(
                    after(&clear, outer.len()),
                    after(&tagged, "api_key=[ApiKey]".len()),
                    "first={first} zeros={zeros} {outer:?}"
                );
                compared += 1;
                if first % 16 == 1 {
                    assert_idempotent_in_a_line(&engine, &mut r, &lines, &clear);
                }
            }
        }
    }
    assert_eq!(compared, 20 * 2 * 2);
}

/// Found by the `redact` fuzz target (`fuzz/regressions/redact/address-sharing-a-local-part-with-one-that-lost`,
/// run 27): in `https://hooks.slack.com/workflows/…/O8li+SX4m98LLoa@xn--d1acufc.xn--p1ai@presidio.site`
/// the first address (`O8li…@xn--d1acufc.xn--p1ai`) lost to the Slack webhook over its local
/// part, and the second (`xn--d1acufc.xn--p1ai@presidio.site`) was refused because two
/// addresses never share characters; once the webhook was `[SlackToken]`, the first address was
/// gone and the second whole. The second is kept, refused unless a finding covers the first
/// one's local part: found when another finding takes it, not when the first address is found.
#[test]
fn an_address_sharing_its_local_part_with_one_that_lost_is_found_before_and_after() {
    let engine = Engine::with_defaults();
    let lines = loghub_lines();
    let mut r = Rng(0x27a);
    let ids = |text: &str| ids(text, &engine.scan(text));
    for head in [
        "https://hooks.slack.com/workflows/ahrbtAn6/O8li+SX4m98LLoa",
        "https://hooks.slack.com/services/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",
    ] {
        for tail in [
            "xn--d1acufc.xn--p1ai@presidio.site",
            "ops.example.org@corp.example.com",
        ] {
            let piece = format!("{head}@{tail} or");
            assert_eq!(
                assert_idempotent_in_a_line(&engine, &mut r, &lines, &piece),
                4
            );
            let found = ids(&piece);
            assert_eq!(found.len(), 2, "{piece:?}: {found:?}");
            assert_eq!(found[0].0, "slack_token", "{piece:?}: {found:?}");
            assert_eq!(
                found[1],
                ("email".to_string(), tail.to_string()),
                "{piece:?}"
            );
        }
    }
    // Nothing else takes the first address: it is found, and the second shares its characters.
    let text = "from ops@xn--d1acufc.xn--p1ai@presidio.site or";
    assert_eq!(
        ids(text),
        [("email".to_string(), "ops@xn--d1acufc.xn--p1ai".to_string())]
    );
    assert_eq!(
        assert_idempotent_in_a_line(
            &engine,
            &mut r,
            &lines,
            "ops@xn--d1acufc.xn--p1ai@presidio.site"
        ),
        4
    );
}
