//! Files as a careful tool writes them: outputs that are devices or FIFOs are written into, never
//! replaced; a link's file is replaced and the link kept.

use crate::support;

use std::fs;
use std::io::Read;
use std::os::unix::fs::FileTypeExt;

use support::*;

#[test]
fn an_output_that_is_a_fifo_is_written_into_not_replaced() {
    // What `-o /dev/null` or `-o /dev/stdout` is, without risking the machine's /dev/null: a
    // rename onto it would replace the device for every process.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, planted) = planted_log();
    fs::write(d.join("a.log"), &text).unwrap();
    let fifo = d.join("out.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut got = String::new();
            fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut got)
                .unwrap();
            got
        })
    };
    let out = tftsr(d)
        .args(["redact", "a.log", "-o", "out.fifo"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = reader.join().unwrap();
    assert!(got.contains("[Email]"));
    for (v, _) in &planted {
        assert!(!got.contains(v.as_str()));
    }
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    let names: Vec<String> = fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("tftsr-tmp")), "{names:?}");
}

#[test]
fn an_output_that_is_a_link_replaces_its_file_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (text, _) = planted_log();
    fs::write(d.join("a.log"), &text).unwrap();
    fs::create_dir(d.join("real")).unwrap();
    fs::write(d.join("real/clean.log"), "old\n").unwrap();
    std::os::unix::fs::symlink("real/clean.log", d.join("clean.log")).unwrap();
    let out = tftsr(d)
        .args(["redact", "a.log", "-o", "clean.log"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "exists: refused without --force"
    );
    let out = tftsr(d)
        .args(["redact", "a.log", "-o", "clean.log", "--force"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fs::symlink_metadata(d.join("clean.log"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(fs::read_to_string(d.join("real/clean.log"))
        .unwrap()
        .contains("[Email]"));
}
