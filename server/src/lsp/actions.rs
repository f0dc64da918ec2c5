//! Code actions (docs/lsp-protocol.md "Code actions"). A request arrives on every cursor move,
//! so finding what is under the cursor is a binary search in the sorted index, and the bulk
//! edits are only computed on `codeAction/resolve` when the client supports it.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::*;

use ropey::Rope;

use super::document::full_scan;
use super::position::{range_to_span, span_to_range, Encoding, Walker};
use super::server::FIX_ALL_KIND;
use super::{lock, Backend};
use crate::engine::redact::{Redactor, Style};
use crate::engine::{fingerprint, Engine, Finding};

/// Which findings a redaction covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Type(String),
    Types(Vec<String>),
}

impl Scope {
    fn matches(&self, f: &Finding) -> bool {
        match self {
            Scope::All => true,
            Scope::Type(t) => f.kind.id() == t,
            Scope::Types(ts) => ts.iter().any(|t| t == f.kind.id()),
        }
    }
}

/// A redaction of a document: the LSP edits plus what the audit log records (no values).
pub struct Plan {
    pub edits: Vec<TextEdit>,
    pub by_type: BTreeMap<String, usize>,
    pub sha_before: String,
    pub sha_after: String,
}

impl Plan {
    pub fn count(&self) -> usize {
        self.edits.len()
    }
}

/// Plans the redaction of `findings` (of the text in `rope`) in `scope`.
/// `hashes`: also compute the SHA-256 of the text before and after (for the audit log; costly
/// on a big document, so not for code actions that may never be applied).
#[allow(clippy::too_many_arguments)]
pub fn plan(
    rope: &Rope,
    findings: &[Finding],
    engine: &Engine,
    style: Style,
    key: [u8; 32],
    enc: Encoding,
    scope: &Scope,
    hashes: bool,
) -> Plan {
    let redactor = Redactor::new(engine, style, key);
    let mut edits = Vec::new();
    let mut by_type = BTreeMap::new();
    let mut before = Sha256::new();
    let mut after = Sha256::new();
    let mut pos = 0;
    if hashes {
        for chunk in rope.chunks() {
            before.update(chunk.as_bytes());
        }
    }
    let mut walker = Walker::new(rope, enc);
    for f in findings.iter().filter(|f| scope.matches(f)) {
        let value = rope.byte_slice(f.start..f.end).to_string();
        let replacement = redactor.replacement(f, &value);
        if hashes {
            for chunk in rope.byte_slice(pos..f.start).chunks() {
                after.update(chunk.as_bytes());
            }
            after.update(replacement.as_bytes());
        }
        pos = f.end;
        *by_type.entry(f.kind.id().to_owned()).or_insert(0) += 1;
        edits.push(TextEdit {
            range: Range::new(walker.position(f.start), walker.position(f.end)),
            new_text: replacement,
        });
    }
    if hashes {
        for chunk in rope.byte_slice(pos..).chunks() {
            after.update(chunk.as_bytes());
        }
    }
    Plan {
        edits,
        by_type,
        sha_before: hex::encode(before.finalize()),
        sha_after: hex::encode(after.finalize()),
    }
}

/// How many times a bulk redaction is planned again when the document changed meanwhile.
const PLAN_ATTEMPTS: usize = 3;

/// Plans a bulk redaction of an open document from a *fresh full scan of the text it edits*,
/// never from the index (which lags behind while edits are being rescanned): the text is
/// snapshotted, scanned and planned off the lock, and the plan is returned only if the document
/// is still at that version (else planned again). Returns the plan and the version it is for.
pub async fn plan_fresh(
    b: &Backend,
    uri: &Uri,
    style: Style,
    key: [u8; 32],
    scope: &Scope,
    hashes: bool,
) -> std::result::Result<(Plan, i32), PlanError> {
    let engine = b.engine();
    let enc = b.enc();
    let scope = scope.clone();
    fresh(b, uri, move |rope, findings| {
        plan(rope, findings, &engine, style, key, enc, &scope, hashes)
    })
    .await
}

/// Runs `f` on a snapshot of the document and a fresh full scan of exactly that text (with the
/// settings' filter), off the async runtime; again if the document changed meanwhile.
pub(super) async fn fresh<T: Send + 'static>(
    b: &Backend,
    uri: &Uri,
    f: impl Fn(&Rope, &[Finding]) -> T + Send + Sync + 'static,
) -> std::result::Result<(T, i32), PlanError> {
    let engine = b.engine();
    let f = std::sync::Arc::new(f);
    for _ in 0..PLAN_ATTEMPTS {
        let (rope, version) = {
            let docs = lock(&b.st.docs);
            let doc = docs.get(uri).ok_or(PlanError::NotOpen)?;
            (doc.rope.clone(), doc.version)
        };
        let keep = b.keep_filter();
        let (engine, f) = (engine.clone(), f.clone());
        let out = tokio::task::spawn_blocking(move || {
            let text = rope.to_string();
            let mut findings = full_scan(&engine, &text);
            findings.retain(|x| keep(x, x.value(&text)));
            f(&rope, &findings)
        })
        .await
        .map_err(|_| PlanError::Failed)?;
        if lock(&b.st.docs).get(uri).map(|d| d.version) == Some(version) {
            return Ok((out, version));
        }
    }
    Err(PlanError::KeptChanging)
}

/// The plan from the index, if the index is provably a full scan of the text now
/// (`Doc::index_is_current`: nothing dirty, no scan running); None otherwise.
fn plan_current(
    b: &Backend,
    uri: &Uri,
    style: Style,
    key: [u8; 32],
    scope: &Scope,
) -> Result<Option<Plan>> {
    let engine = b.engine();
    let enc = b.enc();
    let docs = lock(&b.st.docs);
    let doc = docs
        .get(uri)
        .ok_or_else(|| Error::invalid_params("document is not open"))?;
    Ok(doc.index_is_current().then(|| {
        plan(
            &doc.rope,
            doc.findings(),
            &engine,
            style,
            key,
            enc,
            scope,
            true,
        )
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("the document is not open")]
    NotOpen,
    #[error("the scan for the redaction failed")]
    Failed,
    #[error("the document kept changing while the redaction was planned; try again")]
    KeptChanging,
}

pub fn workspace_edit(uri: &Uri, edits: Vec<TextEdit>) -> WorkspaceEdit {
    WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..Default::default()
    }
}

/// `data` of a lazily resolved bulk action.
#[derive(serde::Serialize, Deserialize)]
struct ResolveData {
    uri: Uri,
    scope: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    type_id: Option<String>,
    version: i32,
}

fn kind_wanted(only: Option<&Vec<CodeActionKind>>, kind: &str, default: bool) -> bool {
    match only {
        None => default,
        Some(list) => list.iter().any(|k| {
            let k = k.as_str();
            kind == k || kind.starts_with(&format!("{k}."))
        }),
    }
}

pub async fn code_actions(b: &Backend, p: &CodeActionParams) -> Result<CodeActionResponse> {
    let uri = &p.text_document.uri;
    let settings = b.settings();
    let engine = b.engine();
    let enc = b.enc();
    let lazy = b.caps().resolve_edit;
    let only = p.context.only.as_ref();
    let want_quickfix = kind_wanted(only, "quickfix", true);
    // Offered as `source.fixAll.tftsr` only when asked for (editor.codeActionsOnSave, source
    // menus): with no filter the quickfix of the same title is enough.
    let want_fix_all = kind_wanted(only, FIX_ALL_KIND, false);
    let want_source = kind_wanted(only, "source", true);
    if !(want_quickfix || want_fix_all || want_source) {
        return Ok(Vec::new());
    }
    let key = b
        .key_for(settings.redaction_style)
        .await
        .map_err(Error::invalid_request_with)?;
    let style = settings.redaction_style;
    // A client without resolve support gets the bulk edits now. They come from the index only
    // when it is provably a full scan of the text (`index_is_current`); while edits are being
    // rescanned, from a fresh full scan of the text instead.
    let stale = !lazy
        && lock(&b.st.docs)
            .get(uri)
            .is_some_and(|d| d.tracked && !d.index_is_current());
    let fresh_findings = if stale {
        fresh(b, uri, |_, f: &[Finding]| f.to_vec()).await.ok()
    } else {
        None
    };
    let docs = lock(&b.st.docs);
    let Some(doc) = docs.get(uri).filter(|d| d.tracked) else {
        return Ok(Vec::new());
    };
    let eager_findings: Option<&[Finding]> = match &fresh_findings {
        None if !stale => Some(doc.findings()),
        Some((f, v)) if *v == doc.version => Some(f),
        // Changed again since: no eager edit rather than one for another version.
        _ => None,
    };
    let Ok(span) = range_to_span(&doc.rope, p.range, enc) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<CodeActionOrCommand> = Vec::new();
    let bulk = |title: String, kind: CodeActionKind, scope: Scope| -> CodeActionOrCommand {
        let (scope_s, type_id) = match &scope {
            Scope::Type(t) => ("type", Some(t.clone())),
            _ => ("all", None),
        };
        let data = serde_json::to_value(ResolveData {
            uri: uri.clone(),
            scope: scope_s.into(),
            type_id,
            version: doc.version,
        })
        .ok();
        let edit = eager_findings.filter(|_| !lazy).map(|findings| {
            workspace_edit(
                uri,
                plan(&doc.rope, findings, &engine, style, key, enc, &scope, false).edits,
            )
        });
        CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(kind),
            edit,
            data,
            ..Default::default()
        })
    };
    let under = doc.findings_at(span.start, span.end);
    if want_quickfix {
        if let Some(f) = under.first() {
            let label = engine.label(&f.kind).to_owned();
            let id = f.kind.id().to_owned();
            let value = doc.value(f);
            let redactor = Redactor::new(&engine, style, key);
            let range = span_to_range(&doc.rope, f.start, f.end, enc);
            let diags: Vec<Diagnostic> = p
                .context
                .diagnostics
                .iter()
                .filter(|d| {
                    d.source.as_deref() == Some("tftsr")
                        && d.code == Some(NumberOrString::String(id.clone()))
                        && d.range == range
                })
                .cloned()
                .collect();
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Redact {label}"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!diags.is_empty()).then_some(diags),
                edit: Some(workspace_edit(
                    uri,
                    vec![TextEdit {
                        range,
                        new_text: redactor.replacement(f, &value),
                    }],
                )),
                is_preferred: Some(true),
                ..Default::default()
            }));
            out.push(bulk(
                format!("Redact all {label} in file"),
                CodeActionKind::QUICKFIX,
                Scope::Type(id),
            ));
            out.push(bulk(
                "Redact all PII in file".into(),
                CodeActionKind::QUICKFIX,
                Scope::All,
            ));
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "Ignore this value".into(),
                kind: Some(CodeActionKind::QUICKFIX),
                command: Some(Command {
                    title: "Ignore this value".into(),
                    command: "tftsr.ignoreValue".into(),
                    arguments: Some(vec![
                        json!({"uri": uri, "fingerprint": fingerprint(&value)}),
                    ]),
                }),
                ..Default::default()
            }));
        }
    }
    if want_fix_all && !doc.findings().is_empty() {
        out.push(bulk(
            "Redact all PII in file".into(),
            CodeActionKind::new(FIX_ALL_KIND),
            Scope::All,
        ));
    }
    if want_source && (only.is_some() || !under.is_empty() || !doc.findings().is_empty()) {
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: "Attach log to issue…".into(),
            kind: Some(CodeActionKind::SOURCE),
            command: Some(Command {
                title: "Attach log to issue…".into(),
                command: "tftsr.attachToIssue".into(),
                arguments: Some(vec![json!({"uri": uri})]),
            }),
            ..Default::default()
        }));
    }
    Ok(out)
}

/// `codeAction/resolve`: fills `edit` of a bulk action from the document as it is now, and
/// records the redaction in the audit log.
pub async fn resolve(b: &Backend, mut action: CodeAction) -> Result<CodeAction> {
    if action.edit.is_some() {
        return Ok(action);
    }
    let Some(data) = action.data.clone() else {
        return Ok(action);
    };
    let data: ResolveData = serde_json::from_value(data)
        .map_err(|_| Error::invalid_params("codeAction/resolve: not a tftsr code action"))?;
    let scope = match (data.scope.as_str(), data.type_id) {
        ("all", _) => Scope::All,
        ("type", Some(t)) => Scope::Type(t),
        _ => return Err(Error::invalid_params("codeAction/resolve: unknown scope")),
    };
    let settings = b.settings();
    let key = b
        .key_for(settings.redaction_style)
        .await
        .map_err(Error::invalid_request_with)?;
    let style = settings.redaction_style;
    let plan = match plan_current(b, &data.uri, style, key, &scope)? {
        Some(p) => p,
        None => {
            plan_fresh(b, &data.uri, style, key, &scope, true)
                .await
                .map_err(|e| Error::invalid_params(format!("codeAction/resolve: {e}")))?
                .0
        }
    };
    tracing::info!(
        uri = data.uri.as_str(),
        redactions = plan.count(),
        "code action resolved"
    );
    // Not awaited: resolve must stay fast; the entry is written in the background.
    drop(b.audit_redaction(
        &data.uri,
        &plan,
        settings.redaction_style,
        "code_action",
        &scope,
    ));
    action.edit = Some(workspace_edit(&data.uri, plan.edits));
    Ok(action)
}

trait InvalidRequestWith {
    fn invalid_request_with(msg: String) -> Error;
}

impl InvalidRequestWith for Error {
    fn invalid_request_with(msg: String) -> Error {
        Error {
            code: tower_lsp_server::jsonrpc::ErrorCode::InvalidRequest,
            message: msg.into(),
            data: None,
        }
    }
}
