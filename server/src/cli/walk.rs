//! Expanding `scan` arguments into a sorted list of inputs: directories are walked recursively
//! honouring `.gitignore`, `.ignore` and `.tftsrignore` files (gitignore syntax).

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

/// Expands the arguments, in argument order; each directory's files in path order, so output is
/// the same on every run and machine.
pub fn expand(args: &[PathBuf]) -> Vec<Item> {
    let mut items = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            items.push(Item::Input {
                source: Source::Stdin,
                size: None,
            });
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk_dir(arg, &mut items),
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
    items
}

fn walk_dir(root: &Path, items: &mut Vec<Item>) {
    let walker = WalkBuilder::new(root)
        // Secrets hide in dotfiles (`.env`): scan them, but not VCS internals.
        .hidden(false)
        .filter_entry(|e| e.file_name() != ".git")
        // Honour .gitignore outside git repositories too: log trees rarely are repositories.
        .require_git(false)
        .git_global(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .follow_links(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
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
                if name == Config::FILE_NAME || name == IGNORE_FILE {
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
        ignore::Error::WithPath { path, err } => format!("{}: {err}", path.display()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            describe_walk_error(err)
        }
        other => other.to_string(),
    }
}
