//! `workspace/executeCommand` (docs/lsp-protocol.md "Commands"). Every command takes one object
//! argument; errors are JSON-RPC errors whose message says what went wrong (never a value).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, Uri};

use super::actions::{plan_fresh, workspace_edit, PlanError, Scope};
use super::workspace::Refusal;
use super::{lock, Backend};
use crate::app::input::Source;
use crate::app::output::OutputError;
use crate::app::redact::{gzip_by_name, redact, Dest, RedactError, RedactJob};
use crate::engine::redact::Style;

pub fn err(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: msg.into().into(),
        data: None,
    }
}

pub fn failed(msg: impl Into<String>) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: msg.into().into(),
        data: None,
    }
}

fn arg<T: DeserializeOwned>(p: &ExecuteCommandParams) -> Result<T> {
    let v = match p.arguments.first() {
        // Neovim's Lua encodes an empty table `{}` as the JSON array `[]`: take it as `{}`.
        Some(Value::Array(a)) if a.is_empty() => Value::Object(Default::default()),
        Some(v) => v.clone(),
        None => Value::Null,
    };
    serde_json::from_value(v).map_err(|e| {
        // serde's text can quote input values ("invalid type: string \"…\""): only the
        // missing-field case, which names a field of ours, is passed on as it is.
        let msg = e.to_string();
        let why = if msg.starts_with("missing field") {
            msg
        } else {
            format!("{:?} error", e.classify()).to_lowercase()
        };
        err(format!(
            "{}: expected one object argument as documented ({why})",
            p.command
        ))
    })
}

/// `style` of a command: names the field, never echoes what was sent.
fn parse_style(cmd: &str, s: Option<&str>, default: Style) -> Result<Style> {
    match s {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| {
            err(format!(
                "{cmd}: `style` must be tag, mask, partial or pseudonym (unknown redaction style)"
            ))
        }),
    }
}

/// The refusal of a path argument, with `data.reason` for the client to act on (ask the user,
/// then send the command again with the flag).
fn refused(cmd: &str, field: &str, why: Refusal) -> Error {
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

/// A redaction error as a reply: the app's messages name the files; here the fields do.
fn redact_error(cmd: &str, e: RedactError) -> Error {
    let msg = match e {
        // Created meanwhile (the check before is not atomic, the final rename is).
        RedactError::Output(OutputError::Exists(_)) => return exists(cmd),
        RedactError::SameFile(_) => {
            return err(format!("{cmd}: `output` is the input file (`path`)"))
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
            OutputError::Replace { source, .. } => format!("cannot replace `output`: {source}"),
            OutputError::Exists(_) => unreachable!("handled above"),
        },
        RedactError::InPlaceStdin | RedactError::NotRegular(_) => {
            "`path` is not a regular file".to_owned()
        }
    };
    failed(format!("{cmd}: {msg}"))
}

fn exists(cmd: &str) -> Error {
    Error {
        code: ErrorCode::InvalidParams,
        message: format!("{cmd}: `output` already exists; send `overwrite: true` to replace it")
            .into(),
        data: Some(json!({"reason": "outputExists", "field": "output"})),
    }
}

#[derive(Deserialize)]
struct RedactArgs {
    uri: Uri,
    style: Option<String>,
    types: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScanFileArgs {
    path: PathBuf,
    output: Option<PathBuf>,
    style: Option<String>,
    /// Replace an existing `output` (refused otherwise).
    #[serde(default)]
    overwrite: bool,
    /// `path`/`output` may be outside the workspace folders (the user confirmed).
    #[serde(default)]
    allow_outside_workspace: bool,
}

#[derive(Deserialize)]
struct IgnoreArgs {
    uri: Uri,
    fingerprint: String,
}

#[derive(Deserialize)]
struct UriArgs {
    uri: Uri,
}

pub async fn execute(b: &Backend, p: ExecuteCommandParams) -> Result<Value> {
    // Only our own command names are logged: an unknown one is whatever the client sent.
    let known = super::server::COMMANDS.contains(&p.command.as_str());
    tracing::info!(
        command = if known {
            p.command.as_str()
        } else {
            "(unknown)"
        },
        "executeCommand"
    );
    match p.command.as_str() {
        "tftsr.redactDocument" => redact_document(b, arg(&p)?).await,
        "tftsr.scanFile" => scan_file(b, arg(&p)?).await,
        "tftsr.ignoreValue" => ignore_value(b, arg(&p)?).await,
        "tftsr.documentStats" => document_stats(b, arg(&p)?),
        "tftsr.createIssue" => b.create_issue(arg(&p)?).await,
        "tftsr.listIssues" => b.list_issues(arg_or_default(&p)?).await,
        "tftsr.searchIssues" => b.search_issues(arg(&p)?).await,
        "tftsr.getIssue" => b.get_issue(arg(&p)?).await,
        "tftsr.attachToIssue" => b.attach_to_issue(arg(&p)?).await,
        // The name is not echoed either: whatever the client sent stays out of the reply.
        _ => Err(err(
            "unknown command (the server's executeCommandProvider lists its commands)",
        )),
    }
}

fn arg_or_default<T: DeserializeOwned + Default>(p: &ExecuteCommandParams) -> Result<T> {
    if p.arguments.first().is_none_or(Value::is_null) {
        Ok(T::default())
    } else {
        arg(p)
    }
}

fn document_stats(b: &Backend, a: UriArgs) -> Result<Value> {
    let docs = lock(&b.st.docs);
    let doc = docs
        .get(&a.uri)
        .ok_or_else(|| err("tftsr.documentStats: document is not open"))?;
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for f in doc.findings() {
        *by_type.entry(f.kind.id()).or_insert(0) += 1;
    }
    Ok(json!({"findings": doc.findings().len(), "byType": by_type}))
}

async fn redact_document(b: &Backend, a: RedactArgs) -> Result<Value> {
    let settings = b.settings();
    let style = parse_style(
        "tftsr.redactDocument",
        a.style.as_deref(),
        settings.redaction_style,
    )?;
    let key = b.key_for(style).await.map_err(failed)?;
    let scope = match a.types {
        Some(t) => Scope::Types(t),
        None => Scope::All,
    };
    // Always a fresh full scan of the text the edit applies to: the command the user runs to
    // clean a log must not depend on how far the rescans of recent edits have got.
    let (plan, _version) = plan_fresh(b, &a.uri, style, key, &scope, true)
        .await
        .map_err(|e| match e {
            PlanError::NotOpen => err("tftsr.redactDocument: document is not open"),
            e => failed(format!("tftsr.redactDocument: {e}")),
        })?;
    let count = plan.count();
    if count == 0 {
        return Ok(json!({"applied": true, "redactions": 0}));
    }
    let edits = plan.edits.clone();
    let resp = b
        .client
        .apply_edit(workspace_edit(&a.uri, edits))
        .await
        .map_err(|e| failed(format!("workspace/applyEdit failed: {}", e.message)))?;
    if resp.applied {
        let _ = b
            .audit_redaction(&a.uri, &plan, style, "redact_document", &scope)
            .await;
    } else {
        tracing::warn!(
            uri = a.uri.as_str(),
            reason = resp.failure_reason.as_deref().unwrap_or(""),
            "client did not apply the redaction"
        );
    }
    Ok(json!({"applied": resp.applied, "redactions": count}))
}

/// `<dir>/<stem>.redacted.<ext>` (or `<path>.redacted` without an extension).
pub fn default_output(path: &Path) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}.redacted.{}", ext.to_string_lossy()),
        None => format!("{stem}.redacted"),
    };
    path.with_file_name(name)
}

async fn scan_file(b: &Backend, a: ScanFileArgs) -> Result<Value> {
    const CMD: &str = "tftsr.scanFile";
    let settings = b.settings();
    let style = parse_style(CMD, a.style.as_deref(), settings.redaction_style)?;
    let folders = b.folders();
    let allow = a.allow_outside_workspace;
    let input = folders
        .check(&a.path, allow)
        .map_err(|r| refused(CMD, "path", r))?;
    let output_arg = a.output.unwrap_or_else(|| default_output(&a.path));
    let output = folders
        .check(&output_arg, allow)
        .map_err(|r| refused(CMD, "output", r))?;
    if output == input {
        return Err(err(format!("{CMD}: `output` is the input file (`path`)")));
    }
    if !a.overwrite && output.symlink_metadata().is_ok() {
        return Err(exists(CMD));
    }
    let key = b.key_for(style).await.map_err(failed)?;
    let scanner = b.scanner();
    let (inp, out, overwrite) = (input.clone(), output.clone(), a.overwrite);
    let res = tokio::task::spawn_blocking(move || {
        let job = RedactJob {
            scanner: &scanner,
            style,
            key,
            hashes: true,
        };
        let gzip = gzip_by_name(&out);
        let dest = if overwrite {
            Dest::File { gzip, target: out }
        } else {
            Dest::NewFile { gzip, target: out }
        };
        redact(&Source::File(inp), dest, &job)
    })
    .await
    .map_err(|_| failed(format!("{CMD}: the redaction task failed")))?
    .map_err(|e| redact_error(CMD, e))?;
    if let Some(uri) = Uri::from_file_path(&input) {
        let _ = b.audit_file_redaction(&uri, &res, style).await;
    }
    Ok(json!({
        "input": a.path,
        "output": output_arg,
        "findings": res.findings,
        "byType": res.counts,
    }))
}

async fn ignore_value(b: &Backend, a: IgnoreArgs) -> Result<Value> {
    let fp = a.fingerprint.to_ascii_lowercase();
    if fp.len() != 64 || !fp.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(err(
            "tftsr.ignoreValue: `fingerprint` must be a SHA-256 hex digest (64 hex digits)",
        ));
    }
    let path = b
        .workspace_config_path(Some(&a.uri))
        .ok_or_else(|| err("tftsr.ignoreValue: no workspace folder and the document is not a file: nowhere to write .tftsr.toml"))?;
    let p = path.clone();
    tokio::task::spawn_blocking(move || crate::app::config::add_allowlisted_fingerprint(&p, &fp))
        .await
        .map_err(|e| failed(format!("tftsr.ignoreValue: {e}")))?
        .map_err(|e| failed(format!("tftsr.ignoreValue: {e}")))?;
    super::write(&b.st.config_path, Some(path.clone()));
    b.reload_config().await;
    Ok(json!({"configPath": path}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Optional {
        limit: Option<usize>,
    }

    fn params(args: Vec<Value>) -> ExecuteCommandParams {
        ExecuteCommandParams {
            command: "tftsr.listIssues".into(),
            arguments: args,
            work_done_progress_params: Default::default(),
        }
    }

    #[test]
    fn an_empty_array_argument_is_an_empty_object() {
        // What Neovim sends for `arguments = { {} }`.
        let got: Optional = arg(&params(vec![json!([])])).unwrap();
        assert_eq!(got, Optional { limit: None });
        let got: Optional = arg(&params(vec![json!({"limit": 3})])).unwrap();
        assert_eq!(got, Optional { limit: Some(3) });
        // A non-empty array is still a mistake, reported without echoing it.
        let e = arg::<Optional>(&params(vec![json!(["secret-value"])])).unwrap_err();
        assert!(!e.message.contains("secret-value"), "{}", e.message);
    }
}
