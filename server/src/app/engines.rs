//! Which engine scans which input, the same way for the CLI and the server: an explicit
//! configuration file, else the nearest `.tftsr.toml` above the input (above the current
//! directory for stdin), else the built-in defaults; plus a type filter (`--types` /
//! `--exclude-types` on the command line, `enabledTypes` / `disabledTypes` in the editor).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::fingerprint::KeySource;
use super::input::Source;
use super::trust::{self, Trust, TrustContext, Why};
use crate::engine::{Config, Engine, EngineError, Kind, PiiType};

/// Which types to report: only these (if set), never those. Applied on top of the configuration.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TypeFilter {
    only: Option<BTreeSet<String>>,
    exclude: BTreeSet<String>,
    /// The lists as given, in order (for messages that name an entry by its position).
    given: (Option<Vec<String>>, Vec<String>),
}

/// A type id that is neither built in nor a custom rule of the configuration in use. The id
/// itself is not echoed (say which entry was wrong, never what was in it).
#[derive(Debug, thiserror::Error)]
#[error("{field}: entry {position} is not a known type id; known types: {known}")]
pub struct UnknownType {
    /// Where it was given (`--types`, `enabledTypes` …).
    pub field: String,
    /// 1-based position in that list.
    pub position: usize,
    pub known: String,
}

impl TypeFilter {
    /// `only`: report only these ids (None: all); `exclude`: never these.
    pub fn new(
        only: Option<impl IntoIterator<Item = String>>,
        exclude: impl IntoIterator<Item = String>,
    ) -> TypeFilter {
        let only: Option<Vec<String>> = only.map(|o| o.into_iter().collect());
        let exclude: Vec<String> = exclude.into_iter().collect();
        TypeFilter {
            only: only.as_ref().map(|o| o.iter().cloned().collect()),
            exclude: exclude.iter().cloned().collect(),
            given: (only, exclude),
        }
    }

    pub fn allows(&self, kind: &Kind) -> bool {
        let id = kind.id();
        !self.exclude.contains(id) && self.only.as_ref().is_none_or(|o| o.contains(id))
    }

    /// Checks every id against the built-in ids and the custom rules of `configs`; `fields`
    /// names the "only" and "exclude" lists in messages (`("--types", "--exclude-types")`).
    pub fn validate<'c>(
        &self,
        configs: impl IntoIterator<Item = &'c Config>,
        fields: (&str, &str),
    ) -> Result<(), UnknownType> {
        let mut known: BTreeSet<String> = PiiType::ALL.iter().map(|t| t.id().to_owned()).collect();
        for cfg in configs {
            known.extend(cfg.rules.iter().map(|r| r.id.clone()));
        }
        let (only, exclude) = &self.given;
        for (field, ids) in [(fields.0, only.as_ref()), (fields.1, Some(exclude))] {
            for (i, id) in ids.into_iter().flatten().enumerate() {
                if !known.contains(id) {
                    return Err(UnknownType {
                        field: field.to_owned(),
                        position: i + 1,
                        known: known.iter().cloned().collect::<Vec<_>>().join(", "),
                    });
                }
            }
        }
        Ok(())
    }

    /// Folds the filter into a configuration, so the engine skips detectors nobody asked for.
    fn fold_into(&self, cfg: &mut Config) {
        if let Some(only) = &self.only {
            cfg.types.enable = Some(only.iter().cloned().collect());
        }
        cfg.types.disable.extend(self.exclude.iter().cloned());
    }
}

/// What a scan finds: an engine and the filter on top of it. Both sides (CLI, server) keep a
/// finding exactly when [`Scanner::keeps`] says so.
#[derive(Clone)]
pub struct Scanner {
    pub engine: Arc<Engine>,
    pub filter: TypeFilter,
}

impl Scanner {
    pub fn new(engine: Arc<Engine>, filter: TypeFilter) -> Scanner {
        Scanner { engine, filter }
    }

    pub fn keeps(&self, kind: &Kind) -> bool {
        self.filter.allows(kind) && self.engine.is_enabled(kind)
    }
}

/// An engine built for the editor's workspace.
pub struct Built {
    pub engine: Engine,
    pub key: KeySource,
    /// How far the configuration file was trusted (None: no file, built-in defaults).
    pub trust: Option<Trust>,
}

/// Builds the engine of the workspace configuration file (the editor's: trusted as the
/// workspace's own if it is the user's, see `app::trust`): `None` or a file that does not exist
/// gives the built-in defaults; either way with the fingerprint key for that configuration
/// (`app::fingerprint::resolve`). A file that does not load or compile is an error naming file,
/// line and key.
pub fn engine_for(path: Option<&Path>) -> Result<Built, EnginesError> {
    let path = path.filter(|p| p.exists());
    let (cfg, trust) = match path {
        Some(p) => {
            let (cfg, t) = trust::load(p, Trust::Full(Why::Workspace))?;
            (cfg, Some(t))
        }
        None => (Config::default(), None),
    };
    let full = trust.as_ref().is_none_or(Trust::is_full);
    let (engine, key) = build(cfg, path, full)?;
    Ok(Built { engine, key, trust })
}

impl Built {
    /// A warning for the user when the workspace configuration was not trusted in full.
    pub fn untrusted_note(&self) -> Option<String> {
        let path = self.engine.config().source.as_ref()?;
        match &self.trust {
            Some(t) if !t.is_full() => {
                Some(format!("tftsr: {} is {}", path.display(), t.describe()))
            }
            _ => None,
        }
    }
}

/// The engine of a loaded configuration (read from `path`), keyed for fingerprints: the key file
/// beside the configuration counts only for a trusted one (a key shipped with the logs would let
/// whoever wrote them invert the fingerprints of this run).
fn build(
    mut cfg: Config,
    path: Option<&Path>,
    trusted: bool,
) -> Result<(Engine, KeySource), EnginesError> {
    let (key, source) = super::fingerprint::resolve(path.filter(|_| trusted))?;
    cfg.fingerprint_key = Some(key);
    let engine = Engine::new(cfg).map_err(|source| EnginesError::Engine {
        path: path.map(Path::to_owned),
        source,
    })?;
    Ok((engine, source))
}

/// Resolves configurations and builds one engine per distinct configuration file.
pub struct Engines {
    explicit: Option<PathBuf>,
    ctx: TrustContext,
    /// directory → nearest configuration above it (discovery walks up, so cache per directory)
    discovered: HashMap<PathBuf, Option<PathBuf>>,
    configs: HashMap<Option<PathBuf>, (Config, Trust)>,
    built: HashMap<Option<PathBuf>, Arc<Engine>>,
    /// Where the fingerprint keys of the built engines came from.
    pub key_sources: Vec<KeySource>,
    pub filter: TypeFilter,
}

/// Why an engine could not be had.
#[derive(Debug, thiserror::Error)]
pub enum EnginesError {
    #[error("cannot resolve {path}: {source}")]
    Resolve {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] crate::engine::ConfigError),
    #[error("invalid configuration {}: {source}", path.as_deref().map_or_else(|| "(built-in)".into(), |p| p.display().to_string()))]
    Engine {
        path: Option<PathBuf>,
        source: EngineError,
    },
    #[error(transparent)]
    UnknownType(#[from] UnknownType),
    #[error(transparent)]
    Key(#[from] super::fingerprint::KeyError),
}

impl Engines {
    /// `explicit`: `--config`; `ctx`: what the run vouches for (see `app::trust`).
    pub fn new(explicit: Option<PathBuf>, ctx: TrustContext) -> Engines {
        Engines {
            explicit,
            ctx,
            discovered: HashMap::new(),
            configs: HashMap::new(),
            built: HashMap::new(),
            key_sources: Vec::new(),
            filter: TypeFilter::default(),
        }
    }

    /// The configuration file that applies to `source` (None: built-in defaults).
    pub fn config_path_for(&mut self, source: &Source) -> Result<Option<PathBuf>, EnginesError> {
        if let Some(p) = &self.explicit {
            return Ok(Some(p.clone()));
        }
        let resolve = |p: &Path| {
            // Absolute, so discovery can walk above a relative `.`.
            std::path::absolute(p).map_err(|source| EnginesError::Resolve {
                path: p.to_owned(),
                source,
            })
        };
        let dir = match source {
            Source::Stdin => resolve(Path::new("."))?,
            Source::File(p) => {
                let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
                resolve(parent.unwrap_or(Path::new(".")))?
            }
        };
        if let Some(hit) = self.discovered.get(&dir) {
            return Ok(hit.clone());
        }
        let found = super::config::discover(&dir);
        self.discovered.insert(dir, found.clone());
        Ok(found)
    }

    /// Loads a configuration (once); a bad file is a fatal error naming file, line and key.
    pub fn load(&mut self, path: &Option<PathBuf>) -> Result<(), EnginesError> {
        if self.configs.contains_key(path) {
            return Ok(());
        }
        let loaded = match path {
            Some(p) => {
                let verdict = if self.explicit.as_ref() == Some(p) {
                    Trust::Full(Why::Named)
                } else {
                    trust::judge_discovered(p, &self.ctx)
                };
                trust::load(p, verdict)?
            }
            None => (Config::default(), Trust::Full(Why::Named)),
        };
        self.configs.insert(path.clone(), loaded);
        Ok(())
    }

    /// Validates and installs the type filter (call after every `load`); `fields` names the two
    /// lists in messages.
    pub fn set_filter(
        &mut self,
        filter: TypeFilter,
        fields: (&str, &str),
    ) -> Result<(), EnginesError> {
        filter.validate(self.configs.values().map(|(c, _)| c), fields)?;
        self.filter = filter;
        Ok(())
    }

    /// The engine for a configuration (built once, with the type filter folded in).
    pub fn engine(&mut self, path: &Option<PathBuf>) -> Result<Arc<Engine>, EnginesError> {
        if let Some(e) = self.built.get(path) {
            return Ok(e.clone());
        }
        self.load(path)?;
        let (mut cfg, trust) = self.configs[path].clone();
        self.filter.fold_into(&mut cfg);
        let (engine, key_source) = build(cfg, path.as_deref(), trust.is_full())?;
        let engine = Arc::new(engine);
        self.built.insert(path.clone(), engine.clone());
        if !self.key_sources.contains(&key_source) {
            self.key_sources.push(key_source);
        }
        Ok(engine)
    }

    /// The scanner for a single input (`redact`, `attach`): its configuration (returned too, so
    /// the caller can say which was used), the validated filter, the engine.
    pub fn single(
        explicit: Option<PathBuf>,
        ctx: TrustContext,
        source: &Source,
        filter: TypeFilter,
        fields: (&str, &str),
    ) -> Result<(Scanner, Engines), EnginesError> {
        let mut engines = Engines::new(explicit, ctx);
        let cfg = engines.config_path_for(source)?;
        engines.load(&cfg)?;
        engines.set_filter(filter, fields)?;
        let engine = engines.engine(&cfg)?;
        Ok((Scanner::new(engine, engines.filter.clone()), engines))
    }

    /// Each configuration file loaded, with how far it was trusted (sorted by path).
    pub fn configs_used(&self) -> Vec<(PathBuf, Trust)> {
        let mut v: Vec<(PathBuf, Trust)> = self
            .configs
            .iter()
            .filter_map(|(p, (_, t))| p.clone().map(|p| (p, t.clone())))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    pub fn all_built(&self) -> Vec<Arc<Engine>> {
        let mut keys: Vec<&Option<PathBuf>> = self.built.keys().collect();
        keys.sort();
        keys.into_iter().map(|k| self.built[k].clone()).collect()
    }
}

/// Warnings about allowlist entries that matched only as a plain SHA-256 fingerprint (written by
/// an older version): where, and the keyed fingerprint to put instead. Shown by every side alike.
pub fn legacy_fingerprint_warnings(engine: &Engine) -> Vec<String> {
    let config = engine.config().source.as_ref().map_or_else(
        || "the configuration".to_owned(),
        |p| p.display().to_string(),
    );
    engine
        .legacy_fingerprint_hits()
        .into_iter()
        .map(|h| {
            format!(
                "{config}: allowlist.fingerprints[{}] is a plain SHA-256 fingerprint (accepted \
                 in this version only, ignored from the next): replace it with \"{}\"",
                h.index, h.keyed
            )
        })
        .collect()
}

/// A note for a fingerprint key that is random for this run (None for a lasting key).
pub fn key_note(source: &KeySource) -> Option<String> {
    match source {
        KeySource::Ephemeral { why } => Some(format!(
            "fingerprints use a one-off key ({why}): they match no allowlist fingerprint and \
             differ from other runs; set TFTSR_FINGERPRINT_KEY or create .tftsr.key"
        )),
        _ => None,
    }
}

/// Parses the comma-separated values of `--types`-like flags (clap already split on commas).
pub fn clean_ids(ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}
