//! The language server (`tftsr lsp`): documents, positions, diagnostics, code actions, commands.
//!
//! Layout:
//! - `ordered`: the tower wrapper applying didOpen/didChange/didClose synchronously, in order;
//! - `document`: rope + sorted findings index + incremental rescan bookkeeping;
//! - `position`: the only place bytes become LSP positions and back;
//! - `settings`: the `tftsr` settings section;
//! - `server`: the `LanguageServer` implementation; `actions`, `commands`: code actions and
//!   `workspace/executeCommand`; `stores`: lazy access to the encrypted store.
//! - the operations shared with the CLI (redact a file, attach a log, build the engine, keys) are
//!   `crate::app`'s: the server only translates arguments and results.
//!
//! Never log document text, matched values or keys: URIs, versions, counts and type ids only.

mod actions;
mod commands;
pub mod document;
mod ordered;
pub mod position;
mod server;
pub mod settings;
mod stores;
mod transport;
pub mod workspace;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

#[cfg(test)]
use serde_json::json;
use serde_json::Value;
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticSeverity, MessageType, Position, ProgressToken, Uri,
};
#[cfg(test)]
use tower_lsp_server::ls_types::{NumberOrString, Range};
use tower_lsp_server::Client;

use crate::app::engines::{engine_for, Scanner, TypeFilter};
use crate::engine::{fingerprint, Config, Engine, Finding, Kind, Severity};
use document::{Doc, JobKind, ScanJob};
use position::Encoding;
use settings::Settings;

pub use ordered::Ordered;

/// Documents above this size get `$/progress` for their first scan (when the client supports it).
const PROGRESS_THRESHOLD: usize = 4 * 1024 * 1024;

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

pub struct State {
    pub docs: Mutex<HashMap<Uri, Doc>>,
    pub engine: RwLock<Arc<Engine>>,
    pub settings: RwLock<Arc<Settings>>,
    pub enc: RwLock<Encoding>,
    pub caps: RwLock<Caps>,
    pub root: RwLock<Option<PathBuf>>,
    /// Every workspace folder: file commands stay inside them (see `workspace.rs`).
    pub folders: RwLock<workspace::Folders>,
    /// Where the workspace `.tftsr.toml` is (or would be written).
    pub config_path: RwLock<Option<PathBuf>>,
    pub store: stores::StoreSlot,
    pub shutdown: AtomicBool,
    pub log_reload: Option<LogReload>,
    seq: AtomicU64,
    /// Last published sequence number per document: an older publish never overwrites a newer.
    published: tokio::sync::Mutex<HashMap<Uri, u64>>,
    /// Pre-framed messages for the stdio transport (see `transport::serve`): publishDiagnostics
    /// is serialized straight to bytes once instead of through `Diagnostic` structs and a
    /// `serde_json::Value` tree. Unset (another transport): tower-lsp's client is used.
    pub outbox: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Vec<u8>>>,
    /// `initialize` succeeded: like tower-lsp's client, nothing is published before.
    pub client_ready: AtomicBool,
    /// Settings errors found during `initialize`, shown once the client can receive messages.
    /// Per session, not a process-wide static: two servers in one process (tests) keep theirs.
    pub pending_messages: Mutex<Vec<String>>,
}

#[derive(Clone)]
pub struct Backend {
    pub client: Client,
    pub st: Arc<State>,
}

/// Locks a mutex even if a panicking thread poisoned it: the documents map stays usable (each
/// operation on it leaves it consistent before anything can panic).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn read<T: Clone>(l: &RwLock<T>) -> T {
    l.read().unwrap_or_else(|p| p.into_inner()).clone()
}

fn write<T>(l: &RwLock<T>, v: T) {
    *l.write().unwrap_or_else(|p| p.into_inner()) = v;
}

pub fn severity_to_lsp(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Information => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
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

impl Backend {
    pub fn new(client: Client, log_reload: Option<LogReload>) -> Backend {
        Backend {
            client,
            st: Arc::new(State {
                docs: Mutex::new(HashMap::new()),
                engine: RwLock::new(Arc::new(Engine::with_defaults())),
                settings: RwLock::new(Arc::new(Settings::default())),
                enc: RwLock::new(Encoding::Utf16),
                caps: RwLock::new(Caps::default()),
                root: RwLock::new(None),
                folders: RwLock::new(workspace::Folders::default()),
                config_path: RwLock::new(None),
                store: stores::StoreSlot::default(),
                shutdown: AtomicBool::new(false),
                log_reload,
                seq: AtomicU64::new(0),
                published: tokio::sync::Mutex::new(HashMap::new()),
                outbox: std::sync::OnceLock::new(),
                client_ready: AtomicBool::new(false),
                pending_messages: Mutex::new(Vec::new()),
            }),
        }
    }

    pub fn engine(&self) -> Arc<Engine> {
        read(&self.st.engine)
    }
    pub fn settings(&self) -> Arc<Settings> {
        read(&self.st.settings)
    }
    pub fn enc(&self) -> Encoding {
        read(&self.st.enc)
    }
    pub fn caps(&self) -> Caps {
        read(&self.st.caps)
    }
    pub fn folders(&self) -> workspace::Folders {
        read(&self.st.folders)
    }

    pub fn is_tracked(&self, uri: &Uri, language_id: &str) -> bool {
        scheme_ok(uri)
            && (language_id == "log" || self.settings().glob_set.is_match(file_name(uri)))
    }

    // ----- notifications applied synchronously (called from `Ordered::call`) -----

    pub fn open_sync(&self, uri: Uri, text: String, version: i32, language_id: String) {
        if !scheme_ok(&uri) {
            tracing::debug!(
                uri = uri.as_str(),
                "ignoring document with unsupported scheme"
            );
            return;
        }
        let tracked = self.is_tracked(&uri, &language_id);
        tracing::info!(
            uri = uri.as_str(),
            version,
            bytes = text.len(),
            tracked,
            "didOpen"
        );
        // The first scan needs only the text: start it, then build the rope meanwhile. This
        // still happens inside the ordered dispatch, so no later notification or request sees
        // the document before its rope is ready; only the scan task can, and it waits for it.
        let t = std::time::Instant::now();
        let text = Arc::new(text);
        let doc = Doc::pending(text.clone(), version, language_id, tracked);
        lock(&self.st.docs).insert(uri.clone(), doc);
        if tracked {
            self.schedule(uri.clone(), Duration::ZERO);
        }
        let rope = ropey::Rope::from_str(&text);
        if let Some(d) = lock(&self.st.docs).get_mut(&uri) {
            if !d.rope_ready {
                d.rope = rope;
                d.rope_ready = true;
            }
        }
        tracing::debug!(ms = t.elapsed().as_secs_f64() * 1000.0, "document built");
    }

    pub fn change_sync(
        &self,
        uri: Uri,
        version: i32,
        changes: Vec<tower_lsp_server::ls_types::TextDocumentContentChangeEvent>,
    ) {
        let enc = self.enc();
        let outcome = {
            let mut docs = lock(&self.st.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                tracing::warn!(
                    uri = uri.as_str(),
                    "didChange for a document that is not open"
                );
                return;
            };
            doc.apply_changes(version, &changes, enc)
                .map(|()| doc.tracked)
        };
        match outcome {
            Ok(true) => {
                let delay = Duration::from_millis(self.settings().debounce_ms);
                self.schedule(uri, delay);
            }
            Ok(false) => {}
            Err(e) => {
                // The error names positions only, never text.
                tracing::error!(uri = uri.as_str(), version, error = %e, "rejected didChange; document unchanged");
                let client = self.client.clone();
                let msg = format!(
                    "tftsr: rejected an edit to {} ({e}); the server's copy may now differ from the editor's, reopen the file",
                    file_name(&uri)
                );
                tokio::spawn(async move { client.show_message(MessageType::ERROR, msg).await });
            }
        }
    }

    pub fn close_sync(&self, uri: Uri) {
        let was = lock(&self.st.docs).remove(&uri);
        tracing::info!(uri = uri.as_str(), "didClose");
        if was.is_some_and(|d| d.tracked) {
            let this = self.clone();
            let seq = this.st.seq.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::spawn(async move { this.publish(uri, DiagsJson::empty(), None, seq).await });
        }
    }

    // ----- scanning -----

    /// Schedules a (debounced) scan of a document; a later schedule supersedes this one.
    pub fn schedule(&self, uri: Uri, delay: Duration) {
        let gen = {
            let mut docs = lock(&self.st.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            doc.generation += 1;
            doc.generation
        };
        let this = self.clone();
        tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            this.run_scan(uri, gen).await;
        });
    }

    /// Marks every tracked document for a full rescan (configuration changed) and schedules it.
    pub fn rescan_all(&self) {
        let uris: Vec<Uri> = {
            let settings = self.settings();
            let mut docs = lock(&self.st.docs);
            docs.iter_mut()
                .filter_map(|(uri, d)| {
                    let tracked = scheme_ok(uri)
                        && (d.language_id == "log" || settings.glob_set.is_match(file_name(uri)));
                    let was = d.tracked;
                    d.tracked = tracked;
                    d.new_epoch();
                    if was && !tracked {
                        d.scanned_version = None;
                    }
                    (tracked || was).then(|| uri.clone())
                })
                .collect()
        };
        for uri in uris {
            let tracked = lock(&self.st.docs).get(&uri).is_some_and(|d| d.tracked);
            if tracked {
                self.schedule(uri, Duration::ZERO);
            } else {
                let this = self.clone();
                let seq = this.st.seq.fetch_add(1, Ordering::SeqCst) + 1;
                tokio::spawn(async move { this.publish(uri, DiagsJson::empty(), None, seq).await });
            }
        }
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

    /// Findings the settings let through ([`Backend::scanner`]'s filter).
    fn keep_filter(&self) -> impl Fn(&Finding, &str) -> bool + Send + Sync + 'static {
        let scanner = self.scanner();
        move |f: &Finding, _value: &str| scanner.keeps(&f.kind)
    }

    async fn run_scan(&self, uri: Uri, gen: u64) {
        let taken = {
            let mut docs = lock(&self.st.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            if doc.generation != gen {
                return; // superseded by a later edit: that one's scan will run
            }
            match ScanJob::take(doc) {
                Some(job) => {
                    let big = matches!(&job.kind, JobKind::Full(t) if t.len() > PROGRESS_THRESHOLD)
                        && doc.scanned_version.is_none();
                    Ok((job, big))
                }
                // Nothing to scan (or a scan is running: its merge asks again). A version that
                // changed nothing (an empty didChange) still gets its diagnostics.
                None => Err(doc.tracked
                    && doc.index_is_current()
                    && doc.scanned_version.is_some_and(|v| v != doc.version)),
            }
        };
        let (job, big) = match taken {
            Ok(t) => t,
            Err(republish) => {
                if republish {
                    self.publish_current(&uri).await;
                }
                return;
            }
        };
        let was_full = job.is_full();
        let (job_id, job_epoch, job_version) = (job.id, job.epoch, job.version);
        let progress = if big && self.caps().work_done_progress {
            self.begin_progress(&uri).await
        } else {
            None
        };
        // Read after the job was taken: a configuration change since then has bumped the epoch
        // (after replacing engine and settings), so a result built with the old ones is dropped.
        let engine = self.engine();
        let keep = self.keep_filter();
        let started = std::time::Instant::now();
        let res = tokio::task::spawn_blocking(move || job.run(&engine, &keep)).await;
        if let Some(p) = progress {
            p.finish_with_message("done").await;
        }
        let scan_ms = started.elapsed().as_secs_f64() * 1000.0;
        let res = match res {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(uri = uri.as_str(), error = %e, "scan task failed");
                if let Some(doc) = lock(&self.st.docs).get_mut(&uri) {
                    // The next edit (or configuration change) tries again with a full scan:
                    // retrying at once could spin on an input that makes the engine panic.
                    doc.scan_failed(job_id, job_epoch);
                }
                return;
            }
        };
        let scanned = res.findings();
        // A just-opened document's rope may still be in the making (see `open_sync`).
        loop {
            match lock(&self.st.docs).get(&uri) {
                None => return,
                Some(d) if d.rope_ready => break,
                Some(_) => {}
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let (merged, rescan) = {
            let mut docs = lock(&self.st.docs);
            let Some(doc) = docs.get_mut(&uri) else {
                return;
            };
            let merged = document::merge(doc, res);
            // A stale result changes nothing; the scan of the current epoch was scheduled by
            // whoever started the epoch (or is running).
            (merged, doc.wants_scan() && !doc.scan_running())
        };
        tracing::debug!(
            uri = uri.as_str(),
            version = job_version,
            full = was_full,
            scanned,
            scan_ms,
            merged = ?merged,
            merged_ms = started.elapsed().as_secs_f64() * 1000.0,
            "scan done"
        );
        if merged == document::Merged::Current {
            self.publish_current(&uri).await;
        } else if rescan {
            // Edits arrived during the scan: their regions are rescanned first, so a
            // half-updated set is never published.
            self.schedule(uri, Duration::ZERO);
        }
    }

    /// Publishes the diagnostics of a document whose index is current (else nothing: the scan
    /// that makes it current publishes).
    async fn publish_current(&self, uri: &Uri) {
        let out = {
            let mut docs = lock(&self.st.docs);
            let Some(doc) = docs.get_mut(uri).filter(|d| d.index_is_current()) else {
                return;
            };
            doc.scanned_version = Some(doc.version);
            let seq = self.st.seq.fetch_add(1, Ordering::SeqCst) + 1;
            let diags = self.diagnostics_json(doc);
            (diags, doc.version, seq, doc.findings().len())
        };
        let (diags, version, seq, total) = out;
        let started = std::time::Instant::now();
        self.publish(uri.clone(), diags, Some(version), seq).await;
        tracing::info!(
            uri = uri.as_str(),
            version,
            findings = total,
            publish_ms = started.elapsed().as_secs_f64() * 1000.0,
            "diagnostics published"
        );
    }

    async fn begin_progress(
        &self,
        uri: &Uri,
    ) -> Option<
        tower_lsp_server::OngoingProgress<
            tower_lsp_server::Unbounded,
            tower_lsp_server::NotCancellable,
        >,
    > {
        let n = self.st.seq.fetch_add(1, Ordering::SeqCst);
        let token = ProgressToken::String(format!("tftsr-scan-{n}"));
        if self
            .client
            .create_work_done_progress(token.clone())
            .await
            .is_err()
        {
            return None;
        }
        Some(
            self.client
                .progress(token, "tftsr: scanning for PII")
                .with_message(file_name(uri))
                .begin()
                .await,
        )
    }

    async fn publish(&self, uri: Uri, diags: DiagsJson, version: Option<i32>, seq: u64) {
        let mut published = self.st.published.lock().await;
        let last = published.entry(uri.clone()).or_insert(0);
        if *last > seq {
            return;
        }
        *last = seq;
        match self.st.outbox.get() {
            Some(outbox) => {
                if self.st.client_ready.load(Ordering::SeqCst) {
                    // Sent while `published` is held, like the client path: publishes of a
                    // document leave in sequence order.
                    if outbox.send(diags.notification(&uri, version)).is_err() {
                        tracing::error!("failed to send notification");
                    }
                }
            }
            None => match serde_json::from_slice::<Vec<Diagnostic>>(&diags.0) {
                Ok(d) => self.client.publish_diagnostics(uri, d, version).await,
                Err(e) => tracing::error!(error = %e, "diagnostics not serializable"),
            },
        }
    }

    /// Diagnostics for a document as the JSON array `diagnostics_json` builds (the reference
    /// form, kept for tests and other transports).
    pub fn diagnostics(&self, doc: &Doc) -> Vec<Diagnostic> {
        serde_json::from_slice(&self.diagnostics_json(doc).0).unwrap_or_default()
    }

    /// Diagnostics for a document: the first `maxDiagnostics` findings plus one summary,
    /// serialized straight to the JSON array of `publishDiagnostics.params.diagnostics`.
    /// Findings are sorted, so positions are converted walking forward through the rope.
    pub fn diagnostics_json(&self, doc: &Doc) -> DiagsJson {
        let settings = self.settings();
        let engine = self.engine();
        let enc = self.enc();
        let max = settings.max_diagnostics;
        let shown = doc.findings().len().min(max);
        let mut out = Vec::with_capacity(64 + shown * 320);
        out.push(b'[');
        let mut walker = position::Walker::new(&doc.rope, enc);
        // Messages and severities depend on the type only.
        let mut per_kind: HashMap<&str, (u8, Vec<u8>)> = HashMap::new();
        for (i, f) in doc.findings().iter().take(max).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let id = f.kind.id();
            let (sev, msg) = per_kind.entry(id).or_insert_with(|| {
                let severity = settings
                    .severity
                    .get(id)
                    .copied()
                    .unwrap_or_else(|| engine.severity(&f.kind));
                let sev = match severity_to_lsp(severity) {
                    s if s == DiagnosticSeverity::ERROR => 1,
                    s if s == DiagnosticSeverity::WARNING => 2,
                    s if s == DiagnosticSeverity::INFORMATION => 3,
                    _ => 4,
                };
                (sev, json_str(&message(engine.as_ref(), &f.kind)))
            });
            let start = walker.position(f.start);
            let end = walker.position(f.end);
            let value = doc.value(f);
            let id_json = json_str(id);
            write_range(&mut out, start, end);
            out.extend_from_slice(format!(",\"severity\":{sev},\"code\":").as_bytes());
            out.extend_from_slice(&id_json);
            out.extend_from_slice(b",\"source\":\"tftsr\",\"message\":");
            out.extend_from_slice(msg);
            out.extend_from_slice(b",\"data\":{\"fingerprint\":\"");
            out.extend_from_slice(fingerprint(&value).as_bytes());
            out.extend_from_slice(b"\",\"type\":");
            out.extend_from_slice(&id_json);
            out.extend_from_slice(format!(",\"version\":{}}}}}", doc.version).as_bytes());
        }
        if doc.findings().len() > max {
            let more = doc.findings().len() - max;
            let total = doc.findings().len();
            let message = format!(
                "{more} more PII findings in this file are not shown (maxDiagnostics = {max}); \
                 \"Redact all PII in file\" covers all {total}"
            );
            if shown > 0 {
                out.push(b',');
            }
            write_range(&mut out, Position::new(0, 0), Position::new(0, 0));
            out.extend_from_slice(
                b",\"severity\":3,\"code\":\"tftsr.truncated\",\"source\":\"tftsr\",\"message\":",
            );
            out.extend_from_slice(&json_str(&message));
            out.extend_from_slice(
                format!(",\"data\":{{\"more\":{more},\"total\":{total}}}}}").as_bytes(),
            );
        }
        out.push(b']');
        DiagsJson(out)
    }

    /// The diagnostics built as `Diagnostic` structs: the reference `diagnostics_json` is
    /// checked against.
    #[cfg(test)]
    fn diagnostics_reference(&self, doc: &Doc) -> Vec<Diagnostic> {
        let settings = self.settings();
        let engine = self.engine();
        let enc = self.enc();
        let max = settings.max_diagnostics;
        let mut out: Vec<Diagnostic> = doc
            .findings()
            .iter()
            .take(max)
            .map(|f| finding_diagnostic(doc, f, &engine, &settings, enc))
            .collect();
        if doc.findings().len() > max {
            let more = doc.findings().len() - max;
            out.push(Diagnostic {
                range: Range::new(Position::new(0, 0), Position::new(0, 0)),
                severity: Some(DiagnosticSeverity::INFORMATION),
                code: Some(NumberOrString::String("tftsr.truncated".into())),
                source: Some("tftsr".into()),
                message: format!(
                    "{more} more PII findings in this file are not shown (maxDiagnostics = {max}); \
                     \"Redact all PII in file\" covers all {}",
                    doc.findings().len()
                ),
                data: Some(json!({"more": more, "total": doc.findings().len()})),
                ..Default::default()
            });
        }
        out
    }

    // ----- configuration -----

    /// Applies a settings object; reports bad values; rescans if the set of findings changes.
    pub async fn apply_settings(&self, value: &Value) {
        let Some(section) = Settings::section(value) else {
            return;
        };
        let new = match Settings::from_json(section, &settings::TypeIds::of(&self.engine())) {
            Ok(s) => s,
            Err(errors) => {
                // Rejected whole, as the CLI rejects a bad flag: the settings in force stay.
                // The messages name keys, never values.
                for e in &errors {
                    tracing::error!("{e}");
                }
                tracing::error!("settings rejected; the previous settings stay in force");
                let msg = format!(
                    "{}\ntftsr: settings not applied; the previous settings stay in force",
                    errors.join("\n")
                );
                self.client.show_message(MessageType::ERROR, msg).await;
                return;
            }
        };
        if let (Some(reload), Some(level)) = (&self.st.log_reload, &new.log_level) {
            reload(level);
        }
        let old = self.settings();
        let rescan = !old.same_findings(&new) || old.globs != new.globs;
        let republish = old.severity != new.severity || old.max_diagnostics != new.max_diagnostics;
        let db_changed = old.database_path != new.database_path;
        write(&self.st.settings, Arc::new(new));
        if db_changed {
            self.st.store.reset();
        }
        tracing::info!(rescan, republish, "settings applied");
        if rescan {
            self.rescan_all();
        } else if republish {
            self.republish_all().await;
        }
    }

    pub async fn republish_all(&self) {
        let items: Vec<(Uri, DiagsJson, i32, u64)> = {
            let docs = lock(&self.st.docs);
            docs.iter()
                .filter(|(_, d)| d.tracked && d.scanned_version.is_some() && d.index_is_current())
                .map(|(u, d)| {
                    let seq = self.st.seq.fetch_add(1, Ordering::SeqCst) + 1;
                    (u.clone(), self.diagnostics_json(d), d.version, seq)
                })
                .collect()
        };
        for (uri, diags, v, seq) in items {
            self.publish(uri, diags, Some(v), seq).await;
        }
    }

    /// (Re)reads the workspace `.tftsr.toml`. On error the old configuration stays and the user
    /// is told where the problem is (the error names file, line and key, never a value).
    pub async fn reload_config(&self) {
        let path = self.workspace_config_path(None);
        let Some(path) = path else {
            return;
        };
        // Reading and compiling fail the same way for the user: one error path for both.
        let built = engine_for(Some(&path));
        match built {
            Ok(engine) => {
                write(&self.st.engine, Arc::new(engine));
                tracing::info!(path = %path.display(), "workspace configuration loaded");
                self.rescan_all();
            }
            Err(e) => {
                tracing::error!(error = %e, "workspace configuration rejected");
                self.client
                    .show_message(
                        MessageType::ERROR,
                        format!("tftsr: {e} (keeping the previous configuration)"),
                    )
                    .await;
            }
        }
    }

    /// The workspace `.tftsr.toml`: the one found from the workspace root upwards, else
    /// `<root>/.tftsr.toml`; without a root, next to the given document.
    pub fn workspace_config_path(&self, doc: Option<&Uri>) -> Option<PathBuf> {
        if let Some(p) = read(&self.st.config_path) {
            return Some(p);
        }
        let root = read(&self.st.root).or_else(|| {
            doc.filter(|u| u.scheme().as_str() == "file")
                .and_then(|u| u.to_file_path())
                .and_then(|p| p.parent().map(Path::to_path_buf))
        })?;
        let path =
            crate::app::config::discover(&root).unwrap_or_else(|| root.join(Config::FILE_NAME));
        if read(&self.st.root).is_some() {
            write(&self.st.config_path, Some(path.clone()));
        }
        Some(path)
    }
}

/// The serialized `diagnostics` array of a publishDiagnostics notification.
pub struct DiagsJson(Vec<u8>);

impl DiagsJson {
    pub fn empty() -> DiagsJson {
        DiagsJson(b"[]".to_vec())
    }

    /// The framed notification (header + body), as tower-lsp would have written it.
    fn notification(&self, uri: &Uri, version: Option<i32>) -> Vec<u8> {
        let uri = json_str(uri.as_str());
        let mut body = Vec::with_capacity(self.0.len() + uri.len() + 128);
        body.extend_from_slice(
            b"{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\",\"params\":{\"uri\":",
        );
        body.extend_from_slice(&uri);
        body.extend_from_slice(b",\"diagnostics\":");
        body.extend_from_slice(&self.0);
        if let Some(v) = version {
            body.extend_from_slice(format!(",\"version\":{v}").as_bytes());
        }
        body.extend_from_slice(b"}}");
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        let mut out = Vec::with_capacity(header.len() + body.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&body);
        out
    }
}

/// A JSON string literal (serde_json's escaping).
fn json_str(s: &str) -> Vec<u8> {
    serde_json::to_vec(s).unwrap_or_else(|_| b"\"\"".to_vec())
}

fn write_range(out: &mut Vec<u8>, start: Position, end: Position) {
    out.extend_from_slice(
        format!(
            "{{\"range\":{{\"start\":{{\"line\":{},\"character\":{}}},\"end\":{{\"line\":{},\"character\":{}}}}}",
            start.line, start.character, end.line, end.character
        )
        .as_bytes(),
    );
}

#[cfg(test)]
fn finding_diagnostic(
    doc: &Doc,
    f: &Finding,
    engine: &Engine,
    settings: &Settings,
    enc: Encoding,
) -> Diagnostic {
    let id = f.kind.id();
    let severity = settings
        .severity
        .get(id)
        .copied()
        .unwrap_or_else(|| engine.severity(&f.kind));
    let value = doc.value(f);
    Diagnostic {
        range: position::span_to_range(&doc.rope, f.start, f.end, enc),
        severity: Some(severity_to_lsp(severity)),
        code: Some(NumberOrString::String(id.to_owned())),
        source: Some("tftsr".into()),
        message: message(engine, &f.kind),
        data: Some(json!({
            "type": id,
            "fingerprint": fingerprint(&value),
            "version": doc.version,
        })),
        ..Default::default()
    }
}

/// "Email address (email): redact before sharing": names the type, never the value.
pub fn message(engine: &Engine, kind: &Kind) -> String {
    format!(
        "{} ({}): redact before sharing",
        engine.label(kind),
        kind.id()
    )
}

/// Runs `tftsr lsp` on stdin/stdout until `exit` (or end of input). Exit status: 0 after a
/// `shutdown` request, 1 without one (the LSP rule).
pub fn run_stdio(log_reload: Option<LogReload>) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = rt.block_on(serve_io(
        tokio::io::stdin(),
        tokio::io::stdout(),
        log_reload,
    ));
    // Scans still running on the blocking pool have nobody to report to: don't wait for them.
    rt.shutdown_timeout(Duration::from_millis(100));
    Ok(code)
}

/// Serves one client over `input`/`output` on the current tokio runtime until `exit` or the end
/// of the input; returns the exit status `run_stdio` gives. `run_stdio` is this on stdin and
/// stdout; the fuzzer (`fuzz/`, target `lsp_transport`) drives it with bytes in memory.
pub async fn serve_io<I, O>(input: I, output: O, log_reload: Option<LogReload>) -> i32
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (service, socket) = server::build_service(log_reload);
    let state = service.inner().st.clone();
    let (direct_tx, direct_rx) = tokio::sync::mpsc::unbounded_channel();
    let _ = state.outbox.set(direct_tx);
    let ordered = Ordered::new(service);
    let end = transport::serve(input, output, ordered, socket, direct_rx).await;
    if end == transport::End::Eof {
        tracing::warn!("input ended without `exit`");
    }
    if state.shutdown.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}

#[cfg(test)]
#[path = "../../../tests/common/corpus.rs"]
mod corpus;

#[cfg(test)]
mod tests {
    use super::*;

    /// Real loghub lines with findings, multibyte text and CRLF/CR line ends: the diagnostics
    /// serialized directly must be exactly the `Diagnostic`s built the reference way, in both
    /// position encodings, with and without the truncation summary.
    #[test]
    fn direct_json_matches_reference_diagnostics() {
        let corpus = super::corpus::loghub_file("OpenSSH_2k.log");
        let mut text = String::new();
        for (i, line) in corpus.lines().take(400).enumerate() {
            text.push_str(line);
            match i % 4 {
                0 => text.push_str(" usér=jane.doe@example.org 😀 card=4111 1111 1111 1111\r\n"),
                1 => text.push_str(" \"quoted\\\" ip=10.1.2.3\r"),
                2 => text.push_str(" token=ghp_16C7e42F292c6912E7710c838347Ae178B4a\n"),
                _ => text.push('\n'),
            }
        }
        let (service, _socket) = server::build_service(None);
        let backend = service.inner();
        let engine = backend.engine();
        let mut doc = Doc::new(text.clone(), 7, "log".into(), true);
        doc.set_findings_for_test(engine.scan(&text));
        assert!(doc.findings().len() > 300, "{}", doc.findings().len());
        for enc in [Encoding::Utf16, Encoding::Utf8] {
            write(&backend.st.enc, enc);
            for max in [1000, 25, 0] {
                let s = Settings {
                    max_diagnostics: max,
                    ..Default::default()
                };
                write(&backend.st.settings, Arc::new(s));
                let direct: Value =
                    serde_json::from_slice(&backend.diagnostics_json(&doc).0).expect("valid JSON");
                let reference = serde_json::to_value(backend.diagnostics_reference(&doc)).unwrap();
                assert_eq!(direct, reference, "{enc:?} max {max}");
            }
        }
        // the framed notification is what tower-lsp's client would send
        let uri: Uri = "file:///tmp/a%20b.log".parse().unwrap();
        let framed = backend.diagnostics_json(&doc).notification(&uri, Some(7));
        let text = String::from_utf8(framed).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let params = tower_lsp_server::ls_types::PublishDiagnosticsParams::new(
            uri.clone(),
            backend.diagnostics_reference(&doc),
            Some(7),
        );
        let expected = tower_lsp_server::jsonrpc::Request::build("textDocument/publishDiagnostics")
            .params(serde_json::to_value(params).unwrap())
            .finish();
        assert_eq!(
            serde_json::from_str::<Value>(body).unwrap(),
            serde_json::to_value(expected).unwrap()
        );
        let empty = DiagsJson::empty().notification(&uri, None);
        let body = String::from_utf8(empty).unwrap();
        let body = body.split_once("\r\n\r\n").unwrap().1.to_owned();
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["params"]["diagnostics"], json!([]));
        assert!(v["params"].get("version").is_none());
    }
}
