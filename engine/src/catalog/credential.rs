//! Secrets recognised by their context or generic structure.

use super::{Detect, Family, Partial, Rule, BASE};
use crate::types::Severity;

const CRED: Rule = Rule {
    family: Family::Credential,
    severity: Severity::Error,
    ..BASE
};

/// `pwd=/home/alice` is a working directory, not a password.
fn password_value(v: &[u8]) -> bool {
    !(v[0] == b'/' && v[1..].contains(&b'/'))
}

/// An API key is at least 8 characters with a digit, or 16 without.
fn api_key_value(v: &[u8]) -> bool {
    v.len() >= 8 && (v.iter().any(u8::is_ascii_digit) || v.len() >= 16)
}

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "url_credentials",
        label: "Credentials in URL",
        tag: "[Credentials]",
        specificity: 92,
        keywords: &["://", "@"],
        checks: "`scheme://user:pass@host`: the `user:pass` part (the host stays readable)",
        examples: &[
            "db postgres://«admin:s3cr3t»@db.example.com:5432/x",
            "https://«user:p%40ss»@10.0.0.7/",
        ],
        negatives: &["https://${USER}:${PASS}@example/x", "postgres://[Credentials]@[Hostname]:5432/x"],
        ..CRED
    },
    Rule {
        id: "bearer_token",
        label: "Bearer token",
        tag: "[Bearer]",
        specificity: 80,
        by_key: true,
        keywords: &["Bearer "],
        checks: "the token after `Bearer `: ≥ 12 characters with a digit, or ≥ 20 mixed-case",
        examples: &["Authorization: Bearer «abcDEF123456ghiJKL789»"],
        negatives: &["Bearer realm=\"example\"", "Bearer authentication failed"],
        ..CRED
    },
    Rule {
        id: "jwt",
        label: "JSON Web Token",
        tag: "[JWT]",
        specificity: 90,
        keywords: &["eyJ"],
        partial: Partial::Prefix(&["eyJ"]),
        checks: "three base64url parts whose header decodes to a JSON object",
        examples: &[
            "token «eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U» end",
        ],
        negatives: &["eyJhbGciOiJIUzI1NiJ9 alone", "version eyJub3QiOiJqc29uIn0x.abc.def"],
        ..CRED
    },
    Rule {
        id: "api_key",
        label: "API key",
        tag: "[ApiKey]",
        specificity: 66,
        by_key: true,
        keywords: &[
            "private_token",
            "refresh_token",
            "client_secret",
            "access_token",
            "access-token",
            "accesstoken",
            "auth_token",
            "auth-token",
            "api_secret",
            "app_secret",
            "secret_key",
            "api_token",
            "authtoken",
            "x-api-key",
            "api_key",
            "api-key",
            "apikey",
        ],
        detect: Detect::KeyValue {
            value: api_key_value,
        },
        checks: "the value of `api_key=`, `apikey:`, `access_token=`, `\"x-api-key\": \"…\"` …: ≥ 8 characters with a digit, or ≥ 16",
        examples: &[
            "api_key=«9f8e7d6c5b4a39281706»",
            "{\"x-api-key\": \"«k-12345678abcdef»\"}",
            "GET /x?access_token=«ya29a0AfH6SMBx1234»&y=1",
        ],
        negatives: &["api_key=${API_KEY}", "api_key=short"],
        ..CRED
    },
    Rule {
        id: "password",
        label: "Password",
        tag: "[Password]",
        specificity: 65,
        by_key: true,
        keywords: &["passphrase", "password", "passwd", "pass", "pwd"],
        detect: Detect::KeyValue {
            value: password_value,
        },
        checks: "the value of `password=`, `passwd:`, `pwd=`, `\"password\": \"…\"`; empty, masked and placeholder values are not findings",
        examples: &[
            "login password=«hunter2» ok",
            "{\"password\": \"«correct horse battery»\"}",
            "DB_PASSWORD='«p@ss w0rd»'",
        ],
        negatives: &[
            "password= user=bob",
            "password=**** retry",
            "Failed password for root from",
            "passwordFile=/etc/app/pw",
        ],
        ..CRED
    },
    Rule {
        id: "private_key",
        label: "Private key",
        tag: "[PrivateKey]",
        specificity: 100,
        keywords: &["-----BEGIN ", "PRIVATE KEY-----", "-----END "],
        partial: Partial::PemLines,
        checks: "a PEM block from `-----BEGIN … PRIVATE KEY-----` to its END line, within 64 KiB",
        examples: &[
            "«-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----»",
        ],
        negatives: &["-----BEGIN RSA PRIVATE KEY----- (truncated)"],
        ..CRED
    },
];
