//! pattern-mcp as a library: CLI, configuration, the MCP handler and its transports.
//!
//! `main.rs` only parses flags, sets up logging and calls [`run`].
//! **Invariant:** only this crate knows MCP, JSON-RPC and HTTP.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod http;
pub mod jsonrpc;
pub mod logging;
pub mod schema;
pub mod server;
pub mod stdio;
pub mod tools;

use std::process::ExitCode;
use std::sync::Arc;

use cli::{Cli, Command};
use config::Config;
use logging::LogControl;

/// Runs the command line. The default (no subcommand) serves MCP over stdio,
/// or over HTTP when `--http` or `[http] addr` is set.
pub async fn run(cli: Cli, log: LogControl) -> ExitCode {
    if matches!(cli.command, None | Some(Command::Exec(_))) {
        // Serving and `exec` count tokens: the BPE tables build while the
        // config is read, the store opened and the servers spawned.
        pattern_engine::TokenCounter::warm_up();
    }
    let resolved = Config::resolve(&cli.global);
    let outcome = match &cli.command {
        Some(Command::Check) => return commands::check(resolved).await,
        Some(Command::Schema { out }) => {
            return match schema::write(out) {
                Ok(files) => {
                    commands::emit(
                        &files.iter().map(|f| format!("wrote {f}\n")).collect::<String>(),
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write schemas into {}: {e}", out.display());
                    ExitCode::FAILURE
                }
            };
        }
        Some(Command::Route(args)) => match resolved {
            Ok(config) => commands::route(&config, args).await,
            Err(e) => Err(e.into()),
        },
        Some(Command::Exec(args)) => match resolved {
            Ok(config) => commands::exec(&config, args).await,
            Err(e) => Err(e.into()),
        },
        None => match resolved {
            Ok(config) => match config.http.addr {
                Some(addr) => serve_http(&config, addr).await,
                None => serve_stdio(&config, log).await,
            },
            Err(e) => Err(e.into()),
        },
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "cannot start");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve_stdio(config: &Config, log: LogControl) -> Result<ExitCode, app::StartError> {
    let engine = app::build_engine(config).await?;
    let served = stdio::serve(Arc::clone(&engine), log).await;
    app::shutdown(&engine).await;
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            tracing::error!(error = %e, "stdio transport failed");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Serves MCP over HTTP until SIGTERM/SIGINT; exit 0 after a graceful stop.
async fn serve_http(
    config: &Config,
    addr: std::net::SocketAddr,
) -> Result<ExitCode, app::StartError> {
    let engine = app::build_engine(config).await?;
    let served = http::serve_engine(Arc::clone(&engine), addr, &config.http).await;
    app::shutdown(&engine).await;
    match served {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            tracing::error!(error = %e, addr = %addr, "HTTP transport failed");
            eprintln!("error: cannot serve HTTP on {addr}: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The default log level: `info` when serving; `warn` for the one-shot
/// subcommands, whose output is for a human. `RUST_LOG` and `[log] level` win.
pub fn default_log_level(cli: &Cli) -> String {
    let from_config = cli
        .global
        .config
        .as_deref()
        .and_then(|p| config::RawConfig::from_file(p).ok())
        .and_then(|c| c.log.and_then(|l| l.level));
    from_config.unwrap_or_else(|| if cli.command.is_none() { "info" } else { "warn" }.to_owned())
}
