//! When documents are scanned and their diagnostics published: the debounce after an edit, one
//! scan per document at a time on the blocking pool (see `document.rs` for why that makes the
//! index exact), the merge of its result, and publishing — only for an index that is current,
//! never an older set over a newer one.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tower_lsp_server::ls_types::{Diagnostic, ProgressToken, Uri};

use super::document::{self, JobKind, Merged, ScanJob};
use super::protocol::{diagnostics_json, DiagsJson};
use super::session::{file_name, lock, scheme_ok, shown_name, Session};

/// Documents above this size get `$/progress` for their first scan (when the client supports it).
const PROGRESS_THRESHOLD: usize = 4 * 1024 * 1024;

/// Schedules a (debounced) scan of a document; a later schedule supersedes this one.
pub fn schedule(s: &Arc<Session>, uri: Uri, delay: Duration) {
    let gen = {
        let mut docs = lock(&s.docs);
        let Some(doc) = docs.get_mut(&uri) else {
            return;
        };
        doc.generation += 1;
        doc.generation
    };
    let s = s.clone();
    tokio::spawn(async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        run_scan(&s, uri, gen).await;
    });
}

/// Publishes an empty set for a document (closed, or no longer tracked).
pub fn clear(s: &Arc<Session>, uri: Uri) {
    let s = s.clone();
    let seq = s.next_seq();
    tokio::spawn(async move { publish(&s, uri, DiagsJson::empty(), None, seq).await });
}

/// Marks every tracked document for a full rescan (configuration changed) and schedules it.
pub fn rescan_all(s: &Arc<Session>) {
    let uris: Vec<Uri> = {
        let settings = s.settings();
        let mut docs = lock(&s.docs);
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
        let tracked = lock(&s.docs).get(&uri).is_some_and(|d| d.tracked);
        if tracked {
            schedule(s, uri, Duration::ZERO);
        } else {
            clear(s, uri);
        }
    }
}

/// Publishes every current document again (severities or the cap changed, not the findings).
pub async fn republish_all(s: &Arc<Session>) {
    let items: Vec<(Uri, DiagsJson, i32, u64)> = {
        let (engine, settings, enc) = (s.engine(), s.settings(), s.enc());
        let docs = lock(&s.docs);
        docs.iter()
            .filter(|(_, d)| d.tracked && d.scanned_version.is_some() && d.index_is_current())
            .map(|(u, d)| {
                let diags = diagnostics_json(d, &engine, &settings, enc);
                (u.clone(), diags, d.version, s.next_seq())
            })
            .collect()
    };
    for (uri, diags, v, seq) in items {
        publish(s, uri, diags, Some(v), seq).await;
    }
}

async fn run_scan(s: &Arc<Session>, uri: Uri, gen: u64) {
    let taken = {
        let mut docs = lock(&s.docs);
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
                publish_current(s, &uri).await;
            }
            return;
        }
    };
    let was_full = job.is_full();
    let (job_id, job_epoch, job_version) = (job.id, job.epoch, job.version);
    let progress = if big && s.caps().work_done_progress {
        begin_progress(s, &uri).await
    } else {
        None
    };
    // Read after the job was taken: a configuration change since then has bumped the epoch
    // (after replacing engine and settings), so a result built with the old ones is dropped.
    let engine = s.engine();
    let keep = s.keep_filter();
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
            if let Some(doc) = lock(&s.docs).get_mut(&uri) {
                // The next edit (or configuration change) tries again with a full scan:
                // retrying at once could spin on an input that makes the engine panic.
                doc.scan_failed(job_id, job_epoch);
            }
            return;
        }
    };
    let scanned = res.findings();
    // A just-opened document's rope may still be in the making (see `handlers::documents`).
    loop {
        match lock(&s.docs).get(&uri) {
            None => return,
            Some(d) if d.rope_ready => break,
            Some(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let (merged, rescan) = {
        let mut docs = lock(&s.docs);
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
    if merged == Merged::Current {
        publish_current(s, &uri).await;
    } else if rescan {
        // Edits arrived during the scan: their regions are rescanned first, so a
        // half-updated set is never published.
        schedule(s, uri, Duration::ZERO);
    }
}

/// Publishes the diagnostics of a document whose index is current (else nothing: the scan
/// that makes it current publishes).
async fn publish_current(s: &Arc<Session>, uri: &Uri) {
    let out = {
        let (engine, settings, enc) = (s.engine(), s.settings(), s.enc());
        let mut docs = lock(&s.docs);
        let Some(doc) = docs.get_mut(uri).filter(|d| d.index_is_current()) else {
            return;
        };
        doc.scanned_version = Some(doc.version);
        let seq = s.next_seq();
        let diags = diagnostics_json(doc, &engine, &settings, enc);
        (diags, doc.version, seq, doc.findings().len())
    };
    let (diags, version, seq, total) = out;
    let started = std::time::Instant::now();
    publish(s, uri.clone(), diags, Some(version), seq).await;
    tracing::info!(
        uri = uri.as_str(),
        version,
        findings = total,
        publish_ms = started.elapsed().as_secs_f64() * 1000.0,
        "diagnostics published"
    );
}

async fn begin_progress(
    s: &Session,
    uri: &Uri,
) -> Option<
    tower_lsp_server::OngoingProgress<
        tower_lsp_server::Unbounded,
        tower_lsp_server::NotCancellable,
    >,
> {
    let n = s.seq.fetch_add(1, Ordering::SeqCst);
    let token = ProgressToken::String(format!("tftsr-scan-{n}"));
    if s.client
        .create_work_done_progress(token.clone())
        .await
        .is_err()
    {
        return None;
    }
    Some(
        s.client
            .progress(token, "tftsr: scanning for PII")
            .with_message(shown_name(uri))
            .begin()
            .await,
    )
}

async fn publish(s: &Session, uri: Uri, diags: DiagsJson, version: Option<i32>, seq: u64) {
    let mut published = s.published.lock().await;
    let last = published.entry(uri.clone()).or_insert(0);
    if *last > seq {
        return;
    }
    *last = seq;
    match s.outbox.get() {
        Some(outbox) => {
            if s.client_ready() {
                // Sent while `published` is held, like the client path: publishes of a
                // document leave in sequence order.
                if outbox.send(diags.notification(&uri, version)).is_err() {
                    tracing::error!("failed to send notification");
                }
            }
        }
        None => match serde_json::from_slice::<Vec<Diagnostic>>(diags.as_bytes()) {
            Ok(d) => s.client.publish_diagnostics(uri, d, version).await,
            Err(e) => tracing::error!(error = %e, "diagnostics not serializable"),
        },
    }
}
