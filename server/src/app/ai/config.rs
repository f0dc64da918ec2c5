//! Which AI provider to talk to, and how: provider kind, base URL, model, API key, timeout.
//!
//! Each setting comes from the first place that has it: the caller's overrides (the editor's
//! `tftsr.ai.*` settings), the environment (`TFTSR_AI_PROVIDER`, `TFTSR_AI_BASE_URL`,
//! `TFTSR_AI_MODEL`, `TFTSR_AI_API_KEY`, `TFTSR_AI_TIMEOUT`), the store's `settings` table
//! (same names, kept inside the encrypted file). Nothing is configured by default, so nothing
//! is ever sent anywhere until someone says where.
//!
//! The API key is a [`Secret`]: it has no `Display`, its `Debug` prints `<set>`, and no error of
//! this module carries it.

use std::fmt;
use std::time::Duration;

use crate::store::{Store, StoreError};

/// The setting names: environment variables and `settings` keys alike.
pub const PROVIDER: &str = "TFTSR_AI_PROVIDER";
pub const BASE_URL: &str = "TFTSR_AI_BASE_URL";
pub const MODEL: &str = "TFTSR_AI_MODEL";
pub const API_KEY: &str = "TFTSR_AI_API_KEY";
pub const TIMEOUT: &str = "TFTSR_AI_TIMEOUT";

/// Every setting, in the order `ai config show` lists them.
pub const NAMES: [&str; 5] = [PROVIDER, BASE_URL, MODEL, API_KEY, TIMEOUT];

/// How long to wait for the provider (connect, and each read of the stream) unless configured.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The two wire formats.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Chat completions: OpenAI, Azure OpenAI, Ollama, LM Studio, vLLM, LiteLLM …
    Openai,
    /// The Anthropic Messages API.
    Anthropic,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Openai => "openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }
}

impl std::str::FromStr for ProviderKind {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" => Ok(ProviderKind::Openai),
            "anthropic" => Ok(ProviderKind::Anthropic),
            _ => Err(ConfigError::Invalid {
                name: PROVIDER,
                message: "expected `openai` or `anthropic`".into(),
            }),
        }
    }
}

/// A value that must never be printed: no `Display`, a `Debug` that hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The value, for the one place that needs it (the request header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<set>")
    }
}

/// Where a setting's value came from (`ai config show`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Editor,
    Environment,
    Store,
    Default,
}

/// A complete provider configuration.
#[derive(Clone, Debug)]
pub struct AiConfig {
    pub provider: ProviderKind,
    /// Without a trailing `/`; for `openai` up to and including `/v1` (or Azure's deployment
    /// URL, with its `?api-version=` query).
    pub base_url: String,
    pub model: String,
    pub api_key: Option<Secret>,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no AI provider is configured: set {PROVIDER} (openai or anthropic), {BASE_URL} and \
         {MODEL} in the environment, in the store (`tftsr ai config set`) or in the editor's \
         tftsr.ai settings"
    )]
    NotConfigured,
    #[error("{name} is not set (needed with {PROVIDER}={provider})")]
    Missing {
        name: &'static str,
        provider: &'static str,
    },
    /// `message` says what is wrong with the value, never the value.
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
    #[error("cannot read the AI settings from the store: {0}")]
    Store(#[from] StoreError),
}

/// Settings given by the caller ahead of the environment and the store (the editor's).
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub provider: Option<String>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<Secret>,
    pub timeout_secs: Option<u64>,
}

/// One resolved setting: its value (the key's is hidden) and where it came from.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Resolved {
    pub name: &'static str,
    /// None when unset; for the API key `"<set>"`, never the value.
    pub value: Option<String>,
    pub origin: Option<Origin>,
}

/// Where settings are looked up: the overrides, an environment lookup (tests pass their own; the
/// real one is [`std::env::var`]), the store.
pub struct Sources<'a> {
    pub overrides: &'a Overrides,
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub store: Option<&'a Store>,
}

/// The process environment, for [`Sources::env`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Sources<'_> {
    fn lookup(&self, name: &'static str) -> Result<Option<(String, Origin)>, ConfigError> {
        let o = self.overrides;
        let over = match name {
            PROVIDER => o.provider.clone(),
            BASE_URL => o.base_url.clone(),
            MODEL => o.model.clone(),
            API_KEY => o.api_key.as_ref().map(|k| k.expose().to_owned()),
            TIMEOUT => o.timeout_secs.map(|t| t.to_string()),
            _ => None,
        };
        let nonempty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        if let Some(v) = nonempty(over) {
            return Ok(Some((v, Origin::Editor)));
        }
        if let Some(v) = nonempty((self.env)(name)) {
            return Ok(Some((v, Origin::Environment)));
        }
        if let Some(s) = self.store {
            if let Some(v) = nonempty(s.setting(name)?) {
                return Ok(Some((v, Origin::Store)));
            }
        }
        Ok(None)
    }

    /// Every setting with its origin, the key hidden (`ai config show`).
    pub fn describe(&self) -> Result<Vec<Resolved>, ConfigError> {
        NAMES
            .iter()
            .map(|&name| {
                let hit = self.lookup(name)?;
                Ok(match hit {
                    Some((v, origin)) => Resolved {
                        name,
                        value: Some(if name == API_KEY { "<set>".into() } else { v }),
                        origin: Some(origin),
                    },
                    None if name == TIMEOUT => Resolved {
                        name,
                        value: Some(DEFAULT_TIMEOUT.as_secs().to_string()),
                        origin: Some(Origin::Default),
                    },
                    None => Resolved {
                        name,
                        value: None,
                        origin: None,
                    },
                })
            })
            .collect()
    }

    /// The configuration, or why there is none.
    pub fn resolve(&self) -> Result<AiConfig, ConfigError> {
        let Some((provider, _)) = self.lookup(PROVIDER)? else {
            return Err(ConfigError::NotConfigured);
        };
        let provider: ProviderKind = provider.parse()?;
        let missing = |name| ConfigError::Missing {
            name,
            provider: provider.as_str(),
        };
        let base_url = self.lookup(BASE_URL)?.ok_or_else(|| missing(BASE_URL))?.0;
        let base_url = check_base_url(&base_url)?;
        let model = self.lookup(MODEL)?.ok_or_else(|| missing(MODEL))?.0;
        let model = model.trim().to_owned();
        let api_key = self
            .lookup(API_KEY)?
            .map(|(k, _)| Secret(k.trim().to_owned()));
        if provider == ProviderKind::Anthropic && api_key.is_none() {
            return Err(missing(API_KEY));
        }
        if let Some(k) = &api_key {
            // A header value must be visible ASCII; say so without showing the key.
            if !k.0.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError::Invalid {
                    name: API_KEY,
                    message: "contains spaces or characters that cannot go into a header".into(),
                });
            }
        }
        let timeout = match self.lookup(TIMEOUT)? {
            None => DEFAULT_TIMEOUT,
            Some((t, _)) => match t.trim().parse::<u64>() {
                Ok(n) if n > 0 => Duration::from_secs(n),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: TIMEOUT,
                        message: "expected a whole number of seconds greater than 0".into(),
                    })
                }
            },
        };
        Ok(AiConfig {
            provider,
            base_url,
            model,
            api_key,
            timeout,
        })
    }
}

/// An `http://` or `https://` URL, without its trailing `/`. The message never repeats the URL
/// (it may carry credentials).
fn check_base_url(url: &str) -> Result<String, ConfigError> {
    let url = url.trim();
    let invalid = |message: &str| ConfigError::Invalid {
        name: BASE_URL,
        message: message.into(),
    };
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .ok_or_else(|| invalid("expected an http:// or https:// URL"))?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(invalid("the URL has no host"));
    }
    if url.contains(char::is_whitespace) {
        return Err(invalid("the URL contains spaces"));
    }
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (url, None),
    };
    let path = path.trim_end_matches('/');
    Ok(match query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    })
}

/// Stores (or clears, with `None`) one AI setting in the store (`ai config set|unset`).
pub fn store_setting(store: &Store, name: &str, value: Option<&str>) -> Result<(), ConfigError> {
    let Some(&name) = NAMES.iter().find(|n| n.eq_ignore_ascii_case(name)) else {
        return Err(ConfigError::Invalid {
            name: "setting",
            message: format!("unknown AI setting (expected one of {})", NAMES.join(", ")),
        });
    };
    let value = value.map(str::trim).unwrap_or("");
    // Validate before storing, so a bad value is refused now rather than at the next send.
    if !value.is_empty() {
        match name {
            PROVIDER => drop(value.parse::<ProviderKind>()?),
            BASE_URL => drop(check_base_url(value)?),
            TIMEOUT if !value.parse::<u64>().is_ok_and(|n| n > 0) => {
                return Err(ConfigError::Invalid {
                    name: TIMEOUT,
                    message: "expected a whole number of seconds greater than 0".into(),
                })
            }
            _ => {}
        }
    }
    store.set_setting(name, value)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |n| pairs.iter().find(|p| p.0 == n).map(|p| p.1.to_owned())
    }

    #[test]
    fn nothing_configured_is_an_error_not_a_default_provider() {
        let env = env_of(&[]);
        let s = Sources {
            overrides: &Overrides::default(),
            env: &env,
            store: None,
        };
        assert!(matches!(s.resolve(), Err(ConfigError::NotConfigured)));
    }

    #[test]
    fn overrides_win_over_the_environment_and_urls_are_normalized() {
        let env = env_of(&[
            (PROVIDER, "anthropic"),
            (BASE_URL, "http://127.0.0.1:9/"),
            (MODEL, "m"),
            (API_KEY, "k-123"),
        ]);
        let o = Overrides {
            provider: Some("openai".into()),
            base_url: Some("http://localhost:11434/v1/".into()),
            ..Default::default()
        };
        let s = Sources {
            overrides: &o,
            env: &env,
            store: None,
        };
        let c = s.resolve().unwrap();
        assert_eq!(c.provider, ProviderKind::Openai);
        assert_eq!(c.base_url, "http://localhost:11434/v1");
        assert_eq!(c.model, "m");
        assert_eq!(format!("{:?}", c.api_key), "Some(<set>)");
        let shown = s.describe().unwrap();
        let key = shown.iter().find(|r| r.name == API_KEY).unwrap();
        assert_eq!(key.value.as_deref(), Some("<set>"));
        assert_eq!(key.origin, Some(Origin::Environment));
    }

    #[test]
    fn bad_values_are_named_never_repeated() {
        for (name, value) in [
            (PROVIDER, "gemini-secretish"),
            (BASE_URL, "ftp://user:pw@host"),
            (TIMEOUT, "soon"),
        ] {
            let pairs: Vec<(&str, String)> = vec![
                (PROVIDER, "openai".into()),
                (BASE_URL, "http://127.0.0.1:1/v1".into()),
                (MODEL, "m".into()),
                (name, value.into()),
            ];
            let env = move |n: &str| pairs.iter().rev().find(|p| p.0 == n).map(|p| p.1.clone());
            let s = Sources {
                overrides: &Overrides::default(),
                env: &env,
                store: None,
            };
            let e = s.resolve().unwrap_err().to_string();
            assert!(e.contains(name), "{e}");
            assert!(!e.contains(value), "{e}");
        }
    }
}
