//! Worst-case inputs generated from the catalog: each rule's keywords and prefixes, alone and
//! followed by the separators, quotes and brackets the detectors react to, repeated into one
//! long line. The linear-time tests, the worst-case benchmark and the memory test use them, so
//! a rule added to the catalog is covered without touching any of them.

use super::{Family, RULES};

/// What follows a keyword in the generated units: nothing, assignment syntaxes, quotes,
/// brackets, the delimiters of token prefixes, and a character of the value classes.
const SUFFIXES: &[&str] = &[
    "", "=", "=\"", "='", "=[", "=<", "={", "=(", ": ", ":\"", "\":\"", "\": \"", " = ", "=>",
    ":=", "_", "-", ".", "/", " ", "a", "1", "=x.", "=a ", "x", "@a.co", "=\\\"", "\n", "=\"a\n",
];

/// Family-wide pieces that no single keyword spells: digit groups, dotted and coloned shapes.
fn extra_units(f: Family) -> &'static [&'static str] {
    match f {
        Family::Pii => &[
            "1234 ", "1234-", "123-45-", "+1 ", "+44 ", "(555) ", "1-", "AB12",
        ],
        Family::Network => &[
            "1.", "1.2.", "a.", "a-", "::", "a:", "1:", "ab:", "00:1a:", "x.com ",
        ],
        Family::Credential => &[
            "eyJ",
            "eyJhbGciOiJIUzI1NiJ9.",
            "Bearer ",
            "a://",
            "a://b:c@",
        ],
        Family::ProviderToken => &["AKIA", "AIza", "gh", "xox"],
    }
}

/// The worst-case units of a family (see the module doc).
pub fn units(f: Family) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut all_kw = String::new();
    for r in RULES.iter().filter(|r| r.family == f) {
        for k in r.keywords {
            all_kw.push_str(k);
            for s in SUFFIXES {
                out.push(format!("{k}{s}"));
            }
            // Quoted JSON key forms.
            out.push(format!("\"{k}\": \""));
        }
    }
    out.extend(extra_units(f).iter().map(|s| (*s).to_owned()));
    // Everything of the family at once (interleavings: `AIza-eyJ-…`).
    let joined: String = out.concat();
    out.push(all_kw);
    out.push(joined);
    out.sort();
    out.dedup();
    out
}

/// `unit` repeated into one line of `n` bytes (cut on a char boundary).
pub fn repeat_to(unit: &str, n: usize) -> String {
    let mut s = String::with_capacity(n + unit.len());
    while s.len() < n {
        s.push_str(unit);
    }
    let mut cut = n;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    s.truncate(cut);
    s
}
