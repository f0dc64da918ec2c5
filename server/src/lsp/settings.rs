//! The `tftsr` settings section (docs/lsp-protocol.md "Settings"): parsed key by key so a bad
//! value is reported and its default kept while the other keys still apply.

use std::collections::BTreeMap;
use std::path::PathBuf;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde_json::Value;

use crate::engine::redact::Style;
use crate::engine::{Kind, Severity};

pub const DEFAULT_GLOBS: [&str; 3] = ["*.log", "*.log.[0-9]*", "*.out"];

#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled_types: Option<Vec<String>>,
    pub disabled_types: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub redaction_style: Style,
    pub max_diagnostics: usize,
    pub debounce_ms: u64,
    pub globs: Vec<String>,
    pub glob_set: GlobSet,
    pub database_path: Option<PathBuf>,
    /// None: keep the level given on the command line (`--log-level`).
    pub log_level: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        let globs: Vec<String> = DEFAULT_GLOBS.iter().map(|g| g.to_string()).collect();
        let glob_set = build_globs(&globs).expect("default globs compile");
        Settings {
            enabled_types: None,
            disabled_types: Vec::new(),
            severity: BTreeMap::new(),
            redaction_style: Style::Tag,
            max_diagnostics: 1000,
            debounce_ms: 100,
            globs,
            glob_set,
            database_path: None,
            log_level: None,
        }
    }
}

fn build_globs(globs: &[String]) -> Result<GlobSet, globset::Error> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g)?);
    }
    b.build()
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_owned))
        .collect()
}

impl Settings {
    /// Extracts the section from `initializationOptions` / `settings`: either the object itself
    /// or `{"tftsr": {...}}`.
    pub fn section(value: &Value) -> Option<&Value> {
        match value.get("tftsr") {
            Some(v) if v.is_object() => Some(v),
            _ if value.is_object() => Some(value),
            _ => None,
        }
    }

    /// Parses a settings object. Missing keys keep their defaults; each bad value is described in
    /// the returned messages (naming the key, never echoing a long value) and keeps its default.
    pub fn from_json(value: &Value) -> (Settings, Vec<String>) {
        let mut s = Settings::default();
        let mut errors = Vec::new();
        let Some(obj) = value.as_object() else {
            if !value.is_null() {
                errors.push("tftsr settings: expected an object".to_owned());
            }
            return (s, errors);
        };
        let mut bad = |key: &str, expected: &str| {
            errors.push(format!(
                "tftsr settings: `{key}` must be {expected}; using its default"
            ));
        };
        for (key, v) in obj {
            match key.as_str() {
                "enabledTypes" => match v {
                    Value::Null => s.enabled_types = None,
                    _ => match string_list(v) {
                        Some(l) => s.enabled_types = Some(l),
                        None => bad(key, "an array of type ids or null"),
                    },
                },
                "disabledTypes" => match string_list(v) {
                    Some(l) => s.disabled_types = l,
                    None if v.is_null() => {}
                    None => bad(key, "an array of type ids"),
                },
                "severity" => match v.as_object() {
                    Some(m) => {
                        for (id, sev) in m {
                            match sev.as_str().and_then(Severity::parse) {
                                Some(x) => {
                                    s.severity.insert(id.clone(), x);
                                }
                                None => bad(
                                    &format!("severity.{id}"),
                                    "\"error\", \"warning\", \"information\" or \"hint\"",
                                ),
                            }
                        }
                    }
                    None if v.is_null() => {}
                    None => bad(key, "an object {typeId: severity}"),
                },
                "redactionStyle" => match v.as_str().map(str::parse::<Style>) {
                    Some(Ok(st)) => s.redaction_style = st,
                    _ if v.is_null() => {}
                    _ => bad(key, "\"tag\", \"mask\", \"partial\" or \"pseudonym\""),
                },
                "maxDiagnostics" => match v.as_u64() {
                    Some(n) => s.max_diagnostics = n.min(1_000_000) as usize,
                    None if v.is_null() => {}
                    None => bad(key, "a non-negative integer"),
                },
                "debounceMs" => match v.as_u64() {
                    Some(n) => s.debounce_ms = n.min(60_000),
                    None if v.is_null() => {}
                    None => bad(key, "a non-negative integer (milliseconds)"),
                },
                "globs" => match string_list(v) {
                    Some(l) => match build_globs(&l) {
                        Ok(set) => {
                            s.globs = l;
                            s.glob_set = set;
                        }
                        Err(e) => bad(key, &format!("valid globs ({e})")),
                    },
                    None if v.is_null() => {}
                    None => bad(key, "an array of glob strings"),
                },
                "databasePath" => match v {
                    Value::Null => s.database_path = None,
                    Value::String(p) if p.is_empty() => s.database_path = None,
                    Value::String(p) => s.database_path = Some(PathBuf::from(p)),
                    _ => bad(key, "a path string or null"),
                },
                "logLevel" => match v.as_str() {
                    Some(l @ ("error" | "warn" | "info" | "debug" | "trace")) => {
                        s.log_level = Some(l.to_owned())
                    }
                    _ if v.is_null() => {}
                    _ => bad(key, "\"error\", \"warn\", \"info\", \"debug\" or \"trace\""),
                },
                // Unknown keys are ignored (forward compatibility with newer clients).
                _ => {}
            }
        }
        (s, errors)
    }

    /// Is this kind reported, as far as the settings are concerned?
    pub fn type_enabled(&self, kind: &Kind) -> bool {
        let id = kind.id();
        if self.disabled_types.iter().any(|d| d == id) {
            return false;
        }
        match &self.enabled_types {
            Some(list) => list.iter().any(|e| e == id),
            None => true,
        }
    }

    /// Do the settings change which findings exist (so documents need a full rescan)?
    pub fn same_findings(&self, other: &Settings) -> bool {
        self.enabled_types == other.enabled_types && self.disabled_types == other.disabled_types
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PiiType;
    use serde_json::json;

    #[test]
    fn defaults_and_section_forms() {
        let (s, e) = Settings::from_json(&Value::Null);
        assert!(e.is_empty());
        assert_eq!(s.max_diagnostics, 1000);
        assert_eq!(s.debounce_ms, 100);
        assert!(s.glob_set.is_match("app.log"));
        assert!(s.glob_set.is_match("app.log.1"));
        assert!(s.glob_set.is_match("nohup.out"));
        assert!(!s.glob_set.is_match("main.rs"));
        let wrapped = json!({"tftsr": {"debounceMs": 5}});
        assert_eq!(Settings::section(&wrapped), Some(&json!({"debounceMs": 5})));
        let bare = json!({"debounceMs": 5});
        assert_eq!(Settings::section(&bare), Some(&bare));
    }

    #[test]
    fn bad_values_keep_defaults_and_are_reported() {
        let (s, e) = Settings::from_json(&json!({
            "maxDiagnostics": "lots",
            "debounceMs": 20,
            "redactionStyle": "shred",
            "severity": {"email": "error", "ipv4": "loud"},
            "disabledTypes": ["ipv4"],
            "logLevel": "verbose",
            "unknownKey": 1
        }));
        assert_eq!(s.max_diagnostics, 1000);
        assert_eq!(s.debounce_ms, 20);
        assert_eq!(s.redaction_style, Style::Tag);
        assert_eq!(s.severity.get("email"), Some(&Severity::Error));
        assert!(!s.severity.contains_key("ipv4"));
        assert_eq!(s.log_level, None);
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e.iter().any(|m| m.contains("maxDiagnostics")));
        assert!(!s.type_enabled(&Kind::Builtin(PiiType::Ipv4)));
        assert!(s.type_enabled(&Kind::Builtin(PiiType::Email)));
    }

    #[test]
    fn enabled_types_restricts() {
        let (s, e) = Settings::from_json(&json!({"enabledTypes": ["email"], "globs": ["*.txt"]}));
        assert!(e.is_empty());
        assert!(s.type_enabled(&Kind::Builtin(PiiType::Email)));
        assert!(!s.type_enabled(&Kind::Builtin(PiiType::Jwt)));
        assert!(s.glob_set.is_match("a.txt"));
        assert!(!s.glob_set.is_match("a.log"));
        let (_, e) = Settings::from_json(&json!({"globs": ["a[" ]}));
        assert_eq!(e.len(), 1);
    }
}
