//! Errors never echo a value (a secret typed or pasted into the wrong place must not reach a
//! terminal, a CI log or a ticket), and file-writing commands never overwrite a file unasked.

use crate::support;

use std::fs;
use std::path::Path;

use support::*;

/// A value that must appear in no message.
const PLANT: &str = "Zq9-planted-secret-77";

fn stderr_of(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = tftsr(dir)
        .env("TFTSR_DB_ENCRYPT", "1")
        .env("TFTSR_DB_KEY", "errors test key")
        .args(args)
        .write_stdin("")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn no_error_message_echoes_a_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let line = &corpus_lines("OpenSSH_2k.log", 1)[0];
    fs::write(d.join("a.log"), format!("{line}\n")).unwrap();
    // An allowlisted value typed where a list belongs, a type id list, a severity.
    let bad_configs = [
        format!("[allowlist]\nvalues = \"{PLANT}\"\n"),
        format!("[allowlist]\nvalues = [{{ v = \"{PLANT}\" }}]\n"),
        format!("[severity]\nemail = \"{PLANT}\"\n"),
        format!("[types]\ndisable = \"{PLANT}\"\n"),
    ];
    for (i, cfg) in bad_configs.iter().enumerate() {
        let path = d.join(format!("bad{i}.toml"));
        fs::write(&path, cfg).unwrap();
        let (code, err) = stderr_of(d, &["scan", "--config", path.to_str().unwrap(), "a.log"]);
        assert_eq!(code, Some(2), "{cfg}: {err}");
        // Still says where: the file and the line.
        assert!(err.contains(&format!("bad{i}.toml:")), "{err}");
        assert!(!err.contains(PLANT), "config #{i} echoed its value: {err}");
    }
    let cases: [&[&str]; 8] = [
        &["redact", "a.log", "--style", PLANT],
        &["issue", "attach", "some-id", "a.log", "--style", PLANT],
        &["scan", "--types", PLANT, "a.log"],
        &[
            "scan",
            "--exclude-types",
            &format!("email,{PLANT}"),
            "a.log",
        ],
        &["scan", "--format", PLANT, "a.log"],
        &["issue", "new", "--title", "t", "--severity", PLANT],
        // A value pasted where no argument is expected.
        &["issue", "new", PLANT, "--title", "t", "--severity", "low"],
        &["issue", "list", &format!("--{PLANT}")],
    ];
    for args in cases {
        let (code, err) = stderr_of(d, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("tftsr: error:"), "{args:?}: {err}");
        assert!(!err.contains(PLANT), "{args:?} echoed the value: {err}");
    }
    // Still useful: which argument, and what it accepts.
    let (_, err) = stderr_of(d, &["redact", "a.log", "--style", PLANT]);
    assert!(
        err.contains("--style") && err.contains("pseudonym"),
        "{err}"
    );
    let (_, err) = stderr_of(d, &["issue", "new", "--title", "t", "--severity", PLANT]);
    assert!(
        err.contains("severity") && err.contains("critical"),
        "{err}"
    );
}

#[test]
fn redact_and_export_refuse_to_overwrite_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, _) = planted_log();
    fs::write(d.join("a.log"), &text).unwrap();
    let out = d.join("out.log");
    fs::write(&out, "precious\n").unwrap();
    let (code, err) = stderr_of(d, &["redact", "a.log", "-o", "out.log"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&out).unwrap(), "precious\n");
    let (code, err) = stderr_of(d, &["redact", "a.log", "-o", "out.log", "--force"]);
    assert_eq!(code, Some(0), "{err}");
    let redacted = fs::read_to_string(&out).unwrap();
    assert!(redacted.contains("[Email]") && !redacted.contains("precious"));
    // No temporary file left behind by the refusal.
    let names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".tftsr-tmp")),
        "{names:?}"
    );

    let export = d.join("backup.json");
    fs::write(&export, "old backup\n").unwrap();
    let (code, err) = stderr_of(d, &["db", "export", "-o", "backup.json"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(fs::read_to_string(&export).unwrap(), "old backup\n");
    let (code, err) = stderr_of(d, &["db", "export", "-o", "backup.json", "--force"]);
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&fs::read_to_string(&export).unwrap()).unwrap();
    assert!(v.is_object());
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(&export).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode, 0o600,
        "a backup is private even when it replaces a public file"
    );
}

#[test]
fn one_cause_is_worded_the_same_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("logs")).unwrap();
    // A file that is not there: `cannot read NAME: …` from each command that reads one.
    for args in [
        &["scan", "nope.log"][..],
        &["scan", "--format", "jsonl", "nope.log"],
        &["redact", "nope.log"],
        &["redact", "nope.log", "--dry-run"],
        &["redact", "nope.log", "--diff"],
        &["redact", "--jsonl", "nope.log"],
        &["config", "check", "nope.log"],
        &["scan", "--config", "nope.log", "logs"],
    ] {
        let (code, err) = stderr_of(d, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains("tftsr: error: cannot read nope.log: No such file or directory"),
            "{args:?}: {err}"
        );
    }
    // A directory given to `redact`: named as one, whatever the mode; never "replacing in place"
    // or "a device" (it is neither).
    for args in [
        &["redact", "logs"][..],
        &["redact", "logs", "--dry-run"],
        &["redact", "logs", "-o", "out.log"],
        &["redact", "logs", "--in-place"],
    ] {
        let (code, err) = stderr_of(d, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(
            err.contains("tftsr: error: cannot read logs: it is a directory"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains("in place") && !err.contains("device"),
            "{err}"
        );
    }
    assert!(!d.join("out.log").exists());
}
