//! Which engine scans which input: `--config FILE`, else the nearest `.tftsr.toml` above the input
//! (above the current directory for stdin), plus the `--types` / `--exclude-types` filter.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;

use super::input::Source;
use crate::engine::{Config, Engine, Kind, PiiType};

/// `--types` / `--exclude-types`, validated against the built-in ids and the custom rules of the
/// configurations in use.
#[derive(Debug, Default, Clone)]
pub struct TypeFilter {
    only: Option<BTreeSet<String>>,
    exclude: BTreeSet<String>,
}

impl TypeFilter {
    pub fn allows(&self, kind: &Kind) -> bool {
        let id = kind.id();
        !self.exclude.contains(id) && self.only.as_ref().is_none_or(|o| o.contains(id))
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
    pub fn config_path_for(&mut self, source: &Source) -> anyhow::Result<Option<PathBuf>> {
        if let Some(p) = &self.explicit {
            return Ok(Some(p.clone()));
        }
        let dir = match source {
            Source::Stdin => std::env::current_dir().context("cannot read current directory")?,
            Source::File(p) => {
                let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
                let parent = parent.unwrap_or(Path::new("."));
                // Absolute, so discovery can walk above a relative `.`.
                std::path::absolute(parent)
                    .with_context(|| format!("cannot resolve {}", parent.display()))?
            }
        };
        if let Some(hit) = self.discovered.get(&dir) {
            return Ok(hit.clone());
        }
        let found = crate::app::config::discover(&dir);
        self.discovered.insert(dir, found.clone());
        Ok(found)
    }

    /// Loads a configuration (once); a bad file is a fatal error naming file, line and key.
    pub fn load(&mut self, path: &Option<PathBuf>) -> anyhow::Result<()> {
        if self.configs.contains_key(path) {
            return Ok(());
        }
        let cfg = match path {
            Some(p) => crate::app::config::load(p)?,
            None => Config::default(),
        };
        self.configs.insert(path.clone(), cfg);
        Ok(())
    }

    /// Validates and installs `--types` / `--exclude-types` (call after every `load`).
    pub fn set_filter(&mut self, only: &[String], exclude: &[String]) -> anyhow::Result<()> {
        let mut known: BTreeSet<String> = PiiType::ALL.iter().map(|t| t.id().to_owned()).collect();
        for cfg in self.configs.values() {
            known.extend(cfg.rules.iter().map(|r| r.id.clone()));
        }
        for (flag, ids) in [("--types", only), ("--exclude-types", exclude)] {
            for id in ids {
                if !known.contains(id) {
                    anyhow::bail!(
                        "unknown type `{id}` in {flag}; known types: {}",
                        known.iter().cloned().collect::<Vec<_>>().join(", ")
                    );
                }
            }
        }
        self.filter = TypeFilter {
            only: (!only.is_empty()).then(|| only.iter().cloned().collect()),
            exclude: exclude.iter().cloned().collect(),
        };
        Ok(())
    }

    /// The engine for a configuration (built once; the type filter is folded into the config so
    /// the engine can skip detectors nobody asked for).
    pub fn engine(&mut self, path: &Option<PathBuf>) -> anyhow::Result<Arc<Engine>> {
        if let Some(e) = self.built.get(path) {
            return Ok(e.clone());
        }
        self.load(path)?;
        let mut cfg = self.configs[path].clone();
        if let Some(only) = &self.filter.only {
            cfg.types.enable = Some(only.iter().cloned().collect());
        }
        cfg.types
            .disable
            .extend(self.filter.exclude.iter().cloned());
        let engine = Arc::new(Engine::new(cfg).with_context(|| match path {
            Some(p) => format!("invalid configuration {}", p.display()),
            None => "invalid built-in configuration".to_owned(),
        })?);
        self.built.insert(path.clone(), engine.clone());
        Ok(engine)
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
