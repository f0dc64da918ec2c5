//! A tower service in front of `LspService` that applies `didOpen`/`didChange`/`didClose`
//! synchronously inside `call`, which the transport invokes once per message in arrival order.
//!
//! Why: tower-lsp runs handlers as concurrent futures that interleave at `.await` points
//! (tower-lsp#284, tower-lsp-server#36), so two quick `didChange`s can be applied out of order
//! and silently corrupt the server's copy of the document under fast typing. Applying them here,
//! before any future is created, makes ordering a property of the transport loop itself.
//! `workspace/didChangeWorkspaceFolders` is applied here too: a request sent right after it
//! (`tftsr.scanFile` into the folder just added) must see the new folders, and as a concurrent
//! future the change could land after that request had checked them (seen under load in CI).
//! Everything else (requests, other notifications) goes to the inner service unchanged.

use std::task::{Context, Poll};

use futures::future::{self, BoxFuture, FutureExt};
use serde::de::DeserializeOwned;
use tower::Service;
use tower_lsp_server::jsonrpc::{Request, Response};
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams,
};
use tower_lsp_server::{ExitedError, LspService};

use super::backend::Backend;
use super::handlers::{configuration, documents};

pub struct Ordered {
    inner: LspService<Backend>,
}

impl Ordered {
    pub fn new(inner: LspService<Backend>) -> Ordered {
        Ordered { inner }
    }

    /// `initialize` has been handled: the server may send the client notifications.
    pub fn client_ready(&self) -> bool {
        self.inner.inner().session.client_ready()
    }
}

fn params<T: DeserializeOwned>(req: Request) -> Option<T> {
    let (method, _, params) = req.into_parts();
    match serde_json::from_value(params.unwrap_or_default()) {
        Ok(p) => Some(p),
        Err(e) => {
            // serde's message may quote a fragment of the input: log only where it failed.
            tracing::error!(
                method = %method,
                line = e.line(),
                column = e.column(),
                "malformed notification parameters ignored"
            );
            None
        }
    }
}

impl Service<Request> for Ordered {
    type Response = Option<Response>;
    type Error = ExitedError;
    type Future = BoxFuture<'static, Result<Option<Response>, ExitedError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // Notifications carry no id; a request named like one is left to the inner service
        // (which answers it with an error).
        if req.id().is_none() {
            let s = &self.inner.inner().session;
            match req.method() {
                "textDocument/didOpen" => {
                    if let Some(p) = params::<DidOpenTextDocumentParams>(req) {
                        let d = p.text_document;
                        documents::open(s, d.uri, d.text, d.version, d.language_id);
                    }
                    return future::ok(None).boxed();
                }
                "textDocument/didChange" => {
                    if let Some(p) = params::<DidChangeTextDocumentParams>(req) {
                        let d = p.text_document;
                        documents::change(s, d.uri, d.version, p.content_changes);
                    }
                    return future::ok(None).boxed();
                }
                "textDocument/didClose" => {
                    if let Some(p) = params::<DidCloseTextDocumentParams>(req) {
                        documents::close(s, p.text_document.uri);
                    }
                    return future::ok(None).boxed();
                }
                "workspace/didChangeWorkspaceFolders" => {
                    if let Some(p) = params::<DidChangeWorkspaceFoldersParams>(req) {
                        configuration::did_change_workspace_folders(s, p);
                    }
                    return future::ok(None).boxed();
                }
                _ => {}
            }
        }
        self.inner.call(req)
    }
}
