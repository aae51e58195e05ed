//! Unit tests of `stderr.rs`.

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::Duration,
};

use super::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn lines(&self) -> Vec<String> {
        let bytes = self.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap().lines().map(str::to_owned).collect()
    }
}

fn subscriber(captured: &Captured) -> impl tracing::Subscriber + Send + Sync {
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .finish()
}

async fn logged(input: &[u8]) -> Vec<String> {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(subscriber(&captured));
    forward("time".to_owned(), input).await;
    captured.lines()
}

#[tokio::test(flavor = "current_thread")]
async fn each_stderr_line_is_logged_with_the_server_name() {
    let lines = logged(b"starting\r\n\nready on stdio\n").await;
    assert_eq!(
        lines,
        [" INFO stderr: starting server=time", " INFO stderr: ready on stdio server=time"]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_long_line_is_cut_and_says_how_much_was_cut() {
    let mut input = vec![b'x'; MAX_LINE + 10];
    input.extend_from_slice(b"\nnext\n");
    let lines = logged(&input).await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0].matches('x').count(), MAX_LINE);
    assert!(lines[0].ends_with("truncated_bytes=10"), "{}", lines[0]);
    assert_eq!(lines[1], " INFO stderr: next server=time");
}

#[tokio::test(flavor = "current_thread")]
async fn a_flood_is_cut_to_the_burst_and_the_rest_is_counted_in_one_summary() {
    // Time stands still: no token comes back while the flood is read.
    tokio::time::pause();
    let flood: Vec<u8> =
        (0..200_000).flat_map(|n| format!("flood line {n}\n").into_bytes()).collect();
    let lines = logged(&flood).await;
    let forwarded = lines.iter().filter(|l| l.contains("stderr: flood line")).count();
    assert_eq!(forwarded, BURST as usize);
    assert!(lines[0].contains("stderr: flood line 0 "), "{}", lines[0]);
    let summaries: Vec<&String> = lines.iter().filter(|l| l.contains("dropped=")).collect();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert!(summaries[0].starts_with(" WARN stderr lines dropped"), "{}", summaries[0]);
    assert!(summaries[0].contains("server=time dropped=199800 over_s=0"), "{}", summaries[0]);
    assert_eq!(lines.len(), BURST as usize + 1);
}

#[tokio::test(flavor = "current_thread")]
async fn dropped_lines_are_reported_after_the_summary_interval_while_the_stream_stays_open() {
    tokio::time::pause();
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(subscriber(&captured));
    let (mut child_side, our_side) = tokio::io::duplex(1 << 16);
    let forwarding = tokio::spawn(forward("time".to_owned(), our_side));
    let burst: Vec<u8> = (0..BURST + 5).flat_map(|n| format!("line {n}\n").into_bytes()).collect();
    tokio::io::AsyncWriteExt::write_all(&mut child_side, &burst).await.unwrap();
    // The clock jumps to the forwarder's summary deadline, which comes first.
    tokio::time::sleep(SUMMARY_EVERY + Duration::from_secs(1)).await;
    let lines = captured.lines();
    assert_eq!(
        lines
            .last()
            .unwrap()
            .split_once(" WARN")
            .map(|(_, rest)| rest.contains("dropped=5 over_s=10")),
        Some(true),
        "{lines:?}"
    );
    drop(child_side);
    forwarding.await.unwrap();
    assert_eq!(
        captured.lines().len(),
        lines.len(),
        "nothing more was dropped, nothing more to report"
    );
}

#[test]
fn tokens_come_back_at_the_sustained_rate_up_to_the_burst() {
    let start = Instant::now();
    let mut limit = RateLimit::new(start);
    assert_eq!((0..BURST + 10).filter(|_| limit.admit(start)).count(), BURST as usize);
    let one_second = start + Duration::from_secs(1);
    let admitted = (0..100).filter(|_| limit.admit(one_second)).count();
    assert_eq!(admitted, LINES_PER_SECOND as usize);
    assert_eq!(limit.summary_due(), Some(start + SUMMARY_EVERY));
    assert_eq!(
        limit.take_summary(one_second),
        Some((10 + 100 - u64::from(LINES_PER_SECOND), Duration::from_secs(1)))
    );
    assert_eq!(limit.take_summary(one_second), None, "counting starts afresh");
    let an_hour = one_second + Duration::from_secs(3600);
    assert_eq!((0..BURST + 1).filter(|_| limit.admit(an_hour)).count(), BURST as usize);
}
