//! Is a key name a secret's name? Not by a fixed list: the identifier before an assignment is
//! cut into its words (snake, kebab, dotted, camel and upper case: `db_password`,
//! `x-api-key`, `mySecretString`, `GENERIC_TOKEN`, `APIKey`), and it names a secret when one of
//! its words is a secret's word (`password`, `secret`, `token`, `credentials`, `auth`, an
//! `api`/`access`/`private`… `key` …) and its last word does not say it names something about
//! the secret instead of the secret itself (`passwordFile`, `token_url`, `secret_name`,
//! `key_id`, `public_key`).

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

fn is_password_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"password"
            | b"passwords"
            | b"passwd"
            | b"pass"
            | b"pwd"
            | b"passphrase"
            | b"passcode"
            | b"pw"
            | b"pword"
    )
}

/// Words that name a secret on their own.
fn is_secret_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"secret"
            | b"secrets"
            | b"token"
            | b"tokens"
            | b"apikey"
            | b"apikeys"
            | b"credential"
            | b"credentials"
            | b"creds"
            | b"cred"
            | b"auth"
            | b"authorization"
            | b"authtoken"
            | b"accesstoken"
            | b"refreshtoken"
            | b"privatekey"
            | b"privkey"
            | b"secretkey"
            | b"accesskey"
            | b"clientsecret"
            // (Not a bare `session`: `Session: 30546174_44629559` (Windows CBS), `session 12
            // opened` (sshd) name sessions, they are no credentials; `session_id=`, `sessionid`,
            // `JSESSIONID` are the cookie's value.)
            | b"sessionid"
            | b"sessiontoken"
            | b"jsessionid"
            | b"phpsessid"
            | b"cookie"
            | b"bearer"
            | b"otp"
    )
}

/// Words before `key` that make it a secret (`api_key`, `private-key`, `accessKey`).
fn is_key_qualifier(w: &[u8]) -> bool {
    matches!(
        w,
        b"api"
            | b"access"
            | b"private"
            | b"secret"
            | b"client"
            | b"signing"
            | b"encryption"
            | b"master"
            | b"app"
            | b"license"
            | b"licence"
            | b"consumer"
            | b"shared"
            | b"service"
            | b"account"
            | b"subscription"
            | b"auth"
            | b"admin"
            | b"hmac"
            | b"priv"
            | b"x"
            | b"storage"
            | b"webhook"
    )
}

/// Last words that say the key names something about the secret, not the secret.
fn is_meta_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"id"
            | b"ids"
            | b"name"
            | b"names"
            | b"file"
            | b"files"
            | b"filename"
            | b"path"
            | b"dir"
            | b"url"
            | b"uri"
            | b"endpoint"
            | b"host"
            | b"type"
            | b"types"
            | b"length"
            | b"len"
            | b"size"
            | b"count"
            | b"enabled"
            | b"enable"
            | b"disabled"
            | b"required"
            | b"policy"
            | b"version"
            | b"format"
            | b"expires"
            | b"expiry"
            | b"expiration"
            | b"expire"
            | b"ttl"
            | b"time"
            | b"date"
            | b"timeout"
            | b"age"
            | b"field"
            | b"header"
            | b"prefix"
            | b"suffix"
            | b"min"
            | b"max"
            | b"rotation"
            | b"store"
            | b"storetype"
            | b"alias"
            | b"location"
            | b"provider"
            | b"method"
            | b"mode"
            | b"algorithm"
            | b"alg"
            | b"scope"
            | b"scopes"
            | b"audience"
            | b"issuer"
            | b"manager"
            | b"label"
            | b"description"
            | b"hint"
            | b"placeholder"
            | b"changed"
            | b"updated"
            | b"created"
            | b"reset"
            | b"index"
            | b"idx"
            | b"source"
            | b"env"
            | b"var"
            | b"param"
            | b"regex"
            | b"pattern"
            | b"status"
            | b"state"
            | b"valid"
            | b"invalid"
            | b"error"
            | b"errors"
            | b"fail"
            | b"failed"
            | b"failure"
            | b"success"
            | b"ok"
            | b"check"
            | b"strength"
            | b"complexity"
            | b"policies"
            | b"attempts"
            | b"retries"
            | b"limit"
            | b"renew"
            | b"refresh"
            | b"usage"
            | b"used"
            | b"class"
            | b"kind"
            | b"service"
            | b"server"
            | b"port"
            | b"user"
            | b"username"
            | b"login"
            | b"email"
            | b"mail"
            | b"text"
            | b"message"
            | b"msg"
            | b"prompt"
            | b"question"
            | b"answer"
            | b"cache"
            | b"generator"
            | b"validator"
            | b"encoder"
            | b"hasher"
            | b"handler"
            | b"filter"
            | b"fingerprint"
            | b"sha"
            | b"md"
            | b"ref"
            | b"arn"
    )
}

/// Words before the secret word that say it is not one (`public_key`, `csrf_token`).
fn is_public_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"public"
            | b"pub"
            | b"publishable"
            | b"csrf"
            | b"xsrf"
            | b"foreign"
            | b"primary"
            | b"partition"
            | b"sort"
            | b"bucket"
            | b"cache"
            | b"idempotency"
            | b"lookup"
            | b"sequence"
            | b"schema"
            | b"next"
            | b"page"
            | b"pagination"
            | b"continuation"
            | b"cursor"
            | b"sync"
            | b"device"
            | b"registration"
            | b"push"
            | b"fcm"
            | b"has"
            | b"is"
            | b"no"
            | b"use"
            | b"using"
            | b"require"
            | b"requires"
            | b"forgot"
            | b"change"
            | b"new"
            | b"old"
            | b"confirm"
            | b"invalid"
            | b"wrong"
            | b"bad"
            | b"empty"
            | b"missing"
            | b"expired"
    )
}

/// Kinds of key that name a record, not a credential: an `X-…-Key` header (`X-Vault-Key`,
/// `X-Gateway-Key` are secrets) with one of these before `Key` is none
/// (`X-Idempotency-Key`, `X-Cache-Key`).
fn is_lookup_key(w: &[u8]) -> bool {
    matches!(
        w,
        b"idempotency"
            | b"request"
            | b"cache"
            | b"correlation"
            | b"routing"
            | b"partition"
            | b"sort"
            | b"primary"
            | b"foreign"
            | b"public"
            | b"dedup"
            | b"dedupe"
            | b"deduplication"
            | b"lock"
            | b"object"
            | b"shard"
            | b"hash"
            | b"event"
            | b"message"
            | b"trace"
    )
}

fn is_preposition(w: &[u8]) -> bool {
    matches!(
        w,
        b"to" | b"for" | b"from" | b"of" | b"with" | b"in" | b"by"
    )
}

/// Words before the secret word that make the key name no secret's: stand-ins, and
/// prepositions (the key names something related to the secret).
fn is_negating_word(w: &[u8]) -> bool {
    matches!(
        w,
        b"fake"
            | b"dummy"
            | b"mock"
            | b"example"
            | b"sample"
            | b"bogus"
            | b"non"
            | b"to"
            | b"for"
            | b"from"
            | b"of"
            | b"with"
            | b"in"
            | b"by"
    )
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
    (0..id.len()).any(|i| {
        let c = id[i] | 0x20;
        matches!(c, b'p' | b's' | b't' | b'k' | b'c' | b'a' | b'b' | b'o')
            && PARTS.iter().any(|p| {
                p[0] == c && id.len() - i >= p.len() && id[i..i + p.len()].eq_ignore_ascii_case(p)
            })
    })
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
    // Trailing numbers and filler words do not change what a key names
    // (`api_token_123`, `mySecretString`, `todo_secret_do_not_commit`).
    let mut end = n;
    while end > 1 {
        let x = w(end - 1);
        let filler = x.iter().all(u8::is_ascii_digit)
            || matches!(
                x,
                b"string"
                    | b"str"
                    | b"value"
                    | b"val"
                    | b"do"
                    | b"not"
                    | b"commit"
                    | b"here"
                    | b"b64"
                    | b"base64"
                    | b"hex"
                    | b"raw"
                    | b"plain"
                    | b"clear"
                    | b"text"
                    | b"encoded"
                    | b"enc"
                    | b"super"
                    | b"secure"
                    | b"final"
                    | b"prod"
                    | b"dev"
                    | b"test"
                    | b"staging"
                    | b"live"
                    | b"env"
                    | b"var"
            );
        if filler && !is_secret_word(x) {
            end -= 1;
        } else {
            break;
        }
    }
    // `access_token_for_user`: what follows a preposition after the secret's word says whose
    // secret it is, not what the key names.
    if let Some(p) = (1..end).find(|&j| is_preposition(w(j))) {
        if (0..p).any(|j| is_password_word(w(j)) || is_secret_word(w(j))) {
            end = p;
        }
    }
    let tail = w(end - 1);
    if is_meta_word(tail) && !(tail == b"id" && end >= 2 && w(end - 2) == b"session") {
        return None;
    }
    let mut class = None;
    let mut aws = false;
    for k in 0..end {
        let x = w(k);
        aws |= x == b"aws";
        // (All-caps and run-together names: `PGPASSWORD`, `MYSQLROOTPASSWORD`, `APPSECRET`.)
        let hit = if is_password_word(x)
            || (x.len() > 8 && x.ends_with(b"password"))
            || (x.len() > 6 && x.ends_with(b"passwd"))
        {
            Some(KeyClass::Password)
        } else if is_secret_word(x)
            || (x.len() > 6 && (x.ends_with(b"secret") || x.ends_with(b"apikey")))
            || (x.len() > 5
                && x.ends_with(b"token")
                && !x.ends_with(b"csrftoken")
                && x != b"jsonwebtoken")
            || (x == b"key" && k > 0 && is_key_qualifier(w(k - 1)))
            || (x == b"key" && k + 1 == end && k >= 2 && w(0) == b"x" && !is_lookup_key(w(k - 1)))
            || (x == b"id" && k > 0 && w(k - 1) == b"session")
        {
            Some(KeyClass::Secret)
        } else {
            None
        };
        if let Some(h) = hit {
            if k > 0 && is_public_word(w(k - 1)) {
                return None;
            }
            // `fakeToken`, `nonMatchingToken`, `urlForToken`, `keyVaultToStoreSecrets`: a
            // stand-in, or a name for something related to a secret.
            if (0..k).any(|j| is_negating_word(w(j))) {
                return None;
            }
            if k >= 2 && x == b"key" && is_public_word(w(k - 2)) {
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
