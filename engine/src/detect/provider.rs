//! Secrets issued by one provider, recognised by the provider's format: AWS access key ids and
//! Google API keys (uppercase word starts), GitHub, Slack and Stripe tokens (a word and the
//! delimiter of their prefix).

use super::{alnum, at, run, token_char, Scan, Slot};
use crate::types::PiiType;

/// Slack tokens are at most this long after their `xox?-` prefix.
const SLACK_MAX: usize = 255;

/// Other provider tokens without a fixed length are at most this long.
const PROVIDER_MAX: usize = 255;

impl Scan<'_, '_> {
    pub(super) fn aws_key(&mut self, s: usize, we: usize) {
        let b = self.b;
        if we - s == 20
            && b[s + 4..we]
                .iter()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && !token_char(at(b, we))
        {
            self.push(PiiType::AwsAccessKey, s, we);
        }
    }

    pub(super) fn google_key(&mut self, s: usize) {
        let e = self.run_memo(Slot::GoogleKey, s);
        if e - s == 39 {
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
        if ok && at(b, e) != b'-' {
            self.push(PiiType::GithubToken, s, e);
        }
    }

    pub(super) fn slack(&mut self, s: usize) {
        let b = self.b;
        if !matches!(at(b, s + 3), b'a' | b'b' | b'p' | b'o' | b's' | b'r') || at(b, s + 4) != b'-'
        {
            return;
        }
        let e = self.run_memo(Slot::SlackToken, s + 5);
        if e - s - 5 > SLACK_MAX || !self.try_run(Slot::SlackToken, e, 4) {
            return;
        }
        let body = &b[s + 5..e];
        if body.len() >= 10 && body.iter().filter(|c| c.is_ascii_digit()).count() >= 4 {
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
        if e - s - pre >= 16 && e - s <= PROVIDER_MAX && at(b, e) != b'_' {
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
        (PiiType::AwsAccessKey, "key AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE"),
        (PiiType::AwsAccessKey, "ASIAY34FZKBOKMUTVV7A", "ASIAY34FZKBOKMUTVV7A"),
        (PiiType::AwsSecretKey, "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        (PiiType::AwsSecretKey, "\"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
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
        "AKIA1234 too short, AKIAIOSFODNN7EXAMPLEX too long",
        "ghp_short ghp_****",
    ];

    #[test]
    fn cases() {
        super::super::check_cases(POSITIVES, NEGATIVES);
    }
}
