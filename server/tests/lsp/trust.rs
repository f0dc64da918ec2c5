//! The editor's workspace `.tftsr.toml` applies in full only when it is the user's: one that others
//! may write (a shared or world-writable checkout) keeps its rules and severities but cannot
//! allowlist anything, and the server says so.

use crate::lsp_client;

use std::os::unix::fs::PermissionsExt;

use lsp_client::*;
use serde_json::Value;

/// The first diagnostics of a log in a workspace whose configuration has `mode`, and (if `warned`)
/// the warning the server shows about that configuration.
fn diagnostics_with_config(mode: u32, warned: bool) -> (Vec<Value>, Option<Value>) {
    let ws = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(ws.path()).unwrap();
    let cfg = root.join(".tftsr.toml");
    std::fs::write(&cfg, "[allowlist]\nregexes = ['.*']\n").unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(mode)).unwrap();
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, Some(&root));
    let line = &corpus::loghub_file("Apache_2k.log");
    let text = format!(
        "{}\nuser frank@example.com denied\n",
        line.lines().next().unwrap()
    );
    let uri = format!("file://{}/app.log", root.display());
    c.open(&uri, "log", &text);
    let diags = c.wait_diagnostics(&uri, |_| true);
    let warning = warned.then(|| {
        c.wait_notification(|m| {
            m["method"] == "window/showMessage"
                && m["params"]["message"]
                    .as_str()
                    .is_some_and(|s| s.contains(".tftsr.toml"))
        })
    });
    c.shutdown_exit();
    (diags, warning)
}

#[test]
fn a_workspace_configuration_others_may_write_cannot_allowlist() {
    // The user's own: its allowlist applies.
    let (diags, _) = diagnostics_with_config(0o644, false);
    assert!(diags.is_empty(), "{diags:?}");
    // World-writable: anyone could have put that allowlist there.
    let (diags, warning) = diagnostics_with_config(0o666, true);
    assert!(diags.iter().any(|d| d["code"] == "email"), "{diags:?}");
    let msg = warning.expect("a warning about the configuration")["params"]["message"].clone();
    assert!(
        msg.as_str()
            .unwrap()
            .contains("not yours or writable by others"),
        "{msg}"
    );
}
