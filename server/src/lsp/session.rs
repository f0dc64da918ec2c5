//! The session: everything the server knows between two messages — the open documents, the
//! engine and settings in force, what the client supports, the workspace, the store — and the
//! client handle to talk back. Handlers and the scheduler read and change it; nothing here knows
//! a request.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use ropey::Rope;
use serde_json::Value;
use tower_lsp_server::ls_types::Uri;
use tower_lsp_server::Client;

use super::document::Doc;
use super::memory::Trimmer;
use super::position::Encoding;
use super::settings::Settings;
use super::workspace::Folders;
use crate::app::engines::{Scanner, TypeFilter};
use crate::app::keys;
use crate::engine::{fingerprint, Config, Engine, Finding};
use crate::store::Store;

/// What the client said it supports (read from the raw capabilities JSON: a missing field is
/// "no", whatever the client's age).
#[derive(Debug, Clone, Default)]
pub struct Caps {
    pub resolve_edit: bool,
    pub work_done_progress: bool,
    pub configuration_pull: bool,
    pub watch_registration: bool,
    pub apply_edit: bool,
}

impl Caps {
    pub fn from_json(c: &Value) -> Caps {
        let flag = |p: &str| c.pointer(p).and_then(Value::as_bool).unwrap_or(false);
        let resolve_edit = c
            .pointer("/textDocument/codeAction/resolveSupport/properties")
            .and_then(Value::as_array)
            .is_some_and(|a| a.iter().any(|p| p.as_str() == Some("edit")));
        Caps {
            resolve_edit,
            work_done_progress: flag("/window/workDoneProgress"),
            configuration_pull: flag("/workspace/configuration"),
            watch_registration: flag("/workspace/didChangeWatchedFiles/dynamicRegistration"),
            apply_edit: flag("/workspace/applyEdit"),
        }
    }
}

/// Changes the log level at run time (settings `logLevel`).
pub type LogReload = Box<dyn Fn(&str) + Send + Sync>;

/// The encrypted store, opened on first use.
#[derive(Default)]
pub struct StoreSlot {
    store: Mutex<Option<Arc<Store>>>,
    /// Serializes opening (one KDF at a time, not one per concurrent command).
    opening: Mutex<()>,
}

impl StoreSlot {
    /// Forgets the opened store (the database path changed).
    pub fn reset(&self) {
        *lock(&self.store) = None;
    }

    /// The store if it is open already.
    pub fn get(&self) -> Option<Arc<Store>> {
        lock(&self.store).clone()
    }

    /// The open store, opening it on first use. Blocking: call it on the blocking pool.
    /// Failures are not cached: the next command tries again (the user may have fixed the key
    /// file meanwhile).
    pub fn get_blocking(&self, db_path: Option<PathBuf>) -> Result<Arc<Store>, String> {
        if let Some(s) = self.get() {
            return Ok(s);
        }
        let _guard = lock(&self.opening);
        if let Some(s) = self.get() {
            return Ok(s);
        }
        match keys::open_store(db_path) {
            Ok(s) => {
                let s = Arc::new(s);
                tracing::info!(path = %s.path().display(), "store opened");
                *lock(&self.store) = Some(s.clone());
                Ok(s)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot open the store");
                Err(format!("cannot open the store: {e}"))
            }
        }
    }
}

/// A document as it was at one moment: the rope is an O(1) copy, so work on it runs off the
/// lock while edits go on.
pub struct Snapshot {
    pub rope: Rope,
    pub version: i32,
}

pub struct Session {
    pub client: Client,
    pub docs: Mutex<HashMap<Uri, Doc>>,
    pub engine: RwLock<Arc<Engine>>,
    pub settings: RwLock<Arc<Settings>>,
    pub enc: RwLock<Encoding>,
    pub caps: RwLock<Caps>,
    pub root: RwLock<Option<PathBuf>>,
    /// Every workspace folder: file commands stay inside them (see `workspace.rs`).
    pub folders: RwLock<Folders>,
    /// Where the workspace `.tftsr.toml` is (or would be written).
    pub config_path: RwLock<Option<PathBuf>>,
    pub store: StoreSlot,
    pub shutdown: AtomicBool,
    pub log_reload: Option<LogReload>,
    /// Messages for the user found before the client can receive them (during `initialize`).
    pub pending_messages: Mutex<Vec<String>>,
    /// Frees closed documents and gives their memory back to the system (see `memory.rs`).
    pub trimmer: Arc<Trimmer>,
    /// Sequence numbers of publishes (see `scheduler::publish`).
    pub seq: AtomicU64,
    /// Last published sequence number per document: an older publish never overwrites a newer.
    pub published: tokio::sync::Mutex<HashMap<Uri, u64>>,
    /// Pre-framed messages for the stdio transport (see `transport::serve`): publishDiagnostics
    /// is serialized straight to bytes once instead of through `Diagnostic` structs and a
    /// `serde_json::Value` tree. Unset (another transport): tower-lsp's client is used.
    pub outbox: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Vec<u8>>>,
    /// `initialize` succeeded: like tower-lsp's client, nothing is published before.
    pub client_ready: AtomicBool,
    /// The cancel flags of running file commands by progress token (see `file_job.rs`).
    pub file_jobs: Mutex<HashMap<String, Arc<AtomicBool>>>,
}

/// Locks a mutex even if a panicking thread poisoned it: the documents map stays usable (each
/// operation on it leaves it consistent before anything can panic).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub(crate) fn read<T: Clone>(l: &RwLock<T>) -> T {
    l.read().unwrap_or_else(|p| p.into_inner()).clone()
}

pub(crate) fn write<T>(l: &RwLock<T>, v: T) {
    *l.write().unwrap_or_else(|p| p.into_inner()) = v;
}

/// SHA-256 hex of a URI: the audit entity when no log_file id is known.
pub fn uri_hash(uri: &Uri) -> String {
    fingerprint(uri.as_str())
}

/// `file:` and `untitled:` documents only (never VS Code output channels, git: views …).
pub fn scheme_ok(uri: &Uri) -> bool {
    matches!(uri.scheme().as_str(), "file" | "untitled")
}

/// The last path segment of a URI (for glob matching).
pub fn file_name(uri: &Uri) -> String {
    let path = uri.path().decode().to_string_lossy().into_owned();
    path.rsplit('/').next().unwrap_or("").to_owned()
}

/// [`file_name`] for a human-readable message (`window/showMessage`, a progress text): control
/// characters escaped, so a name cannot break the message into forged lines or reach a terminal
/// client raw.
pub fn shown_name(uri: &Uri) -> String {
    crate::app::escape::name(&file_name(uri)).into_owned()
}

impl Session {
    pub fn new(client: Client, log_reload: Option<LogReload>) -> Session {
        Session {
            client,
            docs: Mutex::new(HashMap::new()),
            engine: RwLock::new(Arc::new(Engine::with_defaults())),
            settings: RwLock::new(Arc::new(Settings::default())),
            enc: RwLock::new(Encoding::Utf16),
            caps: RwLock::new(Caps::default()),
            root: RwLock::new(None),
            folders: RwLock::new(Folders::default()),
            config_path: RwLock::new(None),
            store: StoreSlot::default(),
            shutdown: AtomicBool::new(false),
            log_reload,
            pending_messages: Mutex::new(Vec::new()),
            trimmer: Arc::default(),
            seq: AtomicU64::new(0),
            published: tokio::sync::Mutex::new(HashMap::new()),
            outbox: std::sync::OnceLock::new(),
            client_ready: AtomicBool::new(false),
            file_jobs: Mutex::new(HashMap::new()),
        }
    }

    pub fn engine(&self) -> Arc<Engine> {
        read(&self.engine)
    }
    pub fn settings(&self) -> Arc<Settings> {
        read(&self.settings)
    }
    pub fn enc(&self) -> Encoding {
        read(&self.enc)
    }
    pub fn caps(&self) -> Caps {
        read(&self.caps)
    }
    pub fn folders(&self) -> Folders {
        read(&self.folders)
    }

    pub fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub fn client_ready(&self) -> bool {
        self.client_ready.load(Ordering::SeqCst)
    }

    /// Is this document scanned (language id `log` or a matching glob)?
    pub fn is_tracked(&self, uri: &Uri, language_id: &str) -> bool {
        scheme_ok(uri)
            && (language_id == "log" || self.settings().glob_set.is_match(file_name(uri)))
    }

    /// What the server finds: the workspace configuration's engine and the settings' type filter
    /// (the engine already applies `.tftsr.toml`: its enabled types and allowlists).
    pub fn scanner(&self) -> Scanner {
        let settings = self.settings();
        Scanner::new(
            self.engine(),
            TypeFilter::new(
                settings.enabled_types.clone(),
                settings.disabled_types.clone(),
            ),
        )
    }

    /// Findings the settings let through ([`Session::scanner`]'s filter).
    pub fn keep_filter(&self) -> impl Fn(&Finding, &str) -> bool + Send + Sync + 'static {
        let scanner = self.scanner();
        move |f: &Finding, _value: &str| scanner.keeps(&f.kind)
    }

    /// The document's text and version now, or None if it is not open.
    pub fn snapshot(&self, uri: &Uri) -> Option<Snapshot> {
        lock(&self.docs).get(uri).map(|d| Snapshot {
            rope: d.rope.clone(),
            version: d.version,
        })
    }

    /// The version of an open document.
    pub fn version(&self, uri: &Uri) -> Option<i32> {
        lock(&self.docs).get(uri).map(|d| d.version)
    }

    /// The workspace `.tftsr.toml`: the one found from the workspace root upwards, else
    /// `<root>/.tftsr.toml`; without a root, next to the given document.
    pub fn workspace_config_path(&self, doc: Option<&Uri>) -> Option<PathBuf> {
        if let Some(p) = read(&self.config_path) {
            return Some(p);
        }
        let root = read(&self.root).or_else(|| {
            doc.filter(|u| u.scheme().as_str() == "file")
                .and_then(|u| u.to_file_path())
                .and_then(|p| p.parent().map(Path::to_path_buf))
        })?;
        let path =
            crate::app::config::discover(&root).unwrap_or_else(|| root.join(Config::FILE_NAME));
        if read(&self.root).is_some() {
            write(&self.config_path, Some(path.clone()));
        }
        Some(path)
    }
}
