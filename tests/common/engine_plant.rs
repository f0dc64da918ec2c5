//! Deterministic generators of valid sensitive values (and of hard negatives) to plant into
//! copies of loghub lines. Shared by the engine recall test and the throughput benchmark.
#![allow(dead_code)]

#[path = "corpus.rs"]
pub mod corpus;

use base64::Engine as _;
use tftsr_engine::PiiType;

/// Small deterministic PRNG (SplitMix64): same seed, same corpus, on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
    pub fn word(&mut self, xs: &[&'static str]) -> &'static str {
        xs[self.below(xs.len() as u64) as usize]
    }
    pub fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
    pub fn chars_of(&mut self, set: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(*self.pick(set))).collect()
    }
    pub fn alnum(&mut self, n: usize) -> String {
        // Always include a digit so "looks random" heuristics see a real token.
        let mut s = self.chars_of(ALNUM, n - 1);
        s.insert(
            self.below(n as u64) as usize,
            char::from(b'0' + self.below(10) as u8),
        );
        s
    }
}

pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";

fn luhn_complete(partial: &str) -> String {
    // Check digit that makes partial+d pass Luhn.
    for d in 0..10 {
        let s = format!("{partial}{d}");
        let mut sum = 0;
        for (i, c) in s.bytes().rev().enumerate() {
            let mut v = u32::from(c - b'0');
            if i % 2 == 1 {
                v *= 2;
                if v > 9 {
                    v -= 9;
                }
            }
            sum += v;
        }
        if sum % 10 == 0 {
            return s;
        }
    }
    unreachable!()
}

fn luhn_ok(s: &str) -> bool {
    let s: String = s.chars().filter(char::is_ascii_digit).collect();
    luhn_complete(&s[..s.len() - 1]) == s
}

pub fn card(r: &mut Rng) -> String {
    let (prefix, len): (String, usize) = match r.below(6) {
        0 => ("4".into(), 16),
        1 => (format!("5{}", r.range(1, 5)), 16),
        2 => (format!("3{}", r.pick(&[4, 7])), 15),
        3 => ("6011".into(), 16),
        4 => (format!("{}", r.range(2221, 2720)), 16),
        _ => (format!("35{}", r.range(28, 89)), 16),
    };
    let body = format!("{prefix}{}", r.digits(len - 1 - prefix.len()));
    let d = luhn_complete(&body);
    match (r.below(3), len) {
        (0, _) => d,
        (k, 16) => {
            let sep = if k == 1 { " " } else { "-" };
            format!(
                "{}{sep}{}{sep}{}{sep}{}",
                &d[..4],
                &d[4..8],
                &d[8..12],
                &d[12..]
            )
        }
        (k, _) => {
            let sep = if k == 1 { " " } else { "-" };
            format!("{}{sep}{}{sep}{}", &d[..4], &d[4..10], &d[10..])
        }
    }
}

/// A 16-digit Visa-shaped number that fails Luhn (an order id).
pub fn bad_luhn(r: &mut Rng) -> String {
    loop {
        let s = format!("4{}", r.digits(15));
        if !luhn_ok(&s) {
            return s;
        }
    }
}

fn mod97(s: &str) -> u32 {
    let mut rem = 0u32;
    for c in s.bytes() {
        rem = if c.is_ascii_digit() {
            (rem * 10 + u32::from(c - b'0')) % 97
        } else {
            (rem * 100 + u32::from(c - b'A' + 10)) % 97
        };
    }
    rem
}

pub fn iban(r: &mut Rng) -> String {
    let (cc, bban) = match r.below(6) {
        0 => ("DE", r.digits(18)),
        1 => ("FR", r.digits(23)),
        2 => ("ES", r.digits(20)),
        3 => (
            "NL",
            format!(
                "{}{}",
                r.chars_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4),
                r.digits(10)
            ),
        ),
        4 => (
            "GB",
            format!(
                "{}{}",
                r.chars_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 4),
                r.digits(14)
            ),
        ),
        _ => ("CH", r.digits(17)),
    };
    let check = 98 - mod97(&format!("{bban}{cc}00"));
    let iban = format!("{cc}{check:02}{bban}");
    if r.below(2) == 0 {
        iban
    } else {
        iban.as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

pub fn ssn(r: &mut Rng) -> String {
    let area = loop {
        let a = r.range(1, 899);
        if a != 666 {
            break a;
        }
    };
    // Dashed, dotted, spaced, or nine digits (planted after an `ssn` label).
    let sep = r.word(&["-", "-", ".", " ", ""]);
    format!(
        "{area:03}{sep}{:02}{sep}{:04}",
        r.range(1, 99),
        r.range(1, 9999)
    )
}

pub fn bad_ssn(r: &mut Rng) -> String {
    let v = match r.below(4) {
        0 => format!("000-{:02}-{:04}", r.range(1, 99), r.range(1, 9999)),
        1 => format!("666-{:02}-{:04}", r.range(1, 99), r.range(1, 9999)),
        2 => format!(
            "9{:02}-{:02}-{:04}",
            r.range(0, 99),
            r.range(1, 99),
            r.range(1, 9999)
        ),
        _ => format!("{:03}-00-{:04}", r.range(1, 665), r.range(1, 9999)),
    };
    // The same invalid numbers dotted or spaced.
    let sep = r.word(&["-", ".", " "]);
    v.replace('-', sep)
}

pub fn phone(r: &mut Rng) -> String {
    let npa = r.range(201, 989);
    let nxx = r.range(200, 999);
    let x = r.range(0, 9999);
    match r.below(5) {
        0 => format!("({npa}) {nxx}-{x:04}"),
        1 => format!("{npa}-{nxx}-{x:04}"),
        2 => format!("+1 {npa} {nxx} {x:04}"),
        3 => format!(
            "+{} {} {} {}",
            r.range(30, 49),
            r.range(10, 99),
            r.digits(4),
            r.digits(4)
        ),
        _ => format!("+{}{}", r.range(30, 49), r.digits(10)),
    }
}

pub fn email(r: &mut Rng) -> String {
    let user = format!(
        "{}.{}{}",
        r.pick(&["alice", "bob", "j", "maria"]),
        r.pick(&["smith", "x", "doe"]),
        r.below(100)
    );
    format!(
        "{user}@{}",
        r.pick(&[
            "example.com",
            "mail.example.org",
            "corp.internal",
            "uni.ac.uk"
        ])
    )
}

pub fn ipv4(r: &mut Rng) -> String {
    let a = loop {
        let a = r.range(1, 223);
        if a != 127 {
            break a;
        }
    };
    format!(
        "{a}.{}.{}.{}",
        r.range(0, 255),
        r.range(0, 255),
        r.range(1, 254)
    )
}

pub fn ipv6(r: &mut Rng) -> String {
    let g = |r: &mut Rng| format!("{:x}", r.range(1, 0xffff));
    match r.below(3) {
        0 => (0..8)
            .map(|i| {
                if i == 0 {
                    format!("{:x}", r.range(0x2001, 0x2fff))
                } else {
                    g(r)
                }
            })
            .collect::<Vec<_>>()
            .join(":"),
        1 => format!("2001:db8::{}:{}", g(r), g(r)),
        _ => format!("fe80::{}:{}:{}:{}", g(r), g(r), g(r), g(r)),
    }
}

pub fn mac(r: &mut Rng) -> String {
    let sep = if r.below(2) == 0 { ":" } else { "-" };
    (0..6)
        .map(|i| {
            format!(
                "{:02x}",
                if i == 0 {
                    r.range(2, 0xfe)
                } else {
                    r.range(0, 255)
                }
            )
        })
        .collect::<Vec<_>>()
        .join(sep)
}

pub fn hostname(r: &mut Rng) -> String {
    format!(
        "{}{}.{}",
        r.pick(&["db", "web", "api", "node"]),
        r.range(1, 99),
        r.pick(&[
            "prod.example.com",
            "corp.internal",
            "example.net",
            "eu-west.example.io"
        ])
    )
}

fn b64url(s: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

pub fn jwt(r: &mut Rng) -> String {
    let h = b64url(
        format!(
            "{{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"{}\"}}",
            r.below(1000)
        )
        .as_bytes(),
    );
    let p = b64url(
        format!(
            "{{\"sub\":\"{}\",\"iat\":{}}}",
            r.below(1_000_000),
            1_600_000_000 + r.below(100_000_000)
        )
        .as_bytes(),
    );
    let sig = b64url(&(0..32).map(|_| r.below(256) as u8).collect::<Vec<_>>());
    format!("{h}.{p}.{sig}")
}

pub fn pem(r: &mut Rng) -> String {
    let label = r
        .pick(&[
            "RSA PRIVATE KEY",
            "PRIVATE KEY",
            "EC PRIVATE KEY",
            "OPENSSH PRIVATE KEY",
        ])
        .to_string();
    let mut s = format!("-----BEGIN {label}-----\n");
    for _ in 0..r.range(3, 12) {
        s.push_str(
            &base64::engine::general_purpose::STANDARD
                .encode((0..48).map(|_| r.below(256) as u8).collect::<Vec<_>>()),
        );
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----"));
    s
}

/// A planted sensitive value: `before` + `value` + `after` is inserted; `value` must be found.
pub struct Plant {
    pub ty: PiiType,
    pub before: String,
    pub value: String,
    pub after: String,
}

pub fn plant(r: &mut Rng, ty: PiiType) -> Plant {
    // A quoted key (`"password": "`) gets its closing quote after the value.
    let p = |before: &str, value: String| Plant {
        ty,
        before: before.to_owned(),
        value,
        after: if before.ends_with('"') {
            "\"".into()
        } else {
            String::new()
        },
    };
    match ty {
        PiiType::Email => p("user ", email(r)),
        PiiType::Phone => p("phone ", phone(r)),
        PiiType::Ssn => p("ssn ", ssn(r)),
        PiiType::CreditCard => p("card ", card(r)),
        PiiType::Iban => p("iban ", iban(r)),
        PiiType::Ipv4 => p(r.word(&["from ", "client=", "peer ", "src "]), ipv4(r)),
        PiiType::Ipv6 => p(r.word(&["from ", "client=", "addr "]), ipv6(r)),
        PiiType::MacAddress => p("hwaddr ", mac(r)),
        PiiType::Hostname => p(
            r.word(&["host=", "connect to ", "hostname: ", "from "]),
            hostname(r),
        ),
        PiiType::UrlCredentials => Plant {
            ty,
            before: "url=https://".into(),
            value: format!("{}:{}", r.pick(&["admin", "svc", "deploy"]), r.alnum(12)),
            after: format!("@{}/x", hostname(r)),
        },
        PiiType::BearerToken => p("Authorization: Bearer ", r.alnum(32)),
        PiiType::Jwt => p(
            r.word(&["token=", "Authorization: Bearer ", "jwt "]),
            jwt(r),
        ),
        PiiType::ApiKey => p(
            r.word(&["api_key=", "apikey: ", "access_token=", "\"x-api-key\": \""]),
            r.chars_of(HEX, 32),
        ),
        PiiType::Password => p(
            r.word(&["password=", "passwd: ", "pwd=", "\"password\": \""]),
            format!("{}!{}", r.alnum(8), r.below(100)),
        ),
        PiiType::AwsAccessKey => p(
            "key ",
            format!(
                "{}{}",
                r.pick(&["AKIA", "ASIA"]),
                r.chars_of(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            ),
        ),
        PiiType::AwsSecretKey => p(
            r.word(&["aws_secret_access_key=", "aws_secret_access_key: "]),
            r.chars_of(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
                40,
            ),
        ),
        PiiType::GithubToken => p(
            "token ",
            format!(
                "{}{}",
                r.pick(&["ghp_", "gho_", "ghs_", "ghu_", "ghr_"]),
                r.alnum(36)
            ),
        ),
        // In the structure Slack issues each kind in (bot, user, workspace).
        PiiType::SlackToken => p(
            "slack ",
            match r.below(3) {
                0 => format!("xoxb-{}-{}-{}", r.digits(12), r.digits(13), r.alnum(24)),
                1 => format!(
                    "xoxp-{}-{}-{}-{}",
                    r.digits(12),
                    r.digits(12),
                    r.digits(13),
                    r.chars_of(HEX, 32)
                ),
                _ => format!("xoxa-2-{}", r.alnum(30)),
            },
        ),
        PiiType::StripeKey => p(
            "stripe ",
            format!(
                "{}{}",
                r.pick(&["sk_live_", "rk_live_", "sk_test_"]),
                r.alnum(24)
            ),
        ),
        PiiType::GoogleApiKey => p(
            "key=",
            format!(
                "AIza{}",
                r.chars_of(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
                    35
                )
            ),
        ),
        PiiType::PrivateKey => Plant {
            ty,
            before: "\n".into(),
            value: pem(r),
            after: "\n".into(),
        },
        // A type without a generator of its own: one of its catalog examples, as it is.
        _ => {
            let ex = *r.pick(ty.rule().examples);
            let (text, spans) = tftsr_engine::catalog::parse_example(ex);
            let sp = spans[0].clone();
            Plant {
                ty,
                before: text[..sp.start].to_owned(),
                value: text[sp.clone()].to_owned(),
                after: text[sp.end..].to_owned(),
            }
        }
    }
}

/// Hard negatives: text that must not produce any finding where it is planted.
pub fn hard_negative(r: &mut Rng) -> String {
    match r.below(18) {
        0 => format!(
            "version {}.{}.{}.{}",
            r.range(1, 20),
            r.range(0, 9),
            r.range(0, 9),
            r.range(0, 99)
        ),
        1 => format!(
            "v{}.{}.{}.{}-beta",
            r.range(1, 20),
            r.range(0, 9),
            r.range(0, 9),
            r.range(0, 99)
        ),
        2 => format!(
            "{}-{}-4{}-a{}-{}",
            r.chars_of(HEX, 8),
            r.chars_of(HEX, 4),
            r.chars_of(HEX, 3),
            r.chars_of(HEX, 3),
            r.chars_of(HEX, 12)
        ),
        3 => format!("commit {}", r.chars_of(HEX, 40)),
        4 => format!("sha256:{}", r.chars_of(HEX, 64)),
        5 => format!("order {}", bad_luhn(r)),
        6 => format!(
            "count {} seq {}",
            r.digits(9),
            r.range(1_000_000_000, 9_999_999_999)
        ),
        7 => format!("id {}", bad_ssn(r)),
        8 => format!(
            "password={}",
            r.pick(&[
                "",
                "****",
                "${DB_PASSWORD}",
                "{{ vault.pw }}",
                "<redacted>",
                "[Password]",
                "\"\""
            ])
        ),
        9 => r
            .pick(&[
                "[Email]",
                "[Email-3f9a1c2b7d4e5f6071]",
                "*****",
                "[IPv4] [CreditCard-0a0b0c]",
            ])
            .to_string(),
        10 => r
            .pick(&[
                "org.apache.hadoop.hdfs.DataNode",
                "com.example.service.UserController",
                "java.util.concurrent.ThreadPoolExecutor",
            ])
            .to_string(),
        11 => r
            .pick(&["image@2x.png", "foo.log", "x.java", "from Main.java"])
            .to_string(),
        12 => format!("route {}.0.0.0/8", r.range(1, 126)),
        13 => r
            .pick(&["127.0.0.1", "0.0.0.0", "::1", "listen 127.0.0.1:8080"])
            .to_string(),
        14 => format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{}Z took {}ms",
            r.range(2000, 2030),
            r.range(1, 12),
            r.range(1, 28),
            r.range(0, 23),
            r.range(0, 59),
            r.range(0, 59),
            r.digits(3),
            r.range(1, 9999)
        ),
        15 => format!(
            "elapsed {}h{}m{}s",
            r.range(0, 99),
            r.range(0, 59),
            r.range(0, 59)
        ),
        16 => format!("git {}", r.chars_of(HEX, 7)),
        _ => format!("uuid={}", {
            let h = r.chars_of(HEX, 32);
            format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            )
        }),
    }
}

/// Inserts `what` at a space of `line` chosen by `r` (or at the end), keeping word boundaries.
pub fn insert_at_space(r: &mut Rng, line: &str, what: &str) -> (String, usize) {
    let spaces: Vec<usize> = line.match_indices(' ').map(|(i, _)| i).collect();
    let pos = if spaces.is_empty() {
        line.len()
    } else {
        spaces[r.below(spaces.len() as u64) as usize]
    };
    let mut s = String::with_capacity(line.len() + what.len() + 2);
    s.push_str(&line[..pos]);
    s.push(' ');
    let at = s.len();
    s.push_str(what);
    s.push(' ');
    s.push_str(&line[pos..]);
    (s, at)
}

/// All loghub lines (the corpus is read-only; tests plant into copies).
pub fn loghub_lines() -> Vec<String> {
    let dir = corpus::loghub_dir();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        out.extend(
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
    }
    out
}
