//! Every command's `--help`, from the real binary: an Examples section (each example a real
//! `tftsr` command line), and the environment variables the command reads.

use crate::completions::command_paths;
use crate::support::*;

fn help(dir: &std::path::Path, path: &[String]) -> String {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let out = tftsr(dir).args(&args).output().unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn every_command_help_has_examples() {
    let t = tempfile::tempdir().unwrap();
    let paths = command_paths();
    assert!(paths.iter().any(|p| p == &["issue", "new"]));
    let mut missing = Vec::new();
    for path in &paths {
        let text = help(t.path(), path);
        let Some(at) = text.find("\nExamples:\n") else {
            missing.push(path.join(" "));
            continue;
        };
        // The examples are command lines of this very command (or of the tool, for a group).
        let examples: Vec<&str> = text[at + 11..]
            .lines()
            .take_while(|l| !l.is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
            .collect();
        assert!(!examples.is_empty(), "{}: empty Examples", path.join(" "));
        assert!(
            examples
                .iter()
                .any(|l| l.contains(&format!("tftsr {}", path[0]))
                    || l.contains("tftsr --data-dir") && l.contains(&path[0])),
            "{}: no example runs `tftsr {}`:\n{}",
            path.join(" "),
            path[0],
            examples.join("\n")
        );
    }
    assert!(missing.is_empty(), "no Examples in --help of: {missing:?}");
    let top = help(t.path(), &[]);
    assert!(top.contains("\nExamples:\n"));
}

#[test]
fn store_commands_list_their_environment() {
    let t = tempfile::tempdir().unwrap();
    let top = help(t.path(), &[]);
    for var in [
        "TFTSR_DATA_DIR",
        "TFTSR_DB_KEY",
        "TFTSR_DB_NEW_KEY",
        "TFTSR_DB_ENCRYPT",
        "TFTSR_FINGERPRINT_KEY",
        "TFTSR_AI_API_KEY",
        "NO_COLOR",
    ] {
        assert!(top.contains(var), "tftsr --help lists no {var}");
    }
    for path in command_paths() {
        if !["issue", "why", "doc", "audit", "db", "ai"].contains(&path[0].as_str()) {
            continue;
        }
        let text = help(t.path(), &path);
        let env = text
            .find("\nEnvironment:\n")
            .unwrap_or_else(|| panic!("{}: no Environment section", path.join(" ")));
        let env = &text[env..];
        for var in ["TFTSR_DATA_DIR", "TFTSR_DB_KEY"] {
            assert!(env.contains(var), "{}: {var} not listed", path.join(" "));
        }
        assert!(
            text.contains("--data-dir <DIR>"),
            "{}: no --data-dir",
            path.join(" ")
        );
    }
    let rekey = help(t.path(), &["db".into(), "rekey".into()]);
    assert!(rekey.contains("TFTSR_DB_NEW_KEY"));
}
