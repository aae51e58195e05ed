//! The MCP server handler: tools/list, tools/call and logging/setLevel over any transport.
#![allow(deprecated)] // MCP logging is deprecated by SEP-2577 but still part of the 2025-11-25 spec our clients speak.

use std::sync::{Arc, Mutex};

use pattern_core::{ExecuteRequest, InputError, RouteRequest, StatsRequest};
use pattern_engine::{Engine, Principal};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, LoggingLevel, LoggingMessageNotificationParam, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, SetLevelRequestParams,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde::Serialize;
use serde_json::json;

use crate::logging::LogControl;
use crate::tools;

mod rate_limit;

pub use rate_limit::{PrincipalRateLimiter, RateLimit, RetryAfter, retry_secs};

const INSTRUCTIONS: &str = "pattern-mcp answers natural-language requests from registered patterns. \
Call execute_pattern with the request as `query` (to remember, recall, check health or call a downstream tool); \
call route_query first if you want to know what would happen; call stats for counters.";

/// One MCP session's handler. Cheap to clone: the engine is shared.
#[derive(Clone)]
pub struct PatternServer {
    engine: Arc<Engine>,
    principal: Principal,
    log: LogControl,
    /// The level the client asked for with `logging/setLevel`; until then no
    /// log notification is sent to it.
    client_level: Arc<Mutex<Option<LoggingLevel>>>,
    /// Per-principal limit on tool calls, shared by every session of the
    /// process; over it, a call is a tool error that says when to retry, so
    /// the calling model can wait instead of failing.
    rate_limiter: Option<Arc<PrincipalRateLimiter>>,
}

impl std::fmt::Debug for PatternServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatternServer")
            .field("principal", &self.principal.id)
            .finish_non_exhaustive()
    }
}

impl PatternServer {
    pub fn new(engine: Arc<Engine>, principal: Principal, log: LogControl) -> Self {
        Self {
            engine,
            principal,
            log,
            client_level: Arc::new(Mutex::new(None)),
            rate_limiter: None,
        }
    }

    /// Limits this principal's tool calls with `limiter`.
    pub fn with_rate_limiter(mut self, limiter: Arc<PrincipalRateLimiter>) -> Self {
        self.rate_limiter = Some(limiter);
        self
    }

    /// The caller this handler acts for.
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// Dispatches a tool call; `Err` only for an unknown tool (a protocol error).
    pub async fn call(
        &self,
        name: &str,
        arguments: Option<serde_json::Map<String, serde_json::Value>>,
    ) -> Result<CallToolResult, ErrorData> {
        if let Some(refused) = self.rate_limited() {
            return Ok(refused);
        }
        let args = arguments.unwrap_or_default();
        match name {
            tools::EXECUTE_PATTERN => Ok(match ExecuteRequest::from_json(&args) {
                Ok(req) => {
                    let result = self.engine.execute(&req, &self.principal).await;
                    let failed = !result.success;
                    structured(&result, failed)
                }
                Err(e) => invalid(tools::EXECUTE_PATTERN, &e),
            }),
            tools::ROUTE_QUERY => Ok(match RouteRequest::from_json(&args) {
                Ok(req) => structured(&self.engine.route(&req, &self.principal), false),
                Err(e) => invalid(tools::ROUTE_QUERY, &e),
            }),
            tools::STATS => Ok(match StatsRequest::from_json(&args) {
                Ok(_) => structured(&self.engine.stats(), false),
                Err(e) => invalid(tools::STATS, &e),
            }),
            other => {
                let shown: String = other.chars().take(64).collect();
                Err(ErrorData::invalid_params(
                    format!(
                        "unknown tool `{shown}`; this server has {}, {} and {}",
                        tools::EXECUTE_PATTERN,
                        tools::ROUTE_QUERY,
                        tools::STATS
                    ),
                    None,
                ))
            }
        }
    }

    /// The tool error of a call over this principal's rate limit; `None`
    /// when the call may go ahead (which charges the limit).
    fn rate_limited(&self) -> Option<CallToolResult> {
        let limiter = self.rate_limiter.as_ref()?;
        let RetryAfter(wait) = limiter.check(&self.principal.id).err()?;
        metrics::counter!("pattern_rate_limited_total").increment(1);
        Some(CallToolResult::error(vec![ContentBlock::text(format!(
            "rate limit exceeded for principal `{}`; retry in {} s",
            self.principal.id,
            retry_secs(wait)
        ))]))
    }

    /// Whether the client asked for log notifications (with
    /// `logging/setLevel`): then a call may send one beside its answer.
    pub fn logs_to_client(&self) -> bool {
        self.client_level.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    fn wants(&self, level: LoggingLevel) -> bool {
        let wanted = *self.client_level.lock().unwrap_or_else(|p| p.into_inner());
        wanted.is_some_and(|w| severity(level) >= severity(w))
    }
}

/// A tool result carrying `value` as structuredContent and as text.
fn structured<T: Serialize>(value: &T, is_error: bool) -> CallToolResult {
    let value = serde_json::to_value(value).unwrap_or_else(|e| json!({"error": e.to_string()}));
    if is_error {
        CallToolResult::structured_error(value)
    } else {
        CallToolResult::structured(value)
    }
}

/// Invalid arguments are a tool execution error (SEP-1303), so the calling
/// model reads which field broke which rule and can correct itself.
fn invalid(tool: &str, e: &InputError) -> CallToolResult {
    metrics::counter!("pattern_invalid_arguments_total", "tool" => tool.to_owned()).increment(1);
    CallToolResult::error(vec![ContentBlock::text(format!("{tool}: {e}"))])
}

fn severity(level: LoggingLevel) -> u8 {
    match level {
        LoggingLevel::Debug => 0,
        LoggingLevel::Info => 1,
        LoggingLevel::Notice => 2,
        LoggingLevel::Warning => 3,
        LoggingLevel::Error => 4,
        LoggingLevel::Critical => 5,
        LoggingLevel::Alert => 6,
        LoggingLevel::Emergency => 7,
    }
}

impl ServerHandler for PatternServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_logging().build())
            .with_server_info(
                Implementation::new("pattern-mcp", env!("CARGO_PKG_VERSION"))
                    .with_title("pattern-mcp")
                    .with_description("Routes natural-language requests to tools, memory or both, with a result cache"),
            )
            .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(tools::all()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let result = self.call(&request.name, request.arguments).await?;
        let level =
            if result.is_error == Some(true) { LoggingLevel::Warning } else { LoggingLevel::Info };
        if request.name == tools::EXECUTE_PATTERN
            && self.wants(level)
            && let Some(data) = &result.structured_content
        {
            let summary = json!({
                "message": "execution",
                "request_id": data.get("request_id"),
                "pattern": data.get("pattern_name"),
                "success": data.get("success"),
                "cache_tier": data.get("cache_tier"),
                "execution_time_ms": data.get("execution_time_ms"),
                "tokens_used": data.get("tokens_used"),
            });
            let note = LoggingMessageNotificationParam::new(level, summary)
                .with_logger("pattern_mcp.execution");
            if let Err(e) = context.peer.notify_logging_message(note).await {
                tracing::debug!(error = %e, "could not send a log notification");
            }
        }
        Ok(result.into())
    }

    async fn set_level(
        &self,
        request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        *self.client_level.lock().unwrap_or_else(|p| p.into_inner()) = Some(request.level);
        self.log.set_level(request.level);
        tracing::info!(
            level = crate::logging::tracing_level(request.level),
            "log level set by the client"
        );
        Ok(())
    }
}
