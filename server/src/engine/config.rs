//! `.tftsr.toml`: which types are enabled, severities, custom rules, allowlists.
//! Shared by the CLI (`--config`, or discovered in the scanned tree) and the language server
//! (the workspace file, watched).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::types::{Kind, PiiType, Severity};

/// A configuration problem, always naming where it is (file, line, key) and never a secret value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}:{line}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The parsed configuration. Default: every built-in type on, default severities, nothing else.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub types: TypesConfig,
    /// Severity per type id (built-in or custom).
    pub severity: BTreeMap<String, Severity>,
    pub rules: Vec<CustomRule>,
    pub allowlist: Allowlist,
    /// Where this configuration was read from, if from a file.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TypesConfig {
    /// If set, only these type ids are enabled.
    pub enable: Option<Vec<String>>,
    /// These type ids are disabled.
    pub disable: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomRule {
    pub id: String,
    pub regex: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub tag: Option<String>,
    pub severity: Option<Severity>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Allowlist {
    /// Exact values that are never findings.
    pub values: Vec<String>,
    /// Regexes; a value matching one entirely is never a finding.
    pub regexes: Vec<String>,
    /// SHA-256 hex fingerprints of values that are never findings (so the file holds no secret).
    pub fingerprints: Vec<String>,
}

impl Config {
    pub const FILE_NAME: &'static str = ".tftsr.toml";

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Config::from_toml_str(&text, path)
    }

    pub fn from_toml_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_owned(),
            line: e
                .span()
                .map_or(0, |s| text[..s.start].matches('\n').count() + 1),
            key: String::new(),
            message: e.message().to_owned(),
        })?;
        cfg.source = Some(path.to_owned());
        Ok(cfg)
    }

    /// The nearest `.tftsr.toml` in `dir` or its ancestors.
    pub fn discover(dir: &Path) -> Option<PathBuf> {
        dir.ancestors()
            .map(|d| d.join(Config::FILE_NAME))
            .find(|p| p.is_file())
    }

    pub fn is_enabled(&self, kind: &Kind) -> bool {
        let id = kind.id();
        if self.types.disable.iter().any(|d| d == id) {
            return false;
        }
        match &self.types.enable {
            Some(list) => list.iter().any(|e| e == id) || matches!(kind, Kind::Custom(_)),
            None => true,
        }
    }

    pub fn severity(&self, kind: &Kind) -> Severity {
        if let Some(s) = self.severity.get(kind.id()) {
            return *s;
        }
        match kind {
            Kind::Builtin(t) => t.default_severity(),
            Kind::Custom(id) => self
                .rules
                .iter()
                .find(|r| r.id.as_str() == &**id)
                .and_then(|r| r.severity)
                .unwrap_or(Severity::Warning),
        }
    }

    pub fn tag<'a>(&'a self, kind: &'a Kind) -> &'a str {
        match kind {
            Kind::Builtin(t) => t.default_tag(),
            Kind::Custom(id) => self
                .rules
                .iter()
                .find(|r| r.id.as_str() == &**id)
                .and_then(|r| r.tag.as_deref())
                .unwrap_or("[Redacted]"),
        }
    }

    /// Every built-in type id, for validating `--types` and settings.
    pub fn builtin_ids() -> impl Iterator<Item = &'static str> {
        PiiType::ALL.iter().map(|t| t.id())
    }
}
