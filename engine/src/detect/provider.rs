//! Secrets issued by one provider, recognised by the provider's format: AWS access key ids and
//! Google API keys (uppercase word starts), GitHub, Slack and Stripe tokens (a word and the
//! delimiter of their prefix).

use super::{alnum, at, run, token_char, Scan, Slot};
use crate::types::PiiType;
use crate::validate::placeholder_token;

/// Slack tokens are at most this long after their `xox?-` prefix.
const SLACK_MAX: usize = 255;

/// Other provider tokens without a fixed length are at most this long.
const PROVIDER_MAX: usize = 255;

/// Groups of a dashed token body.
fn groups(body: &[u8]) -> impl Iterator<Item = &[u8]> {
    body.split(|&c| c == b'-')
}

fn digits(g: &[u8], lo: usize, hi: usize) -> bool {
    (lo..=hi).contains(&g.len()) && g.iter().all(u8::is_ascii_digit)
}

/// The structure of a `xox<t>-<body>` token (see [`Scan::slack`]).
fn slack_ok(t: u8, body: &[u8]) -> bool {
    let g: Vec<&[u8]> = groups(body).collect();
    let an = |x: &[u8]| x.iter().all(|c| alnum(*c));
    match t {
        b'b' => {
            (g.len() >= 2
                && digits(g[0], 10, 13)
                && g[1].len() >= 10
                && g[1][..10].iter().all(u8::is_ascii_digit))
                || (g.len() == 2
                    && digits(g[0], 8, 14)
                    && (18..=26).contains(&g[1].len())
                    && an(g[1]))
        }
        b'p' | b'e' => {
            let user = g.len() >= 4
                && g[..3].iter().all(|x| digits(x, 10, 13))
                && (28..=34)
                    .contains(&(body.len() - g[..3].iter().map(|x| x.len() + 1).sum::<usize>()));
            let refresh =
                t == b'e' && g.len() == 2 && digits(g[0], 1, 1) && g[1].len() == 146 && an(g[1]);
            user || refresh
        }
        b'o' | b's' => {
            g.len() == 4
                && g[..3].iter().all(|x| digits(x, 1, 20))
                && !g[3].is_empty()
                && g[3].iter().all(u8::is_ascii_hexdigit)
        }
        b'a' | b'r' => {
            // `xoxa-[<d>-]<8–48 alnum>[-<more groups>]` (`xoxa-2-5111…-3111…-e039…`)
            let g = match g.as_slice() {
                [d, rest @ ..] if digits(d, 1, 1) && !rest.is_empty() => rest,
                all => all,
            };
            (8..=48).contains(&g[0].len()) && g.iter().all(|x| !x.is_empty() && an(x))
        }
        _ => false,
    }
}

/// `xapp-<d>-<ID>-<digits>-<alnum>`.
fn slack_app_ok(body: &[u8]) -> bool {
    let g: Vec<&[u8]> = groups(body).collect();
    g.len() == 4
        && digits(g[0], 1, 1)
        && !g[1].is_empty()
        && g[1]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && digits(g[2], 1, 20)
        && g[3].len() >= 16
        && g[3].iter().all(|c| alnum(*c))
}

impl Scan<'_, '_> {
    pub(super) fn aws_key(&mut self, s: usize, we: usize) {
        let b = self.b;
        if we - s == 20
            && b[s + 4..we]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !token_char(at(b, we))
            && !placeholder_token(&b[s + 4..we])
        {
            self.push(PiiType::AwsAccessKey, s, we);
        }
    }

    pub(super) fn google_key(&mut self, s: usize) {
        let e = self.run_memo(Slot::GoogleKey, s);
        if e - s == 39 && !placeholder_token(&self.b[s + 4..e]) {
            self.push(PiiType::GoogleApiKey, s, e);
        }
    }

    pub(super) fn github(&mut self, s: usize) {
        let b = self.b;
        let e = self.run_memo(Slot::GithubToken, s);
        if !self.try_run(Slot::GithubToken, e, 4) {
            return;
        }
        let v = &b[s..e];
        if v.len() > PROVIDER_MAX {
            return;
        }
        let ok = if let Some(rest) = v.strip_prefix(b"github_pat_") {
            // `github_pat_` + 82 word characters (22 + `_` + 59 as GitHub issues them).
            rest.len() == 82
        } else {
            v.len() >= 40
                && matches!(&v[..4], b"ghp_" | b"gho_" | b"ghs_" | b"ghu_" | b"ghr_")
                && v[4..].iter().all(|c| alnum(*c))
        };
        let body_at = if v.starts_with(b"github_pat_") { 11 } else { 4 };
        if ok && at(b, e) != b'-' && !placeholder_token(&v[body_at..]) {
            self.push(PiiType::GithubToken, s, e);
        }
    }

    /// `xox?-…` (and `xapp-…`) at the word `xox?`/`xapp` starting at `s`, in the structure
    /// Slack issues each kind in: bot `xoxb-<10–13 digits>-<10–13 digits>…` (legacy
    /// `xoxb-<8–14 digits>-<18–26 alnum>`), user `xox[pe]-<digits>-<digits>-<digits>-<28–34>`,
    /// refresh `xoxe-<d>-<146 alnum>`, legacy `xox[os]-<digits>-<digits>-<digits>-<hex>`,
    /// workspace `xox[ar]-[<d>-]<8–48 alnum>`, app-level `xapp-<d>-<ID>-<digits>-<alnum>`.
    /// Truncated and masked tokens fail their structure.
    pub(super) fn slack(&mut self, s: usize) {
        let b = self.b;
        let app = b[s..].starts_with(b"xapp-");
        if !app
            && (!matches!(at(b, s + 3), b'a' | b'b' | b'p' | b'o' | b's' | b'r' | b'e')
                || at(b, s + 4) != b'-')
        {
            return;
        }
        let e = self.run_memo(Slot::SlackToken, s + 5);
        if e - s - 5 > SLACK_MAX || !self.try_run(Slot::SlackToken, e, 4) {
            return;
        }
        // An identifier going on after the token (`…e039d0aws_secret_access_key=`): the token's
        // end is a guess, and taking it would change what the identifier after it reads as
        // once the token is redacted (`[SlackToken]_secret_access_key=`: found by the `redact`
        // fuzz target).
        if at(b, e) == b'_' {
            return;
        }
        let body = &b[s + 5..e];
        let ok = if app {
            slack_app_ok(body)
        } else {
            slack_ok(b[s + 3], body)
        };
        if ok && !placeholder_token(body) {
            self.push(PiiType::SlackToken, s, e);
        }
    }

    /// `xoxe.xoxb-<d>-<163–166 alnum>` (configuration tokens) at the word `xoxe` at `s`.
    pub(super) fn slack_config(&mut self, s: usize) {
        let b = self.b;
        if !(b[s..].starts_with(b"xoxe.xoxb-") || b[s..].starts_with(b"xoxe.xoxp-")) {
            return;
        }
        let e = self.run_memo(Slot::SlackToken, s + 10);
        let body = &b[s + 10..e];
        let rest = match body.split_first() {
            Some((d, r)) if d.is_ascii_digit() && r.first() == Some(&b'-') => &r[1..],
            _ => return,
        };
        if (163..=166).contains(&rest.len()) && rest.iter().all(|c| alnum(*c)) {
            self.push(PiiType::SlackToken, s, e);
        }
    }

    pub(super) fn stripe(&mut self, s: usize) {
        let b = self.b;
        let v = &b[s..];
        let pre = if v.starts_with(b"sk_live_")
            || v.starts_with(b"rk_live_")
            || v.starts_with(b"sk_test_")
            || v.starts_with(b"rk_test_")
        {
            8
        } else {
            return;
        };
        let e = run(b, s + pre, alnum);
        if e - s - pre >= 16
            && e - s <= PROVIDER_MAX
            && at(b, e) != b'_'
            && !placeholder_token(&b[s + pre..e])
        {
            self.push(PiiType::StripeKey, s, e);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::types::PiiType;

    /// `(type, line, value)`: scanning `line` must report `value` (at its first occurrence) as
    /// `type`, with exactly that span.
    #[rustfmt::skip]
    const POSITIVES: &[(PiiType, &str, &str)] = &[
        (PiiType::AwsAccessKey, "key AKIA2JVQ5RZ7HXKM4TNW used", "AKIA2JVQ5RZ7HXKM4TNW"),
        (PiiType::AwsAccessKey, "ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
        (PiiType::AwsSecretKey, "aws_secret_access_key = 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", "t8Vz2QmL0pR6xN4cJ1wYb7HsK9dF3gE5aU/Xq+Zo"),
        (PiiType::AwsSecretKey, "\"SecretAccessKey\": \"t8Vz2QmL0pR6xN4cJ1wYb7HsK9dF3gE5aU/Xq+Zo\"", "t8Vz2QmL0pR6xN4cJ1wYb7HsK9dF3gE5aU/Xq+Zo"),
        (PiiType::GithubToken, "token ghp_16C7e42F292c6912E7710c838347Ae178B4a ok", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        (PiiType::GithubToken, "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHI", "github_pat_11ABCDEFG0123456789abc_0123456789abcdefghijABCDEFGHIJ0123456789abcdefghijABCDEFGHI"),
        (PiiType::SlackToken, "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
        (PiiType::SlackToken, "post https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX done", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"),
        (PiiType::StripeKey, "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
        (PiiType::StripeKey, "rk_test_51H8xyzABCDEFGHIJKLmnop", "rk_test_51H8xyzABCDEFGHIJKLmnop"),
        (PiiType::GoogleApiKey, "key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&q=1", "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI"),
    ];

    /// Lines that must produce no finding of any type.
    const NEGATIVES: &[&str] = &[
        "AKIA1234 too short, AKIA2JVQ5RZ7HXKM4TNWX too long",
        "ghp_short ghp_****",
        // placeholders and documented examples: the shape, but no issued token
        "key AKIAIOSFODNN7EXAMPLE used",
        "key AKIAXXXXXXXXXXXXXXXX used",
        "token ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ok",
        "apiKey: \"AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        "slack xoxb-12345 truncated",
        "stripe sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
    ];

    #[test]
    fn cases() {
        super::super::check_cases(POSITIVES, NEGATIVES);
    }
}
