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
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tower::Service;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Id, Request, Response};
use tower_lsp_server::ClientSocket;

use super::ordered::Ordered;

/// Bodies above this are refused (and skipped) rather than allocated.
const MAX_BODY: usize = 1 << 30;
/// A header line longer than this is no LSP header (they are ~25 bytes): refused, and the
/// stream resynchronised, instead of buffering a line that never ends.
const MAX_HEADER_LINE: usize = 4096;
/// Header lines per message (LSP has two).
const MAX_HEADER_LINES: usize = 32;
const READ_CHUNK: usize = 1 << 16;

/// Why the loop ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    Exit,
    Eof,
}

/// One message read off the stream, or why none could be.
#[derive(Debug, PartialEq, Eq)]
enum Frame {
    Body(Vec<u8>),
    /// The framing was broken (what, for the error and the log: never any content). The reader
    /// has skipped to the next `Content-Length` header already.
    Bad(&'static str),
    /// A body over `MAX_BODY`, skipped.
    TooLarge(usize),
    Eof,
}

/// Content-Length framing over a byte stream that may be broken: a header line without an end,
/// a length that does not match the body (a client that counts characters instead of bytes on
/// non-ASCII text) or garbage between messages. After any such error the reader skips to the
/// next `Content-Length:` (searched case-insensitively in the bytes after the broken frame's
/// start, so a header glued to the tail of a cut-off body is found) and reads on from there.
/// Memory stays bounded by the largest valid body: no line or garbage run is buffered whole.
struct FrameReader<R> {
    input: R,
    buf: Vec<u8>,
    /// `buf[start..]` is unread.
    start: usize,
    eof: bool,
    /// The last frame was broken: skip to the next header before reading.
    broken: bool,
    /// Bytes of a refused body still to skip.
    skip: usize,
}

const NEEDLE: &[u8] = b"content-length:";

impl<R: AsyncRead + Unpin> FrameReader<R> {
    fn new(input: R) -> Self {
        FrameReader {
            input,
            buf: Vec::with_capacity(READ_CHUNK),
            start: 0,
            eof: false,
            broken: false,
            skip: 0,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads more input; false at the end of it.
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        if self.buf.capacity() - self.buf.len() < READ_CHUNK / 4 {
            self.buf.reserve(READ_CHUNK);
        }
        // Into the spare capacity: nothing is zeroed, however few bytes a read brings.
        let n = self.input.read_buf(&mut self.buf).await.unwrap_or(0);
        if n == 0 {
            self.eof = true;
        }
        n > 0
    }

    /// Skips to the next `Content-Length:` after the first unread byte (the start of the broken
    /// frame), or to the end of the input. Only the last few bytes are kept while searching: a needle split across reads
    /// is still found.
    async fn resync(&mut self) {
        self.start += 1.min(self.unread().len());
        loop {
            if let Some(i) = find_ci(self.unread(), NEEDLE) {
                self.start += i;
                return;
            }
            let keep = NEEDLE.len() - 1;
            let len = self.unread().len();
            self.start += len.saturating_sub(keep);
            if !self.fill().await {
                self.start = self.buf.len();
                return;
            }
        }
    }

    /// The next header line (without its `\n`/`\r\n`), None at the end of input, Err if it is
    /// longer than `MAX_HEADER_LINE` (nothing consumed then).
    async fn header_line(&mut self, from: usize) -> Option<Result<(usize, usize), ()>> {
        loop {
            let hay = &self.buf[self.start + from..];
            let lim = hay.len().min(MAX_HEADER_LINE + 2);
            if let Some(nl) = memchr::memchr(b'\n', &hay[..lim]) {
                let s = self.start + from;
                let mut e = s + nl;
                if e > s && self.buf[e - 1] == b'\r' {
                    e -= 1;
                }
                return Some(Ok((s, e)));
            }
            if hay.len() > MAX_HEADER_LINE + 1 {
                return Some(Err(()));
            }
            if !self.fill().await {
                return None;
            }
        }
    }

    async fn next(&mut self) -> Frame {
        // Resync lazily: the error for the broken frame is answered before waiting for the
        // next header to arrive.
        if std::mem::take(&mut self.broken) {
            self.resync().await;
        }
        while self.skip > 0 {
            let take = self.skip.min(self.unread().len());
            self.start += take;
            self.skip -= take;
            if self.skip > 0 && !self.fill().await {
                return Frame::Eof;
            }
        }
        match self.try_frame().await {
            Ok(f) => f,
            Err(why) => {
                self.broken = true;
                Frame::Bad(why)
            }
        }
    }

    /// Reads one frame starting at the unread bytes. On a framing error nothing of the frame is
    /// consumed (the caller resyncs from its first byte).
    async fn try_frame(&mut self) -> Result<Frame, &'static str> {
        // Blank lines between messages are tolerated.
        loop {
            while self.unread().is_empty() {
                if !self.fill().await {
                    return Ok(Frame::Eof);
                }
            }
            match self.unread()[0] {
                b'\n' => self.start += 1,
                b'\r' if self.unread().get(1) == Some(&b'\n') => self.start += 2,
                b'\r' if self.unread().len() == 1 => {
                    if !self.fill().await {
                        return Ok(Frame::Eof);
                    }
                }
                _ => break,
            }
        }
        let mut len: Option<usize> = None;
        let mut off = 0;
        let mut lines = 0;
        loop {
            let (s, e) = match self.header_line(off).await {
                None => return Ok(Frame::Eof),
                Some(Err(())) => return Err("header line too long"),
                Some(Ok(r)) => r,
            };
            off = (e - self.start)
                + if self.buf.get(e) == Some(&b'\r') {
                    2
                } else {
                    1
                };
            if s == e {
                break;
            }
            lines += 1;
            if lines > MAX_HEADER_LINES {
                return Err("too many header lines");
            }
            let line = &self.buf[s..e];
            let Some(colon) = memchr::memchr(b':', line) else {
                return Err("malformed header line");
            };
            let (k, v) = (&line[..colon], &line[colon + 1..]);
            if !k.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
                return Err("malformed header line");
            }
            if k.eq_ignore_ascii_case(b"content-length") {
                let v = std::str::from_utf8(v).map_err(|_| "bad Content-Length")?;
                len = Some(v.trim().parse().map_err(|_| "bad Content-Length")?);
            }
        }
        let Some(n) = len else {
            return Err("header without Content-Length");
        };
        self.start += off;
        if n > MAX_BODY {
            // Answered at once; the body is skipped (never stored) before the next frame.
            self.skip = n;
            return Ok(Frame::TooLarge(n));
        }
        // Grows with the data that arrives, not with what the header announced.
        let mut body = Vec::with_capacity(n.min(READ_CHUNK * 16));
        while body.len() < n {
            let want = n - body.len();
            if !self.unread().is_empty() {
                let take = want.min(self.unread().len());
                body.extend_from_slice(&self.unread()[..take]);
                self.start += take;
                continue;
            }
            if self.eof {
                return Ok(Frame::Eof);
            }
            if want < READ_CHUNK {
                self.fill().await;
                continue;
            }
            // A big body (a 50 MB didOpen) is read straight into place, never past its end.
            body.reserve(want.min(8 << 20));
            match (&mut self.input)
                .take(want as u64)
                .read_buf(&mut body)
                .await
            {
                Ok(0) | Err(_) => {
                    self.eof = true;
                    return Ok(Frame::Eof);
                }
                Ok(_) => {}
            }
        }
        Ok(Frame::Body(body))
    }

    /// A body that is no JSON may have swallowed the next messages (its `Content-Length` was
    /// too big): give back what of it reads as frames, from its first `Content-Length:` on, to
    /// be read next. Frames that lie whole inside the body are given back; one that runs past
    /// its end only when the input read so far bears it out (its body is JSON, and the input
    /// goes on with another header, or ends, exactly where its length says). A header inside an
    /// honestly framed body of garbage (`… Content-Length: 9850 …`) is no frame of this stream:
    /// giving back from it let its length swallow the real messages after the body (found by
    /// the `lsp_transport` fuzz target: a hover sent after such a body went unanswered).
    fn give_back_from_header(&mut self, body: &[u8]) -> bool {
        let Some(i) = find_ci(body, NEEDLE) else {
            return false;
        };
        // Offsets below are into `tail`: the body from the header on, then the input read so
        // far. Nothing more is waited for: a client that sent a swallowed message has sent it
        // whole, and one waiting for an answer must not be left waiting by a guess.
        let inside = body.len() - i;
        let mut tail = Vec::with_capacity(inside + self.unread().len());
        tail.extend_from_slice(&body[i..]);
        tail.extend_from_slice(self.unread());
        let mut end = 0;
        while let Some((body_at, next)) = frame_at(&tail, end) {
            if next > inside {
                if bears_out(&tail, body_at, next) {
                    end = inside;
                }
                break;
            }
            end = next;
        }
        if end == 0 {
            return false;
        }
        let mut rest = Vec::with_capacity(end + self.unread().len());
        rest.extend_from_slice(&body[i..i + end.min(inside)]);
        rest.extend_from_slice(self.unread());
        self.buf = rest;
        self.start = 0;
        true
    }
}

/// Does the input read so far bear out a frame of `tail` whose body is `[body_at, end)`: its
/// body is JSON, and the input goes on with another header or a blank line, or ends (as read
/// so far), right after it? (Without the JSON, a header in garbage whose length happened to
/// end at a line break passed: found again by the `lsp_transport` fuzz target.)
fn bears_out(tail: &[u8], body_at: usize, end: usize) -> bool {
    let next_ok = match &tail[end..] {
        [] | [b'\r' | b'\n', ..] => true,
        h => h.len() >= 8 && h[..8].eq_ignore_ascii_case(b"content-"),
    };
    next_ok && serde_json::from_slice::<serde::de::IgnoredAny>(&tail[body_at..end]).is_ok()
}

/// The frame (header lines with a Content-Length, a blank line, that many bytes) that starts
/// at `at` in `b`, after blank lines: its body's `(start, end)`; None when no whole frame is
/// there.
fn frame_at(b: &[u8], mut at: usize) -> Option<(usize, usize)> {
    while b.get(at) == Some(&b'\n') || (b.get(at) == Some(&b'\r') && b.get(at + 1) == Some(&b'\n'))
    {
        at += if b[at] == b'\n' { 1 } else { 2 };
    }
    let mut len = None;
    let mut lines = 0;
    loop {
        let nl = at + memchr::memchr(b'\n', b.get(at..)?)?;
        let line = &b[at..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        at = nl + 1;
        if line.is_empty() {
            break;
        }
        lines += 1;
        if lines > MAX_HEADER_LINES {
            return None;
        }
        let colon = memchr::memchr(b':', line)?;
        let (k, v) = (&line[..colon], &line[colon + 1..]);
        if k.eq_ignore_ascii_case(b"content-length") {
            len = Some(std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok()?);
        }
    }
    let end = at.checked_add(len?)?;
    (end <= b.len()).then_some((at, end))
}

/// First case-insensitive occurrence of `needle` (lower-case ASCII) in `hay`.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = [needle[0], needle[0].to_ascii_uppercase()];
    let mut i = 0;
    while let Some(k) = memchr::memchr2(first[0], first[1], &hay[i..]) {
        let p = i + k;
        if hay.len() - p >= needle.len() && hay[p..p + needle.len()].eq_ignore_ascii_case(needle) {
            return Some(p);
        }
        i = p + 1;
    }
    None
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

fn framing_error(why: &str) -> Error {
    Error {
        code: ErrorCode::ParseError,
        message: format!("Parse error: {why}; skipped to the next Content-Length header").into(),
        data: None,
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
    let mut input = FrameReader::new(input);
    // The user hears of a broken stream once (every error is answered and logged), and not
    // before `initialize` has been answered (nothing may reach a client before that).
    let mut told = false;
    let mut owe_notice = false;
    // Ready at the previous turn too: a message has been read since `initialize` was handled,
    // so its response has reached the client (which sends nothing before it has it).
    let mut was_ready = false;
    let end = loop {
        while handlers.try_join_next().is_some() {}
        let now_ready = service.client_ready();
        let may_notify = now_ready && was_ready;
        was_ready = now_ready;
        if owe_notice && may_notify {
            owe_notice = false;
            let note = serde_json::json!({
                "jsonrpc": "2.0",
                "method": "window/showMessage",
                "params": {"type": 1, "message": "tftsr: a message from the editor could not be read (broken Content-Length framing); it was skipped and the server reads on. If diagnostics look wrong, reopen the file."},
            });
            if let Some(b) = frame(&note) {
                let _ = out_tx.send(b);
            }
        }
        let incoming = match input.next().await {
            Frame::Eof => break End::Eof,
            Frame::Body(body) => {
                let t = std::time::Instant::now();
                let m = parse(&body);
                if body.len() >= 1 << 20 {
                    tracing::debug!(
                        bytes = body.len(),
                        parse_ms = t.elapsed().as_secs_f64() * 1000.0,
                        "large message parsed"
                    );
                }
                match m {
                    Incoming::Invalid(Id::Null, e) if e.code == ErrorCode::ParseError => {
                        // Not JSON: the length was wrong. If it was too long, the next message
                        // is inside this body: read it from its header.
                        let resynced = input.give_back_from_header(&body);
                        Incoming::Invalid(
                            Id::Null,
                            framing_error(if resynced {
                                "the body is no JSON and holds the next message's header (Content-Length too large?)"
                            } else {
                                "the body is no JSON (Content-Length counted in characters, not bytes?)"
                            }),
                        )
                    }
                    m => m,
                }
            }
            Frame::Bad(why) => Incoming::Invalid(Id::Null, framing_error(why)),
            Frame::TooLarge(n) => {
                tracing::error!(bytes = n, "message over the size limit skipped");
                Incoming::Invalid(
                    Id::Null,
                    Error {
                        code: ErrorCode::InvalidRequest,
                        message: format!(
                            "message body of {n} bytes is over the limit of {MAX_BODY} bytes; skipped"
                        )
                        .into(),
                        data: None,
                    },
                )
            }
        };
        if let Incoming::Invalid(_, e) = &incoming {
            if !told && e.code == ErrorCode::ParseError {
                told = true;
                owe_notice = true;
            }
        }
        match incoming {
            Incoming::Invalid(id, error) => {
                // The message is ours (what was wrong with the framing), never content.
                tracing::error!(
                    code = error.code.code(),
                    error = %error.message,
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
            // A `$/` request (one with an id) must be answered MethodNotFound (LSP 3.17, "$
            // Notifications and Requests"); tower-lsp-server drops every MethodNotFound answer
            // of a `$/` method, notifications and requests alike, so the client would wait for
            // ever (found by the `lsp_transport` fuzz target). None of ours is a request.
            Incoming::Request(req) if req.method().starts_with("$/") && req.id().is_some() => {
                let id = req.id().cloned().unwrap_or(Id::Null);
                if let Some(b) = frame(&Response::from_error(id, Error::method_not_found())) {
                    let _ = out_tx.send(b);
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
    use std::pin::Pin;
    use std::task::Context;

    /// Gives its bytes a few at a time, as a pipe may.
    struct Trickle(Vec<u8>, usize);
    impl AsyncRead for Trickle {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            let at = self.1;
            let n = (1 + at % 3).min(self.0.len() - at).min(buf.remaining());
            buf.put_slice(&self.0[at..at + n]);
            self.1 += n;
            Poll::Ready(Ok(()))
        }
    }

    fn framed(body: &str) -> Vec<u8> {
        format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
    }

    async fn frames(input: Vec<u8>, trickle: bool) -> Vec<Frame> {
        let mut out = Vec::new();
        if trickle {
            let mut r = FrameReader::new(Trickle(input, 0));
            loop {
                match r.next().await {
                    Frame::Eof => break,
                    Frame::Body(b) => {
                        if matches!(parse(&b), Incoming::Invalid(..)) {
                            r.give_back_from_header(&b);
                        }
                        out.push(Frame::Body(b));
                    }
                    f => out.push(f),
                }
            }
        } else {
            let mut r = FrameReader::new(&input[..]);
            loop {
                match r.next().await {
                    Frame::Eof => break,
                    Frame::Body(b) => {
                        if matches!(parse(&b), Incoming::Invalid(..)) {
                            r.give_back_from_header(&b);
                        }
                        out.push(Frame::Body(b));
                    }
                    f => out.push(f),
                }
                assert!(
                    r.buf.capacity() < 1 << 20,
                    "the reader buffered {}",
                    r.buf.capacity()
                );
            }
        }
        out
    }

    const A: &str = r#"{"jsonrpc":"2.0","id":1,"method":"a"}"#;
    const B: &str = r#"{"jsonrpc":"2.0","id":2,"method":"b","params":{"t":"é😀"}}"#;

    fn body(s: &str) -> Frame {
        Frame::Body(s.as_bytes().to_vec())
    }

    #[tokio::test]
    async fn frames_resynchronise_after_every_kind_of_breakage() {
        for trickle in [false, true] {
            // well-formed, with another header and blank lines between messages
            let mut input = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n".to_vec();
            input.extend(framed(A));
            input.extend(b"\r\n\n");
            input.extend(framed(B));
            assert_eq!(frames(input, trickle).await, [body(A), body(B)]);

            // a length counted in characters: the body is cut short, its tail glued to the next
            // header; one error each, then the next message
            let chars = B.chars().count();
            let mut input = format!("Content-Length: {chars}\r\n\r\n{B}").into_bytes();
            input.extend(framed(A));
            let got = frames(input, trickle).await;
            assert_eq!(got.len(), 3, "{got:?}");
            assert_eq!(got[0], Frame::Body(B.as_bytes()[..chars].to_vec()));
            assert_eq!(got[1], Frame::Bad("malformed header line"));
            assert_eq!(got[2], body(A));

            // a length too large: the next message is inside the body and read again from there
            // when it arrived with it (a trickled stream has not sent the rest of it yet, and
            // the reader does not wait on a guess: it is lost, and the one after it is read)
            let mut input = format!("Content-Length: {}\r\n\r\n{A}", A.len() + 20).into_bytes();
            input.extend(framed(B));
            input.extend(framed(A));
            let got = frames(input, trickle).await;
            assert_eq!(got.last(), Some(&body(A)), "{got:?}");
            assert_eq!(got.contains(&body(B)), !trickle, "{got:?}");

            // an honest frame whose body is garbage holding a header of its own (found by the
            // `lsp_transport` fuzz target): that header's length is no frame of the stream and
            // must not swallow the messages after the body; a whole frame inside is given back
            let junk =
                "garbage\r\n\r\nContent-Length: 9850\r\n\r\n{\"jsonrpc\": \"2.0\"".to_string();
            let mut input = framed(&junk);
            input.extend(framed(A));
            input.extend(framed(B));
            let got = frames(input, trickle).await;
            assert_eq!(got, [body(&junk), body(A), body(B)], "{got:?}");
            let junk = format!("x {}", String::from_utf8(framed(B)).unwrap());
            let mut input = framed(&junk);
            input.extend(framed(A));
            let got = frames(input, trickle).await;
            assert_eq!(got, [body(&junk), body(B), body(A)], "{got:?}");

            // a header line that never ends (2 MB without a newline; trickled: 64 KiB), garbage,
            // no Content-Length
            let mut input = vec![b'A'; if trickle { 64 << 10 } else { 2 << 20 }];
            input.extend(b"\r\nnot a header\r\n\r\nX-Only: 1\r\n\r\n");
            input.extend(framed(A));
            input.extend(b"Content-Length: x\r\n\r\n");
            input.extend(framed(B));
            let got = frames(input, trickle).await;
            assert_eq!(
                got,
                [
                    Frame::Bad("header line too long"),
                    body(A),
                    Frame::Bad("bad Content-Length"),
                    body(B)
                ]
            );

            // a body over the limit is refused at once and skipped, never stored
            let mut input = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1).into_bytes();
            input.extend(framed(A));
            assert_eq!(
                frames(input, trickle).await,
                [Frame::TooLarge(MAX_BODY + 1)]
            );
        }
    }

    #[test]
    fn case_insensitive_search() {
        assert_eq!(find_ci(b"xx}}content-LENGTH: 3", NEEDLE), Some(4));
        assert_eq!(find_ci(b"Content-Lengt", NEEDLE), None);
        assert_eq!(find_ci(b"", NEEDLE), None);
    }

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
