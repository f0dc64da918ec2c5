//! Whether a configuration may weaken a scan (docs/cli.md, "Which configuration applies").
//!
//! Whoever writes the logs must not decide what is found in them. A configuration can make a
//! scan find more (custom rules, severities) or less (allowlists, `[types]`, ignore files); the
//! "less" parts apply only from a configuration the user vouches for:
//!
//! - one named with `--config`, or any with `--trust-config`;
//! - in the editor, the workspace's own configuration (at its root or above);
//! - found by discovery: one in the directory tftsr runs from or above it (the project the user
//!   works in), but not in the directory of a scanned file or inside a scanned directory (there,
//!   it came with the logs);
//!
//! and, when found rather than named, only a file owned by the user (or root) that nobody else
//! may write, checked on the file itself after following links. Any other configuration is *additive*:
//! its rules (which then never take a span from a built-in detector) and severities apply, its
//! allowlists, `[types]` and the fingerprint key beside it do not.

use std::fs;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::engine::{Config, ConfigError};

/// How far a configuration is trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trust {
    /// Every part applies.
    Full(Why),
    /// Only what adds findings applies.
    Additive(WhyNot),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// Named with `--config`.
    Named,
    /// `--trust-config`.
    Flag,
    /// The directory tftsr runs from, or above it.
    Project,
    /// The editor's workspace configuration.
    Workspace,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhyNot {
    /// In a scanned directory or beside a scanned file.
    WithTheLogs,
    /// Neither in the project tftsr runs from nor named.
    Elsewhere,
    /// Owned by another user, or writable by others.
    NotYours,
}

impl Trust {
    pub fn is_full(&self) -> bool {
        matches!(self, Trust::Full(_))
    }

    /// For the "configuration used" line of the output.
    pub fn describe(&self) -> &'static str {
        match self {
            Trust::Full(Why::Named) => "named with --config",
            Trust::Full(Why::Flag) => "trusted with --trust-config",
            Trust::Full(Why::Project) => "the project's, above the current directory",
            Trust::Full(Why::Workspace) => "the workspace's",
            Trust::Additive(WhyNot::WithTheLogs) => {
                "found with the scanned files: only its rules and severities apply \
                 (not its allowlists or [types]; --trust-config applies them)"
            }
            Trust::Additive(WhyNot::Elsewhere) => {
                "outside the current project: only its rules and severities apply \
                 (not its allowlists or [types]; --trust-config applies them)"
            }
            Trust::Additive(WhyNot::NotYours) => {
                "not yours or writable by others: only its rules and severities apply \
                 (not its allowlists or [types])"
            }
        }
    }
}

/// What a run vouches for: where it runs from, what it scans, and the flags.
#[derive(Clone, Debug, Default)]
pub struct TrustContext {
    /// `--trust-config`.
    pub trust_all: bool,
    /// The current directory, resolved (None: unknown, so nothing is the project).
    pub cwd: Option<PathBuf>,
    /// Directories the logs came with, resolved: each scanned directory, and the directory of
    /// each scanned file.
    pub log_dirs: Vec<PathBuf>,
}

impl TrustContext {
    /// For a CLI run scanning `inputs` (files and directories as given; `-` is stdin).
    pub fn for_inputs(trust_all: bool, inputs: &[PathBuf]) -> TrustContext {
        let resolve = |p: &Path| fs::canonicalize(p).ok();
        let mut log_dirs = Vec::new();
        for p in inputs.iter().filter(|p| p.as_os_str() != "-") {
            let dir = match fs::metadata(p) {
                Ok(m) if m.is_dir() => resolve(p),
                // A file (or a name that does not open): the logs came with its directory.
                _ => resolve(super::output::dir_of(p)),
            };
            log_dirs.extend(dir);
        }
        TrustContext {
            trust_all,
            cwd: std::env::current_dir().ok().and_then(|d| resolve(&d)),
            log_dirs,
        }
    }
}

/// The verdict on a discovered configuration file (named ones are [`Why::Named`]).
pub fn judge_discovered(path: &Path, ctx: &TrustContext) -> Trust {
    if ctx.trust_all {
        return Trust::Full(Why::Flag);
    }
    // The file itself, through any link: a link in the project pointing into the logs is the
    // logs' file.
    let Ok(real) = fs::canonicalize(path) else {
        return Trust::Additive(WhyNot::Elsewhere);
    };
    let dir = super::output::dir_of(&real);
    if ctx.log_dirs.iter().any(|logs| dir.starts_with(logs)) {
        return Trust::Additive(WhyNot::WithTheLogs);
    }
    match &ctx.cwd {
        Some(cwd) if cwd.starts_with(dir) => Trust::Full(Why::Project),
        _ => Trust::Additive(WhyNot::Elsewhere),
    }
}

/// Loads a configuration under a verdict: the file is opened once, its owner and mode checked on
/// the open file (so it cannot be swapped between the check and the read), and the parts that
/// can only weaken a scan are dropped unless it is fully trusted. Returns the trust that applied
/// (a fully trusted verdict is lowered to additive for a file that is not the user's).
pub fn load(path: &Path, verdict: Trust) -> Result<(Config, Trust), ConfigError> {
    let io = |source| ConfigError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    let verdict = match verdict {
        // Named or --trust-config: the user vouched for this very file.
        Trust::Full(Why::Project | Why::Workspace) if !owned_by_us(&meta) => {
            Trust::Additive(WhyNot::NotYours)
        }
        v => v,
    };
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(io)?;
    let mut cfg = Config::from_toml_str(&text, path)?;
    if !verdict.is_full() {
        cfg.allowlist = Default::default();
        cfg.types = Default::default();
        cfg.rules_yield_to_builtins = true;
    }
    Ok((cfg, verdict))
}

/// Owned by the effective user or root, and writable by nobody else.
fn owned_by_us(meta: &fs::Metadata) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    (meta.uid() == me || meta.uid() == 0) && meta.mode() & 0o022 == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(cwd: &Path, logs: &[&Path]) -> TrustContext {
        TrustContext {
            trust_all: false,
            cwd: Some(cwd.to_owned()),
            log_dirs: logs.iter().map(|p| p.to_path_buf()).collect(),
        }
    }

    #[test]
    fn project_configurations_are_trusted_log_ones_are_not() {
        let root = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(root.path()).unwrap();
        let logs = root.join("logs");
        fs::create_dir(&logs).unwrap();
        let project = root.join(".tftsr.toml");
        let shipped = logs.join(".tftsr.toml");
        fs::write(&project, "").unwrap();
        fs::write(&shipped, "").unwrap();
        // From the project root, scanning logs/: the root's is the project's.
        let c = ctx(&root, &[&logs]);
        assert_eq!(judge_discovered(&project, &c), Trust::Full(Why::Project));
        assert_eq!(
            judge_discovered(&shipped, &c),
            Trust::Additive(WhyNot::WithTheLogs)
        );
        // From inside the logs: still the logs' own.
        let c = ctx(&logs, &[&logs]);
        assert_eq!(
            judge_discovered(&shipped, &c),
            Trust::Additive(WhyNot::WithTheLogs)
        );
        // Scanning elsewhere: a configuration above the logs, not above the current directory.
        let other = tempfile::tempdir().unwrap();
        let c = ctx(other.path(), &[&logs]);
        assert_eq!(
            judge_discovered(&project, &c),
            Trust::Additive(WhyNot::Elsewhere)
        );
        // A link in the project to the logs' file is the logs' file.
        let link = root.join("linked.toml");
        std::os::unix::fs::symlink(&shipped, &link).unwrap();
        let c = ctx(&root, &[&logs]);
        assert_eq!(
            judge_discovered(&link, &c),
            Trust::Additive(WhyNot::WithTheLogs)
        );
    }

    #[test]
    fn a_file_others_may_write_is_only_additive() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".tftsr.toml");
        fs::write(
            &p,
            "[allowlist]\nregexes = ['.*']\n[severity]\nemail = 'error'\n",
        )
        .unwrap();
        let (cfg, t) = load(&p, Trust::Full(Why::Project)).unwrap();
        assert!(t.is_full() && !cfg.allowlist.regexes.is_empty());
        fs::set_permissions(&p, fs::Permissions::from_mode(0o666)).unwrap();
        let (cfg, t) = load(&p, Trust::Full(Why::Project)).unwrap();
        assert_eq!(t, Trust::Additive(WhyNot::NotYours));
        assert!(cfg.allowlist.regexes.is_empty() && cfg.rules_yield_to_builtins);
        assert_eq!(cfg.severity.len(), 1, "severities still apply");
    }
}
