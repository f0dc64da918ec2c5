//! `.tftsr.toml` files on disk (`app::config`): discovery, loading, and "Ignore this value"
//! adding a fingerprint without losing the file's comments.

use tftsr::app::config;
use tftsr::engine::{fingerprint, Engine};

#[test]
fn add_fingerprint_preserves_comments() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(".tftsr.toml");
    std::fs::write(&p, "# team config\n[types]\ndisable = [\"hostname\"] # noisy\n\n[allowlist]\n# known test values\nvalues = [\"a@b.example\"]\n").unwrap();
    let fp = fingerprint("10.0.0.9");
    config::add_allowlisted_fingerprint(&p, &fp).unwrap();
    config::add_allowlisted_fingerprint(&p, &fp).unwrap(); // idempotent
    let out = std::fs::read_to_string(&p).unwrap();
    assert!(
        out.contains("# team config")
            && out.contains("# noisy")
            && out.contains("# known test values")
    );
    assert_eq!(out.matches(&fp).count(), 1);
    let eng = Engine::new(config::load(&p).unwrap()).unwrap();
    assert!(eng.scan("ip 10.0.0.9").is_empty());
    assert_eq!(eng.scan("ip 10.0.0.8").len(), 1);
    // Creates a missing file.
    let q = dir.path().join("new.toml");
    config::add_allowlisted_fingerprint(&q, &fp).unwrap();
    assert!(config::load(&q)
        .unwrap()
        .allowlist
        .fingerprints
        .contains(&fp));
    // Rejects a non-fingerprint, and leaves the file alone.
    assert!(config::add_allowlisted_fingerprint(&q, "10.0.0.9").is_err());
}

#[test]
fn discover_finds_nearest_file() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a/b");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(dir.path().join(".tftsr.toml"), "").unwrap();
    assert_eq!(
        config::discover(&sub).unwrap(),
        dir.path().join(".tftsr.toml")
    );
}
