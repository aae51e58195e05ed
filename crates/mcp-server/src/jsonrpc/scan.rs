//! A byte-level JSON scanner that finds the top-level `id` of a message serde_json refused.
//!
//! serde_json stops at the first lone surrogate, invalid UTF-8 byte or 128th
//! level of nesting, so it cannot say which request a broken line was. This
//! scanner walks the bytes once with an explicit stack (never recursive, so
//! any depth is safe), keeps going past problems that leave the structure
//! intact (a bad string, too much nesting) and records where the top-level
//! `id` value sits, so the error reply can splice that exact token back.
//!
//! This file uses nothing of its crate: `fuzz/fuzz_targets/line_reader.rs` compiles it on its own.

use std::ops::Range;

/// The deepest nesting serde_json accepts (its recursion limit is 128 levels,
/// the 128th refused).
pub const MAX_DEPTH: usize = 127;

/// What one pass over a line found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The first error that breaks the JSON structure; scanning stopped there.
    pub fatal: Option<Problem>,
    /// The first problem inside a well-structured text: a lone surrogate,
    /// invalid UTF-8 in a string, nesting deeper than [`MAX_DEPTH`].
    pub problem: Option<Problem>,
    /// The kind of the top-level value.
    pub top: Top,
    /// Whether the top-level object has an `id` key (even if its value is broken).
    pub has_id_key: bool,
    /// The top-level `id` value, when it was scanned whole.
    pub id: Option<IdToken>,
}

/// A problem and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: usize,
    pub reason: &'static str,
}

/// The kind of a line's top-level value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Top {
    Nothing,
    Object,
    Array,
    Scalar,
}

/// Where the top-level `id` value is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdToken {
    pub span: Range<usize>,
    pub kind: IdKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    String,
    /// An integer written without fraction or exponent.
    Integer,
    /// A number with a fraction or an exponent.
    Number,
    Null,
    /// `true`, `false`, an object or an array.
    Other,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    Array,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (after `:`, `,` in an array, or at the top).
    Value,
    /// A value or `]` (just after `[`).
    ValueOrClose,
    /// A key or `}` (just after `{`).
    KeyOrClose,
    /// A key (after `,` in an object).
    Key,
    Colon,
    /// `,` or the container's closing bracket.
    CommaOrClose,
    /// Only whitespace (after the top-level value).
    End,
}

/// Scans `line` (one message, without its newline).
pub fn scan(line: &[u8]) -> Scan {
    let mut s = Scanner { line, pos: 0, stack: Vec::new(), out: Scan::empty(), key_is_id: false };
    s.run();
    s.out
}

impl Scan {
    fn empty() -> Self {
        Scan { fatal: None, problem: None, top: Top::Nothing, has_id_key: false, id: None }
    }
}

struct Scanner<'a> {
    line: &'a [u8],
    pos: usize,
    stack: Vec<Container>,
    out: Scan,
    /// The key just read is the top-level `id`.
    key_is_id: bool,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let mut expect = Expect::Value;
        loop {
            self.skip_whitespace();
            let Some(&b) = self.line.get(self.pos) else {
                if expect != Expect::End {
                    let reason = if self.out.top == Top::Nothing {
                        "empty message"
                    } else {
                        "unexpected end of the message"
                    };
                    self.fail(reason);
                }
                return;
            };
            expect = match expect {
                Expect::End => return self.fail("trailing characters after the message"),
                Expect::Colon if b == b':' => {
                    self.pos += 1;
                    Expect::Value
                }
                Expect::Colon => return self.fail("expected `:` after an object key"),
                Expect::CommaOrClose => match (b, self.stack.last()) {
                    (b',', Some(Container::Object)) => {
                        self.pos += 1;
                        Expect::Key
                    }
                    (b',', Some(Container::Array)) => {
                        self.pos += 1;
                        Expect::Value
                    }
                    (b'}', Some(Container::Object)) | (b']', Some(Container::Array)) => {
                        self.pos += 1;
                        self.close()
                    }
                    _ => return self.fail("expected `,` or a closing bracket"),
                },
                Expect::KeyOrClose | Expect::Key => match b {
                    b'}' if expect == Expect::KeyOrClose => {
                        self.pos += 1;
                        self.close()
                    }
                    b'"' => {
                        let start = self.pos;
                        if !self.string() {
                            return;
                        }
                        self.key_is_id =
                            self.stack.len() == 1 && &self.line[start..self.pos] == b"\"id\"";
                        if self.key_is_id {
                            self.out.has_id_key = true;
                        }
                        Expect::Colon
                    }
                    _ => return self.fail("expected an object key (a string)"),
                },
                Expect::ValueOrClose if b == b']' => {
                    self.pos += 1;
                    self.close()
                }
                Expect::Value | Expect::ValueOrClose => match self.value(b) {
                    Some(next) => next,
                    None => return,
                },
            };
        }
    }

    /// Starts a value at the current byte; scalars are read whole.
    fn value(&mut self, b: u8) -> Option<Expect> {
        let start = self.pos;
        let is_id = std::mem::take(&mut self.key_is_id);
        if self.stack.is_empty() {
            self.out.top = match b {
                b'{' => Top::Object,
                b'[' => Top::Array,
                _ => Top::Scalar,
            };
        }
        let kind = match b {
            b'{' | b'[' => {
                self.stack.push(if b == b'{' { Container::Object } else { Container::Array });
                self.pos += 1;
                if self.stack.len() > MAX_DEPTH && self.out.problem.is_none() {
                    self.out.problem =
                        Some(Problem { at: start, reason: "nesting deeper than 127 levels" });
                }
                if is_id {
                    self.out.id = Some(IdToken { span: start..start + 1, kind: IdKind::Other });
                }
                return Some(if b == b'{' { Expect::KeyOrClose } else { Expect::ValueOrClose });
            }
            b'"' => {
                if !self.string() {
                    return None;
                }
                IdKind::String
            }
            b'-' | b'0'..=b'9' => self.number()?,
            b't' => self.literal(b"true", IdKind::Other)?,
            b'f' => self.literal(b"false", IdKind::Other)?,
            b'n' => self.literal(b"null", IdKind::Null)?,
            _ => {
                self.fail("expected a value");
                return None;
            }
        };
        if is_id {
            self.out.id = Some(IdToken { span: start..self.pos, kind });
        }
        Some(self.after_value())
    }

    fn close(&mut self) -> Expect {
        self.stack.pop();
        self.after_value()
    }

    fn after_value(&self) -> Expect {
        if self.stack.is_empty() { Expect::End } else { Expect::CommaOrClose }
    }

    /// Reads a string starting at its opening quote; false on a fatal error.
    /// A lone surrogate or invalid UTF-8 inside it is a (non-fatal) problem.
    fn string(&mut self) -> bool {
        self.pos += 1;
        loop {
            let Some(&b) = self.line.get(self.pos) else {
                self.fail("unterminated string");
                return false;
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return true;
                }
                b'\\' => {
                    if !self.escape() {
                        return false;
                    }
                }
                0x00..=0x1f => {
                    self.fail("control character inside a string");
                    return false;
                }
                0x80.. => self.utf8_sequence(),
                _ => self.pos += 1,
            }
        }
    }

    /// Reads one escape at a backslash.
    fn escape(&mut self) -> bool {
        let at = self.pos;
        match self.line.get(self.pos + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                true
            }
            Some(b'u') => {
                let Some(unit) = self.hex4(self.pos + 2) else {
                    self.fail("invalid \\u escape");
                    return false;
                };
                self.pos += 6;
                match unit {
                    0xD800..=0xDBFF => {
                        let low = (self.line.get(self.pos..self.pos + 2) == Some(b"\\u"))
                            .then(|| self.hex4(self.pos + 2))
                            .flatten();
                        match low {
                            Some(0xDC00..=0xDFFF) => self.pos += 6,
                            _ => self.problem(at, "lone surrogate in a \\u escape"),
                        }
                    }
                    0xDC00..=0xDFFF => self.problem(at, "lone surrogate in a \\u escape"),
                    _ => {}
                }
                true
            }
            _ => {
                self.fail("invalid escape in a string");
                false
            }
        }
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.line.get(at..at + 4)?;
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|d| d.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(text, 16).ok()
    }

    /// Steps over one UTF-8 sequence starting at a byte >= 0x80, noting a
    /// problem when it is not valid UTF-8.
    fn utf8_sequence(&mut self) {
        let rest = &self.line[self.pos..];
        let len = match rest[0] {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        let valid = len > 0 && rest.len() >= len && std::str::from_utf8(&rest[..len]).is_ok();
        if valid {
            self.pos += len;
        } else {
            self.problem(self.pos, "invalid UTF-8 in a string");
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Option<IdKind> {
        let line = self.line;
        let digits = |pos: &mut usize| {
            let start = *pos;
            while line.get(*pos).is_some_and(u8::is_ascii_digit) {
                *pos += 1;
            }
            *pos > start
        };
        let mut pos = self.pos;
        let mut kind = IdKind::Integer;
        if line[pos] == b'-' {
            pos += 1;
        }
        let int_start = pos;
        if !digits(&mut pos) || (line[int_start] == b'0' && pos - int_start > 1) {
            self.pos = int_start;
            self.fail("invalid number");
            return None;
        }
        if line.get(pos) == Some(&b'.') {
            pos += 1;
            kind = IdKind::Number;
            if !digits(&mut pos) {
                self.pos = pos;
                self.fail("invalid number");
                return None;
            }
        }
        if matches!(line.get(pos), Some(b'e' | b'E')) {
            pos += 1;
            kind = IdKind::Number;
            if matches!(line.get(pos), Some(b'+' | b'-')) {
                pos += 1;
            }
            if !digits(&mut pos) {
                self.pos = pos;
                self.fail("invalid number");
                return None;
            }
        }
        self.pos = pos;
        Some(kind)
    }

    fn literal(&mut self, word: &[u8], kind: IdKind) -> Option<IdKind> {
        if self.line[self.pos..].starts_with(word) {
            self.pos += word.len();
            Some(kind)
        } else {
            self.fail("expected a value");
            None
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.line.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn fail(&mut self, reason: &'static str) {
        self.out.fatal = Some(Problem { at: self.pos, reason });
    }

    fn problem(&mut self, at: usize, reason: &'static str) {
        if self.out.problem.is_none() {
            self.out.problem = Some(Problem { at, reason });
        }
    }
}
