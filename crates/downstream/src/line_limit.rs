//! Bounds each JSON-RPC message a stdio child writes, and turns an oversized response into an error answer to its request at once.
//!
//! rmcp drops a line over its limit and says nothing to the request waiting
//! for it, which then waits out the server's whole timeout. So the child's
//! stdout goes through [`guard`] first: a pump that passes lines through as
//! they come, and when one grows past [`MAX_MESSAGE`] ends what it already
//! passed with a newline (rmcp ignores the truncated JSON), throws the rest of
//! the line away, and, if the line was a response, writes in its place a
//! JSON-RPC error answer with the same `id`. The session stays in step: the
//! next line is read as usual and nothing is restarted. The `id` may come
//! anywhere in the object (some SDKs write it last), so every line is scanned
//! for its top-level keys as it passes.

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWriteExt as _, BufReader, DuplexStream};
use tokio_util::sync::CancellationToken;

/// Largest message a downstream server may send: rmcp's own stdio limit
/// and its HTTP client's largest SSE event.
pub(crate) const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// The JSON-RPC error code of the answer put in place of an oversized
/// response (in the range JSON-RPC leaves to implementations).
pub(crate) const TOO_LARGE_CODE: i32 = -32099;

/// `data.reason` of that answer, so a server's own -32099 is not taken for ours.
pub(crate) const TOO_LARGE_REASON: &str = "pattern_mcp_result_too_large";

/// Whether an error answer is the one [`guard`] put in place of an oversized response.
pub(crate) fn is_too_large(error: &rmcp::model::ErrorData) -> bool {
    error.code.0 == TOO_LARGE_CODE
        && error.data.as_ref().and_then(|data| data.get("reason")).and_then(Value::as_str)
            == Some(TOO_LARGE_REASON)
}

/// What the pump hands rmcp per read: enough for the largest pipe write in one go.
const CHUNK: usize = 64 * 1024;

/// The reader rmcp should use instead of `stdout`: the same lines, each at
/// most `limit` bytes, an oversized response replaced by an error answer.
/// The pump ends when `stdout` does, when the reader is dropped, or on
/// `cancel` (a grandchild may hold `stdout` open after the child is gone).
pub(crate) fn guard(
    server: &str,
    stdout: impl AsyncRead + Unpin + Send + 'static,
    limit: usize,
    cancel: CancellationToken,
) -> DuplexStream {
    let (ours, theirs) = tokio::io::duplex(CHUNK);
    tokio::spawn(pump(server.to_owned(), stdout, ours, limit, cancel));
    theirs
}

async fn pump(
    server: String,
    stdout: impl AsyncRead + Unpin,
    mut out: DuplexStream,
    limit: usize,
    cancel: CancellationToken,
) {
    let mut reader = BufReader::with_capacity(CHUNK, stdout);
    let mut line = Line::default();
    loop {
        let filled = tokio::select! {
            biased;
            () = cancel.cancelled() => return,
            filled = reader.fill_buf() => filled,
        };
        let available = match filled {
            Ok([]) => return,
            Ok(available) => available,
            Err(error) => {
                tracing::debug!(server = %server, %error, "stopped reading the server's stdout");
                return;
            }
        };
        let newline = available.iter().position(|&b| b == b'\n');
        let content = &available[..newline.unwrap_or(available.len())];
        let consumed = newline.map_or(available.len(), |at| at + 1);
        line.keys.feed(content);
        let passed = line.bytes;
        line.bytes += content.len();
        let written = if line.oversized {
            Ok(())
        } else if line.bytes > limit {
            line.oversized = true;
            if passed > 0 { out.write_all(b"\n").await } else { Ok(()) }
        } else {
            out.write_all(&available[..consumed]).await
        };
        reader.consume(consumed);
        if newline.is_some() {
            let finished = std::mem::take(&mut line);
            if finished.oversized && !answer_oversized(&server, &finished, limit, &mut out).await {
                return;
            }
        }
        if written.is_err() {
            // rmcp dropped its end: the session is over.
            return;
        }
    }
}

/// Logs the dropped line and, for a response, writes the error answer;
/// false when rmcp's end is gone.
async fn answer_oversized(server: &str, line: &Line, limit: usize, out: &mut DuplexStream) -> bool {
    let Some(id) = line.keys.response_id() else {
        tracing::warn!(
            server = %server,
            bytes = line.bytes,
            limit,
            "dropped a message from the server over the size limit; it was not a response"
        );
        return true;
    };
    tracing::warn!(
        server = %server,
        bytes = line.bytes,
        limit,
        id = %id,
        "dropped a response over the size limit; its request fails with result_too_large"
    );
    let answer = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {
            "code": TOO_LARGE_CODE,
            "message": format!("the answer of `{server}` is {} bytes, over the limit of {limit}", line.bytes),
            "data": {"reason": TOO_LARGE_REASON, "bytes": line.bytes, "limit": limit},
        },
    });
    let mut bytes = answer.to_string().into_bytes();
    bytes.push(b'\n');
    out.write_all(&bytes).await.is_ok()
}

/// The line being read.
#[derive(Default)]
struct Line {
    /// Its length so far, without the newline.
    bytes: usize,
    /// Over the limit: nothing more of it is passed on.
    oversized: bool,
    keys: TopLevel,
}

/// A streaming scan of one JSON object for what tells a response from a
/// request: its top-level keys, and the raw text of its `id`.
#[derive(Debug, Default)]
pub(crate) struct TopLevel {
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// At depth 1, the next string is a key.
    expect_key: bool,
    in_key: bool,
    key: Vec<u8>,
    last_key_is_id: bool,
    /// The value of `id` is being read.
    in_id: bool,
    id: Vec<u8>,
    object: bool,
    has_id: bool,
    has_answer: bool,
    has_method: bool,
}

/// Keys longer than this are none of the ones looked for.
const KEY_MAX: usize = 8;
/// An `id` longer than this is not used.
const ID_MAX: usize = 256;

impl TopLevel {
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            // Inside a string nothing matters but its end: skip to the next quote or backslash.
            if self.in_string && !self.escaped && !self.in_key && !self.in_id {
                match bytes[i..].iter().position(|&b| b == b'"' || b == b'\\') {
                    Some(at) => i += at,
                    None => return,
                }
            }
            self.step(bytes[i]);
            i += 1;
        }
    }

    fn step(&mut self, b: u8) {
        let ends_id = self.depth == 1 && !self.in_string && matches!(b, b',' | b'}');
        if self.in_id && !ends_id && self.id.len() <= ID_MAX {
            self.id.push(b);
        }
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
                if self.in_key {
                    self.in_key = false;
                    self.end_key();
                }
                return;
            }
            if self.in_key && self.key.len() <= KEY_MAX {
                self.key.push(b);
            }
            return;
        }
        match b {
            b'"' => {
                self.in_string = true;
                if self.depth == 1 && self.expect_key {
                    self.expect_key = false;
                    self.in_key = true;
                    self.key.clear();
                }
            }
            b'{' | b'[' => {
                self.depth += 1;
                if self.depth == 1 && b == b'{' {
                    self.object = true;
                    self.expect_key = true;
                }
            }
            b'}' | b']' => {
                if self.depth == 1 {
                    self.in_id = false;
                }
                self.depth = self.depth.saturating_sub(1);
            }
            b',' if self.depth == 1 => {
                self.in_id = false;
                self.expect_key = true;
            }
            b':' if self.depth == 1 && self.last_key_is_id => {
                self.in_id = true;
                self.id.clear();
            }
            _ => {}
        }
    }

    fn end_key(&mut self) {
        self.last_key_is_id = self.key == b"id";
        match self.key.as_slice() {
            b"id" => self.has_id = true,
            b"result" | b"error" => self.has_answer = true,
            b"method" => self.has_method = true,
            _ => {}
        }
    }

    /// The `id` of a JSON-RPC response (an object with `id` and `result` or
    /// `error`, and no `method`), when it is a number or a string.
    pub(crate) fn response_id(&self) -> Option<Value> {
        if !(self.object && self.has_id && self.has_answer && !self.has_method)
            || self.id.len() > ID_MAX
        {
            return None;
        }
        let id: Value = serde_json::from_slice(&self.id).ok()?;
        (id.is_number() || id.is_string()).then_some(id)
    }
}

#[cfg(test)]
mod tests;
