//! Personal data: SSNs, phone numbers, card numbers and IBANs (reached from digit and uppercase
//! word starts), e-mail addresses (from `@`).

use super::network::prev_word_is;
use super::{alnum, at, before, count, fqdn_end, glued, glued_next, run, Scan};
use crate::types::PiiType;
use crate::validate::{card_brand_ok, iban_len, iban_mod97_ok, luhn_ok, ssn_ok};

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

    pub(super) fn iban(&mut self, s: usize) {
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

    pub(super) fn email(&mut self, a: usize) {
        let b = self.b;
        // (Each `@` walks back to the previous one at most: `@` ends a local part.)
        let mut ls = a;
        while ls > 0 && (alnum(b[ls - 1]) || matches!(b[ls - 1], b'.' | b'_' | b'%' | b'+' | b'-'))
        {
            ls -= 1;
        }
        count(a - ls);
        // Two addresses never share characters: a local part starts after the last address
        // (`-@a.co-@a.co` is not a chain of overlapping ones).
        ls = ls.max(self.email_end.min(a));
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
            self.email_end = e;
        }
    }
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
        "IBAN DE89370400440532013001 bad checksum",
    ];

    #[test]
    fn cases() {
        super::super::check_cases(POSITIVES, NEGATIVES);
    }
}
