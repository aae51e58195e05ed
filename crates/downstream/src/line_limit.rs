//! The size limit of a downstream server's messages, and what takes the place of a response over it.
//!
//! rmcp drops a line over its limit and says nothing to the request waiting
//! for it, which then waits out the server's whole timeout. The stdio
//! transport (`stdio.rs`) reads the child's lines itself: when one grows past
//! [`MAX_MESSAGE`] it drops the rest of the line and, if the line was a
//! response, answers its request at once with [`too_large`]. The session stays
//! in step: the next line is read as usual and nothing is restarted. The `id`
//! may come anywhere in the object (some SDKs write it last), so an oversized
//! line is scanned for its top-level keys ([`TopLevel`]) as it is dropped.

use rmcp::model::{ErrorCode, ErrorData};
use serde_json::{Value, json};

/// Largest message a downstream server may send: rmcp's own stdio limit
/// and its HTTP client's largest SSE event.
pub(crate) const MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// The JSON-RPC error code of the answer put in place of an oversized
/// response (in the range JSON-RPC leaves to implementations).
pub(crate) const TOO_LARGE_CODE: i32 = -32099;

/// `data.reason` of that answer, so a server's own -32099 is not taken for ours.
pub(crate) const TOO_LARGE_REASON: &str = "pattern_mcp_result_too_large";

/// Whether an error answer is the one [`too_large`] made for an oversized response.
pub(crate) fn is_too_large(error: &ErrorData) -> bool {
    error.code.0 == TOO_LARGE_CODE
        && error.data.as_ref().and_then(|data| data.get("reason")).and_then(Value::as_str)
            == Some(TOO_LARGE_REASON)
}

/// The error answer put in place of a response of `bytes` bytes, over `limit`.
pub(crate) fn too_large(server: &str, bytes: usize, limit: usize) -> ErrorData {
    ErrorData::new(
        ErrorCode(TOO_LARGE_CODE),
        format!("the answer of `{server}` is {bytes} bytes, over the limit of {limit}"),
        Some(json!({"reason": TOO_LARGE_REASON, "bytes": bytes, "limit": limit})),
    )
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
