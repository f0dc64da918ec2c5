//! The detector catalog: every built-in finding type declared as data, in one place.
//!
//! Everything that lists type ids is generated from this table or checked against it by a test:
//! [`PiiType`] (a type is an index into it), labels, tags, default severities, the overlap
//! policy's specificity, the `partial` redaction style, the key-name tables of the key-value
//! detector, `tftsr types`, the CLI's `--types` help, the README's type table, the VS Code
//! settings enums and the SARIF rules.
//!
//! # Adding a type
//!
//! Add one [`Rule`] to the family's table (`pii.rs`, `network.rs`, `credential.rs`,
//! `provider.rs`), with at least one example (`«…»` marks the exact span that must be reported)
//! and one negative example (text that must yield no finding at all). Then:
//! - a value after a key name (`dob=…`): [`Detect::KeyValue`] with the key names as `keywords`
//!   and a value check; nothing else to write;
//! - anything else: [`Detect::Scanner`] and a hand-written scanner in `detect/<family>.rs`,
//!   reached from the dispatch in `detect/mod.rs`; its `keywords` are the prefixes or structural
//!   strings that make it look (they seed the worst-case inputs of the linear-time tests).
//!
//! Ids are stable strings (the diagnostic `code`, `pii_spans.pii_type`, CLI output, settings
//! keys): never rename one. Their position in the table is not part of any contract.

mod credential;
mod network;
mod pii;
mod provider;
pub mod stress;

use std::fmt;
use std::ops::Range;

use crate::types::Severity;

/// What kind of thing a type is: the grouping of `tftsr types`, the docs and the linear-time
/// tests (one per family).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Personal data: e-mail, phone, identity and payment numbers.
    Pii,
    /// Network identifiers: addresses, host names.
    Network,
    /// Secrets recognised by their context or generic structure: passwords, API keys by key name,
    /// bearer tokens, JWTs, credentials in URLs, private keys.
    Credential,
    /// Secrets issued by one provider, recognised by the provider's format (prefix, length,
    /// charset, checksum).
    ProviderToken,
}

impl Family {
    pub const ALL: [Family; 4] = [
        Family::Pii,
        Family::Network,
        Family::Credential,
        Family::ProviderToken,
    ];

    /// Stable id, as printed by `tftsr types --json`.
    pub fn id(self) -> &'static str {
        match self {
            Family::Pii => "pii",
            Family::Network => "network",
            Family::Credential => "credential",
            Family::ProviderToken => "provider_token",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// What the `partial` redaction style keeps of a value: what support needs and no more.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Partial {
    /// Nothing: `****`.
    Stars,
    /// The last `n` letters and digits; separators stay (`****-****-****-1111`).
    KeepLast(u8),
    /// Country code and the last 4 (`DE** **** **** **** **30 00`).
    Iban,
    /// First character of the local part and the domain (`j***@example.com`).
    Email,
    /// First octet (`10.*.*.*`).
    Ipv4,
    /// First group (`fe80:****`).
    Ipv6,
    /// Vendor prefix (`00:1a:2b:**:**:**`).
    Mac,
    /// The TLD (`***.*******.com`).
    Hostname,
    /// The longest listed public prefix the value starts with, which says what kind of token
    /// it was (`ghp_****`, `AKIA****`); `****` if none.
    Prefix(&'static [&'static str]),
    /// BEGIN/END lines kept, each body line `****` (line numbers do not move).
    PemLines,
}

/// How a type is found.
#[derive(Copy, Clone, Debug)]
pub enum Detect {
    /// A hand-written scanner in `detect/<family>.rs`, reached from the main loop's dispatch.
    Scanner,
    /// The value after one of the rule's `keywords` used as a key name (`key=value`,
    /// `key: value`, `"key": "value"`, `key => value` …; matched case-insensitively as the end of
    /// the key: `db_password=` is a `password` key). Empty and placeholder values (`****`,
    /// `${VAR}`, `null` …) are never findings; `value` decides about the rest.
    KeyValue { value: fn(&[u8]) -> bool },
}

/// One built-in finding type.
#[derive(Copy, Clone, Debug)]
pub struct Rule {
    /// Stable id (`credit_card`): the public contract.
    pub id: &'static str,
    pub family: Family,
    /// Human label for messages ("Credit card number"); never includes a value.
    pub label: &'static str,
    /// Replacement text of the `tag` redaction style.
    pub tag: &'static str,
    pub severity: Severity,
    /// Rank in the overlap policy: higher wins (custom rules rank [`CUSTOM_SPECIFICITY`]).
    pub specificity: u8,
    /// Found by its key name, not by a validated format (`password`, `api_key`, bearer
    /// tokens): such a value that strictly contains a more specific finding takes that finding's
    /// rank, so it is redacted whole (`password=https://u:p@host` is one `password`).
    pub by_key: bool,
    /// Key names ([`Detect::KeyValue`]) or the prefixes and structural strings that make the
    /// scanner look (`ghp_`, `@`, `://`): the prefilter, and the seed of the worst-case inputs
    /// of the linear-time tests.
    pub keywords: &'static [&'static str],
    pub partial: Partial,
    pub detect: Detect,
    /// What is validated, in a few words (the docs' type table).
    pub checks: &'static str,
    /// Texts in which the type must be found; `«` and `»` mark each exact span (checked in CI).
    pub examples: &'static [&'static str],
    /// Texts that must yield no finding of any type (checked in CI).
    pub negatives: &'static [&'static str],
}

/// Specificity of custom rules from `.tftsr.toml`: between format-validated secrets and values
/// found by their key name.
pub const CUSTOM_SPECIFICITY: u8 = 70;

/// A base for rule declarations (`Rule { id: …, ..BASE }`); every field that matters is set by
/// each rule.
const BASE: Rule = Rule {
    id: "",
    family: Family::Pii,
    label: "",
    tag: "",
    severity: Severity::Warning,
    specificity: 0,
    by_key: false,
    keywords: &[],
    partial: Partial::Stars,
    detect: Detect::Scanner,
    checks: "",
    examples: &[],
    negatives: &[],
};

const PARTS: &[&[Rule]] = &[
    pii::RULES,
    network::RULES,
    credential::RULES,
    provider::RULES,
];

const fn total(parts: &[&[Rule]]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

/// Number of built-in types.
pub const COUNT: usize = total(PARTS);

const fn concat(parts: &[&[Rule]]) -> [Rule; COUNT] {
    let mut out = [BASE; COUNT];
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[n] = parts[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// The table as a constant, for compile-time lookups ([`PiiType`]'s named constants).
const TABLE: [Rule; COUNT] = concat(PARTS);

/// The catalog (runtime copy: indexing a `static` never copies the table).
pub static RULES: [Rule; COUNT] = TABLE;

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A built-in finding type: an index into [`RULES`]. Its id ([`PiiType::id`]) is the public
/// contract; the index is not (it is not stable across versions).
///
/// The types that hand-written code refers to have named constants (`PiiType::Email`); the
/// others are reached through [`PiiType::from_id`] or [`PiiType::ALL`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PiiType(u16);

#[allow(non_upper_case_globals)]
impl PiiType {
    pub const Email: PiiType = PiiType::must("email");
    pub const Phone: PiiType = PiiType::must("phone");
    pub const Ssn: PiiType = PiiType::must("ssn");
    pub const CreditCard: PiiType = PiiType::must("credit_card");
    pub const Iban: PiiType = PiiType::must("iban");
    pub const Ipv4: PiiType = PiiType::must("ipv4");
    pub const Ipv6: PiiType = PiiType::must("ipv6");
    pub const MacAddress: PiiType = PiiType::must("mac_address");
    pub const Hostname: PiiType = PiiType::must("hostname");
    pub const UrlCredentials: PiiType = PiiType::must("url_credentials");
    pub const BearerToken: PiiType = PiiType::must("bearer_token");
    pub const Jwt: PiiType = PiiType::must("jwt");
    pub const ApiKey: PiiType = PiiType::must("api_key");
    pub const Password: PiiType = PiiType::must("password");
    pub const AwsAccessKey: PiiType = PiiType::must("aws_access_key");
    pub const AwsSecretKey: PiiType = PiiType::must("aws_secret_key");
    pub const GithubToken: PiiType = PiiType::must("github_token");
    pub const SlackToken: PiiType = PiiType::must("slack_token");
    pub const StripeKey: PiiType = PiiType::must("stripe_key");
    pub const GoogleApiKey: PiiType = PiiType::must("google_api_key");
    pub const PrivateKey: PiiType = PiiType::must("private_key");

    /// Number of built-in types.
    pub const COUNT: usize = COUNT;

    /// Every built-in type, in catalog order.
    pub const ALL: [PiiType; COUNT] = {
        let mut a = [PiiType(0); COUNT];
        let mut i = 0;
        while i < COUNT {
            a[i] = PiiType(i as u16);
            i += 1;
        }
        a
    };

    /// The type with this id; a compile error if there is none (for the named constants).
    const fn must(id: &str) -> PiiType {
        let mut i = 0;
        while i < COUNT {
            if str_eq(TABLE[i].id, id) {
                return PiiType(i as u16);
            }
            i += 1;
        }
        panic!("no rule with this id in the catalog");
    }

    /// The type with this stable id.
    pub fn from_id(id: &str) -> Option<PiiType> {
        RULES
            .iter()
            .position(|r| r.id == id)
            .map(|i| PiiType(i as u16))
    }

    /// Its catalog entry.
    #[inline]
    pub fn rule(self) -> &'static Rule {
        &RULES[self.0 as usize]
    }

    /// Position in [`PiiType::ALL`] (for per-type tables; not stable across versions).
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// Stable id, e.g. `credit_card`.
    pub fn id(self) -> &'static str {
        self.rule().id
    }

    /// Replacement text of the `tag` redaction style.
    pub fn default_tag(self) -> &'static str {
        self.rule().tag
    }

    /// Human label used in messages ("Email address", "Credit card number" …).
    pub fn label(self) -> &'static str {
        self.rule().label
    }

    pub fn default_severity(self) -> Severity {
        self.rule().severity
    }

    pub fn family(self) -> Family {
        self.rule().family
    }

    /// Rank in the overlap policy (higher wins).
    pub fn specificity(self) -> u8 {
        self.rule().specificity
    }
}

impl fmt::Display for PiiType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl fmt::Debug for PiiType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PiiType({})", self.id())
    }
}

impl serde::Serialize for PiiType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

impl<'de> serde::Deserialize<'de> for PiiType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PiiType, D::Error> {
        let id = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        PiiType::from_id(&id)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown type id `{id}`")))
    }
}

/// An example with its marks removed: the text, and the spans the marks enclosed.
pub fn parse_example(example: &str) -> (String, Vec<Range<usize>>) {
    let mut text = String::with_capacity(example.len());
    let mut spans = Vec::new();
    let mut open = None;
    for c in example.chars() {
        match c {
            '«' => open = Some(text.len()),
            '»' => {
                if let Some(s) = open.take() {
                    spans.push(s..text.len());
                }
            }
            _ => text.push(c),
        }
    }
    (text, spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_snake_case_and_tags_bracketed() {
        let mut seen = std::collections::HashSet::new();
        for r in &RULES {
            assert!(seen.insert(r.id), "duplicate id {}", r.id);
            assert!(
                !r.id.is_empty()
                    && r.id
                        .bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_'),
                "id {:?} is not snake_case",
                r.id
            );
            assert!(
                r.tag.len() > 2 && r.tag.starts_with('[') && r.tag.ends_with(']'),
                "{}: tag {:?} must be `[Name]` (tags are never findings because of the brackets)",
                r.id,
                r.tag
            );
            assert!(
                r.tag[1..r.tag.len() - 1]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric()),
                "{}: tag {:?} must be letters and digits inside the brackets",
                r.id,
                r.tag
            );
            assert!(!r.label.is_empty() && !r.checks.is_empty(), "{}", r.id);
            assert!(
                r.specificity > 0 && r.specificity != CUSTOM_SPECIFICITY,
                "{}: specificity",
                r.id
            );
            assert!(!r.examples.is_empty(), "{}: at least one example", r.id);
            assert!(!r.negatives.is_empty(), "{}: at least one negative", r.id);
            assert!(!r.keywords.is_empty(), "{}: keywords", r.id);
            if let Detect::KeyValue { .. } = r.detect {
                assert!(r.by_key, "{}: a key-value rule is found by its key", r.id);
            }
        }
    }

    #[test]
    fn named_constants_point_at_their_ids() {
        assert_eq!(PiiType::Email.id(), "email");
        assert_eq!(PiiType::PrivateKey.id(), "private_key");
        for t in PiiType::ALL {
            assert_eq!(PiiType::from_id(t.id()), Some(t));
        }
        assert_eq!(PiiType::from_id("emial"), None);
    }

    #[test]
    fn examples_parse() {
        let (t, s) = parse_example("a «b» c «dé»");
        assert_eq!(t, "a b c dé");
        assert_eq!(s, vec![2..3, 6..9]);
    }
}
