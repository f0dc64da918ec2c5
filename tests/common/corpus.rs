//! Where the loghub corpus is: `TFTSR_CORPUS` if set, else `shared/corpus/loghub` beside the
//! repository (where CI puts it), else the developer machines' `/work/shared`. One place, so every
//! test finds the same files.

use std::path::{Path, PathBuf};

pub fn loghub_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("TFTSR_CORPUS") {
        return PathBuf::from(d);
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")); // <repo>/server
    [
        manifest.join("../../shared/corpus/loghub"),
        PathBuf::from("/work/shared/corpus/loghub"),
    ]
    .into_iter()
    .find(|d| d.join("OpenSSH_2k.log").is_file())
    .expect("loghub corpus not found: set TFTSR_CORPUS to shared/corpus/loghub")
}

/// The text of one corpus file, e.g. `OpenSSH_2k.log`.
#[allow(dead_code)]
pub fn loghub_file(name: &str) -> String {
    let p = loghub_dir().join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
