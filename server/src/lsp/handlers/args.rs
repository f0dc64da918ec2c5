//! The one object argument every command takes, parsed so that an error names the command and
//! the field, never a value that was sent.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;
use tower_lsp_server::jsonrpc::Result;

use crate::engine::redact::Style;
use crate::lsp::command::Command;
use crate::lsp::protocol::{err, failed};
use crate::lsp::session::Session;
use crate::lsp::storage;

/// The command's one object argument.
pub fn arg<T: DeserializeOwned>(cmd: Command, arguments: &[Value]) -> Result<T> {
    let v = match arguments.first() {
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
            cmd.name()
        ))
    })
}

pub fn arg_or_default<T: DeserializeOwned + Default>(
    cmd: Command,
    arguments: &[Value],
) -> Result<T> {
    if arguments.first().is_none_or(Value::is_null) {
        Ok(T::default())
    } else {
        arg(cmd, arguments)
    }
}

/// `style` of a command: names the field, never echoes what was sent.
pub fn parse_style(cmd: Command, s: Option<&str>, default: Style) -> Result<Style> {
    match s {
        None => Ok(default),
        Some(s) => s.parse().map_err(|_| {
            err(format!(
                "{}: `style` must be tag, mask, partial or pseudonym (unknown redaction style)",
                cmd.name()
            ))
        }),
    }
}

/// A command's `style` argument (else the `redactionStyle` setting) and the key a redaction in
/// that style needs: what every command that redacts starts with.
pub async fn style_and_key(
    s: &Arc<Session>,
    cmd: Command,
    style: Option<&str>,
) -> Result<(Style, [u8; 32])> {
    let style = parse_style(cmd, style, s.settings().redaction_style)?;
    let key = storage::key_for(s, style).await.map_err(failed)?;
    Ok((style, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Optional {
        limit: Option<usize>,
    }

    #[test]
    fn an_empty_array_argument_is_an_empty_object() {
        let cmd = Command::ListIssues;
        // What Neovim sends for `arguments = { {} }`.
        let got: Optional = arg(cmd, &[json!([])]).unwrap();
        assert_eq!(got, Optional { limit: None });
        let got: Optional = arg(cmd, &[json!({"limit": 3})]).unwrap();
        assert_eq!(got, Optional { limit: Some(3) });
        // A non-empty array is still a mistake, reported without echoing it.
        let e = arg::<Optional>(cmd, &[json!(["secret-value"])]).unwrap_err();
        assert!(!e.message.contains("secret-value"), "{}", e.message);
        assert!(e.message.starts_with("tftsr.listIssues: "), "{}", e.message);
    }
}
