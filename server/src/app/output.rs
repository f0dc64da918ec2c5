//! Files as a careful tool writes them: the content goes to a hidden temporary file in the
//! target's directory (same file system, so the final rename is atomic), is synced, and only then
//! renamed onto the target; the directory is synced after the rename. An error or an interruption
//! before [`AtomicOutput::commit`] leaves the target as it was and removes the temporary file.

use std::fs::{self, File, Metadata};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A file being written, to be renamed onto its target when complete.
pub struct AtomicOutput {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
}

/// What went wrong, naming the file (never content).
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{} is not a file name", .0.display())]
    NotAFileName(PathBuf),
    #[error("cannot create a temporary file in {}: {source}", dir.display())]
    Create { dir: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", target.display())]
    Write { target: PathBuf, source: io::Error },
    #[error("cannot replace {}: {source}", target.display())]
    Replace { target: PathBuf, source: io::Error },
    #[error("{} exists already", .0.display())]
    Exists(PathBuf),
}

/// The directory a path's file lives in (`.` for a bare name).
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

impl AtomicOutput {
    /// Starts writing `target`. `mode`: the permission bits the new file is created with (the
    /// umask still applies). `replacing`: the metadata of the file this output replaces in place,
    /// whose exact mode and (when allowed) owner the output takes before it becomes visible.
    pub fn create(
        target: &Path,
        mode: u32,
        replacing: Option<&Metadata>,
    ) -> Result<AtomicOutput, OutputError> {
        let dir = dir_of(target);
        let file_name = target
            .file_name()
            .ok_or_else(|| OutputError::NotAFileName(target.to_owned()))?;
        // Hidden and recognisable: `.NAME.XXXXXX.tftsr-tmp`.
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{}.", file_name.to_string_lossy()))
            .suffix(".tftsr-tmp")
            .permissions(fs::Permissions::from_mode(mode & 0o777))
            .tempfile_in(dir)
            .map_err(|source| OutputError::Create {
                dir: dir.to_owned(),
                source,
            })?;
        let out = AtomicOutput {
            tmp,
            target: target.to_owned(),
        };
        if let Some(meta) = replacing {
            let file = out.tmp.as_file();
            file.set_permissions(meta.permissions())
                .map_err(|e| out.write_err(e))?;
            // Keep the owner when we may (root redacting a service's log); otherwise the file is
            // ours already, and failing to chown is not a reason to lose the work.
            let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
        }
        Ok(out)
    }

    pub fn file(&self) -> &File {
        self.tmp.as_file()
    }

    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The error for a failed write into this output.
    pub fn write_err(&self, source: io::Error) -> OutputError {
        OutputError::Write {
            target: self.target.clone(),
            source,
        }
    }

    /// Syncs the data, renames the file onto the target, syncs the directory.
    pub fn commit(self) -> Result<(), OutputError> {
        self.finish(true)
    }

    /// Like [`AtomicOutput::commit`], but never replaces a file: a target that exists (even one
    /// created while this output was written) is an [`OutputError::Exists`], atomically.
    pub fn commit_new(self) -> Result<(), OutputError> {
        self.finish(false)
    }

    fn finish(self, replace: bool) -> Result<(), OutputError> {
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| self.write_err(e))?;
        let target = self.target;
        let persisted = if replace {
            self.tmp.persist(&target)
        } else {
            self.tmp.persist_noclobber(&target)
        };
        persisted.map_err(|e| match e.error.kind() {
            io::ErrorKind::AlreadyExists if !replace => OutputError::Exists(target.clone()),
            _ => OutputError::Replace {
                target: target.clone(),
                source: e.error,
            },
        })?;
        // The rename is durable only once the directory is: best effort (some file systems
        // refuse to sync a directory), the data itself is already on disk.
        if let Ok(d) = File::open(dir_of(&target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// The permission bits for a new file derived from `source`: a regular file's own bits (so the
/// copy of a private log is private), else the usual 0666 before the umask.
pub fn mode_from(source: Option<&Metadata>) -> u32 {
    match source {
        Some(m) if m.is_file() => m.mode() & 0o666,
        _ => 0o666,
    }
}
