//! `Backend`, what tower-lsp serves: the session, and the one `LanguageServer` implementation,
//! which routes each method to its handler. Document notifications never reach it: `Ordered`
//! applies them on arrival (see `ordered.rs`).

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{LanguageServer, LspService};

use super::handlers::{code_actions, commands, configuration, documents, lifecycle};
use super::session::{LogReload, Session};

pub struct Backend {
    pub session: Arc<Session>,
}

impl Backend {
    /// The service and its client socket, with the server's custom request.
    pub fn service(
        log_reload: Option<LogReload>,
    ) -> (LspService<Backend>, tower_lsp_server::ClientSocket) {
        LspService::build(|client| Backend {
            session: Arc::new(Session::new(client, log_reload)),
        })
        .custom_method("tftsr/documentText", Backend::document_text)
        // tower-lsp's `LanguageServer` has no hook for it: the cancel button of a file
        // command's progress (see `file_job.rs`).
        .custom_method(
            "window/workDoneProgress/cancel",
            Backend::work_done_progress_cancel,
        )
        .finish()
    }

    async fn work_done_progress_cancel(&self, p: WorkDoneProgressCancelParams) {
        super::file_job::cancel(&self.session, &p.token);
    }

    async fn document_text(&self, p: documents::UriParam) -> Result<Value> {
        documents::document_text(&self.session, p)
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        lifecycle::initialize(&self.session, params)
    }

    async fn initialized(&self, _: InitializedParams) {
        lifecycle::initialized(&self.session).await
    }

    async fn shutdown(&self) -> Result<()> {
        lifecycle::shutdown(&self.session)
    }

    async fn did_change_configuration(&self, p: DidChangeConfigurationParams) {
        configuration::did_change_configuration(&self.session, p).await
    }

    async fn did_change_workspace_folders(&self, p: DidChangeWorkspaceFoldersParams) {
        configuration::did_change_workspace_folders(&self.session, p)
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        configuration::did_change_watched_files(&self.session, p).await
    }

    async fn did_save(&self, p: DidSaveTextDocumentParams) {
        configuration::did_save(&self.session, p).await
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        code_actions::code_action(&self.session, &p).await.map(Some)
    }

    async fn code_action_resolve(&self, action: CodeAction) -> Result<CodeAction> {
        code_actions::resolve(&self.session, action).await
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<Value>> {
        commands::execute(&self.session, p).await.map(Some)
    }
}
