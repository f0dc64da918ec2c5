//! `tftsr completions SHELL` and `tftsr man`, from the real binary: every command (nested ones
//! too) is in every shell's script and in the manual pages, and the bash script really completes
//! when bash runs it.

use std::process::Stdio;

use crate::support::*;

/// Every command path below `tftsr`, e.g. `["scan"]`, `["issue", "new"]`, from the parser itself
/// (so a command added later is checked without touching this test).
pub fn command_paths() -> Vec<Vec<String>> {
    fn walk(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_owned());
            out.push(path.clone());
            walk(sub, &path, out);
        }
    }
    let mut out = Vec::new();
    walk(&tftsr::cli::help::command(), &[], &mut out);
    out
}

fn stdout_of(dir: &std::path::Path, args: &[&str]) -> String {
    let out = tftsr(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn every_shell_script_names_every_command() {
    let t = tempfile::tempdir().unwrap();
    let paths = command_paths();
    assert!(paths.len() > 30, "nested commands are walked: {paths:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(t.path(), &["completions", shell]);
        for path in &paths {
            let name = path.last().unwrap();
            // Each shell spells a nested command differently (`tftsr__issue__new`,
            // `'tftsr;issue;new'`, `__fish_tftsr_using_subcommand issue` + `new` …): the name
            // must be there as a word, and, nested, next to its parent's.
            assert!(
                script
                    .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
                    .any(|w| w == name),
                "{shell}: no command `{}`",
                path.join(" ")
            );
        }
        for flag in [
            "--format",
            "--color",
            "--show-values",
            "--in-place",
            "--baseline",
            "--dry-run",
            "--diff",
        ] {
            // fish spells `--format` as `-l format`.
            let spelled = match shell {
                "fish" => format!("-l {}", &flag[2..]),
                _ => flag.to_owned(),
            };
            assert!(script.contains(&spelled), "{shell}: no {flag}");
        }
    }
}

/// bash runs the script and completes: `tftsr sc<TAB>` gives `scan`, `tftsr scan --for<TAB>`
/// gives `--format`, `tftsr scan --format <TAB>` the three formats, `tftsr issue n<TAB>` `new`.
#[test]
fn bash_completes_commands_options_and_values() {
    let t = tempfile::tempdir().unwrap();
    let script = t.path().join("tftsr.bash");
    std::fs::write(&script, stdout_of(t.path(), &["completions", "bash"])).unwrap();
    let complete = |words: &[&str]| -> Vec<String> {
        let words_q: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let prog = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; COMP_LINE='{}'; COMP_POINT=${{#COMP_LINE}}; \
             _tftsr tftsr '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            words_q.join(" "),
            words.len() - 1,
            words.join(" "),
            words[words.len() - 1],
            words[words.len().saturating_sub(2)],
        );
        let out = std::process::Command::new("bash")
            .args(["--norc", "--noprofile", "-c", &prog])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bash: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(complete(&["tftsr", "sc"]), ["scan"]);
    assert!(complete(&["tftsr", "scan", "--for"]).contains(&"--format".to_owned()));
    let formats = complete(&["tftsr", "scan", "--format", ""]);
    for f in ["text", "jsonl", "sarif"] {
        assert!(formats.contains(&f.to_owned()), "{formats:?}");
    }
    assert!(complete(&["tftsr", "issue", "n"]).contains(&"new".to_owned()));
    assert!(complete(&["tftsr", "completions", "f"]).contains(&"fish".to_owned()));
}

#[test]
fn man_page_lists_every_command_and_out_dir_writes_a_page_for_each() {
    let t = tempfile::tempdir().unwrap();
    let page = stdout_of(t.path(), &["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH tftsr 1"),
        "roff"
    );
    assert!(page.contains(".TH tftsr 1"));
    for path in command_paths().iter().filter(|p| p.len() == 1) {
        // roff escapes the dash: `tftsr\-scan(1)`.
        assert!(
            page.contains(&format!("tftsr\\-{}(1)", path[0].replace('-', "\\-"))),
            "tftsr.1 lists no `{}`",
            path[0]
        );
    }
    let dir = t.path().join("man1");
    let out = tftsr(t.path())
        .args(["man", "--out-dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.join("tftsr.1").is_file());
    for path in command_paths() {
        let file = dir.join(format!("tftsr-{}.1", path.join("-")));
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(text.contains(".SH SYNOPSIS"), "{}", file.display());
    }
    // A command's page has its options and its examples.
    let scan = std::fs::read_to_string(dir.join("tftsr-scan.1")).unwrap();
    assert!(scan.contains("\\-\\-format") && scan.contains("Examples:"));
    // man itself reads it (when installed).
    if std::process::Command::new("man")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        let out = std::process::Command::new("man")
            .args(["-l", dir.join("tftsr-scan.1").to_str().unwrap()])
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("--show-values"));
    }
}
