//! `pattern-test-server`: serves the tools of `tools.rs` over stdio, for the downstream pool's tests and benchmarks.
//!
//! Environment:
//! - `TEST_SERVER_LOG`: a file to which the server appends one line per
//!   `notifications/cancelled` it receives (`cancelled <request id> <reason>`),
//!   so a test can see what the client told it.
//! - `TEST_SERVER_EXIT_AT_START`: exit at once with this code, before reading
//!   anything: a server that is broken at start.
//! - `TEST_SERVER_STDERR_LINES`: write this many lines (`flood line N`) to
//!   stderr before serving, then `flood done`: a server that floods its stderr.
//!
//! Nothing but protocol is written to stdout; the one diagnostic line goes to
//! stderr, where the pool captures it.

mod tools;

use std::path::PathBuf;

use rmcp::ServiceExt as _;

use crate::tools::TestServer;

/// Blocks until the reader of our stderr has taken every line, as a real
/// chatty server would.
fn flood_stderr(lines: u64) {
    use std::io::Write as _;
    let mut stderr = std::io::BufWriter::new(std::io::stderr().lock());
    for n in 0..lines {
        if writeln!(stderr, "flood line {n}").is_err() {
            return;
        }
    }
    let _ = writeln!(stderr, "flood done");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    if let Some(code) =
        std::env::var("TEST_SERVER_EXIT_AT_START").ok().and_then(|code| code.parse::<u8>().ok())
    {
        eprintln!("pattern-test-server: exiting at start with code {code} as asked");
        return std::process::ExitCode::from(code);
    }
    let log = std::env::var_os("TEST_SERVER_LOG").map(PathBuf::from);
    eprintln!("pattern-test-server: started, pid {}", std::process::id());
    if let Some(lines) =
        std::env::var("TEST_SERVER_STDERR_LINES").ok().and_then(|n| n.parse::<u64>().ok())
    {
        flood_stderr(lines);
    }

    let running = match TestServer::new(log).serve(rmcp::transport::stdio()).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("pattern-test-server: initialization failed: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match running.waiting().await {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("pattern-test-server: serve task failed: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
