//! Personal data: SSNs, phone numbers, card numbers and IBANs (reached from digit and uppercase
//! word starts), e-mail addresses (from `@`).

use super::network::prev_word_is;
use super::{alnum, at, before, count, fqdn_end, glued, glued_next, run, Scan};
use crate::types::PiiType;
use crate::validate::{card_brand_ok, iban_len, iban_mod97_ok, is_tld, luhn_ok, ssn_ok};

impl Scan<'_, '_> {
    pub(super) fn numeric(&mut self, ws: usize, we: usize) {
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
            if matches!(next, b'-' | b'.' | b' ') {
                self.ssn(ws);
            }
            if matches!(next, b'-' | b'.' | b' ' | b')') {
                self.phone_us(ws);
            }
        }
        if wl == 1 && b[ws] == b'1' && matches!(next, b'-' | b'.' | b' ') {
            self.phone_us(ws);
        }
        if wl == 9 {
            self.ssn_labelled(ws, we);
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

    pub(super) fn ssn(&mut self, s: usize) {
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
        // `078-05-1120`, `078.05.1120`, `078 05 1120`: one separator, used twice.
        let sep = v[3];
        let shaped = dig(0..3) && matches!(sep, b'-' | b'.' | b' ') && v[6] == sep;
        if !(shaped && dig(4..6) && dig(7..11)) {
            return;
        }
        let e = s + 11;
        let nx = at(b, e);
        if glued_next(nx)
            || nx == b'['
            || nx == b'_'
            || (matches!(nx, b'-' | b'.' | b'/' | b':') && alnum(at(b, e + 1)))
        {
            return;
        }
        // Spaced or dotted, the groups must stand alone: not one run of a longer list of
        // numbers (`12 345 67 8901 5`, `1.078.05.1120`).
        if sep != b'-' {
            let pp = before(b, s.saturating_sub(1));
            if (p == b' ' || p == b'.') && s >= 2 && (pp.is_ascii_digit() || pp == b',')
                || (nx == b' ' || nx == b',') && at(b, e + 1).is_ascii_digit()
            {
                return;
            }
        }
        let num = |r: std::ops::Range<usize>| {
            v[r].iter().fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
        };
        if ssn_ok(num(0..3), num(4..6), num(7..11)) {
            self.push(PiiType::Ssn, s, e);
        }
    }

    /// Nine digits after an SSN label (`ssn: 078051120`, `social=199446899`,
    /// `customer_ssn="…"`): without the label a bare run of nine digits is a counter.
    pub(super) fn ssn_labelled(&mut self, ws: usize, we: usize) {
        let b = self.b;
        let p = before(b, ws);
        let nx = at(b, we);
        if glued(p)
            || matches!(p, b'-' | b'.' | b'_' | b'/' | b'+')
            || glued_next(nx)
            || nx == b'_'
            || (matches!(nx, b'-' | b'.' | b'/' | b':') && alnum(at(b, we + 1)))
            || !ssn_label_before(b, ws)
        {
            return;
        }
        let d = |r: std::ops::Range<usize>| {
            b[ws..we][r]
                .iter()
                .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
        };
        if ssn_ok(d(0..3), d(3..5), d(5..9)) {
            self.push(PiiType::Ssn, ws, we);
        }
    }

    /// US numbers: `(555) 123-4567`, `555-123-4567`, `555.123.4567`, `555 123 4567`,
    /// `1-555-123-4567`, `+1 555 123 4567` (the `+` form goes through `phone_intl`).
    pub(super) fn phone_us(&mut self, s: usize) {
        if let Some((st, e)) = parse_phone_us(self.b, s) {
            self.push(PiiType::Phone, st, e);
        }
    }

    /// E.164 style: `+` then 8–15 digits in groups separated by single spaces, dashes or dots.
    pub(super) fn phone_intl(&mut self, plus: usize) {
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

    pub(super) fn card_grouped(&mut self, s: usize) {
        let b = self.b;
        let p = before(b, s);
        if matches!(p, b'-' | b'.' | b'_' | b'+' | b':' | b'/' | b']' | b'*') {
            return;
        }
        // Two card numbers never share digits: a group inside the last card found starts
        // none (`6759 6759 6759 …` would otherwise give a chain of overlapping candidates,
        // one per group, for the resolver to sort out).
        if s < self.card_end {
            return;
        }
        let sep = at(b, run(b, s, |c| c.is_ascii_digit()));
        // Every card shape (`card_shape_ok`) has at most five groups.
        const GROUPS: usize = 5;
        let mut ends = [(0usize, 0usize); GROUPS];
        let mut lens = [0u8; GROUPS];
        let mut ne = 0;
        let mut digits = [0u8; 19];
        let mut nd = 0;
        let mut i = s;
        while ne < GROUPS {
            let j = run(b, i, |c| c.is_ascii_digit());
            let gl = j - i;
            if !(1..=6).contains(&gl) || nd + gl > 19 || alnum(at(b, j)) || at(b, j) == b'_' {
                break;
            }
            digits[nd..nd + gl].copy_from_slice(&b[i..j]);
            nd += gl;
            ends[ne] = (j, nd);
            lens[ne] = gl as u8;
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
        for (k, &(e, nd)) in ends[..ne].iter().enumerate().rev() {
            if nd < 13 {
                break;
            }
            let d = &digits[..nd];
            if card_shape_ok(&lens[..=k]) && card_brand_ok(d) && luhn_ok(d) && card_tail_ok(b, e) {
                // Card-shaped groups inside a grouped IBAN lose to the IBAN (it ranks higher);
                // inside an IBAN-shaped run whose checksum fails they are no card either.
                // (Asked last: it looks back up to eight groups.)
                if in_iban_shape(b, s) {
                    return;
                }
                self.push(PiiType::CreditCard, s, e);
                self.card_end = e;
                return;
            }
        }
    }

    pub(super) fn iban(&mut self, s: usize) {
        let b = self.b;
        if !(at(b, s + 2).is_ascii_digit() && at(b, s + 3).is_ascii_digit()) {
            return;
        }
        let Some(len) = iban_len(&b[s..s + 2]) else {
            return;
        };
        // Groups that each look like an IBAN's start (`AL47 AL47 …`) would each walk the next
        // 28 characters: within the reach of the last walk, only the first few are tried (a
        // real IBAN is not preceded by several groups of a country code and two digits).
        if s < self.iban.reach {
            if self.iban.tries >= IBAN_TRIES {
                return;
            }
            self.iban.tries += 1;
        } else {
            self.iban.tries = 1;
        }
        let (end, found) = iban_at(b, s, len);
        self.iban.reach = self.iban.reach.max(end);
        if found {
            self.push(PiiType::Iban, s, end);
        }
    }

    pub(super) fn email(&mut self, a: usize) {
        let b = self.b;
        // (Each `@` walks back to the previous one at most: `@` ends a local part.)
        // (Local parts may be non-ASCII, RFC 6531: `zoë.kowalski@…` is one address.)
        let mut ls = a;
        while ls > 0
            && (alnum(b[ls - 1])
                || b[ls - 1] >= 0x80
                || matches!(b[ls - 1], b'.' | b'_' | b'%' | b'+' | b'-'))
        {
            ls -= 1;
        }
        count(a - ls);
        // Two addresses never share characters: a local part starts after the last address
        // (`-@a.co-@a.co` is not a chain of overlapping ones). But that address may lose to
        // another finding over its local part (`https://hooks.slack.com/…/x@a.xn--p1ai@b.site`:
        // a Slack webhook), and once that is a tag the address is gone and this one whole: the
        // local part the address took is kept, refused unless a finding covers the address's
        // own local part (see `Veto`; found by the `redact` fuzz target).
        let skip = |mut i: usize| {
            while i < a && matches!(b[i], b'.' | b'-' | b'+') {
                i += 1;
            }
            i
        };
        let whole = skip(ls);
        ls = skip(ls.max(self.email_end.min(a)));
        let shared = (whole < ls).then_some(self.email_local);
        if (ls == a && shared.is_none()) || b[a - 1] == b'.' {
            return;
        }
        if !(alnum(at(b, a + 1)) || at(b, a + 1) >= 0x80) {
            return;
        }
        let Some(e) = email_domain_end(b, a + 1) else {
            return;
        };
        if at(b, e) == b'(' {
            return;
        }
        // ssh/scp-like `user@host` (`ssh root@db.example.com`, `git@github.com:org/repo`):
        // the host is the finding, not an e-mail. What is before the `@` decides nothing but
        // the verb: the run there may hold a value that redaction replaces (a card number
        // glued to the user name), which changes its length, and the host must be found
        // before and after that (found by the `redact` fuzz target).
        let ssh_like = at(b, e) == b':'
            && matches!(at(b, e + 1), b'/' | b'~' | b'.' | b'a'..=b'z' | b'A'..=b'Z')
            || prev_word_is(b, ls, &["ssh", "scp", "sftp", "rsync", "mosh", "sshfs"]);
        if ssh_like {
            self.push(PiiType::Hostname, a + 1, e);
        } else {
            // (RFC 5321: a local part has at most 64 octets; a longer run is no address.)
            if ls < a && a - ls <= 64 {
                self.push(PiiType::Email, ls, e);
            }
            if let Some(local) = shared.filter(|_| a - whole <= 64) {
                self.push_vetoed(PiiType::Email, whole, e, local);
            }
            if ls < a && a - ls <= 64 {
                self.email_end = e;
                self.email_local = (ls, a);
            }
        }
    }
}

/// IBAN candidates tried within the reach of the previous walk (see `Scan::iban`).
const IBAN_TRIES: u8 = 2;

/// The last IBAN walk: how far it read, and how many candidates started inside it.
#[derive(Clone, Copy, Default)]
pub(super) struct IbanMemo {
    reach: usize,
    tries: u8,
}

/// Walks an IBAN of `len` characters from `s`: where the walk stopped, and whether it is one
/// (its whole length, nothing glued after it, the mod-97 check).
fn iban_at(b: &[u8], s: usize, len: usize) -> (usize, bool) {
    let mut buf = [0u8; 34];
    let mut n = 0;
    let mut i = s;
    // Printed in groups of four, spaced or dashed (`AL47-2121-1009-…`): one separator.
    let mut sep = 0u8;
    while n < len {
        let c = at(b, i);
        if c.is_ascii_digit() || c.is_ascii_uppercase() {
            buf[n] = c;
            n += 1;
            i += 1;
        } else if matches!(c, b' ' | b'-')
            && n % 4 == 0
            && n > 0
            && (n == 4 || sep == c)
            && !matches!(before(b, i), b' ' | b'-')
        {
            // (One separator between groups: `AL47--AL47--…` is none.)
            sep = c;
            i += 1;
        } else {
            count(i - s);
            return (i, false);
        }
    }
    count(i - s);
    if alnum(at(b, i))
        || at(b, i) == b'_'
        || (sep == b'-' && at(b, i) == b'-' && alnum(at(b, i + 1)))
    {
        return (i, false);
    }
    (i, iban_mod97_ok(&buf[..n]))
}

/// End of an e-mail domain at `s`: an ASCII host name with a known TLD (`fqdn_end`), or an
/// internationalised one (RFC 6531: labels of letters, digits, `-` and non-ASCII characters,
/// the last one non-ASCII or punycode `xn--…`).
fn email_domain_end(b: &[u8], s: usize) -> Option<usize> {
    let mut e = s;
    while e < b.len() && (alnum(b[e]) || matches!(b[e], b'.' | b'-') || b[e] >= 0x80) {
        e += 1;
    }
    count(e - s);
    let d = &b[s..e];
    if d.is_ascii() && memchr::memmem::find(d, b"xn--").is_none() {
        return fqdn_end(b, s, false);
    }
    while e > s && matches!(b[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let d = &b[s..e];
    if d.len() > 253 {
        return None;
    }
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for l in d.split(|&c| c == b'.') {
        if l.is_empty() || l.len() > 63 || l[0] == b'-' || l[l.len() - 1] == b'-' {
            return None;
        }
        labels += 1;
        last = l;
    }
    let tld_ok = (last.len() >= 5
        && last.starts_with(b"xn--")
        && last.iter().all(|c| alnum(*c) || *c == b'-'))
        || (!last.is_ascii() && idn_tld(last))
        || is_tld(last);
    (labels >= 2 && tld_ok && at(b, e) != b'(').then_some(e)
}

/// An internationalised top-level domain (`рф`, `中国`, `भारत`) is letters, of any script: not
/// digits, and not U+FFFD, what a decoder puts for invalid bytes (`y.���[IPv4]`: once the address
/// after the `�` was a tag, the domain ended in them and read as one, so an address appeared
/// next to the replacement: found by the `redact` fuzz target).
fn idn_tld(l: &[u8]) -> bool {
    std::str::from_utf8(l).is_ok_and(|t| t.chars().all(char::is_alphabetic))
}

/// The groupings cards are printed in: fours with a shorter last group (`4-4-4-4`,
/// `4-4-4-4-3`, `4-4-4-1`), Amex and Diners `4-6-5` and `4-6-4`, UATP `4-5-6`. Other groupings
/// of digits (`7031 5020 150604 240`, a report line) are lists of numbers.
fn card_shape_ok(g: &[u8]) -> bool {
    let (last, head) = g.split_last().expect("at least one group");
    matches!(g, [4, 6, 5] | [4, 6, 4] | [4, 5, 6])
        || (head.iter().all(|&x| x == 4) && (1..=4).contains(last))
}

/// Does a group at `s` continue an IBAN-shaped run: groups of four, spaced or dashed, back to a
/// country code and two check digits (`DE89 3704 0044 …`, `XX12-3456-…`)? Bounded: an IBAN
/// has at most eight groups.
fn in_iban_shape(b: &[u8], s: usize) -> bool {
    let sep = before(b, s);
    if !matches!(sep, b' ' | b'-') {
        return false;
    }
    let mut k = s;
    for _ in 0..8 {
        if k < 5 || b[k - 1] != sep {
            return false;
        }
        let g = &b[k - 5..k - 1];
        count(5);
        if g[0].is_ascii_uppercase()
            && g[1].is_ascii_uppercase()
            && g[2].is_ascii_digit()
            && g[3].is_ascii_digit()
        {
            return !alnum(before(b, k - 5));
        }
        if !g
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
        {
            return false;
        }
        k -= 5;
    }
    false
}

/// Is the text before `s` an SSN label and its separator (`ssn=`, `SSN#: `, `social: `,
/// `"user_ssn":"`, `social security number `)? Bounded look-back.
fn ssn_label_before(b: &[u8], s: usize) -> bool {
    let mut i = s;
    while i > 0 && s - i < 5 && matches!(b[i - 1], b' ' | b'\t' | b'=' | b':' | b'#' | b'"' | b'\'')
    {
        i -= 1;
    }
    if i == s {
        return false;
    }
    let word = |end: usize| {
        let mut ws = end;
        while ws > 0 && end - ws < 24 && (b[ws - 1].is_ascii_alphabetic() || b[ws - 1] == b'_') {
            ws -= 1;
        }
        count(end - ws);
        ws
    };
    let ws = word(i);
    let w = &b[ws..i];
    let last = w.rsplit(|&c| c == b'_').next().unwrap_or(w);
    let is = |x: &[u8], k: &str| x.eq_ignore_ascii_case(k.as_bytes());
    // The last component of `user_ssn`, `userSSN`, `customerSocialSecurityNumber` (a camel-case
    // suffix starts with a capital; `classn` ends in no label).
    let ends_ci = |x: &[u8], k: &str| {
        x.len() >= k.len()
            && is(&x[x.len() - k.len()..], k)
            && (x.len() == k.len() || x[x.len() - k.len()].is_ascii_uppercase())
    };
    if ends_ci(last, "ssn")
        || is(last, "social")
        || ends_ci(last, "socialsecurity")
        || ends_ci(last, "socialsecuritynumber")
    {
        return true;
    }
    // `social security number 078051120`, `social security no: …`.
    if (is(last, "number") || is(last, "no")) && ws >= 2 && b[ws - 1] == b' ' {
        let ps = word(ws - 1);
        return is(&b[ps..ws - 1], "security");
    }
    false
}

fn card_tail_ok(b: &[u8], e: usize) -> bool {
    let nx = at(b, e);
    !(glued_next(nx)
        || nx == b'['
        || nx == b'_'
        || (matches!(nx, b'.' | b'-' | b',') && at(b, e + 1).is_ascii_digit()))
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

#[cfg(test)]
mod tests {
    use crate::types::PiiType;

    /// `(type, line, value)`: scanning `line` must report `value` (at its first occurrence) as
    /// `type`, with exactly that span.
    #[rustfmt::skip]
    const POSITIVES: &[(PiiType, &str, &str)] = &[
        (PiiType::Email, "user=zoë.kowalski@globex-mail.com done", "zoë.kowalski@globex-mail.com"),
        (PiiType::Email, "to a@xn--d1acufc.xn--p1ai ok", "a@xn--d1acufc.xn--p1ai"),
        (PiiType::Email, "mail jürgen@bücher.de sent", "jürgen@bücher.de"),
        (PiiType::Email, "mail sent to alice.smith+logs@example.com ok", "alice.smith+logs@example.com"),
        (PiiType::Email, "<bob@mail.example.co.uk>", "bob@mail.example.co.uk"),
        (PiiType::Email, "user=j_doe-1@corp.internal;", "j_doe-1@corp.internal"),
        (PiiType::Phone, "call (555) 234-5678 now", "(555) 234-5678"),
        (PiiType::Phone, "tel: 555-234-5678", "555-234-5678"),
        (PiiType::Phone, "tel 555.234.5678.", "555.234.5678"),
        (PiiType::Phone, "reach +1 555 234 5678 today", "+1 555 234 5678"),
        (PiiType::Phone, "uk +44 20 7946 0958", "+44 20 7946 0958"),
        (PiiType::Phone, "de +4915112345678 mobile", "+4915112345678"),
        (PiiType::Phone, "1-800-555-0199 support", "1-800-555-0199"),
        (PiiType::Ssn, "ssn 123-45-6789 on file", "123-45-6789"),
        (PiiType::Ssn, "SSN:078-05-1120", "078-05-1120"),
        (PiiType::Ssn, "abc 078 05 1123 abc", "078 05 1123"),
        (PiiType::Ssn, "ssn 078.05.1123.", "078.05.1123"),
        (PiiType::Ssn, "social=199446899 ok", "199446899"),
        (PiiType::Ssn, "SSN: 078051120", "078051120"),
        (PiiType::Ssn, "ssn#078051120", "078051120"),
        (PiiType::Ssn, "{\"customer_ssn\":\"219099999\"}", "219099999"),
        (PiiType::Ssn, "userSSN=219099999", "219099999"),
        (PiiType::Ssn, "Social Security Number: 219099999", "219099999"),
        (PiiType::CreditCard, "card 4111111111111111 charged", "4111111111111111"),
        (PiiType::CreditCard, "card 4111 1111 1111 1111 charged", "4111 1111 1111 1111"),
        (PiiType::CreditCard, "card 5555-5555-5555-4444.", "5555-5555-5555-4444"),
        (PiiType::CreditCard, "amex 378282246310005", "378282246310005"),
        (PiiType::CreditCard, "amex 3782 822463 10005", "3782 822463 10005"),
        (PiiType::CreditCard, "disc=6011111111111117", "6011111111111117"),
        (PiiType::CreditCard, "mc 2223003122003222", "2223003122003222"),
        (PiiType::CreditCard, "jcb 3530111333300000", "3530111333300000"),
        (PiiType::CreditCard, "/orders/4012888888881881/pay", "4012888888881881"),
        (PiiType::Iban, "iban DE89370400440532013000 ok", "DE89370400440532013000"),
        (PiiType::Iban, "iban DE89 3704 0044 0532 0130 00 ok", "DE89 3704 0044 0532 0130 00"),
        (PiiType::Iban, "GB29NWBK60161331926819", "GB29NWBK60161331926819"),
        (PiiType::Iban, "to FR1420041010050500013M02606.", "FR1420041010050500013M02606"),
        (PiiType::Iban, "Dash as iban separator: AL47-2121-1009-0000-0002-3569-8741", "AL47-2121-1009-0000-0002-3569-8741"),
        (PiiType::Iban, "ly LY83002048000020100120361 ok", "LY83002048000020100120361"),
        (PiiType::Iban, "LY83 0020 4800 0020 1001 2036 1", "LY83 0020 4800 0020 1001 2036 1"),
        (PiiType::CreditCard, "uatp 122000000000003", "122000000000003"),
        (PiiType::CreditCard, "dankort 5019717010103742", "5019717010103742"),
        (PiiType::CreditCard, "maestro 6759649826438453", "6759649826438453"),
        (PiiType::CreditCard, "maestro 6759 6498 2643 8453.", "6759 6498 2643 8453"),
        (PiiType::CreditCard, "mir 2200000000000004 ok", "2200000000000004"),
        (PiiType::CreditCard, "rupay 6070000000000002", "6070000000000002"),
        (PiiType::CreditCard, "elo 6362970000457013", "6362970000457013"),
        (PiiType::CreditCard, "hipercard 6062826786276634", "6062826786276634"),
        (PiiType::CreditCard, "troy 9792000000000003", "9792000000000003"),
        (PiiType::CreditCard, "verve 5061000000000005", "5061000000000005"),
        (PiiType::CreditCard, "unionpay 8100000000000002", "8100000000000002"),
    ];

    /// Lines that must produce no finding of any type.
    const NEGATIVES: &[&str] = &[
        "req-38101a0b-2096-447d-96ea-a692162415ae done",
        "commit 3f9a1c2b7d4e5f60718293a4b5c6d7e8f9012345",
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "order 1234567812345678 shipped",
        "counter 123456789 and 1234567890",
        "blk_-6952295868487656571 terminating",
        "blk_38865049064139660 size 67108864",
        "2015-10-18 18:01:47,978 took 12ms",
        "20171223-22:15:29:606|Step_LSC|30002312|onExtend:1514038530000 14 0 4",
        "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872",
        "elapsed 00:01:02.345 (3h 4m 5s)",
        "id 000-12-3456 x 666-12-3456 y 912-34-5678 z 123-00-4567 w 123-45-0000",
        "phone 5552345678 bare digits",
        "counter 078051120 and id=219099999 and ssn=000123456 ssn=666123456 ssn=900123456",
        "ssn=078001120 ssn=078050000 ssn=0780511201 ssn=07805112 ssn=078051120-1",
        "078 00 1123 and 693-09.4444 and 078-05 1123",
        "sizes 12 345 67 8901 5 and 1.078.05.1120 and 078.05.1120.4",
        "lesson 219099999 and classn=219099999",
        "v 078 05 1123 9",
        "IBAN DE89370400440532013001 bad checksum",
        "IBAN DE89 3704 0044 0532 0130 01 bad, XX89 6759 6498 2643 8453 shaped",
        "AL47-2121-1009-0000-0002-3569-8742 and AL47 2121-1009-0000-0002-3569-8741",
        "uatp 122000000000004 and 1220000000000036 and troy 9792000000000002",
        "20171223-22:15:43:679|Step_StandReportReceiver|30002312|REPORT : 7031 5020 150604 240",
        "maestro 6759649826438454 and dankort 5019717010103743 and 7000000000000005",
    ];

    #[test]
    fn cases() {
        super::super::check_cases(POSITIVES, NEGATIVES);
    }
}
