//! Settings (`workspace/didChangeConfiguration`, the `workspace/configuration` pull), the
//! workspace `.tftsr.toml` (watched, re-read on save) and the workspace folders.

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::ls_types::*;

use crate::engine::Config;
use crate::lsp::scheduler;
use crate::lsp::session::{file_name, write, Session};
use crate::lsp::settings::{Settings, TypeIds};

pub async fn did_change_configuration(s: &Arc<Session>, p: DidChangeConfigurationParams) {
    match p.settings.get("tftsr") {
        Some(v) if v.as_object().is_some_and(|o| !o.is_empty()) => apply_settings(s, v).await,
        _ => pull(s).await,
    }
}

/// Asks the client for the `tftsr` section, when it can answer.
pub async fn pull(s: &Arc<Session>) {
    if !s.caps().configuration_pull {
        return;
    }
    let items = vec![ConfigurationItem {
        scope_uri: None,
        section: Some("tftsr".into()),
    }];
    match s.client.configuration(items).await {
        Ok(v) => {
            if let Some(first) = v.into_iter().next() {
                if first.is_object() {
                    apply_settings(s, &first).await;
                }
            }
        }
        Err(e) => tracing::debug!(error = %e, "workspace/configuration failed"),
    }
}

/// Applies a settings object; reports bad values; rescans if the set of findings changes.
pub async fn apply_settings(s: &Arc<Session>, value: &Value) {
    let Some(section) = Settings::section(value) else {
        return;
    };
    let new = match Settings::from_json(section, &TypeIds::of(&s.engine())) {
        Ok(new) => new,
        Err(errors) => {
            // Rejected whole, as the CLI rejects a bad flag: the settings in force stay.
            // The messages name keys, never values.
            for e in &errors {
                tracing::error!("{e}");
            }
            tracing::error!("settings rejected; the previous settings stay in force");
            let msg = format!(
                "{}\ntftsr: settings not applied; the previous settings stay in force",
                super::lifecycle::one_per_line(&errors)
            );
            s.client.show_message(MessageType::ERROR, msg).await;
            return;
        }
    };
    if let (Some(reload), Some(level)) = (&s.log_reload, &new.log_level) {
        reload(level);
    }
    let old = s.settings();
    let rescan = !old.same_findings(&new) || old.globs != new.globs;
    let republish = old.severity != new.severity || old.max_diagnostics != new.max_diagnostics;
    let db_changed = old.database_path != new.database_path;
    write(&s.settings, Arc::new(new));
    if db_changed {
        s.store.reset();
    }
    tracing::info!(rescan, republish, "settings applied");
    if rescan {
        scheduler::rescan_all(s);
    } else if republish {
        scheduler::republish_all(s).await;
    }
}

/// (Re)reads the workspace `.tftsr.toml`. On error the old configuration stays and the user is
/// told where the problem is (the error names file, line and key, never a value).
pub async fn reload_config(s: &Arc<Session>) {
    let Some(path) = s.workspace_config_path(None) else {
        return;
    };
    // Reading and compiling fail the same way for the user: one error path for both.
    match crate::app::engines::engine_for(Some(&path)) {
        Ok(built) => {
            tracing::info!(fingerprint_key = ?built.key, trust = ?built.trust, "engine built");
            if let Some(note) = built.untrusted_note() {
                let note = crate::app::escape::name(&note).into_owned();
                s.client.show_message(MessageType::WARNING, note).await;
            }
            write(&s.engine, Arc::new(built.engine));
            tracing::info!(path = %path.display(), "workspace configuration loaded");
            scheduler::rescan_all(s);
        }
        Err(e) => {
            tracing::error!(error = %e, "workspace configuration rejected");
            s.client
                .show_message(
                    MessageType::ERROR,
                    format!(
                        "tftsr: {} (keeping the previous configuration)",
                        crate::app::escape::name(&e.to_string())
                    ),
                )
                .await;
        }
    }
}

fn is_config_file(uri: &Uri) -> bool {
    file_name(uri) == Config::FILE_NAME
}

pub async fn did_change_watched_files(s: &Arc<Session>, p: DidChangeWatchedFilesParams) {
    if p.changes.iter().any(|c| is_config_file(&c.uri)) {
        reload_config(s).await;
    }
}

pub async fn did_save(s: &Arc<Session>, p: DidSaveTextDocumentParams) {
    if is_config_file(&p.text_document.uri) {
        reload_config(s).await;
    }
}

pub fn did_change_workspace_folders(s: &Session, p: DidChangeWorkspaceFoldersParams) {
    let mut folders = s.folders();
    folders.change(&p.event.added, &p.event.removed);
    tracing::info!(
        added = p.event.added.len(),
        removed = p.event.removed.len(),
        "workspace folders changed"
    );
    write(&s.folders, folders);
}
