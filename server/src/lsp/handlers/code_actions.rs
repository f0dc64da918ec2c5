//! `textDocument/codeAction` and `codeAction/resolve` (docs/lsp-protocol.md "Code actions"). A
//! request arrives on every cursor move, so finding what is under the cursor is a binary search
//! in the sorted index, and the bulk edits are only computed on `codeAction/resolve` when the
//! client supports it.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionResponse,
    Diagnostic, NumberOrString, Uri,
};

use crate::engine::redact::Redactor;
use crate::engine::Finding;
use crate::lsp::command::Command;
use crate::lsp::position::{range_to_span, span_to_range};
use crate::lsp::protocol::{invalid_request, text_edits, workspace_edit};
use crate::lsp::redaction::{fresh, plan_current, plan_fresh, PlanError, Planner, Scope};
use crate::lsp::session::{lock, Session};
use crate::lsp::storage;

pub const FIX_ALL_KIND: &str = "source.fixAll.tftsr";

/// `data` of a lazily resolved bulk action.
#[derive(serde::Serialize, Deserialize)]
struct ResolveData {
    uri: Uri,
    scope: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    type_id: Option<String>,
    version: i32,
}

/// A type's label in the plural, for "Redact all … in file": "Email addresses", "IBANs", "API keys
/// or secrets", "Credentials in URL" (already plural), a custom rule's "employee_ids".
fn plural(label: &str) -> String {
    label
        .split(" or ")
        .map(|part| {
            // "Credentials in URL": the head is what is counted.
            let (head, tail) = match part.find(" in ") {
                Some(i) => part.split_at(i),
                None => (part, ""),
            };
            let lower = head.to_lowercase();
            let plural = if lower.ends_with("ss")
                || lower.ends_with('x')
                || lower.ends_with("sh")
                || lower.ends_with("ch")
            {
                format!("{head}es")
            } else if lower.ends_with('s') {
                head.to_owned()
            } else if lower.ends_with('y')
                && !lower.ends_with("ay")
                && !lower.ends_with("ey")
                && !lower.ends_with("oy")
                && !lower.ends_with("uy")
            {
                format!("{}ies", &head[..head.len() - 1])
            } else {
                format!("{head}s")
            };
            format!("{plural}{tail}")
        })
        .collect::<Vec<_>>()
        .join(" or ")
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

/// A code action that runs one of the server's commands.
fn command_action(
    title: &str,
    kind: CodeActionKind,
    cmd: Command,
    arg: serde_json::Value,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title: title.into(),
        kind: Some(kind),
        command: Some(tower_lsp_server::ls_types::Command {
            title: title.into(),
            command: cmd.name().into(),
            arguments: Some(vec![arg]),
        }),
        ..Default::default()
    })
}

pub async fn code_action(s: &Arc<Session>, p: &CodeActionParams) -> Result<CodeActionResponse> {
    let uri = &p.text_document.uri;
    let settings = s.settings();
    let engine = s.engine();
    let enc = s.enc();
    let lazy = s.caps().resolve_edit;
    let only = p.context.only.as_ref();
    let want_quickfix = kind_wanted(only, "quickfix", true);
    // Offered as `source.fixAll.tftsr` only when asked for (editor.codeActionsOnSave, source
    // menus): with no filter the quickfix of the same title is enough.
    let want_fix_all = kind_wanted(only, FIX_ALL_KIND, false);
    let want_source = kind_wanted(only, "source", true);
    if !(want_quickfix || want_fix_all || want_source) {
        return Ok(Vec::new());
    }
    let style = settings.redaction_style;
    let key = storage::key_for(s, style).await.map_err(invalid_request)?;
    let planner = Planner::new(s, style, key);
    // A client without resolve support gets the bulk edits now. They come from the index only
    // when it is provably a full scan of the text (`index_is_current`); while edits are being
    // rescanned, from a fresh full scan of the text instead.
    let stale = !lazy
        && lock(&s.docs)
            .get(uri)
            .is_some_and(|d| d.tracked && !d.index_is_current());
    let fresh_findings = if stale {
        fresh(s, uri, |_, f: &[Finding]| f.to_vec()).await.ok()
    } else {
        None
    };
    let docs = lock(&s.docs);
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
            workspace_edit(uri, planner.plan(&doc.rope, findings, &scope, false).edits)
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
            let edits = text_edits(
                &doc.rope,
                enc,
                [(f.start, f.end, redactor.replacement(f, &value))],
            );
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Redact {label}"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: (!diags.is_empty()).then_some(diags),
                edit: Some(workspace_edit(uri, edits)),
                is_preferred: Some(true),
                ..Default::default()
            }));
            out.push(bulk(
                format!("Redact all {} in file", plural(&label)),
                CodeActionKind::QUICKFIX,
                Scope::Type(id),
            ));
            out.push(bulk(
                "Redact all PII in file".into(),
                CodeActionKind::QUICKFIX,
                Scope::All,
            ));
            out.push(command_action(
                "Ignore this value",
                CodeActionKind::QUICKFIX,
                Command::IgnoreValue,
                json!({"uri": uri, "fingerprint": engine.fingerprint(&value)}),
            ));
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
        out.push(command_action(
            "Attach log to issue…",
            CodeActionKind::SOURCE,
            Command::AttachToIssue,
            json!({"uri": uri}),
        ));
    }
    Ok(out)
}

/// `codeAction/resolve`: fills `edit` of a bulk action from the document as it is now, and
/// records the redaction in the audit log.
pub async fn resolve(s: &Arc<Session>, mut action: CodeAction) -> Result<CodeAction> {
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
    let style = s.settings().redaction_style;
    let key = storage::key_for(s, style).await.map_err(invalid_request)?;
    let planner = Planner::new(s, style, key);
    let plan = match plan_current(s, &data.uri, &planner, &scope) {
        Some(p) => p,
        None => match plan_fresh(s, &data.uri, planner, &scope, true).await {
            Ok((p, _)) => p,
            Err(PlanError::NotOpen) => return Err(Error::invalid_params("document is not open")),
            Err(e) => return Err(Error::invalid_params(format!("codeAction/resolve: {e}"))),
        },
    };
    tracing::info!(
        uri = data.uri.as_str(),
        redactions = plan.count(),
        "code action resolved"
    );
    // Not awaited: resolve must stay fast; the entry is written in the background.
    drop(storage::audit_redaction(
        s,
        &data.uri,
        &plan,
        style,
        "code_action",
        &scope,
    ));
    action.edit = Some(workspace_edit(&data.uri, plan.edits));
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn every_built_in_label_reads_well_in_the_plural() {
        let want = [
            ("Email address", "Email addresses"),
            ("Phone number", "Phone numbers"),
            ("US Social Security number", "US Social Security numbers"),
            ("IBAN", "IBANs"),
            ("IPv4 address", "IPv4 addresses"),
            ("MAC address", "MAC addresses"),
            ("Host name", "Host names"),
            ("Credentials in URL", "Credentials in URL"),
            ("JSON Web Token", "JSON Web Tokens"),
            ("API key or secret", "API keys or secrets"),
            ("Password", "Passwords"),
            ("AWS access key id", "AWS access key ids"),
            ("employee_id", "employee_ids"),
            ("Proxy", "Proxies"),
            ("Survey key", "Survey keys"),
        ];
        for (one, many) in want {
            assert_eq!(plural(one), many, "{one}");
        }
        // Every label of the catalog gets a different plural form (none left as it was, but the
        // one that already is plural).
        for t in &crate::engine::RULES {
            let p = plural(t.label);
            assert!(p == "Credentials in URL" || p != t.label, "{}", t.label);
        }
    }
}
