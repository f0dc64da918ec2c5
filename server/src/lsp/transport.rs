//! The stdio transport: Content-Length framing, one JSON parse per message, and the dispatch of
//! each message to the service *in arrival order* (`Ordered::call` runs here, synchronously).
//!
//! Why not `tower_lsp_server::Server`: its reader is a `tokio_util` `FramedRead`, which ends the
//! stream after the first decode error (tokio#3976), so one malformed message (bad JSON, a body
//! that is no JSON-RPC message, a garbled header) silently stopped the whole server; and its
//! `serve` only returns once every in-flight handler is done, so `exit` could hang behind a
//! handler waiting on a client that stopped answering. Here a bad message gets its JSON-RPC
//! error (-32700 / -32600) and the loop goes on; `exit` returns at once; and a 50 MB `didOpen`
//! is parsed once instead of twice.

use std::task::Poll;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, Id, Request, Response};
use tower_lsp_server::ClientSocket;

use super::Ordered;

/// Bodies above this are refused (and skipped) rather than allocated.
const MAX_BODY: usize = 1 << 30;

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Exit,
    Eof,
}

enum Frame {
    Body(Vec<u8>),
    BadHeader,
    TooLarge,
    Eof,
}

async fn read_frame<R: AsyncRead + Unpin>(input: &mut BufReader<R>) -> Frame {
    let mut len: Option<usize> = None;
    let mut bad = false;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        match input.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return Frame::Eof,
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
        match text.split_once(':') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("content-length") => {
                match v.trim().parse::<usize>() {
                    Ok(n) => len = Some(n),
                    Err(_) => bad = true,
                }
            }
            Some(_) => {} // Content-Type and friends
            None => bad = true,
        }
    }
    match len {
        Some(n) if n > MAX_BODY => {
            let mut skip = (&mut *input).take(n as u64);
            if tokio::io::copy(&mut skip, &mut tokio::io::sink())
                .await
                .is_err()
            {
                return Frame::Eof;
            }
            Frame::TooLarge
        }
        Some(n) if !bad => {
            let mut body = vec![0; n];
            if input.read_exact(&mut body).await.is_err() {
                return Frame::Eof;
            }
            Frame::Body(body)
        }
        _ => Frame::BadHeader,
    }
}

/// A parsed incoming message.
#[derive(Debug)]
pub enum Incoming {
    Request(Request),
    Response(Response),
    /// Not a JSON-RPC message: answer with this error (and this id, when one could be read).
    Invalid(Id, Error),
}

/// Classifies a body with a single parse (the `Value`'s strings are moved, not copied, into
/// the request).
pub fn parse(body: &[u8]) -> Incoming {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return Incoming::Invalid(Id::Null, Error::parse_error()),
    };
    let id = match v.get("id") {
        Some(Value::Number(n)) if n.is_i64() => Id::Number(n.as_i64().unwrap_or_default()),
        Some(Value::String(s)) => Id::String(s.clone()),
        _ => Id::Null,
    };
    if v.get("method").is_some() {
        match serde_json::from_value::<Request>(v) {
            Ok(r) => Incoming::Request(r),
            Err(_) => Incoming::Invalid(id, Error::invalid_request()),
        }
    } else {
        match serde_json::from_value::<Response>(v) {
            Ok(r) => Incoming::Response(r),
            Err(_) => Incoming::Invalid(id, Error::invalid_request()),
        }
    }
}

fn frame(msg: &impl serde::Serialize) -> Option<Vec<u8>> {
    let body = serde_json::to_vec(msg).ok()?;
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

/// Waits until the service accepts a message; false once it has exited. `LspService` is not
/// ready while `initialize` runs and registers no waker for that (tower-lsp's own transport
/// gets re-polled by its other futures), so poll again shortly.
async fn ready(service: &mut Ordered) -> bool {
    loop {
        match futures::future::poll_fn(|cx| Poll::Ready(service.poll_ready(cx))).await {
            Poll::Ready(Ok(())) => return true,
            Poll::Ready(Err(_)) => return false,
            Poll::Pending => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
}

/// Serves until `exit` or the end of the input. `direct` carries messages the server framed
/// itself (publishDiagnostics, see `Backend::publish`).
pub async fn serve<I, O>(
    input: I,
    output: O,
    mut service: Ordered,
    socket: ClientSocket,
    direct: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
) -> End
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin + Send + 'static,
{
    let (mut client_requests, mut client_responses) = socket.split();
    let (out_tx, mut out_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    // One writer owns stdout, so messages are never interleaved.
    let writer = tokio::spawn(async move {
        let mut output = output;
        while let Some(bytes) = out_rx.recv().await {
            if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                break;
            }
        }
    });
    // Server-to-client requests and notifications (applyEdit, progress …) and the pre-framed
    // ones. `biased`: what went through tower-lsp's client before a direct message was sent
    // (say a progress end before the diagnostics of that scan) is written before it.
    let tx = out_tx.clone();
    tokio::spawn(async move {
        let mut direct = direct;
        let mut direct_open = true;
        loop {
            let bytes = tokio::select! {
                biased;
                req = client_requests.next() => match req {
                    Some(req) => frame(&req),
                    None => break,
                },
                b = direct.recv(), if direct_open => {
                    if b.is_none() {
                        direct_open = false;
                    }
                    b
                }
            };
            if let Some(b) = bytes {
                if tx.send(b).is_err() {
                    break;
                }
            }
        }
    });
    let mut handlers = tokio::task::JoinSet::new();
    let mut input = BufReader::with_capacity(1 << 16, input);
    let end = loop {
        while handlers.try_join_next().is_some() {}
        let incoming = match read_frame(&mut input).await {
            Frame::Eof => break End::Eof,
            Frame::Body(body) if body.len() >= 1 << 20 => {
                let t = std::time::Instant::now();
                let m = parse(&body);
                tracing::debug!(
                    bytes = body.len(),
                    parse_ms = t.elapsed().as_secs_f64() * 1000.0,
                    "large message parsed"
                );
                m
            }
            Frame::Body(body) => parse(&body),
            Frame::BadHeader => {
                tracing::error!("message header without a valid Content-Length");
                Incoming::Invalid(Id::Null, Error::parse_error())
            }
            Frame::TooLarge => {
                tracing::error!("message larger than 1 GiB skipped");
                Incoming::Invalid(Id::Null, Error::invalid_request())
            }
        };
        match incoming {
            Incoming::Invalid(id, error) => {
                tracing::error!(
                    code = error.code.code(),
                    "malformed message answered with an error"
                );
                if let Some(b) = frame(&Response::from_error(id, error)) {
                    let _ = out_tx.send(b);
                }
            }
            Incoming::Response(r) => {
                if client_responses.send(r).await.is_err() {
                    tracing::warn!("a client response arrived after shutdown");
                }
            }
            Incoming::Request(req) => {
                if !ready(&mut service).await {
                    // The service has exited: nothing more will be processed.
                    break End::Exit;
                }
                let is_exit = req.method() == "exit";
                // `call` applies document notifications synchronously, in arrival order.
                let fut = service.call(req);
                let tx = out_tx.clone();
                handlers.spawn(async move {
                    if let Ok(Some(resp)) = fut.await {
                        if let Some(b) = frame(&resp) {
                            let _ = tx.send(b);
                        }
                    }
                });
                if is_exit {
                    break End::Exit;
                }
            }
        }
    };
    if end == End::Eof {
        // Let handlers already running answer (briefly: one may wait on a client that is gone).
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while handlers.join_next().await.is_some() {}
        })
        .await;
    }
    drop(out_tx);
    // Flush what is queued (the writer ends when every sender is gone, or the timeout hits:
    // the client-request forwarder lives as long as the service).
    let _ = tokio::time::timeout(Duration::from_millis(300), writer).await;
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_classified() {
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#),
            Incoming::Request(_)
        ));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"x","params":{"t":"a\u00e9\n"}}"#),
            Incoming::Request(_)
        ));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":1,"result":null}"#),
            Incoming::Response(_)
        ));
        match parse(b"{nope") {
            Incoming::Invalid(Id::Null, e) => assert_eq!(e.code.code(), -32700),
            other => panic!("{other:?}"),
        }
        match parse(br#"{"id":7,"x":[]}"#) {
            Incoming::Invalid(Id::Number(7), e) => assert_eq!(e.code.code(), -32600),
            other => panic!("{other:?}"),
        }
        match parse(br#"{"jsonrpc":"1.0","id":"a","method":"x"}"#) {
            Incoming::Invalid(Id::String(s), e) => {
                assert_eq!(s, "a");
                assert_eq!(e.code.code(), -32600)
            }
            other => panic!("{other:?}"),
        }
    }
}
