//! The `tftsr` settings section (docs/lsp-protocol.md "Settings"): parsed key by key so a bad
//! value is reported and its default kept while the other keys still apply.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde_json::Value;

use crate::engine::redact::Style;
use crate::engine::{Engine, Kind, PiiType, Severity};

/// `maxFileBytes` by default: 1 GiB, far more than a log an editor shows, far less than a
/// runaway input (`/dev/zero`, a gzip bomb).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 1 << 30;

pub const DEFAULT_GLOBS: [&str; 3] = ["*.log", "*.log.[0-9]*", "*.out"];

#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled_types: Option<Vec<String>>,
    pub disabled_types: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub redaction_style: Style,
    pub max_diagnostics: usize,
    pub debounce_ms: u64,
    /// The most bytes (after decompression) `tftsr.scanFile` and the attach of a file read;
    /// `None`: no cap (`maxFileBytes: 0`).
    pub max_file_bytes: Option<u64>,
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
            max_file_bytes: Some(DEFAULT_MAX_FILE_BYTES),
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

/// The type ids a setting may name: the built-in types and the custom rules of the workspace
/// configuration (as the CLI's `--types` and `.tftsr.toml` accept them).
#[derive(Debug, Clone)]
pub struct TypeIds(BTreeSet<String>);

impl TypeIds {
    pub fn of(engine: &Engine) -> TypeIds {
        let mut ids: BTreeSet<String> = PiiType::ALL.iter().map(|t| t.id().to_owned()).collect();
        ids.extend(engine.config().rules.iter().map(|r| r.id.clone()));
        TypeIds(ids)
    }

    fn contains(&self, id: &str) -> bool {
        self.0.contains(id)
    }

    fn list(&self) -> String {
        self.0.iter().cloned().collect::<Vec<_>>().join(", ")
    }
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

    /// Parses and validates a settings object as the CLI validates its flags: missing keys take
    /// their defaults, unknown keys are ignored (newer clients), and any bad value rejects the
    /// whole object, so the caller keeps the settings in force. Each message names the key (and
    /// the index in a list), never the value it held: settings come from files the user may
    /// share, and one mistyped value is no reason to print the others.
    pub fn from_json(value: &Value, ids: &TypeIds) -> Result<Settings, Vec<String>> {
        let mut s = Settings::default();
        let mut errors = Vec::new();
        let Some(obj) = value.as_object() else {
            if value.is_null() {
                return Ok(s);
            }
            return Err(vec!["tftsr settings: expected an object".to_owned()]);
        };
        let mut bad = |key: &str, expected: &str| {
            errors.push(format!("tftsr settings: `{key}` {expected}"));
        };
        let known = format!("is not a known type id (known: {})", ids.list());
        let type_list = |key: &str, l: &[String], bad: &mut dyn FnMut(&str, &str)| {
            for (i, id) in l.iter().enumerate() {
                if !ids.contains(id) {
                    bad(&format!("{key}[{i}]"), &known);
                }
            }
        };
        for (key, v) in obj {
            match key.as_str() {
                "enabledTypes" => match v {
                    Value::Null => s.enabled_types = None,
                    _ => match string_list(v) {
                        Some(l) => {
                            type_list(key, &l, &mut bad);
                            s.enabled_types = Some(l);
                        }
                        None => bad(key, "must be an array of type ids or null"),
                    },
                },
                "disabledTypes" => match string_list(v) {
                    Some(l) => {
                        type_list(key, &l, &mut bad);
                        s.disabled_types = l;
                    }
                    None if v.is_null() => {}
                    None => bad(key, "must be an array of type ids"),
                },
                "severity" => match v.as_object() {
                    Some(m) => {
                        for (i, (id, sev)) in m.iter().enumerate() {
                            // A key is named only once it is known to be one of ours.
                            let name = if ids.contains(id) {
                                format!("severity.{id}")
                            } else {
                                bad(&format!("severity (key {} of {})", i + 1, m.len()), &known);
                                continue;
                            };
                            match sev.as_str().and_then(Severity::parse) {
                                Some(x) => {
                                    s.severity.insert(id.clone(), x);
                                }
                                None => bad(
                                    &name,
                                    "must be \"error\", \"warning\", \"information\" or \"hint\"",
                                ),
                            }
                        }
                    }
                    None if v.is_null() => {}
                    None => bad(key, "must be an object {typeId: severity}"),
                },
                "redactionStyle" => match v.as_str().map(str::parse::<Style>) {
                    Some(Ok(st)) => s.redaction_style = st,
                    _ if v.is_null() => {}
                    _ => bad(
                        key,
                        "must be \"tag\", \"mask\", \"partial\" or \"pseudonym\"",
                    ),
                },
                "maxDiagnostics" => match v.as_u64() {
                    Some(n) => s.max_diagnostics = n.min(1_000_000) as usize,
                    None if v.is_null() => {}
                    None => bad(key, "must be a non-negative integer"),
                },
                "maxFileBytes" => match v.as_u64() {
                    Some(0) => s.max_file_bytes = None,
                    Some(n) => s.max_file_bytes = Some(n),
                    None if v.is_null() => {}
                    None => bad(key, "must be a non-negative integer (bytes; 0: no limit)"),
                },
                "debounceMs" => match v.as_u64() {
                    Some(n) => s.debounce_ms = n.min(60_000),
                    None if v.is_null() => {}
                    None => bad(key, "must be a non-negative integer (milliseconds)"),
                },
                "globs" => match string_list(v) {
                    Some(l) => {
                        let mut ok = true;
                        for (i, g) in l.iter().enumerate() {
                            if let Err(e) = Glob::new(g) {
                                // The kind says what is wrong (`unclosed character class`)
                                // without quoting the glob.
                                bad(
                                    &format!("globs[{i}]"),
                                    &format!("is not a valid glob: {}", e.kind()),
                                );
                                ok = false;
                            }
                        }
                        if ok {
                            match build_globs(&l) {
                                Ok(set) => {
                                    s.globs = l;
                                    s.glob_set = set;
                                }
                                Err(e) => bad(key, &format!("cannot be compiled: {}", e.kind())),
                            }
                        }
                    }
                    None if v.is_null() => {}
                    None => bad(key, "must be an array of glob strings"),
                },
                "databasePath" => match v {
                    Value::Null => s.database_path = None,
                    Value::String(p) if p.is_empty() => s.database_path = None,
                    Value::String(p) => s.database_path = Some(PathBuf::from(p)),
                    _ => bad(key, "must be a path string or null"),
                },
                "logLevel" => match v.as_str() {
                    Some(l @ ("error" | "warn" | "info" | "debug" | "trace")) => {
                        s.log_level = Some(l.to_owned())
                    }
                    _ if v.is_null() => {}
                    _ => bad(
                        key,
                        "must be \"error\", \"warn\", \"info\", \"debug\" or \"trace\"",
                    ),
                },
                // Unknown keys are ignored (forward compatibility with newer clients).
                _ => {}
            }
        }
        if errors.is_empty() {
            Ok(s)
        } else {
            Err(errors)
        }
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
    use serde_json::json;

    fn ids() -> TypeIds {
        TypeIds::of(&Engine::with_defaults())
    }

    #[test]
    fn defaults_and_section_forms() {
        let s = Settings::from_json(&Value::Null, &ids()).unwrap();
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
    fn any_bad_value_rejects_the_object_naming_keys_never_values() {
        let e = Settings::from_json(
            &json!({
                "maxDiagnostics": "lots-of-them",
                "debounceMs": 20,
                "redactionStyle": "shred-it",
                "severity": {"email": "error", "ipv4": "loud-ish", "emial-typo": "hint"},
                "enabledTypes": ["email", "phoen-typo"],
                "disabledTypes": ["ipv4", "jwt-typo"],
                "globs": ["*.log", "a[-glob"],
                "logLevel": "verbose-ish",
                "unknownKey": 1
            }),
            &ids(),
        )
        .unwrap_err();
        let all = e.join("\n");
        for key in [
            "`maxDiagnostics`",
            "`redactionStyle`",
            "`severity.ipv4`",
            "`severity (key 2 of 3)`",
            "`enabledTypes[1]`",
            "`disabledTypes[1]`",
            "`globs[1]`",
            "`logLevel`",
        ] {
            assert!(all.contains(key), "{key} not named in:\n{all}");
        }
        assert_eq!(e.len(), 8, "{all}");
        for value in ["lots-of", "shred", "loud", "typo", "a[-glob", "verbose"] {
            assert!(!all.contains(value), "`{value}` echoed:\n{all}");
        }
    }

    #[test]
    fn max_file_bytes_defaults_to_1_gib_and_0_means_no_limit() {
        let s = Settings::from_json(&Value::Null, &ids()).unwrap();
        assert_eq!(s.max_file_bytes, Some(1 << 30));
        let s = Settings::from_json(&json!({"maxFileBytes": 4096}), &ids()).unwrap();
        assert_eq!(s.max_file_bytes, Some(4096));
        let s = Settings::from_json(&json!({"maxFileBytes": 0}), &ids()).unwrap();
        assert_eq!(s.max_file_bytes, None);
        for bad in [json!(-1), json!("1 GiB"), json!(1.5)] {
            let e = Settings::from_json(&json!({"maxFileBytes": bad}), &ids()).unwrap_err();
            assert!(e.join("\n").contains("`maxFileBytes`"), "{e:?}");
        }
    }

    #[test]
    fn custom_rule_ids_are_type_ids() {
        let cfg: crate::engine::Config =
            toml::from_str("[[rules]]\nid = \"order_id\"\nregex = 'ORD-[0-9]{6}'\n").unwrap();
        let ids = TypeIds::of(&Engine::new(cfg).unwrap());
        assert!(Settings::from_json(&json!({"enabledTypes": ["order_id", "email"]}), &ids).is_ok());
        assert!(
            Settings::from_json(&json!({"enabledTypes": ["order_id"]}), &super::tests::ids())
                .is_err()
        );
    }

    #[test]
    fn enabled_types_restricts() {
        let s = Settings::from_json(
            &json!({"enabledTypes": ["email"], "globs": ["*.txt"], "disabledTypes": ["ipv4"]}),
            &ids(),
        )
        .unwrap();
        assert!(s.type_enabled(&Kind::Builtin(PiiType::Email)));
        assert!(!s.type_enabled(&Kind::Builtin(PiiType::Jwt)));
        assert!(!s.type_enabled(&Kind::Builtin(PiiType::Ipv4)));
        assert!(s.glob_set.is_match("a.txt"));
        assert!(!s.glob_set.is_match("a.log"));
    }
}
