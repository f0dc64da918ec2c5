//! The engine stays pure: no I/O, no async runtime, no database, no LSP types. Its own crate
//! already keeps the server's modules out of reach; this test keeps the dependency list and the
//! source free of what would bring I/O or a runtime back in.

use std::path::Path;

/// The only crates the engine may depend on: text processing, hashing, parsing.
const ALLOWED: &[&str] = &[
    "regex",
    "aho-corasick",
    "memchr",
    "sha2",
    "hmac",
    "hex",
    "base64",
    "serde",
    "serde_json",
    "toml",
    "toml_edit",
    "thiserror",
];

/// Paths whose use means I/O, processes, the environment, or a runtime/database/LSP type.
const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::process",
    "std::env",
    "std::io::stdin",
    "std::io::stdout",
    "File::",
    "tokio",
    "rusqlite",
    "tower_lsp",
    "ls_types",
    "tftsr::",
];

#[test]
fn dependencies_are_pure() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let doc: toml::Table = manifest.parse().unwrap();
    let deps = doc["dependencies"].as_table().expect("[dependencies]");
    assert!(!deps.is_empty());
    for name in deps.keys() {
        assert!(
            ALLOWED.contains(&name.as_str()),
            "engine/Cargo.toml depends on `{name}`: the engine must stay pure (no I/O, runtime, \
             database or LSP crates); extend ALLOWED only for a pure text-processing crate"
        );
    }
}

#[test]
fn sources_do_no_io() {
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files += 1;
                let src = std::fs::read_to_string(&p).unwrap();
                for (n, line) in src.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    for f in FORBIDDEN {
                        assert!(
                            !code.contains(f),
                            "{}:{}: `{f}` in the engine (it must do no I/O and use no \
                             runtime, database or LSP type)",
                            p.display(),
                            n + 1
                        );
                    }
                }
            }
        }
    }
    assert!(files >= 5, "found the engine's sources");
}
