//! Is a key name a secret's name? Not by a fixed list: the identifier before an assignment is
//! cut into its words (snake, kebab, dotted, camel and upper case: `db_password`,
//! `x-api-key`, `mySecretString`, `GENERIC_TOKEN`, `APIKey`), and it names a secret when one of
//! its words is a secret's word (`password`, `secret`, `token`, `credentials`, `auth`, an
//! `api`/`access`/`private`… `key` …) and its last word does not say it names something about
//! the secret instead of the secret itself (`passwordFile`, `token_url`, `secret_name`,
//! `key_id`, `public_key`).

use super::wordset::WordMap;

/// What kind of secret a key names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyClass {
    /// `password`, `passwd`, `pwd`, `pass`, `passphrase` …
    Password,
    /// `secret`, `token`, `credentials`, `auth`, `api_key`, `session` …
    Secret,
    /// An AWS secret key under any name (`aws` and `secret` in it).
    AwsSecret,
}

/// At most this many words are looked at (from the end).
const MAX_WORDS: usize = 8;

/// Words of `ident` (lower-cased into `buf`), as ranges into `buf`, last word last.
fn words(ident: &[u8], buf: &mut [u8; 64]) -> ([(u8, u8); MAX_WORDS], usize) {
    let n = ident.len().min(64);
    let id = &ident[ident.len() - n..];
    for (d, s) in buf.iter_mut().zip(id) {
        *d = s.to_ascii_lowercase();
    }
    let mut out = [(0u8, 0u8); MAX_WORDS];
    let mut k = 0;
    let push = |s: usize, e: usize, out: &mut [(u8, u8); MAX_WORDS], k: &mut usize| {
        if e > s {
            if *k == MAX_WORDS {
                out.copy_within(1.., 0);
                *k -= 1;
            }
            out[*k] = (s as u8, e as u8);
            *k += 1;
        }
    };
    let mut s = 0;
    for i in 0..n {
        let c = id[i];
        if !c.is_ascii_alphanumeric() {
            push(s, i, &mut out, &mut k);
            s = i + 1;
            continue;
        }
        if i > s {
            let p = id[i - 1];
            let boundary = (p.is_ascii_lowercase() && c.is_ascii_uppercase())
                // `APIKey`: the last capital of a run starts the next word
                || (p.is_ascii_uppercase()
                    && c.is_ascii_uppercase()
                    && id.get(i + 1).is_some_and(u8::is_ascii_lowercase))
                || (p.is_ascii_alphabetic() != c.is_ascii_alphabetic());
            if boundary {
                push(s, i, &mut out, &mut k);
                s = i;
            }
        }
    }
    push(s, n, &mut out, &mut k);
    (out, k)
}

const PASSWORD_WORDS: &[&[u8]] = &[
    b"password",
    b"passwords",
    b"passwd",
    b"pass",
    b"pwd",
    b"passphrase",
    b"passcode",
    b"pw",
    b"pword",
];

/// Words that name a secret on their own.
const SECRET_WORDS: &[&[u8]] = &[
    b"secret",
    b"secrets",
    b"token",
    b"tokens",
    b"apikey",
    b"apikeys",
    b"credential",
    b"credentials",
    b"creds",
    b"cred",
    b"auth",
    b"authorization",
    b"authtoken",
    b"accesstoken",
    b"refreshtoken",
    b"privatekey",
    b"privkey",
    b"secretkey",
    b"accesskey",
    b"clientsecret", // (Not a bare `session`: `Session: 30546174_44629559` (Windows CBS), `session 12
    // opened` (sshd) name sessions, they are no credentials; `session_id=`, `sessionid`,
    // `JSESSIONID` are the cookie's value.)
    b"sessionid",
    b"sessiontoken",
    b"jsessionid",
    b"phpsessid",
    b"cookie",
    b"bearer",
    b"otp",
];

/// Words before `key` that make it a secret (`api_key`, `private-key`, `accessKey`).
const QUALIFIER_WORDS: &[&[u8]] = &[
    b"api",
    b"access",
    b"private",
    b"secret",
    b"client",
    b"signing",
    b"encryption",
    b"master",
    b"app",
    b"license",
    b"licence",
    b"consumer",
    b"shared",
    b"service",
    b"account",
    b"subscription",
    b"auth",
    b"admin",
    b"hmac",
    b"priv",
    b"x",
    b"storage",
    b"webhook",
];

/// Last words that say the key names something about the secret, not the secret.
const META_WORDS: &[&[u8]] = &[
    b"id",
    b"ids",
    b"name",
    b"names",
    b"file",
    b"files",
    b"filename",
    b"path",
    b"dir",
    b"url",
    b"uri",
    b"endpoint",
    b"host",
    b"type",
    b"types",
    b"length",
    b"len",
    b"size",
    b"count",
    b"enabled",
    b"enable",
    b"disabled",
    b"required",
    b"policy",
    b"version",
    b"format",
    b"expires",
    b"expiry",
    b"expiration",
    b"expire",
    b"ttl",
    b"time",
    b"date",
    b"timeout",
    b"age",
    b"field",
    b"header",
    b"prefix",
    b"suffix",
    b"min",
    b"max",
    b"rotation",
    b"store",
    b"storetype",
    b"alias",
    b"location",
    b"provider",
    b"method",
    b"mode",
    b"algorithm",
    b"alg",
    b"scope",
    b"scopes",
    b"audience",
    b"issuer",
    b"manager",
    b"label",
    b"description",
    b"hint",
    b"placeholder",
    b"changed",
    b"updated",
    b"created",
    b"reset",
    b"index",
    b"idx",
    b"source",
    b"env",
    b"var",
    b"param",
    b"regex",
    b"pattern",
    b"status",
    b"state",
    b"valid",
    b"invalid",
    b"error",
    b"errors",
    b"fail",
    b"failed",
    b"failure",
    b"success",
    b"ok",
    b"check",
    b"strength",
    b"complexity",
    b"policies",
    b"attempts",
    b"retries",
    b"limit",
    b"renew",
    b"refresh",
    b"usage",
    b"used",
    b"class",
    b"kind",
    b"service",
    b"server",
    b"port",
    b"user",
    b"username",
    b"login",
    b"email",
    b"mail",
    b"text",
    b"message",
    b"msg",
    b"prompt",
    b"question",
    b"answer",
    b"cache",
    b"generator",
    b"validator",
    b"encoder",
    b"hasher",
    b"handler",
    b"filter",
    b"fingerprint",
    b"sha",
    b"md",
    b"ref",
    b"arn",
];

/// Words before the secret word that say it is not one (`public_key`, `csrf_token`).
const PUBLIC_WORDS: &[&[u8]] = &[
    b"public",
    b"pub",
    b"publishable",
    b"csrf",
    b"xsrf",
    b"foreign",
    b"primary",
    b"partition",
    b"sort",
    b"bucket",
    b"cache",
    b"idempotency",
    b"lookup",
    b"sequence",
    b"schema",
    b"next",
    b"page",
    b"pagination",
    b"continuation",
    b"cursor",
    b"sync",
    b"device",
    b"registration",
    b"push",
    b"fcm",
    b"has",
    b"is",
    b"no",
    b"use",
    b"using",
    b"require",
    b"requires",
    b"forgot",
    b"change",
    b"new",
    b"old",
    b"confirm",
    b"invalid",
    b"wrong",
    b"bad",
    b"empty",
    b"missing",
    b"expired",
];

/// Kinds of key that name a record, not a credential: an `X-…-Key` header (`X-Vault-Key`,
/// `X-Gateway-Key` are secrets) with one of these before `Key` is none
/// (`X-Idempotency-Key`, `X-Cache-Key`).
const LOOKUP_WORDS: &[&[u8]] = &[
    b"idempotency",
    b"request",
    b"cache",
    b"correlation",
    b"routing",
    b"partition",
    b"sort",
    b"primary",
    b"foreign",
    b"public",
    b"dedup",
    b"dedupe",
    b"deduplication",
    b"lock",
    b"object",
    b"shard",
    b"hash",
    b"event",
    b"message",
    b"trace",
];

const PREPOSITION_WORDS: &[&[u8]] = &[b"to", b"for", b"from", b"of", b"with", b"in", b"by"];

/// Words before the secret word that make the key name no secret's: stand-ins, and
/// prepositions (the key names something related to the secret).
const NEGATING_WORDS: &[&[u8]] = &[
    b"fake", b"dummy", b"mock", b"example", b"sample", b"bogus", b"non", b"to", b"for", b"from",
    b"of", b"with", b"in", b"by",
];

/// Words that do not change what a key names when they end it (`api_token_123`,
/// `mySecretString`, `todo_secret_do_not_commit`).
const FILLER_WORDS: &[&[u8]] = &[
    b"string", b"str", b"value", b"val", b"do", b"not", b"commit", b"here", b"b64", b"base64",
    b"hex", b"raw", b"plain", b"clear", b"text", b"encoded", b"enc", b"super", b"secure", b"final",
    b"prod", b"dev", b"test", b"staging", b"live", b"env", b"var",
];

const PASSWORD: u16 = 1;
const SECRET: u16 = 2;
const QUALIFIER: u16 = 4;
const META: u16 = 8;
const PUBLIC: u16 = 16;
const LOOKUP: u16 = 32;
const PREPOSITION: u16 = 64;
const NEGATING: u16 = 128;
const FILLER: u16 = 256;
// (Single words the rules name.)
const KEY: u16 = 512;
const ID: u16 = 1024;
const SESSION: u16 = 2048;
const X: u16 = 4096;
const AWS: u16 = 8192;

/// Every list above in one table: one lookup per word answers every question about it.
static WORDS: WordMap = WordMap::from_lists(&[
    (PASSWORD_WORDS, PASSWORD),
    (SECRET_WORDS, SECRET),
    (QUALIFIER_WORDS, QUALIFIER),
    (META_WORDS, META),
    (PUBLIC_WORDS, PUBLIC),
    (LOOKUP_WORDS, LOOKUP),
    (PREPOSITION_WORDS, PREPOSITION),
    (NEGATING_WORDS, NEGATING),
    (FILLER_WORDS, FILLER),
    (&[b"key"], KEY),
    (&[b"id"], ID),
    (&[b"session"], SESSION),
    (&[b"x"], X),
    (&[b"aws"], AWS),
]);

#[inline]
fn flags(w: &[u8]) -> u16 {
    WORDS.get(w)
}

/// Does `ident` hold, in any case, a part of every word [`classify`] can take for a secret's
/// (`pass`, `pw`, `secret`, `token`, `key`, `cred`, `auth`, `sess`, `cookie`, `bearer`, `otp`)?
/// Most identifiers before a `=` or `:` in a log hold none: this is checked before cutting the
/// identifier into words, which cost a seventh of a whole scan of the loghub logs.
fn may_name_secret(id: &[u8]) -> bool {
    const PARTS: [&[u8]; 11] = [
        b"pass", b"pw", b"secret", b"token", b"key", b"cred", b"auth", b"sess", b"cookie",
        b"bearer", b"otp",
    ];
    /// For each byte, the second letters (bit `c - b'a'`) that make it with that byte the
    /// start of a part: one table look and one bit test per byte of the identifier.
    static NEXT: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut k = 0;
        while k < PARTS.len() {
            let bit = 1u32 << (PARTS[k][1] - b'a');
            t[PARTS[k][0] as usize] |= bit;
            t[PARTS[k][0].to_ascii_uppercase() as usize] |= bit;
            k += 1;
        }
        t
    };
    let mut want = 0u32;
    for (i, &c) in id.iter().enumerate() {
        let l = (c | 0x20).wrapping_sub(b'a');
        if l < 26 && want & (1 << l) != 0 {
            let rest = &id[i - 1..];
            if PARTS
                .iter()
                .any(|q| rest.len() >= q.len() && rest[..q.len()].eq_ignore_ascii_case(q))
            {
                return true;
            }
        }
        want = NEXT[c as usize];
    }
    false
}

/// Is `ident` (the whole identifier before the assignment) a secret's name, and which kind?
pub fn classify(ident: &[u8]) -> Option<KeyClass> {
    if ident.is_empty() || ident.len() > 64 || !may_name_secret(ident) {
        return None;
    }
    let mut buf = [0u8; 64];
    let (ws, n) = words(ident, &mut buf);
    if n == 0 {
        return None;
    }
    let w = |k: usize| &buf[ws[k].0 as usize..ws[k].1 as usize];
    // One lookup per word (see `WORDS`).
    let mut f = [0u16; MAX_WORDS];
    for (k, fk) in f.iter_mut().enumerate().take(n) {
        *fk = flags(w(k));
    }
    let has = |k: usize, flag: u16| f[k] & flag != 0;
    // Trailing numbers and filler words do not change what a key names
    // (`api_token_123`, `mySecretString`, `todo_secret_do_not_commit`).
    let mut end = n;
    while end > 1 {
        let x = w(end - 1);
        let filler = has(end - 1, FILLER) || x.iter().all(u8::is_ascii_digit);
        if filler && !has(end - 1, SECRET) {
            end -= 1;
        } else {
            break;
        }
    }
    // `access_token_for_user`: what follows a preposition after the secret's word says whose
    // secret it is, not what the key names.
    if let Some(p) = (1..end).find(|&j| has(j, PREPOSITION)) {
        if (0..p).any(|j| has(j, PASSWORD | SECRET)) {
            end = p;
        }
    }
    if has(end - 1, META) && !(has(end - 1, ID) && end >= 2 && has(end - 2, SESSION)) {
        return None;
    }
    let mut class = None;
    let mut aws = false;
    for k in 0..end {
        let x = w(k);
        aws |= has(k, AWS);
        // (All-caps and run-together names: `PGPASSWORD`, `MYSQLROOTPASSWORD`, `APPSECRET`.)
        let hit = if has(k, PASSWORD)
            || (x.len() > 8 && x.ends_with(b"password"))
            || (x.len() > 6 && x.ends_with(b"passwd"))
        {
            Some(KeyClass::Password)
        } else if has(k, SECRET)
            || (x.len() > 6 && (x.ends_with(b"secret") || x.ends_with(b"apikey")))
            || (x.len() > 5
                && x.ends_with(b"token")
                && !x.ends_with(b"csrftoken")
                && x != b"jsonwebtoken")
            || (has(k, KEY) && k > 0 && has(k - 1, QUALIFIER))
            || (has(k, KEY) && k + 1 == end && k >= 2 && has(0, X) && !has(k - 1, LOOKUP))
            || (has(k, ID) && k > 0 && has(k - 1, SESSION))
        {
            Some(KeyClass::Secret)
        } else {
            None
        };
        if let Some(h) = hit {
            if k > 0 && has(k - 1, PUBLIC) {
                return None;
            }
            // `fakeToken`, `nonMatchingToken`, `urlForToken`, `keyVaultToStoreSecrets`: a
            // stand-in, or a name for something related to a secret.
            if (0..k).any(|j| has(j, NEGATING)) {
                return None;
            }
            if k >= 2 && has(k, KEY) && has(k - 2, PUBLIC) {
                return None;
            }
            // A password word anywhere makes it a password; otherwise the first secret word.
            if h == KeyClass::Password || class.is_none() {
                class = Some(h);
            }
        }
    }
    match class {
        Some(KeyClass::Secret) if aws && ident_has(&buf[..ident.len().min(64)], b"secret") => {
            Some(KeyClass::AwsSecret)
        }
        c => c,
    }
}

fn ident_has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names() {
        use KeyClass::*;
        let cases: &[(&str, Option<KeyClass>)] = &[
            ("password", Some(Password)),
            ("db_password", Some(Password)),
            ("DB_PASSWORD", Some(Password)),
            ("dbPassword", Some(Password)),
            ("PuttyPassword", Some(Password)),
            ("password_super_secure", Some(Password)),
            ("pwd", Some(Password)),
            ("passwd", Some(Password)),
            ("MYSQL_ROOT_PASS", Some(Password)),
            ("PGPASSWORD", Some(Password)),
            ("X-Vault-Key", Some(Secret)),
            ("X-Gateway-Api-Key", Some(Secret)),
            ("x-partner-key", Some(Secret)),
            ("X-Idempotency-Key", None),
            ("X-Cache-Key", None),
            ("X-Key", Some(Secret)),
            ("monkey", None),
            ("sort_key", None),
            ("APPSECRET", Some(Secret)),
            ("api_key", Some(Secret)),
            ("x-api-key", Some(Secret)),
            ("apiKey", Some(Secret)),
            ("APIKey", Some(Secret)),
            ("API_KEY", Some(Secret)),
            ("genericToken", Some(Secret)),
            ("generic_TOKEN", Some(Secret)),
            ("GENERIC_TOKEN", Some(Secret)),
            ("some_api_token_123", Some(Secret)),
            ("mySecretString", Some(Secret)),
            ("todo_secret_do_not_commit", Some(Secret)),
            ("credentials", Some(Secret)),
            ("creds", Some(Secret)),
            ("user_auth", Some(Secret)),
            ("private-key", Some(Secret)),
            ("privateKey", Some(Secret)),
            ("client_secret", Some(Secret)),
            ("access_token", Some(Secret)),
            ("session_id", Some(Secret)),
            ("Session", None),
            ("session", None),
            ("JSESSIONID", Some(Secret)),
            ("aws_secret_access_key", Some(AwsSecret)),
            ("AWS_SECRET", Some(AwsSecret)),
            ("awsSecretKey", Some(AwsSecret)),
            // names about a secret, not the secret
            ("passwordFile", None),
            ("password_file", None),
            ("token_url", None),
            ("secret_name", None),
            ("access_key_id", None),
            ("public_key", None),
            ("publicKey", None),
            ("csrf_token", None),
            ("token_type", None),
            ("api_version", None),
            ("keyboard", None),
            ("monkey", None),
            ("author", None),
            ("key", None),
            ("primary_key", None),
            ("next_token", None),
            ("user", None),
            ("hostname", None),
            ("secret_length", None),
            ("password_expires", None),
            ("nonMatchingToken", None),
            ("keyVaultToStoreSecrets", None),
            ("fake_password", None),
            ("url_for_token", None),
            ("access_token_for_user", Some(Secret)),
            ("", None),
        ];
        for (k, want) in cases {
            assert_eq!(classify(k.as_bytes()), *want, "{k}");
        }
    }
}
