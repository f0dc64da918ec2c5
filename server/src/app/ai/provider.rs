//! The two wire formats (OpenAI-compatible chat completions, Anthropic Messages): the request
//! body, the HTTP exchange (ureq: sync, rustls, proxies from `HTTPS_PROXY`/`HTTP_PROXY`/
//! `ALL_PROXY` and `NO_PROXY`), and the streamed reply (server-sent events) handed over delta by
//! delta as it arrives.
//!
//! A reply is complete only when the provider says so (`[DONE]` or a finish reason; Anthropic's
//! `message_stop`): a stream that ends before that is an error, never a shorter reply. Errors say
//! what happened and what to check, never the API key (401/403 bodies are not even read: some
//! providers echo part of the key) and never a request's content.

use std::io::{BufRead, BufReader, Read};

use serde::Serialize;
use serde_json::{json, Value};

use super::config::{AiConfig, ProviderKind, API_KEY, BASE_URL, MODEL};
use super::guard::Checked;

/// The longest reply accepted, so a runaway stream cannot fill memory.
pub const MAX_REPLY_BYTES: usize = 4 << 20;

/// Anthropic needs `max_tokens`; the others get the model's own default.
pub const ANTHROPIC_MAX_TOKENS: u32 = 4096;

/// `anthropic-version` header: the Messages API version these events are parsed for.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "system" => Some(Role::System),
            "user" => Some(Role::User),
            "assistant" => Some(Role::Assistant),
            _ => None,
        }
    }
}

/// One message of a request, already redacted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

/// A complete reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub text: String,
    /// From the provider's usage, when it reports it.
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    /// Why the model stopped (`stop`, `length`, `end_turn`, `max_tokens` …), when said.
    pub stop_reason: Option<String>,
}

impl Reply {
    /// The model stopped at its token limit: the reply is whole as far as the provider is
    /// concerned, but the text was cut by the limit.
    pub fn hit_limit(&self) -> bool {
        matches!(self.stop_reason.as_deref(), Some("length" | "max_tokens"))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("cannot connect to the AI provider at {endpoint}: {reason} (check {BASE_URL}, and that the server is running)")]
    Connect { endpoint: String, reason: String },
    #[error("the AI provider at {endpoint} did not answer within {secs} s (TFTSR_AI_TIMEOUT)")]
    Timeout { endpoint: String, secs: u64 },
    #[error("the AI provider refused the credentials (HTTP {status}): check {API_KEY}")]
    Unauthorized { status: u16 },
    #[error("the AI provider is rate limiting (HTTP 429){}", retry_after.map(|s| format!("; it asks to retry after {s} s")).unwrap_or_default())]
    RateLimited { retry_after: Option<u64> },
    #[error("the AI provider has no such endpoint or model (HTTP 404): check {BASE_URL} and {MODEL}{}", detail(.message))]
    NotFound { message: Option<String> },
    #[error("the AI provider failed (HTTP {status}){}", detail(.message))]
    Server {
        status: u16,
        message: Option<String>,
    },
    #[error("the AI provider rejected the request (HTTP {status}){}", detail(.message))]
    Rejected {
        status: u16,
        message: Option<String>,
    },
    #[error("the AI provider reported an error in its reply{}", detail(.message))]
    InStream { message: Option<String> },
    #[error("the reply was cut off before the provider finished it ({received} bytes received); nothing was saved, ask again")]
    CutOff { received: usize },
    #[error("the provider's reply is malformed ({what}); nothing was saved")]
    Malformed { what: String },
    #[error("the reply is larger than {} MiB; nothing was saved", MAX_REPLY_BYTES >> 20)]
    TooLarge,
    #[error("the request was cancelled; nothing was saved")]
    Cancelled,
    #[error("cannot talk to the AI provider at {endpoint}: {reason}")]
    Transport { endpoint: String, reason: String },
}

fn detail(m: &Option<String>) -> String {
    m.as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

impl ProviderError {
    /// A stable name for editors and `--json` (`connect`, `timeout`, `unauthorized` …).
    pub fn kind(&self) -> &'static str {
        match self {
            ProviderError::Connect { .. } => "connect",
            ProviderError::Timeout { .. } => "timeout",
            ProviderError::Unauthorized { .. } => "unauthorized",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::NotFound { .. } => "not_found",
            ProviderError::Server { .. } => "server",
            ProviderError::Rejected { .. } => "rejected",
            ProviderError::InStream { .. } => "in_stream",
            ProviderError::CutOff { .. } => "cut_off",
            ProviderError::Malformed { .. } => "malformed",
            ProviderError::TooLarge => "too_large",
            ProviderError::Cancelled => "cancelled",
            ProviderError::Transport { .. } => "transport",
        }
    }
}

/// A request as built, not yet checked: where it goes and the bytes of its body. Only
/// [`super::guard::Guard::check`] turns it into something [`send`] takes.
#[derive(Clone, Debug)]
pub struct Request {
    pub url: String,
    pub body: Vec<u8>,
}

/// Builds the request for `messages` (a system message first if any, then the conversation).
pub fn build_request(cfg: &AiConfig, messages: &[Message]) -> Request {
    let body = match cfg.provider {
        ProviderKind::Openai => {
            #[derive(Serialize)]
            struct M<'a> {
                role: &'a str,
                content: &'a str,
            }
            let msgs: Vec<M<'_>> = messages
                .iter()
                .map(|m| M {
                    role: m.role.as_str(),
                    content: &m.content,
                })
                .collect();
            json!({
                "model": cfg.model,
                "messages": msgs,
                "stream": true,
                "stream_options": {"include_usage": true},
            })
        }
        ProviderKind::Anthropic => {
            let system: Vec<&str> = messages
                .iter()
                .filter(|m| m.role == Role::System)
                .map(|m| m.content.as_str())
                .collect();
            // The Messages API wants turns that alternate: consecutive messages of one role (a
            // question asked again after a failed send) are joined.
            let mut turns: Vec<(Role, String)> = Vec::new();
            for m in messages.iter().filter(|m| m.role != Role::System) {
                match turns.last_mut() {
                    Some((r, text)) if *r == m.role => {
                        text.push_str("\n\n");
                        text.push_str(&m.content);
                    }
                    _ => turns.push((m.role, m.content.clone())),
                }
            }
            let msgs: Vec<Value> = turns
                .iter()
                .map(|(r, c)| json!({"role": r.as_str(), "content": c}))
                .collect();
            let mut body = json!({
                "model": cfg.model,
                "max_tokens": ANTHROPIC_MAX_TOKENS,
                "messages": msgs,
                "stream": true,
            });
            if !system.is_empty() {
                body["system"] = Value::String(system.join("\n\n"));
            }
            body
        }
    };
    Request {
        url: endpoint_url(cfg),
        body: serde_json::to_vec(&body).expect("a JSON value always serializes"),
    }
}

/// `{base}/chat/completions` (a query such as Azure's `?api-version=` kept at the end) or
/// `{base}/v1/messages`.
pub fn endpoint_url(cfg: &AiConfig) -> String {
    let (path, query) = match cfg.base_url.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (cfg.base_url.as_str(), None),
    };
    let path = path.trim_end_matches('/');
    let url = match cfg.provider {
        ProviderKind::Openai => format!("{path}/chat/completions"),
        ProviderKind::Anthropic => format!("{path}/v1/messages"),
    };
    match query {
        Some(q) => format!("{url}?{q}"),
        None => url,
    }
}

/// `scheme://host:port` of a URL, for messages: no credentials, path or query.
pub fn endpoint_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{scheme}://{host}")
}

fn host_of(url: &str) -> String {
    let e = endpoint_of(url);
    let hp = e.split_once("://").map_or(e.as_str(), |x| x.1);
    if let Some(rest) = hp.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("").to_ascii_lowercase();
    }
    hp.split(':').next().unwrap_or("").to_ascii_lowercase()
}

/// Azure OpenAI authenticates with an `api-key` header instead of a bearer token.
fn is_azure(url: &str) -> bool {
    let host = host_of(url);
    host.ends_with(".openai.azure.com")
        || host.ends_with(".cognitiveservices.azure.com")
        || url.contains("/openai/deployments/")
}

/// A local server is never reached through a proxy: a corporate `HTTPS_PROXY` must not carry
/// requests for a local Ollama off the machine.
fn is_loopback(url: &str) -> bool {
    let host = host_of(url);
    host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn agent(cfg: &AiConfig, url: &str) -> ureq::Agent {
    let mut b = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(cfg.timeout))
        // Per read, not for the whole reply: a long answer streams for minutes, each piece
        // arriving well within the timeout.
        .timeout_per_read(Some(cfg.timeout))
        .timeout_per_write(Some(cfg.timeout))
        .user_agent(concat!("tftsr/", env!("CARGO_PKG_VERSION")));
    if is_loopback(url) {
        b = b.proxy(None);
    }
    b.build().into()
}

/// Sends `req` and streams the reply: `on_delta` gets each piece of text as it arrives and
/// returns false to cancel. `scrub` cleans a provider's error message before it is shown (the
/// caller redacts it with the engine).
pub fn send(
    cfg: &AiConfig,
    req: &Checked,
    on_delta: &mut dyn FnMut(&str) -> bool,
    scrub: &dyn Fn(&str) -> String,
) -> Result<Reply, ProviderError> {
    let endpoint = endpoint_of(req.url());
    let secs = cfg.timeout.as_secs();
    let transport = |e: ureq::Error| map_transport(e, &endpoint, secs);
    let mut r = agent(cfg, req.url())
        .post(req.url())
        .header("accept", "text/event-stream")
        .header("content-type", "application/json");
    match (cfg.provider, &cfg.api_key) {
        (ProviderKind::Openai, Some(k)) if is_azure(req.url()) => {
            r = r.header("api-key", k.expose())
        }
        (ProviderKind::Openai, Some(k)) => {
            r = r.header("authorization", format!("Bearer {}", k.expose()))
        }
        (ProviderKind::Openai, None) => {}
        (ProviderKind::Anthropic, k) => {
            r = r.header("anthropic-version", ANTHROPIC_VERSION);
            if let Some(k) = k {
                r = r.header("x-api-key", k.expose());
            }
        }
    }
    let resp = r.send(req.body()).map_err(transport)?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let is_sse = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("text/event-stream"));
    let body = resp.into_body().into_reader();
    if !(200..300).contains(&status) {
        return Err(http_error(status, retry_after, body, scrub));
    }
    let mut reader = BufReader::new(body);
    let map_io = |e: std::io::Error, received: usize| io_error(e, received, &endpoint, secs);
    if is_sse {
        read_stream(cfg.provider, &mut reader, on_delta, scrub, &map_io)
    } else {
        // A server that ignored `"stream": true` answers with one JSON object.
        let mut buf = Vec::new();
        reader
            .take(MAX_REPLY_BYTES as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(|e| map_io(e, 0))?;
        if buf.len() > MAX_REPLY_BYTES {
            return Err(ProviderError::TooLarge);
        }
        let v: Value = serde_json::from_slice(&buf).map_err(|_| ProviderError::Malformed {
            what: "the response is neither an event stream nor JSON".into(),
        })?;
        let reply = whole_reply(cfg.provider, &v, scrub)?;
        if !reply.text.is_empty() && !on_delta(&reply.text) {
            return Err(ProviderError::Cancelled);
        }
        Ok(reply)
    }
}

fn map_transport(e: ureq::Error, endpoint: &str, secs: u64) -> ProviderError {
    let endpoint = endpoint.to_owned();
    match e {
        ureq::Error::Timeout(_) => ProviderError::Timeout { endpoint, secs },
        ureq::Error::Io(io) => io_error(io, 0, &endpoint, secs),
        ureq::Error::ConnectionFailed => ProviderError::Connect {
            endpoint,
            reason: "connection failed".into(),
        },
        ureq::Error::HostNotFound => ProviderError::Connect {
            endpoint,
            reason: "host not found".into(),
        },
        other => ProviderError::Transport {
            endpoint,
            // ureq's messages name the failure (TLS, proxy, protocol), not the request.
            reason: other.to_string(),
        },
    }
}

fn io_error(e: std::io::Error, received: usize, endpoint: &str, secs: u64) -> ProviderError {
    use std::io::ErrorKind as K;
    let endpoint = endpoint.to_owned();
    // ureq wraps its own errors (a timeout while reading the body) in io::Error.
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        if matches!(inner, ureq::Error::Timeout(_)) {
            return ProviderError::Timeout { endpoint, secs };
        }
    }
    match e.kind() {
        K::TimedOut | K::WouldBlock => ProviderError::Timeout { endpoint, secs },
        K::ConnectionRefused => ProviderError::Connect {
            endpoint,
            reason: "connection refused".into(),
        },
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe
            if received > 0 =>
        {
            ProviderError::CutOff { received }
        }
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe => {
            ProviderError::Connect {
                endpoint,
                reason: "the connection was closed before a reply".into(),
            }
        }
        _ if received > 0 => ProviderError::CutOff { received },
        _ => ProviderError::Transport {
            endpoint,
            reason: e.kind().to_string(),
        },
    }
}

/// `Retry-After`: seconds, or an HTTP date (turned into seconds from now).
fn parse_retry_after(v: &str) -> Option<u64> {
    let v = v.trim();
    if let Ok(n) = v.parse::<u64>() {
        return Some(n);
    }
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = time::PrimitiveDateTime::parse(v, &fmt).ok()?.assume_utc();
    let secs = (at - time::OffsetDateTime::now_utc()).whole_seconds();
    Some(secs.max(0) as u64)
}

/// The error for a non-2xx status. The body of a refused credential is not read at all.
fn http_error(
    status: u16,
    retry_after: Option<u64>,
    body: impl Read,
    scrub: &dyn Fn(&str) -> String,
) -> ProviderError {
    if matches!(status, 401 | 403) {
        return ProviderError::Unauthorized { status };
    }
    if status == 429 {
        return ProviderError::RateLimited { retry_after };
    }
    let mut buf = Vec::new();
    let _ = body.take(64 << 10).read_to_end(&mut buf);
    let message = error_message(&buf).map(|m| clean_message(&m, scrub));
    match status {
        404 => ProviderError::NotFound { message },
        500.. => ProviderError::Server { status, message },
        _ => ProviderError::Rejected { status, message },
    }
}

/// The human part of a provider's error body (`{"error": {"message": …}}`, `{"error": "…"}`,
/// `{"message": …}`), or its first line of text.
fn error_message(body: &[u8]) -> Option<String> {
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        let m = v
            .pointer("/error/message")
            .or_else(|| v.get("error").filter(|e| e.is_string()))
            .or_else(|| v.get("message"))
            .and_then(Value::as_str);
        return m.map(str::to_owned);
    }
    let text = String::from_utf8_lossy(body);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    // An HTML error page says nothing useful.
    (!line.starts_with('<')).then(|| line.to_owned())
}

/// Shortened to one line of at most 200 characters, then scrubbed.
fn clean_message(m: &str, scrub: &dyn Fn(&str) -> String) -> String {
    let one_line: String = m.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut short: String = one_line.chars().take(200).collect();
    if short.len() < one_line.len() {
        short.push('…');
    }
    scrub(&short)
}

/// What the stream has said so far.
#[derive(Default)]
struct Progress {
    reply: Reply,
    done: bool,
    finished: bool,
}

/// Reads server-sent events to the end: `data:` lines (joined by `\n`) make an event, a blank
/// line dispatches it; `event:` names it (Anthropic); comments (`:`) are keep-alives.
fn read_stream(
    kind: ProviderKind,
    reader: &mut dyn BufRead,
    on_delta: &mut dyn FnMut(&str) -> bool,
    scrub: &dyn Fn(&str) -> String,
    map_io: &dyn Fn(std::io::Error, usize) -> ProviderError,
) -> Result<Reply, ProviderError> {
    let mut p = Progress::default();
    let mut line = Vec::new();
    let mut data = String::new();
    let mut event = String::new();
    let mut received = 0usize;
    let mut events = 0usize;
    loop {
        line.clear();
        let n = reader
            .take(MAX_REPLY_BYTES as u64)
            .read_until(b'\n', &mut line)
            .map_err(|e| map_io(e, received.max(1)))?;
        received += n;
        if received > 2 * MAX_REPLY_BYTES {
            return Err(ProviderError::TooLarge);
        }
        let eof = n == 0;
        let text = std::str::from_utf8(&line).map_err(|_| ProviderError::Malformed {
            what: "the event stream is not UTF-8".into(),
        })?;
        let text = text.trim_end_matches(['\n', '\r']);
        if text.is_empty() || eof {
            if !data.is_empty() || !event.is_empty() {
                events += 1;
                on_event(kind, &event, &data, events, &mut p, on_delta, scrub)?;
                data.clear();
                event.clear();
                if p.done {
                    return Ok(p.reply);
                }
            }
            if eof {
                break;
            }
            continue;
        }
        if text.starts_with(':') {
            continue;
        }
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text, ""),
        };
        match field {
            "data" => {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(value);
            }
            "event" => event = value.to_owned(),
            _ => {}
        }
    }
    // The stream ended. OpenAI-compatible servers that send a finish reason but no `[DONE]`
    // have finished; anything else was cut off.
    if p.finished && kind == ProviderKind::Openai {
        return Ok(p.reply);
    }
    Err(ProviderError::CutOff {
        received: p.reply.text.len(),
    })
}

fn on_event(
    kind: ProviderKind,
    event: &str,
    data: &str,
    n: usize,
    p: &mut Progress,
    on_delta: &mut dyn FnMut(&str) -> bool,
    scrub: &dyn Fn(&str) -> String,
) -> Result<(), ProviderError> {
    if kind == ProviderKind::Openai && data.trim() == "[DONE]" {
        if !p.finished && p.reply.text.is_empty() {
            return Err(ProviderError::Malformed {
                what: "the stream ended without a reply".into(),
            });
        }
        p.done = true;
        return Ok(());
    }
    if data.trim().is_empty() {
        return Ok(());
    }
    let v: Value = serde_json::from_str(data).map_err(|_| ProviderError::Malformed {
        what: format!("event {n} is not JSON"),
    })?;
    let in_stream_error = |v: &Value| ProviderError::InStream {
        message: v
            .pointer("/error/message")
            .or_else(|| v.get("error").filter(|e| e.is_string()))
            .and_then(Value::as_str)
            .map(|m| clean_message(m, scrub)),
    };
    let mut delta = |p: &mut Progress, t: &str| -> Result<(), ProviderError> {
        if t.is_empty() {
            return Ok(());
        }
        if p.reply.text.len() + t.len() > MAX_REPLY_BYTES {
            return Err(ProviderError::TooLarge);
        }
        p.reply.text.push_str(t);
        if on_delta(t) {
            Ok(())
        } else {
            Err(ProviderError::Cancelled)
        }
    };
    let tokens = |v: &Value, k: &str| v.get(k).and_then(Value::as_u64);
    match kind {
        ProviderKind::Openai => {
            if v.get("error").is_some() {
                return Err(in_stream_error(&v));
            }
            if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
                p.reply.input_tokens = tokens(u, "prompt_tokens").or(p.reply.input_tokens);
                p.reply.output_tokens = tokens(u, "completion_tokens").or(p.reply.output_tokens);
            }
            let Some(choices) = v.get("choices").and_then(Value::as_array) else {
                if v.get("usage").is_some() {
                    return Ok(());
                }
                return Err(ProviderError::Malformed {
                    what: format!("event {n} has no choices"),
                });
            };
            if let Some(c) = choices.first() {
                if let Some(t) = c.pointer("/delta/content").and_then(Value::as_str) {
                    delta(p, t)?;
                }
                if let Some(r) = c.get("finish_reason").and_then(Value::as_str) {
                    p.reply.stop_reason = Some(r.to_owned());
                    p.finished = true;
                }
            }
        }
        ProviderKind::Anthropic => {
            let ty = v.get("type").and_then(Value::as_str).unwrap_or(event);
            match ty {
                "message_start" => {
                    if let Some(u) = v.pointer("/message/usage") {
                        p.reply.input_tokens = tokens(u, "input_tokens");
                        p.reply.output_tokens = tokens(u, "output_tokens");
                    }
                }
                "content_block_delta" => {
                    if let Some(t) = v.pointer("/delta/text").and_then(Value::as_str) {
                        delta(p, t)?;
                    }
                }
                "message_delta" => {
                    if let Some(r) = v.pointer("/delta/stop_reason").and_then(Value::as_str) {
                        p.reply.stop_reason = Some(r.to_owned());
                    }
                    if let Some(u) = v.get("usage") {
                        p.reply.output_tokens =
                            tokens(u, "output_tokens").or(p.reply.output_tokens);
                    }
                }
                "message_stop" => {
                    p.finished = true;
                    p.done = true;
                }
                "error" => return Err(in_stream_error(&v)),
                _ => {} // ping, content_block_start/stop
            }
        }
    }
    Ok(())
}

/// A non-streamed reply (one JSON object).
fn whole_reply(
    kind: ProviderKind,
    v: &Value,
    scrub: &dyn Fn(&str) -> String,
) -> Result<Reply, ProviderError> {
    if v.get("error").is_some() {
        return Err(ProviderError::InStream {
            message: error_message(v.to_string().as_bytes()).map(|m| clean_message(&m, scrub)),
        });
    }
    let malformed = || ProviderError::Malformed {
        what: "the reply has no text".into(),
    };
    let tokens = |p: &str| v.pointer(p).and_then(Value::as_u64);
    Ok(match kind {
        ProviderKind::Openai => Reply {
            text: v
                .pointer("/choices/0/message/content")
                .and_then(Value::as_str)
                .ok_or_else(malformed)?
                .to_owned(),
            input_tokens: tokens("/usage/prompt_tokens"),
            output_tokens: tokens("/usage/completion_tokens"),
            stop_reason: v
                .pointer("/choices/0/finish_reason")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
        ProviderKind::Anthropic => Reply {
            text: v
                .get("content")
                .and_then(Value::as_array)
                .ok_or_else(malformed)?
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect(),
            input_tokens: tokens("/usage/input_tokens"),
            output_tokens: tokens("/usage/output_tokens"),
            stop_reason: v
                .get("stop_reason")
                .and_then(Value::as_str)
                .map(str::to_owned),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(provider: ProviderKind, base: &str) -> AiConfig {
        AiConfig {
            provider,
            base_url: base.into(),
            model: "m".into(),
            api_key: None,
            timeout: std::time::Duration::from_secs(5),
        }
    }

    #[test]
    fn urls_follow_the_contract() {
        assert_eq!(
            endpoint_url(&cfg(ProviderKind::Openai, "http://127.0.0.1:11434/v1")),
            "http://127.0.0.1:11434/v1/chat/completions"
        );
        assert_eq!(
            endpoint_url(&cfg(ProviderKind::Anthropic, "https://api.anthropic.com")),
            "https://api.anthropic.com/v1/messages"
        );
        let azure = "https://r.openai.azure.com/openai/deployments/gpt4o?api-version=2024-06-01";
        assert_eq!(
            endpoint_url(&cfg(ProviderKind::Openai, azure)),
            "https://r.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01"
        );
        assert!(is_azure(azure));
        assert!(!is_azure("http://127.0.0.1:1/v1"));
        assert_eq!(
            endpoint_of("https://u:p@h.example:8443/v1?x=1"),
            "https://h.example:8443"
        );
        assert!(is_loopback("http://127.0.0.1:5/v1"));
        assert!(is_loopback("http://[::1]:5/v1"));
        assert!(is_loopback("http://localhost:5/v1"));
        assert!(!is_loopback("http://10.0.0.1:5/v1"));
    }

    #[test]
    fn anthropic_turns_alternate_and_the_system_prompt_is_separate() {
        let m = |role, c: &str| Message {
            role,
            content: c.into(),
        };
        let req = build_request(
            &cfg(ProviderKind::Anthropic, "http://127.0.0.1:1"),
            &[
                m(Role::System, "sys"),
                m(Role::User, "a"),
                m(Role::User, "b"),
                m(Role::Assistant, "c"),
                m(Role::User, "d"),
            ],
        );
        let v: Value = serde_json::from_slice(&req.body).unwrap();
        assert_eq!(v["system"], "sys");
        let roles: Vec<&str> = v["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["role"].as_str().unwrap())
            .collect();
        assert_eq!(roles, ["user", "assistant", "user"]);
        assert_eq!(v["messages"][0]["content"], "a\n\nb");
    }

    fn run(kind: ProviderKind, stream: &str) -> Result<(Reply, Vec<String>), ProviderError> {
        let mut seen = Vec::new();
        let mut reader = std::io::Cursor::new(stream.as_bytes().to_vec());
        let map_io = |e: std::io::Error, r| io_error(e, r, "x", 1);
        let r = read_stream(
            kind,
            &mut reader,
            &mut |d| {
                seen.push(d.to_owned());
                true
            },
            &|s| s.to_owned(),
            &map_io,
        )?;
        Ok((r, seen))
    }

    #[test]
    fn streams_are_complete_only_when_the_provider_says_so() {
        let ok = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n\
                  : keep-alive\n\n\
                  data: {\"choices\":[{\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n\
                  data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n\n\
                  data: [DONE]\n\n";
        let (r, seen) = run(ProviderKind::Openai, ok).unwrap();
        assert_eq!(r.text, "Hello");
        assert_eq!(seen, ["Hel", "lo"]);
        assert_eq!((r.input_tokens, r.output_tokens), (Some(7), Some(2)));
        let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n";
        assert!(matches!(
            run(ProviderKind::Openai, cut),
            Err(ProviderError::CutOff { .. })
        ));
        let bad = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\ndata: {nope\n\n";
        assert!(matches!(
            run(ProviderKind::Openai, bad),
            Err(ProviderError::Malformed { .. })
        ));
        let a = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":9}}}\n\n\
                 event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n\
                 event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\n";
        assert!(matches!(
            run(ProviderKind::Anthropic, a),
            Err(ProviderError::CutOff { .. })
        ));
        let full = format!("{a}event: message_stop\ndata: {{\"type\":\"message_stop\"}}\n\n");
        let (r, _) = run(ProviderKind::Anthropic, &full).unwrap();
        assert_eq!(r.text, "Hi");
        assert_eq!((r.input_tokens, r.output_tokens), (Some(9), Some(1)));
        assert_eq!(r.stop_reason.as_deref(), Some("end_turn"));
    }

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        assert_eq!(parse_retry_after(" 7 "), Some(7));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        assert_eq!(parse_retry_after("soon"), None);
    }
}
