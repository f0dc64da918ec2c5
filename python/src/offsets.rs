//! Byte offsets (what the engine speaks) to character offsets (what Python's `str` indexes by).
//!
//! For text that is not valid UTF-8 (a `bytes` input), a character is what
//! `bytes.decode("utf-8", "replace")` gives: every valid code point, and one U+FFFD per maximal
//! invalid subpart, which is the substitution both Rust's `utf8_chunks` and CPython follow.

/// Turns an ascending sequence of byte offsets on char boundaries of `bytes` into character
/// offsets, in one pass over the bytes up to the last offset.
pub struct CharCounter<'b> {
    bytes: &'b [u8],
    byte_pos: usize,
    char_pos: usize,
}

impl<'b> CharCounter<'b> {
    pub fn new(bytes: &'b [u8]) -> CharCounter<'b> {
        CharCounter {
            bytes,
            byte_pos: 0,
            char_pos: 0,
        }
    }

    /// The character offset of byte offset `pos`; `pos` must not be below the previous call's.
    pub fn at(&mut self, pos: usize) -> usize {
        debug_assert!(pos >= self.byte_pos && pos <= self.bytes.len());
        let pos = pos.clamp(self.byte_pos, self.bytes.len());
        self.char_pos += count_chars(&self.bytes[self.byte_pos..pos]);
        self.byte_pos = pos;
        self.char_pos
    }
}

fn count_chars(bytes: &[u8]) -> usize {
    match std::str::from_utf8(bytes) {
        // Every byte that is not a continuation byte (10xxxxxx) starts a character.
        Ok(_) => bytes.iter().filter(|&&b| (b as i8) >= -0x40).count(),
        Err(_) => bytes
            .utf8_chunks()
            .map(|c| c.valid().chars().count() + usize::from(!c.invalid().is_empty()))
            .sum(),
    }
}
