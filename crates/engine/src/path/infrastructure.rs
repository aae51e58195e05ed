//! The infrastructure path: downstream tools and the built-in infrastructure patterns.

use pattern_core::ExecuteRequest;
use serde_json::{Map, Value, json};

use crate::engine::{Engine, Plan};
use crate::error::EngineError;

impl Engine {
    /// Runs the infrastructure side of an infrastructure or hybrid pattern.
    ///
    /// No downstream MCP server is connected yet, so every path that needs
    /// one fails with an error naming what is missing; the built-ins that
    /// describe this instance (`list_tools`, `service_health`) answer.
    pub(crate) async fn run_infrastructure(
        &self,
        plan: &Plan,
        req: &ExecuteRequest,
    ) -> Result<Map<String, Value>, EngineError> {
        let pattern = &plan.pattern;
        if let Some(tool) = &pattern.tool {
            return Err(EngineError::NoServer { server: tool.server.clone() });
        }
        let value = match (pattern.builtin, pattern.name.as_str()) {
            (true, "list_tools") => json!({"count": 0, "tools": [], "servers": []}),
            (true, "service_health") => self.service_health().await,
            (true, "call_tool") => {
                let named = req
                    .context_tool()
                    .map(|(s, t)| format!("{s}.{t}"))
                    .or_else(|| plan.captures.get("tool").cloned());
                let Some(named) = named else { return Err(EngineError::NoToolNamed) };
                let Some((server, _)) = named.split_once('.') else {
                    return Err(EngineError::NoToolNamed);
                };
                return Err(EngineError::NoServer { server: server.to_owned() });
            }
            // The fallbacks and the hybrid built-ins rank downstream tools
            // against the query; with no server there is nothing to rank.
            _ => return Err(EngineError::NoDownstream),
        };
        match value {
            Value::Object(map) => Ok(map),
            _ => unreachable!("json! of an object literal is an object"),
        }
    }

    /// `service_health`: the state of the memory store, the cache and the downstream servers.
    async fn service_health(&self) -> Value {
        let store = self.store();
        let memory = match store.health().await {
            Ok(()) => {
                json!({"backend": store.backend(), "available": true, "total_memories": store.total()})
            }
            Err(e) => {
                json!({"backend": store.backend(), "available": false, "error": e.to_string()})
            }
        };
        let cache = self.cache().stats();
        json!({
            "memory": memory,
            "cache": {
                "local": {"available": true, "entries": cache.local.entries},
                "redis": {"configured": false, "available": cache.redis.available},
            },
            "downstream": [],
        })
    }
}
