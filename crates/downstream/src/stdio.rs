//! The transport of a stdio server's session: JSON-RPC lines over the child's stdin and stdout, each bounded, read in rmcp's own session task.
//!
//! rmcp's `AsyncRwTransport` drops a line over its limit and says nothing to
//! the request waiting for it, which then waits out the server's whole
//! timeout. This transport reads the lines itself (it implements rmcp's
//! `Transport`, the extension point rmcp has for this), so an oversized
//! response becomes at once an error answer to its request
//! ([`line_limit::too_large`]) and the session stays in step. Reading in the
//! session task, not in a pump task of its own in front of rmcp, saves a task
//! wake-up and a copy of every answer.
//!
//! It also knows which requests it sent were `tools/call`: their answers are
//! read straight into `CallToolResult`. rmcp's generic parse tries each result
//! type of its untagged `ServerResult` in turn (fifteen come before
//! `CallToolResult`), buffering the message twice, on the hottest answer of the
//! pool. Every other message, and a call's answer that does not read as a
//! `CallToolResult`, takes the generic parse. What cannot be read is passed
//! over, as rmcp does, but for well-formed JSON of another shape than a
//! notification, which is answered with `Invalid Request`, as rmcp does too.

use std::{
    collections::HashSet,
    io,
    sync::{Arc, Mutex, PoisonError},
};

use rmcp::{
    RoleClient,
    model::{
        CallToolResult, ClientRequest, ErrorData, JsonRpcMessage, JsonRpcResponse,
        JsonRpcVersion2_0, RequestId, ServerResult,
    },
    service::{RxJsonRpcMessage, TxJsonRpcMessage},
    transport::Transport,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};

use super::line_limit::{self, TopLevel};

/// What one read of the child's stdout asks for: enough for the largest pipe write.
const CHUNK: usize = 64 * 1024;

/// At most this many `tools/call` requests are remembered as awaiting their
/// answer; past it the set is emptied (answers to calls whose server never
/// answered, or answered with a message we could not read, would otherwise
/// pile up). Forgetting one only sends its answer through the generic parse.
const CALLS_REMEMBERED: usize = 1024;

type Writer<W> = Arc<tokio::sync::Mutex<Option<W>>>;

pub(crate) struct StdioTransport<R, W> {
    server: Arc<str>,
    read: BufReader<R>,
    /// The line being read, without the part of an oversized one.
    line: Vec<u8>,
    /// Most bytes a line may have, its newline not counted.
    limit: usize,
    /// Set while the rest of an oversized line is read and dropped.
    dropping: Option<Dropped>,
    write: Writer<W>,
    /// Ids of the `tools/call` requests sent and not yet answered.
    calls: Arc<Mutex<HashSet<RequestId>>>,
}

/// An oversized line: how long it is so far, and its keys for the answer.
#[derive(Default)]
struct Dropped {
    bytes: usize,
    keys: TopLevel,
}

enum LineRead {
    Line,
    Oversized(Dropped),
    End,
}

/// The start of an answer: enough to know which request it answers.
#[derive(Deserialize)]
struct Answer<'a> {
    #[serde(rename = "jsonrpc")]
    _jsonrpc: JsonRpcVersion2_0,
    id: RequestId,
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
}

impl<R, W> StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    pub(crate) fn new(server: &str, stdout: R, stdin: W, limit: usize) -> Self {
        Self {
            server: server.into(),
            read: BufReader::with_capacity(CHUNK, stdout),
            line: Vec::new(),
            limit,
            dropping: None,
            write: Arc::new(tokio::sync::Mutex::new(Some(stdin))),
            calls: Arc::default(),
        }
    }

    /// Reads up to the end of the next line. Cancel-safe: `fill_buf` takes
    /// nothing when dropped, and what was taken is in `self.line` or
    /// `self.dropping` before the next await, so a read cancelled by rmcp's
    /// `select!` resumes the same line.
    async fn read_line(&mut self) -> LineRead {
        loop {
            let available = match self.read.fill_buf().await {
                Ok([]) => return LineRead::End,
                Ok(available) => available,
                Err(error) => {
                    tracing::debug!(server = %self.server, %error, "stopped reading the server's stdout");
                    return LineRead::End;
                }
            };
            let newline = available.iter().position(|&b| b == b'\n');
            let content = &available[..newline.unwrap_or(available.len())];
            let consumed = newline.map_or(available.len(), |at| at + 1);
            if self.dropping.is_none() && self.line.len() + content.len() > self.limit {
                let mut dropped = Dropped::default();
                dropped.keys.feed(&self.line);
                dropped.bytes = self.line.len();
                self.line.clear();
                self.dropping = Some(dropped);
            }
            match &mut self.dropping {
                Some(dropped) => {
                    dropped.keys.feed(content);
                    dropped.bytes += content.len();
                }
                None => self.line.extend_from_slice(content),
            }
            self.read.consume(consumed);
            if newline.is_some() {
                return match self.dropping.take() {
                    Some(dropped) => LineRead::Oversized(dropped),
                    None => LineRead::Line,
                };
            }
        }
    }

    /// The answer put in place of an oversized line, if it was a response.
    fn oversized(&self, dropped: &Dropped) -> Option<RxJsonRpcMessage<RoleClient>> {
        let id = dropped.keys.response_id().and_then(|id| serde_json::from_value(id).ok());
        let Some(id) = id else {
            tracing::warn!(
                server = %self.server,
                bytes = dropped.bytes,
                limit = self.limit,
                "dropped a message from the server over the size limit; it was not a response"
            );
            return None;
        };
        self.forget(&id);
        tracing::warn!(
            server = %self.server,
            bytes = dropped.bytes,
            limit = self.limit,
            id = %id,
            "dropped a response over the size limit; its request fails with result_too_large"
        );
        let error = line_limit::too_large(&self.server, dropped.bytes, self.limit);
        Some(JsonRpcMessage::error(error, Some(id)))
    }

    /// Whether `id` was a `tools/call` awaiting its answer; it no longer is.
    fn forget(&self, id: &RequestId) -> bool {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner).remove(id)
    }

    /// The message on `line`, `None` when it is to be passed over.
    fn parse(&self, line: &[u8]) -> Option<RxJsonRpcMessage<RoleClient>> {
        if let Ok(answer) = serde_json::from_slice::<Answer<'_>>(line)
            && self.forget(&answer.id)
            && let Some(result) = answer.result
            && let Ok(result) = serde_json::from_str::<CallToolResult>(result.get())
        {
            return Some(JsonRpcMessage::Response(JsonRpcResponse {
                jsonrpc: JsonRpcVersion2_0,
                id: answer.id,
                result: ServerResult::CallToolResult(result),
            }));
        }
        match serde_json::from_slice(line) {
            Ok(message) => Some(message),
            Err(error) => {
                self.unreadable(line, &error);
                None
            }
        }
    }

    /// A line that reads as no message: text that is not JSON, and
    /// notifications (JSON-RPC answers none), are passed over; other
    /// well-formed JSON is answered with `Invalid Request`, as rmcp does.
    fn unreadable(&self, line: &[u8], error: &serde_json::Error) {
        use serde_json::error::Category;
        tracing::debug!(server = %self.server, %error, "passed over a message the server sent that could not be read");
        if matches!(error.classify(), Category::Syntax | Category::Eof) || is_notification(line) {
            return;
        }
        let answer = TxJsonRpcMessage::<RoleClient>::error(
            ErrorData::invalid_request("Invalid request", None),
            None,
        );
        // Written apart from `receive`, which rmcp may cancel half-way.
        tokio::spawn(write_message(Arc::clone(&self.write), answer));
    }
}

/// A message with a `method` and no `id`.
fn is_notification(line: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line)
        .is_ok_and(|message| message.contains_key("method") && !message.contains_key("id"))
}

async fn write_message<W: AsyncWrite + Unpin>(
    write: Writer<W>,
    message: TxJsonRpcMessage<RoleClient>,
) -> io::Result<()> {
    let mut bytes = serde_json::to_vec(&message).map_err(io::Error::other)?;
    bytes.push(b'\n');
    let mut write = write.lock().await;
    let Some(stdin) = write.as_mut() else {
        return Err(io::Error::new(io::ErrorKind::NotConnected, "the transport is closed"));
    };
    stdin.write_all(&bytes).await?;
    stdin.flush().await
}

impl<R, W> Transport<RoleClient> for StdioTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = io::Result<()>> + Send + 'static {
        if let JsonRpcMessage::Request(request) = &item
            && matches!(request.request, ClientRequest::CallToolRequest(_))
        {
            let mut calls = self.calls.lock().unwrap_or_else(PoisonError::into_inner);
            if calls.len() >= CALLS_REMEMBERED {
                calls.clear();
            }
            calls.insert(request.id.clone());
        }
        write_message(Arc::clone(&self.write), item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleClient>> {
        loop {
            match self.read_line().await {
                LineRead::End => return None,
                LineRead::Oversized(dropped) => {
                    if let Some(answer) = self.oversized(&dropped) {
                        return Some(answer);
                    }
                }
                LineRead::Line => {
                    let text = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
                    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
                    let parsed = if text.is_empty() { None } else { self.parse(text) };
                    self.line.clear();
                    if parsed.is_some() {
                        return parsed;
                    }
                }
            }
        }
    }

    async fn close(&mut self) -> io::Result<()> {
        drop(self.write.lock().await.take());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
