//! Redaction: from findings to a plan of edits, in one of four styles (DESIGN.md).

use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::catalog::Partial;
use super::{Engine, Finding, Kind};

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// `[Email]`
    #[default]
    Tag,
    /// one `*` per character, so columns stay aligned
    Mask,
    /// keep what support needs and no more: `****-****-****-1111`, `j***@example.com`
    Partial,
    /// `[Email-3f9a1c]`: keyed HMAC-SHA-256, the same value always gives the same token
    Pseudonym,
}

impl FromStr for Style {
    type Err = String;
    fn from_str(s: &str) -> Result<Style, String> {
        match s {
            "tag" => Ok(Style::Tag),
            "mask" => Ok(Style::Mask),
            "partial" => Ok(Style::Partial),
            "pseudonym" => Ok(Style::Pseudonym),
            other => Err(format!(
                "unknown redaction style `{other}` (expected tag, mask, partial or pseudonym)"
            )),
        }
    }
}

/// One replacement: bytes `[start, end)` of the text become `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub replacement: String,
}

/// Turns findings into edits in one style.
pub struct Redactor<'e> {
    engine: &'e Engine,
    style: Style,
    /// Secret for the `pseudonym` style (kept in the store); other styles ignore it.
    pseudonym_key: [u8; 32],
}

impl<'e> Redactor<'e> {
    pub fn new(engine: &'e Engine, style: Style, pseudonym_key: [u8; 32]) -> Redactor<'e> {
        Redactor {
            engine,
            style,
            pseudonym_key,
        }
    }

    pub fn style(&self) -> Style {
        self.style
    }

    /// The replacement text for one finding whose value is `value`.
    ///
    /// Every style's output is built so that scanning it again finds nothing (`[..]` tags and
    /// `*` masks are never findings) and so that redacting twice changes nothing more.
    pub fn replacement(&self, finding: &Finding, value: &str) -> String {
        let tag = self.engine.tag(&finding.kind);
        match self.style {
            Style::Tag => tag.to_owned(),
            Style::Mask => mask(value),
            Style::Partial => partial(&finding.kind, value),
            Style::Pseudonym => {
                let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.pseudonym_key)
                    .expect("HMAC takes any key length");
                // The kind is part of the input so equal strings of different kinds differ.
                mac.update(finding.kind.id().as_bytes());
                mac.update(&[0]);
                mac.update(value.as_bytes());
                let h = hex::encode(&mac.finalize().into_bytes()[..3]);
                match tag.strip_suffix(']') {
                    Some(t) => format!("{t}-{h}]"),
                    None => format!("{tag}-{h}"),
                }
            }
        }
    }

    /// Edits for `findings` (sorted, non-overlapping) over `text`.
    pub fn plan(&self, text: &str, findings: &[Finding]) -> Vec<Edit> {
        let mut edits: Vec<Edit> = findings
            .iter()
            .map(|f| Edit {
                start: f.start,
                end: f.end,
                replacement: self.replacement(f, f.value(text)),
            })
            .collect();
        if self.style == Style::Partial {
            self.settle_partial(text, findings, &mut edits);
        }
        edits
    }

    /// `partial` keeps characters (`j***@example.com`, `10.*.*.*`), and a kept part can join
    /// the text beside it into a new value: `fe80::1%eth0@y.org` has an e-mail that won over an
    /// IPv6 address, and its partial `1***@y.org` makes `fe80::1` whole again (found by the
    /// `redact` fuzz target). A replacement that the output's rescan finds anything at or next
    /// to becomes the tag, which never joins with anything.
    fn settle_partial(&self, text: &str, findings: &[Finding], edits: &mut [Edit]) {
        for _ in 0..2 {
            let out = apply(text, edits);
            let found = self.engine.scan(&out);
            if found.is_empty() {
                return;
            }
            let mut delta: isize = 0;
            let mut changed = false;
            for (e, f) in edits.iter_mut().zip(findings) {
                let s = (e.start as isize + delta) as usize;
                let r = s..s + e.replacement.len();
                delta += e.replacement.len() as isize - (e.end - e.start) as isize;
                let i = found.partition_point(|x| x.end < r.start);
                if found.get(i).is_some_and(|x| x.start <= r.end) {
                    let tag = self.engine.tag(&f.kind);
                    if e.replacement != tag {
                        e.replacement = tag.to_owned();
                        changed = true;
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }
}

/// Applies sorted, non-overlapping edits to `text`.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for e in edits {
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.replacement);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// One `*` per character; line breaks are kept so a masked multi-line key keeps line numbers.
fn mask(value: &str) -> String {
    value
        .chars()
        .map(|c| if c == '\n' || c == '\r' { c } else { '*' })
        .collect()
}

/// Masks every ASCII alphanumeric of `v` except the last `keep` digits/letters; separators
/// (`-`, ` `, `.`, `:`) stay so the shape remains readable.
fn keep_last(v: &str, keep: usize) -> String {
    let total = v.chars().filter(|c| c.is_ascii_alphanumeric()).count();
    let mut seen = 0;
    v.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                seen += 1;
                if seen > total.saturating_sub(keep) {
                    c
                } else {
                    '*'
                }
            } else {
                c
            }
        })
        .collect()
}

/// `partial`: keep what support needs and no more, as each type's catalog entry says
/// ([`Partial`]). Never enough to rebuild the value:
/// - card: last 4 digits (`****-****-****-1111`); IBAN: country + last 4; SSN: last 4;
///   phone: last 2;
/// - e-mail: first character of the local part and the domain (`j***@example.com`);
/// - IPv4: first octet (`10.*.*.*`); IPv6: first group (`fe80:****`); MAC: the vendor prefix
///   (`00:1a:2b:**:**:**`); host name: the TLD (`***.*******.com`);
/// - tokens: the fixed, public prefix that says what kind of token it was (`ghp_****`,
///   `AKIA****`, `sk_live_****`, `xoxb-****`, `AIza****`); everything else `****`;
/// - private key: BEGIN/END lines kept, body masked.
fn partial(kind: &Kind, v: &str) -> String {
    const STARS: &str = "****";
    let Kind::Builtin(t) = kind else {
        return STARS.to_owned();
    };
    match t.rule().partial {
        Partial::Stars => STARS.to_owned(),
        Partial::KeepLast(n) => keep_last(v, usize::from(n)),
        Partial::Iban => {
            let (cc, rest) = v.split_at(2.min(v.len()));
            format!("{cc}{}", keep_last(rest, 4))
        }
        Partial::Email => match v.rfind('@') {
            Some(a) => {
                let first = v[..a].chars().next().map(String::from).unwrap_or_default();
                format!("{first}***{}", &v[a..])
            }
            None => STARS.to_owned(),
        },
        Partial::Ipv4 => match v.split_once('.') {
            Some((a, _)) => format!("{a}.*.*.*"),
            None => STARS.to_owned(),
        },
        Partial::Ipv6 => match v.split_once(':') {
            Some((a, _)) if !a.is_empty() => format!("{a}:****"),
            _ => STARS.to_owned(),
        },
        Partial::Mac if v.len() == 17 => {
            let sep = &v[2..3];
            format!("{}{sep}**{sep}**{sep}**", &v[..8])
        }
        Partial::Mac => STARS.to_owned(),
        Partial::Hostname => match v.rsplit_once('.') {
            Some((head, tld)) => {
                let h: String = head
                    .chars()
                    .map(|c| if c == '.' { '.' } else { '*' })
                    .collect();
                format!("{h}.{tld}")
            }
            None => STARS.to_owned(),
        },
        Partial::Prefix(prefixes) => {
            // The longest listed prefix the value starts with.
            match prefixes
                .iter()
                .filter(|p| v.starts_with(**p))
                .max_by_key(|p| p.len())
            {
                Some(p) => format!("{p}{STARS}"),
                None => STARS.to_owned(),
            }
        }
        Partial::PemLines => {
            // BEGIN/END lines stay; each body line becomes `****` so line numbers don't move.
            let lines: Vec<&str> = v.split('\n').collect();
            let n = lines.len();
            lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 || i + 1 == n {
                        (*l).to_owned()
                    } else if l.ends_with('\r') {
                        format!("{STARS}\r")
                    } else {
                        STARS.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
    }
}
