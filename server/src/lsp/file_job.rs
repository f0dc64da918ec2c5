//! The editor's long file commands (`tftsr.scanFile`, `tftsr.attachToIssue`): the work runs on a
//! blocking thread held to `app::limits` — the size cap of the `maxFileBytes` setting, progress
//! after each chunk, and cancellation — while this side reports `$/progress` and listens for a
//! cancel.
//!
//! Progress goes to the client's `workDoneToken` when the request carries one, else to a token
//! the server creates (`window/workDoneProgress/create`) when the client supports
//! `window.workDoneProgress`; otherwise there is none. The progress is cancellable.
//!
//! A cancel is either `$/cancelRequest` (tower-lsp then drops the request's future and answers
//! `RequestCancelled`; a guard in the future sets the flag) or `window/workDoneProgress/cancel`
//! for the token (the command then answers `RequestCancelled` itself). The work stops at its next
//! chunk and cleans up as on any error — the temporary file removed, the store's transaction
//! rolled back — and only then is the progress ended (`end`, message `cancelled`): a client that
//! sees the end sees nothing left behind.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tower_lsp_server::ls_types::notification::Progress;
use tower_lsp_server::ls_types::{
    NumberOrString, ProgressParams, ProgressParamsValue, ProgressToken, WorkDoneProgress,
    WorkDoneProgressBegin, WorkDoneProgressEnd, WorkDoneProgressReport,
};

use super::session::{lock, Session};
use crate::app::limits::Limits;

/// What the progress says and how far it can count.
pub struct FileJob {
    /// The progress title (`tftsr: redacting app.log`).
    pub title: String,
    /// The input's size, for a percentage (none for compressed input, whose expanded size is not
    /// known in advance).
    pub total: Option<u64>,
    /// The client's `workDoneToken`, if the request had one.
    pub token: Option<ProgressToken>,
}

/// The progress `end` message for a work's result: `done`, `cancelled` or `failed`.
pub type Outcome<T> = fn(&T) -> &'static str;

/// Sets the flag when dropped unless disarmed: the request's future dropped by `$/cancelRequest`.
struct CancelOnDrop(Option<Arc<AtomicBool>>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(c) = self.0.take() {
            c.store(true, Ordering::SeqCst);
        }
    }
}

fn token_key(t: &ProgressToken) -> String {
    match t {
        NumberOrString::Number(n) => format!("n:{n}"),
        NumberOrString::String(s) => format!("s:{s}"),
    }
}

/// `window/workDoneProgress/cancel`: stops the job of that token, if one runs.
pub fn cancel(s: &Session, token: &ProgressToken) {
    if let Some(c) = lock(&s.file_jobs).get(&token_key(token)) {
        tracing::info!("file command cancelled through its progress token");
        c.store(true, Ordering::SeqCst);
    }
}

async fn send(s: &Session, token: &ProgressToken, value: WorkDoneProgress) {
    s.client
        .send_notification::<Progress>(ProgressParams {
            token: token.clone(),
            value: ProgressParamsValue::WorkDone(value),
        })
        .await;
}

/// The token to report to: the client's, else a new one if the client lets the server create it.
async fn progress_token(s: &Session, given: Option<ProgressToken>) -> Option<ProgressToken> {
    if given.is_some() {
        return given;
    }
    if !s.caps().work_done_progress {
        return None;
    }
    let n = s.seq.fetch_add(1, Ordering::SeqCst);
    let token = ProgressToken::String(format!("tftsr-file-{n}"));
    match s.client.create_work_done_progress(token.clone()).await {
        Ok(()) => Some(token),
        Err(_) => None,
    }
}

/// "12 MiB of 100 MiB" (or "12 MiB read").
fn read_text(read: u64, total: Option<u64>) -> String {
    let mib = |n: u64| format!("{} MiB", n >> 20);
    match total {
        Some(t) => format!("{} of {}", mib(read), mib(t)),
        None => format!("{} read", mib(read)),
    }
}

/// Runs `work` with the session's limits and reports its progress; `None` when the work's task
/// failed (a panic). A cancel reaches `work` as `Limits::at` returning `Stopped::Cancelled`.
pub async fn run<T, F>(s: &Arc<Session>, job: FileJob, outcome: Outcome<T>, work: F) -> Option<T>
where
    T: Send + 'static,
    F: FnOnce(&Limits<'_>) -> T + Send + 'static,
{
    let cancel = Arc::new(AtomicBool::new(false));
    // Dropped with this future on `$/cancelRequest`; disarmed once the work has answered.
    let mut guard = CancelOnDrop(Some(cancel.clone()));
    let token = progress_token(s, job.token).await;
    let max_bytes = s.settings().max_file_bytes;
    // Debug builds only: `TFTSR_TEST_HOLD_FILE_JOB=N` holds the work once it has read N bytes
    // until it is cancelled, so a test can cancel mid-way without racing the work's end.
    let hold: Option<u64> = if cfg!(debug_assertions) {
        std::env::var("TFTSR_TEST_HOLD_FILE_JOB")
            .ok()
            .and_then(|v| v.parse().ok())
    } else {
        None
    };
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let session = s.clone();
    let total = job.total;
    let title = job.title;
    // Detached from the request: once started, the progress gets its end (after the work's
    // cleanup) even when the request's future is dropped.
    tokio::spawn(async move {
        let s = session;
        if let Some(t) = &token {
            lock(&s.file_jobs).insert(token_key(t), cancel.clone());
            send(
                &s,
                t,
                WorkDoneProgress::Begin(WorkDoneProgressBegin {
                    title,
                    cancellable: Some(true),
                    message: Some(read_text(0, total)),
                    percentage: total.map(|_| 0),
                }),
            )
            .await;
        }
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
        let flag = cancel.clone();
        let mut handle = tokio::task::spawn_blocking(move || {
            let progress = |read: u64| {
                let _ = tx.send(read);
                while hold.is_some_and(|at| read >= at) && !flag.load(Ordering::SeqCst) {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            };
            let limits = Limits {
                max_bytes,
                cancel: &flag,
                progress: &progress,
            };
            work(&limits)
        });
        let mut last_percent: Option<u32> = None;
        let mut last_read: u64 = 0;
        let res = loop {
            tokio::select! {
                // Reports first: every one queued before the work ended is sent before the end.
                biased;
                Some(read) = rx.recv() => {
                    let Some(t) = &token else { continue };
                    let percentage = total.map(|t| (read.saturating_mul(100) / t.max(1)).min(99) as u32);
                    // At most one report per percent (or per 16 MiB without a total).
                    let due = match percentage {
                        Some(p) => last_percent != Some(p),
                        None => read - last_read >= 16 << 20 || last_read == 0,
                    };
                    if due {
                        last_percent = percentage;
                        last_read = read;
                        send(&s, t, WorkDoneProgress::Report(WorkDoneProgressReport {
                            cancellable: Some(true),
                            message: Some(read_text(read, total)),
                            percentage,
                        })).await;
                    }
                }
                res = &mut handle => break res,
            }
        };
        if let Some(t) = &token {
            lock(&s.file_jobs).remove(&token_key(t));
            // What happened, not what was asked: a cancel after the last chunk came too late.
            let message = match &res {
                Ok(r) => outcome(r),
                Err(_) => "failed",
            };
            send(
                &s,
                t,
                WorkDoneProgress::End(WorkDoneProgressEnd {
                    message: Some(message.to_owned()),
                }),
            )
            .await;
        }
        let _ = done_tx.send(res.ok());
    });
    let out = done_rx.await.ok().flatten();
    guard.0 = None;
    out
}
