//! `.tftsr.toml`: which types are enabled, severities, custom rules, allowlists.
//! Shared by the CLI (`--config`, or discovered in the scanned tree) and the language server
//! (the workspace file, watched).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use aho_corasick::AhoCorasick;
use regex::Regex;
use serde::Deserialize;

use super::types::{fingerprint, FingerprintKey, Kind, PiiType, Severity};

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
    /// The key of value fingerprints (found by the caller, never in the file). None: plain
    /// SHA-256, for callers that have no key (tests, tools); TFTSR itself always sets one.
    #[serde(skip)]
    pub fingerprint_key: Option<FingerprintKey>,
    /// Custom rules may add findings but never take a span from a built-in detector (they rank
    /// below every built-in type in the overlap policy). Set by the caller for a configuration it
    /// does not trust: a rule matching one character of an e-mail address must not leave the
    /// rest of it unredacted.
    #[serde(skip)]
    pub rules_yield_to_builtins: bool,
    /// Line of each key path (`types.enable[2]`, `rules[0].regex`) in the source file, so that
    /// validation errors can name the line.
    /// (Filled by `from_toml_str`; public only so callers can still build a `Config` with
    /// `..Default::default()`.)
    #[doc(hidden)]
    #[serde(skip)]
    pub key_lines: Arc<BTreeMap<String, usize>>,
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
    /// Fingerprints (HMAC-SHA-256 hex under the fingerprint key) of values that are never findings,
    /// so the file holds no secret. A plain SHA-256 of the value (what older versions wrote) is
    /// still accepted, and reported (`Engine::legacy_fingerprint_hits`).
    pub fingerprints: Vec<String>,
}

impl Config {
    pub const FILE_NAME: &'static str = ".tftsr.toml";

    pub fn from_toml_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let lines = key_lines(text);
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map_or(0, |s| text[..s.start].matches('\n').count() + 1);
            // A top-level key has no enclosing key path: say so rather than print an empty one.
            let key = key_on_line(&lines, line);
            ConfigError::Invalid {
                path: path.to_owned(),
                line,
                key: if key.is_empty() {
                    "(top level)".to_owned()
                } else {
                    key
                },
                message: without_value(e.message()),
            }
        })?;
        cfg.source = Some(path.to_owned());
        cfg.key_lines = Arc::new(lines);
        // Validate now so a bad file is reported when it is loaded, with its line.
        cfg.compile()?;
        Ok(cfg)
    }

    fn err(&self, key: &str, message: impl Into<String>) -> ConfigError {
        // Fall back to the enclosing key's line (`rules[0]` for `rules[0].examples[1]`).
        let mut k = key;
        let line = loop {
            if let Some(l) = self.key_lines.get(k) {
                break *l;
            }
            match k.rfind(['.', '[']) {
                Some(p) => k = &k[..p],
                None => break 0,
            }
        };
        ConfigError::Invalid {
            path: self
                .source
                .clone()
                .unwrap_or_else(|| PathBuf::from("<config>")),
            line,
            key: key.to_owned(),
            message: message.into(),
        }
    }

    /// Validates everything and compiles custom rules and allowlists.
    pub(crate) fn compile(&self) -> Result<Compiled, ConfigError> {
        let mut rule_ids = HashSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let key = format!("rules[{i}].id");
            if r.id.is_empty()
                || !r
                    .id
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
            {
                return Err(self.err(
                    &key,
                    "rule id must be non-empty letters, digits, `_` or `-`",
                ));
            }
            if PiiType::from_id(&r.id).is_some() {
                return Err(self.err(&key, format!("rule id `{}` is a built-in type id", r.id)));
            }
            if !rule_ids.insert(r.id.as_str()) {
                return Err(self.err(&key, format!("duplicate rule id `{}`", r.id)));
            }
        }
        let known = |id: &str| PiiType::from_id(id).is_some() || rule_ids.contains(id);
        if let Some(list) = &self.types.enable {
            for (i, id) in list.iter().enumerate() {
                if !known(id) {
                    return Err(self.err(
                        &format!("types.enable[{i}]"),
                        format!("unknown type id `{id}`"),
                    ));
                }
            }
        }
        for (i, id) in self.types.disable.iter().enumerate() {
            if !known(id) {
                return Err(self.err(
                    &format!("types.disable[{i}]"),
                    format!("unknown type id `{id}`"),
                ));
            }
        }
        for id in self.severity.keys() {
            if !known(id) {
                return Err(self.err(&format!("severity.{id}"), format!("unknown type id `{id}`")));
            }
        }
        let mut rules = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            let re = Regex::new(&r.regex).map_err(|e| {
                self.err(
                    &format!("rules[{i}].regex"),
                    format!("invalid regex: {}", first_line(&e.to_string())),
                )
            })?;
            let kw = if r.keywords.is_empty() {
                None
            } else {
                if r.keywords.iter().any(String::is_empty) {
                    return Err(self.err(&format!("rules[{i}].keywords"), "empty keyword"));
                }
                Some(
                    aho_corasick::AhoCorasickBuilder::new()
                        .ascii_case_insensitive(true)
                        .build(&r.keywords)
                        .map_err(|e| self.err(&format!("rules[{i}].keywords"), e.to_string()))?,
                )
            };
            let rule = CompiledRule {
                kind: Kind::Custom(Arc::from(r.id.as_str())),
                re,
                kw,
            };
            // The rule must find its own examples and none of its negative examples; messages
            // name the example by index, never by content (it may be a real secret).
            for (j, ex) in r.examples.iter().enumerate() {
                if rule.spans(ex).is_empty() {
                    return Err(self.err(
                        &format!("rules[{i}].examples[{j}]"),
                        format!("rule `{}` does not match its own example #{}", r.id, j + 1),
                    ));
                }
            }
            for (j, ex) in r.negative_examples.iter().enumerate() {
                if !rule.spans(ex).is_empty() {
                    return Err(self.err(
                        &format!("rules[{i}].negative_examples[{j}]"),
                        format!("rule `{}` matches its negative example #{}", r.id, j + 1),
                    ));
                }
            }
            if let Some(t) = &r.tag {
                if t.is_empty() {
                    return Err(self.err(&format!("rules[{i}].tag"), "empty tag"));
                }
            }
            rules.push(rule);
        }
        let mut allow_re = Vec::new();
        for (i, s) in self.allowlist.regexes.iter().enumerate() {
            let re = Regex::new(&format!("^(?:{s})$")).map_err(|e| {
                self.err(
                    &format!("allowlist.regexes[{i}]"),
                    format!("invalid regex: {}", first_line(&e.to_string())),
                )
            })?;
            allow_re.push(re);
        }
        let mut fps = HashMap::new();
        for (i, f) in self.allowlist.fingerprints.iter().enumerate() {
            if f.len() != 64 || !f.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(self.err(
                    &format!("allowlist.fingerprints[{i}]"),
                    "not a fingerprint (64 hex digits)",
                ));
            }
            fps.entry(f.to_ascii_lowercase()).or_insert(i);
        }
        Ok(Compiled {
            rules,
            allow_values: self.allowlist.values.iter().cloned().collect(),
            allow_re,
            allow_fps: fps,
            key: self.fingerprint_key.clone(),
            legacy_hits: Mutex::new(BTreeMap::new()),
        })
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

fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned()
}

/// serde's messages quote what was written (`invalid type: string "hunter2", expected a
/// sequence`, ``unknown variant `hunter2`, expected one of `error`, …``): a secret put in the
/// wrong place must not reach a terminal or a log. Keeps the kind and what was expected, drops
/// the value. (Field names in "unknown field" / "missing field" are keys, not values: kept.)
fn without_value(msg: &str) -> String {
    hide_names(&without_value_inner(msg))
}

/// Names of the configuration's own schema: what a message may quote.
const SCHEMA_WORDS: &[&str] = &[
    "types",
    "enable",
    "disable",
    "severity",
    "rules",
    "allowlist",
    "values",
    "regexes",
    "fingerprints",
    "id",
    "regex",
    "keywords",
    "tag",
    "examples",
    "negative_examples",
    "error",
    "warning",
    "information",
    "info",
    "hint",
    "label",
    "family",
    "validator",
    "partial",
];

/// A quoted name in a parser's message is kept when it is one of the schema's (or a built-in
/// type id) or punctuation the grammar expects (`` `=` ``); any other (a table or key the file
/// made up, which can be anything: `["noreply@example.com"]` written where `values = […]` was
/// meant, found by the `config` fuzz target) is not shown. The error's key path, printed before
/// the message, still says where.
fn hide_names(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(i) = rest.find(['`', '"']) {
        let q = rest.as_bytes()[i] as char;
        let Some(j) = rest[i + 1..].find(q) else {
            break;
        };
        let name = &rest[i + 1..i + 1 + j];
        out.push_str(&rest[..i]);
        let known = SCHEMA_WORDS.contains(&name)
            || Config::builtin_ids().any(|id| id == name)
            || (!name.is_empty()
                && name.len() <= 3
                && name.bytes().all(|c| c.is_ascii_punctuation()));
        if known {
            out.push(q);
            out.push_str(name);
            out.push(q);
        } else {
            out.push_str("(name not shown)");
        }
        rest = &rest[i + 2 + j..];
    }
    out.push_str(rest);
    out
}

fn without_value_inner(msg: &str) -> String {
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            // The expected part is our own type's description: the last ", expected " starts it.
            if let Some(i) = rest.rfind(", expected ") {
                let kind = rest[..i].split(['`', '"']).next().unwrap_or("").trim();
                return format!("{prefix}{kind}{}", &rest[i..]);
            }
            return format!("{prefix}(value not shown)");
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant ") {
        return match rest.rfind("`, expected") {
            Some(i) => format!("unknown value{}", &rest[i + 1..]),
            None => "unknown value".to_owned(),
        };
    }
    msg.to_owned()
}

/// The key on `line`, to name the key of a parse error (toml reports a position only). Of
/// several paths there (`a = [1, "x"]` has `a`, `a[0]`, `a[1]`), the outermost: an element
/// cannot be told from its position on the line alone.
fn key_on_line(lines: &BTreeMap<String, usize>, line: usize) -> String {
    lines
        .iter()
        .filter(|(_, l)| **l == line)
        .map(|(k, _)| k)
        .min_by_key(|k| (k.matches(['.', '[']).count(), k.len()))
        .cloned()
        .unwrap_or_default()
}

/// Line (1-based) of every key path in a TOML document.
fn key_lines(text: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let Ok(doc) = text.parse::<toml_edit::ImDocument<String>>() else {
        return out;
    };
    let line_of = |span: Option<std::ops::Range<usize>>| {
        span.map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
    };
    fn walk(
        item: &toml_edit::Item,
        path: String,
        out: &mut BTreeMap<String, usize>,
        line_of: &dyn Fn(Option<std::ops::Range<usize>>) -> Option<usize>,
    ) {
        if let Some(l) = line_of(item.span()) {
            out.insert(path.clone(), l);
        }
        match item {
            toml_edit::Item::Table(t) => {
                if let Some(l) = line_of(t.span()) {
                    out.entry(path.clone()).or_insert(l);
                }
                for (k, v) in t.iter() {
                    let p = if path.is_empty() {
                        k.to_owned()
                    } else {
                        format!("{path}.{k}")
                    };
                    if let Some((key, _)) = t.get_key_value(k) {
                        if let Some(l) = line_of(key.span()) {
                            out.insert(p.clone(), l);
                        }
                    }
                    walk(v, p, out, line_of);
                }
            }
            toml_edit::Item::ArrayOfTables(a) => {
                for (i, t) in a.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    if let Some(l) = line_of(t.span()) {
                        out.insert(p.clone(), l);
                    }
                    for (k, v) in t.iter() {
                        let kp = format!("{p}.{k}");
                        if let Some((key, _)) = t.get_key_value(k) {
                            if let Some(l) = line_of(key.span()) {
                                out.insert(kp.clone(), l);
                            }
                        }
                        walk(v, kp, out, line_of);
                    }
                }
            }
            toml_edit::Item::Value(v) => walk_value(v, path, out, line_of),
            toml_edit::Item::None => {}
        }
    }
    fn walk_value(
        v: &toml_edit::Value,
        path: String,
        out: &mut BTreeMap<String, usize>,
        line_of: &dyn Fn(Option<std::ops::Range<usize>>) -> Option<usize>,
    ) {
        if let Some(l) = line_of(v.span()) {
            out.entry(path.clone()).or_insert(l);
        }
        match v {
            toml_edit::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk_value(x, format!("{path}[{i}]"), out, line_of);
                }
            }
            toml_edit::Value::InlineTable(t) => {
                for (k, x) in t.iter() {
                    walk_value(x, format!("{path}.{k}"), out, line_of);
                }
            }
            _ => {}
        }
    }
    walk(doc.as_item(), String::new(), &mut out, &line_of);
    out
}

/// A custom rule, compiled.
pub(crate) struct CompiledRule {
    kind: Kind,
    re: Regex,
    kw: Option<AhoCorasick>,
}

impl CompiledRule {
    /// Spans in `text`: the first capture group if the regex has one (so a rule can match
    /// `EMP-(\d{6})` and report only the number), else the whole match. With keywords, the regex
    /// only runs on lines that contain one (the prefilter that keeps custom rules cheap).
    fn spans(&self, text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let run_on = |s: usize, e: usize, out: &mut Vec<(usize, usize)>| {
            let hay = &text[s..e];
            if self.re.captures_len() > 1 {
                for c in self.re.captures_iter(hay) {
                    if let Some(m) = c.get(1).or_else(|| c.get(0)) {
                        if !m.is_empty() {
                            out.push((s + m.start(), s + m.end()));
                        }
                    }
                }
            } else {
                for m in self.re.find_iter(hay) {
                    if !m.is_empty() {
                        out.push((s + m.start(), s + m.end()));
                    }
                }
            }
        };
        match &self.kw {
            None => run_on(0, text.len(), &mut out),
            Some(ac) => {
                let b = text.as_bytes();
                let mut done_to = 0;
                for m in ac.find_iter(b) {
                    if m.start() < done_to {
                        continue;
                    }
                    let ls = memchr::memrchr(b'\n', &b[..m.start()]).map_or(0, |k| k + 1);
                    let ls = ls.max(done_to);
                    let le = memchr::memchr(b'\n', &b[m.end()..]).map_or(b.len(), |k| m.end() + k);
                    run_on(ls, le, &mut out);
                    done_to = le;
                }
            }
        }
        out
    }
}

/// Compiled custom rules and allowlists.
pub(crate) struct Compiled {
    rules: Vec<CompiledRule>,
    allow_values: HashSet<String>,
    allow_re: Vec<Regex>,
    /// Allowlisted fingerprint → its index in `allowlist.fingerprints`.
    allow_fps: HashMap<String, usize>,
    key: Option<FingerprintKey>,
    /// Entries matched as a plain SHA-256 (index → the value's keyed fingerprint, to replace it
    /// with): the migration report of older allowlists. The only state a scan changes.
    legacy_hits: Mutex<BTreeMap<usize, String>>,
}

/// An allowlist entry that matched a value as its plain SHA-256 (what older versions wrote).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyFingerprint {
    /// Index in `[allowlist] fingerprints`.
    pub index: usize,
    /// The value's fingerprint under the key in use: what the entry should say instead.
    pub keyed: String,
}

impl Compiled {
    /// Appends every custom rule's spans to `out`, coded `COUNT + rule index` (see
    /// `overlap::Cand`).
    pub(crate) fn scan_custom(&self, text: &str, out: &mut Vec<crate::overlap::Cand>) {
        for (i, r) in self.rules.iter().enumerate() {
            let code = (PiiType::COUNT + i) as u32;
            for (start, end) in r.spans(text) {
                out.push(crate::overlap::Cand::new(start, end, code));
            }
        }
    }

    /// The kind of the `i`-th custom rule.
    pub(crate) fn rule_kind(&self, i: usize) -> Kind {
        self.rules[i].kind.clone()
    }

    pub(crate) fn allowlist_is_empty(&self) -> bool {
        self.allow_values.is_empty() && self.allow_re.is_empty() && self.allow_fps.is_empty()
    }

    pub(crate) fn allowlisted(&self, value: &str) -> bool {
        self.allow_values.contains(value)
            || self.allow_re.iter().any(|r| r.is_match(value))
            || (!self.allow_fps.is_empty() && self.fingerprint_listed(value))
    }

    /// The fingerprint of a value: keyed when a key is set, else plain SHA-256.
    pub(crate) fn fingerprint(&self, value: &str) -> String {
        match &self.key {
            Some(k) => k.fingerprint(value),
            None => fingerprint(value),
        }
    }

    pub(crate) fn fingerprint_into(&self, value: &str, out: &mut [u8; 64]) {
        match &self.key {
            Some(k) => k.fingerprint_into(value, out),
            None => out.copy_from_slice(fingerprint(value).as_bytes()),
        }
    }

    fn fingerprint_listed(&self, value: &str) -> bool {
        let keyed = self.fingerprint(value);
        if self.allow_fps.contains_key(&keyed) {
            return true;
        }
        if self.key.is_none() {
            return false;
        }
        match self.allow_fps.get(&fingerprint(value)) {
            Some(&index) => {
                let mut hits = self.legacy_hits.lock().unwrap_or_else(|p| p.into_inner());
                hits.entry(index).or_insert(keyed);
                true
            }
            None => false,
        }
    }

    pub(crate) fn legacy_hits(&self) -> Vec<LegacyFingerprint> {
        let hits = self.legacy_hits.lock().unwrap_or_else(|p| p.into_inner());
        hits.iter()
            .map(|(&index, keyed)| LegacyFingerprint {
                index,
                keyed: keyed.clone(),
            })
            .collect()
    }
}

/// Adds a fingerprint (64 hex digits) to `[allowlist] fingerprints` of a configuration file's text
/// (`text` is empty when the file does not exist yet), preserving comments and layout, and
/// returns the new text, already checked to load. `path` only names the file in errors: the
/// engine does no I/O (reading and replacing the file is the caller's job).
pub fn add_allowlisted_fingerprint(
    text: &str,
    path: &Path,
    fingerprint: &str,
) -> Result<String, ConfigError> {
    let fp = fingerprint.to_ascii_lowercase();
    let bad = |message: &str| ConfigError::Invalid {
        path: path.to_owned(),
        line: 0,
        key: "allowlist.fingerprints".into(),
        message: message.to_owned(),
    };
    if fp.len() != 64 || !fp.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(bad("not a fingerprint (64 hex digits)"));
    }
    let mut doc: toml_edit::DocumentMut =
        text.parse()
            .map_err(|e: toml_edit::TomlError| ConfigError::Invalid {
                path: path.to_owned(),
                line: e.span().map_or(0, |s| {
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                }),
                key: String::new(),
                message: without_value(e.message()),
            })?;
    let allow = doc
        .entry("allowlist")
        .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
    let Some(allow) = allow.as_table_like_mut() else {
        return Err(bad("`allowlist` is not a table"));
    };
    let fps = allow
        .entry("fingerprints")
        .or_insert(toml_edit::Item::Value(toml_edit::Value::Array(
            toml_edit::Array::new(),
        )));
    let Some(arr) = fps.as_array_mut() else {
        return Err(bad("`allowlist.fingerprints` is not an array"));
    };
    if arr
        .iter()
        .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case(&fp)))
    {
        return Ok(text.to_owned());
    }
    arr.push(fp.as_str());
    let out = doc.to_string();
    // Check the result still loads before the caller replaces the file.
    Config::from_toml_str(&out, path)?;
    Ok(out)
}
