//! The stdio transport's line reader (`crates/mcp-server/src/stdio/lines.rs`) and the
//! JSON-RPC byte scanner that finds a refused line's id (`src/jsonrpc/scan.rs`).
//!
//! Both files are compiled here from their place in crates/mcp-server (they
//! depend on nothing of the crate), so this target does not build the server.
//!
//! Properties of the reader, for an arbitrary byte stream, line limit and
//! chunking of the stream:
//! - the lines are the stream split at `\n` (a last line without a newline
//!   counts, nothing after a final newline), whatever the chunking;
//! - a line over the limit is `TooLong` with its first `limit` bytes and its
//!   full length, and the lines after it are read whole.
//!
//! Properties of the scanner, on each line:
//! - it never panics and its spans lie inside the line;
//! - serde_json accepts the line only if the scanner finds nothing wrong, and
//!   the scanner finds nothing wrong in a line serde_json refuses only when a
//!   number is out of range (a `f64` overflow, which the scanner does not judge);
//! - for an object serde_json accepts, the scanner sees an object, says
//!   whether it has an `id`, and its id token is that id's exact JSON text.
#![no_main]

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};

#[path = "../../crates/mcp-server/src/stdio/lines.rs"]
mod lines;
#[path = "../../crates/mcp-server/src/jsonrpc/scan.rs"]
mod scan;

use lines::{Line, Lines};
use scan::{IdKind, Top};

/// The input, from bytes, so corpus files can be written by hand: the line
/// limit (one byte, small so that short inputs exercise it), the number `n` of
/// chunk sizes (one byte), `n` chunk sizes (cycled; 0 counts as 1), then the stream.
struct Input<'a> {
    limit: u8,
    chunks: &'a [u8],
    data: &'a [u8],
}

impl<'a> Input<'a> {
    fn from_bytes(data: &'a [u8]) -> Option<Input<'a>> {
        let (&limit, rest) = data.split_first()?;
        let (&n, rest) = rest.split_first()?;
        let n = usize::from(n).min(rest.len());
        Some(Input { limit, chunks: &rest[..n], data: &rest[n..] })
    }
}

/// A reader that hands out `data` in chunks of the given sizes.
struct Chunked<'a> {
    data: &'a [u8],
    pos: usize,
    sizes: &'a [u8],
    next: usize,
    /// End of the chunk being consumed.
    end: usize,
}

impl<'a> Chunked<'a> {
    fn new(data: &'a [u8], sizes: &'a [u8]) -> Self {
        Chunked { data, pos: 0, sizes, next: 0, end: 0 }
    }
}

impl AsyncRead for Chunked<'_> {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        unreachable!("Lines reads through AsyncBufRead only")
    }
}

impl AsyncBufRead for Chunked<'_> {
    fn poll_fill_buf(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.pos == this.end {
            let size = match this.sizes {
                [] => this.data.len(),
                sizes => usize::from(sizes[this.next % sizes.len()]).max(1),
            };
            this.next += 1;
            this.end = (this.pos + size).min(this.data.len());
        }
        Poll::Ready(Ok(&this.data[this.pos..this.end]))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        assert!(this.pos + amt <= this.end, "consumed more than was filled");
        this.pos += amt;
    }
}

#[derive(Debug, PartialEq)]
enum Owned {
    Whole(Vec<u8>),
    TooLong { prefix: Vec<u8>, len: usize },
}

/// Every line of `data` read with `Lines` from chunks of `sizes`.
fn read_all(data: &[u8], sizes: &[u8], limit: usize) -> Vec<Owned> {
    let mut lines = Lines::new(Chunked::new(data, sizes), limit);
    let mut out = Vec::new();
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        let mut next = std::pin::pin!(lines.next());
        // The reader is always ready, so one poll finishes the future.
        let Poll::Ready(result) = next.as_mut().poll(&mut cx) else {
            panic!("the line reader waited on a ready reader")
        };
        match result.expect("the reader never fails") {
            None => return out,
            Some(Line::Whole(line)) => out.push(Owned::Whole(line.to_vec())),
            Some(Line::TooLong { prefix, len }) => {
                out.push(Owned::TooLong { prefix: prefix.to_vec(), len })
            }
        }
        assert!(out.len() <= data.len() + 1, "more lines than bytes");
    }
}

/// The lines as the contract describes them.
fn reference(data: &[u8], limit: usize) -> Vec<Owned> {
    if data.is_empty() {
        return Vec::new();
    }
    let data = data.strip_suffix(b"\n").unwrap_or(data);
    data.split(|&b| b == b'\n')
        .map(|line| {
            if line.len() > limit {
                Owned::TooLong { prefix: line[..limit].to_vec(), len: line.len() }
            } else {
                Owned::Whole(line.to_vec())
            }
        })
        .collect()
}

fn check_scan(line: &[u8]) {
    let found = scan::scan(line);
    for problem in found.fatal.iter().chain(&found.problem) {
        assert!(problem.at <= line.len(), "{problem:?} past the end");
    }
    if let Some(id) = &found.id {
        assert!(id.span.start < id.span.end && id.span.end <= line.len());
        assert!(found.has_id_key);
    }
    let clean = found.fatal.is_none() && found.problem.is_none();
    let value = match serde_json::from_slice::<Value>(line) {
        Ok(value) => value,
        Err(error) => {
            assert!(
                !clean || error.to_string().starts_with("number out of range"),
                "the scanner finds nothing wrong with a line serde_json refuses: {error}"
            );
            return;
        }
    };
    assert!(clean, "serde_json accepts a line the scanner refuses: {found:?}");
    match &value {
        Value::Object(object) => {
            assert_eq!(found.top, Top::Object);
            assert_eq!(found.has_id_key, object.contains_key("id"));
            if let Some(id) = object.get("id") {
                let token = found.id.as_ref().expect("the id of a valid object is found");
                let text = &line[token.span.clone()];
                let kind = token.kind;
                match id {
                    // An object or array id: only its first byte is kept.
                    Value::Object(_) | Value::Array(_) => assert_eq!(kind, IdKind::Other),
                    _ => {
                        let parsed: Value =
                            serde_json::from_slice(text).expect("the id token is JSON");
                        assert_eq!(&parsed, id, "id token {:?}", String::from_utf8_lossy(text));
                        let expected = match id {
                            Value::String(_) => IdKind::String,
                            Value::Null => IdKind::Null,
                            Value::Bool(_) => IdKind::Other,
                            Value::Number(_)
                                if !text.iter().all(|&b| b == b'-' || b.is_ascii_digit()) =>
                            {
                                IdKind::Number
                            }
                            Value::Number(_) => IdKind::Integer,
                            _ => unreachable!(),
                        };
                        assert_eq!(
                            kind,
                            expected,
                            "kind of id {:?}",
                            String::from_utf8_lossy(text)
                        );
                    }
                }
            }
        }
        Value::Array(_) => assert_eq!(found.top, Top::Array),
        _ => assert_eq!(found.top, Top::Scalar),
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Some(input) = Input::from_bytes(bytes) else { return };
    let limit = usize::from(input.limit);
    let want = reference(input.data, limit);
    assert_eq!(read_all(input.data, input.chunks, limit), want, "chunks {:?}", input.chunks);
    assert_eq!(read_all(input.data, &[], limit), want, "in one chunk");
    assert_eq!(read_all(input.data, &[1], limit), want, "byte by byte");
    // The scanner sees what the front hands it: whole lines, and the kept
    // prefix of a line that is too long.
    for line in &want {
        match line {
            Owned::Whole(line) => check_scan(line),
            Owned::TooLong { prefix, .. } => check_scan(prefix),
        }
    }
    check_scan(input.data);
});
