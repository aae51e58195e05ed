//! Newline-delimited input with a bound on line length.
//!
//! This file uses nothing of its crate: `fuzz/fuzz_targets/line_reader.rs` compiles it on its own.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// One line of input, without its newline.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Whole(&'a [u8]),
    /// A line longer than the limit: its first `limit` bytes, and its full length.
    TooLong {
        prefix: &'a [u8],
        len: usize,
    },
}

/// Reads lines of at most `limit` bytes; the rest of a longer line is
/// discarded as it arrives, so memory stays bounded by `limit`.
pub struct Lines<R> {
    reader: R,
    limit: usize,
    buf: Vec<u8>,
}

impl<R: AsyncBufRead + Unpin> Lines<R> {
    pub fn new(reader: R, limit: usize) -> Self {
        Lines { reader, limit, buf: Vec::new() }
    }

    /// The next line, or `None` at end of input. A last line without a
    /// newline still counts.
    pub async fn next(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let mut len = 0usize;
        loop {
            let chunk = self.reader.fill_buf().await?;
            if chunk.is_empty() {
                if len == 0 {
                    return Ok(None);
                }
                break;
            }
            let (part, used, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(end) => (&chunk[..end], end + 1, true),
                None => (chunk, chunk.len(), false),
            };
            let room = self.limit.saturating_sub(self.buf.len());
            self.buf.extend_from_slice(&part[..part.len().min(room)]);
            len += part.len();
            self.reader.consume(used);
            if done {
                break;
            }
        }
        Ok(Some(if len > self.limit {
            Line::TooLong { prefix: &self.buf, len }
        } else {
            Line::Whole(&self.buf)
        }))
    }
}
