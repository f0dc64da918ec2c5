//! The environment of the `tftsr` processes the tests start: none of the developer's or CI's own
//! `TFTSR_*` settings reach them (a `TFTSR_DB_KEY` or `TFTSR_DB_ENCRYPT=0` in the shell would
//! change what a test sees); each test passes what it means with `Command::env`. Nothing here
//! changes this process's environment, it only reads it.
#![allow(dead_code)]

use std::ffi::OsString;

/// The `TFTSR_*` variables this process inherited, to `env_remove` from a child.
pub fn inherited_tftsr_vars() -> Vec<OsString> {
    std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| k.to_string_lossy().starts_with("TFTSR_"))
        .collect()
}

/// `cmd` with every inherited `TFTSR_*` variable removed.
pub fn scrub(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for k in inherited_tftsr_vars() {
        cmd.env_remove(k);
    }
    cmd
}

/// The tests' documents and workspaces live in temp dirs, and `tftsr` looks for `.tftsr.toml` in a
/// directory and all its ancestors: a stray one in the temp dir or above it (someone's
/// `/tmp/.tftsr.toml`) would silently change what every test sees. Fail clearly instead.
pub fn assert_no_config_above_temp() {
    let tmp = std::env::temp_dir();
    for d in tmp.ancestors() {
        let p = d.join(".tftsr.toml");
        assert!(
            !p.exists(),
            "{} exists: tftsr would read it for every test's temp workspace (configurations are \
             looked up in the ancestors too); move it away to run the tests",
            p.display()
        );
    }
}
