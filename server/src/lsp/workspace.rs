//! The workspace folders, and the rule that file commands stay inside them.
//!
//! A command argument names a path the server will read or write. A client (or whatever can
//! make it send a command: a crafted code action, a task) could name any file the user can
//! write. So a path outside every workspace folder is refused unless the arguments carry
//! `allowOutsideWorkspace: true`, which a client sets only after the user confirmed (a file
//! picked in a dialog is such a confirmation). Paths are compared after resolving `..` and
//! symbolic links, so neither can lead out.

use std::path::{Component, Path, PathBuf};

use tower_lsp_server::ls_types::{Uri, WorkspaceFolder};

/// The folders of the workspace (resolved), in the client's order.
#[derive(Debug, Clone, Default)]
pub struct Folders(Vec<PathBuf>);

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not inside any workspace folder (or there are none).
    Outside,
    /// The path (or its directory) does not exist.
    Missing,
}

impl Folders {
    pub fn from_uris<'a>(uris: impl IntoIterator<Item = &'a Uri>) -> Folders {
        let mut v: Vec<PathBuf> = uris
            .into_iter()
            .filter(|u| u.scheme().as_str() == "file")
            .filter_map(|u| u.to_file_path())
            .map(|p| p.into_owned())
            // A folder that does not exist (yet) is kept as given: nothing inside it resolves.
            .map(|p| p.canonicalize().unwrap_or(p))
            .collect();
        v.dedup();
        Folders(v)
    }

    pub fn change(&mut self, added: &[WorkspaceFolder], removed: &[WorkspaceFolder]) {
        let gone = Folders::from_uris(removed.iter().map(|f| &f.uri));
        self.0.retain(|p| !gone.0.contains(p));
        for p in Folders::from_uris(added.iter().map(|f| &f.uri)).0 {
            if !self.0.contains(&p) {
                self.0.push(p);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks a path to be read (it must exist) or written (its directory must exist; the file
    /// itself may not), resolved. Returns the resolved path.
    pub fn check(&self, path: &Path, allow_outside: bool) -> Result<PathBuf, Refusal> {
        let resolved = resolve(path).ok_or(Refusal::Missing)?;
        if allow_outside || self.0.iter().any(|f| resolved.starts_with(f)) {
            Ok(resolved)
        } else {
            Err(Refusal::Outside)
        }
    }
}

/// `path` with symbolic links and `..` resolved: the whole path when it exists, else its
/// directory (which must exist) joined with its last component. None when neither exists, or the
/// last component is `..`.
fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let name = match path.components().next_back()? {
        Component::Normal(n) => n,
        _ => return None,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // A dangling symbolic link as the last component would be followed by the write: refuse
    // what cannot be resolved.
    if path.symlink_metadata().is_ok() {
        return None;
    }
    Some(dir.canonicalize().ok()?.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inside_outside_dotdot_and_symlinks() {
        let root = tempfile::tempdir().unwrap();
        let ws = root.path().join("ws");
        let out = root.path().join("out");
        std::fs::create_dir_all(ws.join("logs")).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(ws.join("logs/a.log"), "x").unwrap();
        std::fs::write(out.join("b.log"), "y").unwrap();
        let uri = Uri::from_file_path(&ws).unwrap();
        let f = Folders::from_uris([&uri]);
        assert!(f.check(&ws.join("logs/a.log"), false).is_ok());
        // a new file inside, one whose directory is missing
        assert!(f.check(&ws.join("logs/new.log"), false).is_ok());
        assert_eq!(
            f.check(&ws.join("nope/new.log"), false),
            Err(Refusal::Missing)
        );
        assert_eq!(f.check(&out.join("b.log"), false), Err(Refusal::Outside));
        assert!(f.check(&out.join("b.log"), true).is_ok());
        // `..` and symbolic links are resolved before the check
        assert_eq!(
            f.check(&ws.join("logs/../../out/b.log"), false),
            Err(Refusal::Outside)
        );
        std::os::unix::fs::symlink(&out, ws.join("link")).unwrap();
        assert_eq!(
            f.check(&ws.join("link/b.log"), false),
            Err(Refusal::Outside)
        );
        assert_eq!(
            f.check(&ws.join("link/new.log"), false),
            Err(Refusal::Outside)
        );
        std::os::unix::fs::symlink(out.join("b.log"), ws.join("file-link.log")).unwrap();
        assert_eq!(
            f.check(&ws.join("file-link.log"), false),
            Err(Refusal::Outside)
        );
        std::os::unix::fs::symlink(out.join("gone.log"), ws.join("dangling.log")).unwrap();
        assert_eq!(
            f.check(&ws.join("dangling.log"), false),
            Err(Refusal::Missing)
        );
        // no folders: everything is outside
        assert_eq!(
            Folders::default().check(&ws.join("logs/a.log"), false),
            Err(Refusal::Outside)
        );
    }
}
