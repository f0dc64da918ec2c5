//! The modes of redacted copies, on the real binary: a copy gets its input's permission bits, and
//! the copy of a private input (no permission for others) is never readable by anyone but its
//! owner when it lands in a shared directory (`/tmp`-like, group- or other-writable) or belongs
//! to another group than the input, whatever the umask. The child runs with umask 000 (set in the
//! child only), so the umask cannot be what narrows a mode.

use crate::support;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;

use support::*;

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// `tftsr ARGS` in `cwd` with umask 000 and stdin from `stdin` (or none).
fn run(data: &Path, cwd: &Path, args: &[&str], stdin: Option<&Path>) {
    let mut cmd = tftsr_std(data);
    cmd.current_dir(cwd).args(args);
    cmd.stdin(match stdin {
        Some(p) => std::process::Stdio::from(fs::File::open(p).unwrap()),
        None => std::process::Stdio::null(),
    });
    // SAFETY: umask(2) is async-signal-safe; it runs in the forked child only.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "tftsr {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A directory with exactly `mode` (set after creation: the test's umask cannot narrow it).
fn dir_with(parent: &Path, name: &str, mode: u32) -> std::path::PathBuf {
    let d = parent.join(name);
    fs::create_dir(&d).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(mode)).unwrap();
    d
}

fn log_with(dir: &Path, name: &str, mode: u32) -> std::path::PathBuf {
    let (text, _) = planted_log();
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
    p
}

#[test]
fn a_private_input_gives_an_owner_only_copy_in_a_shared_directory() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let data = dir_with(b, "data", 0o700);
    let inputs = dir_with(b, "in", 0o700);
    let sticky = dir_with(b, "sticky", 0o1777); // as /tmp
    let open = dir_with(b, "open", 0o777);
    let team = dir_with(b, "team", 0o770); // group-writable
    let mine = dir_with(b, "mine", 0o700);

    // (input mode, output dir, expected copy mode)
    let cases: [(u32, &Path, u32); 10] = [
        (0o600, &sticky, 0o600),
        (0o600, &open, 0o600),
        (0o640, &sticky, 0o600),
        (0o660, &open, 0o600),
        (0o640, &team, 0o600),
        // A private directory of the owner, same group: the group keeps what it had.
        (0o640, &mine, 0o640),
        (0o600, &mine, 0o600),
        // Not private: the input's bits, wherever the copy goes.
        (0o644, &sticky, 0o644),
        (0o644, &open, 0o644),
        (0o664, &mine, 0o664),
    ];
    for (i, (in_mode, out_dir, want)) in cases.iter().enumerate() {
        let input = log_with(&inputs, &format!("{i}.log"), *in_mode);
        let target = out_dir.join(format!("{i}.redacted.log"));
        run(
            &data,
            b,
            &[
                "redact",
                input.to_str().unwrap(),
                "-o",
                target.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(
            mode(&target),
            *want,
            "input {in_mode:o} into a {:o} directory",
            mode(out_dir)
        );
        // gzip output takes the same path.
        let gz = out_dir.join(format!("{i}.redacted.log.gz"));
        run(
            &data,
            b,
            &[
                "redact",
                input.to_str().unwrap(),
                "-o",
                gz.to_str().unwrap(),
            ],
            None,
        );
        assert_eq!(mode(&gz), *want, "gz: input {in_mode:o}");
        // From stdin redirected from the file: the same file, the same privacy.
        let piped = out_dir.join(format!("{i}.stdin.log"));
        run(
            &data,
            b,
            &["redact", "-", "-o", piped.to_str().unwrap()],
            Some(&input),
        );
        assert_eq!(mode(&piped), *want, "stdin: input {in_mode:o}");
    }
}

#[test]
fn in_place_keeps_the_exact_mode_in_a_shared_directory() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let data = dir_with(b, "data", 0o700);
    let sticky = dir_with(b, "sticky", 0o1777);
    for m in [0o600, 0o640, 0o644] {
        let log = log_with(&sticky, &format!("{m:o}.log"), m);
        run(
            &data,
            b,
            &["redact", "--in-place", log.to_str().unwrap()],
            None,
        );
        assert_eq!(mode(&log), m);
        assert!(fs::read_to_string(&log).unwrap().contains("[Email]"));
    }
}

#[test]
fn a_private_copy_owned_by_another_group_loses_the_group_bits() {
    // The input's group is not the group a new file gets: its group bits would grant the copy to
    // other people. Needs permission to give the input another group (root, as in CI's
    // container); elsewhere the case cannot be built and says so.
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let data = dir_with(b, "data", 0o700);
    let mine = dir_with(b, "mine", 0o700);
    let input = log_with(b, "adm.log", 0o640);
    let mine_gid = fs::metadata(&mine).unwrap().gid();
    let other = if mine_gid == 4 { 5 } else { 4 };
    if std::os::unix::fs::chown(&input, None, Some(other)).is_err() {
        eprintln!("skipped: cannot give the input another group (not root)");
        return;
    }
    let target = mine.join("copy.log");
    run(
        &data,
        b,
        &[
            "redact",
            input.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    assert_ne!(fs::metadata(&target).unwrap().gid(), other);
    assert_eq!(mode(&target), 0o600);
}

#[test]
fn a_private_jsonl_input_gives_an_owner_only_copy_in_a_shared_directory() {
    let base = tempfile::tempdir().unwrap();
    let b = base.path();
    let data = dir_with(b, "data", 0o700);
    let sticky = dir_with(b, "sticky", 0o1777);
    let input = b.join("events.jsonl");
    fs::write(&input, "{\"message\":\"login from bob@example.com\"}\n").unwrap();
    fs::set_permissions(&input, fs::Permissions::from_mode(0o640)).unwrap();
    let target = sticky.join("events.clean.jsonl");
    run(
        &data,
        b,
        &[
            "redact",
            "--jsonl",
            input.to_str().unwrap(),
            "-o",
            target.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(mode(&target), 0o600);
    assert!(fs::read_to_string(&target).unwrap().contains("[Email]"));
}
