//! The vocabulary every part of TFTSR shares: severities, findings and their kinds. The built-in
//! types themselves ([`PiiType`]) are declared in the catalog (`catalog/`).

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use crate::catalog::PiiType;

/// Severity of a finding; maps 1:1 onto LSP's DiagnosticSeverity and SARIF levels.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    #[serde(alias = "info")]
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "information" | "info" => Some(Severity::Information),
            "hint" => Some(Severity::Hint),
            _ => None,
        }
    }
}

/// What a finding is: a built-in type, or a custom rule from the configuration (by its id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Builtin(PiiType),
    Custom(Arc<str>),
}

impl Kind {
    pub fn id(&self) -> &str {
        match self {
            Kind::Builtin(t) => t.id(),
            Kind::Custom(id) => id,
        }
    }

    pub fn builtin(&self) -> Option<PiiType> {
        match self {
            Kind::Builtin(t) => Some(*t),
            Kind::Custom(_) => None,
        }
    }
}

impl From<PiiType> for Kind {
    fn from(t: PiiType) -> Kind {
        Kind::Builtin(t)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One sensitive value: its kind and its byte span `[start, end)` in the scanned text, always on
/// UTF-8 char boundaries and covering the value only (not the `password=` in front of it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Finding {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Finding {
    pub fn new(kind: impl Into<Kind>, start: usize, end: usize) -> Finding {
        Finding {
            kind: kind.into(),
            start,
            end,
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The matched value in `text` (the text the finding was produced from).
    pub fn value<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

/// SHA-256 hex of a value: the identity of a secret wherever we must name it without holding it
/// (allowlists, diagnostics' `data`, audit details, JSONL output).
pub fn fingerprint(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}
