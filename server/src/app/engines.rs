//! Which engine scans which input, the same way for the CLI and the server: an explicit
//! configuration file, else the nearest `.tftsr.toml` above the input (above the current
//! directory for stdin), else the built-in defaults; plus a type filter (`--types` /
//! `--exclude-types` on the command line, `enabledTypes` / `disabledTypes` in the editor).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::input::Source;
use crate::engine::{Config, Engine, EngineError, Kind, PiiType};

/// Which types to report: only these (if set), never those. Applied on top of the configuration.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TypeFilter {
    only: Option<BTreeSet<String>>,
    exclude: BTreeSet<String>,
}

/// A type id that is neither built in nor a custom rule of the configuration in use.
#[derive(Debug, thiserror::Error)]
#[error("unknown type `{id}` in {field}; known types: {known}")]
pub struct UnknownType {
    /// The id as given: a type id the user typed, not a scanned value.
    pub id: String,
    /// Where it was given (`--types`, `enabledTypes` …).
    pub field: String,
    pub known: String,
}

impl TypeFilter {
    /// `only`: report only these ids (None: all); `exclude`: never these.
    pub fn new(
        only: Option<impl IntoIterator<Item = String>>,
        exclude: impl IntoIterator<Item = String>,
    ) -> TypeFilter {
        TypeFilter {
            only: only.map(|o| o.into_iter().collect()),
            exclude: exclude.into_iter().collect(),
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
        let only = self.only.iter().flatten().map(|id| (fields.0, id));
        let exclude = self.exclude.iter().map(|id| (fields.1, id));
        for (field, id) in only.chain(exclude) {
            if !known.contains(id) {
                return Err(UnknownType {
                    id: id.clone(),
                    field: field.to_owned(),
                    known: known.iter().cloned().collect::<Vec<_>>().join(", "),
                });
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

/// Builds the engine of a configuration file: `None` or a file that does not exist gives the
/// built-in defaults. A file that does not load or compile is an error naming file, line and key.
pub fn engine_for(path: Option<&Path>) -> Result<Engine, EngineError> {
    match path.filter(|p| p.exists()) {
        Some(p) => Engine::new(super::config::load(p)?),
        None => Ok(Engine::with_defaults()),
    }
}

/// Resolves configurations and builds one engine per distinct configuration file.
pub struct Engines {
    explicit: Option<PathBuf>,
    /// directory → nearest configuration above it (discovery walks up, so cache per directory)
    discovered: HashMap<PathBuf, Option<PathBuf>>,
    configs: HashMap<Option<PathBuf>, Config>,
    built: HashMap<Option<PathBuf>, Arc<Engine>>,
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
}

impl Engines {
    pub fn new(explicit: Option<PathBuf>) -> Engines {
        Engines {
            explicit,
            discovered: HashMap::new(),
            configs: HashMap::new(),
            built: HashMap::new(),
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
        let cfg = match path {
            Some(p) => super::config::load(p)?,
            None => Config::default(),
        };
        self.configs.insert(path.clone(), cfg);
        Ok(())
    }

    /// Validates and installs the type filter (call after every `load`); `fields` names the two
    /// lists in messages.
    pub fn set_filter(
        &mut self,
        filter: TypeFilter,
        fields: (&str, &str),
    ) -> Result<(), EnginesError> {
        filter.validate(self.configs.values(), fields)?;
        self.filter = filter;
        Ok(())
    }

    /// The engine for a configuration (built once, with the type filter folded in).
    pub fn engine(&mut self, path: &Option<PathBuf>) -> Result<Arc<Engine>, EnginesError> {
        if let Some(e) = self.built.get(path) {
            return Ok(e.clone());
        }
        self.load(path)?;
        let mut cfg = self.configs[path].clone();
        self.filter.fold_into(&mut cfg);
        let engine = Arc::new(Engine::new(cfg).map_err(|source| EnginesError::Engine {
            path: path.clone(),
            source,
        })?);
        self.built.insert(path.clone(), engine.clone());
        Ok(engine)
    }

    /// The scanner for a single input (`redact`, `attach`): its configuration (returned too, so
    /// the caller can say which was used), the validated filter, the engine.
    pub fn single(
        explicit: Option<PathBuf>,
        source: &Source,
        filter: TypeFilter,
        fields: (&str, &str),
    ) -> Result<(Scanner, Option<PathBuf>), EnginesError> {
        let mut engines = Engines::new(explicit);
        let cfg = engines.config_path_for(source)?;
        engines.load(&cfg)?;
        engines.set_filter(filter, fields)?;
        let engine = engines.engine(&cfg)?;
        Ok((Scanner::new(engine, engines.filter), cfg))
    }

    pub fn all_built(&self) -> Vec<Arc<Engine>> {
        let mut keys: Vec<&Option<PathBuf>> = self.built.keys().collect();
        keys.sort();
        keys.into_iter().map(|k| self.built[k].clone()).collect()
    }
}

/// Parses the comma-separated values of `--types`-like flags (clap already split on commas).
pub fn clean_ids(ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}
