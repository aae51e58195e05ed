//! The `pattern-mcp` binary: parse flags, set up logging, run the library.

use std::process::ExitCode;
use std::time::Duration;

use pattern_mcp::cli::Cli;

/// mimalloc rather than the system allocator: a request allocates and frees
/// many small buffers across threads, where glibc's malloc spent about a
/// sixth of the cached path's CPU (README, *Performance*).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    let log = pattern_mcp::logging::init(&pattern_mcp::default_log_level(&cli));
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(pattern_mcp::run(cli, log));
    // A blocking stdin read cannot be cancelled; do not wait for it on exit.
    runtime.shutdown_timeout(Duration::from_millis(200));
    code
}
