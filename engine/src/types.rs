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

/// Plain SHA-256 hex of a text. Not for values: a low-entropy value (an SSN, an IPv4 address in a
/// known range) is recovered from its plain hash by trying every candidate, so values are named by
/// [`FingerprintKey::fingerprint`]. Still the identity of URIs in audit entries, and of the plain
/// fingerprints older allowlists hold (accepted on read, see `Engine::legacy_fingerprint_hits`).
pub fn fingerprint(value: &str) -> String {
    hex_string(&Sha256::digest(value.as_bytes()).into())
}

/// 32 bytes as 64 lower-case hex digits (`hex::encode` collects `char`s one by one, which showed
/// in profiles: one fingerprint per finding).
fn hex_string(d: &[u8; 32]) -> String {
    let mut out = [0u8; 64];
    hex::encode_to_slice(d, &mut out).expect("64 bytes for 32");
    String::from_utf8(out.to_vec()).expect("hex is ASCII")
}

/// The secret keying value fingerprints (HMAC-SHA-256): the same value gives the same
/// fingerprint wherever the key is the same (one workspace, one CI, one user), and the
/// fingerprint cannot be inverted by hashing guesses without the key. The caller finds the key
/// (the engine does no I/O); `Debug` never shows it.
#[derive(Clone)]
pub struct FingerprintKey {
    key: [u8; 32],
    /// HMAC keyed once: its inner and outer pads are hashed already, so a fingerprint costs
    /// two SHA-256 blocks instead of four.
    mac: hmac::Hmac<Sha256>,
}

impl PartialEq for FingerprintKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for FingerprintKey {}

impl FingerprintKey {
    pub fn new(bytes: [u8; 32]) -> FingerprintKey {
        use hmac::Mac;
        FingerprintKey {
            key: bytes,
            mac: <hmac::Hmac<Sha256> as Mac>::new_from_slice(&bytes)
                .expect("HMAC takes any key length"),
        }
    }

    /// HMAC-SHA-256 hex of a value: its identity in JSONL, SARIF, diagnostics' `data` and
    /// allowlists.
    pub fn fingerprint(&self, value: &str) -> String {
        hex_string(&self.digest(value))
    }

    /// [`FingerprintKey::fingerprint`] as 64 hex digits written into `out` (no allocation).
    pub fn fingerprint_into(&self, value: &str, out: &mut [u8; 64]) {
        hex::encode_to_slice(self.digest(value), out).expect("64 bytes for 32");
    }

    fn digest(&self, value: &str) -> [u8; 32] {
        use hmac::Mac;
        let mut mac = self.mac.clone();
        mac.update(value.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(…)")
    }
}
