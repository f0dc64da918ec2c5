//! `tftsr ai …` against a fake AI provider: a real HTTP server on 127.0.0.1 (port 0) in the test,
//! speaking both wire formats (OpenAI-compatible chat completions and Anthropic Messages, both
//! streamed as server-sent events), recording every request it receives. What the tests check is
//! what arrived over the socket, never what the client meant to send.

use std::net::TcpListener;
use std::path::Path;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::fake_ai::{Answer, FakeProvider, Received};
use crate::support::{corpus_lines, tftsr};

/// `tftsr` with the store in `dir` and the provider at `base`.
fn ai(dir: &Path, provider: &str, base: &str) -> assert_cmd::Command {
    let mut c = tftsr(dir);
    c.env("TFTSR_AI_PROVIDER", provider)
        .env("TFTSR_AI_BASE_URL", base)
        .env("TFTSR_AI_MODEL", "fake-model-1")
        .env("TFTSR_AI_TIMEOUT", "20");
    c
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn new_issue(dir: &Path, title: &str, description: &str) -> String {
    let out = tftsr(dir)
        .args(["issue", "new", "--title", title, "--severity", "high"])
        .args(["--description", description, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_of(&out)["id"].as_str().unwrap().to_owned()
}

/// One value of every built-in finding type, each distinctive enough that a 4-character piece of
/// it found in a request is a leak, not a coincidence; with the text that makes it a finding.
const PLANTED: &[(&str, &str, &str)] = &[
    ("email", "user ", "quentin.xylander@zorblat-mail.test"),
    ("phone", "call ", "+1 415 555 0199"),
    ("ssn", "ssn ", "536-22-4198"),
    ("credit_card", "card ", "4111 1111 1111 1111"),
    ("iban", "iban ", "GB82 WEST 1234 5698 7654 32"),
    ("ipv4", "client=", "203.0.113.77"),
    ("ipv6", "from ", "2001:db8:85a3::8a2e:370:7334"),
    ("mac_address", "hwaddr ", "3c:22:fb:9d:41:e7"),
    ("hostname", "connect to ", "vault-kqz.internal.zorblat.io"),
    ("url_credentials", "url=https://", "deployer:Wq8rTz2pLm4v"),
    ("bearer_token", "Authorization: Bearer ", "QmVhcmVyVG9rZW5Yb3JibGF0MjAyNg"),
    ("jwt", "jwt ", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJxeXoiLCJuYW1lIjoiWm9yYiJ9.TJVA95OrM7E2cBab30RMHrHDcEfxjoYZgeFONFh7HgQ"),
    ("api_key", "api_key=", "ZorbKey7HJKLMNPQRstuvwxyz4GHJKLMN"),
    ("password", "password=", "Gr!zzlyPlum8Tart"),
    ("aws_access_key", "key ", "AKIAZORBLATQWERTYUIO"),
    ("aws_secret_key", "aws_secret_access_key=", "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"),
    ("github_token", "token ", "ghp_ZorbLatGitHubTokenQwertyUiopAsdfGh12"),
    ("slack_token", "slack ", "xoxb-123456789012-1234567890123-ZorbLatSlackTokenQwertyUi"),
    ("stripe_key", "stripe ", "sk_live_ZorbLatStripeKeyQwertyUiop12"),
    ("google_api_key", "gkey ", "AIzaSyZorbLatGoogleKeyQwertyUiopAsdfGh1"),
];

const PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAzorbLatPrivKeyQwertyUiopAsdfGhJkLzXcVbNm\nZorbLatSecondLineOfTheKeyQwertyUiopAsdfGhJkLzXcVbNmQw\n-----END RSA PRIVATE KEY-----";

/// A log of real loghub lines with every planted value on a line of its own context.
fn planted_log() -> String {
    let mut lines = corpus_lines("OpenSSH_2k.log", 30);
    for (i, (ty, before, value)) in PLANTED.iter().enumerate() {
        let at = 1 + i;
        let l = &lines[at];
        // `user:pass` is a finding inside a URL: the host after it stays (a finding of its own).
        let after = if *ty == "url_credentials" {
            "@vault-kqz.internal.zorblat.io/repo"
        } else {
            ""
        };
        lines[at] = format!("{l} {before}{value}{after}");
    }
    lines.insert(25, PEM.to_owned());
    let mut s = lines.join("\n");
    s.push('\n');
    s
}

/// The planted values of every kind, one string each (the PEM as a whole and its lines).
fn all_values() -> Vec<String> {
    let mut v: Vec<String> = PLANTED.iter().map(|p| p.2.to_owned()).collect();
    v.extend(PEM.lines().skip(1).take(2).map(str::to_owned));
    v
}

/// Fails when `sent` holds a planted value or a piece of 4 or more of its characters that the
/// inputs without the plants (`clean`) do not hold anyway. Redaction tokens (`[Email-3f9a1c2b7d4e5f6071]`)
/// are taken out first: their hex is our own output, not a fragment of a value; so are the ids,
/// timestamps and SHA-256s the store and the audit generate (a UUID v7 made at 01:29 held
/// `2345`, a piece of a planted Slack token, by chance).
fn assert_no_leak(sent: &str, clean: &str, what: &str) {
    // (Type names hold digits: `[IPv4-e789062b483cd9714b]`, whose random hex once held a
    // piece of a planted value and failed a CI run.)
    let tokens = regex::Regex::new(r"\[[A-Za-z][A-Za-z0-9]*(-[0-9a-f]{18})?\]").unwrap();
    let sent = tokens.replace_all(sent, "[]");
    let generated = regex::Regex::new(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b[0-9a-f]{64}\b|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?",
    )
    .unwrap();
    let sent = generated.replace_all(&sent, "<generated>");
    for value in all_values() {
        assert!(
            !sent.contains(&value),
            "{what}: the planted value {value:?} reached the provider"
        );
        let chars: Vec<char> = value.chars().collect();
        for w in chars.windows(4) {
            let piece: String = w.iter().collect();
            if clean.contains(&piece) {
                continue;
            }
            if let Some(at) = sent.find(&piece) {
                let from = sent[..at].char_indices().rev().nth(40).map_or(0, |c| c.0);
                let ctx: String = sent[from..].chars().take(90).collect();
                panic!(
                    "{what}: the piece {piece:?} of a planted value reached the provider: {ctx:?}"
                );
            }
        }
    }
}

/// Everything the inputs hold apart from the planted values: the loghub lines, our prompts
/// (as the first request carries them with nothing planted) and the words of the test.
fn clean_text(extra: &[&str]) -> String {
    let mut s = corpus_lines("OpenSSH_2k.log", 30).join("\n");
    for (_, before, _) in PLANTED {
        s.push('\n');
        s.push_str(before);
    }
    for e in extra {
        s.push('\n');
        s.push_str(e);
    }
    s
}

#[test]
fn no_planted_value_reaches_the_provider_and_the_audit_hashes_what_arrived() {
    let dir = tempfile::tempdir().unwrap();
    let title = "Login storm from 203.0.113.77 for quentin.xylander@zorblat-mail.test";
    let description = "Users report lockouts; password=Gr!zzlyPlum8Tart was in the runbook, token ghp_ZorbLatGitHubTokenQwertyUiopAsdfGh12 too";
    let issue = new_issue(dir.path(), title, description);
    let log = dir.path().join("auth.log");
    std::fs::write(&log, planted_log()).unwrap();
    // The model echoes a value back (it happens: a user pastes one in a follow-up); it is stored
    // as received, so the next request must redact it out of the history.
    let fake = FakeProvider::start(vec![
        Answer::OpenaiStream(vec![
            "The lockouts ",
            "come from one client; ",
            "check AKIAZORBLATQWERTYUIO ",
            "rotation.",
        ]),
        Answer::OpenaiStream(vec!["Rotate the key."]),
    ]);
    let base = format!("{}/v1", fake.base);
    let question = "Why does connect to vault-kqz.internal.zorblat.io fail for 3c:22:fb:9d:41:e7? key sk_live_ZorbLatStripeKeyQwertyUiop12";
    let out = ai(dir.path(), "openai", &base)
        .env("TFTSR_AI_API_KEY", "sk-fake-provider-key-9Zq")
        .args(["ai", "ask", &issue, question, "--log"])
        .arg(&log)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Streamed to stdout as it came.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        "The lockouts come from one client; check AKIAZORBLATQWERTYUIO rotation."
    );
    let conv = stderr
        .split_whitespace()
        .skip_while(|w| *w != "conversation")
        .nth(1)
        .expect("the conversation id on stderr")
        .to_owned();
    // Second turn: the history (our question, the reply with the echoed key) goes again.
    let out = ai(dir.path(), "openai", &base)
        .env("TFTSR_AI_API_KEY", "sk-fake-provider-key-9Zq")
        .args([
            "ai",
            "ask",
            &issue,
            "And now? call +1 415 555 0199",
            "--conversation",
            &conv,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json_of(&out);
    assert_eq!(j["conversation_id"], conv.as_str());
    assert_eq!(j["reply"], "Rotate the key.");

    let got = fake.received();
    assert_eq!(got.len(), 2);
    // Our own words (the prompts) as a request with nothing planted carries them.
    let plain_issue = new_issue(dir.path(), "Login storm", "Users report lockouts");
    let plain_log = dir.path().join("plain.log");
    std::fs::write(&plain_log, clean_text(&[])).unwrap();
    let out = ai(dir.path(), "openai", &base)
        .args([
            "ai",
            "ask",
            &plain_issue,
            "Why does it fail?",
            "--dry-run",
            "--log",
        ])
        .arg(&plain_log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let prompts = String::from_utf8(out.stdout).unwrap();
    let clean = clean_text(&[
        &prompts,
        "Login storm from",
        "for",
        "Users report lockouts;",
        "Why does connect to",
        "fail for",
    ]);
    for (n, r) in got.iter().enumerate() {
        assert_eq!(r.request_line, "POST /v1/chat/completions HTTP/1.1");
        assert_eq!(
            r.header("authorization"),
            Some("Bearer sk-fake-provider-key-9Zq")
        );
        assert_no_leak(&r.body_text(), &clean, &format!("request {n} (raw body)"));
        assert_no_leak(
            &r.decoded_strings(),
            &clean,
            &format!("request {n} (decoded)"),
        );
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["model"], "fake-model-1");
        assert_eq!(v["stream"], true);
    }
    // Every type was found and replaced: its token is in the first request.
    let first = got[0].decoded_strings();
    for tag in [
        "[Email-",
        "[Phone-",
        "[SSN-",
        "[CreditCard-",
        "[IBAN-",
        "[IPv4-",
        "[IPv6-",
        "[MAC-",
        "[Hostname-",
        "[Credentials-",
        "[Bearer-",
        "[JWT-",
        "[ApiKey-",
        "[Password-",
        "[AWSKey-",
        "[AWSSecret-",
        "[GitHubToken-",
        "[SlackToken-",
        "[StripeKey-",
        "[GoogleKey-",
        "[PrivateKey-",
    ] {
        assert!(first.contains(tag), "no {tag} token in the request");
    }
    // Pseudonyms: the host of the question is the same token on the log's two lines with it.
    let asked = regex::Regex::new(r"Why does connect to (\[Hostname-[0-9a-f]{18}\])")
        .unwrap()
        .captures(&first)
        .expect("the question's host, as a token")[1]
        .to_owned();
    assert_eq!(
        first.matches(&asked).count(),
        3,
        "{asked} in the question and 2 log lines"
    );
    // The second request carries the history: the first question, the reply (redacted), the new one.
    let second: Value = serde_json::from_slice(&got[1].body).unwrap();
    let roles: Vec<&str> = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "user", "assistant", "user"]);
    assert!(second["messages"][2]["content"]
        .as_str()
        .unwrap()
        .contains("[AWSKey-"));

    // The audit: one ai_send per request, the SHA-256 of the exact bytes received, counts only.
    let out = tftsr(dir.path())
        .args(["audit", "--action", "ai_send", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let audit_text = String::from_utf8_lossy(&out.stdout).into_owned();
    let audit = json_of(&out);
    let mut hashes: Vec<String> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["details"]["body_sha256"].as_str().unwrap().to_owned())
        .collect();
    let mut expected: Vec<String> = got
        .iter()
        .map(|r| hex::encode(Sha256::digest(&r.body)))
        .collect();
    hashes.sort();
    expected.sort();
    assert_eq!(hashes, expected);
    let first_entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["details"]["body_sha256"] == expected_hash(&got[0]))
        .unwrap();
    assert_eq!(first_entry["entity_id"], issue.as_str());
    assert!(
        first_entry["details"]["counts"]["private_key"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert_eq!(
        first_entry["details"]["body_bytes"].as_u64().unwrap(),
        got[0].body.len() as u64
    );
    let type_ids: Vec<&str> = PLANTED.iter().map(|p| p.0).collect();
    let clean_audit = format!("{clean}\n{}\nprivate_key", type_ids.join("\n"));
    assert_no_leak(&audit_text, &clean_audit, "the audit");
    assert!(!audit_text.contains("sk-fake-provider-key-9Zq"));

    // What is stored is what was sent: no value in the user turns.
    let out = tftsr(dir.path())
        .args(["ai", "show", &conv, "--json"])
        .output()
        .unwrap();
    let shown = json_of(&out);
    let msgs = shown["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    for m in msgs.iter().filter(|m| m["role"] == "user") {
        assert_no_leak(
            m["content"].as_str().unwrap(),
            &clean,
            "a stored user message",
        );
    }
    assert_eq!(msgs[3]["token_count"], 17);
    // Listed under the issue, and deleted.
    let out = tftsr(dir.path())
        .args(["ai", "list", &issue, "--json"])
        .output()
        .unwrap();
    assert_eq!(json_of(&out).as_array().unwrap().len(), 1);
    let out = tftsr(dir.path())
        .args(["ai", "delete", &conv, "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = tftsr(dir.path())
        .args(["ai", "list", &issue, "--json"])
        .output()
        .unwrap();
    assert_eq!(json_of(&out).as_array().unwrap().len(), 0);
}

fn expected_hash(r: &Received) -> Value {
    Value::String(hex::encode(Sha256::digest(&r.body)))
}

#[test]
fn dry_run_prints_the_exact_body_a_send_then_delivers_and_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let issue = new_issue(dir.path(), "Disk full on the build host", "since 02:00");
    let log = dir.path().join("auth.log");
    std::fs::write(&log, planted_log()).unwrap();
    let fake = FakeProvider::start(vec![Answer::OpenaiStream(vec!["ok"])]);
    let base = format!("{}/v1", fake.base);
    let dry = ai(dir.path(), "openai", &base)
        .args(["ai", "ask", &issue, "what happened?", "--log"])
        .arg(&log)
        .arg("--dry-run")
        .output()
        .unwrap();
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(fake.received().is_empty(), "a dry run sent something");
    let out = tftsr(dir.path())
        .args(["ai", "list", &issue, "--json"])
        .output()
        .unwrap();
    assert_eq!(
        json_of(&out).as_array().unwrap().len(),
        0,
        "a dry run stored a conversation"
    );
    let sent = ai(dir.path(), "openai", &base)
        .args(["ai", "ask", &issue, "what happened?", "--log"])
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let got = fake.received();
    assert_eq!(got.len(), 1);
    let mut printed = dry.stdout.clone();
    assert_eq!(printed.pop(), Some(b'\n'));
    assert_eq!(
        printed, got[0].body,
        "the dry run printed other bytes than were sent"
    );
}

#[test]
fn anthropic_messages_are_streamed_and_the_key_goes_only_in_its_header() {
    let dir = tempfile::tempdir().unwrap();
    let issue = new_issue(dir.path(), "Checkout 500s", "after the deploy");
    let fake = FakeProvider::start(vec![Answer::AnthropicStream(vec![
        "Why: Why did the pool run dry?\n",
        "Answer: connections leaked after the deploy\n",
        "Evidence: pool warnings from 02:00",
    ])]);
    let out = ai(dir.path(), "anthropic", &fake.base)
        .env("TFTSR_AI_API_KEY", "sk-ant-fake-KEY-7788")
        .args(["ai", "ask", &issue, "--use-case", "next-why", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json_of(&out);
    assert!(j["reply"]
        .as_str()
        .unwrap()
        .starts_with("Why: Why did the pool run dry?"));
    assert_eq!(j["output_tokens"], 23);
    let got = fake.received();
    assert_eq!(got[0].request_line, "POST /v1/messages HTTP/1.1");
    assert_eq!(got[0].header("x-api-key"), Some("sk-ant-fake-KEY-7788"));
    assert_eq!(got[0].header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(got[0].header("authorization"), None);
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert!(body["system"].as_str().unwrap().contains("Checkout 500s"));
    assert_eq!(body["messages"][0]["role"], "user");
    assert!(!got[0].body_text().contains("sk-ant-fake-KEY-7788"));
    // Accepted as the next why: only now does it become one.
    let conv = j["conversation_id"].as_str().unwrap();
    let out = tftsr(dir.path())
        .args(["ai", "accept-why", conv, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = tftsr(dir.path())
        .args(["why", "list", &issue, "--json"])
        .output()
        .unwrap();
    let whys = json_of(&out);
    assert_eq!(whys[0]["why_question"], "Why did the pool run dry?");
    assert_eq!(whys[0]["answer"], "connections leaked after the deploy");
}

#[test]
fn a_redaction_the_scan_still_finds_refuses_the_send() {
    let dir = tempfile::tempdir().unwrap();
    // A tag without brackets: the pseudonym `TICKET-3f9a1c2b7d4e5f6071` matches the rule again.
    std::fs::write(
        dir.path().join(".tftsr.toml"),
        "[[rules]]\nid = \"ticket\"\nregex = '\\bTICKET-[0-9a-zA-Z]{6,}\\b'\ntag = \"TICKET\"\nexamples = [\"see TICKET-AB12CD\"]\n",
    )
    .unwrap();
    let issue = new_issue(dir.path(), "Ticket storm", "none");
    let fake = FakeProvider::start(vec![Answer::OpenaiStream(vec!["never"])]);
    let out = ai(dir.path(), "openai", &format!("{}/v1", fake.base))
        .args(["ai", "ask", &issue, "what about TICKET-QZ91XY?"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused to send"), "{err}");
    assert!(err.contains("ticket"), "{err}");
    assert!(!err.contains("QZ91XY"), "{err}");
    assert!(fake.received().is_empty());
    // The tag style leaves `TICKET`, which the rule does not match: that goes.
    let out = ai(dir.path(), "openai", &format!("{}/v1", fake.base))
        .args([
            "ai",
            "ask",
            &issue,
            "what about TICKET-QZ91XY?",
            "--style",
            "tag",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = fake.received();
    assert!(!got[0].body_text().contains("QZ91XY"));
}

/// Each fault: exit 2, a message that says what happened, the user's message kept, no reply
/// stored, and neither the key nor the question in the message.
#[test]
fn provider_faults_are_clear_errors_that_keep_the_question_and_store_no_reply() {
    let key = "sk-fault-KEY-31337";
    let cases: Vec<(Answer, &str)> = vec![
        (
            Answer::Status(401, vec![], "{\"error\":{\"message\":\"Incorrect API key provided: sk-fault-KEY-31337\"}}"),
            "refused the credentials (HTTP 401)",
        ),
        (
            Answer::Status(429, vec![("retry-after", "7")], "{\"error\":{\"message\":\"slow down\"}}"),
            "retry after 7 s",
        ),
        (
            Answer::Status(500, vec![], "{\"error\":{\"message\":\"upstream broke for quentin.xylander@zorblat-mail.test\"}}"),
            "failed (HTTP 500)",
        ),
        (Answer::CutOff(vec!["Partial ", "answer"]), "cut off"),
        (Answer::Malformed, "malformed"),
        (Answer::Silent, "did not answer within 1 s"),
    ];
    for (answer, expect) in cases {
        let dir = tempfile::tempdir().unwrap();
        let issue = new_issue(dir.path(), "Faults", "none");
        let fake = FakeProvider::start(vec![answer.clone()]);
        let out = ai(dir.path(), "openai", &format!("{}/v1", fake.base))
            .env("TFTSR_AI_API_KEY", key)
            .env("TFTSR_AI_TIMEOUT", "1")
            .args([
                "ai",
                "ask",
                &issue,
                "what broke? quentin.xylander@zorblat-mail.test",
            ])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{answer:?}: {err}");
        assert!(err.contains(expect), "{answer:?}: {err}");
        assert!(err.contains("your message is kept"), "{answer:?}: {err}");
        assert!(
            !err.contains(key) && !err.contains("KEY-31337"),
            "{answer:?}: the key in {err}"
        );
        assert!(!err.contains("zorblat"), "{answer:?}: a value in {err}");
        let out = tftsr(dir.path())
            .args(["ai", "list", &issue, "--json"])
            .output()
            .unwrap();
        let convs = json_of(&out);
        let conv = convs[0]["id"].as_str().unwrap();
        let out = tftsr(dir.path())
            .args(["ai", "show", conv, "--json"])
            .output()
            .unwrap();
        let msgs = json_of(&out)["messages"].as_array().unwrap().clone();
        let roles: Vec<&str> = msgs.iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["user"], "{answer:?}: only the question is stored");
    }
}

#[test]
fn a_refused_connection_and_no_configuration_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let issue = new_issue(dir.path(), "Offline", "none");
    // A port nobody listens on: bound, then released.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = ai(dir.path(), "openai", &format!("http://127.0.0.1:{port}/v1"))
        .args(["ai", "ask", &issue, "anyone there?"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot connect to the AI provider"), "{err}");
    assert!(err.contains("your message is kept"), "{err}");
    // Nothing configured: nothing is sent anywhere, and the message says how to configure.
    let out = tftsr(dir.path())
        .args(["ai", "ask", &issue, "anyone there?"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("no AI provider is configured"), "{err}");
    // A key kept in the store is shown only as set.
    let mut set = tftsr(dir.path());
    set.args(["ai", "config", "set", "TFTSR_AI_API_KEY"])
        .write_stdin("sk-stored-KEY-4242\n");
    assert!(set.output().unwrap().status.success());
    let out = tftsr(dir.path())
        .args(["ai", "config", "show"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.contains("TFTSR_AI_API_KEY = <set>  (store)"),
        "{shown}"
    );
    assert!(!shown.contains("4242"));
    let out = tftsr(dir.path())
        .args(["audit", "--json"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("KEY-4242"));
}
