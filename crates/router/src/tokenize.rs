//! Splits a lowercased query into words, clause boundaries and command-like cues.

#[cfg(test)]
mod tests;

/// One word of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The word as written (lowercase).
    pub text: &'a str,
    /// True when a punctuation mark (`,` `;` `:` `.` `?` `!`) or the start of the
    /// query comes right before this word: an imperative verb sits there.
    pub clause_start: bool,
}

/// What the tokenizer saw besides words.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Chunks that look like shell or machine text: `-n`, `--force`, paths,
    /// URLs, `key=value`, `host:port`, file names, e-mail addresses, backticks.
    pub command_like: u32,
    /// The query holds CJK characters (matched by substring, not by word).
    pub has_cjk: bool,
    /// The query ends with a question mark.
    pub question: bool,
    /// Arithmetic to compute: `15% of 2,340`, `3 * 7`, `12/4`.
    pub arithmetic: bool,
}

/// Splits `lowered` (already lowercase) into tokens, pushed onto `out`.
pub fn tokenize<'a>(lowered: &'a str, out: &mut Vec<Token<'a>>) -> Shape {
    let mut shape = Shape::default();
    let trimmed = lowered.trim_end();
    shape.question = trimmed.ends_with('?') || trimmed.ends_with('？');
    shape.arithmetic = has_arithmetic(trimmed);
    let mut boundary = true;
    for chunk in lowered.split_whitespace() {
        if is_command_like(chunk) {
            shape.command_like += 1;
        }
        let mut start: Option<usize> = None;
        for (i, c) in chunk.char_indices() {
            if c.is_alphanumeric() || c == '_' {
                if is_cjk(c) {
                    shape.has_cjk = true;
                }
                if start.is_none() {
                    start = Some(i);
                }
            } else {
                if let Some(s) = start.take() {
                    out.push(Token { text: &chunk[s..i], clause_start: boundary });
                    boundary = false;
                }
                if is_clause_mark(c) {
                    boundary = true;
                }
            }
        }
        if let Some(s) = start {
            out.push(Token { text: &chunk[s..], clause_start: boundary });
            boundary = false;
        }
    }
    shape
}

/// A digit, an operator, a digit (spaces allowed), or `N% of`.
fn has_arithmetic(s: &str) -> bool {
    let b = s.as_bytes();
    let mut last_digit = None;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_digit() {
            last_digit = Some(i);
            continue;
        }
        let Some(d) = last_digit else { continue };
        if c == b'%' && d + 1 == i && s[i + 1..].starts_with(" of ") {
            return true;
        }
        if matches!(c, b'+' | b'*' | b'^' | b'=') || (c == b'/' && d + 1 == i) {
            let next = s[i + 1..].trim_start();
            if next.starts_with(|n: char| n.is_ascii_digit()) && s[d..i].trim().len() <= 1 {
                return true;
            }
        }
        if c != b' ' && c != b'.' && c != b',' {
            last_digit = None;
        }
    }
    false
}

fn is_clause_mark(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '.'
            | '?'
            | '!'
            | '—'
            | '–'
            | '，'
            | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
    )
}

/// Han, Hiragana, Katakana and Hangul have no spaces between words.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF)
}

const FILE_EXTENSIONS: &[&str] = &[
    ".py", ".rs", ".js", ".ts", ".go", ".sh", ".csv", ".json", ".yaml", ".yml", ".toml", ".txt",
    ".log", ".png", ".jpg", ".pdf", ".xlsx", ".sql", ".md", ".tf", ".conf", ".ini", ".env", ".zip",
    ".tar", ".gz", ".html", ".xml", ".docx", ".ipynb", ".parquet",
];

/// Text a person types to a machine rather than to a colleague.
fn is_command_like(chunk: &str) -> bool {
    let chunk = chunk.trim_end_matches([',', '.', '?', '!', ';', ')', '"', '\'']);
    let b = chunk.as_bytes();
    if b.len() < 2 {
        return false;
    }
    // Flags: -n, -rf, --force (not a dash between words, not a negative number).
    if b[0] == b'-' && (b[1].is_ascii_alphabetic() || (b[1] == b'-' && b.len() > 2)) {
        return true;
    }
    if b[0] == b'`' || chunk.contains("://") || chunk.contains('=') {
        return true;
    }
    // Paths: /etc/nginx, ./run.sh, ~/x, src/main.rs, data/train.csv.
    if (b[0] == b'/' || b[0] == b'~' || chunk.starts_with("./")) && b.len() > 2 {
        return true;
    }
    if let Some(slash) = chunk.find('/') {
        let (l, r) = (&chunk[..slash], &chunk[slash + 1..]);
        let word = |s: &str| {
            !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
        };
        // `eur/gbp` or `and/or` are prose; `infra/prod`, `data/train.csv` are paths.
        if word(l) && word(r) && (l.len() > 3 || r.len() > 3 || r.contains('.')) && !l.contains('.')
        {
            return true;
        }
    }
    // user@host, e-mail addresses.
    if chunk.find('@').is_some_and(|at| at > 0 && at + 1 < chunk.len()) {
        return true;
    }
    // host:port
    if let Some(colon) = chunk.rfind(':') {
        let port = &chunk[colon + 1..];
        if colon > 0
            && port.len() >= 2
            && port.bytes().all(|c| c.is_ascii_digit())
            && b[0].is_ascii_alphabetic()
        {
            return true;
        }
    }
    // snake_case identifiers and file names.
    if chunk.contains('_') && chunk.chars().all(|c| c.is_alphanumeric() || "_-.".contains(c)) {
        return true;
    }
    // Every extension starts with a dot.
    chunk.contains('.')
        && FILE_EXTENSIONS.iter().any(|ext| chunk.len() > ext.len() + 1 && chunk.ends_with(ext))
}
