//! `tftsr redact --style …` end to end: the styles as the CLI delivers them.

use crate::support;

use std::fs;
use std::path::Path;

use support::*;

#[test]
fn styles_mask_and_pseudonym() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let log = "login bob@example.com\nlogout bob@example.com\nlogin eve@example.org\n";
    fs::write(d.join("a.log"), log).unwrap();

    let out = tftsr(d)
        .args(["redact", "-t", "email", "--style", "mask", "a.log"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let masked = String::from_utf8(out.stdout).unwrap();
    // One * per character: the layout of the log is unchanged.
    assert_eq!(
        masked,
        "login ***************\nlogout ***************\nlogin ***************\n"
    );

    let pseudo = |data: &Path| -> Vec<String> {
        let out = tftsr(d)
            .env("TFTSR_DATA_DIR", data)
            .args(["redact", "-t", "email", "--style", "pseudonym", "a.log"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split_once(' ').unwrap().1.to_owned())
            .collect()
    };
    let store_a = d.join("store-a");
    let store_b = d.join("store-b");
    let a1 = pseudo(&store_a);
    assert!(
        a1[0].starts_with("[Email-") && a1[0].ends_with(']'),
        "{a1:?}"
    );
    assert_eq!(a1[0], a1[1], "same value, same token");
    assert_ne!(a1[0], a1[2], "different values, different tokens");
    assert_eq!(
        pseudo(&store_a),
        a1,
        "stable across runs with the same store secret"
    );
    assert_ne!(
        pseudo(&store_b)[0],
        a1[0],
        "keyed: another store's secret gives other tokens"
    );
}
