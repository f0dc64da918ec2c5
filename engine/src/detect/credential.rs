//! Secrets recognised by their context or generic structure: values after a secret's key name
//! (the key names and value checks come from the catalog's [`Detect::KeyValue`] rules), bearer
//! tokens, JWTs, credentials in URLs, PEM private keys.

use std::sync::LazyLock;

use base64::Engine as _;

use super::{alnum, at, before, count, fqdn_end, run, token_char, Scan, Slot};
use super::{PEM_MAX, TOKEN_MAX, VALUE_MAX};
use crate::catalog::{Detect, RULES};
use crate::types::PiiType;
use crate::validate::is_placeholder;

/// The longest URL scheme (`git+ssh`, `postgresql`): a finding starting at the scheme (a Slack
/// webhook) must start within the resolver's look-back.
const URL_SCHEME_MAX: usize = 32;

/// User, password and host of a URL are looked for in at most this many bytes after `://`.
const URL_AUTH_MAX: usize = 4096;

/// Key names are compared on at most this many trailing bytes of the key.
const KEY_MAX: usize = 32;

/// One key name of a [`Detect::KeyValue`] rule, lower-case.
struct Key {
    name: Box<[u8]>,
    ty: PiiType,
    value: fn(&[u8]) -> bool,
}

/// The key names of every key-value rule, grouped by their last byte and longest first within a
/// group: the first match wins, so `aws_secret_key` is the AWS secret and not the generic
/// `secret_key`. Built once per process from the catalog.
struct KeyTable {
    by_last: [Vec<Key>; 128],
}

static KEYS: LazyLock<KeyTable> = LazyLock::new(|| {
    let mut by_last: [Vec<Key>; 128] = std::array::from_fn(|_| Vec::new());
    for (i, r) in RULES.iter().enumerate() {
        let Detect::KeyValue { value } = r.detect else {
            continue;
        };
        for k in r.keywords {
            let name: Box<[u8]> = k.to_ascii_lowercase().into_bytes().into();
            assert!(
                !name.is_empty() && name.len() <= KEY_MAX && name.is_ascii(),
                "key name of `{}`: 1..={KEY_MAX} ASCII bytes",
                r.id
            );
            let last = name[name.len() - 1] as usize;
            by_last[last].push(Key {
                name,
                ty: PiiType::ALL[i],
                value,
            });
        }
    }
    for g in &mut by_last {
        g.sort_by_key(|k| std::cmp::Reverse(k.name.len()));
    }
    KeyTable { by_last }
});

/// The key table, built now (so the first scan does not pay for it).
pub(super) fn init() {
    LazyLock::force(&KEYS);
}

/// The last search for a PEM marker: the first occurrence at or after `from` is `found`, or
/// there is none in `[from, to)`. BEGIN lines come in text order, so each byte is searched once.
#[derive(Clone, Copy, Default)]
pub(super) struct Search {
    from: usize,
    to: usize,
    found: Option<usize>,
}

impl Search {
    /// First occurrence of `needle` in `b[q..limit)`, reusing the previous answer where it
    /// covers `q`.
    fn find(&mut self, b: &[u8], needle: &[u8], q: usize, limit: usize) -> Option<usize> {
        if self.to > self.from && self.from <= q {
            match self.found {
                Some(p) if p >= q => return (p + needle.len() <= limit).then_some(p),
                None if limit <= self.to => return None,
                _ => {}
            }
        }
        // Resume where the previous search stopped (a needle may straddle its end).
        let start = match self.found {
            None if self.to > self.from && self.from <= q => {
                q.max(self.to.saturating_sub(needle.len()))
            }
            _ => q,
        };
        let limit = limit.min(b.len());
        let found = if start < limit {
            memchr::memmem::find(&b[start..limit], needle).map(|k| start + k)
        } else {
            None
        };
        count(
            found
                .map_or(limit, |p| p + needle.len())
                .saturating_sub(start),
        );
        *self = Search {
            from: q.min(start),
            to: found.map_or(limit, |p| p + needle.len()),
            found,
        };
        found
    }
}

#[derive(Clone, Copy, Default)]
pub(super) struct PemMemo {
    end: Search,
    begin: Search,
}

impl Scan<'_, '_> {
    pub(super) fn url(&mut self, colon: usize) {
        let b = self.b;
        // scheme
        // (Each `://` walks back to the previous one at most: its `//` ends a scheme.)
        let mut ss = colon;
        while ss > 0 && (alnum(b[ss - 1]) || matches!(b[ss - 1], b'+' | b'.' | b'-')) {
            ss -= 1;
        }
        count(colon - ss);
        // (A finding may start at the scheme: keep it within the resolver's look-back.)
        ss = ss.max(colon.saturating_sub(URL_SCHEME_MAX));
        while ss < colon && !b[ss].is_ascii_alphabetic() {
            ss += 1;
        }
        if colon - ss < 2 || !b[ss].is_ascii_alphabetic() {
            return;
        }
        let scheme = &b[ss..colon];
        let auth_s = colon + 3;
        let auth_e = auth_s
            + run(&b[auth_s..b.len().min(auth_s + URL_AUTH_MAX)], 0, |c| {
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
        count(auth.len());
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
                    if pe > e + 20 && pe - ss <= VALUE_MAX {
                        self.push(PiiType::SlackToken, ss, pe);
                    }
                    return;
                }
                self.push(PiiType::Hostname, host_s, e);
            }
        }
    }

    /// `Bearer <token>` (the word `bearer` followed by a space, any case).
    pub(super) fn bearer(&mut self, ks: usize, ke: usize) {
        let b = self.b;
        if alnum(before(b, ks)) || at(b, ke) != b' ' {
            return;
        }
        // (A token ends at a space, and a space starts the next `Bearer `: runs are disjoint.)
        let ts = run(b, ke, |c| c == b' ');
        let te = run(b, ts, |c| {
            alnum(c) || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
        });
        let te = run(b, te, |c| c == b'=');
        let v = &b[ts..te];
        if token_char(at(b, te)) || v.len() < 12 || v.len() > TOKEN_MAX || is_placeholder(v) {
            return;
        }
        count(v.len());
        let digits = v.iter().any(u8::is_ascii_digit);
        let mixed = v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase);
        if digits || (mixed && v.len() >= 20) {
            self.push(PiiType::BearerToken, ts, te);
        }
    }

    /// Three base64url parts whose header decodes to a JSON object.
    pub(super) fn jwt(&mut self, s: usize) {
        let b = self.b;
        let h_e = self.run_memo(Slot::JwtHeader, s);
        if at(b, h_e) != b'.' || h_e - s < 10 {
            return;
        }
        if !self.try_run(Slot::JwtHeader, h_e, 4) {
            return;
        }
        let p_e = self.run_memo(Slot::JwtPayload, h_e + 1);
        if p_e - h_e - 1 < 4 || at(b, p_e) != b'.' {
            return;
        }
        let s_e = self.run_memo(Slot::JwtSignature, p_e + 1);
        let nx = at(b, s_e);
        if nx == b'.' || nx == b'=' || nx == b'/' || nx == b'+' || s_e - s > TOKEN_MAX {
            return;
        }
        count(h_e - s);
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

    /// A word ending at `we` is followed by a separator: is the key a secret's name?
    pub(super) fn key_word(&mut self, we: usize) {
        let b = self.b;
        let last = b[we - 1].to_ascii_lowercase();
        // Every key name ends in one of a few letters; most words don't get further.
        let Some(group) = KEYS.by_last.get(last as usize) else {
            return;
        };
        if group.is_empty() {
            return;
        }
        // Lower-case the tail once; compare the keys ending in the same byte, longest first.
        let mut tail = [0u8; KEY_MAX];
        let tl = we.min(KEY_MAX);
        for (d, &c) in tail[KEY_MAX - tl..].iter_mut().zip(&b[we - tl..we]) {
            *d = c.to_ascii_lowercase();
        }
        count(tl);
        for k in group {
            let n = k.name.len();
            if n > tl || tail[KEY_MAX - n..] != *k.name {
                continue;
            }
            let ks = we - n;
            // `pass` in `bypass`, `pwd` in `cwd`-like words are nothing; `dbPassword` is.
            if n <= 4 && alnum(before(b, ks)) {
                return;
            }
            self.key_value(k.ty, k.value, we);
            return;
        }
    }

    /// The value after a key name ending at `ke`.
    fn key_value(&mut self, ty: PiiType, check: fn(&[u8]) -> bool, ke: usize) {
        let b = self.b;
        // The key name must end here (`passwordFile=` is not a password).
        let nx = at(b, ke);
        if alnum(nx) || nx == b'_' || nx == b'-' {
            return;
        }
        let Some((vs, ve, bare)) = self.kv_value(ke) else {
            return;
        };
        // Keys glued into one bare run (`password=x.password=x.…`) have values that are
        // suffixes of each other: look at a few of them only.
        if bare && !self.try_run(Slot::Bare, ve, 8) {
            return;
        }
        if self.nested_key(vs, ve) {
            return;
        }
        let v = &b[vs..ve];
        if is_placeholder(v) {
            return;
        }
        count(v.len());
        if check(v) {
            self.push(ty, vs, ve);
        }
    }

    /// Does the value `[vs, ve)` start with a secret's key name and a separator
    /// (`password="password=x"`)? Then it is a nested assignment, not a secret: the inner key
    /// reports its own value. (This is also what keeps a line of repeated `password="` from
    /// producing one finding per repetition.)
    fn nested_key(&self, vs: usize, ve: usize) -> bool {
        let b = self.b;
        let lim = ve.min(vs + KEY_MAX + 1);
        let mut i = vs;
        while i < lim && (alnum(b[i]) || b[i] == b'_' || b[i] == b'-') {
            i += 1;
        }
        count(i - vs);
        if i == vs || i >= ve || !matches!(b[i], b'=' | b':') {
            return false;
        }
        let Some(group) = KEYS.by_last.get(b[i - 1].to_ascii_lowercase() as usize) else {
            return false;
        };
        group.iter().any(|k| {
            let n = k.name.len();
            n <= i - vs && b[i - n..i].eq_ignore_ascii_case(&k.name)
        })
    }

    /// After a key name ending at `ke`: optional closing quote, spaces, a separator (`=`, `:`,
    /// `=>`, `:=`), spaces, then the value, quoted (up to the closing quote) or bare (up to
    /// whitespace or a delimiter). Returns the value's span. Every look is bounded by
    /// [`VALUE_MAX`] or memoized, so repeated keys cost no more than the bytes they span.
    fn kv_value(&mut self, ke: usize) -> Option<(usize, usize, bool)> {
        let b = self.b;
        let mut i = ke;
        if matches!(at(b, i), b'"' | b'\'') {
            i += 1;
        }
        let k0 = i;
        i = run(b, i, |c| c == b' ' || c == b'\t');
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
            i = run(b, i, |c| c == b' ' || c == b'\t');
        }
        let q = at(b, i);
        if q == b'"' || q == b'\'' {
            let vs = i + 1;
            match closing_quote(b, vs, q) {
                Close::At(j) => return Some((vs, j, false)),
                Close::Open => self.open_quote = true,
                Close::Missing => {}
            }
            // An unterminated quote (a truncated log line): the value is the rest of the line.
            let lim = vs + VALUE_MAX + 1;
            let le = self.next_byte(b'\n', vs, lim).unwrap_or(lim.min(b.len()));
            if le - vs <= VALUE_MAX {
                let mut e = le;
                while e > vs && matches!(b[e - 1], b'\r' | b' ' | b'\t') {
                    e -= 1;
                }
                count(le - e);
                if e > vs && self.try_run(Slot::RestOfLine, e, 8) {
                    return Some((vs, e, false));
                }
                return None;
            }
            // A line too long for that: the bare value after the quote.
            i += 1;
        }
        let vs = i;
        // `[Password-3f9a1c]`, `<redacted>`, `{{ x }}`: a bracketed value runs to its closer on
        // the same line.
        let closer = match at(b, vs) {
            b'[' => b']',
            b'<' => b'>',
            b'{' => b'}',
            b'(' => b')',
            _ => 0,
        };
        if closer != 0 {
            let lim = self
                .next_byte(b'\n', vs, vs + VALUE_MAX + 1)
                .unwrap_or(vs + VALUE_MAX + 1);
            if let Some(k) = self.next_byte(closer, vs, lim) {
                // Keys inside one bracketed run share its closer: try a few.
                if !self.try_run(Slot::Bracket, k, 8) {
                    return None;
                }
                return Some((vs, k + 1, false));
            }
        }
        let j = self.run_memo(Slot::Bare, vs);
        if j - vs > VALUE_MAX {
            return None;
        }
        Some((vs, j, true))
    }

    pub(super) fn pem(&mut self, s: usize, ke: usize) {
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
        let Some(endpos) = self.pem.end.find(b, b"-----END ", body_s, limit) else {
            return;
        };
        if self
            .pem
            .begin
            .find(b, b"-----BEGIN", body_s, endpos)
            .is_some()
        {
            return; // a lone BEGIN: the next BEGIN starts its own block
        }
        let es = endpos + 9;
        if !b[es..limit].starts_with(label) || !b[es + label.len()..limit].starts_with(b"-----") {
            return;
        }
        let body = &b[body_s..endpos];
        count(body.len() + label.len());
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

/// Where a quoted value ends.
enum Close {
    /// At this closing quote.
    At(usize),
    /// Not within [`VALUE_MAX`] bytes and one line break, or not at all: unterminated.
    Missing,
    /// The text ended before that could be told: the value may go on in text that follows.
    Open,
}

/// The closing `q` of a quoted value opened just before `vs`: within [`VALUE_MAX`] bytes and at
/// most one line break (`password="ab⏎cd"` is one value, CRLF or not); a backslash escapes the
/// quote after it. A closing quote on the next line must end the value (not be glued to a
/// word), or the quote was simply left open.
fn closing_quote(b: &[u8], vs: usize, q: u8) -> Close {
    let lim = (vs + VALUE_MAX + 1).min(b.len());
    let mut from = vs;
    let mut breaks = 0;
    loop {
        let k = memchr::memchr2(q, b'\n', &b[from..lim]).map(|k| from + k);
        count(k.map_or(lim, |k| k + 1) - from);
        let Some(k) = k else {
            return if lim == b.len() && vs + VALUE_MAX >= b.len() {
                Close::Open
            } else {
                Close::Missing
            };
        };
        if b[k] == b'\n' {
            breaks += 1;
            if breaks > 1 {
                return Close::Missing;
            }
            from = k + 1;
            continue;
        }
        // An odd number of backslashes before it escapes it (bounded by the window).
        let mut bs = 0;
        while k - bs > vs && b[k - bs - 1] == b'\\' {
            bs += 1;
        }
        count(bs);
        if bs % 2 == 1 {
            from = k + 1;
            continue;
        }
        if breaks > 0 && alnum(at(b, k + 1)) {
            return Close::Missing;
        }
        return Close::At(k);
    }
}

#[cfg(test)]
mod tests {
    use crate::types::PiiType;

    /// `(type, line, value)`: scanning `line` must report `value` (at its first occurrence) as
    /// `type`, with exactly that span.
    #[rustfmt::skip]
    const POSITIVES: &[(PiiType, &str, &str)] = &[
        (PiiType::UrlCredentials, "db postgres://admin:s3cr3t@db.example.com:5432/x", "admin:s3cr3t"),
        (PiiType::UrlCredentials, "https://user:p%40ss@10.0.0.7/", "user:p%40ss"),
        (PiiType::BearerToken, "Authorization: Bearer abcDEF123456ghiJKL789", "abcDEF123456ghiJKL789"),
        (PiiType::Jwt, "token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"),
        (PiiType::ApiKey, "api_key=9f8e7d6c5b4a39281706", "9f8e7d6c5b4a39281706"),
        (PiiType::ApiKey, "{\"x-api-key\": \"k-12345678abcdef\"}", "k-12345678abcdef"),
        (PiiType::ApiKey, "apikey: Zm9vYmFyYmF6cXV4MTIz", "Zm9vYmFyYmF6cXV4MTIz"),
        (PiiType::ApiKey, "GET /x?access_token=ya29a0AfH6SMBx1234&y=1", "ya29a0AfH6SMBx1234"),
        (PiiType::Password, "login password=hunter2 ok", "hunter2"),
        (PiiType::Password, "passwd: S3cr3t!", "S3cr3t!"),
        (PiiType::Password, "{\"password\": \"correct horse battery\"}", "correct horse battery"),
        (PiiType::Password, "pwd=Tr0ub4dor&3x", "Tr0ub4dor"),
        (PiiType::Password, "DB_PASSWORD='p@ss w0rd'", "p@ss w0rd"),
    ];

    /// Lines that must produce no finding of any type.
    const NEGATIVES: &[&str] = &[
        "password= user=bob",
        "password=**** retry",
        "password=${DB_PASS} user",
        "password={{ vault_pw }}",
        "password=<redacted>",
        "\"password\": \"\"",
        "\"password\": null",
        "Failed password for root from",
        "passwordFile=/etc/app/pw",
        "user [Email] from [IPv4] card [CreditCard] key=[ApiKey]",
        "user [Email-3f9a1c] password=[Password-0a1b2c] token ghp_****",
        "mail j***@example.com card ****-****-****-1111 ip 10.*.*.*",
        "password=********* api_key=****************",
        "Bearer realm=\"example\"",
        "Bearer authentication failed",
        "-----BEGIN RSA PRIVATE KEY----- (truncated)",
        "eyJhbGciOiJIUzI1NiJ9 alone",
        "version eyJub3QiOiJqc29uIn0x.abc.def",
    ];

    #[test]
    fn cases() {
        super::super::check_cases(POSITIVES, NEGATIVES);
    }
}
