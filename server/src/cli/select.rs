//! What to look for, the same flags for `scan`, `redact` and `issue attach`: the configuration
//! file and the type filter.

use std::path::PathBuf;

use crate::app::engines::{clean_ids, Engines, EnginesError, Scanner, TypeFilter};
use crate::app::input::Source;
use crate::app::trust::TrustContext;

#[derive(clap::Args, Debug, Clone)]
pub struct Selection {
    /// Only these types (comma-separated ids)
    #[arg(long, short = 't', value_delimiter = ',', value_name = "TYPE,…")]
    pub types: Vec<String>,

    /// Never these types (comma-separated ids)
    #[arg(long, short = 'x', value_delimiter = ',', value_name = "TYPE,…")]
    pub exclude_types: Vec<String>,

    /// Configuration file (default: the nearest .tftsr.toml above each input, else built-ins)
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Apply configurations and ignore files found with the scanned files in full (by default
    /// their allowlists, [types] and ignore files do not apply: see docs/cli.md)
    #[arg(long)]
    pub trust_config: bool,
}

impl Selection {
    /// How the two lists are named in messages.
    pub const FIELDS: (&'static str, &'static str) = ("--types", "--exclude-types");

    /// `--types` / `--exclude-types` as a filter (no `--types`: every type).
    pub fn filter(&self) -> TypeFilter {
        let only = clean_ids(&self.types);
        TypeFilter::new(
            (!only.is_empty()).then_some(only),
            clean_ids(&self.exclude_types),
        )
    }

    /// What this run vouches for, scanning `inputs` (see `app::trust`).
    pub fn trust(&self, inputs: &[PathBuf]) -> TrustContext {
        TrustContext::for_inputs(self.trust_config, inputs)
    }

    /// The scanner for one input, and the engines it came from (for `report_configs`).
    pub fn scanner_for(&self, source: &Source) -> Result<(Scanner, Engines), EnginesError> {
        let inputs = match source {
            Source::File(p) => vec![p.clone()],
            Source::Stdin => Vec::new(),
        };
        Engines::single(
            self.config.clone(),
            self.trust(&inputs),
            source,
            self.filter(),
            Self::FIELDS,
        )
    }
}

/// Says on stderr which configuration files applied, and how far (the "configuration used" line).
pub fn report_configs(engines: &Engines) {
    let used = engines.configs_used();
    if used.is_empty() {
        eprintln!("tftsr: configuration: built-in defaults");
    }
    for (path, trust) in used {
        eprintln!(
            "tftsr: configuration: {} ({})",
            super::escape::name(&path.display().to_string()),
            trust.describe()
        );
    }
}
