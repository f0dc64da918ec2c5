//! `initialize`, `initialized`, `shutdown`: what the client supports, the workspace, the
//! configuration and settings to start with, and the capabilities the server advertises.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;

use super::code_actions::FIX_ALL_KIND;
use super::configuration;
use crate::engine::Config;
use crate::lsp::command::Command;
use crate::lsp::position::Encoding;
use crate::lsp::session::{lock, write, Caps, Session};
use crate::lsp::settings::{Settings, TypeIds};
use crate::lsp::workspace::Folders;

pub fn initialize(s: &Arc<Session>, params: InitializeParams) -> Result<InitializeResult> {
    let caps_json = serde_json::to_value(&params.capabilities).unwrap_or_default();
    let caps = Caps::from_json(&caps_json);
    let enc = Encoding::negotiate(
        params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref()),
    );
    write(&s.enc, enc);
    tracing::info!(?caps, encoding = ?enc, "initialize");
    write(&s.caps, caps);
    #[allow(deprecated)]
    let root = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .map(|f| f.uri.clone())
        .or(params.root_uri.clone())
        .filter(|u| u.scheme().as_str() == "file")
        .and_then(|u| u.to_file_path().map(|p| p.into_owned()));
    write(&s.root, root);
    #[allow(deprecated)]
    let folders = match &params.workspace_folders {
        Some(f) if !f.is_empty() => Folders::from_uris(f.iter().map(|f| &f.uri)),
        _ => Folders::from_uris(params.root_uri.iter()),
    };
    write(&s.folders, folders);
    // The engine's configuration must be in place before the first didOpen is scanned, and
    // before the settings, which may name its custom rules.
    // Built even without a configuration file: the engine carries the fingerprint key.
    let path = s.workspace_config_path(None);
    match crate::app::engines::engine_for(path.as_deref()) {
        Ok(built) => {
            tracing::info!(fingerprint_key = ?built.key, trust = ?built.trust, "engine built");
            lock(&s.pending_messages).extend(built.untrusted_note());
            write(&s.engine, Arc::new(built.engine))
        }
        Err(e) => lock(&s.pending_messages).push(format!("tftsr: {e} (using the defaults)")),
    }
    if let Some(opts) = &params.initialization_options {
        if let Some(section) = Settings::section(opts) {
            match Settings::from_json(section, &TypeIds::of(&s.engine())) {
                Ok(new) => {
                    if let (Some(reload), Some(level)) = (&s.log_reload, &new.log_level) {
                        reload(level);
                    }
                    write(&s.settings, Arc::new(new));
                }
                Err(errors) => lock(&s.pending_messages).extend(
                    errors
                        .into_iter()
                        .chain(["tftsr: settings rejected; using the defaults".to_owned()]),
                ),
            }
        }
    }
    // From here on tower-lsp's client sends notifications; the direct publish path follows.
    s.client_ready.store(true, Ordering::SeqCst);
    Ok(InitializeResult {
        capabilities: capabilities(enc),
        server_info: Some(ServerInfo {
            name: "tftsr".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        offset_encoding: None,
    })
}

fn capabilities(enc: Encoding) -> ServerCapabilities {
    ServerCapabilities {
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
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::SOURCE,
                CodeActionKind::new(FIX_ALL_KIND),
            ]),
            resolve_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: Command::names(),
            // The file commands report progress to the request's `workDoneToken`.
            work_done_progress_options: WorkDoneProgressOptions {
                work_done_progress: Some(true),
            },
        }),
        ..Default::default()
    }
}

pub async fn initialized(s: &Arc<Session>) {
    let pending: Vec<String> = std::mem::take(&mut *lock(&s.pending_messages));
    if !pending.is_empty() {
        // Messages name files, lines and keys, never values.
        for m in &pending {
            tracing::error!("{m}");
        }
        s.client
            .show_message(MessageType::ERROR, one_per_line(&pending))
            .await;
    }
    if s.caps().watch_registration {
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
        if let Err(e) = s.client.register_capability(vec![reg]).await {
            tracing::warn!(error = %e, "could not register the .tftsr.toml watcher");
        }
    }
    configuration::pull(s).await;
    tracing::info!("initialized");
}

pub fn shutdown(s: &Session) -> Result<()> {
    s.shutdown.store(true, Ordering::SeqCst);
    tracing::info!("shutdown");
    Ok(())
}

/// Messages for `window/showMessage`, one per line: each escaped (a file name or a settings key
/// from outside cannot add a line or a terminal escape of its own).
pub fn one_per_line(messages: &[String]) -> String {
    let escaped: Vec<_> = messages
        .iter()
        .map(|m| crate::app::escape::name(m))
        .collect();
    escaped.join("\n")
}
