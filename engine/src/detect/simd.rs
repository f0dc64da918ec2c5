//! Block classification: 64 bytes at a time into bit masks (AVX2 or SSE2 on x86-64, scalar
//! elsewhere), so the main loop branches once per event instead of once per byte.

/// Bit masks of one 64-byte block: bit `k` describes byte `k`.
#[derive(Default)]
pub(super) struct Masks {
    /// `[A-Za-z0-9]`
    pub word: u64,
    pub digit: u64,
    /// Bytes that make a word start worth a look: digits, uppercase, `e` (`eyJ`), `b` (`bearer`).
    pub first: u64,
    /// `@` and `+`
    pub special: u64,
    pub colon: u64,
    pub slash_colon: u64,
    /// space and tab
    pub space: u64,
    /// `.` `:` `-` `_` `=` `"` `'` `?` `>`: a word followed by one is worth a look.
    pub delim: u64,
    /// `=` `:` `?` `.` and blanks: what may follow `word ` in an assignment.
    pub eq_colon_space: u64,
    pub dot_dash: u64,
    pub dot: u64,
    pub underscore: u64,
}

pub(super) type Classify = fn(&[u8; 64]) -> Masks;

/// Picks the widest block classifier this CPU supports (once per scan).
pub(super) fn classifier() -> Classify {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return classify_avx2_entry;
        }
        classify_sse2
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        classify_scalar
    }
}

#[cfg(target_arch = "x86_64")]
macro_rules! classify_body {
    ($block:ident, $lanes:expr, $vec:ty, $load:ident, $set1:ident, $sub:ident, $xor:ident,
     $or:ident, $cmpgt:ident, $cmpeq:ident, $movemask:ident, $cast:ty) => {{
        let bias = $set1(-128);
        // x in [lo, lo+len) <=> (len ^ 0x80) > ((x - lo) ^ 0x80) as signed bytes.
        let in_range = |v: $vec, lo: u8, len: u8| {
            let t = $xor($sub(v, $set1(lo as i8)), bias);
            $cmpgt($set1((len ^ 0x80) as i8), t)
        };
        let mut m = Masks::default();
        for k in 0..(64 / $lanes) {
            let v = $load($block.as_ptr().add(k * $lanes) as *const $vec);
            let eq = |c: u8| $cmpeq(v, $set1(c as i8));
            let digit = in_range(v, b'0', 10);
            let upper = in_range(v, b'A', 26);
            let lower = in_range(v, b'a', 26);
            let colon = eq(b':');
            let space = $or(eq(b' '), eq(b'\t'));
            let dot = eq(b'.');
            let dot_dash = $or(dot, eq(b'-'));
            let eqs = eq(b'=');
            let mask = |x: $vec| u64::from($movemask(x) as $cast) << (k * $lanes);
            let word = $or($or(digit, upper), lower);
            m.word |= mask(word);
            m.digit |= mask(digit);
            m.first |= mask($or($or(digit, upper), $or(eq(b'e'), eq(b'b'))));
            m.special |= mask($or(eq(b'@'), eq(b'+')));
            m.colon |= mask(colon);
            m.slash_colon |= mask($or(colon, eq(b'/')));
            m.space |= mask(space);
            m.delim |= mask($or(
                $or($or(dot_dash, colon), $or(eq(b'_'), eqs)),
                $or($or(eq(b'"'), eq(b'\'')), $or(eq(b'?'), eq(b'>'))),
            ));
            m.eq_colon_space |= mask($or($or($or(eqs, colon), space), $or(eq(b'?'), dot)));
            m.dot_dash |= mask(dot_dash);
            m.dot |= mask(dot);
            m.underscore |= mask(eq(b'_'));
        }
        m
    }};
}

#[cfg(target_arch = "x86_64")]
fn classify_sse2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86-64 baseline; every load reads 16 bytes inside `block`.
    unsafe {
        classify_body!(
            block,
            16,
            __m128i,
            _mm_loadu_si128,
            _mm_set1_epi8,
            _mm_sub_epi8,
            _mm_xor_si128,
            _mm_or_si128,
            _mm_cmpgt_epi8,
            _mm_cmpeq_epi8,
            _mm_movemask_epi8,
            u16
        )
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn classify_avx2(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::*;
    // SAFETY (of the body): every load reads 32 bytes inside `block`; the caller checked AVX2.
    unsafe {
        classify_body!(
            block,
            32,
            __m256i,
            _mm256_loadu_si256,
            _mm256_set1_epi8,
            _mm256_sub_epi8,
            _mm256_xor_si256,
            _mm256_or_si256,
            _mm256_cmpgt_epi8,
            _mm256_cmpeq_epi8,
            _mm256_movemask_epi8,
            u32
        )
    }
}

#[cfg(target_arch = "x86_64")]
fn classify_avx2_entry(block: &[u8; 64]) -> Masks {
    // SAFETY: only handed out by `classifier` after `is_x86_feature_detected!("avx2")`.
    unsafe { classify_avx2(block) }
}

#[cfg(any(test, not(target_arch = "x86_64")))]
fn classify_scalar(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (k, &c) in block.iter().enumerate() {
        let bit = |x: bool| u64::from(x) << k;
        m.word |= bit(c.is_ascii_alphanumeric());
        m.digit |= bit(c.is_ascii_digit());
        m.first |= bit(c.is_ascii_digit() || c.is_ascii_uppercase() || c == b'e' || c == b'b');
        m.special |= bit(c == b'@' || c == b'+');
        m.colon |= bit(c == b':');
        m.slash_colon |= bit(c == b':' || c == b'/');
        m.space |= bit(c == b' ' || c == b'\t');
        m.delim |= bit(matches!(
            c,
            b'.' | b':' | b'-' | b'_' | b'=' | b'"' | b'\'' | b'?' | b'>'
        ));
        m.eq_colon_space |= bit(matches!(c, b'=' | b':' | b' ' | b'\t' | b'?' | b'.'));
        m.dot_dash |= bit(c == b'.' || c == b'-');
        m.dot |= bit(c == b'.');
        m.underscore |= bit(c == b'_');
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SIMD classifiers agree with the scalar definition on every byte value.
    #[test]
    fn classifiers_agree() {
        let mut x: u64 = 0x1234_5678;
        let mut blocks: Vec<[u8; 64]> = (0..=3u8)
            .map(|k| std::array::from_fn(|i| (i as u8).wrapping_add(k * 64)))
            .collect();
        for _ in 0..500 {
            blocks.push(std::array::from_fn(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            }));
        }
        for blk in &blocks {
            let want = classify_scalar(blk);
            let mut got = vec![classifier()(blk)];
            #[cfg(target_arch = "x86_64")]
            got.push(classify_sse2(blk));
            for g in got {
                assert_eq!(
                    [
                        g.word,
                        g.digit,
                        g.first,
                        g.special,
                        g.colon,
                        g.slash_colon,
                        g.space,
                        g.delim,
                        g.eq_colon_space,
                        g.dot_dash,
                        g.dot,
                        g.underscore
                    ],
                    [
                        want.word,
                        want.digit,
                        want.first,
                        want.special,
                        want.colon,
                        want.slash_colon,
                        want.space,
                        want.delim,
                        want.eq_colon_space,
                        want.dot_dash,
                        want.dot,
                        want.underscore
                    ]
                );
            }
        }
    }
}
