//! Files as a careful tool writes them: the content goes to a hidden temporary file in the
//! target's directory (same file system, so the final rename is atomic), is synced, and only then
//! renamed onto the target; the directory is synced after the rename. An error or an interruption
//! before [`AtomicOutput::commit`] leaves the target as it was and removes the temporary file.
//!
//! A target that exists and is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written
//! into as it is: renaming a file over a device would replace the device for everyone. A target
//! that is a link to a file replaces the file and keeps the link.
//!
//! SIGINT, SIGTERM and SIGHUP (Ctrl-C, `kill`, a closed terminal) would end the process without
//! running destructors, leaving the temporary file behind (tens of MB for a big log): every
//! temporary file is registered while it exists, and the first output installs a handler that
//! removes the registered files and then ends the process as the signal would have. A signal the
//! process ignores (`nohup`) stays ignored.

use std::fs::{self, File, Metadata};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, Once};

/// A file being written, to be renamed onto its target when complete (or, for a device or a
/// FIFO, the target itself, opened for writing).
pub struct AtomicOutput {
    out: Out,
    target: PathBuf,
    overwrite: bool,
    /// The temporary file's entry in the signal cleanup registry.
    pending: Pending,
}

/// Temporary files that exist right now, removed by the signal handler.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    PENDING.lock().unwrap_or_else(|p| p.into_inner())
}

/// A path registered in [`PENDING`] until dropped (the temporary file is then gone or renamed).
struct Pending(Option<PathBuf>);

impl Pending {
    fn register(path: &Path) -> Pending {
        install_signal_cleanup();
        pending().push(path.to_owned());
        Pending(Some(path.to_owned()))
    }

    /// Removes the entry from a registry the caller holds locked.
    fn release_in(&mut self, registry: &mut Vec<PathBuf>) {
        if let Some(p) = self.0.take() {
            if let Some(i) = registry.iter().rposition(|q| *q == p) {
                registry.swap_remove(i);
            }
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.0.is_some() {
            let mut registry = pending();
            self.release_in(&mut registry);
        }
    }
}

/// Installs (once per process) the handler thread for SIGINT, SIGTERM and SIGHUP: it removes
/// every registered temporary file, then re-raises the signal with its default action, so the
/// parent sees the process end by that signal as before. Holding the registry's lock while
/// removing keeps a commit (which renames under the same lock) all or nothing.
fn install_signal_cleanup() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let wanted: Vec<i32> = [SIGINT, SIGTERM, SIGHUP]
            .into_iter()
            .filter(|&s| !is_ignored(s))
            .collect();
        let Ok(mut signals) = signal_hook::iterator::Signals::new(&wanted) else {
            return; // no handler: the temp file may stay behind, the target is still intact
        };
        let _ = std::thread::Builder::new()
            .name("tftsr-signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    let registry = pending();
                    for p in registry.iter() {
                        let _ = fs::remove_file(p);
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                    // Not reached for these signals; keep the registry locked regardless.
                    std::process::exit(128 + sig);
                }
            });
    });
}

/// Whether `sig` is ignored now (inherited from `nohup` or a shell's `trap '' HUP`).
fn is_ignored(sig: i32) -> bool {
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: a null new action only queries the current one into `old`.
    let rc = unsafe { libc::sigaction(sig, std::ptr::null(), &mut old) };
    rc == 0 && old.sa_sigaction == libc::SIG_IGN
}

enum Out {
    Temp(tempfile::NamedTempFile),
    Direct(File),
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
    #[error("{} already exists (not overwritten)", .0.display())]
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
    /// `overwrite`: whether an existing `target` may be replaced; if not, an existing target is
    /// refused now (before any work) and at the rename (if one appeared meanwhile).
    pub fn create(
        target: &Path,
        mode: u32,
        replacing: Option<&Metadata>,
        overwrite: bool,
    ) -> Result<AtomicOutput, OutputError> {
        // Through links: the file (or device) a link names is the target.
        let resolved = match fs::symlink_metadata(target) {
            Ok(m) if m.file_type().is_symlink() => fs::canonicalize(target).ok(),
            _ => None,
        };
        let target = resolved.as_deref().unwrap_or(target);
        match fs::metadata(target) {
            Ok(m) if !m.is_file() && !m.is_dir() => {
                let file = fs::OpenOptions::new()
                    .write(true)
                    .open(target)
                    .map_err(|source| OutputError::Write {
                        target: target.to_owned(),
                        source,
                    })?;
                return Ok(AtomicOutput {
                    out: Out::Direct(file),
                    target: target.to_owned(),
                    overwrite: true,
                    pending: Pending(None),
                });
            }
            Ok(_) if !overwrite => return Err(OutputError::Exists(target.to_owned())),
            Err(_) if !overwrite && resolved.is_none() && fs::symlink_metadata(target).is_ok() => {
                // A dangling link: creating the file would write wherever it points.
                return Err(OutputError::Exists(target.to_owned()));
            }
            _ => {}
        }
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
        let pending = Pending::register(tmp.path());
        let out = AtomicOutput {
            out: Out::Temp(tmp),
            target: target.to_owned(),
            overwrite: overwrite || replacing.is_some(),
            pending,
        };
        if let Some(meta) = replacing {
            let file = out.file();
            file.set_permissions(meta.permissions())
                .map_err(|e| out.write_err(e))?;
            // Keep the owner when we may (root redacting a service's log); otherwise the file is
            // ours already, and failing to chown is not a reason to lose the work.
            let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
        }
        Ok(out)
    }

    /// Starts writing a new `target` that is a copy of `source` (a redacted log), with the
    /// source's permission bits ([`mode_from`], the umask applies). A private source (no
    /// permission for others) keeps its group bits only where they still mean what they meant:
    /// the copy belongs to the same group and does not lie in a shared directory
    /// ([`is_shared_dir`]). Otherwise its copy is for its owner alone (at most `0600`): a
    /// `0640 root:adm` log copied to `/tmp` must not become readable by the copier's group. The
    /// file is created owner-only and widened (before anything is written) only when allowed, so
    /// no one else can open it in between.
    pub fn create_copy(
        target: &Path,
        source: Option<&Metadata>,
        overwrite: bool,
    ) -> Result<AtomicOutput, OutputError> {
        let wanted = mode_from(source);
        let private = source.filter(|m| m.is_file() && m.mode() & 0o007 == 0);
        let first = if private.is_some() {
            wanted & !0o077
        } else {
            wanted
        };
        let out = AtomicOutput::create(target, first, None, overwrite)?;
        if let (Some(src), Out::Temp(_)) = (private, &out.out) {
            let file = out.file();
            let copy = file.metadata().map_err(|e| out.write_err(e))?;
            let keeps_group = wanted & 0o070 != 0
                && copy.gid() == src.gid()
                && !is_shared_dir(dir_of(&out.target));
            if let (true, Some(umask)) = (keeps_group, process_umask()) {
                file.set_permissions(fs::Permissions::from_mode(wanted & !umask))
                    .map_err(|e| out.write_err(e))?;
            }
        }
        Ok(out)
    }

    pub fn file(&self) -> &File {
        match &self.out {
            Out::Temp(t) => t.as_file(),
            Out::Direct(f) => f,
        }
    }

    /// Whether the output goes into the target as it is (a device or a FIFO): then nothing is
    /// renamed, and what was written before an error stays written.
    pub fn is_direct(&self) -> bool {
        matches!(self.out, Out::Direct(_))
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
        let mut registered = self.pending;
        let tmp = match self.out {
            Out::Temp(t) => t,
            Out::Direct(_) => return Ok(()),
        };
        tmp.as_file()
            .sync_all()
            .map_err(|source| OutputError::Write {
                target: self.target.clone(),
                source,
            })?;
        let target = self.target;
        // Under the registry's lock: a signal now waits for the rename and finds nothing to
        // remove, or came first and the file is gone (the target untouched either way).
        let persisted = {
            let mut registry = pending();
            let persisted = if self.overwrite {
                tmp.persist(&target).map(|_| ())
            } else {
                tmp.persist_noclobber(&target).map(|_| ())
            };
            if persisted.is_ok() {
                registered.release_in(&mut registry);
            }
            persisted
        };
        persisted.map_err(|e| match e.error.kind() {
            io::ErrorKind::AlreadyExists => OutputError::Exists(target.clone()),
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

/// The metadata of the file stdin reads from, when it is a regular file (`tftsr redact - <
/// private.log`): its copy is then as private as a copy of the file named.
pub fn stdin_metadata() -> Option<Metadata> {
    use std::os::fd::AsFd;
    let fd = io::stdin().as_fd().try_clone_to_owned().ok()?;
    File::from(fd).metadata().ok().filter(Metadata::is_file)
}

/// Whether users other than a directory's owner may create and replace files in it (group- or
/// other-writable: `/tmp`, a team's drop directory).
fn is_shared_dir(dir: &Path) -> bool {
    fs::metadata(dir).is_ok_and(|m| m.mode() & 0o022 != 0)
}

/// The process's umask, read without changing it (`umask(2)` can only be read by setting it,
/// which would race with other threads creating files). `None` where `/proc` does not say.
fn process_umask() -> Option<u32> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("Umask:"))?;
    u32::from_str_radix(line.trim(), 8).ok()
}
