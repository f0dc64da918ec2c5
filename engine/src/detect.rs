//! The built-in detectors.
//!
//! Speed comes from never running a regex over the whole text. Two passes produce candidates:
//!
//! 1. a byte loop that visits each alphanumeric *word start* once (words are skipped with a tight
//!    table lookup) plus the few structural bytes `@`, `:` (for `://` and `::`) and `+`; at a word
//!    start a dispatch on the first bytes decides which hand-written validators to try (digits →
//!    IPv4/SSN/phone/card, short hex + `:`/`-` → IPv6/MAC, `AKIA`/`ghp_`/`xox`/`sk_`/`AIza`/`eyJ`
//!    → token validators, `XX99` → IBAN, `word.` → host name);
//! 2. one Aho-Corasick automaton over key names (`password`, `api_key`, `aws_secret_access_key`,
//!    `bearer`, `-----BEGIN` …), whose hits are followed by hand-written value extraction.
//!
//! Candidates may overlap; `resolve` in `mod.rs` reduces them to one span per region.

use base64::Engine as _;

use super::types::PiiType;
use super::validate::{
    card_brand_ok, iban_len, iban_mod97_ok, is_placeholder, is_tld, luhn_ok, ssn_ok,
};

/// A candidate finding before overlap resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cand {
    pub ty: PiiType,
    pub start: usize,
    pub end: usize,
}

/// PEM blocks longer than this are not keys (bounds how far `stream_safe_len` and `scan_range`
/// must look, and what a streaming consumer has to buffer).
pub const PEM_MAX: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kw {
    Password,
    ApiKey,
    AwsSecret,
    Bearer,
}

/// Key names whose value is a secret, matched as a case-insensitive *suffix* of the key before a
/// separator (`db_password=`, `"x-api-key":`, `dbPassword:`). Longest first: the first match
/// wins, so `aws_secret_key` is the AWS secret and not the generic `secret_key`.
const KEYWORDS: &[(&str, Kw)] = &[
    ("aws_secret_access_key", Kw::AwsSecret),
    ("secret_access_key", Kw::AwsSecret),
    ("secretaccesskey", Kw::AwsSecret),
    ("aws_secret_key", Kw::AwsSecret),
    ("private_token", Kw::ApiKey),
    ("refresh_token", Kw::ApiKey),
    ("client_secret", Kw::ApiKey),
    ("access_token", Kw::ApiKey),
    ("access-token", Kw::ApiKey),
    ("accesstoken", Kw::ApiKey),
    ("aws_secret", Kw::AwsSecret),
    ("passphrase", Kw::Password),
    ("auth_token", Kw::ApiKey),
    ("auth-token", Kw::ApiKey),
    ("api_secret", Kw::ApiKey),
    ("app_secret", Kw::ApiKey),
    ("secret_key", Kw::ApiKey),
    ("api_token", Kw::ApiKey),
    ("authtoken", Kw::ApiKey),
    ("x-api-key", Kw::ApiKey),
    ("password", Kw::Password),
    ("api_key", Kw::ApiKey),
    ("api-key", Kw::ApiKey),
    ("passwd", Kw::Password),
    ("apikey", Kw::ApiKey),
    ("pass", Kw::Password),
    ("pwd", Kw::Password),
];

const fn group<const N: usize>(last: u8) -> [(&'static str, Kw); N] {
    let mut out = [("", Kw::Password); N];
    let mut i = 0;
    let mut n = 0;
    while i < KEYWORDS.len() {
        let k = KEYWORDS[i].0.as_bytes();
        if k[k.len() - 1] == last {
            out[n] = KEYWORDS[i];
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "keyword group size");
    out
}

static KEYWORDS_D: [(&str, Kw); 3] = group(b'd');
static KEYWORDS_Y: [(&str, Kw); 9] = group(b'y');
static KEYWORDS_N: [(&str, Kw); 9] = group(b'n');
static KEYWORDS_T: [(&str, Kw); 4] = group(b't');

pub struct Detectors;

#[inline]
fn alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// A byte that glues a candidate to its neighbour: alphanumerics, and the ends of our own
/// redaction output (`]` of a tag, `*` of a mask), so that redacting one value never makes
/// its neighbour a new finding (`x@example.com+4412345678` → `[Email]+4412345678`).
#[inline]
fn glued(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b']' || c == b'*'
}

/// `glued` for the byte after a candidate: the start of a tag (`[`) or a mask.
#[inline]
fn glued_next(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'[' || c == b'*'
}

#[inline]
fn at(b: &[u8], i: usize) -> u8 {
    if i < b.len() {
        b[i]
    } else {
        0
    }
}

#[inline]
fn before(b: &[u8], i: usize) -> u8 {
    if i > 0 && i <= b.len() {
        b[i - 1]
    } else {
        0
    }
}

fn run(b: &[u8], mut i: usize, f: impl Fn(u8) -> bool) -> usize {
    while i < b.len() && f(b[i]) {
        i += 1;
    }
    i
}

/// Bit masks of one 64-byte block: bit `k` describes byte `k`.
#[derive(Default)]
struct Masks {
    /// `[A-Za-z0-9]`
    word: u64,
    digit: u64,
    /// Bytes that make a word start worth a look: digits, uppercase, `e` (`eyJ`), `b` (`bearer`).
    first: u64,
    /// `@` and `+`
    special: u64,
    colon: u64,
    slash_colon: u64,
    /// space and tab
    space: u64,
    /// `.` `:` `-` `_` `=` `"` `'`: a word followed by one is worth a look.
    delim: u64,
    eq_colon_space: u64,
    dot_dash: u64,
    dot: u64,
}

type Classify = fn(&[u8; 64]) -> Masks;

/// Picks the widest block classifier this CPU supports (once per scan).
fn classifier() -> Classify {
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
                $or(eq(b'"'), eq(b'\'')),
            ));
            m.eq_colon_space |= mask($or($or(eqs, colon), space));
            m.dot_dash |= mask(dot_dash);
            m.dot |= mask(dot);
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
        m.delim |= bit(matches!(c, b'.' | b':' | b'-' | b'_' | b'=' | b'"' | b'\''));
        m.eq_colon_space |= bit(matches!(c, b'=' | b':' | b' ' | b'\t'));
        m.dot_dash |= bit(c == b'.' || c == b'-');
        m.dot |= bit(c == b'.');
    }
    m
}

/// Set of enabled built-in types, indexed like `PiiType::ALL`.
#[derive(Clone, Copy)]
pub struct Enabled(pub [bool; 21]);

impl Enabled {
    #[inline]
    pub fn on(&self, t: PiiType) -> bool {
        self.0[t as usize]
    }
}

impl Default for Detectors {
    fn default() -> Self {
        Self::new()
    }
}

impl Detectors {
    pub fn new() -> Detectors {
        Detectors
    }

    /// Appends every candidate in `text` to `out` (unsorted, possibly overlapping).
    pub fn scan(&self, text: &str, en: &Enabled, out: &mut Vec<Cand>) {
        let b = text.as_bytes();
        let mut s = Scan {
            b,
            en,
            out,
            blk_base: usize::MAX,
            blk_host: 0,
        };
        s.main_loop();
    }
}

struct Scan<'a> {
    b: &'a [u8],
    en: &'a Enabled,
    out: &'a mut Vec<Cand>,
    /// Start of the current 64-byte block and its mask of host-name bytes (`[A-Za-z0-9.-]`),
    /// so a host name's extent is found with one bit scan instead of a byte loop.
    blk_base: usize,
    blk_host: u64,
}

impl Scan<'_> {
    #[inline]
    fn push(&mut self, ty: PiiType, start: usize, end: usize) {
        if self.en.on(ty) && start < end {
            self.out.push(Cand { ty, start, end });
        }
    }

    /// Visits every word start and every structural byte (`@`, `+`, `://`, `::`) in order.
    ///
    /// The text is classified 64 bytes at a time into bit masks (SSE2 on x86-64), so the loop
    /// branches once per *event* instead of once per byte: per-byte dispatch was the bottleneck.
    fn main_loop(&mut self) {
        let b = self.b;
        let n = b.len();
        let mut base = 0;
        let mut prev_word = false;
        // Bit 63 of the previous block's `dot` mask: a digit word at bit 0 may follow a `.`.
        let mut prev_dot = 0u64;
        let mut pad = [0u8; 64];
        let classify = classifier();
        while base < n {
            let block: &[u8; 64] = if base + 64 <= n {
                b[base..base + 64].try_into().expect("64 bytes")
            } else {
                pad[..n - base].copy_from_slice(&b[base..]);
                &pad
            };
            let m = classify(block);
            let w = m.word;
            self.blk_base = base;
            self.blk_host = w | m.dot_dash;
            let starts = w & !((w << 1) | u64::from(prev_word));
            // Word starts that matter by their first byte: digits, uppercase, `e`, `b`.
            // Digit words right after a `.` (IP octets, fractions of seconds, `2005.06.03`)
            // are never the start of anything: every numeric detector rejects a leading dot.
            let mut s_ev = starts & m.first & !(m.digit & ((m.dot << 1) | prev_dot));
            // Word ends that matter by the next byte: `.`, `:`, `-`, `_`, `=`, quotes, or
            // spaces then `=`/`:` (`password = x`). Bits whose next bytes lie in the next block
            // are kept and checked by the handler.
            let ends = w & !(w >> 1);
            let spaced = (m.space >> 1) & ((m.eq_colon_space >> 2) | (3 << 62));
            // Inner labels of dotted or dashed names (`hadoop` in `org.apache.hadoop.Foo`) need
            // no look: host names, MACs and IPv6 start at the first label. `w + inner` carries
            // through each such word and lands on the byte after its end.
            let inner = starts & (m.dot_dash << 1);
            let inner_ends = (w.wrapping_add(inner) & !w) >> 1;
            let after = ((m.delim & !m.dot_dash) >> 1) | ((m.dot_dash >> 1) & !inner_ends);
            let mut e_ev = ends & (after | spaced | (1 << 63));
            // `:` only matters before `/` or `:` (bit 63 can't see the next block: keep it).
            let colon_ev = m.colon & ((m.slash_colon >> 1) | (1 << 63));
            let mut x_ev = m.special | colon_ev;
            while s_ev != 0 {
                let p = s_ev.trailing_zeros() as usize;
                s_ev &= s_ev - 1;
                let i = base + p;
                let len = (!(w >> p)).trailing_zeros() as usize;
                let mut we = i + len;
                let all_digits = if p + len >= 64 {
                    while we < n && alnum(b[we]) {
                        we += 1;
                    }
                    b[i..we].iter().all(u8::is_ascii_digit)
                } else {
                    (!m.digit >> p) & ((1u64 << len) - 1) == 0
                };
                self.word_start(i, we, all_digits);
            }
            while e_ev != 0 {
                let p = e_ev.trailing_zeros() as usize;
                e_ev &= e_ev - 1;
                let we = base + p + 1;
                if we > n || (p == 63 && we < n && alnum(b[we])) {
                    continue; // padding, or the word goes on in the next block
                }
                let below = !w & ((1u64 << p) - 1);
                let ws = if below != 0 {
                    base + (64 - below.leading_zeros() as usize)
                } else if prev_word {
                    let mut k = base;
                    while k > 0 && alnum(b[k - 1]) {
                        k -= 1;
                    }
                    k
                } else {
                    base
                };
                // An inner label followed by `.`/`-` gets no look (see `inner` above). The masks
                // cannot tell at the edges of a block (a word ending at bit 63, whose next byte
                // is in the next block, or starting at bit 0 after a `.` in the previous one), so
                // the same rule is applied here: findings must not depend on where a text's
                // 64-byte blocks fall (a partial rescan, a streamed chunk or a redacted text
                // shifts them).
                if matches!(at(b, we), b'.' | b'-') && matches!(before(b, ws), b'.' | b'-') {
                    continue;
                }
                self.word_end(ws, we);
            }
            while x_ev != 0 {
                let p = x_ev.trailing_zeros() as usize;
                x_ev &= x_ev - 1;
                self.special(base + p);
            }
            prev_word = (w >> 63) & 1 == 1;
            prev_dot = m.dot >> 63;
            base += 64;
        }
    }

    #[inline(never)]
    fn special(&mut self, i: usize) {
        let b = self.b;
        match b[i] {
            b'@' => self.email(i),
            b':' => {
                if at(b, i + 1) == b'/' && at(b, i + 2) == b'/' {
                    self.url(i);
                } else if at(b, i + 1) == b':' {
                    let p = before(b, i);
                    if !alnum(p) && p != b':' && p != b'.' {
                        self.ipv6(i);
                    }
                }
            }
            _ => {
                // '+': international phone number
                if at(b, i + 1).is_ascii_digit() && !glued(before(b, i)) {
                    self.phone_intl(i);
                }
            }
        }
    }

    /// A word (maximal alphanumeric run) `[ws, we)`.
    /// A word `[ws, we)` whose first byte matters (digit, uppercase, `e`, `b`).
    fn word_start(&mut self, ws: usize, we: usize, all_digits: bool) {
        let b = self.b;
        let first = b[ws];
        let next = at(b, we);
        if first.is_ascii_digit() {
            if matches!(next, b':' | b'-') {
                self.hexish(ws, we, next);
            }
            if all_digits {
                self.numeric(ws, we);
            }
            return;
        }
        if first.is_ascii_uppercase() {
            self.upper_word(ws, we);
        } else if first == b'e' && b[ws..].starts_with(b"eyJ") {
            self.jwt(ws);
        }
        if next == b' ' {
            let wl = we - ws;
            if wl == 6 && b[ws..we].eq_ignore_ascii_case(b"bearer") {
                self.keyword(Kw::Bearer, ws, we);
            } else if wl == 5 && &b[ws..we] == b"BEGIN" && ws >= 5 && &b[ws - 5..ws] == b"-----" {
                self.pem(ws - 5, we + 1);
            }
        }
    }

    /// A word `[ws, we)` whose next byte matters (`.`, `:`, `-`, `_`, `=`, quotes, spaces
    /// before `=`). Words starting with a digit were fully handled by `word_start`.
    fn word_end(&mut self, ws: usize, we: usize) {
        let b = self.b;
        let first = b[ws];
        if first.is_ascii_digit() {
            return;
        }
        let next = at(b, we);
        if next == b' ' || next == b'\t' {
            // `password = x`
            let k = run(b, we, |c| c == b' ' || c == b'\t');
            if k - we <= 4 && matches!(at(b, k), b'=' | b':') {
                self.key_word(we);
            }
        } else if next == b'.' {
            self.host_start(ws);
        } else if next == b':' {
            self.hexish(ws, we, next);
            self.key_word(we);
        } else if next == b'-' {
            self.hexish(ws, we, next);
            if first == b'x' && b[ws..].starts_with(b"xox") {
                self.slack(ws);
            }
            self.host_start(ws);
        } else if next == b'_' {
            match first {
                b'g' => self.github(ws),
                b's' | b'r' => self.stripe(ws),
                _ => {}
            }
        } else if next == b'=' || next == b'"' || next == b'\'' {
            self.key_word(we);
        }
    }

    /// Words starting with an uppercase letter: AWS and Google keys, IBANs.
    fn upper_word(&mut self, ws: usize, we: usize) {
        let b = self.b;
        if b[ws] == b'A' {
            if b[ws..].starts_with(b"AKIA") || b[ws..].starts_with(b"ASIA") {
                self.aws_key(ws, we);
            } else if b[ws..].starts_with(b"AIza") {
                self.google_key(ws);
            }
        }
        if we - ws >= 4 && at(b, ws + 1).is_ascii_uppercase() && at(b, ws + 2).is_ascii_digit() {
            self.iban(ws);
        }
    }

    /// A short hex word before `:` or `-`: the start of a MAC or IPv6 address?
    fn hexish(&mut self, ws: usize, we: usize, next: u8) {
        let b = self.b;
        let wl = we - ws;
        if wl > 4 || !b[ws..we].iter().all(u8::is_ascii_hexdigit) {
            return;
        }
        // `18:01:47` followed by anything but another group is a time, not an address.
        let d = |k: usize| at(b, we + k).is_ascii_digit();
        if next == b':'
            && d(1)
            && d(2)
            && at(b, we + 3) == b':'
            && d(4)
            && d(5)
            && !matches!(at(b, we + 6), b':' | b'.' | b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F')
        {
            return;
        }
        let p = before(b, ws);
        if glued(p) || p == b':' || p == b'-' || p == b'.' {
            return;
        }
        // A MAC has its fifth separator 14 bytes in (`12:30:45` times don't).
        if wl == 2 && at(b, ws + 14) == next {
            self.mac(ws);
        }
        if next == b':' {
            self.ipv6(ws);
        }
    }

    /// A word followed by `.` or `-`: the start of a host name?
    fn host_start(&mut self, ws: usize) {
        let p = before(self.b, ws);
        if !glued(p) && p != b'.' && p != b'-' && p != b'_' && p != b'@' {
            self.hostname(ws);
        }
    }

    // ---------------------------------------------------------------- numbers

    fn numeric(&mut self, ws: usize, we: usize) {
        let b = self.b;
        let wl = we - ws;
        let next = at(b, we);
        let prev = before(b, ws);
        if next == b'.' && wl <= 3 {
            self.ipv4_at(ws);
        }
        if (next == b'.' || next == b'-') && prev != b':' {
            // `rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om`: a host name may start with digits
            // (but `12:30:45.123` is a time).
            self.host_start(ws);
        }
        if wl == 3 {
            if next == b'-' {
                self.ssn(ws);
            }
            if matches!(next, b'-' | b'.' | b' ' | b')') {
                self.phone_us(ws);
            }
        }
        if wl == 1 && b[ws] == b'1' && matches!(next, b'-' | b'.' | b' ') {
            self.phone_us(ws);
        }
        if (13..=19).contains(&wl) {
            if !matches!(prev, b'-' | b'.' | b'_' | b'+' | b']' | b'*') && card_tail_ok(b, we) {
                let d = &b[ws..we];
                if card_brand_ok(d) && luhn_ok(d) {
                    self.push(PiiType::CreditCard, ws, we);
                }
            }
        } else if wl == 4
            && (next == b' ' || next == b'-')
            && at(b, we + 1).is_ascii_digit()
            && at(b, we + 2).is_ascii_digit()
            && at(b, we + 3).is_ascii_digit()
            && at(b, we + 4).is_ascii_digit()
        {
            // Grouped cards start with a group of four (4-4-4-4, Amex 4-6-5, Diners 4-6-4).
            self.card_grouped(ws);
        }
    }

    fn ipv4_at(&mut self, s: usize) {
        let b = self.b;
        let p = before(b, s);
        // `~~6.1.1.0` (Windows package ids), `v1.2.3.4`, `x.1.2.3.4`: versions, not addresses.
        if p == b'.' || p == b'_' || p == b'~' || glued(p) {
            return;
        }
        let Some((end, oct)) = parse_ipv4(b, s) else {
            return;
        };
        let nx = at(b, end);
        if glued_next(nx) || nx == b'[' || nx == b'_' {
            return;
        }
        // `1.2.3.4.5`, `10.0.0.1-beta`; but `10.0.0.1-10.0.0.9` is a range of two addresses.
        if nx == b'.' && glued_next(at(b, end + 1))
            || nx == b'-' && glued_next(at(b, end + 1)) && parse_ipv4(b, end + 1).is_none()
        {
            return;
        }
        // `0.x` (this network), loopback, multicast/reserved/broadcast and `x.y.z.0` network
        // addresses (`network 5.5.224.0`) name no host.
        if oct[0] == 0 || oct[0] == 127 || oct[0] >= 224 || oct[3] == 0 {
            return;
        }
        if nx == b'/' {
            let pe = run(b, end + 1, |c| c.is_ascii_digit());
            if pe > end + 1 && pe - end - 1 <= 2 {
                let plen: u32 = std::str::from_utf8(&b[end + 1..pe])
                    .ok()
                    .and_then(|x| x.parse().ok())
                    .unwrap_or(99);
                if plen <= 32 {
                    let ip = u32::from_be_bytes(oct);
                    let host_mask = if plen == 32 { 0 } else { u32::MAX >> plen };
                    // A range (host bits all zero) names no host; `10.0.0.5/24` does.
                    if ip & host_mask == 0 {
                        return;
                    }
                }
            }
        }
        if version_context(b, s) {
            return;
        }
        self.push(PiiType::Ipv4, s, end);
    }

    fn ssn(&mut self, s: usize) {
        let b = self.b;
        let p = before(b, s);
        if glued(p) || matches!(p, b'-' | b'.' | b'_' | b'/' | b'+') {
            return;
        }
        if b.len() < s + 11 {
            return;
        }
        let v = &b[s..s + 11];
        let dig = |r: std::ops::Range<usize>| v[r].iter().all(u8::is_ascii_digit);
        if !(dig(0..3) && v[3] == b'-' && dig(4..6) && v[6] == b'-' && dig(7..11)) {
            return;
        }
        let e = s + 11;
        let nx = at(b, e);
        if glued_next(nx)
            || nx == b'['
            || nx == b'_'
            || (matches!(nx, b'-' | b'.' | b'/') && alnum(at(b, e + 1)))
        {
            return;
        }
        let num = |r: std::ops::Range<usize>| {
            v[r].iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
        };
        if ssn_ok(num(0..3), num(4..6), num(7..11)) {
            self.push(PiiType::Ssn, s, e);
        }
    }

    /// US numbers: `(555) 123-4567`, `555-123-4567`, `555.123.4567`, `555 123 4567`,
    /// `1-555-123-4567`, `+1 555 123 4567` (the `+` form goes through `phone_intl`).
    fn phone_us(&mut self, s: usize) {
        if let Some((st, e)) = parse_phone_us(self.b, s) {
            self.push(PiiType::Phone, st, e);
        }
    }

    /// E.164 style: `+` then 8–15 digits in groups separated by single spaces, dashes or dots.
    fn phone_intl(&mut self, plus: usize) {
        let b = self.b;
        if at(b, plus + 1) == b'1' && matches!(at(b, plus + 2), b' ' | b'-' | b'.' | b'(') {
            // +1 (555) 123-4567
            let mut k = plus + 3;
            if at(b, plus + 2) != b'(' {
                // skip the separator
            } else {
                k = plus + 2;
            }
            if let Some((_, e)) = parse_phone_us(b, k) {
                self.push(PiiType::Phone, plus, e);
                return;
            }
        }
        if at(b, plus + 1) == b'0' {
            return;
        }
        let mut i = plus + 1;
        let mut digits = 0;
        let mut sep: u8 = 0;
        let mut end = i;
        loop {
            let j = run(b, i, |c| c.is_ascii_digit());
            if j == i {
                break;
            }
            digits += j - i;
            end = j;
            let c = at(b, j);
            if matches!(c, b' ' | b'-' | b'.') && at(b, j + 1).is_ascii_digit() {
                if sep != 0 && sep != c {
                    break;
                }
                sep = c;
                i = j + 1;
            } else {
                break;
            }
            if digits > 15 {
                break;
            }
        }
        if !(8..=15).contains(&digits) {
            return;
        }
        let nx = at(b, end);
        if glued_next(nx)
            || nx == b'_'
            || nx == b'['
            || (matches!(nx, b'.' | b'-' | b':') && matches!(at(b, end + 1), b'0'..=b'9' | b'*'))
            // More groups that a redaction replaced (`+44 20 7946 0958 [CreditCard]`): the
            // digit run was longer than a phone number before, so it is none now either.
            || (matches!(nx, b' ' | b'-' | b'.') && matches!(at(b, end + 1), b'[' | b'*'))
        {
            return;
        }
        self.push(PiiType::Phone, plus, end);
    }

    fn card_grouped(&mut self, s: usize) {
        let b = self.b;
        let p = before(b, s);
        if matches!(p, b'-' | b'.' | b'_' | b'+' | b':' | b'/' | b']' | b'*') {
            return;
        }
        // (Card-shaped groups inside a grouped IBAN lose to the IBAN: it ranks higher.)
        let sep = at(b, run(b, s, |c| c.is_ascii_digit()));
        let mut ends = [(0usize, 0usize); 19];
        let mut ne = 0;
        let mut digits = [0u8; 19];
        let mut nd = 0;
        let mut i = s;
        loop {
            let j = run(b, i, |c| c.is_ascii_digit());
            let gl = j - i;
            if !(1..=6).contains(&gl) || nd + gl > 19 || alnum(at(b, j)) || at(b, j) == b'_' {
                break;
            }
            digits[nd..nd + gl].copy_from_slice(&b[i..j]);
            nd += gl;
            ends[ne] = (j, nd);
            ne += 1;
            if at(b, j) == sep && at(b, j + 1).is_ascii_digit() {
                i = j + 1;
            } else {
                break;
            }
        }
        if ne < 2 {
            return;
        }
        for &(e, nd) in ends[..ne].iter().rev() {
            if nd < 13 {
                break;
            }
            let d = &digits[..nd];
            if card_brand_ok(d) && luhn_ok(d) && card_tail_ok(b, e) {
                self.push(PiiType::CreditCard, s, e);
                return;
            }
        }
    }

    fn iban(&mut self, s: usize) {
        let b = self.b;
        if !(at(b, s + 2).is_ascii_digit() && at(b, s + 3).is_ascii_digit()) {
            return;
        }
        let Some(len) = iban_len(&b[s..s + 2]) else {
            return;
        };
        let mut buf = [0u8; 34];
        let mut n = 0;
        let mut i = s;
        let mut grouped = false;
        while n < len {
            let c = at(b, i);
            if c.is_ascii_digit() || c.is_ascii_uppercase() {
                buf[n] = c;
                n += 1;
                i += 1;
            } else if c == b' ' && n % 4 == 0 && n > 0 && (n == 4 || grouped) {
                grouped = true;
                i += 1;
            } else {
                return;
            }
        }
        if alnum(at(b, i)) || at(b, i) == b'_' {
            return;
        }
        if iban_mod97_ok(&buf[..n]) {
            self.push(PiiType::Iban, s, i);
        }
    }

    // ---------------------------------------------------------------- network

    fn mac(&mut self, s: usize) {
        let b = self.b;
        if b.len() < s + 17 {
            return;
        }
        let sep = b[s + 2];
        let mut all_zero = true;
        let mut all_f = true;
        for g in 0..6 {
            let o = s + g * 3;
            if !(b[o].is_ascii_hexdigit() && b[o + 1].is_ascii_hexdigit()) {
                return;
            }
            if g < 5 && b[o + 2] != sep {
                return;
            }
            all_zero &= b[o] == b'0' && b[o + 1] == b'0';
            all_f &= b[o].eq_ignore_ascii_case(&b'f') && b[o + 1].eq_ignore_ascii_case(&b'f');
        }
        let e = s + 17;
        let nx = at(b, e);
        if alnum(nx) || nx == b'_' || (nx == sep && at(b, e + 1).is_ascii_hexdigit()) {
            return;
        }
        if all_zero || all_f {
            return;
        }
        self.push(PiiType::MacAddress, s, e);
    }

    fn ipv6(&mut self, s: usize) {
        if let Some(e) = parse_ipv6(self.b, s) {
            self.push(PiiType::Ipv6, s, e);
        }
    }

    /// End of the run of host-name bytes starting at `s`.
    #[inline]
    fn host_extent(&self, s: usize) -> usize {
        let b = self.b;
        let mut e = s;
        if s >= self.blk_base && s - self.blk_base < 64 {
            let p = s - self.blk_base;
            let len = (!(self.blk_host >> p)).trailing_zeros() as usize;
            if p + len < 64 {
                return s + len;
            }
            e = self.blk_base + 64;
        }
        while e < b.len() && HOST_CH[b[e] as usize] {
            e += 1;
        }
        e
    }

    fn hostname(&mut self, s: usize) {
        let b = self.b;
        let Some(e) = fqdn_end_at(b, s, self.host_extent(s), false) else {
            return;
        };
        if host_position(b, s, e) {
            self.push(PiiType::Hostname, s, e);
        }
    }

    fn email(&mut self, a: usize) {
        let b = self.b;
        let mut ls = a;
        while ls > 0 && (alnum(b[ls - 1]) || matches!(b[ls - 1], b'.' | b'_' | b'%' | b'+' | b'-'))
        {
            ls -= 1;
        }
        while ls < a && matches!(b[ls], b'.' | b'-' | b'+') {
            ls += 1;
        }
        if ls == a || a - ls > 64 || b[a - 1] == b'.' {
            return;
        }
        if !alnum(at(b, a + 1)) {
            return;
        }
        let Some(e) = fqdn_end(b, a + 1, false) else {
            return;
        };
        if at(b, e) == b'(' {
            return;
        }
        // ssh/scp-like `user@host` (`ssh root@db.example.com`, `git@github.com:org/repo`):
        // the host is the finding, not an e-mail.
        let ssh_like = at(b, e) == b':'
            && matches!(at(b, e + 1), b'/' | b'~' | b'.' | b'a'..=b'z' | b'A'..=b'Z')
            || prev_word_is(b, ls, &["ssh", "scp", "sftp", "rsync", "mosh", "sshfs"]);
        if ssh_like {
            self.push(PiiType::Hostname, a + 1, e);
        } else {
            self.push(PiiType::Email, ls, e);
        }
    }

    fn url(&mut self, colon: usize) {
        let b = self.b;
        // scheme
        let mut ss = colon;
        while ss > 0 && (alnum(b[ss - 1]) || matches!(b[ss - 1], b'+' | b'.' | b'-')) {
            ss -= 1;
        }
        if colon - ss < 2 || !b[ss].is_ascii_alphabetic() {
            return;
        }
        let scheme = &b[ss..colon];
        let auth_s = colon + 3;
        let auth_e = run(b, auth_s, |c| {
            !matches!(
                c,
                b'/' | b'?'
                    | b'#'
                    | b' '
                    | b'\t'
                    | b'\r'
                    | b'\n'
                    | b'"'
                    | b'\''
                    | b'<'
                    | b'>'
                    | b'`'
                    | b','
                    | b';'
                    | b'|'
            ) && c >= 0x20
        });
        let auth = &b[auth_s..auth_e];
        let host_s = match memchr::memrchr(b'@', auth) {
            Some(k) => {
                let ui = &auth[..k];
                if let Some(c) = memchr::memchr(b':', ui) {
                    let pass = &ui[c + 1..];
                    if c > 0 && !is_placeholder(pass) && !is_placeholder(&ui[..c]) {
                        self.push(PiiType::UrlCredentials, auth_s, auth_s + k);
                    }
                }
                if memchr::memchr(b':', ui).is_none() {
                    // `scheme://alice@example.com`: `alice@example.com` is the e-mail
                    // detector's (and after a partial redaction, `a***@example.com`, nobody's).
                    return;
                }
                auth_s + k + 1
            }
            None => auth_s,
        };
        if scheme.eq_ignore_ascii_case(b"file") {
            return;
        }
        if at(b, host_s).is_ascii_alphanumeric() {
            if let Some(e) = fqdn_end(b, host_s, true) {
                if b[host_s..e].eq_ignore_ascii_case(b"hooks.slack.com")
                    && b[e..].starts_with(b"/services/")
                {
                    let pe = run(b, e, |c| alnum(c) || matches!(c, b'/' | b'_' | b'-'));
                    if pe > e + 20 {
                        self.push(PiiType::SlackToken, ss, pe);
                    }
                    return;
                }
                self.push(PiiType::Hostname, host_s, e);
            }
        }
    }

    // ---------------------------------------------------------------- tokens

    fn aws_key(&mut self, s: usize, we: usize) {
        let b = self.b;
        if we - s == 20
            && b[s + 4..we]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !token_char(at(b, we))
        {
            self.push(PiiType::AwsAccessKey, s, we);
        }
    }

    fn google_key(&mut self, s: usize) {
        let b = self.b;
        let e = run(b, s, |c| alnum(c) || c == b'_' || c == b'-');
        if e - s == 39 {
            self.push(PiiType::GoogleApiKey, s, e);
        }
    }

    fn github(&mut self, s: usize) {
        let b = self.b;
        let e = run(b, s, |c| alnum(c) || c == b'_');
        let v = &b[s..e];
        let ok = if v.starts_with(b"github_pat_") {
            v.len() >= 11 + 22
        } else {
            v.len() >= 40
                && matches!(&v[..4], b"ghp_" | b"gho_" | b"ghs_" | b"ghu_" | b"ghr_")
                && v[4..].iter().all(|c| alnum(*c))
        };
        if ok && at(b, e) != b'-' {
            self.push(PiiType::GithubToken, s, e);
        }
    }

    fn slack(&mut self, s: usize) {
        let b = self.b;
        if !matches!(at(b, s + 3), b'a' | b'b' | b'p' | b'o' | b's' | b'r') || at(b, s + 4) != b'-'
        {
            return;
        }
        let e = run(b, s + 5, |c| alnum(c) || c == b'-');
        let body = &b[s + 5..e];
        if body.len() >= 10 && body.iter().filter(|c| c.is_ascii_digit()).count() >= 4 {
            self.push(PiiType::SlackToken, s, e);
        }
    }

    fn stripe(&mut self, s: usize) {
        let b = self.b;
        let v = &b[s..];
        let pre = if v.starts_with(b"sk_live_")
            || v.starts_with(b"rk_live_")
            || v.starts_with(b"sk_test_")
            || v.starts_with(b"rk_test_")
        {
            8
        } else {
            return;
        };
        let e = run(b, s + pre, alnum);
        if e - s - pre >= 16 && at(b, e) != b'_' {
            self.push(PiiType::StripeKey, s, e);
        }
    }

    fn jwt(&mut self, s: usize) {
        let b = self.b;
        let b64 = |c: u8| alnum(c) || c == b'-' || c == b'_';
        let h_e = run(b, s, b64);
        if at(b, h_e) != b'.' || h_e - s < 10 {
            return;
        }
        let p_e = run(b, h_e + 1, b64);
        if p_e - h_e - 1 < 4 || at(b, p_e) != b'.' {
            return;
        }
        let s_e = run(b, p_e + 1, b64);
        let nx = at(b, s_e);
        if nx == b'.' || nx == b'=' || nx == b'/' || nx == b'+' {
            return;
        }
        let Ok(hdr) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&b[s..h_e]) else {
            return;
        };
        if matches!(
            serde_json::from_slice::<serde_json::Value>(&hdr),
            Ok(serde_json::Value::Object(_))
        ) {
            self.push(PiiType::Jwt, s, s_e);
        }
    }

    // ---------------------------------------------------------------- key = value

    /// A word ending at `we` is followed by a separator: is the key a secret's name?
    fn key_word(&mut self, we: usize) {
        let b = self.b;
        // Every key name ends in one of these letters; most words don't get further.
        let last = b[we - 1] | 0x20;
        if !matches!(last, b'd' | b's' | b'e' | b'y' | b'n' | b't') {
            return;
        }
        // Lower-case the tail once; compare keywords ending in the same letter.
        let mut tail = [0u8; 24];
        let tl = (we).min(24);
        for (d, &c) in tail[24 - tl..].iter_mut().zip(&b[we - tl..we]) {
            *d = c.to_ascii_lowercase();
        }
        // Only the keywords ending in this letter (KEYWORDS is longest-first within each).
        let group: &[(&str, Kw)] = match last {
            b'd' => &KEYWORDS_D,
            b'y' => &KEYWORDS_Y,
            b'n' => &KEYWORDS_N,
            b't' => &KEYWORDS_T,
            _ => KEYWORDS,
        };
        for &(k, kw) in group {
            let k = k.as_bytes();
            if k[k.len() - 1] != last
                || k.len() > tl
                || k[k.len() - 2] != tail[22]
                || tail[24 - k.len()..] != *k
            {
                continue;
            }
            let ks = we - k.len();
            // `pass` in `bypass`, `pwd` in `cwd`-like words are nothing; `dbPassword` is.
            if k.len() <= 4 && before(b, ks).is_ascii_alphabetic() {
                return;
            }
            self.keyword(kw, ks, we);
            return;
        }
    }

    fn keyword(&mut self, kw: Kw, ks: usize, ke: usize) {
        let b = self.b;
        match kw {
            Kw::Bearer => {
                if alnum(before(b, ks)) || at(b, ke) != b' ' {
                    return;
                }
                let ts = run(b, ke, |c| c == b' ');
                let te = run(b, ts, |c| {
                    alnum(c) || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
                });
                let te = run(b, te, |c| c == b'=');
                let v = &b[ts..te];
                if token_char(at(b, te)) || v.len() < 12 || is_placeholder(v) {
                    return;
                }
                let digits = v.iter().any(u8::is_ascii_digit);
                let mixed =
                    v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase);
                if digits || (mixed && v.len() >= 20) {
                    self.push(PiiType::BearerToken, ts, te);
                }
            }
            Kw::Password | Kw::ApiKey | Kw::AwsSecret => {
                // The key name must end here (`passwordFile=` is not a password).
                let nx = at(b, ke);
                if alnum(nx) || nx == b'_' || nx == b'-' {
                    return;
                }
                if kw == Kw::ApiKey || kw == Kw::Password {
                    // `aws_secret_key` is the AWS detector's; `pass` inside `bypass` is nothing.
                    let p = before(b, ks);
                    if alnum(p) && b[ks..ke].len() <= 4 {
                        return;
                    }
                }
                let Some((vs, ve)) = kv_value(b, ke) else {
                    return;
                };
                let v = &b[vs..ve];
                if is_placeholder(v) {
                    return;
                }
                match kw {
                    Kw::Password => {
                        // `pwd=/home/alice` is a working directory, not a password.
                        if v[0] == b'/' && v[1..].contains(&b'/') {
                            return;
                        }
                        self.push(PiiType::Password, vs, ve);
                    }
                    Kw::ApiKey => {
                        if v.len() >= 8 && (v.iter().any(u8::is_ascii_digit) || v.len() >= 16) {
                            self.push(PiiType::ApiKey, vs, ve);
                        }
                    }
                    _ => {
                        if v.len() == 40
                            && v.iter()
                                .all(|&c| alnum(c) || matches!(c, b'/' | b'+' | b'='))
                        {
                            self.push(PiiType::AwsSecretKey, vs, ve);
                        }
                    }
                }
            }
        }
    }

    fn pem(&mut self, s: usize, ke: usize) {
        let b = self.b;
        if &b[s..s + 5] != b"-----" || &b[s + 5..ke - 1] != b"BEGIN" {
            return;
        }
        let le = run(b, ke, |c| {
            c.is_ascii_uppercase() || c == b' ' || c.is_ascii_digit()
        });
        let label = &b[ke..le];
        if !b[le..].starts_with(b"-----")
            || !(label.ends_with(b"PRIVATE KEY") || label.ends_with(b"PRIVATE KEY BLOCK"))
        {
            return;
        }
        let body_s = le + 5;
        let limit = (s + PEM_MAX).min(b.len());
        let win = &b[body_s..limit];
        let Some(endpos) = memchr::memmem::find(win, b"-----END ") else {
            return;
        };
        if memchr::memmem::find(&win[..endpos], b"-----BEGIN").is_some() {
            return; // a lone BEGIN: the next BEGIN starts its own block
        }
        let es = body_s + endpos + 9;
        if !b[es..limit].starts_with(label) || !b[es + label.len()..limit].starts_with(b"-----") {
            return;
        }
        let body = &b[body_s..body_s + endpos];
        let b64 = body
            .iter()
            .filter(|c| alnum(**c) || matches!(c, b'+' | b'/' | b'='))
            .count();
        if b64 < 32 {
            return;
        }
        self.push(PiiType::PrivateKey, s, es + label.len() + 5);
    }
}

/// Characters that continue a token: a match followed by one is only part of something longer.
#[inline]
fn token_char(c: u8) -> bool {
    alnum(c) || c == b'_'
}

fn card_tail_ok(b: &[u8], e: usize) -> bool {
    let nx = at(b, e);
    !(glued_next(nx)
        || nx == b'['
        || nx == b'_'
        || (matches!(nx, b'.' | b'-' | b',') && at(b, e + 1).is_ascii_digit()))
}

/// Parses `a.b.c.d` at `s`; each octet 1–3 digits, ≤ 255, no leading zeros.
fn parse_ipv4(b: &[u8], s: usize) -> Option<(usize, [u8; 4])> {
    let mut oct = [0u8; 4];
    let mut i = s;
    for (k, o) in oct.iter_mut().enumerate() {
        if k > 0 {
            if at(b, i) != b'.' {
                return None;
            }
            i += 1;
        }
        let j = run(b, i, |c| c.is_ascii_digit());
        let l = j - i;
        if l == 0 || l > 3 || (l > 1 && b[i] == b'0') {
            return None;
        }
        let v = b[i..j]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'));
        if v > 255 {
            return None;
        }
        *o = v as u8;
        i = j;
    }
    Some((i, oct))
}

/// The IPv4 at `s` is a version number: preceded by `version`, `ver`, `v`, `release`, `build`,
/// `firmware`, `rev` (optionally with `:`/`=`).
fn version_context(b: &[u8], s: usize) -> bool {
    let mut i = s;
    while i > 0 && matches!(b[i - 1], b' ' | b'\t' | b':' | b'=' | b'"' | b'\'') {
        i -= 1;
    }
    let ws = {
        let mut k = i;
        while k > 0 && b[k - 1].is_ascii_alphabetic() {
            k -= 1;
        }
        k
    };
    let w = &b[ws..i];
    const V: &[&[u8]] = &[
        b"version",
        b"ver",
        b"v",
        b"release",
        b"build",
        b"firmware",
        b"rev",
        b"revision",
        b"fw",
    ];
    V.iter().any(|v| {
        w.len() >= v.len()
            && w[w.len() - v.len()..].eq_ignore_ascii_case(v)
            && (v.len() > 3 || w.len() == v.len())
    })
}

fn parse_phone_us(b: &[u8], s: usize) -> Option<(usize, usize)> {
    let mut i = s;
    let mut st = s;
    // optional leading "1" + separator
    if at(b, i) == b'1' && matches!(at(b, i + 1), b'-' | b'.' | b' ') {
        i += 2;
    }
    let paren = at(b, i) == b'(' || (i == s && before(b, s) == b'(');
    if at(b, i) == b'(' {
        i += 1;
    } else if i == s && before(b, s) == b'(' {
        st = s - 1;
    }
    let area = i;
    if !(at(b, area).is_ascii_digit()
        && at(b, area + 1).is_ascii_digit()
        && at(b, area + 2).is_ascii_digit())
    {
        return None;
    }
    if !(b'2'..=b'9').contains(&b[area]) {
        return None;
    }
    i = area + 3;
    let sep1;
    if paren {
        if at(b, i) != b')' {
            return None;
        }
        i += 1;
        sep1 = if at(b, i) == b' ' {
            i += 1;
            b' '
        } else {
            0
        };
    } else {
        sep1 = at(b, i);
        if !matches!(sep1, b'-' | b'.' | b' ') {
            return None;
        }
        i += 1;
    }
    let ex = i;
    if !(at(b, ex).is_ascii_digit()
        && at(b, ex + 1).is_ascii_digit()
        && at(b, ex + 2).is_ascii_digit())
    {
        return None;
    }
    if !(b'2'..=b'9').contains(&b[ex]) {
        return None;
    }
    i = ex + 3;
    let sep2 = at(b, i);
    if !matches!(sep2, b'-' | b'.' | b' ') {
        return None;
    }
    if !paren && sep1 != sep2 {
        return None;
    }
    if paren && sep2 == b'.' {
        return None;
    }
    i += 1;
    let j = run(b, i, |c| c.is_ascii_digit());
    if j - i != 4 {
        return None;
    }
    let p = before(b, st);
    if glued(p) || matches!(p, b'.' | b'-' | b'_' | b'/' | b':' | b'+') {
        return None;
    }
    let nx = at(b, j);
    if glued_next(nx)
        || nx == b'['
        || nx == b'_'
        || (matches!(nx, b'.' | b'-' | b':' | b'/') && matches!(at(b, j + 1), b'0'..=b'9' | b'*'))
    {
        return None;
    }
    Some((st, j))
}

/// Parses an IPv6 address (full, `::`-compressed, with an embedded IPv4 tail) at `s`.
fn parse_ipv6(b: &[u8], s: usize) -> Option<usize> {
    let mut i = s;
    let mut groups = 0usize;
    let mut nonzero = 0usize;
    let mut dc = false;
    let mut best: Option<(usize, usize, bool)> = None;
    let mut v4 = false;
    if at(b, i) == b':' {
        if at(b, i + 1) != b':' {
            return None;
        }
        dc = true;
        i += 2;
    }
    loop {
        let j = run(b, i, |c| c.is_ascii_hexdigit());
        let h = j - i;
        if h == 0 {
            break;
        }
        if at(b, j) == b'.' && groups <= 6 {
            if let Some((e, oct)) = parse_ipv4(b, i) {
                groups += 2;
                if oct != [0, 0, 0, 0] {
                    nonzero += 2;
                }
                v4 = true;
                i = e;
                if (dc && groups <= 7) || groups == 8 {
                    best = Some((i, nonzero, true));
                }
            }
            break;
        }
        if h > 4 || alnum(at(b, j)) {
            break;
        }
        groups += 1;
        if b[i..j].iter().any(|&c| c != b'0') {
            nonzero += 1;
        }
        i = j;
        if groups > 8 {
            break;
        }
        if (dc && groups <= 7) || (!dc && groups == 8) {
            best = Some((i, nonzero, false));
        }
        if at(b, i) == b':' {
            if at(b, i + 1) == b':' {
                if dc {
                    break;
                }
                dc = true;
                i += 2;
                if groups <= 7 {
                    best = Some((i, nonzero, false));
                }
            } else if at(b, i + 1).is_ascii_hexdigit() {
                i += 1;
            } else {
                break;
            }
        } else {
            break;
        }
    }
    let _ = v4;
    let (e, nz, mapped) = best?;
    let v = &b[s..e];
    // Loopback `::1`, unspecified `::`, and text that only looks hex (`add::`) are not hosts.
    if nz == 0 || (nz < 2 && !mapped) {
        return None;
    }
    if !v.iter().any(u8::is_ascii_digit) {
        return None;
    }
    // Eight groups of exactly two hex digits are an EUI-64 / WWN hardware id
    // (`FF:F2:9F:15:1F:72:00:0D`), not an address.
    if !dc && v.split(|&c| c == b':').all(|g| g.len() == 2) {
        return None;
    }
    let upper = v.iter().any(u8::is_ascii_uppercase);
    let lower = v.iter().any(u8::is_ascii_lowercase);
    if upper && lower {
        return None;
    }
    let nx = at(b, e);
    if nx == b'_' || nx == b'.' && alnum(at(b, e + 1)) {
        return None;
    }
    if alnum(nx) {
        return None;
    }
    Some(e)
}

/// End of a fully-qualified domain name starting at `s` (labels of letters, digits and `-`,
/// at least two, last one a known TLD, or with `any_tld` any alphabetic one of 2–24 letters that
/// is not a file extension). Rejects CamelCase labels (`com.foo.MyClass`).
pub fn fqdn_end(b: &[u8], s: usize, any_tld: bool) -> Option<usize> {
    let mut e = s;
    while e < b.len() && HOST_CH[b[e] as usize] {
        e += 1;
    }
    fqdn_end_at(b, s, e, any_tld)
}

/// `fqdn_end` with the extent of host-name bytes `[s, e)` already known.
fn fqdn_end_at(b: &[u8], s: usize, mut e: usize, any_tld: bool) -> Option<usize> {
    while e > s && matches!(b[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let v = &b[s..e];
    if v.len() > 253 {
        return None;
    }
    // Cheap rejections first: no dot, or a last label that is no TLD (class names, file names,
    // timestamps), before validating every label.
    let last_dot = v.iter().rposition(|&c| c == b'.')?;
    let last = &v[last_dot + 1..];
    let tld_ok = is_tld(last)
        || (any_tld
            && (2..=24).contains(&last.len())
            && last.iter().all(u8::is_ascii_alphabetic)
            && !is_file_ext(last));
    if !tld_ok {
        return None;
    }
    let mut labels = 0;
    for l in v.split(|&c| c == b'.') {
        if l.is_empty() || l.len() > 63 || l[0] == b'-' || l[l.len() - 1] == b'-' {
            return None;
        }
        let up = l.iter().any(u8::is_ascii_uppercase);
        let lo = l.iter().any(u8::is_ascii_lowercase);
        if up && lo {
            return None;
        }
        labels += 1;
    }
    if labels < 2 {
        return None;
    }
    // `foo.com.java`-like run-ons and method calls are not hosts.
    if matches!(at(b, e), b'(' | b'_' | b'@') {
        return None;
    }
    Some(e)
}

static HOST_CH: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.';
        i += 1;
    }
    t
};

fn is_file_ext(l: &[u8]) -> bool {
    const EXT: &[&str] = &[
        "log",
        "txt",
        "java",
        "class",
        "jar",
        "py",
        "rs",
        "go",
        "js",
        "ts",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "html",
        "htm",
        "css",
        "json",
        "xml",
        "yaml",
        "yml",
        "toml",
        "conf",
        "cfg",
        "ini",
        "so",
        "dll",
        "exe",
        "sh",
        "md",
        "gz",
        "zip",
        "tar",
        "bz2",
        "xz",
        "pdf",
        "doc",
        "docx",
        "csv",
        "tmp",
        "bak",
        "lock",
        "pid",
        "sock",
        "properties",
        "php",
        "rb",
        "pl",
        "c",
        "h",
        "cpp",
        "hpp",
        "cc",
        "o",
        "a",
        "out",
        "err",
        "db",
        "sqlite",
        "dat",
        "bin",
        "img",
        "iso",
        "dmg",
        "pkg",
        "deb",
        "rpm",
        "apk",
        "plist",
        "scala",
        "kt",
        "swift",
        "m",
        "mm",
    ];
    EXT.iter().any(|x| x.as_bytes().eq_ignore_ascii_case(l))
}

/// Is the FQDN `[s, e)` in a host position? Left context is a host-ish key or verb (`host=`,
/// `hostname:`, `from`, `to`, `connect to`, `by`, `via`, `proxy` …), right context is a port
/// (`:443`) or a bracketed address (`name [10.0.0.1]`), or the name follows `//`.
fn host_position(b: &[u8], s: usize, e: usize) -> bool {
    if s >= 2 && &b[s - 2..s] == b"//" {
        return true;
    }
    if at(b, e) == b':' {
        let pe = run(b, e + 1, |c| c.is_ascii_digit());
        if (2..=6).contains(&(pe - e)) && !glued_next(at(b, pe)) && at(b, pe) != b'.' {
            return true;
        }
    }
    let mut k = e;
    while matches!(at(b, k), b' ' | b'\t') {
        k += 1;
    }
    if k > e && matches!(at(b, k), b'[' | b'(') && at(b, k + 1).is_ascii_digit() {
        return true;
    }
    const KEYS: &[&str] = &[
        "host",
        "hostname",
        "hostnames",
        "rhost",
        "lhost",
        "server",
        "servername",
        "srv",
        "from",
        "to",
        "for",
        "by",
        "via",
        "proxy",
        "peer",
        "remote",
        "node",
        "address",
        "addr",
        "destination",
        "dest",
        "dst",
        "target",
        "upstream",
        "backend",
        "endpoint",
        "origin",
        "url",
        "uri",
        "connect",
        "connecting",
        "resolve",
        "resolving",
        "lookup",
        "sni",
        "relay",
        "client",
        "mx",
        "ns",
        "nameserver",
        "domain",
        "at",
        "fqdn",
        "referer",
        "referrer",
        "hosts",
        "redirect",
        "location",
        "mailhost",
        "smtp",
        "imap",
        "pop",
        "dns",
        "ping",
        "ssh",
    ];
    let mut i = s;
    while i > 0
        && matches!(
            b[i - 1],
            b' ' | b'\t' | b'=' | b':' | b'"' | b'\'' | b'[' | b'(' | b'<'
        )
    {
        i -= 1;
    }
    if i == s && s > 0 {
        return false;
    }
    let mut ws = i;
    while ws > 0 && (b[ws - 1].is_ascii_alphabetic() || b[ws - 1] == b'_' || b[ws - 1] == b'-') {
        ws -= 1;
    }
    let w = &b[ws..i];
    if w.is_empty() {
        return false;
    }
    // `db_host=`, `remote-host:`: the last component decides.
    let tail = match w.iter().rposition(|&c| c == b'_' || c == b'-') {
        Some(p) => &w[p + 1..],
        None => w,
    };
    KEYS.iter().any(|k| k.as_bytes().eq_ignore_ascii_case(tail))
}

fn prev_word_is(b: &[u8], s: usize, words: &[&str]) -> bool {
    let mut i = s;
    while i > 0 && matches!(b[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if i == s {
        return false;
    }
    let mut ws = i;
    while ws > 0 && b[ws - 1].is_ascii_alphanumeric() {
        ws -= 1;
    }
    let w = &b[ws..i];
    words.iter().any(|x| x.as_bytes().eq_ignore_ascii_case(w))
}

/// After a key name ending at `ke`: optional closing quote, spaces, a separator (`=`, `:`, `=>`,
/// `:=`), spaces, then the value, quoted (up to the closing quote) or bare (up to whitespace or
/// a delimiter). Returns the value's span.
fn kv_value(b: &[u8], ke: usize) -> Option<(usize, usize)> {
    let mut i = ke;
    if matches!(at(b, i), b'"' | b'\'') {
        i += 1;
    }
    let k0 = i;
    while matches!(at(b, i), b' ' | b'\t') {
        i += 1;
    }
    // `key=value` and `key = value` but not `key= other=…` (an empty value then the next key).
    let spaced = i > k0;
    let colon = match at(b, i) {
        b'=' => {
            i += 1;
            if at(b, i) == b'>' {
                i += 1;
            }
            false
        }
        b':' => {
            i += 1;
            if at(b, i) == b'=' {
                i += 1;
            }
            true
        }
        _ => return None,
    };
    if colon || spaced || at(b, i) == b'>' {
        while matches!(at(b, i), b' ' | b'\t') {
            i += 1;
        }
    }
    let q = at(b, i);
    if q == b'"' || q == b'\'' {
        let vs = i + 1;
        let mut j = vs;
        while j < b.len() && b[j] != q && b[j] != b'\n' {
            if b[j] == b'\\' {
                j += 1;
            }
            j += 1;
        }
        if j < b.len() && b[j] == q && j - vs <= 512 {
            return Some((vs, j));
        }
        // An unterminated quote (a truncated log line): take the bare value after it.
        i += 1;
    }
    let vs = i;
    // `[Password-3f9a1c]`, `<redacted>`, `{{ x }}`: a bracketed value runs to its closer.
    let closer = match at(b, vs) {
        b'[' => b']',
        b'<' => b'>',
        b'{' => b'}',
        b'(' => b')',
        _ => 0,
    };
    if closer != 0 {
        let line_end = memchr::memchr(b'\n', &b[vs..]).map_or(b.len(), |k| vs + k);
        if let Some(k) = memchr::memchr(closer, &b[vs..line_end]) {
            return Some((vs, vs + k + 1));
        }
    }
    let j = run(b, vs, |c| {
        !matches!(
            c,
            b' ' | b'\t'
                | b'\r'
                | b'\n'
                | b','
                | b';'
                | b'&'
                | b'"'
                | b'\''
                | b')'
                | b']'
                | b'}'
                | b'<'
                | b'>'
        )
    });
    if j - vs > 512 {
        return None;
    }
    Some((vs, j))
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
                        g.dot_dash
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
                        want.dot_dash
                    ]
                );
            }
        }
    }
}
