//! The stdio front: a line reader that answers what rmcp would drop, one stdout writer, and
//! the rmcp `Transport` between them.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rmcp::RoleServer;
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::lines::{Line, Lines};
use super::session::{Admit, Session};
use crate::jsonrpc::{self, Rejection, ReplyTo};

/// The longest line read from stdin; a longer one is answered with an error.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// Lines queued for stdout; a slow reader of stdout slows the reader of stdin.
const OUT_QUEUE: usize = 256;

/// How long a closing session waits for queued lines to reach stdout.
const FLUSH_GRACE: Duration = Duration::from_secs(5);

/// Starts the reader and the writer; returns the transport to give rmcp and
/// the handle that ends them.
pub fn start<R, W>(input: R, output: W, limit: usize) -> (FrontTransport, Front)
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(OUT_QUEUE);
    let (in_tx, in_rx) = mpsc::channel::<ClientJsonRpcMessage>(OUT_QUEUE);
    let session = Arc::new(Mutex::new(Session::default()));
    let writer = tokio::spawn(write_lines(output, out_rx));
    let reader = tokio::spawn(read_lines(input, limit, in_tx, out_tx.clone(), session.clone()));
    (FrontTransport { incoming: in_rx, out: out_tx, session }, Front { reader, writer })
}

/// The tasks behind a transport.
pub struct Front {
    reader: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Front {
    /// Stops reading and waits (briefly) for every queued line to be written.
    /// Call after rmcp has dropped the transport.
    pub async fn finish(self) {
        self.reader.abort();
        let _ = self.reader.await;
        if tokio::time::timeout(FLUSH_GRACE, self.writer).await.is_err() {
            tracing::warn!("stdout did not drain in time; some replies may be lost");
        }
    }
}

/// rmcp's view of stdio: checked messages in, whole lines out.
pub struct FrontTransport {
    incoming: mpsc::Receiver<ClientJsonRpcMessage>,
    out: mpsc::Sender<Vec<u8>>,
    session: Arc<Mutex<Session>>,
}

impl Transport<RoleServer> for FrontTransport {
    type Error = std::io::Error;

    fn name() -> Cow<'static, str> {
        "stdio".into()
    }

    fn send(
        &mut self,
        item: ServerJsonRpcMessage,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.session.lock().unwrap_or_else(PoisonError::into_inner).sent(&item);
        let out = self.out.clone();
        async move {
            let mut line = serde_json::to_vec(&item).map_err(std::io::Error::other)?;
            line.push(b'\n');
            out.send(line).await.map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdout is closed")
            })
        }
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        self.incoming.recv().await
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.incoming.close();
        Ok(())
    }
}

/// Reads stdin line by line until EOF: accepted messages go to rmcp, refused
/// ones are answered (or, for notifications, logged) here.
async fn read_lines<R: AsyncRead + Unpin>(
    input: R,
    limit: usize,
    to_rmcp: mpsc::Sender<ClientJsonRpcMessage>,
    out: mpsc::Sender<Vec<u8>>,
    session: Arc<Mutex<Session>>,
) {
    let mut lines = Lines::new(BufReader::with_capacity(64 * 1024, input), limit);
    let mut number = 0u64;
    loop {
        let line = match lines.next().await {
            Ok(Some(line)) => line,
            Ok(None) => {
                tracing::debug!(lines = number, "stdin closed");
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot read stdin; ending the session");
                return;
            }
        };
        number += 1;
        let checked = match line {
            Line::TooLong { prefix, len } => {
                tracing::warn!(line = number, bytes = len, "over-long line");
                Err(jsonrpc::too_long(prefix, limit))
            }
            Line::Whole(bytes) if is_blank(bytes) => {
                tracing::debug!(line = number, "blank line ignored");
                continue;
            }
            Line::Whole(bytes) => jsonrpc::check(bytes),
        };
        let admitted = match checked {
            Ok(message) => session.lock().unwrap_or_else(PoisonError::into_inner).admit(message),
            Err(rejection) => Admit::Reject(rejection),
        };
        match admitted {
            Admit::Forward(message) => {
                if to_rmcp.send(*message).await.is_err() {
                    tracing::debug!("the MCP service has stopped; no longer reading stdin");
                    return;
                }
            }
            Admit::Reject(rejection) => {
                if !answer(&out, &rejection, number).await {
                    return;
                }
            }
            Admit::Drop(why) => tracing::warn!(line = number, reason = why, "message ignored"),
        }
    }
}

/// Logs a refused message and writes its error reply, if it gets one; false
/// when stdout is gone.
/// Only JSON's own whitespace makes a line blank: a form feed or vertical tab
/// (which `trim_ascii` would drop) is a message that does not parse.
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
}

async fn answer(out: &mpsc::Sender<Vec<u8>>, rejection: &Rejection, line: u64) -> bool {
    let answered = rejection.reply_to() != &ReplyTo::Nobody;
    tracing::warn!(
        line,
        code = rejection.code(),
        id = rejection.id_text(),
        answered,
        reason = rejection.message(),
        "refused a JSON-RPC message"
    );
    let Some(reply) = rejection.reply() else {
        return true;
    };
    let mut reply = reply.into_bytes();
    reply.push(b'\n');
    out.send(reply).await.is_ok()
}

/// The one writer of stdout: whole lines, in queue order, flushed when the
/// queue runs dry.
async fn write_lines<W: AsyncWrite + Unpin>(mut output: W, mut queue: mpsc::Receiver<Vec<u8>>) {
    while let Some(line) = queue.recv().await {
        if let Err(e) = output.write_all(&line).await {
            tracing::error!(error = %e, "cannot write to stdout");
            return;
        }
        if queue.is_empty()
            && let Err(e) = output.flush().await
        {
            tracing::error!(error = %e, "cannot flush stdout");
            return;
        }
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests;
