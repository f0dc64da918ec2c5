//! The detection engine: pure, synchronous, allocation-light. Text in, findings (kind + byte span)
//! and redaction plans out. No async runtime, database or LSP type may be used here.
//!
//! Contract (see `shared/DESIGN.md`):
//! - spans are byte offsets into the UTF-8 text, `start` inclusive, `end` exclusive, on char
//!   boundaries, covering the sensitive value only;
//! - `scan` returns findings sorted by `start`, never overlapping (one span per region);
//! - our own redaction output (`[Email]`, `[Email-3f9a1c]`, masks) is never a finding.

pub mod config;
pub mod redact;
mod types;

use std::ops::Range;

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
pub struct Engine {
    config: Config,
}

impl Engine {
    /// Compiles the configuration (custom rules, allowlists) and checks each custom rule against
    /// its own `examples` / `negative_examples`.
    pub fn new(config: Config) -> Result<Engine, EngineError> {
        Ok(Engine { config })
    }

    /// All built-in types enabled, default severities, no custom rules.
    pub fn with_defaults() -> Engine {
        Engine {
            config: Config::default(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every finding in `text`, sorted by `start`, non-overlapping.
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        self.scan_range(text, 0..text.len()).1
    }

    /// Rescans the part of `text` around `range` (for incremental editing): the range is widened
    /// to whole lines and to any multi-line construct (a PEM block) it touches. Returns the widened
    /// range actually scanned and the findings inside it; findings of the previous scan inside
    /// that range are to be replaced by these.
    pub fn scan_range(&self, text: &str, range: Range<usize>) -> (Range<usize>, Vec<Finding>) {
        let _ = &self.config;
        let start = text[..range.start.min(text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let end = text[range.end.min(text.len())..]
            .find('\n')
            .map_or(text.len(), |i| range.end + i + 1);
        // Placeholder until the real detectors land: e-mail addresses only.
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        for (i, _) in text[start..end].match_indices('@') {
            let at = start + i;
            let mut s = at;
            while s > 0
                && (bytes[s - 1].is_ascii_alphanumeric() || b"._%+-".contains(&bytes[s - 1]))
            {
                s -= 1;
            }
            let mut e = at + 1;
            while e < bytes.len() && (bytes[e].is_ascii_alphanumeric() || b".-".contains(&bytes[e]))
            {
                e += 1;
            }
            while e > at + 1 && bytes[e - 1] == b'.' {
                e -= 1;
            }
            if s < at && text[at + 1..e].contains('.') {
                out.push(Finding::new(PiiType::Email, s, e));
            }
        }
        (start..end, out)
    }

    /// Scans bytes that may hold invalid UTF-8: the valid runs are scanned, the invalid sequences
    /// are counted (so the caller can say so) and never panic.
    pub fn scan_bytes(&self, bytes: &[u8]) -> BytesScan {
        match std::str::from_utf8(bytes) {
            Ok(text) => BytesScan {
                findings: self.scan(text),
                invalid_sequences: 0,
            },
            Err(_) => BytesScan::default(),
        }
    }

    /// For streaming: how many leading bytes of `buf` can be scanned and emitted now without a
    /// later chunk changing their findings (a line-aligned prefix that does not cut an open PEM
    /// block). With `eof` the whole buffer is final.
    pub fn stream_safe_len(&self, buf: &str, eof: bool) -> usize {
        if eof {
            return buf.len();
        }
        buf.rfind('\n').map_or(0, |i| i + 1)
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
