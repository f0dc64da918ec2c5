//! Tables of short ASCII words, looked up case-insensitively in one or two probes.
//!
//! The key-name classifier and the host-name context check ask "is this word one of these
//! hundred?" at every key end of a log. Written as `matches!` over byte strings, each question
//! became a call to `memcmp` per word of the same length, a tenth of a scan of a key-dense
//! line; a binary search was no better (its branches mispredict). Here a word of at most 15
//! bytes is packed into one `u128` (lower-cased bytes, its length in the top byte) and looked up
//! in an open-addressing hash table built at compile time. Each word carries a set of flags,
//! so one lookup answers every question about it.

/// Longest word a table can hold (the 16th byte of the key holds the length).
pub const WORD_MAX: usize = 15;

/// Slots of a table: a power of two, at most half full (checked when it is built).
const SLOTS: usize = 1024;

/// A word → flags table, built at compile time.
pub struct WordMap {
    keys: [u128; SLOTS],
    flags: [u16; SLOTS],
    used: usize,
}

/// `w` lower-cased (ASCII letters) and packed with its length; `None` if it is empty or too
/// long.
#[inline]
const fn pack(w: &[u8]) -> Option<u128> {
    if w.is_empty() || w.len() > WORD_MAX {
        return None;
    }
    let mut k = (w.len() as u128) << 120;
    let mut i = 0;
    while i < w.len() {
        k |= (w[i].to_ascii_lowercase() as u128) << (8 * i);
        i += 1;
    }
    Some(k)
}

#[inline]
const fn slot(k: u128) -> usize {
    let h = (k as u64) ^ ((k >> 64) as u64).rotate_left(29);
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize
}

impl WordMap {
    const EMPTY: WordMap = WordMap {
        keys: [0u128; SLOTS],
        flags: [0u16; SLOTS],
        used: 0,
    };

    /// Builds the table from `(word, flags)` pairs; a word listed twice gets both flags.
    pub const fn new(entries: &[(&[u8], u16)]) -> WordMap {
        let mut m = WordMap::EMPTY;
        let mut i = 0;
        while i < entries.len() {
            m.insert(entries[i].0, entries[i].1);
            i += 1;
        }
        m
    }

    /// Builds the table from lists of words, each list with its flag.
    pub const fn from_lists(lists: &[(&[&[u8]], u16)]) -> WordMap {
        let mut m = WordMap::EMPTY;
        let mut l = 0;
        while l < lists.len() {
            let mut i = 0;
            while i < lists[l].0.len() {
                m.insert(lists[l].0[i], lists[l].1);
                i += 1;
            }
            l += 1;
        }
        m
    }

    /// A word longer than [`WORD_MAX`] or a table more than half full fails the build (tables
    /// are `static`, so that is a compile error).
    const fn insert(&mut self, w: &[u8], f: u16) {
        let k = match pack(w) {
            Some(k) => k,
            None => panic!("a word of a WordMap is 1 to 15 bytes"),
        };
        let mut s = slot(k);
        while self.keys[s] != 0 && self.keys[s] != k {
            s = (s + 1) & (SLOTS - 1);
        }
        if self.keys[s] == 0 {
            assert!(self.used < SLOTS / 2, "a WordMap is at most half full");
            self.used += 1;
        }
        self.keys[s] = k;
        self.flags[s] |= f;
    }

    /// The flags of `w` (in any ASCII case); 0 if it is not in the table.
    #[inline]
    pub fn get(&self, w: &[u8]) -> u16 {
        let Some(k) = pack(w) else {
            return 0;
        };
        let mut s = slot(k);
        loop {
            let x = self.keys[s];
            if x == k {
                return self.flags[s];
            }
            if x == 0 {
                return 0;
            }
            s = (s + 1) & (SLOTS - 1);
        }
    }
}

/// `in_set!(w, b"a" | b"b" | …)`: is `w` one of the words, in any ASCII case? Written like
/// the `matches!` it replaces; the table is built at compile time.
macro_rules! in_set {
    ($w:expr, $($x:literal)|+ $(,)?) => {{
        static SET: $crate::detect::wordset::WordMap =
            $crate::detect::wordset::WordMap::new(&[$(($x, 1)),+]);
        SET.get($w) != 0
    }};
}
pub(crate) use in_set;

#[cfg(test)]
mod tests {
    use super::*;

    static MAP: WordMap = WordMap::new(&[
        (b"token", 1),
        (b"pw", 2),
        (b"to", 4),
        (b"deduplication", 8),
        (b"a", 16),
        (b"token", 32),
    ]);

    #[test]
    fn finds_its_words_in_any_case_with_all_their_flags_and_nothing_else() {
        for (w, f) in [
            ("token", 33),
            ("TOKEN", 33),
            ("Token", 33),
            ("pw", 2),
            ("to", 4),
            ("deduplication", 8),
            ("a", 16),
            ("A", 16),
        ] {
            assert_eq!(MAP.get(w.as_bytes()), f, "{w}");
        }
        for w in [
            "",
            "tokens",
            "toke",
            "t",
            "pwd",
            "b",
            "deduplicationx",
            "tok\0n",
            "a-very-long-word-indeed",
        ] {
            assert_eq!(MAP.get(w.as_bytes()), 0, "{w}");
        }
    }

    #[test]
    fn the_macro_reads_like_matches() {
        let yes = |w: &str| in_set!(w.as_bytes(), b"host" | b"hostname" | b"to");
        assert!(yes("host") && yes("HostName") && yes("to"));
        assert!(!yes("hosts") && !yes("") && !yes("t"));
    }
}
