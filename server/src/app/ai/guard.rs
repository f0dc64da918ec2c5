//! The redaction guarantee: every piece of text that goes into a request passes through here
//! first (redacted by the engine with the workspace configuration, counted by type), and the
//! finished request is scanned once more — its exact body bytes and each message as the provider
//! will read it — before it may be sent. A finding left anywhere refuses the send.

use sha2::{Digest, Sha256};

use crate::app::engines::Scanner;
use crate::engine::redact::{apply, Redactor, Style};
use crate::store::Counts;

use super::provider::{Message, Request};

/// Styles that may be used for a send. `partial` keeps parts of values (`j***@example.com`),
/// which is exactly what must not reach a provider.
pub const SEND_STYLES: [Style; 3] = [Style::Pseudonym, Style::Tag, Style::Mask];

/// The default: the same value always becomes the same token, so the model still sees that two
/// lines concern the same user or host.
pub const DEFAULT_STYLE: Style = Style::Pseudonym;

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(
        "the `partial` style keeps parts of values and is not used for AI requests; use \
         pseudonym (the default), tag or mask"
    )]
    PartialStyle,
    /// Types and counts only, never a value or where it is.
    #[error(
        "refused to send: the request still holds {total} finding(s) after redaction ({types}). \
         Nothing was sent. A custom rule whose replacement it matches again (a tag without \
         brackets in the pseudonym style) does this: give the rule a bracketed tag such as \
         `[Ticket]`, or choose another redaction style"
    )]
    Refused { total: usize, types: String },
}

/// A request that passed [`Guard::check`]: the only thing [`super::provider::send`] accepts.
/// Its fields are private to this module, so no other code can make one: every byte that goes to
/// a provider has been scanned here first.
#[derive(Clone, Debug)]
pub struct Checked {
    url: String,
    body: Vec<u8>,
    sha256: String,
}

impl Checked {
    pub fn url(&self) -> &str {
        &self.url
    }
    /// The exact bytes sent.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// SHA-256 hex of [`Checked::body`] (the `ai_send` audit's `body_sha256`).
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Redacts the parts of one request and checks the result.
pub struct Guard<'a> {
    scanner: &'a Scanner,
    redactor: Redactor<'a>,
    counts: Counts,
}

impl<'a> Guard<'a> {
    /// `key`: the pseudonym secret (ignored by the other styles).
    pub fn new(scanner: &'a Scanner, style: Style, key: [u8; 32]) -> Result<Guard<'a>, GuardError> {
        if !SEND_STYLES.contains(&style) {
            return Err(GuardError::PartialStyle);
        }
        Ok(Guard {
            scanner,
            redactor: Redactor::new(&scanner.engine, style, key),
            counts: Counts::new(),
        })
    }

    pub fn scanner(&self) -> &Scanner {
        self.scanner
    }

    pub fn redactor(&self) -> &Redactor<'a> {
        &self.redactor
    }

    /// Counts what a caller redacted with [`Guard::redactor`] itself (the log excerpt).
    pub fn add_counts(&mut self, counts: &Counts) {
        for (k, v) in counts {
            *self.counts.entry(k.clone()).or_default() += v;
        }
    }

    /// The text with every finding the workspace configuration keeps replaced.
    pub fn redact(&mut self, text: &str) -> String {
        let findings: Vec<_> = self
            .scanner
            .engine
            .scan(text)
            .into_iter()
            .filter(|f| self.scanner.keeps(&f.kind))
            .collect();
        if findings.is_empty() {
            return text.to_owned();
        }
        for f in &findings {
            *self.counts.entry(f.kind.id().to_owned()).or_default() += 1;
        }
        apply(text, &self.redactor.plan(text, &findings))
    }

    /// Counts by type of everything redacted so far (for the `ai_send` audit).
    pub fn counts(&self) -> &Counts {
        &self.counts
    }

    /// The last check: the exact body bytes, and each message's text as the provider decodes
    /// it (JSON escapes such as `\n` can hide a value from a scan of the escaped form).
    pub fn check(&self, req: Request, messages: &[Message]) -> Result<Checked, GuardError> {
        let scan = |text: &str, left: &mut Counts| {
            for f in self.scanner.engine.scan(text) {
                if self.scanner.keeps(&f.kind) {
                    *left.entry(f.kind.id().to_owned()).or_default() += 1;
                }
            }
        };
        // Counted per message (what the user can act on); the body's own scan decides when the
        // messages show nothing (the same finding is in both, so they are not added up).
        let mut left = Counts::new();
        for m in messages {
            scan(&m.content, &mut left);
        }
        if left.is_empty() {
            match std::str::from_utf8(&req.body) {
                Ok(body) => scan(body, &mut left),
                Err(_) => *left.entry("invalid_utf8".into()).or_default() += 1,
            }
        }
        if left.is_empty() {
            let sha256 = hex::encode(Sha256::digest(&req.body));
            return Ok(Checked {
                url: req.url,
                body: req.body,
                sha256,
            });
        }
        Err(GuardError::Refused {
            total: left.values().sum(),
            types: left
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::app::ai::config::{AiConfig, ProviderKind};
    use crate::app::ai::provider::{build_request, Role};
    use crate::app::engines::TypeFilter;
    use crate::engine::Engine;

    fn scanner() -> Scanner {
        Scanner::new(Arc::new(Engine::with_defaults()), TypeFilter::default())
    }

    fn cfg() -> AiConfig {
        AiConfig {
            provider: ProviderKind::Openai,
            base_url: "http://127.0.0.1:1/v1".into(),
            model: "m".into(),
            api_key: None,
            timeout: std::time::Duration::from_secs(1),
        }
    }

    fn msg(content: &str) -> Message {
        Message {
            role: Role::User,
            content: content.into(),
        }
    }

    #[test]
    fn redacted_text_passes_and_the_hash_is_of_the_exact_body() {
        let s = scanner();
        let mut g = Guard::new(&s, Style::Pseudonym, [7; 32]).unwrap();
        let m = vec![msg(&g.redact("login by alice@example.com from 10.1.2.3"))];
        assert!(!m[0].content.contains("alice@example.com"));
        let req = build_request(&cfg(), &m);
        let body = req.body.clone();
        let c = g.check(req, &m).unwrap();
        assert_eq!(c.body(), &body[..]);
        assert_eq!(c.sha256(), hex::encode(Sha256::digest(&body)));
        assert_eq!(g.counts().get("email"), Some(&1));
        assert_eq!(g.counts().get("ipv4"), Some(&1));
    }

    #[test]
    fn anything_not_redacted_is_refused_by_type_without_its_value() {
        let s = scanner();
        let g = Guard::new(&s, Style::Tag, [0; 32]).unwrap();
        let m = vec![msg("password=Hunter2xyz and alice@example.com")];
        let e = g
            .check(build_request(&cfg(), &m), &m)
            .unwrap_err()
            .to_string();
        assert!(e.contains("refused to send"), "{e}");
        assert!(e.contains("email: 1") && e.contains("password: 1"), "{e}");
        assert!(!e.contains("Hunter2xyz") && !e.contains("alice"), "{e}");
        // A value only the body shows (the messages said nothing) is refused too.
        let clean = vec![msg("nothing here")];
        let mut req = build_request(&cfg(), &clean);
        req.body.extend_from_slice(b" bob@example.org");
        assert!(g.check(req, &clean).is_err());
    }

    #[test]
    fn the_partial_style_is_not_used_for_sends() {
        let s = scanner();
        assert!(matches!(
            Guard::new(&s, Style::Partial, [0; 32]),
            Err(GuardError::PartialStyle)
        ));
    }
}
