//! The client's side of positions, written independently of the server's `position.rs`: a
//! test that compares the two must not share code with what it checks.

use tower_lsp_server::ls_types::Position;

/// The nearest char boundary at or below `i` that does not split a `\r\n` pair (LSP positions
/// cannot address the point between them).
pub fn snap(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    let b = text.as_bytes();
    if i > 0 && b[i - 1] == b'\r' && b.get(i) == Some(&b'\n') {
        i -= 1;
    }
    i
}

/// LSP position of byte offset `at` (a char boundary): lines end at `\n`, `\r\n` or `\r`;
/// columns count UTF-8 bytes or UTF-16 code units.
pub fn position_of(text: &str, at: usize, utf8: bool) -> Position {
    let b = text.as_bytes();
    let mut line = 0u32;
    let mut line_start = 0usize;
    let mut i = 0;
    while i < at {
        match b[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' if b.get(i + 1) != Some(&b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let col = &text[line_start..at];
    let character = if utf8 {
        col.len()
    } else {
        col.chars().map(char::len_utf16).sum()
    };
    Position::new(line, character as u32)
}
