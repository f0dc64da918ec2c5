//! Every conversion between the engine's byte offsets and LSP positions lives here, so the
//! encoding rules (UTF-16 by default, UTF-8 when the client offers it) are decided in one place.
//!
//! Lines end at `\n`, `\r\n` or `\r` (the LSP definition; ropey is built without `unicode_lines`).

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// The negotiated position encoding.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    /// The LSP default; what Neovim ≤ 0.10, eglot 1.9 and VS Code always use.
    #[default]
    Utf16,
    Utf8,
}

impl Encoding {
    /// Picks UTF-8 only when the client offers it; everything else gets UTF-16 (the default every
    /// client must support, even those that announce nothing).
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(list) if list.iter().any(|k| k.as_str() == "utf-8") => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf16 => PositionEncodingKind::UTF16,
            Encoding::Utf8 => PositionEncodingKind::UTF8,
        }
    }
}

/// A position that does not exist in the document. Carries numbers only, never text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PositionError {
    #[error("line {line} is past the end of the document ({lines} lines)")]
    LineOutOfRange { line: u32, lines: usize },
    #[error("column {character} on line {line} splits a character")]
    InsideCharacter { line: u32, character: u32 },
    #[error(
        "range end {end_line}:{end_character} is before its start {start_line}:{start_character}"
    )]
    Reversed {
        start_line: u32,
        start_character: u32,
        end_line: u32,
        end_character: u32,
    },
}

/// Byte length of line `line` without its terminator.
fn line_content_bytes(rope: &Rope, line: usize) -> usize {
    let slice = rope.line(line);
    let mut n = slice.len_bytes();
    // A line ends with at most one terminator: `\n`, `\r\n` or `\r`.
    if n > 0 && slice.byte(n - 1) == b'\n' {
        n -= 1;
    }
    if n > 0 && slice.byte(n - 1) == b'\r' {
        n -= 1;
    }
    n
}

/// Byte offset → position. `byte` must be on a char boundary and ≤ the document length.
pub fn offset_to_position(rope: &Rope, byte: usize, enc: Encoding) -> Position {
    let byte = byte.min(rope.len_bytes());
    let line = rope.byte_to_line(byte);
    let line_start = rope.line_to_byte(line);
    let character = match enc {
        Encoding::Utf8 => byte - line_start,
        Encoding::Utf16 => {
            let c = rope.byte_to_char(byte);
            let lc = rope.byte_to_char(line_start);
            rope.char_to_utf16_cu(c) - rope.char_to_utf16_cu(lc)
        }
    };
    Position::new(line as u32, character as u32)
}

/// Byte offset → position for non-decreasing offsets (sorted findings' starts and ends): the
/// line is looked up only when an offset leaves the current one, and a UTF-16 column is counted
/// on from the previous offset on the same line. Same results as `offset_to_position`.
pub struct Walker<'a> {
    rope: &'a Rope,
    enc: Encoding,
    line: usize,
    line_start: usize,
    /// First byte of the next line (`usize::MAX` on the last line).
    next_start: usize,
    /// The last offset converted on this line and its column.
    last: usize,
    last_col: usize,
}

impl<'a> Walker<'a> {
    pub fn new(rope: &'a Rope, enc: Encoding) -> Walker<'a> {
        let mut w = Walker {
            rope,
            enc,
            line: 0,
            line_start: 0,
            next_start: 0,
            last: 0,
            last_col: 0,
        };
        w.seek_line(0);
        w
    }

    fn seek_line(&mut self, line: usize) {
        self.line = line;
        self.line_start = self.rope.line_to_byte(line);
        self.next_start = if line + 1 < self.rope.len_lines() {
            self.rope.line_to_byte(line + 1)
        } else {
            usize::MAX
        };
        self.last = self.line_start;
        self.last_col = 0;
    }

    pub fn position(&mut self, byte: usize) -> Position {
        let byte = byte.min(self.rope.len_bytes());
        if byte < self.line_start || byte >= self.next_start {
            self.seek_line(self.rope.byte_to_line(byte));
        }
        let character = match self.enc {
            Encoding::Utf8 => byte - self.line_start,
            Encoding::Utf16 => {
                if byte < self.last {
                    // Out of order (never for sorted findings): count from the line start.
                    self.last = self.line_start;
                    self.last_col = 0;
                }
                self.last_col += self.rope.byte_slice(self.last..byte).len_utf16_cu();
                self.last = byte;
                self.last_col
            }
        };
        Position::new(self.line as u32, character as u32)
    }
}

/// Byte span → range.
pub fn span_to_range(rope: &Rope, start: usize, end: usize, enc: Encoding) -> Range {
    Range::new(
        offset_to_position(rope, start, enc),
        offset_to_position(rope, end, enc),
    )
}

/// Position → byte offset. A line past the end is an error; a column past the end of its line
/// means the end of the line (the LSP rule); a column inside a character is an error.
pub fn position_to_offset(
    rope: &Rope,
    pos: Position,
    enc: Encoding,
) -> Result<usize, PositionError> {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return Err(PositionError::LineOutOfRange {
            line: pos.line,
            lines: rope.len_lines(),
        });
    }
    let line_start = rope.line_to_byte(line);
    let content = line_content_bytes(rope, line);
    let col = pos.character as usize;
    match enc {
        Encoding::Utf8 => {
            let col = col.min(content);
            let byte = line_start + col;
            if rope.char_to_byte(rope.byte_to_char(byte)) != byte {
                return Err(PositionError::InsideCharacter {
                    line: pos.line,
                    character: pos.character,
                });
            }
            Ok(byte)
        }
        Encoding::Utf16 => {
            let line_start_char = rope.byte_to_char(line_start);
            let line_start_cu = rope.char_to_utf16_cu(line_start_char);
            let content_end_char = rope.byte_to_char(line_start + content);
            let content_cu = rope.char_to_utf16_cu(content_end_char) - line_start_cu;
            let col = col.min(content_cu);
            let ch = rope.utf16_cu_to_char(line_start_cu + col);
            // ropey rounds a unit inside a surrogate pair down to the pair's char: detect it.
            if rope.char_to_utf16_cu(ch) != line_start_cu + col {
                return Err(PositionError::InsideCharacter {
                    line: pos.line,
                    character: pos.character,
                });
            }
            Ok(rope.char_to_byte(ch))
        }
    }
}

/// Range → byte span, start ≤ end.
pub fn range_to_span(
    rope: &Rope,
    range: Range,
    enc: Encoding,
) -> Result<std::ops::Range<usize>, PositionError> {
    let s = position_to_offset(rope, range.start, enc)?;
    let e = position_to_offset(rope, range.end, enc)?;
    if e < s {
        return Err(PositionError::Reversed {
            start_line: range.start.line,
            start_character: range.start.character,
            end_line: range.end.line,
            end_character: range.end.character,
        });
    }
    Ok(s..e)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "alice@example.com";

    /// (line text before the e-mail, expected utf-16 column, expected utf-8 column)
    const CASES: &[(&str, u32, u32)] = &[
        ("2024-01-01T10:00:01 WARN user ", 30, 30),
        // accents: é is 1 UTF-16 unit, 2 bytes
        ("2024-01-01T10:00:01 WARN José Müller ", 37, 39),
        // CJK: 1 UTF-16 unit, 3 bytes each
        ("2024-01-01T10:00:01 WARN 用户 ", 28, 32),
        // emoji outside the BMP: 2 UTF-16 units (a surrogate pair), 4 bytes
        ("2024-01-01T10:00:01 WARN José 😀 ", 33, 36),
        // all of them, and a ZWJ sequence (👩‍💻 = 5 UTF-16 units, 11 bytes)
        ("é 中 👩\u{200d}💻 ", 10, 19),
    ];

    #[test]
    fn finding_after_multibyte_text_on_second_line() {
        for &(prefix, u16col, u8col) in CASES {
            let text = format!("first line é\n{prefix}{EMAIL} again\n");
            let rope = Rope::from_str(&text);
            let start = text.find(EMAIL).unwrap();
            let end = start + EMAIL.len();
            for (enc, col) in [(Encoding::Utf16, u16col), (Encoding::Utf8, u8col)] {
                let r = span_to_range(&rope, start, end, enc);
                assert_eq!(r.start, Position::new(1, col), "{prefix:?} {enc:?}");
                assert_eq!(r.end, Position::new(1, col + EMAIL.len() as u32));
                assert_eq!(range_to_span(&rope, r, enc).unwrap(), start..end);
            }
        }
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let text = "a\r\nb\rc\nd";
        let rope = Rope::from_str(text);
        assert_eq!(
            offset_to_position(&rope, 3, Encoding::Utf16),
            Position::new(1, 0)
        );
        assert_eq!(
            offset_to_position(&rope, 5, Encoding::Utf16),
            Position::new(2, 0)
        );
        assert_eq!(
            offset_to_position(&rope, 7, Encoding::Utf16),
            Position::new(3, 0)
        );
        // a column past the end of a line clamps to the line end, before its terminator
        assert_eq!(
            position_to_offset(&rope, Position::new(0, 99), Encoding::Utf16),
            Ok(1)
        );
        assert_eq!(
            position_to_offset(&rope, Position::new(3, 99), Encoding::Utf8),
            Ok(8)
        );
        // U+2028 is not a line break in LSP
        let rope = Rope::from_str("a\u{2028}b\nc");
        assert_eq!(rope.len_lines(), 2);
    }

    #[test]
    fn out_of_range_and_split_characters_are_errors() {
        let rope = Rope::from_str("😀x\né\n");
        assert!(matches!(
            position_to_offset(&rope, Position::new(3, 0), Encoding::Utf16),
            Err(PositionError::LineOutOfRange { .. })
        ));
        // the empty line after the final newline exists
        assert_eq!(
            position_to_offset(&rope, Position::new(2, 0), Encoding::Utf16),
            Ok(9)
        );
        assert!(matches!(
            position_to_offset(&rope, Position::new(0, 1), Encoding::Utf16),
            Err(PositionError::InsideCharacter { .. })
        ));
        assert!(matches!(
            position_to_offset(&rope, Position::new(1, 1), Encoding::Utf8),
            Err(PositionError::InsideCharacter { .. })
        ));
        assert_eq!(
            position_to_offset(&rope, Position::new(0, 2), Encoding::Utf16),
            Ok(4)
        );
        assert_eq!(
            position_to_offset(&rope, Position::new(0, 4), Encoding::Utf8),
            Ok(4)
        );
        let reversed = Range::new(Position::new(0, 2), Position::new(0, 0));
        assert!(matches!(
            range_to_span(&rope, reversed, Encoding::Utf16),
            Err(PositionError::Reversed { .. })
        ));
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        let vscode = [PositionEncodingKind::UTF16];
        assert_eq!(Encoding::negotiate(Some(&vscode)), Encoding::Utf16);
        let nvim11 = [
            PositionEncodingKind::UTF8,
            PositionEncodingKind::UTF16,
            PositionEncodingKind::UTF32,
        ];
        assert_eq!(Encoding::negotiate(Some(&nvim11)), Encoding::Utf8);
        let eglot29 = [
            PositionEncodingKind::UTF32,
            PositionEncodingKind::UTF8,
            PositionEncodingKind::UTF16,
        ];
        assert_eq!(Encoding::negotiate(Some(&eglot29)), Encoding::Utf8);
    }

    #[test]
    fn walker_matches_offset_to_position() {
        let text = "a\u{e9}b\r\nx\u{1F600}y\rz\n\u{2028}q\u{e9}\u{1F600}w\n\nend";
        let rope = Rope::from_str(text);
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&b| text.is_char_boundary(b))
            .collect();
        for enc in [Encoding::Utf8, Encoding::Utf16] {
            let mut w = Walker::new(&rope, enc);
            for &b in &offsets {
                assert_eq!(
                    w.position(b),
                    offset_to_position(&rope, b, enc),
                    "{enc:?} {b}"
                );
            }
            // repeated and backwards offsets still agree
            let mut w = Walker::new(&rope, enc);
            for &b in offsets.iter().rev().chain(offsets.iter()) {
                assert_eq!(
                    w.position(b),
                    offset_to_position(&rope, b, enc),
                    "{enc:?} {b}"
                );
            }
        }
    }
}
