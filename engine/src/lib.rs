//! The detection engine: pure, synchronous, allocation-light. Text in, findings (kind + byte span)
//! and redaction plans out. No async runtime, database or LSP type may be used here.
//!
//! Contract (see `shared/DESIGN.md`):
//! - spans are byte offsets into the UTF-8 text, `start` inclusive, `end` exclusive, on char
//!   boundaries, covering the sensitive value only;
//! - `scan` returns findings sorted by `start`, never overlapping (one span per region);
//! - our own redaction output (`[Email]`, `[Email-3f9a1c]`, masks) is never a finding.

pub mod config;
mod detect;
pub mod redact;
mod types;
mod validate;

use std::ops::Range;
use std::sync::Arc;

pub use config::{Config, ConfigError};
pub use types::{fingerprint, Finding, Kind, PiiType, Severity};

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
/// span per region: candidates are taken in order of *specificity* (see [`specificity`]): a
/// private key, then structured secrets whose format we validated (URL credentials, JWT, AWS,
/// GitHub, Slack, Stripe and Google keys), then custom rules, then secrets found by their key
/// name, then PII with checksums (IBAN before card: a grouped IBAN holds card-shaped digit
/// runs), then network identifiers, host names last. Ties go to the longer span, then the
/// earlier one; a candidate that overlaps one already taken is dropped. One exception: a value
/// found by its key name (`password=`, `api_key=`, `Bearer`, AWS secret) that strictly contains
/// a more specific finding takes that finding's rank, so `password=https://u:p@host` is one
/// `password` span (redacting only `u:p` would leave the rest of the password behind).
///
/// **JWT inside `Bearer`**: `Authorization: Bearer eyJ…` yields one `jwt` finding, not a
/// `bearer_token`: the span is the same, and `jwt` says more (the token's structure was
/// validated). `bearer_token` is reported for opaque tokens.
pub struct Engine {
    config: Config,
    compiled: config::Compiled,
    detectors: detect::Detectors,
    enabled: detect::Enabled,
}

/// Rank used by the overlap policy: higher wins. Custom rules rank 70, between format-validated
/// secrets and key-name-based ones.
pub fn specificity(kind: &Kind) -> u8 {
    match kind {
        Kind::Custom(_) => 70,
        Kind::Builtin(t) => match t {
            PiiType::PrivateKey => 100,
            PiiType::SlackToken => 95,
            PiiType::UrlCredentials => 92,
            PiiType::Jwt => 90,
            PiiType::AwsAccessKey
            | PiiType::GithubToken
            | PiiType::StripeKey
            | PiiType::GoogleApiKey => 88,
            PiiType::AwsSecretKey => 85,
            PiiType::BearerToken => 80,
            PiiType::ApiKey => 66,
            PiiType::Password => 65,
            PiiType::CreditCard => 60,
            PiiType::Iban => 61,
            PiiType::Ssn => 58,
            PiiType::Email => 50,
            PiiType::Ipv6 => 45,
            PiiType::MacAddress => 44,
            PiiType::Ipv4 => 43,
            PiiType::Phone => 40,
            PiiType::Hostname => 30,
        },
    }
}

impl Engine {
    /// Compiles the configuration (custom rules, allowlists) and checks each custom rule against
    /// its own `examples` / `negative_examples`.
    pub fn new(config: Config) -> Result<Engine, EngineError> {
        let compiled = config.compile()?;
        let mut en = [true; 21];
        for t in PiiType::ALL {
            en[t as usize] = config.is_enabled(&Kind::Builtin(t));
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
        let mut cands = Vec::new();
        self.detectors.scan(text, &self.enabled, &mut cands);
        let mut all: Vec<(Kind, usize, usize)> = cands
            .into_iter()
            .map(|c| (Kind::Builtin(c.ty), c.start, c.end))
            .collect();
        self.compiled.scan_custom(text, &mut all);
        let mut out = resolve(all);
        if !self.compiled.allowlist_is_empty() {
            out.retain(|f| !self.compiled.allowlisted(&text[f.start..f.end]));
        }
        if base != 0 {
            for f in &mut out {
                f.start += base;
                f.end += base;
            }
        }
        out
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

    /// Scans bytes that may hold invalid UTF-8: the valid runs are scanned, the invalid sequences
    /// are counted (so the caller can say so) and never panic.
    pub fn scan_bytes(&self, bytes: &[u8]) -> BytesScan {
        if let Ok(text) = std::str::from_utf8(bytes) {
            return BytesScan {
                findings: self.scan(text),
                invalid_sequences: 0,
            };
        }
        let mut out = BytesScan::default();
        let mut pos = 0;
        for chunk in bytes.utf8_chunks() {
            let valid = chunk.valid();
            if !valid.is_empty() {
                out.findings.extend(self.scan_slice(valid, pos));
            }
            pos += valid.len();
            if !chunk.invalid().is_empty() {
                out.invalid_sequences += 1;
                pos += chunk.invalid().len();
            }
        }
        out
    }

    /// For streaming: how many leading bytes of `buf` can be scanned and emitted now without a
    /// later chunk changing their findings (a line-aligned prefix that does not cut an open PEM
    /// block). With `eof` the whole buffer is final.
    ///
    /// A PEM block is only a key if its END line comes within [`detect::PEM_MAX`] bytes of its
    /// BEGIN, so a lone BEGIN holds back at most that much: memory stays bounded.
    pub fn stream_safe_len(&self, buf: &str, eof: bool) -> usize {
        if eof {
            return buf.len();
        }
        let Some(nl) = buf.rfind('\n') else {
            return 0;
        };
        let cut = nl + 1;
        match open_pem_start(buf.as_bytes(), cut) {
            Some(b) if cut - b < detect::PEM_MAX => line_start(buf.as_bytes(), b),
            _ => cut,
        }
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

/// Applies the overlap policy (see [`Engine`]) and sorts by start.
///
/// Greedy-by-specificity only needs to look at candidates that (transitively) overlap, so the
/// candidates are sorted by start, cut into clusters of overlapping spans, and each (tiny)
/// cluster is resolved on its own: linear in the number of findings, not quadratic.
fn resolve(mut all: Vec<(Kind, usize, usize)>) -> Vec<Finding> {
    all.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)));
    let mut out: Vec<Finding> = Vec::with_capacity(all.len());
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        let mut end = all[i].2;
        while j < all.len() && all[j].1 < end {
            end = end.max(all[j].2);
            j += 1;
        }
        if j == i + 1 {
            let (k, s, e) = all[i].clone();
            out.push(Finding::new(k, s, e));
        } else {
            // A value found by its key name (`password=…`) that contains a more specific
            // finding (`password=https://u:p@host`) is redacted whole: it takes the rank of
            // what it contains, and wins as the longer span.
            let mut cluster: Vec<(u8, &(Kind, usize, usize))> = all[i..j]
                .iter()
                .map(|c| {
                    let mut rank = specificity(&c.0);
                    if matches!(
                        c.0.builtin(),
                        Some(
                            PiiType::Password
                                | PiiType::ApiKey
                                | PiiType::AwsSecretKey
                                | PiiType::BearerToken
                        )
                    ) {
                        for o in &all[i..j] {
                            if o.1 >= c.1 && o.2 <= c.2 && (o.2 - o.1) < (c.2 - c.1) {
                                rank = rank.max(specificity(&o.0));
                            }
                        }
                    }
                    (rank, c)
                })
                .collect();
            cluster.sort_by(|(ra, a), (rb, b)| {
                rb.cmp(ra)
                    .then((b.2 - b.1).cmp(&(a.2 - a.1)))
                    .then(a.1.cmp(&b.1))
            });
            let mut taken: Vec<Finding> = Vec::new();
            for (_, (k, s, e)) in cluster {
                if taken.iter().all(|f| f.end <= *s || f.start >= *e) {
                    taken.push(Finding::new(k.clone(), *s, *e));
                }
            }
            taken.sort_by_key(|f| f.start);
            out.extend(taken);
        }
        i = j;
    }
    out
}

fn line_start(b: &[u8], i: usize) -> usize {
    memchr::memrchr(b'\n', &b[..i]).map_or(0, |k| k + 1)
}

/// If a `-----BEGIN` (within `PEM_MAX` before `pos`) has no `-----END ` between it and `pos`,
/// its offset. (`-----END ` with its space, as the detector reads an END line: a bare
/// `-----ENDx` inside a block does not close it, and taking it for the end made a partial
/// rescan miss the key around it: found by the `scan` fuzz target.)
fn open_pem_start(b: &[u8], pos: usize) -> Option<usize> {
    let lo = pos.saturating_sub(detect::PEM_MAX);
    let win = &b[lo..pos];
    let begin = memchr::memmem::rfind(win, b"-----BEGIN")?;
    if memchr::memmem::find(&win[begin..], b"-----END ").is_some() {
        return None;
    }
    Some(lo + begin)
}

/// Widens `range` to whole lines and over any PEM block it touches.
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
    // A block open at the start: begin at its BEGIN line.
    if let Some(bp) = open_pem_start(b, s) {
        s = line_start(b, bp);
    }
    // A block open at the end: run to its END line (if any within reach).
    if let Some(bp) = open_pem_start(b, e) {
        let lim = (bp + detect::PEM_MAX).min(b.len());
        if let Some(k) = memchr::memmem::find(&b[e..lim], b"-----END ") {
            let ep = e + k;
            e = memchr::memchr(b'\n', &b[ep..]).map_or(b.len(), |k| ep + k + 1);
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
