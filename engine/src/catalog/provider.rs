//! Secrets issued by one provider, recognised by the provider's format.

use super::{Detect, Family, Partial, Rule, BASE};
use crate::types::Severity;

const TOKEN: Rule = Rule {
    family: Family::ProviderToken,
    severity: Severity::Error,
    specificity: 88,
    ..BASE
};

/// An AWS secret access key is 40 characters of base64.
fn aws_secret_value(v: &[u8]) -> bool {
    v.len() == 40
        && v.iter()
            .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'/' | b'+' | b'='))
}

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "aws_access_key",
        label: "AWS access key id",
        tag: "[AWSKey]",
        keywords: &["AKIA", "ASIA"],
        partial: Partial::Prefix(&["AKIA", "ASIA"]),
        checks: "`AKIA`/`ASIA` + 16 uppercase letters and digits",
        examples: &["key «AKIAIOSFODNN7EXAMPLE» used", "«ASIAY34FZKBOKMUTVV7A»"],
        negatives: &["AKIA1234 too short, AKIAIOSFODNN7EXAMPLEX too long"],
        ..TOKEN
    },
    Rule {
        id: "aws_secret_key",
        label: "AWS secret access key",
        tag: "[AWSSecret]",
        specificity: 85,
        by_key: true,
        keywords: &[
            "aws_secret_access_key",
            "secret_access_key",
            "secretaccesskey",
            "aws_secret_key",
            "aws_secret",
        ],
        detect: Detect::KeyValue {
            value: aws_secret_value,
        },
        checks: "40 base64 characters after an AWS secret key name",
        examples: &[
            "aws_secret_access_key = «wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY»",
            "\"SecretAccessKey\": \"«wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY»\"",
        ],
        negatives: &["aws_secret_access_key=tooshort"],
        ..TOKEN
    },
    Rule {
        id: "github_token",
        label: "GitHub token",
        tag: "[GitHubToken]",
        keywords: &["ghp_", "gho_", "ghs_", "ghu_", "ghr_", "github_pat_"],
        partial: Partial::Prefix(&["github_pat_", "ghp_", "gho_", "ghs_", "ghu_", "ghr_"]),
        checks: "`ghp_`, `gho_`, `ghs_`, `ghu_`, `ghr_` + ≥ 36 alphanumerics; `github_pat_` + 82 word characters",
        examples: &["token «ghp_16C7e42F292c6912E7710c838347Ae178B4a» ok"],
        negatives: &["ghp_short ghp_****"],
        ..TOKEN
    },
    Rule {
        id: "slack_token",
        label: "Slack token",
        tag: "[SlackToken]",
        specificity: 95,
        keywords: &["xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "hooks.slack.com/services/"],
        partial: Partial::Prefix(&["xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-"]),
        checks: "`xox[abposr]-` + ≥ 10 characters with ≥ 4 digits; `https://hooks.slack.com/services/…` webhooks",
        examples: &[
            "«xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx»",
            "post «https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX» done",
        ],
        negatives: &["xoxb-12345 truncated"],
        ..TOKEN
    },
    Rule {
        id: "stripe_key",
        label: "Stripe key",
        tag: "[StripeKey]",
        keywords: &["sk_live_", "rk_live_", "sk_test_", "rk_test_"],
        partial: Partial::Prefix(&["sk_live_", "rk_live_", "sk_test_", "rk_test_"]),
        checks: "`sk_live_`, `rk_live_`, `sk_test_`, `rk_test_` + ≥ 16 alphanumerics",
        examples: &["stripe «sk_live_4eC39HqLyjWDarjtT1zdp7dc»"],
        negatives: &["sk_live_short"],
        ..TOKEN
    },
    Rule {
        id: "google_api_key",
        label: "Google API key",
        tag: "[GoogleKey]",
        keywords: &["AIza"],
        partial: Partial::Prefix(&["AIza"]),
        checks: "`AIza` + 35 characters of `[A-Za-z0-9_-]`",
        examples: &["key=«AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI»&q=1"],
        negatives: &["AIzaSyDdI0hCZtE6vy truncated"],
        ..TOKEN
    },
];
