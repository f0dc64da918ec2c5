//! Hand-written validators and small lookup tables used by the detectors. Each is a pure function
//! over ASCII bytes so the hot loop never allocates.

/// Luhn checksum over the digits of `s` (non-digits are ignored).
pub fn luhn_ok(s: &[u8]) -> bool {
    let mut sum = 0u32;
    let mut double = false;
    let mut n = 0;
    for &c in s.iter().rev() {
        if !c.is_ascii_digit() {
            continue;
        }
        let mut d = u32::from(c - b'0');
        if double {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
        double = !double;
        n += 1;
    }
    n > 0 && sum.is_multiple_of(10)
}

/// Does a digit string (no separators) carry a known card brand prefix (IIN range) with a length
/// that brand issues? Visa, Mastercard (51–55 and the 2-series), Amex, Discover, JCB, Diners,
/// UnionPay, Maestro, Mir, RuPay, Dankort, UATP, Elo, Hipercard, Troy and Verve. The Luhn check
/// is the caller's.
pub fn card_brand_ok(d: &[u8]) -> bool {
    let len = d.len();
    if !(13..=19).contains(&len) {
        return false;
    }
    let p = |k: usize| -> u32 {
        d[..k]
            .iter()
            .fold(0u32, |a, &c| a * 10 + u32::from(c - b'0'))
    };
    let (p2, p3, p4, p6) = (p(2), p(3), p(4), p(6));
    match d[0] {
        // UATP (airline cards): 15 digits starting with 1.
        b'1' => len == 15,
        // Visa (and the Visa-range co-brands: Elo 4011 78…, Dankort 4571).
        b'4' => matches!(len, 13 | 16 | 19),
        b'5' => {
            // Mastercard.
            if (51..=55).contains(&p2) {
                return len == 16;
            }
            // Dankort 5019; Maestro 5018, 5020, 5038, 5893; Verve 5060 99–5061 98 and
            // 5078 65–5079 64; RuPay 508; Elo 5041 75, 5066 99–5067 78, 509.
            if p4 == 5019 {
                return len == 16;
            }
            if matches!(p4, 5018 | 5020 | 5038 | 5893) {
                return (13..=19).contains(&len);
            }
            if (506_099..=506_198).contains(&p6) || (507_865..=507_964).contains(&p6) {
                return matches!(len, 16 | 18 | 19);
            }
            if p3 == 508 || p3 == 509 || p6 == 504_175 || (506_699..=506_778).contains(&p6) {
                return len == 16;
            }
            false
        }
        b'2' => {
            // Mastercard 2-series; Mir 2200–2204.
            if (2221..=2720).contains(&p4) {
                return len == 16;
            }
            (2200..=2204).contains(&p4) && (16..=19).contains(&len)
        }
        b'3' => {
            if p2 == 34 || p2 == 37 {
                return len == 15;
            }
            if (3528..=3589).contains(&p4) {
                return (16..=19).contains(&len);
            }
            // Hipercard 3841 00, 3841 40, 3841 60.
            if matches!(p6, 384_100 | 384_140 | 384_160) {
                return (16..=19).contains(&len);
            }
            if (300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39 {
                return (14..=19).contains(&len);
            }
            false
        }
        b'6' => {
            // Discover (and Troy/Elo/Verve/RuPay inside 65), UnionPay 62.
            if p4 == 6011 || (644..=649).contains(&p3) || p2 == 65 || p2 == 62 {
                return (16..=19).contains(&len);
            }
            // Maestro 6304, 6390, 6759, 6761–6763; Hipercard 6062 82; RuPay 60 (6069–6079);
            // Elo 6277 80, 6362 97, 6363 68.
            if matches!(p4, 6304 | 6390 | 6759 | 6761..=6763) {
                return (13..=19).contains(&len);
            }
            if p6 == 606_282
                || (6069..=6079).contains(&p4)
                || matches!(p6, 627_780 | 636_297 | 636_368)
            {
                return (16..=19).contains(&len);
            }
            false
        }
        // UnionPay 81 (8100–8171) and RuPay 81/82.
        b'8' => (81..=82).contains(&p2) && (16..=19).contains(&len),
        // Troy 9792.
        b'9' => p4 == 9792 && len == 16,
        _ => false,
    }
}

/// IBAN length per country: every country of SWIFT's IBAN registry (ISO 13616), including the
/// recent additions (Burundi, Djibouti, Falklands, Honduras, Libya, Mongolia, Nicaragua, Oman,
/// Russia, Sudan, Somalia, Yemen).
pub fn iban_len(cc: &[u8]) -> Option<usize> {
    const T: &[(&[u8; 2], usize)] = &[
        (b"AD", 24),
        (b"AE", 23),
        (b"AL", 28),
        (b"AT", 20),
        (b"AZ", 28),
        (b"BA", 20),
        (b"BE", 16),
        (b"BG", 22),
        (b"BH", 22),
        (b"BI", 27),
        (b"BR", 29),
        (b"BY", 28),
        (b"CH", 21),
        (b"CR", 22),
        (b"CY", 28),
        (b"CZ", 24),
        (b"DE", 22),
        (b"DJ", 27),
        (b"DK", 18),
        (b"DO", 28),
        (b"EE", 20),
        (b"EG", 29),
        (b"ES", 24),
        (b"FI", 18),
        (b"FK", 18),
        (b"FO", 18),
        (b"FR", 27),
        (b"GB", 22),
        (b"GE", 22),
        (b"GI", 23),
        (b"GL", 18),
        (b"GR", 27),
        (b"GT", 28),
        (b"HN", 28),
        (b"HR", 21),
        (b"HU", 28),
        (b"IE", 22),
        (b"IL", 23),
        (b"IQ", 23),
        (b"IS", 26),
        (b"IT", 27),
        (b"JO", 30),
        (b"KW", 30),
        (b"KZ", 20),
        (b"LB", 28),
        (b"LC", 32),
        (b"LI", 21),
        (b"LT", 20),
        (b"LU", 20),
        (b"LV", 21),
        (b"LY", 25),
        (b"MC", 27),
        (b"MD", 24),
        (b"ME", 22),
        (b"MK", 19),
        (b"MN", 20),
        (b"MR", 27),
        (b"MT", 31),
        (b"MU", 30),
        (b"NI", 28),
        (b"NL", 18),
        (b"NO", 15),
        (b"OM", 23),
        (b"PK", 24),
        (b"PL", 28),
        (b"PS", 29),
        (b"PT", 25),
        (b"QA", 29),
        (b"RO", 24),
        (b"RS", 22),
        (b"RU", 33),
        (b"SA", 24),
        (b"SC", 31),
        (b"SD", 18),
        (b"SE", 24),
        (b"SI", 19),
        (b"SK", 24),
        (b"SM", 27),
        (b"SO", 23),
        (b"ST", 25),
        (b"SV", 28),
        (b"TL", 23),
        (b"TN", 24),
        (b"TR", 26),
        (b"UA", 29),
        (b"VA", 22),
        (b"VG", 24),
        (b"XK", 20),
        (b"YE", 30),
    ];
    T.iter().find(|(c, _)| &c[..] == cc).map(|&(_, l)| l)
}

/// ISO 7064 mod-97-10 over an IBAN without separators (uppercase letters and digits).
pub fn iban_mod97_ok(iban: &[u8]) -> bool {
    if iban.len() < 5 {
        return false;
    }
    // The remainder is taken once per 14 digits, not once per digit (a chain of divisions was
    // most of an IBAN walk): `rem < 97` with 16 more digits still fits in a u64.
    let mut rem: u64 = 0;
    let mut digits = 0;
    let rotated = iban[4..].iter().chain(iban[..4].iter());
    for &c in rotated {
        match c {
            b'0'..=b'9' => {
                rem = rem * 10 + u64::from(c - b'0');
                digits += 1;
            }
            b'A'..=b'Z' => {
                rem = rem * 100 + u64::from(c - b'A' + 10);
                digits += 2;
            }
            _ => return false,
        }
        if digits >= 14 {
            rem %= 97;
            digits = 0;
        }
    }
    rem % 97 == 1
}

/// US SSN rules: area 001-899 except 666, group 01-99, serial 0001-9999.
pub fn ssn_ok(area: u32, group: u32, serial: u32) -> bool {
    area != 0 && area != 666 && area < 900 && group != 0 && serial != 0
}

const CC_TLDS: &str = "ac ad ae af ag ai al ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky kz lb lc li lk lr ls lt lu lv ly ma mc me mg mh mm mn mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz om pa pe pf pg ph pk pn pr pt pw qa re ro ru rw sa sb sc sd se sg si sk sl sm sn sr ss st sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw";

/// `CC_TLDS` as a 26×26 lookup table, built at compile time.
static CC_TABLE: [bool; 676] = {
    let mut t = [false; 676];
    let s = CC_TLDS.as_bytes();
    let mut i = 0;
    while i + 1 < s.len() {
        t[(s[i] - b'a') as usize * 26 + (s[i + 1] - b'a') as usize] = true;
        i += 3;
    }
    t
};

/// Country-code TLDs (`CC_TABLE`), generic TLDs we accept, plus the private suffixes internal networks use. Country codes that
/// double as common file extensions (`.sh`, `.so`, `.pl`, `.py`, `.rs`, `.md`, `.cc`, `.ps`, `.pm`,
/// `.mo`, `.la`, `.mk`, `.ml`) are left out: a file name in a log is far more likely than a host.
///
/// Is `label` (ASCII letters) a top-level domain we treat as a host suffix? Case-insensitive.
pub fn is_tld(label: &[u8]) -> bool {
    let n = label.len();
    if !(2..=11).contains(&n) || !label.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    let mut buf = [0u8; 11];
    for (d, s) in buf.iter_mut().zip(label) {
        *d = s.to_ascii_lowercase();
    }
    let l = &buf[..n];
    if n == 2 {
        return CC_TABLE[usize::from(l[0] - b'a') * 26 + usize::from(l[1] - b'a')];
    }
    // A `match` on byte strings compiles to a length switch plus a few compares (this runs for
    // every dotted name, most of them class names).
    matches!(
        l,
        b"com"
            | b"net"
            | b"org"
            | b"edu"
            | b"gov"
            | b"mil"
            | b"int"
            | b"info"
            | b"biz"
            | b"name"
            | b"pro"
            | b"aero"
            | b"coop"
            | b"museum"
            | b"mobi"
            | b"asia"
            | b"tel"
            | b"travel"
            | b"jobs"
            | b"app"
            | b"dev"
            | b"cloud"
            | b"tech"
            | b"online"
            | b"site"
            | b"xyz"
            | b"top"
            | b"club"
            | b"shop"
            | b"store"
            | b"blog"
            | b"email"
            | b"link"
            | b"live"
            | b"news"
            | b"space"
            | b"website"
            | b"wiki"
            | b"work"
            | b"local"
            | b"internal"
            | b"lan"
            | b"corp"
            | b"home"
            | b"localdomain"
            | b"intra"
            | b"intranet"
            | b"arpa"
            | b"onion"
            | b"test"
            | b"example"
            | b"invalid"
            | b"google"
            | b"amazon"
            | b"aws"
            | b"microsoft"
            | b"apple"
    )
}

/// Does `v` hold one of our own tags (`[Phone]`, `[Phone-4a1830]`, `[EmployeeId]`)? A value that
/// contains redaction output has been redacted already.
fn has_tag(v: &[u8]) -> bool {
    memchr::memchr_iter(b'[', v).any(|k| tag_end(v, k).is_some())
}

/// Where our tag opened by the `[` at `v[k]` ends (after its `]`, or at the end of `v` when it
/// is cut just before the `]`), if one is there.
pub(crate) fn tag_end(v: &[u8], k: usize) -> Option<usize> {
    let s = k + 1;
    // A tag names a type: letters, then letters or digits (`[IPv4]`, `[IPv6-…]`: found by the
    // `redact` fuzz target, a key's value holding `[IPv4]` was no placeholder).
    let mut j = s;
    while j < v.len() && (v[j].is_ascii_alphabetic() || (j > s && v[j].is_ascii_digit())) {
        j += 1;
    }
    if j - s < 2 {
        return None;
    }
    // (A bare value stops at `]`, so the tag may be cut just before it.)
    if j == v.len() {
        return Some(j);
    }
    if v[j] == b']' {
        return Some(j + 1);
    }
    // A pseudonym: 18 hex digits (6 in files redacted before tokens grew).
    if v[j] == b'-' {
        let h = v[j + 1..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        let e = j + 1 + h;
        if h == 6 || h == 2 * crate::redact::PSEUDONYM_BYTES {
            if e == v.len() {
                return Some(e);
            }
            if v[e] == b']' {
                return Some(e + 1);
            }
        }
    }
    None
}

/// A value that stands in for a secret rather than being one: empty, masked (`****`), a template
/// or environment reference (`${VAR}`, `{{x}}`, `$VAR`, `%VAR%`, `%s`), an angle/bracket
/// placeholder (`<redacted>`, and our own tags `[Password]`, `[Password-3f9a1c2b7d4e5f6071]`), or a word that
/// says the value is absent.
pub fn is_placeholder(v: &[u8]) -> bool {
    if v.is_empty() {
        return true;
    }
    if v.windows(3).any(|w| w == b"***" || w == b"###")
        || v.iter().all(|&c| c == b'*')
        || has_tag(v)
    {
        return true;
    }
    let first = v[0];
    let last = v[v.len() - 1];
    if (first == b'<' && last == b'>')
        || (first == b'[' && last == b']')
        || (first == b'{' && last == b'}')
        || (first == b'(' && last == b')')
    {
        return true;
    }
    if v.starts_with(b"${") || v.starts_with(b"{{") || v.starts_with(b"#{") {
        return true;
    }
    if first == b'$'
        && v[1..]
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_')
    {
        return true;
    }
    if first == b'%' && (last == b'%' || v.len() <= 3 || v.ends_with(b")s")) {
        return true;
    }
    if v.iter().all(|&c| c == b'x' || c == b'X') || v.iter().all(|&c| c == b'.') {
        return true;
    }
    const WORDS: &[&str] = &[
        "null",
        "none",
        "nil",
        "undefined",
        "redacted",
        "hidden",
        "masked",
        "removed",
        "secret",
        "password",
        "changeme",
        "empty",
        "n/a",
        "na",
        "-",
        "?",
        "true",
        "false",
        "required",
        "optional",
        "string",
        "your_password",
        "yourpassword",
        "your-api-key",
        "your_api_key",
        "placeholder",
    ];
    WORDS.iter().any(|w| w.as_bytes().eq_ignore_ascii_case(v))
}

/// A token's random part that stands in for one: low entropy (`xxxx…`, `aaaa…`, `XXXX…`,
/// `1234…`), a run of 8 `x` or `X`, or AWS's documented examples (`…EXAMPLE`, `…EXAMPLEKEY`).
pub fn placeholder_token(body: &[u8]) -> bool {
    documented_example(body)
        || body
            .windows(8)
            .any(|w| w.iter().all(|&c| c == b'x') || w.iter().all(|&c| c == b'X'))
        || entropy(body) < 2.5
}

/// A provider's documented example value (AWS's `AKIAIOSFODNN7EXAMPLE`,
/// `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`): copied into configs and tests, never issued.
pub fn documented_example(v: &[u8]) -> bool {
    v.ends_with(b"EXAMPLE") || v.ends_with(b"EXAMPLEKEY")
}

/// A password after a password's key name: anything but a placeholder, a path
/// (`pwd=/home/alice` is a working directory), one character, or a word that says whether a
/// password was used (`(using password: YES)`, `PuttyPassword=0`).
pub fn password_value(v: &[u8]) -> bool {
    if v.len() < 2 || (v[0] == b'/' && v[1..].contains(&b'/')) {
        return false;
    }
    const FLAGS: &[&str] = &[
        "yes",
        "no",
        "on",
        "off",
        "set",
        "unset",
        "default",
        "prompt",
        "ask",
        "auto",
        "none",
        "ok",
        "error",
        "failed",
        "invalid",
        "wrong",
        "incorrect",
        "expired",
        "changed",
        "reset",
        "10",
        "00",
    ];
    !FLAGS.iter().any(|f| f.as_bytes().eq_ignore_ascii_case(v))
}

/// Shannon entropy of `v` in bits per byte.
pub fn entropy(v: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &c in v {
        counts[c as usize] += 1;
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|&&k| k > 0)
        .map(|&k| {
            let p = f64::from(k) / n;
            -p * p.log2()
        })
        .sum()
}

/// A secret's value after a generic secret's key name (`token=`, `credentials:`,
/// `mySecretString=`): at least 8 characters, not only letters (a word or a name), not only
/// digits unless long, not a path, a URL, a version or a date, and not a low-entropy run.
pub fn generic_secret_value(v: &[u8]) -> bool {
    if v.len() < 8 {
        return false;
    }
    let digits = v.iter().filter(|c| c.is_ascii_digit()).count();
    let letters = v.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if letters
        + v.iter()
            .filter(|c| matches!(c, b'_' | b'.' | b'-' | b' '))
            .count()
        == v.len()
    {
        return false;
    }
    if digits == v.len() && v.len() < 16 {
        return false;
    }
    // Versions, dates, times, addresses, counters: digits and separators only; and hex
    // numbers (`0x14ed93111f20000`, a ZooKeeper session number).
    if letters == 0
        && v.iter().all(|c| {
            c.is_ascii_digit() || matches!(c, b'.' | b'-' | b':' | b'/' | b' ' | b',' | b'_')
        })
    {
        return false;
    }
    if (v.starts_with(b"0x") || v.starts_with(b"0X")) && v[2..].iter().all(u8::is_ascii_hexdigit) {
        return false;
    }
    // An object's description (`Token{78af589`, `android.os.BinderProxy@2bd79ce`,
    // `Session(3)`) or a label (`com.apple.xpc.activity/4505:`) is not a secret.
    if v.ends_with(b":") {
        return false;
    }
    let name = v
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'$'))
        .count();
    if name > 0
        && name < v.len()
        && v[0].is_ascii_alphabetic()
        && matches!(v[name], b'{' | b'@' | b'(' | b'[')
        && v[..name].iter().filter(|c| c.is_ascii_digit()).count() * 4 < name
    {
        return false;
    }
    // Another assignment (`tokens: owner=frank@example.org`, Hadoop's "Executing with tokens:"
    // before a key of its own): the inner key is scanned by itself. Base64 padding (`…dA==`)
    // ends a value, it does not assign.
    if name > 0
        && v[0].is_ascii_alphabetic()
        && name + 1 < v.len()
        && v[name] == b'='
        && v[name + 1] != b'='
        && v[..name].iter().filter(|c| c.is_ascii_digit()).count() * 4 < name
    {
        return false;
    }
    if v[0] == b'/' || v.starts_with(b"./") || memchr::memmem::find(v, b"://").is_some() {
        return false;
    }
    // An artifact with its version (`jjwt-jackson-0.11.2`, `spring-security-5.7.1`).
    if let Some(d) = v.iter().rposition(|&c| c == b'-') {
        let (name, ver) = (&v[..d], &v[d + 1..]);
        if ver.contains(&b'.')
            && ver.iter().all(|c| c.is_ascii_digit() || *c == b'.')
            && name.iter().all(|c| c.is_ascii_alphabetic() || *c == b'-')
        {
            return false;
        }
    }
    // Prose is not a secret: several spaces.
    if v.iter().filter(|&&c| c == b' ').count() >= 2 {
        return false;
    }
    if !(digits > 0 || v.len() >= 16) {
        return false;
    }
    entropy(v) >= 2.5
}

/// An AWS secret access key is 40 characters of base64.
pub fn aws_secret_value(v: &[u8]) -> bool {
    v.len() == 40
        && v.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values() {
        for (s, ok) in [
            ("9f8e7d6c5b4a39281706", true),
            ("vWPYkqCKCmpZUluyy87pH9Va7CTlIi", true),
            ("dafa7817-e246-48f3-91a7-e87653d587b8", true),
            (
                "am9obmRvZTpkMDY5NGIxYi1jMTcxLTQ4ODYt+TMyYS0wMmUwOWQ1/mIwNjc=",
                true,
            ),
            ("short1", false),
            ("aaaaaaaaaaaaaaaaaaaa1", false),
            ("application_default", false),
            ("ThisIsJustAVeryLongName", false),
            ("12345678", false),
            ("2015-10-18 18:01:47", false),
            ("1.2.3.4", false),
            ("/etc/app/token", false),
            ("https://example.com/x1", false),
            ("the token was rejected 12", false),
            ("Token{78af589", false),
            ("android.os.BinderProxy@2bd79ce", false),
            ("com.apple.xpc.activity/4505:", false),
            ("30546173_4261722401", false),
            ("0x14ed93111f20000", false),
            ("jjwt-jackson-0.11.2", false),
        ] {
            assert_eq!(generic_secret_value(s.as_bytes()), ok, "{s}");
        }
        for (s, ok) in [
            ("hunter2", true),
            ("S3cr3t!", true),
            ("0", false),
            ("YES", false),
            ("no", false),
            ("/home/alice/x", false),
        ] {
            assert_eq!(password_value(s.as_bytes()), ok, "{s}");
        }
    }

    #[test]
    fn luhn_table() {
        for (s, ok) in [
            ("4111111111111111", true),
            ("4111111111111112", false),
            ("378282246310005", true),
            ("5555555555554444", true),
            ("0", true),
            ("1234567812345678", false),
        ] {
            assert_eq!(luhn_ok(s.as_bytes()), ok, "{s}");
        }
    }

    #[test]
    fn brands() {
        for (s, ok) in [
            ("4111111111111111", true),
            ("5555555555554444", true),
            ("2223003122003222", true),
            ("378282246310005", true),
            ("6011111111111117", true),
            ("3530111333300000", true),
            ("30569309025904", true),
            ("1445144423722000", false),
            ("9111111111111111", false),
            ("41111111111111", false),
        ] {
            assert_eq!(card_brand_ok(s.as_bytes()), ok, "{s}");
        }
    }

    #[test]
    fn iban_table() {
        for (s, ok) in [
            ("DE89370400440532013000", true),
            ("GB29NWBK60161331926819", true),
            ("FR1420041010050500013M02606", true),
            ("DE89370400440532013001", false),
            ("NL91ABNA0417164300", true),
        ] {
            assert_eq!(iban_mod97_ok(s.as_bytes()), ok, "{s}");
        }
        assert_eq!(iban_len(b"DE"), Some(22));
        assert_eq!(iban_len(b"ZZ"), None);
    }

    #[test]
    fn ssn_table() {
        assert!(ssn_ok(123, 45, 6789));
        assert!(!ssn_ok(0, 45, 6789));
        assert!(!ssn_ok(666, 45, 6789));
        assert!(!ssn_ok(900, 45, 6789));
        assert!(!ssn_ok(123, 0, 6789));
        assert!(!ssn_ok(123, 45, 0));
    }

    #[test]
    fn tlds() {
        for (s, ok) in [
            ("com", true),
            ("HK", true),
            ("internal", true),
            ("java", false),
            ("png", false),
            ("log", false),
            ("sh", false),
            ("DataNode", false),
            ("c", false),
        ] {
            assert_eq!(is_tld(s.as_bytes()), ok, "{s}");
        }
    }

    #[test]
    fn placeholders() {
        for (s, ok) in [
            ("", true),
            // Our own tags, digits in the type's name too, whole or cut before the `]`.
            ("[IPv4]", true),
            (":0:[IPv4", true),
            ("[IPv6-3f9a1c2b7d4e5f6071]", true),
            ("s3cr3t[4x", false),
            ("****", true),
            ("${DB_PASS}", true),
            ("{{ secret }}", true),
            ("<redacted>", true),
            ("[Password]", true),
            ("[Password-3f9a1c2b7d4e5f6071]", true),
            ("$DB_PASSWORD", true),
            ("%s", true),
            ("null", true),
            ("hunter2", false),
            ("S3cr3t!", false),
        ] {
            assert_eq!(is_placeholder(s.as_bytes()), ok, "{s}");
        }
    }
}
