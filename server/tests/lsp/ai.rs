//! The AI commands of the real `tftsr lsp` against a fake provider on 127.0.0.1: an open log with
//! findings goes out redacted (the preview is byte for byte what is sent), the reply comes back
//! and is accepted as a why; a provider failure is a clear error with the question kept.

use std::path::Path;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::fake_ai::{Answer, FakeProvider};
use crate::lsp_client::{self, caps_nvim07, Client};

const PLANTED: [&str; 4] = [
    "quentin.xylander@zorblat-mail.test",
    "Gr!zzlyPlum8Tart",
    "AKIAZORBLATQWERTYUIO",
    "ghp_ZorbLatGitHubTokenQwertyUiopAsdfGh12",
];

fn spawn(dir: &Path, base: &str, key: &str) -> Client {
    let base_url = format!("{base}/v1");
    let mut c = Client::spawn(&[
        ("TFTSR_DATA_DIR", dir),
        ("TFTSR_AI_PROVIDER", Path::new("openai")),
        ("TFTSR_AI_BASE_URL", Path::new(&base_url)),
        ("TFTSR_AI_MODEL", Path::new("fake-model-1")),
        ("TFTSR_AI_API_KEY", Path::new(key)),
        ("TFTSR_AI_TIMEOUT", Path::new("20")),
    ]);
    c.initialize(caps_nvim07(), Value::Null, None);
    c
}

fn cmd(c: &mut Client, command: &str, arg: Value) -> Value {
    c.request_full(
        "workspace/executeCommand",
        json!({"command": command, "arguments": [arg]}),
    )
}

fn log_text() -> String {
    let real = lsp_client::corpus::loghub_file("OpenSSH_2k.log");
    let mut t: String = real.lines().take(12).map(|l| format!("{l}\n")).collect();
    t.push_str(&format!(
        "Dec 10 07:09:01 LabSZ sshd[24201]: error: user {} password={} key {}\n",
        PLANTED[0], PLANTED[1], PLANTED[2]
    ));
    t.push_str(&format!(
        "Dec 10 07:09:02 LabSZ deploy: token {} rejected\n",
        PLANTED[3]
    ));
    t
}

#[test]
fn ask_about_an_open_log_preview_send_and_accept_as_a_why() {
    let dir = tempfile::tempdir().unwrap();
    let key = "sk-lsp-fake-KEY-5150";
    let fake = FakeProvider::start(vec![
        Answer::OpenaiStream(vec![
            "Why: Why did the login of the deploy user fail?\n",
            "Answer: its token was revoked\n",
            "Evidence: line 14",
        ]),
        Answer::Status(500, vec![], "{\"error\":{\"message\":\"boom\"}}"),
    ]);
    let mut c = spawn(dir.path(), &fake.base, key);
    let uri = c.doc_uri("auth.log");
    let text = log_text();
    c.open(&uri, "log", &text);
    c.wait_diagnostics(&uri, |d| d.len() >= 4);
    let issue = cmd(
        &mut c,
        "tftsr.createIssue",
        json!({"title": "Deploy logins fail", "severity": "high",
               "description": format!("seen for {}", PLANTED[0])}),
    )["result"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = json!({"issueId": issue, "uri": uri, "useCase": "next-why",
                     "question": format!("is {} related?", PLANTED[2])});
    let mut preview_arg = ask.clone();
    preview_arg["dryRun"] = json!(true);
    let preview = cmd(&mut c, "tftsr.aiAsk", preview_arg);
    let preview = &preview["result"];
    assert_eq!(preview["dryRun"], true, "{preview}");
    assert!(fake.received().is_empty(), "the preview sent something");
    let r = cmd(&mut c, "tftsr.aiAsk", ask.clone());
    assert!(r.get("error").is_none(), "{r}");
    let res = &r["result"];
    assert!(res["reply"]
        .as_str()
        .unwrap()
        .starts_with("Why: Why did the login"));
    let got = fake.received();
    assert_eq!(got.len(), 1);
    assert_eq!(
        preview["bodyText"].as_str().unwrap().as_bytes(),
        &got[0].body[..]
    );
    assert_eq!(res["bodySha256"], hex::encode(Sha256::digest(&got[0].body)));
    for v in PLANTED {
        assert!(
            !got[0].body_text().contains(v),
            "a planted value reached the provider"
        );
        assert!(!got[0].decoded_strings().contains(v));
    }
    let sent = got[0].decoded_strings();
    assert!(sent.contains("[Email-") && sent.contains("[Password-") && sent.contains("[AWSKey-"));
    assert!(sent.contains("[GitHubToken-"));
    // Accepted: only now does it become a why.
    let conv = res["conversationId"].as_str().unwrap().to_owned();
    let why = cmd(&mut c, "tftsr.aiAcceptWhy", json!({"conversationId": conv}));
    assert_eq!(
        why["result"]["why_question"], "Why did the login of the deploy user fail?",
        "{why}"
    );
    assert_eq!(why["result"]["answer"], "its token was revoked");
    let listed = cmd(
        &mut c,
        "tftsr.aiListConversations",
        json!({"issueId": issue}),
    );
    assert_eq!(listed["result"].as_array().unwrap().len(), 1);
    // A failing provider: a clear error naming the kind, the question kept in the conversation.
    let mut again = ask.clone();
    again["conversationId"] = json!(conv);
    let r = cmd(&mut c, "tftsr.aiAsk", again);
    let e = &r["error"];
    assert!(e["message"].as_str().unwrap().contains("HTTP 500"), "{r}");
    assert_eq!(e["data"]["kind"], "server");
    assert_eq!(e["data"]["conversationId"], conv.as_str());
    let shown = cmd(
        &mut c,
        "tftsr.aiGetConversation",
        json!({"conversationId": conv}),
    );
    let roles: Vec<&str> = shown["result"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    let deleted = cmd(
        &mut c,
        "tftsr.aiDeleteConversation",
        json!({"conversationId": conv}),
    );
    assert!(deleted.get("error").is_none(), "{deleted}");
    let (_, log) = c.shutdown_exit();
    assert!(
        !log.contains(key) && !log.contains("KEY-5150"),
        "the key in the server's log"
    );
    for v in PLANTED {
        assert!(!log.contains(v), "a value in the server's log");
    }
}
