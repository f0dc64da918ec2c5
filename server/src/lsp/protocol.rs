//! Every conversion from the server's own values to protocol types, beside `position.rs` (which
//! converts positions): diagnostics (serialized straight to JSON for `publishDiagnostics`),
//! severities, messages, text edits, and the JSON-RPC errors of replies — which never echo a
//! value that was sent or found, only the field it concerns.

use std::collections::HashMap;

use ropey::Rope;
use serde_json::json;
use tower_lsp_server::jsonrpc::{Error, ErrorCode};
use tower_lsp_server::ls_types::{
    DiagnosticSeverity, Position, Range, TextEdit, Uri, WorkspaceEdit,
};

use super::document::Doc;
use super::position::{Encoding, Walker};
use super::settings::Settings;
use super::workspace::Refusal;
use crate::app::attach::AttachError;
use crate::app::limits::{size_text, Stopped};
use crate::app::output::OutputError;
use crate::app::redact::RedactError;
use crate::app::review::ReviewError;
use crate::engine::{Engine, Kind, Severity};
use crate::store::StoreError;

// ----- diagnostics -----

pub fn severity_to_lsp(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Information => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// "Email address (email): redact before sharing": names the type, never the value.
pub fn message(engine: &Engine, kind: &Kind) -> String {
    // A custom rule's label and id come from a configuration file: escaped like any name.
    use crate::app::escape::name;
    format!(
        "{} ({}): redact before sharing",
        name(engine.label(kind)),
        name(kind.id())
    )
}

fn truncated_message(more: usize, max: usize, total: usize) -> String {
    format!(
        "{more} more PII findings in this file are not shown (maxDiagnostics = {max}); \
         \"Redact all PII in file\" covers all {total}"
    )
}

/// The serialized `diagnostics` array of a publishDiagnostics notification.
pub struct DiagsJson(Vec<u8>);

impl DiagsJson {
    pub fn empty() -> DiagsJson {
        DiagsJson(b"[]".to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The framed notification (header + body), as tower-lsp would have written it.
    pub fn notification(&self, uri: &Uri, version: Option<i32>) -> Vec<u8> {
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

/// Diagnostics for a document: the first `maxDiagnostics` findings plus one summary,
/// serialized straight to the JSON array of `publishDiagnostics.params.diagnostics` (no
/// `Diagnostic` structs, no `serde_json::Value` tree: a 50 MB log has half a million).
/// Findings are sorted, so positions are converted walking forward through the rope.
pub fn diagnostics_json(
    doc: &Doc,
    engine: &Engine,
    settings: &Settings,
    enc: Encoding,
) -> DiagsJson {
    let max = settings.max_diagnostics;
    let findings = doc.findings();
    let shown = findings.len().min(max);
    let mut out = Vec::with_capacity(64 + shown * 320);
    out.push(b'[');
    let mut walker = Walker::new(&doc.rope, enc);
    // Messages and severities depend on the type only.
    let mut per_kind: HashMap<&str, (u8, Vec<u8>)> = HashMap::new();
    for (i, f) in findings.iter().take(max).enumerate() {
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
            (sev, json_str(&message(engine, &f.kind)))
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
        out.extend_from_slice(engine.fingerprint(&value).as_bytes());
        out.extend_from_slice(b"\",\"type\":");
        out.extend_from_slice(&id_json);
        out.extend_from_slice(format!(",\"version\":{}}}}}", doc.version).as_bytes());
    }
    if findings.len() > max {
        let (more, total) = (findings.len() - max, findings.len());
        if shown > 0 {
            out.push(b',');
        }
        write_range(&mut out, Position::new(0, 0), Position::new(0, 0));
        out.extend_from_slice(
            b",\"severity\":3,\"code\":\"tftsr.truncated\",\"source\":\"tftsr\",\"message\":",
        );
        out.extend_from_slice(&json_str(&truncated_message(more, max, total)));
        out.extend_from_slice(
            format!(",\"data\":{{\"more\":{more},\"total\":{total}}}}}").as_bytes(),
        );
    }
    out.push(b']');
    DiagsJson(out)
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

// ----- edits -----

/// Replacements `(start, end, new text)` in byte offsets, sorted, as LSP text edits.
pub fn text_edits(
    rope: &Rope,
    enc: Encoding,
    spans: impl IntoIterator<Item = (usize, usize, String)>,
) -> Vec<TextEdit> {
    let mut walker = Walker::new(rope, enc);
    spans
        .into_iter()
        .map(|(s, e, new_text)| TextEdit {
            range: Range::new(walker.position(s), walker.position(e)),
            new_text,
        })
        .collect()
}

pub fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    }
}

// ----- errors of replies -----

/// A bad argument (`-32602`); the message names the field, never its value.
pub fn err(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: msg.into().into(),
        data: None,
    }
}

/// The operation failed (`-32603`).
pub fn failed(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: msg.into().into(),
        data: None,
    }
}

/// The request cannot be served now (`-32600`): say, the store cannot open.
pub fn invalid_request(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidRequest,
        message: msg.into().into(),
        data: None,
    }
}

/// The refusal of a path argument, with `data.reason` for the client to act on (ask the user,
/// then send the command again with the flag).
pub fn refused(cmd: &str, field: &str, why: Refusal) -> Error {
    let (reason, message) = match why {
        Refusal::Outside => (
            "outsideWorkspace",
            format!(
                "{cmd}: `{field}` is outside the workspace folders; send `allowOutsideWorkspace: \
                 true` once the user has confirmed"
            ),
        ),
        Refusal::Missing => (
            "missing",
            format!("{cmd}: `{field}` does not exist (nor its directory)"),
        ),
    };
    Error {
        code: ErrorCode::InvalidParams,
        message: message.into(),
        data: Some(json!({"reason": reason, "field": field})),
    }
}

/// `output` exists and the arguments did not say `overwrite: true`.
pub fn exists(cmd: &str) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: format!("{cmd}: `output` already exists; send `overwrite: true` to replace it")
            .into(),
        data: Some(json!({"reason": "outputExists", "field": "output"})),
    }
}

/// A file command stopped by its limits: over the size cap (naming the cap and the setting,
/// never the content) or cancelled (`-32800`, as for `$/cancelRequest`).
pub fn stopped(what: &str, field: &str, why: Stopped, left: &str) -> Error {
    match why {
        Stopped::TooLarge(cap) => Error {
            code: ErrorCode::InvalidParams,
            message: format!(
                "{what}: `{field}` is larger than the limit of {} (setting `maxFileBytes`); {left}",
                size_text(cap)
            )
            .into(),
            data: Some(json!({"reason": "tooLarge", "field": field, "limit": cap})),
        },
        Stopped::Cancelled => Error {
            code: ErrorCode::RequestCancelled,
            message: format!("{what}: cancelled; {left}").into(),
            data: Some(json!({"reason": "cancelled"})),
        },
    }
}

/// An error of an operation as a command's reply, never echoing what the caller sent: the app's
/// and the store's messages name files, ids or values given; here the fields do.
pub trait Reply {
    fn reply(&self, what: &str) -> Error;
}

impl Reply for StoreError {
    fn reply(&self, what: &str) -> Error {
        match self {
            StoreError::Invalid { field, message } => {
                // "`<value>` (expected one of …)": keep only what was expected.
                let expected = message
                    .find("(expected")
                    .map(|i| format!(" {}", &message[i..]))
                    .unwrap_or_default();
                let why = if message.contains('`') {
                    expected
                } else {
                    format!(": {message}")
                };
                err(format!("{what}: invalid `{field}`{why}"))
            }
            StoreError::NotFound { entity, .. } => {
                err(format!("{what}: no {entity} with the given id"))
            }
            StoreError::Db { context, source } => failed(format!(
                "{what}: database error while {context} ({:?})",
                source.sqlite_error_code()
            )),
            e => failed(format!("{what}: {e}")),
        }
    }
}

impl Reply for AttachError {
    fn reply(&self, what: &str) -> Error {
        match self {
            AttachError::Store(e) => e.reply(what),
            AttachError::Open { source, .. } => {
                failed(format!("{what}: cannot read `uri`: {source}"))
            }
            AttachError::Decompress { source, .. } => {
                failed(format!("{what}: cannot decompress `uri`: {source}"))
            }
            AttachError::Read { source, .. } => {
                failed(format!("{what}: read error in `uri`: {source}"))
            }
            AttachError::Stopped(st) => stopped(what, "uri", *st, "nothing was stored"),
        }
    }
}

impl Reply for ReviewError {
    fn reply(&self, what: &str) -> Error {
        match self {
            ReviewError::Attach(e) => e.reply(what),
            ReviewError::Store(e) => e.reply(what),
            ReviewError::Temp { source, .. } => failed(format!(
                "{what}: cannot hold the cleaned copy beside the store: {source}"
            )),
            ReviewError::Stopped => failed(format!("{what}: stopped; nothing was stored")),
        }
    }
}

impl Reply for RedactError {
    fn reply(&self, what: &str) -> Error {
        let msg = match self {
            // Created meanwhile (the check before is not atomic, the final rename is).
            RedactError::Output(OutputError::Exists(_)) => return exists(what),
            RedactError::SameFile(_) => {
                return err(format!("{what}: `output` is the input file (`path`)"))
            }
            RedactError::Open { source, .. } => format!("cannot read `path`: {source}"),
            RedactError::Decompress { source, .. } => format!("cannot decompress `path`: {source}"),
            RedactError::Read { source, .. } => format!("read error in `path`: {source}"),
            RedactError::Write(source) => format!("cannot write `output`: {source}"),
            RedactError::Output(o) => match o {
                OutputError::NotAFileName(_) => "`output` is not a file name".to_owned(),
                OutputError::Create { source, .. } => {
                    format!("cannot create a temporary file beside `output`: {source}")
                }
                OutputError::Write { source, .. } => format!("cannot write `output`: {source}"),
                OutputError::Replace { source, .. } => {
                    format!("cannot replace `output`: {source}")
                }
                OutputError::Exists(_) => unreachable!("handled above"),
            },
            RedactError::InPlaceStdin | RedactError::NotRegular(_) => {
                "`path` is not a regular file".to_owned()
            }
            RedactError::Binary(_) => "`path` is a binary file: not redacted".to_owned(),
            RedactError::Stopped(st) => return stopped(what, "path", *st, "nothing was written"),
        };
        failed(format!("{what}: {msg}"))
    }
}

#[cfg(test)]
#[path = "../../../tests/common/corpus.rs"]
mod corpus;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Finding;
    use serde_json::Value;
    use tower_lsp_server::ls_types::{Diagnostic, NumberOrString};

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
            range: super::super::position::span_to_range(&doc.rope, f.start, f.end, enc),
            severity: Some(severity_to_lsp(severity)),
            code: Some(NumberOrString::String(id.to_owned())),
            source: Some("tftsr".into()),
            message: message(engine, &f.kind),
            data: Some(json!({
                "type": id,
                "fingerprint": engine.fingerprint(&value),
                "version": doc.version,
            })),
            ..Default::default()
        }
    }

    /// The diagnostics built as `Diagnostic` structs: the reference `diagnostics_json` is
    /// checked against.
    fn diagnostics_reference(
        doc: &Doc,
        engine: &Engine,
        settings: &Settings,
        enc: Encoding,
    ) -> Vec<Diagnostic> {
        let max = settings.max_diagnostics;
        let total = doc.findings().len();
        let mut out: Vec<Diagnostic> = doc
            .findings()
            .iter()
            .take(max)
            .map(|f| finding_diagnostic(doc, f, engine, settings, enc))
            .collect();
        if total > max {
            let more = total - max;
            out.push(Diagnostic {
                range: Range::new(Position::new(0, 0), Position::new(0, 0)),
                severity: Some(DiagnosticSeverity::INFORMATION),
                code: Some(NumberOrString::String("tftsr.truncated".into())),
                source: Some("tftsr".into()),
                message: truncated_message(more, max, total),
                data: Some(json!({"more": more, "total": total})),
                ..Default::default()
            });
        }
        out
    }

    /// Real loghub lines with findings, multibyte text and CRLF/CR line ends: the diagnostics
    /// serialized directly must be exactly the `Diagnostic`s built the reference way, in both
    /// position encodings, with and without the truncation summary.
    #[test]
    fn direct_json_matches_reference_diagnostics() {
        let corpus = corpus::loghub_file("OpenSSH_2k.log");
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
        let engine = Engine::with_defaults();
        let mut doc = Doc::new(text.clone(), 7, "log".into(), true);
        doc.set_findings_for_test(engine.scan(&text));
        assert!(doc.findings().len() > 300, "{}", doc.findings().len());
        for enc in [Encoding::Utf16, Encoding::Utf8] {
            for max in [1000, 25, 0] {
                let s = Settings {
                    max_diagnostics: max,
                    ..Default::default()
                };
                let direct: Value =
                    serde_json::from_slice(diagnostics_json(&doc, &engine, &s, enc).as_bytes())
                        .expect("valid JSON");
                let reference =
                    serde_json::to_value(diagnostics_reference(&doc, &engine, &s, enc)).unwrap();
                assert_eq!(direct, reference, "{enc:?} max {max}");
            }
        }
        // the framed notification is what tower-lsp's client would send
        let s = Settings::default();
        let enc = Encoding::Utf16;
        let uri: Uri = "file:///tmp/a%20b.log".parse().unwrap();
        let framed = diagnostics_json(&doc, &engine, &s, enc).notification(&uri, Some(7));
        let text = String::from_utf8(framed).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert_eq!(head, format!("Content-Length: {}", body.len()));
        let params = tower_lsp_server::ls_types::PublishDiagnosticsParams::new(
            uri.clone(),
            diagnostics_reference(&doc, &engine, &s, enc),
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
