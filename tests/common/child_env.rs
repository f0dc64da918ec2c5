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
