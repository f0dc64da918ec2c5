//! `textDocument/didOpen`, `didChange`, `didClose` — applied synchronously, in arrival order,
//! from `Ordered::call` (never as concurrent futures: two quick edits must not swap) — and the
//! custom `tftsr/documentText`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{MessageType, TextDocumentContentChangeEvent, Uri};

use crate::lsp::document::Doc;
use crate::lsp::scheduler;
use crate::lsp::session::{lock, scheme_ok, shown_name, Session};

pub fn open(s: &Arc<Session>, uri: Uri, text: String, version: i32, language_id: String) {
    if !scheme_ok(&uri) {
        tracing::debug!(
            uri = uri.as_str(),
            "ignoring document with unsupported scheme"
        );
        return;
    }
    let tracked = s.is_tracked(&uri, &language_id);
    tracing::info!(
        uri = uri.as_str(),
        version,
        bytes = text.len(),
        tracked,
        "didOpen"
    );
    // The first scan needs only the text: start it, then build the rope meanwhile. This still
    // happens inside the ordered dispatch, so no later notification or request sees the
    // document before its rope is ready; only the scan task can, and it waits for it.
    let t = std::time::Instant::now();
    let text = Arc::new(text);
    let doc = Doc::pending(text.clone(), version, language_id, tracked);
    lock(&s.docs).insert(uri.clone(), doc);
    if tracked {
        scheduler::schedule(s, uri.clone(), Duration::ZERO);
    }
    let rope = ropey::Rope::from_str(&text);
    if let Some(d) = lock(&s.docs).get_mut(&uri) {
        if !d.rope_ready {
            d.rope = rope;
            d.rope_ready = true;
        }
    }
    tracing::debug!(ms = t.elapsed().as_secs_f64() * 1000.0, "document built");
}

pub fn change(
    s: &Arc<Session>,
    uri: Uri,
    version: i32,
    changes: Vec<TextDocumentContentChangeEvent>,
) {
    let enc = s.enc();
    let outcome = {
        let mut docs = lock(&s.docs);
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
            let delay = Duration::from_millis(s.settings().debounce_ms);
            scheduler::schedule(s, uri, delay);
        }
        Ok(false) => {}
        Err(e) => {
            // The error names positions only, never text.
            tracing::error!(uri = uri.as_str(), version, error = %e, "rejected didChange; document unchanged");
            let client = s.client.clone();
            let msg = format!(
                "tftsr: rejected an edit to {} ({e}); the server's copy may now differ from the editor's, reopen the file",
                shown_name(&uri)
            );
            tokio::spawn(async move { client.show_message(MessageType::ERROR, msg).await });
        }
    }
}

pub fn close(s: &Arc<Session>, uri: Uri) {
    let was = lock(&s.docs).remove(&uri);
    tracing::info!(uri = uri.as_str(), "didClose");
    if let Some(doc) = was {
        let tracked = doc.tracked;
        s.trimmer.release(doc);
        if tracked {
            scheduler::clear(s, uri);
        }
    }
}

#[derive(serde::Deserialize)]
pub struct UriParam {
    pub uri: Uri,
}

/// `tftsr/documentText`: the SHA-256 of the server's copy of a document (never the text), so
/// tests and clients can check it matches the editor's.
pub fn document_text(s: &Session, p: UriParam) -> Result<Value> {
    let docs = lock(&s.docs);
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
