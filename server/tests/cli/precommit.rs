//! The repository's `.pre-commit-hooks.yaml` with the real `pre-commit` (PyPI) on a temporary git
//! repository: a staged log holding a secret blocks the commit, a clean one goes through.
//!
//! The hooks file is served from a throw-away git repository of its own (pre-commit clones the
//! hook repository at a `rev`), holding exactly the file committed here; the hook runs the
//! `tftsr` under test, put first on the child's PATH. Every git and pre-commit setting the
//! children see is passed with `Command::env` (HOME, PRE_COMMIT_HOME in the temp dir).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::support::{corpus_lines, progress, tftsr};

/// A command in `dir` with a private HOME, no system git configuration, and the binary under
/// test first on PATH.
fn child(program: &str, dir: &Path, home: &Path) -> Command {
    let bin_dir = assert_cmd::cargo::cargo_bin("tftsr")
        .parent()
        .expect("binary dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let mut cmd = Command::new(program);
    super::support::child_env::scrub(&mut cmd)
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("PRE_COMMIT_HOME", home.join("pre-commit"))
        .env("TFTSR_DATA_DIR", home.join("tftsr-data"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("PRE_COMMIT");
    cmd
}

fn run(cmd: &mut Command, what: &str) -> Output {
    progress::output(cmd, what)
}

fn ok(cmd: &mut Command, what: &str) -> String {
    let out = run(cmd, what);
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn git(dir: &Path, home: &Path, args: &[&str]) -> String {
    ok(
        child("git", dir, home).args(args),
        &format!("git {}", args.join(" ")),
    )
}

fn commits(dir: &Path, home: &Path) -> usize {
    git(dir, home, &["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .expect("count")
}

#[test]
fn precommit_hook_blocks_a_staged_secret_and_passes_a_clean_file() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let version = run(
        child("pre-commit", tmp.path(), &home).arg("--version"),
        "pre-commit --version",
    );
    assert!(
        version.status.success(),
        "the real pre-commit is needed (pip install pre-commit; scripts/test.sh installs it)"
    );

    // The hook repository: this checkout's .pre-commit-hooks.yaml, committed.
    let hooks = tmp.path().join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::copy(
        root.join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .expect("the repository has a .pre-commit-hooks.yaml");
    git(&hooks, &home, &["init", "-q", "-b", "main"]);
    git(&hooks, &home, &["add", ".pre-commit-hooks.yaml"]);
    git(&hooks, &home, &["commit", "-q", "-m", "hooks"]);
    let rev = git(&hooks, &home, &["rev-parse", "HEAD"]).trim().to_owned();

    // The project using it, with the hook installed as a user would.
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    git(&proj, &home, &["init", "-q", "-b", "main"]);
    std::fs::write(
        proj.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: tftsr\n",
            hooks.display()
        ),
    )
    .unwrap();
    ok(
        child("pre-commit", &proj, &home).arg("install"),
        "pre-commit install",
    );

    // A clean log: real loghub lines, cleaned by tftsr itself (so nothing is left to find).
    let raw = corpus_lines("OpenSSH_2k.log", 40).join("\n") + "\n";
    std::fs::write(tmp.path().join("raw.log"), &raw).unwrap();
    let cleaned = tftsr(tmp.path())
        .args(["redact", "raw.log", "-q"])
        .output()
        .unwrap();
    assert!(cleaned.status.success(), "redact: {cleaned:?}");
    assert_ne!(
        cleaned.stdout,
        raw.as_bytes(),
        "the corpus lines had findings to clean"
    );
    std::fs::write(proj.join("clean.log"), &cleaned.stdout).unwrap();
    git(
        &proj,
        &home,
        &["add", ".pre-commit-config.yaml", "clean.log"],
    );
    let out = run(
        child("git", &proj, &home).args(["commit", "-m", "clean log"]),
        "git commit (clean)",
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "a clean commit was refused:\n{said}");
    assert!(
        said.contains("tftsr (PII and secrets)"),
        "the hook ran:\n{said}"
    );
    assert!(said.contains("Passed"), "{said}");
    assert_eq!(commits(&proj, &home), 1);

    // A log with a secret planted in a real line: the commit is refused, nothing recorded.
    let secret = "AKIAZ7Q2M4XK9P3LW8RT";
    let email = "alice.smith@example.com";
    let lines = corpus_lines("Apache_2k.log", 10);
    let mut text = String::new();
    for (i, l) in lines.iter().enumerate() {
        text.push_str(l);
        match i {
            3 => text.push_str(&format!(" aws_access_key_id={secret}")),
            6 => text.push_str(&format!(" user={email}")),
            _ => {}
        }
        text.push('\n');
    }
    std::fs::write(proj.join("leaky.log"), &text).unwrap();
    git(&proj, &home, &["add", "leaky.log"]);
    let out = run(
        child("git", &proj, &home).args(["commit", "-m", "leaky log"]),
        "git commit (secret)",
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out.status.success(),
        "a commit with a secret went through:\n{said}"
    );
    assert!(said.contains("Failed"), "{said}");
    assert!(
        said.contains("leaky.log:4:"),
        "the finding's place is named:\n{said}"
    );
    assert!(said.contains("leaky.log:7:"), "{said}");
    assert!(said.contains("email"), "{said}");
    assert!(
        !said.contains(secret) && !said.contains(email),
        "a value leaked:\n{said}"
    );
    assert_eq!(commits(&proj, &home), 1, "nothing was committed");
    // Still staged, for the user to fix.
    let staged = git(&proj, &home, &["diff", "--cached", "--name-only"]);
    assert_eq!(staged.trim(), "leaky.log");
}
