//! `.tftsr.toml`: enabling/disabling types, severities, custom rules checked against their own
//! examples, allowlists, and errors that name file, line and key (never a value).

use std::path::Path;

use tftsr_engine::{fingerprint, Config, ConfigError, Engine, Kind, PiiType, Severity};

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml_str(text, Path::new("/repo/.tftsr.toml"))
}

fn err_of(text: &str) -> (usize, String, String) {
    match load(text) {
        Err(ConfigError::Invalid {
            path,
            line,
            key,
            message,
        }) => {
            assert_eq!(path, Path::new("/repo/.tftsr.toml"));
            (line, key, message)
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("config should be rejected:\n{text}"),
    }
}

#[test]
fn enable_disable_and_severity() {
    let cfg = load("[types]\nenable = [\"email\", \"ipv4\"]\ndisable = [\"ipv4\"]\n[severity]\nemail = \"error\"\n").unwrap();
    let eng = Engine::new(cfg).unwrap();
    let t = "alice@example.com 10.0.0.1 4111111111111111";
    let fs = eng.scan(t);
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].kind, Kind::Builtin(PiiType::Email));
    assert_eq!(eng.severity(&fs[0].kind), Severity::Error);
    assert_eq!(eng.severity(&PiiType::Ipv4.into()), Severity::Information);
    assert!(!eng.is_enabled(&PiiType::Ipv4.into()));
}

#[test]
fn custom_rules() {
    let text = r#"
# employee ids
[[rules]]
id = "employee_id"
regex = 'EMP-(\d{6})'
keywords = ["emp-"]
tag = "[EmployeeId]"
severity = "error"
examples = ["assigned to EMP-123456 today"]
negative_examples = ["EMP-12345 is too short"]
"#;
    let eng = Engine::new(load(text).unwrap()).unwrap();
    let t = "x EMP-654321 y emp-111111 alice@example.com";
    let fs = eng.scan(t);
    let got: Vec<_> = fs
        .iter()
        .map(|f| (f.kind.id().to_owned(), f.value(t).to_owned()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("employee_id".into(), "654321".into()),
            ("email".into(), "alice@example.com".into())
        ]
    );
    let k = &fs[0].kind;
    assert_eq!(eng.tag(k), "[EmployeeId]");
    assert_eq!(eng.severity(k), Severity::Error);
}

#[test]
fn bad_configs_name_line_and_key() {
    let cases: &[(&str, usize, &str, &str)] = &[
        ("[types]\nenable = [\"email\",\n  \"emial\"]\n", 3, "types.enable[1]", "unknown type id"),
        ("[types]\ndisable = [\"nope\"]\n", 2, "types.disable[0]", "unknown type id"),
        ("\n[severity]\nfoo = \"error\"\n", 3, "severity.foo", "unknown type id"),
        ("[[rules]]\nid = \"r\"\nregex = '(unclosed'\n", 3, "rules[0].regex", "invalid regex"),
        ("[[rules]]\nid = \"r\"\nregex = 'a'\n[[rules]]\nid = \"r\"\nregex = 'b'\n", 5, "rules[1].id", "duplicate rule id"),
        ("[[rules]]\nid = \"email\"\nregex = 'a'\n", 2, "rules[0].id", "built-in"),
        ("[[rules]]\nid = \"r\"\nregex = 'x\\d+'\nexamples = [\"ok x1\", \"secret-value-without\"]\n", 4, "rules[0].examples[1]", "does not match its own example #2"),
        ("[[rules]]\nid = \"r\"\nregex = 'x\\d+'\nnegative_examples = [\"x9\"]\n", 4, "rules[0].negative_examples[0]", "matches its negative example"),
        ("[allowlist]\nfingerprints = [\n \"abc\"]\n", 3, "allowlist.fingerprints[0]", "64 hex digits"),
        ("[allowlist]\nregexes = ['[']\n", 2, "allowlist.regexes[0]", "invalid regex"),
    ];
    for (text, line, key, msg) in cases {
        let (l, k, m) = err_of(text);
        assert_eq!((l, k.as_str()), (*line, *key), "{text}");
        assert!(m.contains(msg), "{m:?} should contain {msg:?}");
        // The message never repeats an example (it could be a real secret).
        assert!(!m.contains("secret-value-without"));
    }
    // Unknown keys and wrong types are rejected by the parser with a line.
    let (l, _, m) = err_of("[types]\nenabled = [\"email\"]\n");
    assert_eq!(l, 2);
    assert!(m.contains("unknown field"), "{m}");
    let (l, _, _) = err_of("\n\n[severity]\nemail = \"loud\"\n");
    assert_eq!(l, 4);
    // The Display form names file and line.
    let e = load("[types]\ndisable = [\"nope\"]\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("/repo/.tftsr.toml:2: types.disable[0]:"),
        "{e}"
    );
}

#[test]
fn engine_new_validates_programmatic_configs() {
    let mut cfg = Config::default();
    cfg.types.disable.push("bogus".into());
    assert!(Engine::new(cfg).is_err());
}

#[test]
fn allowlists() {
    let fp = fingerprint("10.0.0.2");
    let text = format!(
        "[allowlist]\nvalues = [\"alice@example.com\"]\nregexes = ['.*@corp\\.example\\.com']\nfingerprints = [\"{}\"]\n",
        fp.to_uppercase()
    );
    let eng = Engine::new(load(&text).unwrap()).unwrap();
    let t = "alice@example.com bob@example.com x@corp.example.com 10.0.0.1 10.0.0.2";
    let fs = eng.scan(t);
    let vals: Vec<_> = fs.iter().map(|f| f.value(t)).collect();
    assert_eq!(vals, vec!["bob@example.com", "10.0.0.1"]);
}

/// Found by the `config` fuzz target: serde's type errors quoted the value written in the wrong
/// place (`invalid type: string "<the value>", expected a sequence`, ``unknown variant
/// `<the value>` ``), and named no key. A secret pasted as `values = "…"` instead of
/// `values = ["…"]` must not reach the terminal or a log.
#[test]
fn a_value_of_the_wrong_type_is_named_by_its_key_never_quoted() {
    let secret = "ghp_U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oool8D";
    let cases = [
        (
            format!("[allowlist]\nvalues = \"{secret}\"\n"),
            2,
            "allowlist.values",
            "invalid type: string, expected a sequence",
        ),
        (
            format!("# sev\n[severity]\nemail = \"{secret}\"\n"),
            3,
            "severity.email",
            "unknown value, expected one of `error`, `warning`",
        ),
        (
            format!(
                "[[rules]]\nid = \"r\"\nregex = \"x\"\nexamples = [\"x\", {}]\n",
                41
            ),
            4,
            "rules[0].examples",
            "invalid type: integer, expected a string",
        ),
        (
            format!("[types]\nenable = [\"email\"]\ndisable = \"{secret}\"\n"),
            3,
            "types.disable",
            "invalid type: string, expected a sequence",
        ),
    ];
    for (text, want_line, want_key, want_msg) in cases {
        let (line, key, message) = err_of(&text);
        assert_eq!((line, key.as_str()), (want_line, want_key), "{text}");
        assert!(message.starts_with(want_msg), "{message}");
        let shown = load(&text).unwrap_err().to_string();
        assert!(!shown.contains(secret) && !shown.contains("41"), "{shown}");
    }
}

/// Found by the `config` fuzz target (`fuzz/regressions/config/table-named-like-a-value`): a
/// table the file made up (`["noreply@example.com"]`, written where `values = […]` was meant)
/// was quoted by the parser's message (`duplicate key `values` in table `noreply@…``), and a
/// made-up name can be anything a value can. Names the schema does not know are not shown;
/// the schema's own names, type ids and the grammar's punctuation still are.
#[test]
fn a_made_up_table_or_key_name_is_not_quoted() {
    let text = "[allowlist]\nvalues = [\"noreply@example.com\"]\n[\"noreply@example.com\"]\nvalues = 1\nvalues = 2\n";
    let (_, _, m) = err_of(text);
    assert!(!m.contains("noreply@example.com"), "{m}");
    assert!(m.contains("(name not shown)"), "{m}");
    let (_, _, m) = err_of("[types]\nenabled = [\"email\"]\n");
    assert!(m.contains("`enable`") && !m.contains("`enabled`"), "{m}");
    let (_, _, m) = err_of("[severity]\nemail = \"loud\"\n");
    assert!(m.contains("`error`"), "{m}");
}
