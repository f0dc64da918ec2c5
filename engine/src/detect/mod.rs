//! The built-in detectors, one file per family: `pii.rs` (e-mail, phone, SSN, card, IBAN),
//! `network.rs` (IP, MAC, host names), `credential.rs` (key-value secrets, bearer tokens, JWTs,
//! URL credentials, PEM keys), `provider.rs` (provider-issued tokens). Each file holds its
//! detectors and their table-driven cases (positives with exact spans, hard negatives).
//!
//! Speed comes from never running a regex over the whole text. One pass classifies the text 64
//! bytes at a time into bit masks (`simd.rs`) and visits only the *events* that can start
//! something: alphanumeric word starts whose first byte matters (digits → IPv4/SSN/phone/card,
//! uppercase → AWS/Google keys and IBANs, `eyJ` → JWT, `Bearer`, `-----BEGIN`), word ends whose
//! next byte matters (`word.` → host name, `key=`/`key:`/`"key":` → key-value secrets, `ghp_`,
//! `xox…-`, `sk_live_` → provider tokens, short hex + `:`/`-` → IPv6/MAC), and the structural
//! bytes `@`, `+`, `://` and `::`.
//!
//! # Linear time
//!
//! Every event does bounded work, or work that no later event repeats: the runs a validator
//! walks (a token's characters, a bare value, the text up to the next PEM END line) are
//! remembered per character class ([`Memo`]), so a line of a million `eyJ_` or `password=`
//! walks each byte once, not once per occurrence. Unit tests count the bytes examined (the
//! `work` counter, compiled into test builds only) and check that it grows linearly on the
//! worst-case repetitions of every rule's own keywords (`linear.rs`).
//!
//! Candidates may overlap; `overlap.rs` reduces them to one span per region.

mod credential;
mod keyname;
mod network;
mod pii;
mod provider;
mod simd;
mod wordset;

#[cfg(test)]
mod linear;

use crate::catalog::COUNT;
use crate::overlap::{Cand, Resolver, Veto};
use crate::types::PiiType;

pub use network::fqdn_end;

/// PEM blocks longer than this are not keys (bounds how far `stream_safe_len` and `scan_range`
/// must look, and what a streaming consumer has to buffer).
pub const PEM_MAX: usize = 64 * 1024;

/// How far before the event that finds it a candidate may start (an e-mail's local part, a
/// host name's first label, a URL's scheme): what lets the resolver settle findings as the scan
/// goes.
pub const LOOKBACK: usize = 72;

/// Tokens without a length of their own (bearer tokens, JWTs) are at most this long, like PEM
/// blocks: longer runs are data, and an open candidate bounds what the resolver must hold.
pub const TOKEN_MAX: usize = 64 * 1024;

/// Values found by their key name are at most this long (longer runs are data, not a secret).
pub const VALUE_MAX: usize = 512;

/// Bytes examined by the detectors on this thread (test builds only): the linear-time tests
/// compare it across input sizes.
#[cfg(test)]
pub(crate) mod work {
    use std::cell::Cell;

    thread_local! {
        static WORK: Cell<u64> = const { Cell::new(0) };
    }

    #[inline]
    pub fn add(n: usize) {
        WORK.with(|w| w.set(w.get() + n as u64));
    }

    pub fn get() -> u64 {
        WORK.with(Cell::get)
    }
}

/// Counts `n` units of work (a byte examined, an event dispatched): a no-op outside tests.
#[inline(always)]
pub(crate) fn count(n: usize) {
    #[cfg(test)]
    work::add(n);
    #[cfg(not(test))]
    let _ = n;
}

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

/// Characters that continue a token: a match followed by one is only part of something longer.
#[inline]
fn token_char(c: u8) -> bool {
    alnum(c) || c == b'_'
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

/// End of the run of bytes from `i` that satisfy `f`. For runs that several events may walk
/// (the same token seen from each of its prefixes), use [`Scan::run_memo`].
#[inline]
fn run(b: &[u8], mut i: usize, f: impl Fn(u8) -> bool) -> usize {
    let s = i;
    while i < b.len() && f(b[i]) {
        i += 1;
    }
    count(i - s);
    i
}

/// The bytes whose next occurrence is memoized ([`Scan::next_byte`]).
const NEXT_BYTES: [u8; 8] = [b'\n', b']', b'>', b'}', b')', b'"', b'\'', b'`'];

/// The last search for one of [`NEXT_BYTES`]: from `from`, the next occurrence is at `found`
/// (`usize::MAX`: none up to the end of the text).
#[derive(Clone, Copy)]
struct Next {
    from: usize,
    found: usize,
}

/// Character classes whose runs are memoized.
#[derive(Clone, Copy)]
#[repr(u8)]
enum Class {
    /// base64url: `[A-Za-z0-9_-]` (JWT parts, Google keys).
    B64Url,
    /// `[A-Za-z0-9_]` (GitHub tokens).
    AlnumUnderscore,
    /// `[A-Za-z0-9-]` (Slack tokens).
    AlnumDash,
    /// Anything but the bytes that end a bare value (whitespace, `,;&"')]}<>`).
    Bare,
}

const CLASSES: usize = 4;

static CLASS_TABLE: [[bool; 256]; CLASSES] = {
    let mut t = [[false; 256]; CLASSES];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let an = c.is_ascii_alphanumeric();
        t[Class::B64Url as usize][i] = an || c == b'_' || c == b'-';
        t[Class::AlnumUnderscore as usize][i] = an || c == b'_';
        t[Class::AlnumDash as usize][i] = an || c == b'-';
        t[Class::Bare as usize][i] = !matches!(
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
        );
        i += 1;
    }
    t
};

/// Who asks for a memoized run. Each asker asks in text order (its events come in text order),
/// so one remembered run per asker walks each byte once; askers get slots of their own so they
/// do not evict each other's runs (a JWT's payload run would evict its header run).
#[derive(Clone, Copy)]
#[repr(u8)]
enum Slot {
    JwtHeader,
    JwtPayload,
    JwtSignature,
    GoogleKey,
    GithubToken,
    SlackToken,
    Bare,
    /// (Runs of these two are not walked here: their slots only count tries.)
    Bracket,
    RestOfLine,
}

const SLOTS: usize = 9;

impl Slot {
    fn class(self) -> Class {
        match self {
            Slot::JwtHeader | Slot::JwtPayload | Slot::JwtSignature | Slot::GoogleKey => {
                Class::B64Url
            }
            Slot::GithubToken => Class::AlnumUnderscore,
            Slot::SlackToken => Class::AlnumDash,
            Slot::Bare | Slot::Bracket | Slot::RestOfLine => Class::Bare,
        }
    }
}

/// The last run computed for one slot: every byte of `[start, end)` is in the class and
/// `b[end]` is not (or `end` is the end of the text). A run asked for from inside it ends at
/// `end`; one that reaches `start` from before it jumps to `end`.
#[derive(Clone, Copy, Default)]
struct Memo {
    start: usize,
    end: usize,
}

/// How many candidates were tried on the run ending at `end`. Candidates that share a run (the
/// `eyJ` after each `-` or `_` of one base64url header, the `xoxb-` inside one dashed run, keys
/// glued into one bare value) have values that are suffixes of each other; trying only the
/// first few makes a run of `eyJ_eyJ_…` or `password=x.password=x.…` cost a bounded multiple of
/// its length (a real token or value holds no such repetition).
#[derive(Clone, Copy, Default)]
struct RunTries {
    end: usize,
    tries: u8,
}

/// Set of enabled built-in types, indexed by `PiiType::index`.
#[derive(Clone, Copy)]
pub struct Enabled(pub [bool; COUNT]);

impl Enabled {
    #[inline]
    pub fn on(&self, t: PiiType) -> bool {
        self.0[t.index()]
    }
}

/// The compiled detectors (their tables are built once per process: see `credential::keys`).
pub struct Detectors;

impl Default for Detectors {
    fn default() -> Self {
        Self::new()
    }
}

impl Detectors {
    pub fn new() -> Detectors {
        credential::init();
        Detectors
    }

    /// Hands every candidate in `text` to `out`, flushing it as the scan goes (see
    /// [`Resolver`]); the caller finishes it.
    pub fn scan(&self, text: &str, en: &Enabled, out: &mut Resolver<'_>) {
        Scan::new(text.as_bytes(), en, out).main_loop();
    }
}

/// Does a quoted value open on this line (which ends with its line break) go on past its end?
/// Then the next line may close it, and a streaming consumer must not cut between the two.
pub fn open_quote_at_end(line: &str) -> bool {
    let b = line.as_bytes();
    // Every quote a value may open with (a backtick too: Go's raw strings, shell substitutions;
    // missing it here let a streamed cut split a backquoted value: found by the `scan` fuzz
    // target).
    if memchr::memchr3(b'"', b'\'', b'`', b).is_none() {
        return false;
    }
    let en = Enabled([true; COUNT]);
    let mut sink = |_| {};
    let mut out = Resolver::new(Vec::new(), &mut sink);
    let mut s = Scan::new(b, &en, &mut out);
    s.main_loop();
    s.open_quote
}

struct Scan<'a, 'r> {
    b: &'a [u8],
    en: &'a Enabled,
    out: &'a mut Resolver<'r>,
    /// Start of the current 64-byte block and its mask of host-name bytes (`[A-Za-z0-9.-]`),
    /// so a host name's extent is found with one bit scan instead of a byte loop.
    blk_base: usize,
    blk_host: u64,
    /// The block's mask of identifier bytes (`[A-Za-z0-9_.-]`, see `credential::ident_start`).
    blk_ident: u64,
    /// The block's masks of `.` and of letters: a host name has both (none in `2015-10-18`,
    /// `x-api-key`, `10.250.19.102`).
    blk_dot: u64,
    blk_alpha: u64,
    memo: [Memo; SLOTS],
    tries: [RunTries; SLOTS],
    pem: credential::PemMemo,
    /// The last search for a Digest `response=` (see `credential::digest_response`).
    digest: credential::Search,
    next: [Next; NEXT_BYTES.len()],
    /// A quoted value was still open where the text ended (see [`open_quote_at_end`]).
    open_quote: bool,
    /// End of the last e-mail address found.
    email_end: usize,
    /// Where the local part of that address lies (its start to its `@`).
    email_local: (usize, usize),
    iban: pii::IbanMemo,
    /// End of the last grouped card number found.
    card_end: usize,
    /// The last value a key's check found (`credential::key_value`), as `start..end`: a key
    /// whose name lies inside it is part of that value.
    found_value: (usize, usize),
    img: network::ImageMemo,
    names: [credential::NameMemo; credential::NAME_MEMO],
}

impl<'a, 'r> Scan<'a, 'r> {
    fn new(b: &'a [u8], en: &'a Enabled, out: &'a mut Resolver<'r>) -> Scan<'a, 'r> {
        Scan {
            b,
            en,
            out,
            blk_base: usize::MAX,
            blk_host: 0,
            blk_ident: 0,
            blk_dot: 0,
            blk_alpha: 0,
            memo: [Memo::default(); SLOTS],
            tries: [RunTries::default(); SLOTS],
            pem: credential::PemMemo::default(),
            digest: credential::Search::default(),
            next: [Next { from: 1, found: 0 }; NEXT_BYTES.len()],
            open_quote: false,
            email_end: 0,
            email_local: (0, 0),
            iban: pii::IbanMemo::default(),
            card_end: 0,
            found_value: (0, 0),
            img: network::ImageMemo::default(),
            names: [credential::NameMemo::default(); credential::NAME_MEMO],
        }
    }

    #[inline]
    fn push(&mut self, ty: PiiType, start: usize, end: usize) {
        self.push_with(ty, start, end, Veto::NONE);
    }

    /// [`Scan::push`] for a candidate that the text `[vs, ve)` refuses unless a finding covers
    /// some of it (see [`Veto`]).
    #[inline]
    fn push_vetoed(&mut self, ty: PiiType, start: usize, end: usize, (vs, ve): (usize, usize)) {
        if let Some(v) = Veto::of(start, vs, ve) {
            self.push_with(ty, start, end, v);
        }
    }

    /// [`Scan::push`], or [`Scan::push_vetoed`] when there is a veto.
    #[inline]
    fn push_maybe_vetoed(
        &mut self,
        ty: PiiType,
        start: usize,
        end: usize,
        veto: Option<(usize, usize)>,
    ) {
        match veto {
            Some(v) => self.push_vetoed(ty, start, end, v),
            None => self.push(ty, start, end),
        }
    }

    #[inline]
    fn push_with(&mut self, ty: PiiType, start: usize, end: usize, veto: Veto) {
        // PEM armor is the private-key detector's, which pairs BEGIN and END lines: a value
        // that took some (its dashes are a token's `-`) hid it from that pairing, and redacting
        // the value changed it, so a key appeared (found by the `redact` fuzz target). Every
        // other finding ends before armor.
        let (end, cut) = if ty == PiiType::PrivateKey {
            (end, false)
        } else {
            credential::armor_cut(self.b, start, end)
        };
        // What is left before the armor was not what the detector checked: our own tag or a
        // placeholder there is no value (`--user "[Password]-----BEGIN …`), and an address or a
        // name cut short is none (`…168-----END@host` has no `@` left): found by the `redact`
        // fuzz target.
        if cut
            && (matches!(
                ty.family(),
                crate::catalog::Family::Pii | crate::catalog::Family::Network
            ) || crate::validate::is_placeholder(&self.b[start..end]))
        {
            return;
        }
        if self.en.on(ty) && start < end {
            self.out.push(Cand {
                start,
                end,
                code: ty.index() as u32,
                veto,
            });
        }
    }

    /// The first occurrence of `c` (one of [`NEXT_BYTES`]) at or after `from`, before `to`.
    /// Searches are remembered, so values that all look for the same line end or closer (a
    /// line of `key=[key=[…`) search each byte once.
    fn next_byte(&mut self, c: u8, from: usize, to: usize) -> Option<usize> {
        let slot = NEXT_BYTES
            .iter()
            .position(|&x| x == c)
            .expect("a memoized byte");
        let m = self.next[slot];
        let found = if m.from <= from && from <= m.found && m.found != 0 {
            count(1);
            m.found
        } else {
            let f = memchr::memchr(c, &self.b[from.min(self.b.len())..])
                .map_or(usize::MAX, |k| from + k);
            count(f.min(self.b.len()) - from.min(self.b.len()) + 1);
            self.next[slot] = Next { from, found: f };
            f
        };
        (found < to).then_some(found)
    }

    /// May one more candidate be tried on the slot's run ending at `end` (at most `max`)?
    #[inline]
    fn try_run(&mut self, slot: Slot, end: usize, max: u8) -> bool {
        let t = &mut self.tries[slot as usize];
        if t.end == end && t.tries > 0 {
            if t.tries >= max {
                return false;
            }
            t.tries += 1;
        } else {
            *t = RunTries { end, tries: 1 };
        }
        true
    }

    /// End of the run of the slot's class of bytes from `i`, walking each byte at most once per
    /// slot however many events ask (see [`Memo`]).
    #[inline]
    fn run_memo(&mut self, slot: Slot, i: usize) -> usize {
        let m = self.memo[slot as usize];
        if m.start <= i && i <= m.end && m.end > m.start {
            count(1);
            return m.end;
        }
        let t = &CLASS_TABLE[slot.class() as usize];
        let b = self.b;
        let mut j = i;
        while j < b.len() && t[b[j] as usize] {
            if j == m.start && m.end > m.start {
                j = m.end;
                break;
            }
            j += 1;
        }
        count(j - i + 1);
        self.memo[slot as usize] = Memo { start: i, end: j };
        j
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
        let mut prev_space = false;
        // Bit 63 of the previous block's `dot` mask: a digit word at bit 0 may follow a `.`.
        let mut prev_dot = 0u64;
        let mut pad = [0u8; 64];
        let classify = simd::classifier();
        while base < n {
            let block: &[u8; 64] = if base + 64 <= n {
                b[base..base + 64].try_into().expect("64 bytes")
            } else {
                pad[..n - base].copy_from_slice(&b[base..]);
                &pad
            };
            let m = classify(block);
            count(64);
            let w = m.word;
            self.blk_base = base;
            self.blk_host = w | m.dot_dash;
            self.blk_ident = self.blk_host | m.underscore;
            self.blk_dot = m.dot;
            self.blk_alpha = w & !m.digit;
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
            // A `-` after a blank may start a command-line flag (`-u user:pass`).
            let flag_ev = (m.dot_dash & !m.dot) & ((m.space << 1) | u64::from(prev_space));
            let mut x_ev = m.special | colon_ev | flag_ev;
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
                    count(we - i);
                    b[i..we].iter().all(u8::is_ascii_digit)
                } else {
                    (!m.digit >> p) & ((1u64 << len) - 1) == 0
                };
                count(1);
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
                    count(base - k);
                    k
                } else {
                    base
                };
                count(1);
                // An inner label followed by `.`/`-` gets no look (see `inner` above). The masks
                // cannot tell at the edges of a block (a word ending at bit 63, whose next byte
                // is in the next block, or starting at bit 0 after a `.` in the previous one), so
                // the same rule is applied here: findings must not depend on where a text's
                // 64-byte blocks fall (a partial rescan, a streamed chunk or a redacted text
                // shifts them; found by the `scan` and `redact` fuzz targets).
                if matches!(at(b, we), b'.' | b'-') && matches!(before(b, ws), b'.' | b'-') {
                    continue;
                }
                self.word_end(ws, we);
            }
            while x_ev != 0 {
                let p = x_ev.trailing_zeros() as usize;
                x_ev &= x_ev - 1;
                count(1);
                self.special(base + p);
            }
            prev_word = (w >> 63) & 1 == 1;
            prev_space = (m.space >> 63) & 1 == 1;
            prev_dot = m.dot >> 63;
            // Every candidate of a later event starts at most LOOKBACK bytes before that
            // event, which lies past this block: what ends before `base - LOOKBACK + 64` is
            // settled.
            self.out.flush((base + 64).saturating_sub(LOOKBACK));
            base += 64;
        }
    }

    #[inline(never)]
    fn special(&mut self, i: usize) {
        let b = self.b;
        match b[i] {
            b'@' => self.email(i),
            b'-' => self.flag(i),
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

    /// A word `[ws, we)` whose first byte matters (digit, uppercase, `e`, `b`).
    fn word_start(&mut self, ws: usize, we: usize, all_digits: bool) {
        let b = self.b;
        let first = b[ws];
        let next = at(b, we);
        if first.is_ascii_digit() {
            if matches!(next, b':' | b'-') {
                self.hexish(ws, we, next);
            } else if next == b'.' && we - ws == 4 {
                self.mac_dotted(ws);
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
                self.bearer(ws, we);
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
        let next = at(b, we);
        if first.is_ascii_digit() {
            // Numbers were handled by `word_start`; one ending an identifier
            // (`api_token_123 = …`) may still end a key name.
            if matches!(before(b, ws), b'_' | b'-' | b'.')
                && (matches!(next, b'=' | b'"' | b'\'' | b':') || self.spaced_operator(we))
            {
                self.key_word(we);
            }
            return;
        }
        if next == b' ' || next == b'\t' {
            // `password = x`, `token ?= x` (at most 4 blanks: a bounded look)
            if self.spaced_operator(we) {
                self.key_word(we);
            }
        } else if next == b'.' {
            if at(b, we + 1) == b'=' {
                self.key_word(we);
            } else if we - ws == 4 && &b[ws..we] == b"xoxe" {
                self.slack_config(ws);
            } else if we - ws == 4 {
                self.mac_dotted(ws);
            }
            self.host_start(ws);
        } else if next == b'?' || next == b'>' {
            // `key?=value`; `<key>value</key>`
            if next == b'>' || at(b, we + 1) == b'=' {
                self.key_word(we);
            }
        } else if next == b':' {
            self.hexish(ws, we, next);
            self.key_word(we);
        } else if next == b'-' {
            self.hexish(ws, we, next);
            if first == b'x' && (b[ws..].starts_with(b"xox") || b[ws..].starts_with(b"xapp")) {
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

    /// After the word ending at `we`: up to 4 blanks, then an assignment operator
    /// (`=`, `:`, `?=`, `.=`)?
    fn spaced_operator(&self, we: usize) -> bool {
        let b = self.b;
        let mut k = we;
        while k < we + 5 && matches!(at(b, k), b' ' | b'\t') {
            k += 1;
        }
        count(k - we);
        k > we
            && k - we <= 4
            && (matches!(at(b, k), b'=' | b':')
                || (matches!(at(b, k), b'?' | b'.') && at(b, k + 1) == b'='))
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
        // Before `-` only a MAC's two-digit group starts anything (`2015-10-18`, `x-api-key`
        // are the usual words here).
        if next == b'-' && wl != 2 {
            return;
        }
        if wl > 4 || !b[ws..we].iter().all(u8::is_ascii_hexdigit) {
            if next == b':' {
                self.ipv6_after_label(ws, we);
            }
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
}

/// Checks a family's table-driven cases: each positive found with its exact span and type, each
/// negative yielding no finding at all.
#[cfg(test)]
fn check_cases(positives: &[(PiiType, &str, &str)], negatives: &[&str]) {
    let eng = crate::Engine::with_defaults();
    let mut failures = Vec::new();
    for &(ty, line, value) in positives {
        let start = line.find(value).expect("value in line");
        let end = start + value.len();
        let fs = eng.scan(line);
        if !fs
            .iter()
            .any(|f| f.kind == ty.into() && f.start == start && f.end == end)
        {
            let got: Vec<_> = fs
                .iter()
                .map(|f| (f.kind.id().to_owned(), f.value(line).to_owned()))
                .collect();
            failures.push(format!("missed {ty}: {line:?} -> {got:?}"));
        }
    }
    for line in negatives {
        let fs = eng.scan(line);
        if !fs.is_empty() {
            let got: Vec<_> = fs
                .iter()
                .map(|f| (f.kind.id().to_owned(), f.value(line).to_owned()))
                .collect();
            failures.push(format!("false positive: {line:?} -> {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
