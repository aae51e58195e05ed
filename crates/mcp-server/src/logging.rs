//! Logging: JSON lines on stderr, level from RUST_LOG or the config, changeable at run time.
#![allow(deprecated)] // MCP logging is deprecated by SEP-2577 but still part of the 2025-11-25 spec our clients speak.

use rmcp::model::LoggingLevel;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// Changes the level of the process's logs after start (`logging/setLevel` over stdio).
#[derive(Clone)]
pub struct LogControl {
    handle: Option<reload::Handle<EnvFilter, Registry>>,
}

impl std::fmt::Debug for LogControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogControl").finish_non_exhaustive()
    }
}

impl LogControl {
    /// A control that changes nothing (tests, and processes that did not install the subscriber).
    pub fn detached() -> Self {
        Self { handle: None }
    }

    /// Sets the level of every target to the tracing equivalent of `level`.
    pub fn set_level(&self, level: LoggingLevel) {
        if let Some(handle) = &self.handle {
            let directive = tracing_level(level);
            if let Err(e) = handle.modify(|f| *f = EnvFilter::new(directive)) {
                tracing::warn!(error = %e, "could not change the log level");
            }
        }
    }
}

/// MCP has eight syslog levels, tracing five.
pub fn tracing_level(level: LoggingLevel) -> &'static str {
    match level {
        LoggingLevel::Debug => "debug",
        LoggingLevel::Info | LoggingLevel::Notice => "info",
        LoggingLevel::Warning => "warn",
        _ => "error",
    }
}

/// Installs the global subscriber: JSON lines on stderr, never stdout (stdout
/// carries the protocol). `RUST_LOG` wins over `default_level`.
pub fn init(default_level: &str) -> LogControl {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let (filter, handle) = reload::Layer::new(filter);
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(true)
        .with_writer(std::io::stderr);
    match tracing_subscriber::registry().with(filter).with(fmt).try_init() {
        Ok(()) => LogControl { handle: Some(handle) },
        Err(_) => LogControl::detached(),
    }
}
