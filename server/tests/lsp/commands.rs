//! Issue 16, item 8 (server side), on the real `tftsr lsp`: no command error echoes a value it
//! was sent (it names the field), `tftsr.scanFile` never overwrites an existing file unless
//! asked (`overwrite: true`), and the file commands stay inside the workspace folders unless the
//! client says the user confirmed (`allowOutsideWorkspace: true`) — `..` and symbolic links
//! included.

use std::path::Path;

use serde_json::{json, Value};

use crate::lsp_client::{self, *};

fn cmd(c: &mut Client, command: &str, arg: Value) -> Value {
    c.request_full(
        "workspace/executeCommand",
        json!({"command": command, "arguments": [arg]}),
    )
}

fn error_of(r: &Value) -> (&str, &Value) {
    let e = r
        .get("error")
        .unwrap_or_else(|| panic!("expected an error: {r}"));
    (e["message"].as_str().unwrap(), &e["data"])
}

fn log_text() -> String {
    let real = lsp_client::corpus::loghub_file("OpenSSH_2k.log");
    let mut t: String = real.lines().take(30).map(|l| format!("{l}\n")).collect();
    t.push_str("login by nina@example.org password=Zq9!que-77\n");
    t
}

fn uri_of(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[test]
fn scan_file_stays_in_the_workspace_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("workspace");
    let out = tmp.path().join("elsewhere");
    std::fs::create_dir_all(ws.join("logs")).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let app = ws.join("logs/app.log");
    let secret = out.join("private.log");
    std::fs::write(&app, log_text()).unwrap();
    std::fs::write(&secret, log_text()).unwrap();
    std::os::unix::fs::symlink(&out, ws.join("link")).unwrap();
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, Some(&ws));
    let no_paths = |m: &str| {
        assert!(
            !m.contains("workspace/") && !m.contains("elsewhere") && !m.contains(".log"),
            "a path is echoed: {m}"
        );
    };
    let scan = |c: &mut Client, arg: Value| cmd(c, "tftsr.scanFile", arg);

    // reading outside the workspace: refused, nothing written; allowed once confirmed
    let r = scan(&mut c, json!({"path": secret}));
    let (m, data) = error_of(&r);
    assert_eq!(r["error"]["code"], -32602);
    assert_eq!(
        data,
        &json!({"reason": "outsideWorkspace", "field": "path"})
    );
    no_paths(m);
    assert!(!out.join("private.redacted.log").exists());
    let r = scan(
        &mut c,
        json!({"path": secret, "allowOutsideWorkspace": true}),
    );
    assert!(r.get("error").is_none(), "{r}");
    assert!(out.join("private.redacted.log").exists());

    // writing outside: directly, through `..`, through a symbolic link to a directory or a file
    std::fs::write(out.join("victim.log"), "KEEP").unwrap();
    std::os::unix::fs::symlink(out.join("victim.log"), ws.join("logs/victim.log")).unwrap();
    for output in [
        out.join("copy.log"),
        ws.join("logs/../../elsewhere/copy.log"),
        ws.join("link/copy.log"),
        ws.join("logs/victim.log"),
    ] {
        let r = scan(
            &mut c,
            json!({"path": app, "output": output, "overwrite": true}),
        );
        let (m, data) = error_of(&r);
        assert_eq!(data["reason"], "outsideWorkspace", "{output:?}: {r}");
        assert_eq!(data["field"], "output");
        no_paths(m);
    }
    assert!(!out.join("copy.log").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("victim.log")).unwrap(),
        "KEEP"
    );

    // an existing output is never replaced unless asked
    let default_out = ws.join("logs/app.redacted.log");
    std::fs::write(&default_out, "KEEP").unwrap();
    let r = scan(&mut c, json!({"path": app}));
    let (m, data) = error_of(&r);
    assert_eq!(data, &json!({"reason": "outputExists", "field": "output"}));
    assert!(m.contains("overwrite: true"), "{m}");
    no_paths(m);
    assert_eq!(std::fs::read_to_string(&default_out).unwrap(), "KEEP");
    let r = scan(&mut c, json!({"path": app, "overwrite": true}));
    assert!(r.get("error").is_none(), "{r}");
    let red = std::fs::read_to_string(&default_out).unwrap();
    assert!(red.contains("[Email]") && !red.contains("nina@"));
    // a new output inside the workspace is fine
    let r = scan(
        &mut c,
        json!({"path": app, "output": ws.join("logs/clean.log")}),
    );
    assert!(r.get("error").is_none(), "{r}");
    // the input itself, never
    let r = scan(
        &mut c,
        json!({"path": app, "output": app, "overwrite": true}),
    );
    assert!(error_of(&r).0.contains("is the input file"), "{r}");
    assert!(std::fs::read_to_string(&app).unwrap().contains("nina@"));

    // workspace folders change: the new folder is inside, the removed one no longer
    c.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [{"uri": uri_of(&out), "name": "elsewhere"}],
                         "removed": [{"uri": uri_of(&ws), "name": "workspace"}]}}),
    );
    let r = scan(
        &mut c,
        json!({"path": secret, "output": out.join("second.log")}),
    );
    assert!(r.get("error").is_none(), "{r}");
    let r = scan(
        &mut c,
        json!({"path": app, "output": out.join("third.log")}),
    );
    assert_eq!(error_of(&r).1["field"], "path");
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(!log.contains("nina@") && !log.contains("Zq9!"));

    // a client without any workspace folder: everything is outside until confirmed
    let mut c = Client::spawn(&[]);
    c.initialize(caps_nvim07(), Value::Null, None);
    let r = scan(
        &mut c,
        json!({"path": app, "output": ws.join("logs/fourth.log")}),
    );
    assert_eq!(error_of(&r).1["reason"], "outsideWorkspace");
    let r = scan(
        &mut c,
        json!({"path": app, "output": ws.join("logs/fourth.log"), "allowOutsideWorkspace": true}),
    );
    assert!(r.get("error").is_none(), "{r}");
    assert_eq!(c.shutdown_exit().0, 0);
}

#[test]
fn command_errors_name_fields_never_values() {
    let data = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", data.path()),
        ("TFTSR_DB_ENCRYPT", Path::new("1")),
        ("TFTSR_DB_KEY", Path::new("a key for the test store")),
    ]);
    c.initialize(caps_nvim07(), Value::Null, Some(ws.path()));
    let uri = uri_of(&ws.path().join("open.log"));
    c.open(&uri, "log", &log_text());
    c.wait_diagnostics(&uri, |d| !d.is_empty());
    let outside = tempfile::tempdir().unwrap();
    let outside_log = outside.path().join("outside.log");
    std::fs::write(&outside_log, log_text()).unwrap();
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "tftsr.createIssue",
            json!({"title": "t", "severity": "s3cr3t-sev"}),
            "`severity`",
        ),
        (
            "tftsr.listIssues",
            json!({"status": "s3cr3t-st"}),
            "`status`",
        ),
        (
            "tftsr.getIssue",
            json!({"id": "s3cr3t-id"}),
            "with the given id",
        ),
        (
            "tftsr.attachToIssue",
            json!({"uri": uri, "issueId": "s3cr3t-issue"}),
            "with the given id",
        ),
        (
            "tftsr.attachToIssue",
            json!({"uri": uri_of(&outside_log), "issueId": "s3cr3t-issue"}),
            "`uri`",
        ),
        (
            "tftsr.attachToIssue",
            json!({"uri": uri, "issueId": ["s3cr3t-array"]}),
            "tftsr.attachToIssue:",
        ),
        (
            "tftsr.redactDocument",
            json!({"uri": uri, "style": "s3cr3t-style"}),
            "`style`",
        ),
        (
            "tftsr.scanFile",
            json!({"path": ws.path().join("open.log"), "style": "s3cr3t-style"}),
            "`style`",
        ),
        (
            "tftsr.ignoreValue",
            json!({"uri": uri, "fingerprint": "s3cr3t-fp"}),
            "`fingerprint`",
        ),
        ("tftsr.s3cr3t-command", json!({}), "unknown command"),
    ];
    for (command, arg, names) in cases {
        let r = cmd(&mut c, command, arg.clone());
        let (m, _) = error_of(&r);
        assert!(m.contains(names), "{command} {arg}: `{names}` not in {m}");
        assert!(!m.contains("s3cr3t"), "{command} echoes a value: {m}");
        assert!(!m.contains("outside.log"), "{command} echoes a path: {m}");
    }
    // the same attach, confirmed by the user, reads the file
    let issue = cmd(
        &mut c,
        "tftsr.createIssue",
        json!({"title": "t", "severity": "low"}),
    )["result"]["id"]
        .clone();
    let r = cmd(
        &mut c,
        "tftsr.attachToIssue",
        json!({"uri": uri_of(&outside_log), "issueId": issue, "allowOutsideWorkspace": true}),
    );
    assert!(r["result"]["findings"].as_u64().unwrap() > 1, "{r}");
    let (code, log) = c.shutdown_exit();
    assert_eq!(code, 0);
    assert!(!log.contains("s3cr3t"), "the log echoes a value:\n{log}");
}

/// The `Command` rows in the table under `heading` of a doc: every `` | `tftsr.x` | `` first cell.
fn documented_commands(doc: &str, heading: &str) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(doc);
    let text = std::fs::read_to_string(&path).unwrap();
    let section = text
        .split_once(heading)
        .unwrap_or_else(|| panic!("{doc}: no section {heading:?}"))
        .1;
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `tftsr."))
        .filter_map(|l| l.split_once('`'))
        .map(|(name, _)| format!("tftsr.{name}"))
        .collect()
}

/// Issue 8: the commands the server advertises (`executeCommandProvider.commands`) are the ones
/// it dispatches and the ones the docs list. Each advertised command, sent an argument of the
/// wrong shape, is answered by its own handler (the error names the command), never "unknown";
/// a name not advertised is unknown. The server builds both from one `Command` list: a command
/// added to one side only fails here.
#[test]
fn advertised_commands_are_the_dispatched_and_documented_ones() {
    let ws = tempfile::tempdir().unwrap();
    let mut c = Client::spawn(&[]);
    let init = c.initialize(caps_nvim07(), Value::Null, Some(ws.path()));
    let advertised: Vec<String> = init["capabilities"]["executeCommandProvider"]["commands"]
        .as_array()
        .expect("executeCommandProvider.commands")
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert!(advertised.len() >= 9, "{advertised:?}");
    let mut unique = advertised.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        advertised.len(),
        "advertised twice: {advertised:?}"
    );
    for name in &advertised {
        // A number where one object is expected: every handler rejects it before doing anything.
        let r = c.request_full(
            "workspace/executeCommand",
            json!({"command": name, "arguments": [42]}),
        );
        let (m, _) = error_of(&r);
        assert!(
            m.starts_with(&format!("{name}: ")) && !m.contains("unknown command"),
            "{name} is advertised but not dispatched to its handler: {m}"
        );
    }
    for name in ["tftsr.nope", "tftsr.redactdocument", "redactDocument"] {
        let r = c.request_full(
            "workspace/executeCommand",
            json!({"command": name, "arguments": [{}]}),
        );
        let (m, _) = error_of(&r);
        assert!(m.starts_with("unknown command"), "{name}: {m}");
        assert!(!m.contains(name), "the name sent is echoed: {m}");
    }
    for (doc, heading) in [
        ("lsp-protocol.md", "## Commands"),
        ("editors.md", "## Commands"),
    ] {
        let mut documented = documented_commands(doc, heading);
        documented.sort();
        assert_eq!(
            documented, unique,
            "{doc} {heading} lists other commands than advertised"
        );
    }
    let (code, _) = c.shutdown_exit();
    assert_eq!(code, 0);
}
