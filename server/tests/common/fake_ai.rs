//! A fake AI provider for the tests: a real HTTP server on 127.0.0.1 (port 0) speaking both wire
//! formats (OpenAI-compatible chat completions and Anthropic Messages, streamed as server-sent
//! events) and the faults, recording every request as it arrived over the socket.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub request_line: String,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn body_text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("request body is UTF-8")
    }
    /// The body as the provider decodes it: every string in the JSON, unescaped.
    pub fn decoded_strings(&self) -> String {
        fn walk(v: &Value, out: &mut String) {
            match v {
                Value::String(s) => {
                    out.push_str(s);
                    out.push('\n');
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                Value::Object(o) => o.values().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let v: Value = serde_json::from_slice(&self.body).expect("request body is JSON");
        let mut out = String::new();
        walk(&v, &mut out);
        out
    }
}

/// How the fake provider answers one request.
#[derive(Clone, Debug)]
pub enum Answer {
    /// A streamed OpenAI-compatible reply in these pieces, `[DONE]` at the end.
    OpenaiStream(Vec<&'static str>),
    /// A streamed Anthropic reply in these pieces, `message_stop` at the end.
    AnthropicStream(Vec<&'static str>),
    /// A status with extra headers and a body.
    Status(u16, Vec<(&'static str, &'static str)>, &'static str),
    /// An OpenAI stream that stops after these pieces, no finish reason, no `[DONE]`.
    CutOff(Vec<&'static str>),
    /// An event stream whose second event is not JSON.
    Malformed,
    /// Reads the request and never answers (until the client goes away).
    Silent,
}

pub struct FakeProvider {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeProvider {
    /// Serves `answers` in order, one connection each, on 127.0.0.1 and a port the OS picks.
    pub fn start(answers: Vec<Answer>) -> FakeProvider {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = received.clone();
        std::thread::spawn(move || {
            for answer in answers {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                serve(stream, answer, &rec);
            }
        });
        FakeProvider { base, received }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, answer: Answer, rec: &Mutex<Vec<Received>>) {
    let mut r = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if r.read_line(&mut request_line).is_err() {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut l = String::new();
        if r.read_line(&mut l).unwrap_or(0) == 0 {
            return;
        }
        let l = l.trim_end();
        if l.is_empty() {
            break;
        }
        let (k, v) = l.split_once(':').expect("header line");
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .expect("the client sends a content-length");
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    rec.lock().unwrap().push(Received {
        request_line: request_line.trim_end().to_owned(),
        headers,
        body,
    });
    let mut w = stream;
    let sse = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
    let openai_piece = |t: &str| {
        format!(
            "data: {}\n\n",
            serde_json::json!({"choices": [{"index": 0, "delta": {"content": t}}]})
        )
    };
    let out = match answer {
        Answer::OpenaiStream(pieces) => {
            let mut s = sse.to_owned();
            for p in pieces {
                s.push_str(&openai_piece(p));
                s.push_str(": keep-alive\n\n");
            }
            s.push_str(
                "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            );
            s.push_str("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":321,\"completion_tokens\":17}}\n\n");
            s.push_str("data: [DONE]\n\n");
            s
        }
        Answer::AnthropicStream(pieces) => {
            let mut s = sse.to_owned();
            s.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":300,\"output_tokens\":1}}}\n\n");
            s.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
            for p in pieces {
                s.push_str(&format!(
                    "event: content_block_delta\ndata: {}\n\n",
                    serde_json::json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}})
                ));
                s.push_str("event: ping\ndata: {\"type\":\"ping\"}\n\n");
            }
            s.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":23}}\n\n");
            s.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
            s
        }
        Answer::Status(code, extra, body) => {
            let mut s = format!(
                "HTTP/1.1 {code} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (k, v) in extra {
                s.push_str(&format!("{k}: {v}\r\n"));
            }
            s.push_str("\r\n");
            s.push_str(body);
            s
        }
        Answer::CutOff(pieces) => {
            let mut s = sse.to_owned();
            for p in pieces {
                s.push_str(&openai_piece(p));
            }
            s
        }
        Answer::Malformed => {
            let mut s = sse.to_owned();
            s.push_str(&openai_piece("Half"));
            s.push_str("data: {\"choices\": [ oops\n\n");
            s
        }
        Answer::Silent => {
            // Hold the connection until the client gives up and closes it.
            let mut sink = [0u8; 64];
            while matches!(r.read(&mut sink), Ok(n) if n > 0) {}
            return;
        }
    };
    let _ = w.write_all(out.as_bytes());
    let _ = w.flush();
}
