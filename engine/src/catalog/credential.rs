//! Secrets recognised by their context or generic structure.

use super::{Family, Partial, Rule, BASE};
use crate::types::Severity;

const CRED: Rule = Rule {
    family: Family::Credential,
    severity: Severity::Error,
    ..BASE
};

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "url_credentials",
        label: "Credentials in URL",
        tag: "[Credentials]",
        specificity: 92,
        keywords: &["://", "@"],
        checks: "`scheme://user:pass@host`: the `user:pass` part, also with an empty user name (`redis://:pass@host`; the host stays readable)",
        examples: &[
            "db postgres://«admin:s3cr3t»@db.example.com:5432/x",
            "cache redis://«:s3cret»@cache:6379/0",
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
        label: "API key or secret",
        tag: "[ApiKey]",
        specificity: 66,
        by_key: true,
        keywords: &[
            "secret",
            "token",
            "api_key",
            "apikey",
            "x-api-key",
            "credentials",
            "creds",
            "auth",
            "access_key",
            "private_key",
            "client_secret",
            "session",
            "cookie",
        ],
        checks: "the value after a key whose name holds a secret's word (`api_key`, `x-api-key`, `genericToken`, `mySecretString`, `credentials`, `client_secret`, `session_id`, `X-Vault-Key` …, in any case and in `k=v`, `k: v`, `k := v`, `k ?= v`, `\"k\": \"v\"`, `<k>v</k>`, `setProperty(\"k\", \"v\")`, `--k v` …), and `Authorization: Token|ApiKey|… <credentials>`: ≥ 8 characters, not a word, path, URL, version, placeholder or low-entropy run",
        examples: &[
            "api_key=«9f8e7d6c5b4a39281706»",
            "{\"x-api-key\": \"«k-12345678abcdef»\"}",
            "GET /x?access_token=«ya29a0AfH6SMBx1234»&y=1",
            "var genericToken string = \"«Zf3D0L5wq1rXhG9mK2tYbN7cV4e»\"",
            "<clientSecret>«q7Lw2vN9xRt5Zp3Km8Ys»</clientSecret>",
            "System.setProperty(\"API_TOKEN\", \"«f3a9c1d7e5b2084f6a1c»\")",
            "./app --api-key «Zf3D0L5wq1rXhG9mK2tY» --verbose",
            "Authorization: Token «9f8e7d6c5b4a39281706abcd»",
        ],
        negatives: &[
            "api_key=${API_KEY}",
            "api_key=short",
            "token_url=/oauth/token",
            "sessionid: 0x14ed93111f20000",
            "token=Token{78af589 ActivityRecord{3b04890}}",
            "csrf_token=abcdef0123456789abcd",
            "secret_name=prod-db-credentials-2024",
        ],
        ..CRED
    },
    Rule {
        id: "password",
        label: "Password",
        tag: "[Password]",
        specificity: 65,
        by_key: true,
        keywords: &["passphrase", "password", "passwd", "pass", "pwd"],
        checks: "the value after a key whose name holds a password's word (`password`, `passwd`, `pwd`, `pass`, `passphrase`: `db_password=`, `DB_PASSWORD:`, `dbPassword`, any syntax as for `api_key`), `Authorization: Basic` credentials that decode to `user:pass`, `curl -u/--user user:pass`, `mysql -pX`, `sshpass -p X`; empty, masked, placeholder and yes/no values are not findings",
        examples: &[
            "login password=«hunter2» ok",
            "{\"password\": \"«correct horse battery»\"}",
            "DB_PASSWORD='«p@ss w0rd»'",
            "Authorization: Basic «dXNlcjpwYXNzd29yZDEyMw==»",
            "curl -u «admin:S3cr3tPassw0rd» https://x",
        ],
        negatives: &[
            "password= user=bob",
            "password=**** retry",
            "Failed password for root from",
            "passwordFile=/etc/app/pw",
            "(using password: YES)",
            "PuttyPassword=0",
            "curl -u username:token http://x",
            "Authorization: Basic ...",
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
