//! The language server (`tftsr lsp`), in the shape of the model servers:
//!
//! - `transport`: Content-Length framing over stdio (it recovers from broken frames), and the
//!   dispatch of each message in arrival order through `ordered` (the tower wrapper applying
//!   didOpen/didChange/didClose synchronously);
//! - `backend`: what tower-lsp serves: the one `LanguageServer` implementation, routing each
//!   method to `handlers/` (one file per request family: lifecycle, documents, configuration,
//!   code actions, commands, issues);
//! - `session`: the state (documents, engine, settings, client capabilities, workspace, store)
//!   and document snapshots;
//! - `scheduler`: debounce, scans on the blocking pool, merges, publishing;
//! - `document`: rope + sorted findings index + the incremental-rescan bookkeeping that keeps
//!   the index a full scan of the text;
//! - `redaction`: planning the redaction of a document; `storage`: the store, keys and audit;
//! - `command`: the one list of commands (advertised and dispatched); `file_job`: the file
//!   commands' size cap, progress and cancellation;
//! - `protocol`: every conversion to protocol types (diagnostics, edits, errors), beside
//!   `position`: the only place bytes become LSP positions and back;
//! - `settings`: the `tftsr` settings section; `workspace`: folders and the file-command rule;
//!   `memory`: closed documents' memory back to the system.
//!
//! The operations shared with the CLI (redact a file, attach a log, build the engine, keys) are
//! `crate::app`'s: the server only translates arguments and results.
//!
//! `run_stdio` serves stdin/stdout; `serve_io` any pair of streams (the fuzzer drives it in memory).
//!
//! Never log document text, matched values or keys: URIs, versions, counts and type ids only.

mod backend;
mod command;
pub mod document;
mod file_job;
mod handlers;
mod memory;
mod ordered;
pub mod position;
mod protocol;
mod redaction;
mod scheduler;
mod session;
pub mod settings;
mod storage;
mod transport;
pub mod workspace;

use std::sync::atomic::Ordering;
use std::time::Duration;

pub use backend::Backend;
pub use ordered::Ordered;
pub use session::LogReload;

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
    let (service, socket) = Backend::service(log_reload);
    let session = service.inner().session.clone();
    let (direct_tx, direct_rx) = tokio::sync::mpsc::unbounded_channel();
    let _ = session.outbox.set(direct_tx);
    let ordered = Ordered::new(service);
    let end = transport::serve(input, output, ordered, socket, direct_rx).await;
    if end == transport::End::Eof {
        tracing::warn!("input ended without `exit`");
    }
    if session.shutdown.load(Ordering::SeqCst) {
        0
    } else {
        1
    }
}
