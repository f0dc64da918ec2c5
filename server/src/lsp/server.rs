//! The `LanguageServer` implementation: lifecycle, configuration, code actions, commands.
//! Document notifications never reach it: `Ordered` applies them on arrival.

use std::sync::Arc;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{LanguageServer, LspService};

use super::position::Encoding;
use super::settings::{Settings, TypeIds};
use super::{actions, commands, lock, workspace, write, Backend, Caps, LogReload};
use crate::engine::Config;

pub const COMMANDS: [&str; 9] = [
    "tftsr.createIssue",
    "tftsr.listIssues",
    "tftsr.searchIssues",
    "tftsr.getIssue",
    "tftsr.attachToIssue",
    "tftsr.redactDocument",
    "tftsr.scanFile",
    "tftsr.ignoreValue",
    "tftsr.documentStats",
];

pub const FIX_ALL_KIND: &str = "source.fixAll.tftsr";

pub fn build_service(
    log_reload: Option<LogReload>,
) -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
    LspService::build(|client| Backend::new(client, log_reload))
        .custom_method("tftsr/documentText", Backend::document_text)
        .finish()
}

#[derive(serde::Deserialize)]
pub struct UriParam {
    pub uri: Uri,
}

impl Backend {
    /// `tftsr/documentText`: the SHA-256 of the server's copy of a document (never the text),
    /// so tests and clients can check it matches the editor's.
    async fn document_text(&self, p: UriParam) -> Result<Value> {
        let docs = lock(&self.st.docs);
        let doc = docs
            .get(&p.uri)
            .ok_or_else(|| Error::invalid_params("document is not open"))?;
        let mut h = Sha256::new();
        for chunk in doc.rope.chunks() {
            h.update(chunk.as_bytes());
        }
        Ok(json!({
            "sha256": hex::encode(h.finalize()),
            "version": doc.version,
            "bytes": doc.rope.len_bytes(),
            "findings": doc.findings().len(),
        }))
    }

    async fn pull_configuration(&self) {
        if !self.caps().configuration_pull {
            return;
        }
        let items = vec![ConfigurationItem {
            scope_uri: None,
            section: Some("tftsr".into()),
        }];
        match self.client.configuration(items).await {
            Ok(v) => {
                if let Some(first) = v.into_iter().next() {
                    if first.is_object() {
                        self.apply_settings(&first).await;
                    }
                }
            }
            Err(e) => tracing::debug!(error = %e, "workspace/configuration failed"),
        }
    }
}

fn is_config_file(uri: &Uri) -> bool {
    super::file_name(uri) == Config::FILE_NAME
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let caps_json = serde_json::to_value(&params.capabilities).unwrap_or_default();
        let caps = Caps::from_json(&caps_json);
        let enc = Encoding::negotiate(
            params
                .capabilities
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_deref()),
        );
        write(&self.st.enc, enc);
        tracing::info!(?caps, encoding = ?enc, "initialize");
        write(&self.st.caps, caps);
        #[allow(deprecated)]
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| f.uri.clone())
            .or(params.root_uri.clone())
            .filter(|u| u.scheme().as_str() == "file")
            .and_then(|u| u.to_file_path().map(|p| p.into_owned()));
        write(&self.st.root, root);
        #[allow(deprecated)]
        let folders = match &params.workspace_folders {
            Some(f) if !f.is_empty() => workspace::Folders::from_uris(f.iter().map(|f| &f.uri)),
            _ => workspace::Folders::from_uris(params.root_uri.iter()),
        };
        write(&self.st.folders, folders);
        // The engine's configuration must be in place before the first didOpen is scanned, and
        // before the settings, which may name its custom rules.
        if let Some(path) = self.workspace_config_path(None) {
            match crate::app::engines::engine_for(Some(&path)) {
                Ok(engine) => write(&self.st.engine, Arc::new(engine)),
                Err(e) => {
                    lock(&self.st.pending_messages).push(format!("tftsr: {e} (using the defaults)"))
                }
            }
        }
        if let Some(opts) = &params.initialization_options {
            if let Some(section) = Settings::section(opts) {
                match Settings::from_json(section, &TypeIds::of(&self.engine())) {
                    Ok(s) => {
                        if let (Some(reload), Some(level)) = (&self.st.log_reload, &s.log_level) {
                            reload(level);
                        }
                        write(&self.st.settings, Arc::new(s));
                    }
                    Err(errors) => lock(&self.st.pending_messages).extend(
                        errors
                            .into_iter()
                            .chain(["tftsr: settings rejected; using the defaults".to_owned()]),
                    ),
                }
            }
        }
        // From here on tower-lsp's client sends notifications; the direct publish path follows.
        self.st
            .client_ready
            .store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(enc.kind()),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..Default::default()
                    },
                )),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::SOURCE,
                            CodeActionKind::new(FIX_ALL_KIND),
                        ]),
                        resolve_provider: Some(true),
                        work_done_progress_options: Default::default(),
                    },
                )),
                workspace: Some(WorkspaceServerCapabilities {
                    workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                        supported: Some(true),
                        change_notifications: Some(OneOf::Left(true)),
                    }),
                    file_operations: None,
                }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: COMMANDS.iter().map(|c| c.to_string()).collect(),
                    work_done_progress_options: Default::default(),
                }),
                ..Default::default()
            },
            server_info: Some(ServerInfo {
                name: "tftsr".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let pending: Vec<String> = std::mem::take(&mut *lock(&self.st.pending_messages));
        if !pending.is_empty() {
            // Messages name files, lines and keys, never values.
            for m in &pending {
                tracing::error!("{m}");
            }
            self.client
                .show_message(MessageType::ERROR, pending.join("\n"))
                .await;
        }
        if self.caps().watch_registration {
            let opts = DidChangeWatchedFilesRegistrationOptions {
                watchers: vec![FileSystemWatcher {
                    glob_pattern: GlobPattern::String(format!("**/{}", Config::FILE_NAME)),
                    kind: None,
                }],
            };
            let reg = Registration {
                id: "tftsr-config-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(opts).ok(),
            };
            if let Err(e) = self.client.register_capability(vec![reg]).await {
                tracing::warn!(error = %e, "could not register the .tftsr.toml watcher");
            }
        }
        self.pull_configuration().await;
        tracing::info!("initialized");
    }

    async fn shutdown(&self) -> Result<()> {
        self.st
            .shutdown
            .store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!("shutdown");
        Ok(())
    }

    async fn did_change_configuration(&self, p: DidChangeConfigurationParams) {
        match p.settings.get("tftsr") {
            Some(v) if v.as_object().is_some_and(|o| !o.is_empty()) => self.apply_settings(v).await,
            _ => self.pull_configuration().await,
        }
    }

    async fn did_change_workspace_folders(&self, p: DidChangeWorkspaceFoldersParams) {
        let mut folders = self.folders();
        folders.change(&p.event.added, &p.event.removed);
        tracing::info!(
            added = p.event.added.len(),
            removed = p.event.removed.len(),
            "workspace folders changed"
        );
        write(&self.st.folders, folders);
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        if p.changes.iter().any(|c| is_config_file(&c.uri)) {
            self.reload_config().await;
        }
    }

    async fn did_save(&self, p: DidSaveTextDocumentParams) {
        if is_config_file(&p.text_document.uri) {
            self.reload_config().await;
        }
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(Some(actions::code_actions(self, &p).await?))
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        actions::resolve(self, action).await
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<Value>> {
        commands::execute(self, p).await.map(Some)
    }
}
