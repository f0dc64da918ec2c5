//! LSP base-protocol framing (`Content-Length` headers) for the test client and the LSP benchmark:
//! one reader, so both speak to the server the same way.

use std::io::BufRead;

use serde_json::Value;

/// Reads one framed JSON message; `None` at end of input or on a malformed frame.
pub fn read_message(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        // Header names are case-insensitive (LSP follows HTTP here).
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                len = v.trim().parse::<usize>().ok();
            }
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}
