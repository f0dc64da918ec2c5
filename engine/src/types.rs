//! The vocabulary every part of TFTSR shares: finding types (stable ids), severities, findings.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The built-in finding types. Their ids (`PiiType::id`) are a public contract: they appear as the
/// LSP diagnostic `code`, in `pii_spans.pii_type`, in CLI output and in settings.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiType {
    Email,
    Phone,
    Ssn,
    CreditCard,
    Iban,
    Ipv4,
    Ipv6,
    MacAddress,
    Hostname,
    UrlCredentials,
    BearerToken,
    Jwt,
    ApiKey,
    Password,
    AwsAccessKey,
    AwsSecretKey,
    GithubToken,
    SlackToken,
    StripeKey,
    GoogleApiKey,
    PrivateKey,
}

impl PiiType {
    pub const ALL: [PiiType; 21] = [
        PiiType::Email,
        PiiType::Phone,
        PiiType::Ssn,
        PiiType::CreditCard,
        PiiType::Iban,
        PiiType::Ipv4,
        PiiType::Ipv6,
        PiiType::MacAddress,
        PiiType::Hostname,
        PiiType::UrlCredentials,
        PiiType::BearerToken,
        PiiType::Jwt,
        PiiType::ApiKey,
        PiiType::Password,
        PiiType::AwsAccessKey,
        PiiType::AwsSecretKey,
        PiiType::GithubToken,
        PiiType::SlackToken,
        PiiType::StripeKey,
        PiiType::GoogleApiKey,
        PiiType::PrivateKey,
    ];

    /// Stable id, e.g. `credit_card`.
    pub fn id(self) -> &'static str {
        match self {
            PiiType::Email => "email",
            PiiType::Phone => "phone",
            PiiType::Ssn => "ssn",
            PiiType::CreditCard => "credit_card",
            PiiType::Iban => "iban",
            PiiType::Ipv4 => "ipv4",
            PiiType::Ipv6 => "ipv6",
            PiiType::MacAddress => "mac_address",
            PiiType::Hostname => "hostname",
            PiiType::UrlCredentials => "url_credentials",
            PiiType::BearerToken => "bearer_token",
            PiiType::Jwt => "jwt",
            PiiType::ApiKey => "api_key",
            PiiType::Password => "password",
            PiiType::AwsAccessKey => "aws_access_key",
            PiiType::AwsSecretKey => "aws_secret_key",
            PiiType::GithubToken => "github_token",
            PiiType::SlackToken => "slack_token",
            PiiType::StripeKey => "stripe_key",
            PiiType::GoogleApiKey => "google_api_key",
            PiiType::PrivateKey => "private_key",
        }
    }

    pub fn from_id(id: &str) -> Option<PiiType> {
        PiiType::ALL.iter().copied().find(|t| t.id() == id)
    }

    /// Replacement text of the `tag` redaction style.
    pub fn default_tag(self) -> &'static str {
        match self {
            PiiType::Email => "[Email]",
            PiiType::Phone => "[Phone]",
            PiiType::Ssn => "[SSN]",
            PiiType::CreditCard => "[CreditCard]",
            PiiType::Iban => "[IBAN]",
            PiiType::Ipv4 => "[IPv4]",
            PiiType::Ipv6 => "[IPv6]",
            PiiType::MacAddress => "[MAC]",
            PiiType::Hostname => "[Hostname]",
            PiiType::UrlCredentials => "[Credentials]",
            PiiType::BearerToken => "[Bearer]",
            PiiType::Jwt => "[JWT]",
            PiiType::ApiKey => "[ApiKey]",
            PiiType::Password => "[Password]",
            PiiType::AwsAccessKey => "[AWSKey]",
            PiiType::AwsSecretKey => "[AWSSecret]",
            PiiType::GithubToken => "[GitHubToken]",
            PiiType::SlackToken => "[SlackToken]",
            PiiType::StripeKey => "[StripeKey]",
            PiiType::GoogleApiKey => "[GoogleKey]",
            PiiType::PrivateKey => "[PrivateKey]",
        }
    }

    /// Human label used in messages ("Email address", "Credit card number" …).
    pub fn label(self) -> &'static str {
        match self {
            PiiType::Email => "Email address",
            PiiType::Phone => "Phone number",
            PiiType::Ssn => "US Social Security number",
            PiiType::CreditCard => "Credit card number",
            PiiType::Iban => "IBAN",
            PiiType::Ipv4 => "IPv4 address",
            PiiType::Ipv6 => "IPv6 address",
            PiiType::MacAddress => "MAC address",
            PiiType::Hostname => "Host name",
            PiiType::UrlCredentials => "Credentials in URL",
            PiiType::BearerToken => "Bearer token",
            PiiType::Jwt => "JSON Web Token",
            PiiType::ApiKey => "API key",
            PiiType::Password => "Password",
            PiiType::AwsAccessKey => "AWS access key id",
            PiiType::AwsSecretKey => "AWS secret access key",
            PiiType::GithubToken => "GitHub token",
            PiiType::SlackToken => "Slack token",
            PiiType::StripeKey => "Stripe key",
            PiiType::GoogleApiKey => "Google API key",
            PiiType::PrivateKey => "Private key",
        }
    }

    pub fn default_severity(self) -> Severity {
        match self {
            PiiType::Email
            | PiiType::Phone
            | PiiType::Ssn
            | PiiType::CreditCard
            | PiiType::Iban => Severity::Warning,
            PiiType::Ipv4 | PiiType::Ipv6 | PiiType::MacAddress | PiiType::Hostname => {
                Severity::Information
            }
            _ => Severity::Error,
        }
    }
}

impl fmt::Display for PiiType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

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
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// The secret keying value fingerprints (HMAC-SHA-256): the same value gives the same
/// fingerprint wherever the key is the same (one workspace, one CI, one user), and the
/// fingerprint cannot be inverted by hashing guesses without the key. The caller finds the key
/// (the engine does no I/O); `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey([u8; 32]);

impl FingerprintKey {
    pub fn new(bytes: [u8; 32]) -> FingerprintKey {
        FingerprintKey(bytes)
    }

    /// HMAC-SHA-256 hex of a value: its identity in JSONL, SARIF, diagnostics' `data` and
    /// allowlists.
    pub fn fingerprint(&self, value: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(…)")
    }
}
