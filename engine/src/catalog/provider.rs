//! Secrets issued by one provider, recognised by the provider's format.

use super::{Detect, Family, Partial, Rule, BASE};
use crate::types::Severity;
use crate::validate::aws_secret_value;

const TOKEN: Rule = Rule {
    family: Family::ProviderToken,
    severity: Severity::Error,
    specificity: 88,
    ..BASE
};

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "aws_access_key",
        label: "AWS access key id",
        tag: "[AWSKey]",
        keywords: &["AKIA", "ASIA"],
        partial: Partial::Prefix(&["AKIA", "ASIA"]),
        checks: "`AKIA`/`ASIA` + 16 uppercase letters and digits",
        examples: &["key «AKIA2JVQ5RZ7HXKM4TNW» used", "«ASIAY34FZKBOKMUTVV7A»"],
        negatives: &["AKIA1234 too short, AKIA2JVQ5RZ7HXKM4TNWX too long"],
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
            "aws_secret_access_key = «t8Vz2QmL0pR6xN4cJ1wYb7HsK9dF3gE5aU/Xq+Zo»",
            "\"SecretAccessKey\": \"«t8Vz2QmL0pR6xN4cJ1wYb7HsK9dF3gE5aU/Xq+Zo»\"",
        ],
        negatives: &[
            "aws_secret_access_key=tooshort",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "my_secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ],
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
        negatives: &["ghp_short ghp_****", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
        ..TOKEN
    },
    Rule {
        id: "slack_token",
        label: "Slack token",
        tag: "[SlackToken]",
        specificity: 95,
        keywords: &[
            "xoxb-",
            "xoxp-",
            "xoxa-",
            "xoxo-",
            "xoxs-",
            "xoxr-",
            "xoxe-",
            "xoxe.xoxb-",
            "xapp-",
            "hooks.slack.com/services/",
            "hooks.slack.com/workflows/",
        ],
        partial: Partial::Prefix(&[
            "xoxe.xoxb-", "xoxe.xoxp-", "xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxs-", "xoxr-", "xoxe-",
            "xapp-",
        ]),
        checks: "bot, user, refresh, configuration, legacy, workspace and app-level tokens (`xox[abposre]-`, `xoxe.xox[bp]-`, `xapp-`) in the structure Slack issues each in; webhooks `hooks.slack.com/services|workflows|triggers/…` with or without a scheme",
        examples: &[
            "«xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx»",
            "post «https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX» done",
            "«xoxe.xoxp-1-Mi0yLTM0MTQwNDE0MDE3Ni0zNjU5NDY0Njg4MTctNTE4MjA3NTQ5NjA4MC01NDEyOTYyODY5NzUxLThhMTBjZmI1ZWIzMGIwNTg0ZDdmMDI5Y2UxNzVlZWVhYzU2ZWQyZTZiODNjNDZiMGUxMzRlNmNjNDEwYmQxMjQ»",
            "url «hooks.slack.com/workflows/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»",
            "«xapp-1-A0123BCDEFG-1234567890123-0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d»",
        ],
        negatives: &[
            "xoxb-12345 truncated",
            "\"token\": \"xoxp-1234-1234-1234-4ddbc191d40ee098cbaae6f3523ada2d\"",
            "\"token\": \"xoxp-572370529330-573807301142-572331691188-####################\"",
        ],
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
        negatives: &[
            "AIzaSyDdI0hCZtE6vy truncated",
            "apiKey: \"AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
        ],
        ..TOKEN
    },
];
