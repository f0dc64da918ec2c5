//! Expanding `scan` arguments into a sorted list of inputs: directories are walked recursively;
//! with `--trust-config` their `.gitignore`, `.ignore` and `.tftsrignore` files (gitignore syntax)
//! are honoured. Without it they are not: they came with the logs, and whoever wrote the logs
//! must not decide what is scanned (a `*` would skip everything).

use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use crate::app::input::Source;
use crate::engine::Config;

/// Name of the TFTSR-specific ignore file (gitignore syntax), honoured in every walked directory.
pub const IGNORE_FILE: &str = ".tftsrignore";

/// One thing to scan, or a problem found while walking (reported in order, exit status 2).
#[derive(Debug)]
pub enum Item {
    Input { source: Source, size: Option<u64> },
    Error(String),
}

/// The inputs, and how many ignore files the walk found but did not apply.
pub struct Expanded {
    pub items: Vec<Item>,
    pub ignore_files_not_applied: usize,
}

/// Expands the arguments, in argument order; each directory's files in path order, so output is
/// the same on every run and machine. `honour_ignore_files`: `--trust-config`.
pub fn expand(args: &[PathBuf], honour_ignore_files: bool) -> Expanded {
    let mut items = Vec::new();
    let mut ignored = 0;
    for arg in args {
        if arg.as_os_str() == "-" {
            items.push(Item::Input {
                source: Source::Stdin,
                size: None,
            });
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk_dir(arg, honour_ignore_files, &mut items, &mut ignored),
            // Named explicitly: scanned even if an ignore file would skip it, and even if it is
            // not a regular file (`<(zcat x.gz)` is a pipe). Open errors are reported later.
            Ok(m) => items.push(Item::Input {
                source: Source::File(arg.clone()),
                size: m.is_file().then_some(m.len()),
            }),
            Err(_) => items.push(Item::Input {
                source: Source::File(arg.clone()),
                size: None,
            }),
        }
    }
    Expanded {
        items,
        ignore_files_not_applied: ignored,
    }
}

/// Names of the ignore files a walk honours with `--trust-config`.
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", IGNORE_FILE];

fn walk_dir(root: &Path, honour: bool, items: &mut Vec<Item>, ignored: &mut usize) {
    let mut b = WalkBuilder::new(root);
    // Secrets hide in dotfiles (`.env`): scan them, but not VCS internals.
    b.hidden(false)
        .filter_entry(|e| e.file_name() != ".git")
        .git_global(false)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b));
    if honour {
        // Honour .gitignore outside git repositories too: log trees rarely are repositories.
        b.require_git(false).add_custom_ignore_filename(IGNORE_FILE);
    } else {
        // Neither the tree's ignore files nor those of its parents or of git's exclude files.
        b.git_ignore(false)
            .git_exclude(false)
            .ignore(false)
            .parents(false);
    }
    let walker = b.build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let Some(ft) = e.file_type() else { continue };
                // Only regular files: in a walk, a FIFO would block forever and sockets or
                // devices are not logs. Symlinks are not followed (no loops, no escaping the
                // tree); name a linked file explicitly to scan it.
                if !ft.is_file() {
                    continue;
                }
                let name = e.file_name();
                let is_ignore_file = IGNORE_FILES.iter().any(|n| name == *n);
                if is_ignore_file && !honour {
                    *ignored += 1;
                }
                // Not logs: ours, and ignore files (a `.gitignore` is still scanned: it is a
                // file like any other and may hold a pasted secret).
                if name == Config::FILE_NAME
                    || name == IGNORE_FILE
                    || name == crate::app::fingerprint::WORKSPACE_KEY_FILE
                {
                    continue;
                }
                let size = e.metadata().ok().map(|m| m.len());
                items.push(Item::Input {
                    source: Source::File(e.into_path()),
                    size,
                });
            }
            Err(err) => items.push(Item::Error(describe_walk_error(&err))),
        }
    }
}

fn describe_walk_error(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { path, err } => format!("cannot read {}: {err}", path.display()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        other => other.to_string(),
    }
}
