//! Forwards a stdio server's stderr into our logs, one event per line, tagged with the server's name, rate-limited per child.
//!
//! A child that floods its stderr must not flood ours: each child gets a token
//! bucket of [`BURST`] lines refilled at [`LINES_PER_SECOND`]; lines beyond it
//! are counted, not logged, and one summary event (`server`, `dropped`,
//! `over_s`) reports them at most every [`SUMMARY_EVERY`] and when the stream
//! ends. Lines are cut at [`MAX_LINE`] bytes (`truncated_bytes` says how many
//! were cut), so a line without end cannot grow our memory either.

use std::time::Duration;

use tokio::{
    io::{AsyncBufReadExt as _, AsyncRead, BufReader},
    time::Instant,
};

/// Longest part of a line that is logged.
pub(crate) const MAX_LINE: usize = 2 * 1024;
/// Lines a child may log at once after a quiet spell.
pub(crate) const BURST: u32 = 200;
/// Lines a child may log per second in the long run.
pub(crate) const LINES_PER_SECOND: u32 = 20;
/// Dropped lines are reported at most this often while they go on, and once more at the end.
pub(crate) const SUMMARY_EVERY: Duration = Duration::from_secs(10);

/// Reads until end of file (the child and every process sharing its stderr
/// have exited), then reports what it dropped and returns.
pub(crate) async fn forward(server: String, stderr: impl AsyncRead + Unpin) {
    let mut lines = Lines::new(stderr);
    let mut limit = RateLimit::new(Instant::now());
    loop {
        let due = limit.summary_due();
        let next = tokio::select! {
            biased;
            next = lines.next() => next,
            () = tokio::time::sleep_until(due.unwrap_or_else(Instant::now)), if due.is_some() => {
                report(&server, &mut limit, Instant::now());
                continue;
            }
        };
        match next {
            Ok(true) => {
                let now = Instant::now();
                // A flood keeps the branch above from ever being polled.
                if limit.summary_due().is_some_and(|due| now >= due) {
                    report(&server, &mut limit, now);
                }
                log_line(&server, &lines, &mut limit, now);
                lines.clear();
            }
            Ok(false) => break,
            Err(error) => {
                tracing::debug!(server = %server, %error, "stopped reading the server's stderr");
                break;
            }
        }
    }
    report(&server, &mut limit, Instant::now());
}

fn log_line<R>(server: &str, lines: &Lines<R>, limit: &mut RateLimit, now: Instant) {
    let text = String::from_utf8_lossy(&lines.line);
    let text = text.trim_end_matches(['\n', '\r']);
    if text.is_empty() && lines.cut == 0 {
        return;
    }
    if !limit.admit(now) {
        return;
    }
    if lines.cut > 0 {
        tracing::info!(server = %server, truncated_bytes = lines.cut, "stderr: {text}");
    } else {
        tracing::info!(server = %server, "stderr: {text}");
    }
}

fn report(server: &str, limit: &mut RateLimit, now: Instant) {
    if let Some((dropped, over)) = limit.take_summary(now) {
        let over_s = (over.as_secs_f64() * 10.0).round() / 10.0;
        tracing::warn!(
            server = %server,
            dropped,
            over_s,
            "stderr lines dropped: the server wrote more than {BURST} at once or {LINES_PER_SECOND} a second"
        );
    }
}

/// Bounded lines of a reader. Cancel-safe: a partial line stays in `line`
/// and the next call to [`Self::next`] goes on with it.
struct Lines<R> {
    reader: BufReader<R>,
    /// The current line without its newline, at most [`MAX_LINE`] bytes.
    line: Vec<u8>,
    /// Bytes of the current line beyond [`MAX_LINE`], read and thrown away.
    cut: usize,
}

impl<R: AsyncRead + Unpin> Lines<R> {
    fn new(reader: R) -> Self {
        Self { reader: BufReader::new(reader), line: Vec::with_capacity(256), cut: 0 }
    }

    /// True when a line is ready in `line` (the last one may lack its newline);
    /// false at end of file. Call [`Self::clear`] after using the line.
    async fn next(&mut self) -> std::io::Result<bool> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                return Ok(!self.line.is_empty() || self.cut > 0);
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let content = &available[..newline.unwrap_or(available.len())];
            let keep = content.len().min(MAX_LINE - self.line.len());
            self.line.extend_from_slice(&content[..keep]);
            self.cut += content.len() - keep;
            let consumed = newline.map_or(available.len(), |at| at + 1);
            self.reader.consume(consumed);
            if newline.is_some() {
                return Ok(true);
            }
        }
    }
}

impl<R> Lines<R> {
    fn clear(&mut self) {
        self.line.clear();
        self.cut = 0;
    }
}

/// A token bucket of lines with a count of what it refused.
#[derive(Debug)]
pub(crate) struct RateLimit {
    tokens: f64,
    refilled: Instant,
    dropped: u64,
    /// When the first line dropped since the last summary was.
    dropping_since: Option<Instant>,
}

impl RateLimit {
    pub(crate) fn new(now: Instant) -> Self {
        Self { tokens: f64::from(BURST), refilled: now, dropped: 0, dropping_since: None }
    }

    /// Whether a line arriving at `now` may be logged; counts it if not.
    pub(crate) fn admit(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.refilled = self.refilled.max(now);
        self.tokens = (self.tokens + elapsed * f64::from(LINES_PER_SECOND)).min(f64::from(BURST));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return true;
        }
        self.dropped += 1;
        self.dropping_since.get_or_insert(now);
        false
    }

    /// When the next summary is due, if any line has been dropped since the last one.
    pub(crate) fn summary_due(&self) -> Option<Instant> {
        self.dropping_since.map(|since| since + SUMMARY_EVERY)
    }

    /// The lines dropped since the last summary and the time since the first
    /// of them, if any; starts counting afresh.
    pub(crate) fn take_summary(&mut self, now: Instant) -> Option<(u64, Duration)> {
        let since = self.dropping_since.take()?;
        Some((std::mem::take(&mut self.dropped), now.saturating_duration_since(since)))
    }
}

#[cfg(test)]
mod tests;
