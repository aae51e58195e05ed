//! The Prometheus families of docs/CONTRACT.md §11: their descriptions, and the series that exist from the start.

use metrics::Unit;

/// Describes every family, sets `pattern_redis_up` and
/// `pattern_redis_configured` to 0 (the engine and `/readyz` set them once a
/// Redis tier is configured) and registers the downstream families at zero, so a
/// scrape shows every family, and alerts on them have a series, before the
/// first event. Call once, after `install_recorder`.
pub fn describe_families() {
    metrics::describe_counter!(
        "pattern_executions_total",
        "Executions by pattern type, pattern and outcome"
    );
    metrics::describe_histogram!(
        "pattern_execution_duration_seconds",
        Unit::Seconds,
        "Execution time by pattern type, cache hits included"
    );
    metrics::describe_counter!("pattern_tokens_total", "Tokens of results by pattern type");
    metrics::describe_counter!(
        "pattern_cache_requests_total",
        "Cache lookups by tier and result (hit, miss)"
    );
    metrics::describe_counter!(
        "pattern_route_decisions_total",
        "Route decisions by route and mode"
    );
    metrics::describe_counter!(
        "pattern_downstream_calls_total",
        "Calls to downstream MCP servers by server and outcome"
    );
    metrics::describe_histogram!(
        "pattern_downstream_call_duration_seconds",
        Unit::Seconds,
        "Duration of calls to downstream MCP servers by server"
    );
    metrics::describe_histogram!(
        "pattern_memory_query_duration_seconds",
        Unit::Seconds,
        "Memory store operations by op"
    );
    metrics::describe_gauge!("pattern_redis_up", "1 while the Redis cache tier answers, else 0");
    metrics::describe_gauge!(
        "pattern_redis_configured",
        "1 when a Redis cache tier is configured, else 0"
    );

    metrics::gauge!("pattern_redis_up").set(0.0);
    metrics::gauge!("pattern_redis_configured").set(0.0);
    metrics::counter!("pattern_downstream_calls_total").absolute(0);
    // Registering the histogram is enough for the family to be rendered.
    let _ = metrics::histogram!("pattern_downstream_call_duration_seconds");
}
