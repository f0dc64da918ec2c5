//! Where the loghub corpus is: `TFTSR_CORPUS` if set, else `shared/corpus/loghub` beside the
//! repository checkout (`<checkout>/../shared`, where CI lays `shared/`). One place, so every test
//! and benchmark finds the same files, on any machine; no test names a machine-specific path.

use std::path::{Path, PathBuf};

/// The checkout's root: the nearest directory above the crate holding `Cargo.lock`.
fn checkout_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")); // <checkout>/server or <checkout>/engine
    manifest
        .ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .unwrap_or(manifest)
        .to_path_buf()
}

pub fn loghub_dir() -> PathBuf {
    let dir = match std::env::var_os("TFTSR_CORPUS").filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => checkout_root().join("../shared/corpus/loghub"),
    };
    assert!(
        dir.join("OpenSSH_2k.log").is_file(),
        "loghub corpus not found at {}: lay shared/ beside the checkout or set TFTSR_CORPUS to \
         its corpus/loghub",
        dir.display()
    );
    dir
}

/// The text of one corpus file, e.g. `OpenSSH_2k.log`.
#[allow(dead_code)]
pub fn loghub_file(name: &str) -> String {
    let p = loghub_dir().join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
