//! `tftsr config show` and `tftsr config check`, on the real binary: which file applies and how
//! far (the project's in full, one that came with the logs only in part), where each type's state
//! and severity came from (file and line, or the command line), and no allowlisted value, rule
//! regex or example ever printed; `check` names file, line and key of a mistake, never its value.

use std::path::Path;

use crate::support::*;

/// An allowlisted address, a rule whose regex and example are themselves sensitive-looking: none
/// may be printed.
const SECRET_VALUE: &str = "ops.lead@corp-secret.example";
const RULE_REGEX: &str = r"\bPROJ-ZEBRA-[0-9]{4}\b";
const RULE_EXAMPLE: &str = "ticket PROJ-ZEBRA-0042 opened";

fn team_config() -> String {
    format!(
        "# team configuration\n\
         [types]\n\
         disable = [\"hostname\"]\n\
         \n\
         [severity]\n\
         ipv4 = \"error\"\n\
         \n\
         [[rules]]\n\
         id = \"project_code\"\n\
         regex = '{RULE_REGEX}'\n\
         tag = \"[Project]\"\n\
         severity = \"warning\"\n\
         examples = [\"{RULE_EXAMPLE}\"]\n\
         \n\
         [allowlist]\n\
         values = [\"{SECRET_VALUE}\"]\n"
    )
}

fn show(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = tftsr(dir)
        .args(["config", "show", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for secret in [SECRET_VALUE, RULE_REGEX, "PROJ-ZEBRA", RULE_EXAMPLE] {
        assert!(!text.contains(secret), "config show printed {secret}");
    }
    serde_json::from_str(&text).unwrap()
}

fn ty<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["types"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap_or_else(|| panic!("no type {id}"))
}

#[test]
fn show_names_the_file_its_trust_and_where_each_part_came_from() {
    let t = tempfile::tempdir().unwrap();
    let project = t.path().join("project");
    std::fs::create_dir_all(project.join("logs")).unwrap();
    let cfg = project.join(".tftsr.toml");
    std::fs::write(&cfg, team_config()).unwrap();
    let cfg_s = cfg.display().to_string();

    // From the project: the project's file, in full.
    let v = show(&project, &[]);
    assert_eq!(v["file"], cfg_s.as_str());
    assert_eq!(v["applies"], "full");
    let hostname = ty(&v, "hostname");
    assert_eq!(hostname["enabled"], false);
    assert_eq!(hostname["enabled_from"], format!("{cfg_s}:3").as_str());
    let ipv4 = ty(&v, "ipv4");
    assert_eq!(
        (&ipv4["severity"], &ipv4["severity_from"]),
        (&"error".into(), &format!("{cfg_s}:6").into())
    );
    assert_eq!(ty(&v, "email")["enabled_from"], "built-in");
    assert_eq!(ty(&v, "email")["severity_from"], "built-in");
    let rule = &v["rules"][0];
    assert_eq!(rule["id"], "project_code");
    assert_eq!(rule["tag"], "[Project]");
    assert_eq!(rule["examples"], 1);
    assert_eq!(rule["from"], format!("{cfg_s}:8").as_str());
    assert_eq!(v["allowlist"]["values"], 1);
    assert_eq!(v["allowlist"]["applied"], true);
    assert_eq!(v["fingerprint_key"]["source"], "user");
    assert_eq!(v["data_dir"], project.display().to_string().as_str());

    // The command line's filter, named as the source.
    let v = show(&project, &["-x", "email", "-t", "email,ipv4"]);
    assert_eq!(ty(&v, "email")["enabled"], false);
    assert_eq!(ty(&v, "email")["enabled_from"], "--exclude-types");
    assert_eq!(ty(&v, "ipv4")["enabled_from"], "--types");
    assert_eq!(ty(&v, "ssn")["enabled"], false);

    // The same file inside the scanned tree (it came with the logs): only rules and
    // severities; the allowlist and [types] are named, not applied.
    let logs = project.join("logs");
    let inner = logs.join(".tftsr.toml");
    std::fs::write(&inner, team_config()).unwrap();
    let v = show(&project, &[logs.to_str().unwrap()]);
    assert_eq!(v["file"], inner.display().to_string().as_str());
    assert_eq!(v["applies"], "rules_and_severities");
    assert_eq!(v["allowlist"]["applied"], false);
    assert_eq!(ty(&v, "hostname")["enabled"], true);
    assert_eq!(ty(&v, "ipv4")["severity"], "error");
    // … and --trust-config applies it in full; --config names another file.
    let v = show(&project, &["--trust-config", logs.to_str().unwrap()]);
    assert_eq!(v["applies"], "full");
    let v = show(
        &project,
        &["-c", cfg.to_str().unwrap(), logs.to_str().unwrap()],
    );
    assert_eq!(v["file"], cfg_s.as_str());

    // No file anywhere: built-in defaults.
    let bare = t.path().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    let v = show(&bare, &[]);
    assert_eq!(v["file"], serde_json::Value::Null);
    assert_eq!(v["types"].as_array().unwrap().len(), 21);

    // The text form says the same, also without a value.
    let out = tftsr(&project).args(["config", "show"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("applies:         in full"), "{text}");
    assert!(text.contains(&format!("{cfg_s}:3")));
    assert!(!text.contains(SECRET_VALUE) && !text.contains("PROJ-ZEBRA"));
}

#[test]
fn check_validates_and_names_line_and_key_never_the_value() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    let run = |args: &[&str]| {
        let out = tftsr(dir)
            .args(["config", "check"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    // Nothing to check.
    let (code, _, stderr) = run(&[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no .tftsr.toml"), "{stderr}");

    std::fs::write(dir.join(".tftsr.toml"), team_config()).unwrap();
    let (code, stdout, _) = run(&[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(".tftsr.toml: ok (1 custom rule)"),
        "{stdout}"
    );

    // (file text, line, key) of each mistake; "hunter2" must never be printed.
    let cases: &[(&str, usize, &str)] = &[
        ("nope = \"hunter2\"\n", 1, "(top level)"),
        ("[types]\nbogus = [\"hunter2\"]\n", 2, "types.bogus"),
        ("[severity]\nemail = \"hunter2\"\n", 2, "severity.email"),
        ("[allowlist]\nvalues = \"hunter2\"\n", 2, "allowlist.values"),
        (
            "[[rules]]\nid = \"x\"\nregex = 'hunter2'\nexamples = [\"no match here\"]\n",
            4,
            "rules[0].examples[0]",
        ),
        ("[severity\nemail = \"hunter2\"\n", 1, ""),
    ];
    for (i, (text, line, key)) in cases.iter().enumerate() {
        let f = dir.join(format!("bad{i}.toml"));
        std::fs::write(&f, text).unwrap();
        let (code, stdout, stderr) = run(&[f.to_str().unwrap()]);
        assert_eq!(code, 1, "{text}: {stderr}");
        assert!(stdout.is_empty());
        let want = format!("bad{i}.toml:{line}: {key}");
        assert!(stderr.contains(&want), "{text}: want {want} in {stderr}");
        assert!(
            !stderr.contains("hunter2"),
            "{text}: the value was printed: {stderr}"
        );
        let (code, stdout, _) = run(&[f.to_str().unwrap(), "--json"]);
        assert_eq!(code, 1);
        let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            (v["valid"].as_bool(), v["line"].as_u64()),
            (Some(false), Some(*line as u64))
        );
        assert!(!stdout.contains("hunter2"));
    }
    let (code, _, stderr) = run(&["missing.toml"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("missing.toml"));
}
