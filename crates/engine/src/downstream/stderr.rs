//! Forwards a stdio server's stderr into our logs, one event per line, tagged with the server's name.

use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncReadExt as _, BufReader};

/// Longer lines are logged in pieces of this size, so a server writing
/// without newlines cannot grow our memory.
const MAX_LINE: usize = 8 * 1024;

/// Reads until end of file (the child and every process sharing its stderr
/// have exited), then returns.
pub(crate) async fn forward(server: String, stderr: impl AsyncRead + Unpin) {
    let mut reader = BufReader::new(stderr);
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let limit = u64::try_from(MAX_LINE).unwrap_or(u64::MAX);
        match (&mut reader).take(limit).read_until(b'\n', &mut line).await {
            Ok(0) => break,
            Ok(_) => {
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches(['\n', '\r']);
                if !text.is_empty() {
                    tracing::info!(server = %server, "stderr: {text}");
                }
            }
            Err(error) => {
                tracing::debug!(server = %server, %error, "stopped reading the server's stderr");
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests;
