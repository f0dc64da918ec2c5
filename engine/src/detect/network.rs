//! Network identifiers: IPv4 (from digit words), IPv6 and MAC addresses (short hex words
//! before `:`/`-`, and `::`), host names (first labels of dotted names, in host positions).

use super::wordset::in_set;
use super::{alnum, at, before, count, glued, glued_next, run, Scan};
use crate::types::PiiType;
use crate::validate::is_tld;

impl Scan<'_, '_> {
    pub(super) fn ipv4_at(&mut self, s: usize) {
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
        // `1.2.3.4.5`, `10.0.0.1-beta`; but `10.0.0.1-10.0.0.9` is a range of two addresses,
        // and in a dash-separated identifier the address is one field of several
        // (`BP-1347369012-10.190.173.170-1444972147527`, an HDFS block pool).
        // A reverse-DNS name that starts with the address: the address is found, unless the
        // whole name stands where a host name does (`rhost=62.99.164.82.sh.…`), where the host
        // name detector takes all of it.
        let rdns = if nx == b'.' {
            reverse_dns_suffix(b, end + 1)
        } else {
            None
        };
        if rdns.is_some_and(|e| host_position(b, s, e, &mut self.img)) {
            return;
        }
        if nx == b'.' && glued_next(at(b, end + 1)) && rdns.is_none()
            || nx == b'-'
                && glued_next(at(b, end + 1))
                && parse_ipv4(b, end + 1).is_none()
                && !(p == b'-' && dash_field_is_number(b, end + 1))
        {
            return;
        }
        if !ipv4_names_host(oct) {
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
        // A version (`version 1.2.3.4`), unless the word is part of another finding, which
        // redaction replaces (`…@db.internal.eversion 1.2.3.4`: see `Cand::veto`).
        match version_context(b, s) {
            Some(word) => self.push_vetoed(PiiType::Ipv4, s, end, word),
            None => self.push(PiiType::Ipv4, s, end),
        }
    }

    pub(super) fn mac(&mut self, s: usize) {
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

    /// Cisco's dotted form: three groups of four hex digits (`5254.00d8.c3cf`).
    pub(super) fn mac_dotted(&mut self, s: usize) {
        let b = self.b;
        if b.len() < s + 14 {
            return;
        }
        let p = before(b, s);
        if glued(p) || matches!(p, b'.' | b'-' | b':' | b'_' | b'/') {
            return;
        }
        let v = &b[s..s + 14];
        for (k, &c) in v.iter().enumerate() {
            let ok = if k == 4 || k == 9 {
                c == b'.'
            } else {
                c.is_ascii_hexdigit()
            };
            if !ok {
                return;
            }
        }
        let e = s + 14;
        let nx = at(b, e);
        if alnum(nx) || nx == b'_' || (matches!(nx, b'.' | b'-' | b':') && alnum(at(b, e + 1))) {
            return;
        }
        let hex = v.iter().filter(|&&c| c != b'.');
        // All digits is a number (`2019.0101.1234`), not an address; all zeros and broadcast
        // name no interface.
        if v.iter().all(|&c| c == b'.' || c.is_ascii_digit())
            || hex.clone().all(|&c| c == b'0')
            || hex.clone().all(|&c| c == b'f' || c == b'F')
        {
            return;
        }
        self.push(PiiType::MacAddress, s, e);
    }

    /// An IPv6 address glued to the label before it (`v6(en0:2607:f140:6000:…)`,
    /// `addr:fe80::1ff:fe23:4567:890a`): the label is a word with a letter that is no hex digit,
    /// and the address must be unmistakable (three groups or more).
    pub(super) fn ipv6_after_label(&mut self, ws: usize, we: usize) {
        let b = self.b;
        if we - ws > 12
            || !at(b, we + 1).is_ascii_hexdigit()
            || !b[ws].is_ascii_alphabetic()
            || b[ws..we].iter().all(u8::is_ascii_hexdigit)
            // `foo2001:db8::10.0.0.1`: a label ending in three hex digits or more is the first
            // group of an address glued to a word, not an interface (`en0`, `eth10`).
            || b[ws..we].iter().rev().take_while(|c| c.is_ascii_hexdigit()).count() > 2
            || glued(before(b, ws))
            || matches!(before(b, ws), b':' | b'.' | b'-' | b'_')
        {
            return;
        }
        let s = we + 1;
        if let Some(a) = parse_ipv6_at(b, s) {
            if a.groups >= 3 {
                if let Some(e) = parse_ipv6(b, s) {
                    self.push(PiiType::Ipv6, s, e);
                }
            }
        }
    }

    pub(super) fn ipv6(&mut self, s: usize) {
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
        let from = e;
        while e < b.len() && HOST_CH[b[e] as usize] {
            e += 1;
        }
        count(e - from);
        e
    }

    pub(super) fn hostname(&mut self, s: usize) {
        let b = self.b;
        let e = self.host_extent(s);
        // Most names that start like a host have no dot (dates, dashed words) or no letter
        // (addresses, version numbers), which a host name's TLD needs: the block's masks say
        // so without a look at their bytes.
        if s >= self.blk_base && e <= self.blk_base + 64 && e > s {
            let (p, q) = (s - self.blk_base, e - self.blk_base);
            let span = if q - p == 64 {
                u64::MAX
            } else {
                ((1u64 << (q - p)) - 1) << p
            };
            if self.blk_dot & span == 0 || self.blk_alpha & span == 0 {
                return;
            }
        }
        let Some(e) = fqdn_end_at(b, s, e, false) else {
            return;
        };
        // `hooks.slack.com/services/…` without its scheme is a webhook, not a host.
        if b[s..e].eq_ignore_ascii_case(b"hooks.slack.com") && before(b, s) != b'/' {
            if let Some(pe) = super::credential::slack_webhook_end(b, e) {
                self.push(PiiType::SlackToken, s, pe);
                return;
            }
        }
        if host_position(b, s, e, &mut self.img) {
            self.push(PiiType::Hostname, s, e);
        }
    }
}

/// After `a.b.c.d.`, the rest of a host name that ends in a top-level domain
/// (`62.99.164.82.sh.interxion.inode.at`, `5.36.59.76.dynamic-dsl-ip.omantel.net.om`): an ISP's
/// reverse-DNS name that starts with the client's address. The address in it is the client's,
/// found like any other. Returns the end of the name. `1.2.3.4.Final`, `10.0.0.1.txt` end in no TLD. Bounded to a host
/// name's 253 bytes.
fn reverse_dns_suffix(b: &[u8], i: usize) -> Option<usize> {
    if !at(b, i).is_ascii_alphabetic() {
        return None;
    }
    let lim = b.len().min(i + 253);
    let mut k = i;
    let mut label = i;
    let mut dots = 0;
    while k < lim && (b[k].is_ascii_alphanumeric() || b[k] == b'-' || b[k] == b'.') {
        if b[k] == b'.' {
            if k == label || !alnum(at(b, k + 1)) {
                break;
            }
            dots += 1;
            label = k + 1;
        }
        k += 1;
    }
    count(k - i);
    // The name ends here: not glued to more of a token (`…inode.at_x`, `…net/path` is fine),
    // nor to a mask (`…interxion.GT** ****`: what a partial IBAN keeps reads as a TLD: found by
    // the `redact` fuzz target).
    if k == lim || matches!(at(b, k), b'_' | b'@' | b'*') {
        return None;
    }
    (dots >= 1 && is_tld(&b[label..k])).then_some(k)
}

/// Is the dash-separated field at `i` a number (`-1444972147527`, `-0`), ending the
/// identifier or followed by another field?
fn dash_field_is_number(b: &[u8], i: usize) -> bool {
    let j = run(b, i, |c| c.is_ascii_digit());
    j > i && !alnum(at(b, j)) && at(b, j) != b'.'
}

/// Parses `a.b.c.d` at `s`; each octet 1–3 digits, ≤ 255, no leading zeros.
pub(super) fn parse_ipv4(b: &[u8], s: usize) -> Option<(usize, [u8; 4])> {
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
/// `firmware`, `rev` (optionally with `:`/`=`). The span of that word, if so (at most 17
/// bytes before `s`: 8 separators and 9 letters).
pub(super) fn version_context(b: &[u8], s: usize) -> Option<(usize, usize)> {
    // Bounded looks back: a few separators, then the last 9 letters of the word (enough for
    // every word of `V`), so no byte is walked by more than a few candidates.
    let mut i = s;
    while i > 0 && s - i < 8 && matches!(b[i - 1], b' ' | b'\t' | b':' | b'=' | b'"' | b'\'') {
        i -= 1;
    }
    let ws = {
        let mut k = i;
        while k > 0 && i - k < 9 && b[k - 1].is_ascii_alphabetic() {
            k -= 1;
        }
        k
    };
    count(s - ws);
    let w = &b[ws..i];
    VERSION_WORDS
        .iter()
        .any(|v| {
            w.len() >= v.len()
                && w[w.len() - v.len()..].eq_ignore_ascii_case(v)
                && (v.len() > 3 || (w.len() == v.len() && stands_alone(b, ws)))
        })
        .then_some((ws, i))
}

/// A short version word (`v`, `ver`, `fw`) is one only as a word of its own: the `V` ending
/// `…Uy_V` (a token's last characters) says nothing about the number after it.
///
/// Does the word at `ws` stand on its own: at the start, or after white space, an opening
/// bracket or quote, or a separator that introduces a word (`,` `;` `=` `:` `|` `>`)? A short
/// version word glued to anything else (`…Xce�ver:`, `abc-ver:`) is the end of another token —
/// a secret's value, which a redaction replaces, so what it said about the number after it must
/// not decide (found by the `redact` fuzz target: the address after a password ending in
/// `ver:` was a version until the password was `[Password]`).
fn stands_alone(b: &[u8], ws: usize) -> bool {
    ws == 0
        || matches!(
            b[ws - 1],
            b' ' | b'\t'
                | b'\n'
                | b'\r'
                | b'('
                | b'['
                | b'{'
                | b','
                | b';'
                | b'"'
                | b'\''
                | b'='
                | b':'
                | b'|'
                | b'>'
        )
}

/// The words that make the number after them a version (see [`version_context`]).
const VERSION_WORDS: &[&[u8]] = &[
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

/// Is `w` one of the words that make the number after them a version?
pub(super) fn is_version_word(w: &[u8]) -> bool {
    VERSION_WORDS.iter().any(|v| w.eq_ignore_ascii_case(v))
}

/// Does an IPv4 address name a host? Not `0.x` (this network), loopback, multicast, reserved
/// and broadcast, nor `x.y.z.0` network addresses (`network 5.5.224.0`). The same policy holds
/// for the IPv4 inside IPv4-mapped and -compatible IPv6 forms (`::ffff:127.0.0.1`).
pub(super) fn ipv4_names_host(oct: [u8; 4]) -> bool {
    !(oct[0] == 0 || oct[0] == 127 || oct[0] >= 224 || oct[3] == 0)
}

/// An IPv6 address in any RFC 4291 / RFC 5952 textual form, as parsed at a position.
#[derive(Clone, Copy)]
pub(super) struct V6 {
    /// End of the address (a `%zone` and a `/prefix` are not part of it).
    pub end: usize,
    pub value: u128,
    /// 16-bit groups written out (an IPv4 tail counts two).
    pub groups: usize,
    /// Groups that are not all zeros.
    pub nonzero: usize,
    pub compressed: bool,
    /// Ends in a dotted IPv4 (`::ffff:192.0.2.1`, `64:ff9b::198.51.100.1`).
    pub v4_tail: bool,
}

/// Parses the longest IPv6 address at `s`: eight groups, or fewer with one `::`, the last two
/// of them optionally written as a dotted IPv4. Work is bounded (at most 8 groups of 4 digits).
pub(super) fn parse_ipv6_at(b: &[u8], s: usize) -> Option<V6> {
    let mut head = [0u16; 8];
    let mut tail = [0u16; 8];
    let (mut nh, mut nt) = (0usize, 0usize);
    let mut nonzero = 0;
    let mut dc = false;
    let mut i = s;
    let mut best: Option<V6> = None;
    let value = |head: &[u16; 8], nh: usize, tail: &[u16; 8], nt: usize| -> u128 {
        let mut v: u128 = 0;
        for (k, g) in head[..nh].iter().enumerate() {
            v |= u128::from(*g) << (16 * (7 - k));
        }
        for (k, g) in tail[..nt].iter().enumerate() {
            v |= u128::from(*g) << (16 * (nt - 1 - k));
        }
        v
    };
    if at(b, i) == b':' {
        if at(b, i + 1) != b':' {
            return None;
        }
        dc = true;
        i += 2;
        best = Some(V6 {
            end: i,
            value: 0,
            groups: 0,
            nonzero: 0,
            compressed: true,
            v4_tail: false,
        });
    }
    loop {
        let j = run(b, i, |c| c.is_ascii_hexdigit());
        let h = j - i;
        if h == 0 {
            break;
        }
        let total = nh + nt;
        // A dotted IPv4 as the last 32 bits.
        if at(b, j) == b'.' && total <= 6 && h <= 3 {
            if let Some((e, oct)) = parse_ipv4(b, i) {
                let hi = u16::from_be_bytes([oct[0], oct[1]]);
                let lo = u16::from_be_bytes([oct[2], oct[3]]);
                let (arr, n) = if dc {
                    (&mut tail, &mut nt)
                } else {
                    (&mut head, &mut nh)
                };
                arr[*n] = hi;
                arr[*n + 1] = lo;
                *n += 2;
                if hi != 0 || lo != 0 {
                    nonzero += 1;
                }
                if (dc && nh + nt <= 7) || nh + nt == 8 {
                    best = Some(V6 {
                        end: e,
                        value: value(&head, nh, &tail, nt),
                        groups: nh + nt,
                        nonzero,
                        compressed: dc,
                        v4_tail: true,
                    });
                }
                break;
            }
        }
        if h > 4 || alnum(at(b, j)) || total >= 8 {
            break;
        }
        let g = b[i..j]
            .iter()
            .fold(0u16, |a, &c| (a << 4) | u16::from(hexval(c)));
        if dc {
            tail[nt] = g;
            nt += 1;
        } else {
            head[nh] = g;
            nh += 1;
        }
        if g != 0 {
            nonzero += 1;
        }
        i = j;
        let total = nh + nt;
        if (dc && total <= 7) || (!dc && total == 8) {
            best = Some(V6 {
                end: i,
                value: value(&head, nh, &tail, nt),
                groups: total,
                nonzero,
                compressed: dc,
                v4_tail: false,
            });
        }
        if at(b, i) != b':' {
            break;
        }
        if at(b, i + 1) == b':' {
            if dc || total > 7 {
                break;
            }
            dc = true;
            i += 2;
            best = Some(V6 {
                end: i,
                value: value(&head, nh, &tail, nt),
                groups: total,
                nonzero,
                compressed: true,
                v4_tail: false,
            });
        } else if at(b, i + 1).is_ascii_hexdigit() {
            i += 1;
        } else {
            break;
        }
    }
    best
}

#[inline]
fn hexval(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

/// Does this IPv6 address name a host? The IPv4 policy, in IPv6 terms: not unspecified (`::`)
/// nor loopback (`::1`); IPv4-mapped, -translated and -compatible forms
/// (`::ffff:a.b.c.d`, `::ffff:0:a.b.c.d`, `::a.b.c.d`) follow the policy of their IPv4.
pub(super) fn ipv6_names_host(v: u128) -> bool {
    if v <= 1 {
        return false;
    }
    let hi = v >> 32;
    if hi == 0xffff || hi == 0xffff_0000 || hi == 0 {
        return ipv4_names_host((v as u32).to_be_bytes());
    }
    true
}

/// Parses an IPv6 address at `s` and applies the policy: hosts only, not ranges (`2001:db8::/32`,
/// whose host bits are all zero), not hex that merely looks like one. Returns its end; a
/// `%zone` and a `/prefix` after it stay outside the span.
pub(super) fn parse_ipv6(b: &[u8], s: usize) -> Option<usize> {
    let a = parse_ipv6_at(b, s)?;
    let e = a.end;
    let v = &b[s..e];
    // Text that only looks hex (`add::`, `be::ef`): a host has two groups that say something,
    // or is one of the IPv4 forms.
    if a.nonzero < 2 && !(a.v4_tail && a.nonzero >= 1) {
        return None;
    }
    if !v.iter().any(u8::is_ascii_digit) {
        return None;
    }
    // Eight groups of exactly two hex digits are an EUI-64 / WWN hardware id
    // (`FF:F2:9F:15:1F:72:00:0D`), not an address.
    if !a.compressed && !a.v4_tail && v.split(|&c| c == b':').all(|g| g.len() == 2) {
        return None;
    }
    // Mixed case in a short form is a word (`Be:ef::1a`); long forms are written both ways.
    if a.groups < 4 && v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase)
    {
        return None;
    }
    let nx = at(b, e);
    if alnum(nx) || nx == b'_' || nx == b'.' && alnum(at(b, e + 1)) {
        return None;
    }
    // More groups after the end (`2001::db8::1`, a ninth group): not an address at all.
    if nx == b':' && (at(b, e + 1).is_ascii_hexdigit() || at(b, e + 1) == b':') {
        return None;
    }
    if !ipv6_names_host(a.value) {
        return None;
    }
    // `%zone` then `/prefix`: a prefix whose host bits are all zero is a range.
    let mut k = e;
    if nx == b'%' {
        k = run(b, e + 1, |c| {
            c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-')
        });
    }
    if at(b, k) == b'/' {
        let pe = run(b, k + 1, |c| c.is_ascii_digit());
        // A prefix length ends there: digits that go on as an address (`/64:ff9b::…`,
        // `/10.0.0.1`) are the next address, whose redaction would make this one a bare
        // address (found by the `redact` fuzz target).
        let goes_on = at(b, pe) == b':' || (at(b, pe) == b'.' && at(b, pe + 1).is_ascii_digit());
        if (1..=3).contains(&(pe - k - 1)) && !alnum(at(b, pe)) && !goes_on {
            let plen: u32 = b[k + 1..pe]
                .iter()
                .fold(0u32, |x, &c| x * 10 + u32::from(c - b'0'));
            if plen <= 128 {
                let host = if plen == 128 { 0 } else { u128::MAX >> plen };
                if a.value & host == 0 {
                    return None;
                }
            }
        }
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
    count(e - s);
    fqdn_end_at(b, s, e, any_tld)
}

/// `fqdn_end` with the extent of host-name bytes `[s, e)` already known.
pub(super) fn fqdn_end_at(b: &[u8], s: usize, mut e: usize, any_tld: bool) -> Option<usize> {
    let e0 = e;
    while e > s && matches!(b[e - 1], b'.' | b'-') {
        e -= 1;
    }
    count(e0 - e);
    let v = &b[s..e];
    if v.len() > 253 {
        return None;
    }
    // Cheap rejections first: no dot, or a last label that is no TLD (class names, file names,
    // timestamps), before validating every label.
    let last_dot = memchr::memrchr(b'.', v)?;
    let last = &v[last_dot + 1..];
    let tld_ok = is_tld(last)
        || (last.len() >= 5 && last.starts_with(b"xn--") && last[4..].iter().all(|c| alnum(*c)))
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
    // `foo.com.java`-like run-ons and method calls are not hosts, and neither is a name glued
    // to a mask (the kept start of a partially redacted value: `GT** ****`).
    if matches!(at(b, e), b'(' | b'_' | b'@' | b'*') {
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

pub(super) fn is_file_ext(l: &[u8]) -> bool {
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
pub(super) fn host_position(b: &[u8], s: usize, e: usize, img: &mut ImageMemo) -> bool {
    if s >= 2 && &b[s - 2..s] == b"//" {
        return true;
    }
    if at(b, e) == b':' {
        let pe = run(b, e + 1, |c| c.is_ascii_digit());
        if (2..=6).contains(&(pe - e)) && !glued_next(at(b, pe)) && at(b, pe) != b'.' {
            return true;
        }
        // An scp/rsync target: `backup.example.com:/srv/`, `host.example.com:~/x`.
        if matches!(at(b, e + 1), b'/' | b'~') && at(b, e + 2) != b'/' {
            return true;
        }
    }
    if at(b, e) == b'/' && image_reference(b, e, img) {
        return true;
    }
    // A JSON string value that is a host name: `"authDomain":"acme-prod.firebaseapp.com"`.
    if before(b, s) == b'"' && at(b, e) == b'"' {
        let mut k = s - 1;
        while k > 0 && s - 1 - k < 4 && matches!(b[k - 1], b' ' | b'\t') {
            k -= 1;
        }
        if k >= 2 && b[k - 1] == b':' && b[k - 2] == b'"' {
            return true;
        }
    }
    let mut k = e;
    while k - e < 16 && matches!(at(b, k), b' ' | b'\t') {
        k += 1;
    }
    count(k - e);
    if k > e && matches!(at(b, k), b'[' | b'(') && at(b, k + 1).is_ascii_digit() {
        return true;
    }
    // Bounded looks back (a few separators, then at most the length of the longest key), so
    // no byte is walked by more than a few candidates.
    let mut i = s;
    while i > 0
        && s - i < 16
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
    // `db_host=`, `remote-host:`, `authDomain:`: the last component decides.
    let mut ws = i;
    while ws > 0 && i - ws <= 12 && b[ws - 1].is_ascii_alphabetic() {
        ws -= 1;
    }
    count(s - ws);
    let tail = &b[ws..i];
    // `mysql -h db.prod.example.lan`: the short flag of `--host`.
    if tail == b"h" && ws > 0 && b[ws - 1] == b'-' && !alnum(before(b, ws - 1)) && i < s {
        return true;
    }
    let camel = tail
        .iter()
        .rposition(u8::is_ascii_uppercase)
        .filter(|&k| k > 0 && tail[k - 1].is_ascii_lowercase())
        .map_or(&tail[..0], |k| &tail[k..]);
    is_host_key(tail) || is_host_key(camel)
}

/// Keys and verbs after which a name stands in a host position (`host=`, `connect to`).
fn is_host_key(w: &[u8]) -> bool {
    in_set!(
        w,
        b"host"
            | b"hostname"
            | b"hostnames"
            | b"rhost"
            | b"lhost"
            | b"server"
            | b"servername"
            | b"srv"
            | b"from"
            | b"to"
            | b"for"
            | b"by"
            | b"via"
            | b"proxy"
            | b"peer"
            | b"remote"
            | b"node"
            | b"address"
            | b"addr"
            | b"destination"
            | b"dest"
            | b"dst"
            | b"target"
            | b"upstream"
            | b"backend"
            | b"endpoint"
            | b"origin"
            | b"url"
            | b"uri"
            | b"connect"
            | b"connecting"
            | b"resolve"
            | b"resolving"
            | b"lookup"
            | b"sni"
            | b"relay"
            | b"client"
            | b"mx"
            | b"ns"
            | b"nameserver"
            | b"domain"
            | b"at"
            | b"fqdn"
            | b"referer"
            | b"referrer"
            | b"hosts"
            | b"redirect"
            | b"location"
            | b"mailhost"
            | b"smtp"
            | b"imap"
            | b"pop"
            | b"dns"
            | b"ping"
            | b"ssh"
            | b"image"
            | b"pull"
            | b"push"
            | b"registry"
    )
}

/// What [`image_reference`] last found: the run of path bytes `[path_start, path_end)`
/// (`path_end` is the first byte after it), and whether a reference ends at `path_end`. Every
/// host-name candidate inside one path-like run (`a.b.com/xa.b.com/x…`) asks about the same
/// run: it is walked once, not once per candidate.
#[derive(Clone, Copy, Default)]
pub(super) struct ImageMemo {
    path_start: usize,
    path_end: usize,
    ends_ref: bool,
}

#[inline]
fn path_byte(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-' | b'/')
}

/// After a host name, `/repo/path` then `:tag` or `@sha256:…`: a container image reference
/// (`registry.acme-corp.com/payments@sha256:…`, `quay.example.io/team/app:1.4`).
fn image_reference(b: &[u8], slash: usize, m: &mut ImageMemo) -> bool {
    let ps = slash + 1;
    if !(m.path_start <= ps && ps <= m.path_end && m.path_end > m.path_start) {
        let mut pe = ps;
        while pe < b.len() && path_byte(b[pe]) {
            pe += 1;
        }
        count(pe - ps + 1);
        let ends_ref = match at(b, pe) {
            b'@' => b[pe + 1..].starts_with(b"sha256:"),
            b':' => {
                // A tag is at most 128 bytes: the walk stops there.
                let lim = b.len().min(pe + 130);
                let mut te = pe + 1;
                while te < lim
                    && (b[te].is_ascii_alphanumeric() || matches!(b[te], b'.' | b'_' | b'-'))
                {
                    te += 1;
                }
                count(te - pe);
                // (Not glued to a mask either: `…/x:p***@host` is the kept start of a partially
                // redacted `user:pass@host`, not a tag: found by the `redact` fuzz target.)
                te > pe + 1 && te - pe <= 129 && !matches!(at(b, te), b'/' | b'@' | b':' | b'*')
            }
            _ => false,
        };
        *m = ImageMemo {
            path_start: ps,
            path_end: pe,
            ends_ref,
        };
    } else {
        count(1);
    }
    // A repository path is 1 to 255 bytes.
    let len = m.path_end - ps;
    (1..=255).contains(&len) && m.ends_ref
}

pub(super) fn prev_word_is(b: &[u8], s: usize, words: &[&str]) -> bool {
    // Bounded looks back: words of `words` are short.
    let mut i = s;
    while i > 0 && s - i < 8 && matches!(b[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if i == s {
        return false;
    }
    let mut ws = i;
    while ws > 0 && i - ws <= 8 && b[ws - 1].is_ascii_alphanumeric() {
        ws -= 1;
    }
    count(s - ws);
    if ws > 0 && b[ws - 1].is_ascii_alphanumeric() {
        return false;
    }
    let w = &b[ws..i];
    words.iter().any(|x| x.as_bytes().eq_ignore_ascii_case(w))
}

#[cfg(test)]
mod tests {
    use crate::types::PiiType;

    /// `(type, line, value)`: scanning `line` must report `value` (at its first occurrence) as
    /// `type`, with exactly that span.
    #[rustfmt::skip]
    const POSITIVES: &[(PiiType, &str, &str)] = &[
        (PiiType::Ipv6, "Server IP: 2400:c401::5054:ff:fe1b:b031.", "2400:c401::5054:ff:fe1b:b031"),
        (PiiType::Ipv6, "at 2001:db8:0:7::1. ok", "2001:db8:0:7::1"),
        (PiiType::Ipv4, "[client Zk6WTZ_V  208.51.151.210] x", "208.51.151.210"),
        (PiiType::Ipv4, "[client AIzak6WTZ-ylD4KtKn_Sn0DwBmFQRSZEQLAUy_V  208.51.151.210]", "208.51.151.210"),
        (PiiType::Ipv4, "from 192.168.1.20 port 22", "192.168.1.20"),
        (PiiType::Ipv4, "peer=8.8.8.8:53", "8.8.8.8"),
        (PiiType::Ipv4, "addr 10.0.0.5/24 on eth0", "10.0.0.5"),
        (PiiType::Ipv4, "[173.234.31.186]", "173.234.31.186"),
        (PiiType::Ipv6, "from 2001:db8::8a2e:370:7334 port", "2001:db8::8a2e:370:7334"),
        (PiiType::Ipv6, "fe80::1ff:fe23:4567:890a%eth0", "fe80::1ff:fe23:4567:890a"),
        (PiiType::Ipv6, "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:443", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
        (PiiType::Ipv6, "client ::ffff:192.0.2.128 connected", "::ffff:192.0.2.128"),
        (PiiType::Ipv6, "2345:0425:2CA1:0000:0000:0567:5673:23b5", "2345:0425:2CA1:0000:0000:0567:5673:23b5"),
        (PiiType::Ipv6, "Server IP: 2400:c401::5054:ff:fe1b:b031.", "2400:c401::5054:ff:fe1b:b031"),
        (PiiType::Ipv6, "gw 2001:db8::1. next", "2001:db8::1"),
        (PiiType::Ipv6, "v6(en0:2607:f140:6000:8003::1c)", "2607:f140:6000:8003::1c"),
        (PiiType::Ipv6, "inet6 addr:fe80::1ff:fe23:4567:890a/64 Scope:Link", "fe80::1ff:fe23:4567:890a"),
        (PiiType::Ipv6, "fe80::1%eth0/64 up", "fe80::1"),
        (PiiType::Ipv6, "nat64 64:ff9b::192.0.2.0/96", "64:ff9b::192.0.2.0"),
        (PiiType::Ipv6, "siit ::ffff:0:192.168.1.1 ok", "::ffff:0:192.168.1.1"),
        (PiiType::Ipv6, "compat ::10.0.0.1 ok", "::10.0.0.1"),
        (PiiType::Ipv6, "0:0:0:0:0:FFFF:129.144.52.38", "0:0:0:0:0:FFFF:129.144.52.38"),
        (PiiType::Ipv6, "SSH to user@2001:db8::1", "2001:db8::1"),
        (PiiType::Ipv6, "bad prefix 2001:db8::/9999", "2001:db8::"),
        (PiiType::Ipv4, "Adding block pool BP-1347369012-10.190.173.170-1444972147527", "10.190.173.170"),
        (PiiType::Ipv4, "text::ffff:192.0.2.1", "192.0.2.1"),
        (PiiType::Ipv4, "foo2001:db8::10.0.0.1", "10.0.0.1"),
        (PiiType::Ipv4, "Did not receive identification string from 62.99.164.82 (62.99.164.82.sh.interxion.inode.at)", "62.99.164.82"),
        (PiiType::Hostname, "rhost=68.143.156.89.nw.nuvox.net user=x", "68.143.156.89.nw.nuvox.net"),
        (PiiType::Hostname, "from 5.36.59.76.dynamic-dsl-ip.omantel.net.om.", "5.36.59.76.dynamic-dsl-ip.omantel.net.om"),
        (PiiType::MacAddress, "hw 00:1a:2b:3c:4d:5e up", "00:1a:2b:3c:4d:5e"),
        (PiiType::MacAddress, "Gi0/1 5254.00d8.c3cf DYNAMIC", "5254.00d8.c3cf"),
        (PiiType::MacAddress, "Cisco MAC: 0012.3456.789A", "0012.3456.789A"),
        (PiiType::MacAddress, "Physical address is aabb.ccdd.eeff", "aabb.ccdd.eeff"),
        (PiiType::Hostname, "{\"authDomain\":\"acme-prod.firebaseapp.com\",\"x\":1}", "acme-prod.firebaseapp.com"),
        (PiiType::Hostname, "{\"server\": \"db01.eu.example.net\"}", "db01.eu.example.net"),
        (PiiType::Hostname, "mysql -h db.prod.example.lan -u app", "db.prod.example.lan"),
        (PiiType::Hostname, "psql --host db2.prod.example.lan", "db2.prod.example.lan"),
        (PiiType::Hostname, "run --hostname=ci-7.example.net", "ci-7.example.net"),
        (PiiType::Hostname, "pulling registry.acme-corp.com/payments@sha256:9f86d081884c7d65 done", "registry.acme-corp.com"),
        (PiiType::Hostname, "Back-off pulling quay.example.io/team/api:1.4.2", "quay.example.io"),
        (PiiType::Hostname, "rsync -av ./dist backup.example.com:/srv/www", "backup.example.com"),
        (PiiType::Hostname, "scp app.tar deploy@web1.example.org:/tmp/", "web1.example.org"),
        (PiiType::MacAddress, "hw 00-1A-2B-3C-4D-5E up", "00-1A-2B-3C-4D-5E"),
        (PiiType::Hostname, "host=db01.prod.example.com port", "db01.prod.example.com"),
        (PiiType::Hostname, "hostname: web-3.internal", "web-3.internal"),
        (PiiType::Hostname, "connect to mail.example.org failed", "mail.example.org"),
        (PiiType::Hostname, "Received from relay.example.net", "relay.example.net"),
        (PiiType::Hostname, "GET https://api.github.com/repos x", "api.github.com"),
        (PiiType::Hostname, "chrome.exe - www.google.com:443 open", "www.google.com"),
        (PiiType::Hostname, "ssh root@bastion.example.com", "bastion.example.com"),
        (PiiType::Hostname, "git@github.com:org/repo.git", "github.com"),
        (PiiType::Hostname, "getaddrinfo for ns.example.com [1.2.3.4] failed", "ns.example.com"),
        // A short version word glued to the token before it is that token's end, not a word.
        (PiiType::Ipv4, "token=abc-ver: 10.251.67.225:50010 up", "10.251.67.225"),
        (PiiType::Ipv4, "x=Xce\u{fffd}ver: 10.251.67.225 up", "10.251.67.225"),
    ];

    /// Lines that must produce no finding of any type.
    const NEGATIVES: &[&str] = &[
        "2001::db8::1 and 2001::25de::cade",
        "running version 1.2.3.4 now",
        "(ver 10.2.3.4) [fw: 1.2.3.4], ver=10.3.4.5;v 10.4.5.6",
        "build v10.0.0.1-beta deployed",
        "Loaded Servicing Stack v6.1.7601.23505 with Core",
        "Package_for_KB3121255~31bf3856ad364e35~amd64~~6.1.1.0, State: 112",
        "wcp.dll version 0.0.0.6 called",
        "at org.apache.hadoop.hdfs.DataNode.run(DataNode.java:123)",
        "INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created",
        "from com.android.systemui.statusbar",
        "loaded image@2x.png from foo.log and x.java",
        "to file.tar.gz",
        "route 10.0.0.0/8 via gw",
        "listen 127.0.0.1:8080 and 0.0.0.0:80 and [::1]:443 and :: any",
        "network 5.5.224.0 via interface alt0",
        "mask 255.255.255.0",
        "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181",
        "FF:F2:9F:15:1F:72:00:0D hardware",
        "IOThunderboltSwitch<0>(0x0)::listenerCallback - std::add",
        "at 16:13:38.811 and 12:01:01",
        "SCSI-WWID:01000010:6005-08b4-0001-00c6-0006-3000-003d-0000",
        "mapped ::ffff:127.0.0.1 and ::ffff:0.0.0.0 and ::ffff:255.255.255.255",
        "ranges 2001:db8::/32 fe80::/10 ::/0 ::1/128 ::ffff:192.168.1.0/96",
        "2001::db8::1 and 2001::25de::cade and 684D:1111:222:3333:4444:5555:77",
        "text2001:db8::1 and 12345:db8::1 and fe80::1text and gggg:hhhh::1234",
        "label foo2001:db8::fe80:1 and bar2001:db8:1:2::7",
        "::ffff:256.0.0.1 ::ffff:192.168.1 2001:db8::256.1.1.1",
        "serial 2019.0101.1234 and 0000.0000.0000 and ffff.ffff.ffff",
        "build 10.0.0.1-beta and 1.2.3.4-rc1",
        "jboss 10.1.2.3.Final and 10.0.0.1.txt and 1.2.3.4.sh_x and 9.8.7.6.example",
        "std::cout MyClass::toString ::: Port 80:443 Ratio 1:2:3:4",
    ];

    #[test]
    fn cases() {
        super::super::check_cases(POSITIVES, NEGATIVES);
    }
}
