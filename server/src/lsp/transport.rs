//! A framing guard between stdin and tower-lsp's transport.
//!
//! Why: tower-lsp's reader is a `tokio_util` `FramedRead`, which ends the stream after the first
//! decode error (tokio#3976): one malformed message (bad JSON, a body that is no JSON-RPC
//! message, a garbled header) would silently stop the whole server. Here every frame is checked
//! first; a bad one is replaced by a marker request that `Ordered` answers with the JSON-RPC
//! error (-32700 parse error, -32600 invalid request), and the server lives on.

use std::sync::Arc;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::Notify;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Method name of the marker standing for a malformed message.
pub const MALFORMED: &str = "tftsr/internal/malformedMessage";

/// Bodies above this are refused (and skipped) rather than allocated.
const MAX_BODY: usize = 1 << 30;

fn marker(code: i64, id: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "jsonrpc": "2.0",
        "method": MALFORMED,
        "params": {"code": code, "id": id},
    }))
    .expect("marker serializes")
}

/// The body to forward: the original if tower-lsp can decode it, else a marker.
pub fn check_body(body: Vec<u8>) -> Vec<u8> {
    if serde_json::from_slice::<Request>(&body).is_ok()
        || serde_json::from_slice::<Response>(&body).is_ok()
    {
        return body;
    }
    match serde_json::from_slice::<Value>(&body) {
        Err(_) => marker(-32700, Value::Null),
        Ok(v) => {
            let id = match v.get("id") {
                Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
                _ => Value::Null,
            };
            marker(-32600, id)
        }
    }
}

/// Reads framed messages from `input` and forwards checked frames; returns the reader side.
/// `eof` is signalled when the input ends.
pub fn guard<R: AsyncRead + Unpin + Send + 'static>(input: R, eof: Arc<Notify>) -> DuplexStream {
    let (w, r) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        forward(input, w).await;
        eof.notify_one();
    });
    r
}

async fn forward<R: AsyncRead + Unpin>(input: R, mut w: DuplexStream) {
    {
        let mut input = BufReader::new(input);
        loop {
            let mut len: Option<usize> = None;
            let mut bad_header = false;
            let mut saw_header = false;
            loop {
                let mut line = Vec::new();
                match input.read_until(b'\n', &mut line).await {
                    Ok(0) | Err(_) => return, // end of input: dropping `w` ends the server's reader
                    Ok(_) => {}
                }
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\r', '\n']);
                if text.is_empty() {
                    if saw_header {
                        break;
                    }
                    continue;
                }
                saw_header = true;
                if let Some((k, v)) = text.split_once(':') {
                    if k.trim().eq_ignore_ascii_case("content-length") {
                        match v.trim().parse::<usize>() {
                            Ok(n) => len = Some(n),
                            Err(_) => bad_header = true,
                        }
                    }
                } else {
                    bad_header = true;
                }
            }
            let body = match len {
                Some(n) if n <= MAX_BODY && !bad_header => {
                    let mut body = vec![0; n];
                    if input.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    check_body(body)
                }
                Some(n) if n > MAX_BODY => {
                    tracing::error!(bytes = n, "message too large; skipped");
                    let mut skip = (&mut input).take(n as u64);
                    if tokio::io::copy(&mut skip, &mut tokio::io::sink())
                        .await
                        .is_err()
                    {
                        return;
                    }
                    marker(-32600, Value::Null)
                }
                _ => {
                    tracing::error!("message header without a valid Content-Length");
                    marker(-32700, Value::Null)
                }
            };
            let head = format!("Content-Length: {}\r\n\r\n", body.len());
            if w.write_all(head.as_bytes()).await.is_err() || w.write_all(&body).await.is_err() {
                return;
            }
        }
    }
}

/// The error response for a marker request.
pub fn malformed_response(req: Request) -> Response {
    let (_, _, params) = req.into_parts();
    let params = params.unwrap_or_default();
    let id: tower_lsp_server::jsonrpc::Id =
        serde_json::from_value(params["id"].clone()).unwrap_or(tower_lsp_server::jsonrpc::Id::Null);
    let error = match params["code"].as_i64() {
        Some(-32700) => tower_lsp_server::jsonrpc::Error::parse_error(),
        _ => tower_lsp_server::jsonrpc::Error::invalid_request(),
    };
    tracing::error!(
        code = error.code.code(),
        "malformed message answered with an error"
    );
    Response::from_error(id, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_classified() {
        let ok = br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#.to_vec();
        assert_eq!(check_body(ok.clone()), ok);
        let resp = br#"{"jsonrpc":"2.0","id":1,"result":null}"#.to_vec();
        assert_eq!(check_body(resp.clone()), resp);
        let v: Value = serde_json::from_slice(&check_body(b"{nope".to_vec())).unwrap();
        assert_eq!(v["params"]["code"], -32700);
        let v: Value = serde_json::from_slice(&check_body(br#"{"id":7,"x":[]}"#.to_vec())).unwrap();
        assert_eq!(v["params"], json!({"code": -32600, "id": 7}));
    }
}
