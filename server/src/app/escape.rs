//! Text from outside (file names, issue titles, tags, what a user typed) printed for a human:
//! control characters are escaped, as ripgrep and git do, so an escape sequence in a name never
//! reaches the terminal raw (it could retitle the window, hide text or fake a prompt) and a
//! newline in a file name cannot start a finding line of its own. JSONL and SARIF carry the exact
//! text (JSON escapes it already) and never go through here. Used by the CLI and by the language
//! server (its messages, progress texts and issue summaries).

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` on one line: every control character (C0, DEL, C1), and the bidirectional overrides that
/// reorder what is shown (Trojan Source), as a visible escape (`\n`, `\t`, `\x1b`, `\u{202e}`).
pub fn name(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Multi-line text a user wrote (a description): as [`name`] but newlines and tabs stay.
pub fn text(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

fn needs(c: char, keep_lines: bool) -> bool {
    match c {
        '\n' | '\t' => !keep_lines,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control(),
    }
}

fn escape(s: &str, keep_lines: bool) -> Cow<'_, str> {
    if !s.chars().any(|c| needs(c, keep_lines)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs(c, keep_lines) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_borrowed() {
        let cases = [
            ("app.log", "app.log"),
            ("José 😀.log", "José 😀.log"),
            ("a\x1b]0;owned\x07b", "a\\x1b]0;owned\\x07b"),
            ("x.log:1:1: email\ny", "x.log:1:1: email\\ny"),
            ("cr\rtab\tdel\x7f", "cr\\rtab\\tdel\\x7f"),
            ("c1\u{9b}31m", "c1\\u{9b}31m"),
            ("evil\u{202e}gol.txt", "evil\\u{202e}gol.txt"),
        ];
        for (input, want) in cases {
            assert_eq!(name(input), want, "{input:?}");
        }
        assert!(matches!(name("plain"), Cow::Borrowed(_)));
        assert_eq!(text("line 1\n\tline 2\x1b[2J"), "line 1\n\tline 2\\x1b[2J");
    }
}
