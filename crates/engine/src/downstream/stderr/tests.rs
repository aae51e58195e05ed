//! Unit tests of `stderr.rs`.

use std::{
    io::Write,
    sync::{Arc, Mutex},
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

async fn logged(input: &[u8]) -> Vec<String> {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    forward("time".to_owned(), input).await;
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap().lines().map(str::to_owned).collect()
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
async fn a_line_without_end_is_logged_in_bounded_pieces() {
    let long = vec![b'x'; MAX_LINE + 10];
    let lines = logged(&long).await;
    let lengths: Vec<usize> = lines.iter().map(|l| l.matches('x').count()).collect();
    assert_eq!(lengths, [MAX_LINE, 10]);
}
