//! Asking before a destructive command: `--yes`, or a `y` typed at a terminal. Without a terminal
//! and without `--yes` the command is refused (a script must say what it means).

use std::io::{BufRead, IsTerminal, Write};

/// `Ok(true)` to go ahead; `Ok(false)` when the user answered anything but yes.
pub fn confirm(question: &str, yes: bool) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("{question}: refusing without confirmation; pass --yes");
    }
    let mut err = std::io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}
