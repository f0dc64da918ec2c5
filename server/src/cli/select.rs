//! What to look for, the same flags for `scan`, `redact` and `issue attach`: the configuration
//! file and the type filter.

use std::path::PathBuf;

use crate::app::engines::{clean_ids, Engines, EnginesError, Scanner, TypeFilter};
use crate::app::input::Source;

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

    /// The scanner for one input, and the configuration file it uses (None: built-ins).
    pub fn scanner_for(&self, source: &Source) -> Result<(Scanner, Option<PathBuf>), EnginesError> {
        Engines::single(self.config.clone(), source, self.filter(), Self::FIELDS)
    }
}
