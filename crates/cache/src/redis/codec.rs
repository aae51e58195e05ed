//! How a cached entry ([`CachedResult`]) is stored in Redis: compact JSON, LZ4-compressed when that pays, behind a one-byte format tag.
//!
//! Sizes measured on realistic results (`cargo nextest run -p pattern-cache
//! encoded_sizes --no-capture` prints them; the test samples live in
//! `codec/tests.rs`), against MessagePack and DEFLATE measured once with the
//! same samples:
//!
//! | result | JSON | MessagePack | JSON + LZ4 | JSON + DEFLATE (6) |
//! |---|---|---|---|---|
//! | a recall of 5 memories | 1,856 B | 1,666 B | 1,063 B | 722 B |
//! | a small tool result (`get_current_time`) | 247 B | 198 B | 235 B | 179 B |
//! | a 40-line directory listing | 3,004 B | 2,929 B | 1,114 B | 686 B |
//!
//! A binary encoding of the JSON tree saves only about 10 %: the bytes are
//! in the strings (memory contents, tool text), which it copies as they
//! are. LZ4 halves a recall and shrinks a long tool result threefold, at a
//! cost of a few microseconds per value; DEFLATE saves more but costs
//! about five times as much CPU per round trip, which an L2 hit cannot
//! afford (its whole budget is a few hundred microseconds). So: JSON,
//! compressed with LZ4 from [`COMPRESS_FROM`] bytes on, kept raw when
//! compression does not make it smaller.

use crate::entry::CachedResult;
use crate::error::CacheError;

/// Smallest JSON encoding worth compressing: below it, LZ4's gain is a few
/// bytes at best (the small tool result above saves 12).
pub(crate) const COMPRESS_FROM: usize = 256;

/// Tag of an uncompressed JSON value.
const RAW_JSON: u8 = b'j';
/// Tag of LZ4-compressed JSON (block format, uncompressed size prepended).
const LZ4_JSON: u8 = b'z';

/// Largest value [`decode`] inflates: a corrupt size prefix must not make
/// this process allocate without bound.
const MAX_DECODED: usize = 64 << 20;

/// The stored bytes of `value`.
pub(crate) fn encode(value: &CachedResult) -> Result<Vec<u8>, CacheError> {
    let json = serde_json::to_vec(value).map_err(|e| CacheError::Codec(e.to_string()))?;
    if json.len() >= COMPRESS_FROM {
        let compressed = lz4_flex::compress_prepend_size(&json);
        if compressed.len() < json.len() {
            let mut out = Vec::with_capacity(compressed.len() + 1);
            out.push(LZ4_JSON);
            out.extend_from_slice(&compressed);
            return Ok(out);
        }
    }
    let mut out = Vec::with_capacity(json.len() + 1);
    out.push(RAW_JSON);
    out.extend_from_slice(&json);
    Ok(out)
}

/// The value stored as `bytes` by [`encode`].
pub(crate) fn decode(bytes: &[u8]) -> Result<CachedResult, CacheError> {
    let codec = |e: String| CacheError::Codec(e);
    match bytes.split_first() {
        Some((&RAW_JSON, json)) => serde_json::from_slice(json).map_err(|e| codec(e.to_string())),
        Some((&LZ4_JSON, compressed)) => {
            let size = compressed
                .get(..4)
                .map(|prefix| u32::from_le_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]));
            match size {
                Some(size) if size as usize <= MAX_DECODED => {}
                _ => return Err(codec("compressed value has a bad size prefix".into())),
            }
            let json = lz4_flex::decompress_size_prepended(compressed)
                .map_err(|e| codec(e.to_string()))?;
            serde_json::from_slice(&json).map_err(|e| codec(e.to_string()))
        }
        Some((tag, _)) => Err(codec(format!("unknown value format tag {tag:#04x}"))),
        None => Err(codec("empty value".into())),
    }
}

#[cfg(test)]
mod tests;
