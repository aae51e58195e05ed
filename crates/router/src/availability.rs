//! What can answer a request now: downstream servers and memories, as the engine reports them.
//!
//! The router never asks a server or a store itself: the engine hands it a
//! [`DownstreamAvailability`] backed by its pool's state and a
//! `MemoryAvailability` backed by counters, and the router reads them only
//! when the route it classified depends on them.

use pattern_core::Route;

/// Whether a downstream MCP tool can be called now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownstreamState {
    /// No downstream server is configured.
    NotConfigured,
    /// Servers are configured, but none has a session up (starting, restarting, disabled).
    NotConnected,
    /// At least one server is connected.
    Connected,
}

impl DownstreamState {
    pub fn is_connected(self) -> bool {
        self == DownstreamState::Connected
    }

    /// "is configured", "is connected": what is missing, for a sentence.
    fn missing(self) -> &'static str {
        match self {
            DownstreamState::NotConfigured => "no downstream MCP server is configured",
            _ => "none of the configured downstream MCP servers is connected",
        }
    }
}

/// Cheap knowledge the router needs about the downstream side. Implementations
/// answer from state their pool keeps current, never by calling a server.
pub trait DownstreamAvailability: Send + Sync {
    fn downstream_state(&self) -> DownstreamState;
}

impl DownstreamAvailability for DownstreamState {
    fn downstream_state(&self) -> DownstreamState {
        *self
    }
}

/// For tests and for routing without servers: none is configured.
impl DownstreamAvailability for () {
    fn downstream_state(&self) -> DownstreamState {
        DownstreamState::NotConfigured
    }
}

/// Why no path can answer a request routed in balanced mode without a
/// matched pattern. The engine turns it into a failed result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAnswer {
    /// No usable downstream server, and no memory in the namespace.
    NothingAvailable { downstream: DownstreamState },
    /// The query holds no word to act on or look for, and the namespace
    /// holds no memory to show instead.
    NoContent,
}

/// The route that runs for a balanced-mode classification, given what is
/// available, with a sentence for the reasoning when it differs or when
/// nothing can answer.
pub(crate) struct Available {
    pub route: Route,
    pub note: Option<String>,
    pub no_answer: Option<NoAnswer>,
}

/// Applies availability to the route the words chose. `explicit_combination`
/// keeps a hybrid route without memories ("compare the latency of eu and us").
pub(crate) fn resolve(
    classified: Route,
    has_content: bool,
    explicit_combination: bool,
    namespace: &str,
    memories: bool,
    downstream: &dyn DownstreamAvailability,
) -> Available {
    let keep = |route| Available { route, note: None, no_answer: None };
    let to = |route, note: String| Available { route, note: Some(note), no_answer: None };
    if !has_content {
        return if memories {
            to(
                Route::Memory,
                format!("Namespace `{namespace}` holds memories, so memory is searched."),
            )
        } else {
            Available {
                route: classified,
                note: Some(format!(
                    "Namespace `{namespace}` holds no memories either: nothing to do. Ask a question or give an instruction."
                )),
                no_answer: Some(NoAnswer::NoContent),
            }
        };
    }
    // Read only when the route needs the downstream side or a replacement for memory.
    let state = match classified {
        Route::Memory if memories => return keep(Route::Memory),
        _ => downstream.downstream_state(),
    };
    let servers = state.is_connected();
    match classified {
        Route::Infrastructure if servers => keep(Route::Infrastructure),
        Route::Hybrid if servers && (memories || explicit_combination) => keep(Route::Hybrid),
        Route::Infrastructure | Route::Hybrid if memories => to(
            Route::Memory,
            format!(
                "But {}, so memory answers: namespace `{namespace}` holds memories.",
                state.missing()
            ),
        ),
        Route::Memory | Route::Hybrid if servers => to(
            Route::Infrastructure,
            format!(
                "But namespace `{namespace}` holds no memories, so the downstream tools answer."
            ),
        ),
        _ => Available {
            route: classified,
            note: Some(format!(
                "Nothing can answer: {} and namespace `{namespace}` holds no memories. {}",
                state.missing(),
                WHAT_TO_CONFIGURE
            )),
            no_answer: Some(NoAnswer::NothingAvailable { downstream: state }),
        },
    }
}

/// The advice when neither side can answer.
const WHAT_TO_CONFIGURE: &str = "Add a server with --servers FILE or [servers.NAME] in the config, or store something first (\"remember that …\").";
