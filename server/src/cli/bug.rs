//! Bugs must not print what we protect: a panic names only the code location, and a panic inside
//! one input's scan becomes an error for that input.

/// Replaces the default panic message (which may quote the text being scanned, e.g. "byte index
/// 5 is not a char boundary … of `<text>`") with one that names only the code location: a bug
/// must not print the values we are protecting.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        // `println!` into a closed pipe (`tftsr issue list | head -1`) panics: not a bug, the
        // reader went away. End quietly, as ripgrep does (see `super::is_broken_pipe`).
        let payload = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied());
        if payload.is_some_and(is_stdout_broken_pipe) {
            std::process::exit(0);
        }
        let at = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        eprintln!("tftsr: internal error{at} (a bug: please report it)");
    }));
}

/// Runs `f`, turning a panic (a bug) into an error message naming `name` but not any content.
pub fn catch_bug<T>(name: &str, f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .map_err(|_| format!("{name}: internal error while scanning (a bug: please report it)"))
}

/// Whether a panic message is std's "failed printing to stdout" on a closed pipe.
fn is_stdout_broken_pipe(msg: &str) -> bool {
    let epipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe).to_string();
    let os = std::io::Error::from_raw_os_error(libc::EPIPE).to_string();
    msg.starts_with("failed printing to stdout") && (msg.contains(&os) || msg.contains(&epipe))
}
