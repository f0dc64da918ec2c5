//! AI assistance that never sees a secret (issue 13): conversations per incident with an
//! OpenAI-compatible or Anthropic provider, every request redacted by the engine first.
//!
//! - `config`: which provider, URL, model, key, timeout (editor, environment, store);
//! - `provider`: the two wire formats, the HTTP exchange and the streamed reply;
//! - `guard`: the redaction guarantee (redact every part, scan the exact body, refuse);
//! - `excerpt`: "Analyze this log": the redacted lines around findings and errors, or a
//!   selection;
//! - `prompts`: the system prompt and the use-cases' prompts, the why parser;
//! - `conversation`: prepare, send, list, show, delete, accept a reply as a why or a document.

pub mod config;
pub mod conversation;
pub mod excerpt;
pub mod guard;
pub mod prompts;
pub mod provider;

pub use config::{AiConfig, ConfigError, Overrides, ProviderKind, Secret, Sources};
pub use conversation::{AiError, AskRequest, LogInput, Prepared, Sent, Target};
pub use guard::{Guard, GuardError, DEFAULT_STYLE};
pub use prompts::UseCase;

use crate::app::engines::Scanner;
use crate::engine::redact::{apply, Redactor, Style};
use crate::store::Store;

/// The pseudonym secret for `style` from the store (zeros for the other styles).
pub fn style_key(store: &Store, style: Style) -> Result<[u8; 32], crate::app::keys::KeyError> {
    crate::app::keys::redaction_key(style, || Ok::<_, std::convert::Infallible>(store))
}

/// Cleans a provider's error message before it is shown: its findings redacted (tag style), the
/// API key taken out should it be echoed.
pub fn scrubber<'a>(scanner: &'a Scanner, cfg: &'a AiConfig) -> impl Fn(&str) -> String + 'a {
    move |m: &str| {
        let mut m = m.to_owned();
        if let Some(k) = &cfg.api_key {
            if k.expose().len() >= 4 {
                m = m.replace(k.expose(), "[ApiKey]");
            }
        }
        let found: Vec<_> = scanner
            .engine
            .scan(&m)
            .into_iter()
            .filter(|f| scanner.keeps(&f.kind))
            .collect();
        let r = Redactor::new(&scanner.engine, Style::Tag, [0; 32]);
        apply(&m, &r.plan(&m, &found))
    }
}
