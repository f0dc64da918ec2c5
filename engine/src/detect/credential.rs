//! Secrets recognised by their context or generic structure: values after a secret's key name
//! (the key names and value checks come from the catalog's [`Detect::KeyValue`] rules), bearer
//! tokens, JWTs, credentials in URLs, PEM private keys.

use std::sync::LazyLock;

use base64::Engine as _;

use super::keyname::{self, KeyClass};
use super::{alnum, at, before, count, fqdn_end, run, token_char, Scan, Slot};
use super::{PEM_MAX, TOKEN_MAX, VALUE_MAX};
use crate::catalog::{Detect, Family, RULES};
use crate::types::PiiType;
use crate::validate::{
    aws_secret_value, documented_example, generic_secret_value, is_placeholder, password_value,
};

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
    /// The name's last 8 bytes (fewer if it is shorter) in the high bytes of a little-endian
    /// word, and the mask of those bytes: most keys are told apart by one comparison.
    last8: u64,
    mask8: u64,
    ty: PiiType,
    value: fn(&[u8]) -> bool,
}

/// The last 8 bytes of `tail` (a key's lower-cased tail, right-aligned in `KEY_MAX` bytes).
#[inline]
fn last8(tail: &[u8; KEY_MAX]) -> u64 {
    u64::from_le_bytes(tail[KEY_MAX - 8..].try_into().expect("8 bytes"))
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
            let mut right = [0u8; KEY_MAX];
            right[KEY_MAX - name.len()..].copy_from_slice(&name);
            let m = name.len().min(8);
            let mask8 = if m == 8 {
                u64::MAX
            } else {
                !(u64::MAX >> (8 * m))
            };
            by_last[last].push(Key {
                last8: last8(&right) & mask8,
                mask8,
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

/// The prefixes of the provider tokens the scanners validate (their catalog keywords that are
/// no key names), for [`provider_prefixed`].
/// Grouped by their first byte (a value is compared with the few prefixes that start like it,
/// not with all of them: this ran for every generic secret's value).
static PROVIDER_PREFIXES: LazyLock<[Vec<&'static [u8]>; 256]> = LazyLock::new(|| {
    let mut by_first: [Vec<&'static [u8]>; 256] = std::array::from_fn(|_| Vec::new());
    for k in RULES
        .iter()
        .filter(|r| r.family == Family::ProviderToken && matches!(r.detect, Detect::Scanner))
        .flat_map(|r| r.keywords.iter())
        .filter(|k| k.len() >= 4 && !k.contains('/'))
    {
        by_first[k.as_bytes()[0] as usize].push(k.as_bytes());
    }
    by_first
});

/// What [`Scan::key_value`] made of the value after a key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kv {
    /// Reported.
    Found,
    /// A value, which the type's check (or its provider and example lists) rejected: another
    /// type's check may still take it.
    Rejected,
    /// No value a check could look at (the key goes on, nothing assigned, a nested key, a
    /// placeholder, or the run's tries are used up): the same for every type.
    NoValue,
}

/// What [`Scan::rest_of_line`] found.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rest {
    /// The value ends here.
    Value(usize),
    /// No value: nothing after the quote.
    None,
    /// An (escaped) quote further on the line: a quoted string, not the rest of the line.
    QuoteFurther,
    /// The line's tries are used up: the bare word after the quote is the value.
    TriesUsed,
    /// The line is longer than the value window.
    TooLong,
}

/// Does `v` start with a provider token's prefix?
fn provider_prefixed(v: &[u8]) -> bool {
    v.first().is_some_and(|&c| {
        PROVIDER_PREFIXES[c as usize]
            .iter()
            .any(|p| v.starts_with(p))
    })
}

/// May a token whose last characters are `=` end before `c`? Base64's padding ends a token;
/// `=` before anything but what ends a value is an assignment (`Bearer ~~….secret=5TF…`), whose
/// value a redaction turns into a tag, and the token must not be one before that and another
/// after (found by the `redact` fuzz target).
fn ends_padded_value(c: u8) -> bool {
    matches!(
        c,
        0 | b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b',' | b';' | b')' | b'}' | b']' | b'>'
    )
}

/// The tables, built now (so the first scan does not pay for them).
pub(super) fn init() {
    LazyLock::force(&KEYS);
    LazyLock::force(&PROVIDER_PREFIXES);
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
        if scheme.eq_ignore_ascii_case(b"file") {
            // No host: only what the user part holds.
            if let Some(k) = memchr::memrchr(b'@', auth) {
                self.url_user(auth_s, k, None);
            }
            return;
        }
        let last = memchr::memrchr(b'@', auth);
        if let Some(k) = last {
            // The user part ends at the last `@`; but that `@` may be an e-mail address's
            // (`…:pw@db.exao[Email]r@db.example`, `pg://92e.co=ser@xn--80ak.com`), which
            // redaction replaces, and a rescan then splits at the `@` before it, or finds no
            // user part at all. That split is taken too, refused unless a finding covers the
            // last `@` (see `Veto`), so both passes find the same (found by the `redact` fuzz
            // target). One level: an `@` before that one would need every later `@` covered.
            let prev = memchr::memrchr(b'@', &auth[..k]);
            let veto = (auth_s + k, auth_s + k + 1);
            self.url_authority(ss, auth_s, prev, Some(veto));
        }
        self.url_authority(ss, auth_s, last, None);
    }

    /// A URL's credentials `[auth_s, auth_s + k)` if the user part (up to the `@` at
    /// `auth_s + k`) holds a password; `false` if it is an e-mail-shaped user name and no more
    /// (`scheme://alice@example.com`: the e-mail detector's, and after a partial redaction,
    /// `a***@example.com`, nobody's).
    fn url_user(&mut self, auth_s: usize, k: usize, veto: Option<(usize, usize)>) -> bool {
        let ui = &self.b[auth_s..auth_s + k];
        let Some(c) = memchr::memchr(b':', ui) else {
            return false;
        };
        let pass = &ui[c + 1..];
        // `redis://:s3cret@cache`: an empty user name is still a password.
        if !is_placeholder(pass) && (c == 0 || !is_placeholder(&ui[..c])) {
            self.push_maybe_vetoed(PiiType::UrlCredentials, auth_s, auth_s + k, veto);
        }
        true
    }

    /// The user part and host of an authority starting at `auth_s`, split at the `@` at
    /// `auth_s + k` (if any); `veto`: the text whose coverage by a finding makes this the split
    /// (see [`Scan::url`]).
    fn url_authority(
        &mut self,
        ss: usize,
        auth_s: usize,
        at_k: Option<usize>,
        veto: Option<(usize, usize)>,
    ) {
        let b = self.b;
        let host_s = match at_k {
            Some(k) => {
                if !self.url_user(auth_s, k, veto) {
                    return;
                }
                auth_s + k + 1
            }
            None => auth_s,
        };
        if at(b, host_s).is_ascii_alphanumeric() {
            if let Some(e) = fqdn_end(b, host_s, true) {
                if b[host_s..e].eq_ignore_ascii_case(b"hooks.slack.com") {
                    if let Some(pe) = slack_webhook_end(b, e) {
                        if pe - ss <= VALUE_MAX {
                            self.push_maybe_vetoed(PiiType::SlackToken, ss, pe, veto);
                        }
                        return;
                    }
                }
                self.push_maybe_vetoed(PiiType::Hostname, host_s, e, veto);
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
        let body_end = te;
        let te = run(b, te, |c| c == b'=');
        // `=` is base64's padding only at the token's end: before anything but what ends a
        // value it is an assignment (`Bearer ~~….secret=5TF…`), whose value a redaction turns
        // into a tag, and the token must not be one before that and another after (found by the
        // `redact` fuzz target).
        if te > body_end && !ends_padded_value(at(b, te)) {
            return;
        }
        // (Armor glued to a token ends it: see `jwt`.)
        let (te, armor) = armor_cut(b, ts, te);
        let v = &b[ts..te];
        if (token_char(at(b, te)) && !armor)
            || v.len() < 12
            || v.len() > TOKEN_MAX
            || is_placeholder(v)
        {
            return;
        }
        count(v.len());
        let digits = v.iter().any(u8::is_ascii_digit);
        let mixed = v.iter().any(u8::is_ascii_uppercase) && v.iter().any(u8::is_ascii_lowercase);
        if digits || (mixed && v.len() >= 20) {
            self.push(PiiType::BearerToken, ts, te);
        }
    }

    /// Three base64url parts whose header decodes to a JSON object, as a whole dotted token:
    /// a chain that goes on after the signature (`….sig.more`) or before the header
    /// (`….f1J9.eyJ…`) is no JWT, and neither is any three parts of it. (Taking the last
    /// three parts of a chain made redaction cut the chain, and the tag's neighbour,
    /// `eyJhIjozfQ.f1J9.[JWT]`, rescanned as a new JWT: found by the `redact` fuzz target.)
    pub(super) fn jwt(&mut self, s: usize) {
        let b = self.b;
        if before(b, s) == b'.' && s >= 2 && (alnum(b[s - 2]) || matches!(b[s - 2], b'-' | b'_')) {
            return;
        }
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
        let mut s_e = self.run_memo(Slot::JwtSignature, p_e + 1);
        let nx = at(b, s_e);
        if nx == b'.' || nx == b'=' || nx == b'/' || nx == b'+' || s_e - s > TOKEN_MAX {
            return;
        }
        // PEM armor is no part of a token, though its dashes are base64url: a signature glued
        // to `-----BEGIN …` ends before it, and a payload holding armor is no payload. A token
        // that took the armor would hide it from the private-key detector, which pairs BEGIN
        // and END lines; once the token was redacted (or lost to the key it overlapped) the
        // pairing changed, and a key or the token appeared (found by the `redact` fuzz target).
        if holds_armor(&b[h_e + 1..p_e]) {
            return;
        }
        s_e = armor_cut(b, p_e + 1, s_e).0;
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

    /// A word ending at `we` is followed by a separator: is the key a secret's name? First the
    /// exact key names of the catalog's key-value rules (provider-specific, longest first), then
    /// the generic classification of the whole identifier ([`keyname::classify`]).
    pub(super) fn key_word(&mut self, we: usize) {
        let b = self.b;
        let last = b[we - 1].to_ascii_lowercase();
        if let Some(group) = KEYS.by_last.get(last as usize).filter(|g| !g.is_empty()) {
            // Lower-case the tail once; compare the keys ending in the same byte, longest first.
            let mut tail = [0u8; KEY_MAX];
            let tl = we.min(KEY_MAX);
            for (d, &c) in tail[KEY_MAX - tl..].iter_mut().zip(&b[we - tl..we]) {
                *d = c.to_ascii_lowercase();
            }
            count(tl);
            for k in group {
                let n = k.name.len();
                if n > tl || last8(&tail) & k.mask8 != k.last8 || tail[KEY_MAX - n..] != *k.name {
                    continue;
                }
                // `pass` in `bypass`-like words are nothing; `dbPassword` is.
                if n <= 4 && alnum(before(b, we - n)) {
                    break;
                }
                match self.key_value(k.ty, k.value, we) {
                    // (No value after the key: the key-name path would find none either.)
                    Kv::Found | Kv::NoValue => return,
                    Kv::Rejected => break,
                }
            }
        }
        let Some(is) = self.ident_start_at(we) else {
            return;
        };
        let ident = &b[is..we];
        if ident.eq_ignore_ascii_case(b"authorization")
            || ident.eq_ignore_ascii_case(b"proxy-authorization")
        {
            self.auth_header(we);
            return;
        }
        let mut class = self.classify_memo(is, we);
        if class.is_none() && is_type_word(&b[is..we]) {
            // `var genericToken string = "…"`: the key is the identifier before the type.
            let mut p = is;
            while p > 0 && is - p < 4 && matches!(b[p - 1], b' ' | b'\t') {
                p -= 1;
            }
            if p < is {
                if let Some(ps) = ident_start(b, p) {
                    class = keyname::classify(&b[ps..p]);
                }
            }
        }
        let Some(class) = class else {
            return;
        };
        match class {
            KeyClass::Password => {
                self.key_value(PiiType::Password, password_value, we);
            }
            KeyClass::AwsSecret => {
                if self.key_value(PiiType::AwsSecretKey, aws_secret_value, we) == Kv::Rejected {
                    self.key_value(PiiType::ApiKey, generic_secret_value, we);
                }
            }
            KeyClass::Secret => {
                self.key_value(PiiType::ApiKey, generic_secret_value, we);
            }
        }
    }

    /// `Authorization: Digest username="…", realm="…", nonce="…", response="<hex>"` (RFC 7616):
    /// the `response` is the hash of the password with the server's nonce, which answers the
    /// challenge in place of the password; the other parameters name it and are no secret.
    /// Looked for in the header's line (at most 4 KiB of it).
    fn digest_response(&mut self, from: usize) {
        let b = self.b;
        let lim = b.len().min(from + 4096);
        // Both searches are remembered (a line of repeated `Authorization: Digest ` must not
        // search the same 4 KiB from every repetition).
        let line_end = self.next_byte(b'\n', from, lim).unwrap_or(lim);
        let mut search = self.digest;
        let found = search.find(b, b"response=", from, line_end);
        self.digest = search;
        let Some(key) = found else {
            return;
        };
        // The parameter's own name (`response=`, not `xresponse=`).
        if alnum(before(b, key)) || before(b, key) == b'_' {
            return;
        }
        let quoted = at(b, key + 9) == b'"';
        let vs = key + 9 + usize::from(quoted);
        let ve = run(b, vs, |c| c.is_ascii_hexdigit()).min(line_end);
        // MD5, SHA-256 or SHA-512/256 hex, and nothing glued to it.
        let closed = if quoted {
            at(b, ve) == b'"'
        } else {
            !token_char(at(b, ve))
        };
        if matches!(ve - vs, 32 | 64) && closed && !is_placeholder(&b[vs..ve]) {
            self.push(PiiType::ApiKey, vs, ve);
        }
    }

    /// `Authorization: <scheme> <credentials>` (and `Proxy-Authorization`) after the header
    /// name ending at `ke`: `Basic` credentials (base64 of `user:pass`) are a password; a
    /// `Token`, `Api-Token`, `ApiKey` … scheme's credentials, or credentials without a scheme,
    /// an API key; `Bearer` is the bearer token detector's.
    fn auth_header(&mut self, ke: usize) {
        let b = self.b;
        let mut i = ke;
        if matches!(at(b, i), b'"' | b'\'') {
            i += 1;
        }
        i = run(b, i, |c| c == b' ' || c == b'\t');
        if !matches!(at(b, i), b':' | b'=') {
            return;
        }
        i = run(b, i + 1, |c| c == b' ' || c == b'\t');
        if matches!(at(b, i), b'"' | b'\'') {
            i += 1;
        }
        let cred =
            |c: u8| alnum(c) || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'@');
        let we = run(b, i, |c| alnum(c) || c == b'-');
        let scheme = &b[i..we];
        let (vs, basic) = if we > i && matches!(at(b, we), b' ' | b'\t') {
            let lower: Vec<u8> = scheme.to_ascii_lowercase();
            match lower.as_slice() {
                b"bearer" => return,
                b"digest" => {
                    self.digest_response(we);
                    return;
                }
                b"basic" => (run(b, we, |c| c == b' ' || c == b'\t'), true),
                b"token" | b"api-token" | b"apitoken" | b"apikey" | b"api-key" | b"key"
                | b"sso-key" | b"oauth" | b"jwt" | b"hmac" | b"sharedkey" | b"negotiate"
                | b"ntlm" | b"splunk" | b"geniekey" => {
                    (run(b, we, |c| c == b' ' || c == b'\t'), false)
                }
                _ => return,
            }
        } else {
            (i, false)
        };
        let ve = run(b, vs, cred);
        // Trailing `=` before what does not end a value assigns it, as after `Bearer`
        // (`…comToken=[AWSKey]`: the token was `…comToken=AKIA…`, an assignment and no secret,
        // until its value was a tag: found by the `redact` fuzz target).
        if b[vs..ve].last() == Some(&b'=') && !ends_padded_value(at(b, ve)) {
            return;
        }
        // (Armor glued to a token ends it: see `jwt`.)
        let (ve, armor) = armor_cut(b, vs, ve);
        let v = &b[vs..ve];
        if v.len() < 8
            || v.len() > TOKEN_MAX
            || (token_char(at(b, ve)) && !armor)
            || is_placeholder(v)
        {
            return;
        }
        // `Authorization: aws_secret_access_key=…`: the inner key reports its own value; taken
        // as the header's token, what is left of it once that value is redacted
        // (`aws_secret_access_key=` before `[AWSSecret]`) read as one (found by the property
        // tests: redacting twice redacted more).
        // Anywhere in the token too (`BafUz…XVCJ9aws_secret_access_key=jh9…`: the key's value
        // wins the overlap, and once it is `[ApiKey]` the token up to the `=` is one: found by
        // the `redact` fuzz target). A token with a key assignment inside is that key's.
        if self.nested_key(vs, ve) || self.holds_key_assignment(vs, ve) {
            return;
        }
        if basic {
            let Ok(dec) = base64::engine::general_purpose::STANDARD.decode(v) else {
                return;
            };
            if dec.contains(&b':') {
                self.push(PiiType::Password, vs, ve);
            }
        } else if !provider_prefixed(v) && (generic_secret_value(v) || v.contains(&b'~')) {
            self.push(PiiType::ApiKey, vs, ve);
        }
    }

    /// A command-line flag at the `-` at `i` (after a blank) that takes a credential:
    /// `-u`/`--user user:pass` (curl, wget …), `--password X`/`--pass X`, `-p X` after
    /// `sshpass`, `-pSECRET` after `mysql`/`mariadb`.
    pub(super) fn flag(&mut self, i: usize) {
        let b = self.b;
        let rest = &b[i..b.len().min(i + 12)];
        let (name_len, user) = if rest.starts_with(b"-u ") || rest.starts_with(b"-u\t") {
            (2, true)
        } else if rest.starts_with(b"--user ") || rest.starts_with(b"--user=") {
            (6, true)
        } else if rest.starts_with(b"--password ")
            || rest.starts_with(b"--passwd ")
            || rest.starts_with(b"--pass ")
        {
            (rest.iter().position(|&c| c == b' ').unwrap_or(0), false)
        } else if rest.starts_with(b"-p") {
            self.short_p(i);
            return;
        } else if rest.starts_with(b"--") {
            self.long_flag(i);
            return;
        } else {
            return;
        };
        let vs0 = run(b, i + name_len + 1, |c| c == b' ' || c == b'\t');
        let Some((vs, ve)) = arg_value(b, vs0) else {
            return;
        };
        let v = &b[vs..ve];
        if user {
            if let Some((s, e)) = user_pass(v) {
                self.push(PiiType::Password, vs + s, vs + e);
            }
        } else if !is_placeholder(v) && password_value(v) && !v.starts_with(b"-") {
            self.push(PiiType::Password, vs, ve);
        }
    }

    /// `--<secret's name> <value>` at the `-` at `i` (`--api-key X`, `--client-secret 'X'`,
    /// `--db-password X`): the flag's name is classified as a key name is. (`--k=v` is a key
    /// and its value, found as such.)
    fn long_flag(&mut self, i: usize) {
        let b = self.b;
        let ns = i + 2;
        let ne = run(b, ns, |c| alnum(c) || c == b'-' || c == b'_');
        if ne == ns || ne - ns > 64 || !matches!(at(b, ne), b' ' | b'\t') {
            return;
        }
        count(ne - ns);
        let Some(class) = keyname::classify(&b[ns..ne]) else {
            return;
        };
        let vs0 = run(b, ne, |c| c == b' ' || c == b'\t');
        let Some((vs, ve)) = arg_value(b, vs0) else {
            return;
        };
        let v = &b[vs..ve];
        if v.starts_with(b"-") || is_placeholder(v) || documented_example(v) || provider_prefixed(v)
        {
            return;
        }
        let ty = match class {
            KeyClass::Password if password_value(v) => PiiType::Password,
            KeyClass::AwsSecret if aws_secret_value(v) => PiiType::AwsSecretKey,
            KeyClass::Secret | KeyClass::AwsSecret if generic_secret_value(v) => PiiType::ApiKey,
            _ => return,
        };
        self.push(ty, vs, ve);
    }

    /// `-pSECRET` after `mysql`/`mariadb`, `-p SECRET` after `sshpass` (on the same line, in
    /// the 200 bytes before).
    fn short_p(&mut self, i: usize) {
        let b = self.b;
        let lo = i.saturating_sub(200);
        let ls = memchr::memrchr(b'\n', &b[lo..i]).map_or(lo, |k| lo + k + 1);
        let before = &b[ls..i];
        count(before.len());
        let (vs0, attached) = if matches!(at(b, i + 2), b' ' | b'\t') {
            if memchr::memmem::find(before, b"sshpass").is_none() {
                return;
            }
            (run(b, i + 2, |c| c == b' ' || c == b'\t'), false)
        } else {
            if memchr::memmem::find(before, b"mysql").is_none()
                && memchr::memmem::find(before, b"mariadb").is_none()
            {
                return;
            }
            (i + 2, true)
        };
        let Some((vs, ve)) = arg_value(b, vs0) else {
            return;
        };
        let v = &b[vs..ve];
        if (attached || !v.starts_with(b"-")) && !is_placeholder(v) && password_value(v) {
            self.push(PiiType::Password, vs, ve);
        }
    }

    /// The value after a key name ending at `ke`, reported as `ty` if `check` accepts it.
    fn key_value(&mut self, ty: PiiType, check: fn(&[u8]) -> bool, ke: usize) -> Kv {
        let b = self.b;
        // The key name must end here (`passwordFile=` is not a password).
        let nx = at(b, ke);
        if alnum(nx) || nx == b'_' || nx == b'-' {
            return Kv::NoValue;
        }
        // A key whose name lies inside a value already found (`api_key=��aws_secret_access_key
        // :::= "…`) is that value's text, which a redaction replaces: it assigns nothing. Asked,
        // it would take one of the tries that values ending at one place share (see
        // `check_value`), and once the outer value was `[ApiKey]` the try was free and a value
        // further on was found (found by the `redact` fuzz target).
        let (fs, fe) = self.found_value;
        if fs < ke && ke <= fe {
            return Kv::NoValue;
        }
        let Some((vs, ve, bare)) = self.kv_value(ke) else {
            return Kv::NoValue;
        };
        let mut kv = self.check_value(ty, check, vs, ve, bare);
        // What a redaction elsewhere on the line can change must not decide whether a value is
        // found, or redacting the output again finds more (found by the `redact` fuzz target).
        // So a refused (or placeholder: `[notice]` reads as a tag) value falls back to the word
        // it starts with where the line decided its extent:
        // - a quoted value's closer can lie where a redaction takes it away: inside a finding
        //   further on (`"3h05… Token := `{"config…` once that value is `[ApiKey]`), before a
        //   value on the next line that becomes a tag, inside the key its armor begins; and an
        //   unterminated quote's value is the rest of its line on a line that fits the value
        //   window, the bare word after the quote on a longer one (a redaction changes the
        //   line's length). So a refused quoted value leads to the rest of its line, when that
        //   would be an open quote's value, then to the bare word after the quote: what it
        //   would be with no closer, or on a longer line (found by the `redact` fuzz target);
        // - a bracketed value `(…)` runs to its closer on the line, which may lie inside a
        //   finding (`(ASIA… "AS)AIH…"`) and be gone once that is redacted: a refused one leads
        //   to the bare run it starts, as it does with no closer;
        // - a value is refused for what it holds as well as for what it is: a placeholder or
        //   our own tag anywhere in it (which a redaction puts there), or PEM armor (which
        //   every style keeps), asked in either order (`"AK… -----BEGIN … [Hostname]…` on a
        //   truncated line: found by the `redact` fuzz target).
        let mut cur = (vs, ve, bare);
        let refused = |kv: Kv, s: usize, e: usize| {
            kv == Kv::Rejected
                || (kv == Kv::NoValue
                    && e > s
                    && (is_placeholder(&b[s..e]) || holds_armor(&b[s..e])))
        };
        if refused(kv, vs, ve) && ve > vs && !bare && matches!(before(b, vs), b'"' | b'\'' | b'`') {
            if let Rest::Value(e) = self.rest_of_line(vs, before(b, vs)) {
                if (vs, e, false) != cur {
                    cur = (vs, e, false);
                    kv = self.check_value(ty, check, vs, e, false);
                }
            }
            if refused(kv, cur.0, cur.1) {
                if let Some(c) = self.bare_value(vs) {
                    if c != cur {
                        kv = self.check_value(ty, check, c.0, c.1, c.2);
                        cur = c;
                    }
                }
            }
        }
        let (s, e, bare) = cur;
        if refused(kv, s, e) && !bare && at(b, ke) != b'>' && self.bracketed(s, e) {
            if let Some(c) = self.bare_run(s) {
                if c != cur {
                    kv = self.check_value(ty, check, c.0, c.1, c.2);
                }
            }
        }
        kv
    }

    /// Is `[s, e)` a bracketed value (`(…)`, `[…]`, `<…>`, `{…}`), not a quoted string that
    /// happens to start and end with brackets?
    fn bracketed(&self, s: usize, e: usize) -> bool {
        let b = self.b;
        if e < s + 2 {
            return false;
        }
        let closer = match b[s] {
            b'[' => b']',
            b'<' => b'>',
            b'{' => b'}',
            b'(' => b')',
            _ => return false,
        };
        if b[e - 1] != closer {
            return false;
        }
        let q = before(b, s);
        !(matches!(q, b'"' | b'\'' | b'`') && matches!(closing_quote(b, s, q), Close::At(_)))
    }

    /// The checks of [`Self::key_value`] on the value `[vs, ve)`.
    fn check_value(
        &mut self,
        ty: PiiType,
        check: fn(&[u8]) -> bool,
        vs: usize,
        ve: usize,
        bare: bool,
    ) -> Kv {
        let b = self.b;
        // Keys glued into one bare run (`password=x.password=x.…`) have values that are
        // suffixes of each other: look at a few of them only.
        if bare && !self.try_run(Slot::Bare, ve, 8) {
            return Kv::NoValue;
        }
        if self.nested_key(vs, ve) {
            return Kv::NoValue;
        }
        let v = &b[vs..ve];
        if is_placeholder(v) {
            return Kv::NoValue;
        }
        // A word that introduces a version (`passwd: version 14.1.2.83`, a tool printing its
        // own): no secret, and redacting it would leave the number after it reading as an
        // address (found by the property tests: redacting twice redacted more).
        // With the separators that `version_context` looks through (`password=ver: 10.251.67.225`
        // reads `ver:` as the word, so the address was none; once `[Password]`, it is one: found
        // by the `redact` fuzz target).
        let word = v
            .iter()
            .rposition(|c| !matches!(c, b' ' | b'\t' | b':' | b'=' | b'"' | b'\''))
            .map_or(&v[..0], |k| &v[..=k]);
        if super::network::is_version_word(word) {
            return Kv::NoValue;
        }
        // A PEM armor line (`pwd=-----BEGIN RSA PRIVATE KEY-----`) is the private-key
        // detector's: its key is found whole or not at all, and the armor that every
        // redaction style keeps must not read as a password (found by the `redact` fuzz target).
        // Armor inside a value counts too (`ASI…\\nBACKUP-----BEGIN PRIVATE KEY-----`): a lone
        // BEGIN there is what keeps an earlier BEGIN from pairing with an END further on, and
        // redacting it would make the key appear (found by the `redact` fuzz target).
        if holds_armor(v) {
            return Kv::NoValue;
        }
        // A quoted value holding another assignment of a quoted value
        // (`"3h05… Token := `{"config…`): its closer is the other value's, which a redaction
        // replaces, and as one value it would overlap that one and lose to it, leaving its own
        // text in clear. Refused, it leads to the bare word after the quote, as it would with no
        // closer (found by the `redact` fuzz target).
        if !bare && matches!(before(b, vs), b'"' | b'\'' | b'`') && holds_quoted_assignment(v) {
            return Kv::Rejected;
        }
        // A provider's prefix that its own detector rejected (a truncated or masked
        // `xoxp-1234…`, `ghp_xxxx…`) is no generic secret either.
        if ty == PiiType::ApiKey && provider_prefixed(v) {
            return Kv::Rejected;
        }
        // AWS's documented example secret, under any name.
        if matches!(ty, PiiType::ApiKey | PiiType::AwsSecretKey) && documented_example(v) {
            return Kv::Rejected;
        }
        count(v.len());
        if check(v) {
            self.push(ty, vs, ve);
            self.found_value = (vs, ve);
            return Kv::Found;
        }
        Kv::Rejected
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
        ends_with_key_name(b, vs, i)
    }

    /// Does `[vs, ve)` hold a secret's key name before an `=` or `:` with a value after it,
    /// anywhere in it (where [`Self::nested_key`] looks at its start only)? A last `=` that
    /// ends the token where it ends (a blank, a quote, the end) is base64's padding; one that
    /// something else stops (`…key=[ApiKey]`, a value already redacted) is an assignment.
    fn holds_key_assignment(&self, vs: usize, ve: usize) -> bool {
        let b = self.b;
        let stopped = ve < b.len()
            && !b[ve].is_ascii_whitespace()
            && !matches!(b[ve], b'"' | b'\'' | b'`' | b',' | b';');
        memchr::memchr2_iter(b'=', b':', &b[vs..ve]).any(|k| {
            let i = vs + k;
            if i == vs || at(b, i + 1) == b'=' || (i + 1 == ve && !stopped) {
                return false;
            }
            // The catalog's exact key names, then the identifier's class, as `key_word` looks
            // (`…XVCJ9password=` is no catalog key name: a password's is classified).
            ends_with_key_name(b, vs, i)
                || ident_start(b, i)
                    .and_then(|is| ident_first_letter(b, is.max(vs), i))
                    .is_some_and(|is| keyname::classify(&b[is..i]).is_some())
        })
    }

    /// After a key name ending at `ke`: optional closing quote, spaces, a separator (`=`, `:`,
    /// `=>`, `:=`), spaces, then the value, quoted (up to the closing quote) or bare (up to
    /// whitespace or a delimiter). Returns the value's span. Every look is bounded by
    /// [`VALUE_MAX`] or memoized, so repeated keys cost no more than the bytes they span.
    fn kv_value(&mut self, ke: usize) -> Option<(usize, usize, bool)> {
        let b = self.b;
        let mut i = ke;
        // `<clientSecret>value</clientSecret>`: an XML element's text.
        if at(b, i) == b'>' {
            return self.xml_value(ke);
        }
        let quoted_key = matches!(at(b, i), b'"' | b'\'' | b'`');
        if quoted_key {
            i += 1;
        }
        let k0 = i;
        i = run(b, i, |c| c == b' ' || c == b'\t');
        // `key=value` and `key = value` but not `key= other=…` (an empty value then the next key).
        let spaced = i > k0;
        // The assignment operators logs and config dumps use: `=`, `=>`, `:`, `:=`, `::=`,
        // `:::=`, `?=`, `.=`, and `,` between a quoted key and a quoted value
        // (`setProperty("k", "v")`, `getenv("k", "v")`).
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
                let mut n = 0;
                while n < 2 && at(b, i) == b':' {
                    i += 1;
                    n += 1;
                }
                if at(b, i) == b'=' {
                    i += 1;
                } else if n > 0 {
                    return None;
                }
                true
            }
            b'?' | b'.' if at(b, i + 1) == b'=' => {
                i += 2;
                true
            }
            b',' if quoted_key => {
                i += 1;
                let j = run(b, i, |c| c == b' ' || c == b'\t');
                if !matches!(at(b, j), b'"' | b'\'') {
                    return None;
                }
                true
            }
            _ => return None,
        };
        if colon || spaced || at(b, i) == b'>' {
            i = run(b, i, |c| c == b' ' || c == b'\t');
        }
        let q = at(b, i);
        if q == b'"' || q == b'\'' || q == b'`' {
            let vs = i + 1;
            match closing_quote(b, vs, q) {
                Close::At(j) => return Some((vs, j, false)),
                Close::Open => self.open_quote = true,
                Close::Missing => {}
            }
            // An unterminated quote (a truncated log line): the value is the rest of the line.
            match self.rest_of_line(vs, q) {
                Rest::Value(e) => return Some((vs, e, false)),
                Rest::None => return None,
                // A quote further on, or the line's tries used up: the bare word after the
                // quote, as on a line too long for a value.
                Rest::QuoteFurther | Rest::TriesUsed => return self.bare_value(vs),
                Rest::TooLong => {}
            }
            // A line too long for that: the bare word after the quote, whether the quote closes
            // further on (a quoted string longer than any value) or never. A refused quoted
            // value leads to the same word (`key_value`), so whether the string is 500 or 520
            // bytes long, which a redaction inside it changes, decides nothing (found by the
            // `redact` fuzz target: redacting twice redacted more).
            i += 1;
        }
        self.bare_value(i)
    }

    /// The value of a quote opened before `vs` that does not close on its line: the rest of
    /// the line, trimmed, when it fits the value window. What follows decides as a line longer
    /// than the window does whenever it can (a quote further on, the bare word), so that a
    /// redaction inside the line, which changes its length, changes nothing here (found by the
    /// `redact` fuzz target).
    fn rest_of_line(&mut self, vs: usize, q: u8) -> Rest {
        let b = self.b;
        let lim = vs + VALUE_MAX + 1;
        let le = self.next_byte(b'\n', vs, lim).unwrap_or(lim.min(b.len()));
        if le - vs > VALUE_MAX {
            return Rest::TooLong;
        }
        // An escaped quote further on the line: a quoted string (see `kv_value`).
        if self.next_byte(q, vs, le).is_some() {
            return Rest::QuoteFurther;
        }
        let mut e = le;
        while e > vs && matches!(b[e - 1], b'\r' | b' ' | b'\t') {
            e -= 1;
        }
        count(le - e);
        if e == vs {
            return Rest::None;
        }
        if self.try_run(Slot::RestOfLine, e, 8) {
            Rest::Value(e)
        } else {
            Rest::TriesUsed
        }
    }

    /// A bare value starting at `vs`: a bracketed run up to its closer on the line, or the run
    /// up to whitespace or a delimiter; `bare` is false for the bracketed one.
    fn bare_value(&mut self, vs: usize) -> Option<(usize, usize, bool)> {
        let b = self.b;
        // `[Password-3f9a1c2b7d4e5f6071]`, `<redacted>`, `{{ x }}`: a bracketed value runs to its closer on
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
                // Keys inside one bracketed run share its closer: try a few, then the bare run
                // (as with no closer).
                if self.try_run(Slot::Bracket, k, 8) {
                    return Some((vs, k + 1, false));
                }
            }
        }
        self.bare_run(vs)
    }

    /// The bare run at `vs`: up to white space or a delimiter, at most [`VALUE_MAX`] bytes.
    fn bare_run(&mut self, vs: usize) -> Option<(usize, usize, bool)> {
        let j = self.run_memo(Slot::Bare, vs);
        if j - vs > VALUE_MAX {
            return None;
        }
        Some((vs, j, true))
    }

    /// The text of `<key>…</key>` after the key's `>` at `gt`: up to the next `<` within
    /// [`VALUE_MAX`], trimmed of the white space around it (it may stand on lines of its own).
    fn xml_value(&mut self, gt: usize) -> Option<(usize, usize, bool)> {
        let b = self.b;
        let is = ident_start(b, gt)?;
        if before(b, is) != b'<' {
            return None;
        }
        let lim = (gt + 1 + VALUE_MAX).min(b.len());
        let lt = gt + 1 + memchr::memchr(b'<', &b[gt + 1..lim])?;
        count(lt - gt);
        // At most two line breaks inside (after the tag, before the closing tag): what a rescan
        // of the lines around an edit widens over (`open_element` in lib.rs).
        if at(b, lt + 1) != b'/' || memchr::memchr_iter(b'\n', &b[gt + 1..lt]).count() > 2 {
            return None;
        }
        let mut vs = gt + 1;
        let mut ve = lt;
        while vs < ve && b[vs].is_ascii_whitespace() {
            vs += 1;
        }
        while ve > vs && b[ve - 1].is_ascii_whitespace() {
            ve -= 1;
        }
        (ve > vs).then_some((vs, ve, false))
    }

    pub(super) fn pem(&mut self, s: usize, ke: usize) {
        let b = self.b;
        if &b[s..s + 5] != b"-----" || &b[s + 5..ke - 1] != b"BEGIN" {
            return;
        }
        // Dashes shared with the armor line before (`…KEY--------BEGIN`: eight where two lines
        // take ten) are that line's: the key starts after them. Which line took them was decided
        // by the finding before, and once that one was `[PrivateKey]` inside its kept armor, the
        // BEGIN took them and the rescan found a key beside the replacement (found by the
        // `redact` fuzz target).
        let mut j = s;
        while j > 0 && s - j < 8 && b[j - 1] == b'-' {
            j -= 1;
        }
        let start =
            if s + 5 - j < 10 && (b[..j].ends_with(b"KEY") || b[..j].ends_with(b"KEY BLOCK")) {
                j + 5
            } else {
                s
            };
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
        // Our own tags in the body (`[Phone-67cfb9…]`) are no evidence of a key: they stand
        // where a redaction was, and a pseudonym's hex would otherwise make a body that was too
        // short for a key one after redaction (found by the `redact` fuzz target). Skipping them,
        // a redaction can only lower the count.
        let mut b64 = 0;
        let mut i = 0;
        while i < body.len() {
            let c = body[i];
            if c == b'[' {
                if let Some(e) = crate::validate::tag_end(body, i) {
                    i = e;
                    continue;
                }
            }
            if alnum(c) || matches!(c, b'+' | b'/' | b'=') {
                b64 += 1;
            }
            i += 1;
        }
        if b64 < 32 {
            return;
        }
        self.push(PiiType::PrivateKey, start, es + label.len() + 5);
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

/// Does `v` hold `word = "…`, `word := `…`, `word: '…` (a word, an assignment, a quote)?
fn holds_quoted_assignment(v: &[u8]) -> bool {
    let mut from = 0;
    while let Some(k) = memchr::memchr2(b'=', b':', &v[from..]).map(|k| from + k) {
        from = k + 1;
        // Back over the operator's other bytes and spaces to a word.
        let mut i = k;
        while i > 0 && matches!(v[i - 1], b':' | b'=' | b' ' | b'\t') {
            i -= 1;
        }
        if i == 0 || !(alnum(v[i - 1]) || v[i - 1] == b'_') {
            continue;
        }
        // On over the operator and spaces to a quote.
        let mut j = k + 1;
        while j < v.len() && matches!(v[j], b'=' | b' ' | b'\t') {
            j += 1;
        }
        if j < v.len() && matches!(v[j], b'"' | b'\'' | b'`') {
            return true;
        }
        if j >= v.len() && v[j - 1] == b' ' {
            // (The value ends at the other value's quote: `… Token := ` then the closer; not
            // base64's `==` padding.)
            return true;
        }
    }
    false
}

/// Does `v` hold a PEM armor line's dashes and BEGIN or END anywhere?
fn holds_armor(v: &[u8]) -> bool {
    armor_at(v).is_some()
}

/// The run `[s, e)` cut before the first PEM armor in it, and whether it was.
pub(super) fn armor_cut(b: &[u8], s: usize, e: usize) -> (usize, bool) {
    match armor_at(&b[s..e]) {
        Some(k) => (s + k, true),
        None => (e, false),
    }
}

/// Where the first PEM armor (`-----BEGIN`, `-----END`) in `v` starts. (Asked of every
/// finding: one search for the dashes, which most values do not hold.)
fn armor_at(v: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = memchr::memmem::find(&v[from..], b"-----") {
        let d = from + k;
        let rest = &v[d + 5..];
        if rest.starts_with(b"BEGIN") || rest.starts_with(b"END") {
            return Some(d);
        }
        from = d + 1;
    }
    None
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
        if breaks > 0 && !ends_a_value(at(b, k + 1)) {
            return Close::Missing;
        }
        return Close::At(k);
    }
}

/// Can `c`, after a quote on the line below a quoted value's start, follow the value's end?
/// White space, the end of the text, and punctuation that ends a string (`,` `;` `)` `]` `}`
/// `>` `.` and the like) can; a letter or digit (the quote opens a word: `"ab⏎"cd`) cannot, and
/// neither can any character a finding or its replacement may begin with (`[`, `*`, `(`, `<`,
/// `{`, `+`, `-`, `:`, `$`, `@`, non-ASCII): otherwise redacting a value just after that quote
/// (`"AKIA…"` → `"[AWSKey]"`) would close a value the first pass left open, and the second
/// pass would find more (found by the `redact` fuzz target).
fn ends_a_value(c: u8) -> bool {
    matches!(
        c,
        0 | b' '
            | b'\t'
            | b'\r'
            | b'\n'
            | b','
            | b';'
            | b'.'
            | b')'
            | b']'
            | b'}'
            | b'>'
            | b'"'
            | b'\''
            | b'`'
            | b'|'
            | b'&'
            | b'!'
            | b'?'
            | b'='
            | b'/'
            | b'\\'
    )
}

/// Does `b[from..i]` end with one of the catalog's key names (any case)?
fn ends_with_key_name(b: &[u8], from: usize, i: usize) -> bool {
    KEYS.by_last
        .get(b[i - 1].to_ascii_lowercase() as usize)
        .is_some_and(|group| {
            group.iter().any(|k| {
                let n = k.name.len();
                n <= i - from && b[i - n..i].eq_ignore_ascii_case(&k.name)
            })
        })
}

/// Start of the identifier (`[A-Za-z0-9_.-]`) that ends at `we`: its last 64 bytes at most.
/// A longer run is cut, not refused: a run glued to a token that a redaction shortens
/// (`ghs_…76 bytes….12.0435password=`, then `[GitHubToken].12.0435password=`) must name the
/// same key before and after (found by the `redact` fuzz target: a refused long run was no key,
/// and its short rest after the tag was a password's).
fn ident_start(b: &[u8], we: usize) -> Option<usize> {
    let mut i = we;
    while i > 0 && we - i < 64 && (alnum(b[i - 1]) || matches!(b[i - 1], b'_' | b'-' | b'.')) {
        i -= 1;
    }
    count(we - i);
    ident_first_letter(b, i, we)
}

/// A key starts with a letter or `_` (`-x-api-key` is `x-api-key`; `.5=` is no key).
#[inline]
fn ident_first_letter(b: &[u8], mut i: usize, we: usize) -> Option<usize> {
    while i < we && !(b[i].is_ascii_alphabetic() || b[i] == b'_') {
        i += 1;
    }
    (i < we).then_some(i)
}

/// Slots of the key-name memo (a power of two).
pub(super) const NAME_MEMO: usize = 64;

/// A key name classified earlier in this scan: where it is in the text, and its class.
#[derive(Clone, Copy, Default)]
pub(super) struct NameMemo {
    start: u32,
    len: u8,
    class: Option<KeyClass>,
}

impl Scan<'_, '_> {
    /// [`keyname::classify`] of the identifier `[is, we)`, remembered per scan: a log repeats
    /// its key names (the same class names before `:` on every line), and the classifier
    /// cuts each one into words. A slot is found by the name's length and its first and last
    /// eight bytes, and holds where the name was seen, so a hit is checked by comparing bytes.
    #[inline]
    fn classify_memo(&mut self, is: usize, we: usize) -> Option<KeyClass> {
        let b = self.b;
        let id = &b[is..we];
        if id.is_empty() || id.len() > 64 || is > u32::MAX as usize {
            return keyname::classify(id);
        }
        // (Short names are checked faster than they are looked up.)
        if id.len() < 8 && !keyname::may_name_secret(id) {
            return None;
        }
        let word = |w: &[u8]| {
            let mut x = [0u8; 8];
            x[..w.len()].copy_from_slice(w);
            u64::from_le_bytes(x)
        };
        let n = id.len().min(8);
        let (head, tail) = (word(&id[..n]), word(&id[id.len() - n..]));
        let h = (head ^ tail.rotate_left(23) ^ id.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = (h >> (64 - NAME_MEMO.trailing_zeros())) as usize;
        let m = self.names[slot];
        let ms = m.start as usize;
        if m.len as usize == id.len() && m.len > 0 && b[ms..ms + id.len()] == *id {
            count(1);
            return m.class;
        }
        let class = keyname::classify(id);
        self.names[slot] = NameMemo {
            start: is as u32,
            len: id.len() as u8,
            class,
        };
        class
    }

    /// [`ident_start`] by one bit scan of the current block's identifier mask, when the
    /// identifier starts inside the block (most do: this ran at every key end, and dotted
    /// class names before a `:` are long).
    #[inline]
    fn ident_start_at(&self, we: usize) -> Option<usize> {
        let base = self.blk_base;
        if we > base && we - base <= 64 {
            let p = we - base;
            let before_we = if p == 64 { u64::MAX } else { (1u64 << p) - 1 };
            let other = !self.blk_ident & before_we;
            if other != 0 {
                let i = base + 64 - other.leading_zeros() as usize;
                count(1);
                return ident_first_letter(self.b, i, we);
            }
        }
        ident_start(self.b, we)
    }
}

/// Type names that may stand between a key and its `=` (`var token string = "…"`).
fn is_type_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"string"
            | b"String"
            | b"str"
            | b"var"
            | b"const"
            | b"let"
            | b"val"
            | b"auto"
            | b"any"
            | b"object"
            | b"Object"
            | b"char"
            | b"bytes"
            | b"text"
    )
}

/// End of a Slack webhook's path after `hooks.slack.com` ending at `e`:
/// `/services/…`, `/workflows/…` or `/triggers/…` and at least 20 characters of it.
pub(super) fn slack_webhook_end(b: &[u8], e: usize) -> Option<usize> {
    let rest = &b[e..];
    let kind = [&b"/services/"[..], b"/workflows/", b"/triggers/"]
        .into_iter()
        .find(|k| rest.starts_with(k))?;
    let ps = e + kind.len();
    let pe = run(b, ps, |c| {
        alnum(c) || matches!(c, b'/' | b'_' | b'-' | b'+')
    });
    (pe >= ps + 20).then_some(pe)
}

/// A command-line argument at `s`: quoted (`'…'`, `"…"`, up to the closing quote) or bare (up
/// to a blank), and a bare one may hold quoted parts (`"{id}":"{secret}"`, `kevin:'p4ss'`).
fn arg_value(b: &[u8], s: usize) -> Option<(usize, usize)> {
    let lim = (s + VALUE_MAX).min(b.len());
    let mut j = s;
    let mut q = 0u8;
    while j < lim {
        let c = b[j];
        if q != 0 {
            if c == q {
                q = 0;
            } else if c == b'\n' {
                return None;
            }
        } else if c == b'"' || c == b'\'' {
            q = c;
        } else if c.is_ascii_whitespace() {
            break;
        }
        j += 1;
    }
    count(j - s);
    // Stopped by the length limit inside a value, not at its end: none of ours (and cut there,
    // the span could split a character: found by the `config` fuzz target).
    if q != 0 || j == s || (j == lim && lim < b.len()) {
        return None;
    }
    // Outer quotes are not part of the value.
    let (mut vs, mut ve) = (s, j);
    if ve - vs >= 2 && matches!(b[vs], b'"' | b'\'') && b[ve - 1] == b[vs] {
        vs += 1;
        ve -= 1;
    }
    (ve > vs).then_some((vs, ve))
}

/// The span of the credentials in a `user:pass` argument, if it holds a secret: a password
/// (or, with no password, a user part that is one: `-u "d2LkV78zLx!t:"`) that is no
/// placeholder (`$PASSWORD`, `${p}`, `<pass>`, `[PASSWORD]`, `{{ p }}`, `$(cat pw)`), no plain
/// word (`test`, `token`, `yyy`) and not the user name again (`test:test`).
fn user_pass(v: &[u8]) -> Option<(usize, usize)> {
    let c = v.iter().position(|&x| x == b':')?;
    let strip = |x: &[u8]| -> Vec<u8> {
        x.iter()
            .copied()
            .filter(|&c| c != b'"' && c != b'\'')
            .collect()
    };
    // A literal in single braces (`"{ZqL5kVrX1n8tA2}"`) is the literal.
    let unbrace = |x: Vec<u8>| -> Vec<u8> {
        if x.len() > 2 && x[0] == b'{' && x[x.len() - 1] == b'}' && x[1] != b'{' {
            x[1..x.len() - 1].to_vec()
        } else {
            x
        }
    };
    let user = unbrace(strip(&v[..c]));
    let pass = unbrace(strip(&v[c + 1..]));
    let secret = if pass.is_empty() { &user } else { &pass };
    let shell_var = |x: &[u8]| {
        x.first() == Some(&b'$')
            || memchr::memmem::find(x, b"${").is_some()
            || memchr::memmem::find(x, b"$(").is_some()
    };
    if secret.is_empty()
        || is_placeholder(secret)
        || shell_var(secret)
        || (!pass.is_empty() && pass == user)
    {
        return None;
    }
    let letters_only = secret.iter().all(u8::is_ascii_alphabetic);
    let mixed =
        secret.iter().any(u8::is_ascii_uppercase) && secret.iter().any(u8::is_ascii_lowercase);
    if secret.len() < 6 || (letters_only && !(secret.len() >= 12 && mixed)) {
        return None;
    }
    if shell_var(&user) || (v.contains(&b'<') && v.contains(&b'>')) {
        return None;
    }
    Some((0, v.len()))
}

#[cfg(test)]
mod tests {
    use crate::types::PiiType;

    /// `(type, line, value)`: scanning `line` must report `value` (at its first occurrence) as
    /// `type`, with exactly that span.
    #[rustfmt::skip]
    const POSITIVES: &[(PiiType, &str, &str)] = &[
        // `X-…-Key` and `X-…-Token` headers
        (PiiType::ApiKey, "X-Vault-Key: Zf3D0L5wq1rXhG9mK2tY", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "-H 'X-Auth-Token: Zf3D0L5wq1rXhG9mK2tY'", "Zf3D0L5wq1rXhG9mK2tY"),
        // long command-line flags with a secret's name and a separate value
        (PiiType::ApiKey, "./app --api-key Zf3D0L5wq1rXhG9mK2tY --verbose", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "cli --client-secret 'Zf3D0L5wq1rXhG9mK2tY' run", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::Password, "db --db-password \"Qw3rty!Zx9vB\"", "Qw3rty!Zx9vB"),
        (PiiType::AwsSecretKey, "aws --aws-secret-key t8Vz2QmL0pR6xN4cJ1wYb7HsK9dF3gE5aU/Xq+Zo", "t8Vz2QmL0pR6xN4cJ1wYb7HsK9dF3gE5aU/Xq+Zo"),
        // generic secrets by key-name pattern, in every syntax
        (PiiType::ApiKey, "session_token: Zf3D0L5wq1rXhG9mK2tYdA==", "Zf3D0L5wq1rXhG9mK2tYdA=="),
        (PiiType::ApiKey, "genericToken=\"Zf3D0L5wq1rXhG9mK2tY\"", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "generic_TOKEN := \"Zf3D0L5wq1rXhG9mK2tY\"", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "generic_TOKEN ::= \"Zf3D0L5wq1rXhG9mK2tY\"", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "generic_TOKEN ?= \"Zf3D0L5wq1rXhG9mK2tY\"", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "$genericToken .= \"Zf3D0L5wq1rXhG9mK2tY\"", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "  \"genericToken\" => \"Zf3D0L5wq1rXhG9mK2tY\"", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "genericToken := `Zf3D0L5wq1rXhG9mK2tY`", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "var genericToken string = \"Zf3D0L5wq1rXhG9mK2tY\"", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "<genericToken>\n    Zf3D0L5wq1rXhG9mK2tY\n</genericToken>", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "System.setProperty(\"GENERIC_TOKEN\", \"Zf3D0L5wq1rXhG9mK2tY\")", "Zf3D0L5wq1rXhG9mK2tY"),
        (PiiType::ApiKey, "some_api_token_123 = \"3lhHoyyY3IFj8JBmTwzNrOnFeRtwx\"", "3lhHoyyY3IFj8JBmTwzNrOnFeRtwx"),
        (PiiType::ApiKey, "creds = vWPYkqCKCmpZUluyy87pH9Va7CTlIi", "vWPYkqCKCmpZUluyy87pH9Va7CTlIi"),
        (PiiType::ApiKey, "mySecretString=pYLpEtfaroSRMOznCb9TqRN3fCYnOs", "pYLpEtfaroSRMOznCb9TqRN3fCYnOs"),
        (PiiType::ApiKey, "\"credentials\" : \"0afae57f3ccfd9d7f5767067bc48b30f\"", "0afae57f3ccfd9d7f5767067bc48b30f"),
        (PiiType::Password, "PGPASSWORD=Zq9xTr42 psql", "Zq9xTr42"),
        (PiiType::Password, "password_super_secure: 'h4x0r-Pl4nt'", "h4x0r-Pl4nt"),
        // URL with an empty user name
        (PiiType::UrlCredentials, "redis://:s3cret99@cache:6379/0", ":s3cret99"),
        // auth headers and command lines
        (PiiType::Password, "curl -H 'Authorization: Basic YnJvd3Nlcjo=' x", "YnJvd3Nlcjo="),
        (PiiType::ApiKey, "-H \"Authorization: Token 22cb987851bc5659229114c62e60c79abd0d2c08\"", "22cb987851bc5659229114c62e60c79abd0d2c08"),
        (PiiType::ApiKey, "Proxy-Authorization: Api-Token 9f8e7d6c5b4a39281706", "9f8e7d6c5b4a39281706"),
        (PiiType::Password, "curl -u developer:yqDVtkqPECriaLRi https://x", "developer:yqDVtkqPECriaLRi"),
        (PiiType::Password, "curl --user 'johns:h0pk1ns~21s' $URL", "johns:h0pk1ns~21s"),
        (PiiType::Password, "curl -u \":d2LkV78zLx!t\" https://localhost:9200", ":d2LkV78zLx!t"),
        (PiiType::Password, "curl --cacert ca.crt -u elastic:P@ssw0rd$1 https://x", "elastic:P@ssw0rd$1"),
        (PiiType::Password, "mysql -u root -pZq9xTr42 orders", "Zq9xTr42"),
        (PiiType::Password, "sshpass -p 'Zq9xTr42' ssh deploy@host", "Zq9xTr42"),
        (PiiType::Password, "run --password Zq9xTr42 --verbose", "Zq9xTr42"),
        (PiiType::UrlCredentials, "db postgres://admin:s3cr3t@db.example.com:5432/x", "admin:s3cr3t"),
        (PiiType::UrlCredentials, "https://user:p%40ss@10.0.0.7/", "user:p%40ss"),
        (PiiType::BearerToken, "Authorization: Bearer abcDEF123456ghiJKL789", "abcDEF123456ghiJKL789"),
        (PiiType::ApiKey, "Authorization: Digest username=\"Mufasa\", realm=\"http-auth@example.org\", uri=\"/dir/index.html\", algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, response=\"8ca523f5e9506fed4657c9700eebdbec\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
         "8ca523f5e9506fed4657c9700eebdbec"),
        (PiiType::ApiKey, "proxy-authorization: digest username=\"u\", response=753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1, nonce=\"x\"",
         "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
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
        // a word that introduces a version is no password (nor is the version an address)
        "passwd: version 14.1.2.83 installed",
        "secret=release 2.4.0.1",
        // a key's armor after a password key, its body redacted: no password
        "pwd=-----BEGIN RSA PRIVATE KEY-----\n[PrivateKey]\n-----END RSA PRIVATE KEY-----",
        "secret: -----END PRIVATE KEY----- next",
        // Hadoop's "Executing with tokens:" before a key=value of its own: not a token's value.
        "MRAppMaster: Executing with tokens: owner=frank.review",
        // a chain of JWT-shaped parts is no JWT, neither whole nor any three parts of it
        "eyJhIjozfQ.f1J9.eyJjIjozfQ.hxnT.",
        "x eyJhIjoxLCJiIjoyLCJjIjozfQ.f1J9.eyJjIjozfQ.hxhGV9nT.dozjgNryP4J3jVmN y",
        "token=Token{78af589 ActivityRecord{3b04890}}",
        "Bad activity token: android.os.BinderProxy@2bd79ce",
        "Session: 30546173_4261722401 initialized",
        "sessionid: 0x14ed93111f20000",
        "  keyVaultToStoreSecrets: cmp2-qat-1208358310",
        "nonMatchingToken := \"task_test_c1ff512tg8tty16uhj6sgke6dr2qor\"",
        "(using password: YES)",
        "PuttyPassword=0",
        "passwordFile=/etc/app/pw token_url=/oauth/token secret_name=db-creds",
        "curl -i -u 'test:test'",
        "curl -u \"$1:$2\" x",
        "curl -u <user:password> https://localhost/endpoint",
        "curl --user neo4j:[PASSWORD] http://x",
        "curl -u username:token",
        "curl -u \"${_username}:${_password}\"",
        "curl -k -u \"SRVC_JENKINS:${APPID}\"",
        "curl --user \"xxx:yyy\"",
        "curl http://127.0.0.1:5000/file --user user:pass --digest",
        "-H \"Authorization: Bearer XXXXXXXXXXXX\"",
        "-H \"Authorization: Token *******\"",
        "-H \"Authorization: Basic ...\"",
        // a Digest challenge's parameters name the credential, they are none; a truncated or
        // masked response is no hash
        "WWW-Authenticate: Digest realm=\"api\", qop=\"auth\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
        "Authorization: Digest username=\"u\", response=\"6629fae4\"",
        "Authorization: Digest username=\"u\", response=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
        "listen -p 8080 and -p8443",
        "./app --password-file /etc/pw --token-url https://x/oauth/token",
        "X-Idempotency-Key: dafa7817-e246-48f3-91a7-e87653d587b8",
        "X-Cache-Key: 9f8e7d6c5b4a39281706abcd",
        "./app --api-key --verbose",
        "./app --api-key $API_KEY --token ${TOKEN} --secret <secret>",
        "./app --token-count 42 --secret-length 12",
        "tool --auth ok --session new",
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
        "user [Email-3f9a1c2b7d4e5f6071] password=[Password-0a1b2c] token ghp_****",
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
