//! The detection engine: pure, synchronous, allocation-light. Text in, findings (kind + byte span)
//! and redaction plans out. No async runtime, database or LSP type may be used here.
//!
//! Contract (see `shared/DESIGN.md`):
//! - spans are byte offsets into the UTF-8 text, `start` inclusive, `end` exclusive, on char
//!   boundaries, covering the sensitive value only;
//! - `scan` returns findings sorted by `start`, never overlapping (one span per region);
//! - our own redaction output (`[Email]`, `[Email-3f9a1c2b7d4e5f6071]`, masks) is never a finding.

pub mod catalog;
pub mod config;
mod detect;
mod overlap;
pub mod redact;
mod types;
mod validate;

use std::ops::Range;
use std::sync::Arc;

pub use catalog::{Family, Rule, RULES};
pub use config::{Config, ConfigError, LegacyFingerprint};
pub use types::{fingerprint, Finding, FingerprintKey, Kind, PiiType, Severity};

/// Errors building an engine from a configuration.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Result of scanning raw bytes that may not be valid UTF-8.
#[derive(Debug, Default)]
pub struct BytesScan {
    /// Findings with byte offsets into the original bytes.
    pub findings: Vec<Finding>,
    /// Number of invalid UTF-8 sequences that were skipped (0 for valid UTF-8).
    pub invalid_sequences: usize,
}

/// A configured, compiled scanner. Cheap to share (`Send + Sync`); build once, scan many times.
///
/// # Overlap policy
///
/// Detectors may propose overlapping spans (a JWT is also a bearer token, a card number inside a
/// `password=` value, a URL's `user:pass` next to an e-mail-shaped `pass@host`). `scan` keeps one
/// span per region: candidates are taken in order of *specificity* (each catalog rule's
/// `specificity`; see [`specificity`]): a private key, then structured secrets whose format we
/// validated (URL credentials, JWT, provider tokens), then custom rules, then secrets found by
/// their key name, then PII with checksums (IBAN before card: a grouped IBAN holds card-shaped
/// digit runs), then network identifiers, host names last. Ties go to the longer span, then the
/// earlier one; a candidate that overlaps one already taken is dropped. One exception: a value
/// found by its key name (rules with `by_key`: `password=`, `api_key=`, `Bearer`, AWS secret)
/// that strictly contains a more specific finding takes that finding's rank, so
/// `password=https://u:p@host` is one `password` span (redacting only `u:p` would leave the
/// rest of the password behind).
///
/// **JWT inside `Bearer`**: `Authorization: Bearer eyJ…` yields one `jwt` finding, not a
/// `bearer_token`: the span is the same, and `jwt` says more (the token's structure was
/// validated). `bearer_token` is reported for opaque tokens.
///
/// **Context that another finding covers does not refuse.** A detector that refuses a candidate
/// for the text around it (`version 1.2.3.4` is a version; a URL's user part ends at its last
/// `@`) reads text that may be another finding's, which redaction replaces. Such a candidate is
/// kept aside with the span of that text, and counts when a finding covers some of it
/// (`…@db.internal.eversion 1.2.3.4`: the host takes the word, so the number is an address), so
/// a rescan of the redacted text finds what the first scan found.
pub struct Engine {
    config: Config,
    compiled: config::Compiled,
    detectors: detect::Detectors,
    enabled: detect::Enabled,
}

/// Rank used by the overlap policy: higher wins. Built-in types rank by their catalog entry;
/// custom rules rank [`catalog::CUSTOM_SPECIFICITY`], between format-validated secrets and
/// key-name-based ones.
pub fn specificity(kind: &Kind) -> u8 {
    match kind {
        Kind::Custom(_) => catalog::CUSTOM_SPECIFICITY,
        Kind::Builtin(t) => t.specificity(),
    }
}

impl Engine {
    /// Compiles the configuration (custom rules, allowlists) and checks each custom rule against
    /// its own `examples` / `negative_examples`.
    pub fn new(config: Config) -> Result<Engine, EngineError> {
        let compiled = config.compile()?;
        let mut en = [true; PiiType::COUNT];
        for t in PiiType::ALL {
            en[t.index()] = config.is_enabled(&Kind::Builtin(t));
        }
        Ok(Engine {
            config,
            compiled,
            detectors: detect::Detectors::new(),
            enabled: detect::Enabled(en),
        })
    }

    /// All built-in types enabled, default severities, no custom rules.
    pub fn with_defaults() -> Engine {
        Engine::new(Config::default()).expect("the default configuration is valid")
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every finding in `text`, sorted by `start`, non-overlapping.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        self.scan_slice(text, 0)
    }

    /// Scans `text` (a line-aligned piece of a document) and shifts spans by `base`.
    fn scan_slice(&self, text: &str, base: usize) -> Vec<Finding> {
        let mut out = Vec::new();
        self.scan_each(text, &mut |f| {
            out.push(Finding::new(f.kind, f.start + base, f.end + base))
        });
        out
    }

    /// Every finding in `text`, handed to `each` in order of start, without collecting them:
    /// the engine's own memory stays bounded by the longest open candidate (a PEM block, a
    /// token) whatever the number of findings, so a consumer that writes findings out as they
    /// come scans a 16 MB line of dense findings in a few MB.
    pub fn scan_each(&self, text: &str, each: &mut dyn FnMut(Finding)) {
        let mut custom = Vec::new();
        self.compiled.scan_custom(text, &mut custom);
        let allow = !self.compiled.allowlist_is_empty();
        let mut emit = |c: overlap::Cand| {
            if allow && self.compiled.allowlisted(&text[c.start..c.end]) {
                return;
            }
            each(Finding::new(self.kind_of(c.code), c.start, c.end));
        };
        let mut res = overlap::Resolver::new(custom, &mut emit);
        if self.config.rules_yield_to_builtins {
            res = res.rules_yield();
        }
        self.detectors.scan(text, &self.enabled, &mut res);
        res.finish();
    }

    /// The kind of a candidate code (see [`overlap::Cand`]).
    fn kind_of(&self, code: u32) -> Kind {
        match PiiType::ALL.get(code as usize) {
            Some(t) => Kind::Builtin(*t),
            None => self.compiled.rule_kind(code as usize - PiiType::COUNT),
        }
    }

    /// [`Engine::scan`] with every candidate resolved at the end instead of as the scan goes.
    #[cfg(test)]
    pub(crate) fn scan_unflushed(&self, text: &str) -> Vec<Finding> {
        let mut custom = Vec::new();
        self.compiled.scan_custom(text, &mut custom);
        let mut out = Vec::new();
        let mut emit = |c: overlap::Cand| {
            out.push(Finding::new(self.kind_of(c.code), c.start, c.end));
        };
        let mut res = overlap::Resolver::new(custom, &mut emit).without_flushing();
        self.detectors.scan(text, &self.enabled, &mut res);
        res.finish();
        out
    }

    /// [`Engine::scan`] and the number of work units the detectors spent on it (bytes examined,
    /// events dispatched): what the linear-time tests compare across input sizes.
    #[cfg(test)]
    pub(crate) fn scan_counting(&self, text: &str) -> (Vec<Finding>, u64) {
        let w0 = detect::work::get();
        let f = self.scan(text);
        (f, detect::work::get() - w0)
    }

    /// Rescans the part of `text` around `range` (for incremental editing): the range is widened
    /// to whole lines and to any multi-line construct (a PEM block) it touches. Returns the widened
    /// range actually scanned and the findings inside it; findings of the previous scan inside
    /// that range are to be replaced by these.
    pub fn scan_range(&self, text: &str, range: Range<usize>) -> (Range<usize>, Vec<Finding>) {
        let r = widen(text, range);
        let found = self.scan_slice(&text[r.clone()], r.start);
        (r, found)
    }

    /// Scans bytes that may hold invalid UTF-8 (or NUL, or any other byte). Each byte of an
    /// invalid sequence stands as ASCII SUB (`0x1A`) in a text view of the same length, and the
    /// view is scanned whole: offsets are the raw bytes' offsets, and a value with an invalid
    /// byte inside (`password=Zq9!\xffque`) is one value whose span covers that byte, so
    /// redacting it leaves nothing of it behind. The invalid sequences are counted (so the caller
    /// can say so).
    pub fn scan_bytes(&self, bytes: &[u8]) -> BytesScan {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return BytesScan {
                findings: self.scan(text),
                invalid_sequences: 0,
            };
        }
        let (view, invalid_sequences) = substitute_invalid(bytes);
        BytesScan {
            findings: self.scan(&view),
            invalid_sequences,
        }
    }

    /// For streaming: how many leading bytes of `buf` can be scanned and emitted now without a
    /// later chunk changing their findings: a line-aligned prefix that does not cut an open PEM
    /// block, nor a quoted value left open at the end of its line (a quoted value may go on over
    /// one line break: `password="ab⏎cd"`). With `eof` the whole buffer is final.
    ///
    /// A PEM block is only a key if its END line comes within [`detect::PEM_MAX`] bytes of its
    /// BEGIN, so a lone BEGIN holds back at most that much; an open quote holds back one line:
    /// memory stays bounded.
    pub fn stream_safe_len(&self, buf: &str, eof: bool) -> usize {
        if eof {
            return buf.len();
        }
        let Some(nl) = buf.rfind('\n') else {
            return 0;
        };
        let b = buf.as_bytes();
        let mut cut = nl + 1;
        // Back, until nothing moves: to the line of an open block's BEGIN (which can itself be
        // inside an earlier block: `-----END A-----  … -----BEGIN B-----` closes A and opens B
        // on one line, and a cut before it would leave A without its END: found by the `scan`
        // fuzz target); to the tag of an XML element whose text is open at the cut; and over
        // the last line when a value whose quote it leaves open may close on the next line.
        loop {
            let before = cut;
            if let Some(bp) = open_pem_start(b, cut) {
                if cut - bp < detect::PEM_MAX {
                    cut = cut.min(line_start(b, bp));
                }
            }
            if let Some(lt) = open_element(b, cut) {
                cut = cut.min(line_start(b, lt));
            }
            if cut > 0 {
                let ls = line_start(b, cut - 1);
                if ls < cut && detect::open_quote_at_end(&buf[ls..cut]) {
                    cut = ls;
                }
            }
            if cut == before {
                break;
            }
        }
        cut
    }

    /// The fingerprint of a value: HMAC-SHA-256 under the configuration's fingerprint key (plain
    /// SHA-256 when none was set). What JSONL, SARIF, diagnostics and allowlists name values by.
    pub fn fingerprint(&self, value: &str) -> String {
        self.compiled.fingerprint(value)
    }

    /// [`Engine::fingerprint`] as 64 hex digits written into `out` (no allocation: JSONL
    /// writes one per finding).
    pub fn fingerprint_into(&self, value: &str, out: &mut [u8; 64]) {
        self.compiled.fingerprint_into(value, out)
    }

    /// Allowlist entries that matched a value only as its plain SHA-256 (an allowlist written by
    /// an older version), each with the keyed fingerprint that should replace it. Accumulates over
    /// every scan of this engine; empty unless a key is set.
    pub fn legacy_fingerprint_hits(&self) -> Vec<LegacyFingerprint> {
        self.compiled.legacy_hits()
    }

    /// Is this kind enabled by the configuration?
    pub fn is_enabled(&self, kind: &Kind) -> bool {
        self.config.is_enabled(kind)
    }

    /// Effective severity of a kind (configured, else the type's default).
    pub fn severity(&self, kind: &Kind) -> Severity {
        self.config.severity(kind)
    }

    /// Replacement text of the `tag` style for a kind (`[Email]`, or a custom rule's tag).
    pub fn tag<'a>(&'a self, kind: &'a Kind) -> &'a str {
        self.config.tag(kind)
    }

    /// Human label of a kind for messages ("Email address"); never includes the value.
    pub fn label<'a>(&'a self, kind: &'a Kind) -> &'a str {
        match kind {
            Kind::Builtin(t) => t.label(),
            Kind::Custom(id) => id,
        }
    }
}

/// The text view of bytes that are not all valid UTF-8: valid runs kept, each byte of an invalid
/// sequence replaced by ASCII SUB; and the number of invalid sequences (maximal invalid
/// subparts, as U+FFFD replacement counts them).
pub fn substitute_invalid(bytes: &[u8]) -> (String, usize) {
    let mut out = String::with_capacity(bytes.len());
    let mut invalid = 0;
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            invalid += 1;
            out.extend(std::iter::repeat_n('\u{1a}', chunk.invalid().len()));
        }
    }
    (out, invalid)
}

fn line_start(b: &[u8], i: usize) -> usize {
    memchr::memrchr(b'\n', &b[..i]).map_or(0, |k| k + 1)
}

/// If a `-----BEGIN` (within `PEM_MAX` before `pos`) has no `-----END ` between it and `pos`,
/// its offset. (`-----END ` with its space, as the detector reads an END line: a bare
/// `-----ENDx` inside a block does not close it, and taking it for the end made a partial
/// rescan miss the key around it: found by the `scan` fuzz target.) The END is looked for where
/// the detector looks for it, after the BEGIN label's closing dashes: in
/// `-----BEGIN RSA PRIVATE KEY-----END RSA …` the `-----END ` overlaps the BEGIN line's own
/// dashes and closes nothing, and taking it for the end made an editor rescan lose the key
/// (found by the incremental property test in CI).
fn open_pem_start(b: &[u8], pos: usize) -> Option<usize> {
    let lo = pos.saturating_sub(detect::PEM_MAX);
    let win = &b[lo..pos];
    let begin = memchr::memmem::rfind(win, b"-----BEGIN")?;
    let label = begin + b"-----BEGIN".len();
    let label_end = label
        + win[label..]
            .iter()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b' ')
            .count();
    // Where the detector's body starts; a BEGIN line cut short by `pos` counts as open (a
    // wider rescan costs time, a narrower one loses the key).
    let body = if win[label_end..].starts_with(b"-----") {
        label_end + 5
    } else {
        label_end
    };
    if memchr::memmem::find(&win[body..], b"-----END ").is_some() {
        return None;
    }
    Some(lo + begin)
}

/// If an XML element's text is open at `pos` (an opening tag `<name>` before it, no `<` between
/// its `>` and `pos`, within [`detect::VALUE_MAX`] and two line breaks: what the detector reads
/// as the element's text), the offset of that tag's `<`.
fn open_element(b: &[u8], pos: usize) -> Option<usize> {
    let lo = pos.saturating_sub(detect::VALUE_MAX + 64);
    let lt = lo + memchr::memrchr(b'<', &b[lo..pos])?;
    let name = b.get(lt + 1)?;
    if !(name.is_ascii_alphabetic() || *name == b'_') {
        return None;
    }
    let gt = lt + 1 + memchr::memchr(b'>', &b[lt + 1..pos])?;
    (memchr::memchr_iter(b'\n', &b[gt..pos]).count() <= 2).then_some(lt)
}

/// Widens `range` to whole lines, over any PEM block it touches and over a quoted value that
/// goes on across a line break at either end.
fn widen(text: &str, range: Range<usize>) -> Range<usize> {
    let b = text.as_bytes();
    let mut s = range.start.min(b.len());
    let mut e = range.end.clamp(s, b.len());
    s = line_start(b, s);
    e = if e > s && b[e - 1] == b'\n' {
        e
    } else {
        memchr::memchr(b'\n', &b[e..]).map_or(b.len(), |k| e + k + 1)
    };
    // Until nothing moves: a block open at the start begins at its BEGIN line (which can be
    // inside an earlier block: an END and the next BEGIN can share a line); a quoted value left
    // open at the end of the line before goes on into the range (`password="ab⏎cd"`: found by
    // the `lsp_document` fuzz target, a quote typed on the second line closed a value the
    // rescan of that line alone could not see); a block open at the end runs to its END line
    // (if any within reach); a quoted value open at the end goes on over the next line.
    loop {
        let (s0, e0) = (s, e);
        if let Some(bp) = open_pem_start(b, s) {
            s = s.min(line_start(b, bp));
        }
        if s > 0 {
            let ls = line_start(b, s - 1);
            if detect::open_quote_at_end(&text[ls..s]) {
                s = ls;
            }
        }
        if let Some(bp) = open_pem_start(b, e) {
            let lim = (bp + detect::PEM_MAX).min(b.len());
            if let Some(k) = memchr::memmem::find(&b[e..lim], b"-----END ") {
                let ep = e + k;
                e = memchr::memchr(b'\n', &b[ep..]).map_or(b.len(), |k| ep + k + 1);
            }
        }
        if e > s && e < b.len() && detect::open_quote_at_end(&text[line_start(b, e - 1)..e]) {
            e = memchr::memchr(b'\n', &b[e..]).map_or(b.len(), |k| e + k + 1);
        }
        // An XML element's text can stand on lines of its own (`<password>⏎ s3cret⏎</password>`,
        // found by the `scan` fuzz target): an element open at the start begins at its tag's
        // line, one open at the end runs to the line of the `<` that closes its text.
        if let Some(lt) = open_element(b, s) {
            s = s.min(line_start(b, lt));
        }
        if let Some(lt) = open_element(b, e) {
            let lim = (lt + detect::VALUE_MAX + 64).min(b.len());
            if let Some(k) = memchr::memchr(b'<', &b[e..lim]) {
                let close = e + k;
                e = memchr::memchr(b'\n', &b[close..]).map_or(b.len(), |k| close + k + 1);
            }
        }
        if (s, e) == (s0, e0) {
            break;
        }
    }
    // Keep both ends on char boundaries (they are: `\n` or the text's ends).
    debug_assert!(text.is_char_boundary(s) && text.is_char_boundary(e));
    s..e
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Engine>();
    let _ = Arc::<str>::from("");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settling findings as the scan goes gives exactly what resolving everything at the end
    /// gives, on a long text dense with every type's examples, noise and overlaps.
    #[test]
    fn streaming_resolution_equals_resolving_at_the_end() {
        let eng = Engine::with_defaults();
        let mut x: u64 = 0x7365_7474;
        let mut next = |m: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % m as u64) as usize
        };
        let mut pieces: Vec<String> = Vec::new();
        for r in &RULES {
            for ex in r.examples.iter().chain(r.negatives) {
                pieces.push(catalog::parse_example(ex).0);
            }
        }
        pieces.extend(
            [
                " ",
                "\n",
                "=",
                "\"",
                "password=",
                "https://",
                "@",
                "-",
                ".",
                "1.2.3.4",
                "x",
            ]
            .map(String::from),
        );
        for _ in 0..20 {
            let mut text = String::new();
            while text.len() < 40_000 {
                text.push_str(&pieces[next(pieces.len())]);
                if next(3) == 0 {
                    text.push(' ');
                }
            }
            let a = eng.scan(&text);
            let b = eng.scan_unflushed(&text);
            assert!(a.len() > 300);
            assert_eq!(a, b);
        }
    }
}
