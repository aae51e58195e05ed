//! The infrastructure path: downstream tools and the built-in infrastructure patterns, as functions over what they read (`Infra`), not over the engine.

use std::time::Instant;

use pattern_cache::ResultCache;
use pattern_core::{Captures, ExecuteRequest, PatternDefinition};
use pattern_memory::MemoryStore;
use rmcp::model::CallToolResult;
use serde_json::{Map, Value, json};

use pattern_downstream::{DownstreamError, DownstreamPool, coerce_to_schema, rank_tools};
use pattern_registry::{Builtin, Registry};

use crate::error::EngineError;

/// How many ranked candidates the infrastructure fallback returns.
const CANDIDATES: usize = 5;

/// What the infrastructure path reads: the downstream servers, and for the
/// built-ins that describe the server itself, the patterns, the memory store
/// and the cache.
pub(crate) struct Infra<'a> {
    pub(crate) pool: &'a DownstreamPool,
    pub(crate) registry: &'a Registry,
    pub(crate) store: &'a dyn MemoryStore,
    pub(crate) cache: &'a ResultCache,
}

/// The pattern to run: its definition, what the engine implements of it, and
/// its captures.
pub(crate) struct Step<'a> {
    pub(crate) pattern: &'a PatternDefinition,
    pub(crate) builtin: Option<Builtin>,
    pub(crate) captures: &'a Captures,
}

impl Infra<'_> {
    /// Runs the infrastructure side of an infrastructure or hybrid pattern.
    pub(crate) async fn run(
        &self,
        step: &Step<'_>,
        req: &ExecuteRequest,
    ) -> Result<Map<String, Value>, EngineError> {
        let pattern = step.pattern;
        if let Some(tool) = &pattern.tool {
            let mut arguments =
                pattern_registry::template::tool_arguments(pattern, step.captures, &req.query);
            if let Some(entry) = self.pool.tool(&tool.server, &tool.name) {
                coerce_to_schema(&mut arguments, &entry.tool.input_schema);
            }
            if let Some(overrides) = req.context_arguments() {
                arguments.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            return self.call_downstream(&tool.server, &tool.name, arguments).await;
        }
        if step.builtin == Some(Builtin::CallTool) {
            let named = req
                .context_tool()
                .map(|(s, t)| format!("{s}.{t}"))
                .or_else(|| step.captures.get("tool").cloned())
                .ok_or(EngineError::NoToolNamed)?;
            let (server, tool) = resolve_tool(self.pool, &named)?;
            let arguments = req.context_arguments().cloned().unwrap_or_default();
            return self.call_downstream(&server, &tool, arguments).await;
        }
        let value = match step.builtin {
            Some(Builtin::ListTools) => self.list_tools(),
            Some(Builtin::ListPatterns) => self.list_patterns(),
            Some(Builtin::ServiceHealth) => self.service_health().await,
            // The fallbacks and the hybrid built-ins rank downstream tools against the query.
            Some(Builtin::CallTool) | None => self.rank_candidates(&req.query)?,
        };
        Ok(into_object(value))
    }

    /// One downstream call, with its metrics; the result as `execute_pattern` shows it.
    async fn call_downstream(
        &self,
        server: &str,
        tool: &str,
        arguments: Map<String, Value>,
    ) -> Result<Map<String, Value>, EngineError> {
        let pool = self.pool;
        if !pool.has_server(server) {
            return Err(if pool.is_empty() {
                EngineError::NoServer { server: server.to_owned() }
            } else {
                DownstreamError::UnknownServer { server: server.to_owned() }.into()
            });
        }
        let started = Instant::now();
        let outcome = pool.call(server, tool, arguments).await;
        // `server` is a configured name (checked above): a bounded label.
        let label = match &outcome {
            Ok(_) => "success",
            Err(e) => e.reason(),
        };
        metrics::counter!(
            "pattern_downstream_calls_total",
            "server" => server.to_owned(),
            "outcome" => label
        )
        .increment(1);
        metrics::histogram!("pattern_downstream_call_duration_seconds", "server" => server.to_owned())
            .record(started.elapsed().as_secs_f64());
        Ok(tool_result(server, tool, outcome?))
    }

    /// `list_tools`: every tool of every connected downstream server.
    fn list_tools(&self) -> Value {
        let tools: Vec<Value> = self
            .pool
            .tools()
            .into_iter()
            .map(|entry| {
                json!({
                    "server": entry.server,
                    "name": entry.tool.name,
                    "tool": format!("{}.{}", entry.server, entry.tool.name),
                    "description": entry.tool.description,
                    "read_only": entry.read_only,
                })
            })
            .collect();
        let servers: Vec<Value> = self
            .pool
            .status()
            .into_iter()
            .map(|s| json!({"server": s.server, "connected": s.connected, "tools": s.tools}))
            .collect();
        json!({"count": tools.len(), "tools": tools, "servers": servers})
    }

    /// `list_patterns`: every pattern a query can match (the route fallbacks
    /// are not among them), in the order they are tried, so the calling model
    /// can learn what a custom pattern does and how to ask for it.
    fn list_patterns(&self) -> Value {
        let patterns: Vec<Value> = self
            .registry
            .patterns()
            .iter()
            .map(|p| {
                let mut entry = json!({
                    "name": p.name,
                    "route": p.pattern_type,
                    "description": p.description,
                    "builtin": p.builtin,
                });
                if !p.captures.is_empty() {
                    entry["captures"] = json!(p.captures);
                }
                if let Some(role) = p.min_role {
                    entry["min_role"] = json!(role);
                }
                if let Some(tool) = &p.tool {
                    entry["tool"] = json!(format!("{}.{}", tool.server, tool.name));
                }
                entry
            })
            .collect();
        json!({
            "count": patterns.len(),
            "patterns": patterns,
            "hint": "execute_pattern matches a query against these in order; name one exactly as the query to run it",
        })
    }

    /// The infrastructure fallback: the downstream tools that best match the
    /// query, with their scores and input schemas, so the caller can pick one.
    fn rank_candidates(&self, query: &str) -> Result<Value, EngineError> {
        if self.pool.is_empty() {
            return Err(EngineError::NoDownstream);
        }
        let tools = self.pool.tools();
        let candidates: Vec<Value> = rank_tools(&tools, query, CANDIDATES)
            .into_iter()
            .map(|ranked| {
                let entry = ranked.entry;
                json!({
                    "tool": format!("{}.{}", entry.server, entry.tool.name),
                    "server": entry.server,
                    "name": entry.tool.name,
                    "description": entry.tool.description,
                    "score": (ranked.score * 1000.0).round() / 1000.0,
                    "read_only": entry.read_only,
                    "input_schema": Value::Object((*entry.tool.input_schema).clone()),
                })
            })
            .collect();
        Ok(json!({
            "candidates": candidates,
            "tools_considered": tools.len(),
            "hint": "call one with execute_pattern and context {\"tool\": \"server.tool\", \"arguments\": {...}}",
        }))
    }

    /// `service_health`: the state of the memory store, the cache and the downstream servers.
    async fn service_health(&self) -> Value {
        let store = self.store;
        let memory = match store.health().await {
            Ok(()) => {
                json!({"backend": store.backend(), "available": true, "total_memories": store.total()})
            }
            Err(e) => {
                json!({"backend": store.backend(), "available": false, "error": e.to_string()})
            }
        };
        let cache = self.cache.stats();
        let downstream: Vec<Value> = self
            .pool
            .status()
            .into_iter()
            .map(|s| {
                json!({
                    "server": s.server,
                    "enabled": s.enabled,
                    "connected": s.connected,
                    "tools": s.tools,
                    "calls": s.calls,
                    "errors": s.errors,
                    "restarts": s.restarts,
                    "last_error": s.last_error,
                })
            })
            .collect();
        json!({
            "memory": memory,
            "cache": {
                "local": {"available": true, "entries": cache.local.entries},
                "redis": {"configured": false, "available": cache.redis.available},
            },
            "downstream": downstream,
        })
    }
}

/// `server.tool` as named by the caller; a bare tool name is accepted when
/// exactly one connected server lists it.
pub(crate) fn resolve_tool(
    pool: &DownstreamPool,
    named: &str,
) -> Result<(String, String), EngineError> {
    if let Some((server, tool)) = named.split_once('.') {
        return Ok((server.to_owned(), tool.to_owned()));
    }
    if pool.is_empty() {
        return Err(EngineError::NoDownstream);
    }
    let owners: Vec<String> = pool
        .tools()
        .into_iter()
        .filter(|entry| entry.tool.name == named)
        .map(|entry| entry.server)
        .collect();
    match owners.as_slice() {
        [server] => Ok((server.clone(), named.to_owned())),
        _ => Err(EngineError::NoToolNamed),
    }
}

/// A downstream tool result as `execute_pattern` returns it.
fn tool_result(server: &str, tool: &str, result: CallToolResult) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("server".into(), json!(server));
    map.insert("tool".into(), json!(tool));
    map.insert("content".into(), serde_json::to_value(&result.content).unwrap_or(Value::Null));
    if let Some(structured) = result.structured_content {
        map.insert("structured_content".into(), structured);
    }
    map
}

fn into_object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => Map::from_iter([("value".to_owned(), other)]),
    }
}
