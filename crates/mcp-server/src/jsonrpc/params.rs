//! Names the parameter at fault when a known MCP method's params do not fit its shape.

#[allow(deprecated, reason = "logging/setLevel is still served to clients that use it")]
use rmcp::model::SetLevelRequest;
use rmcp::model::{
    CallToolRequest, CompleteRequest, GetPromptRequest, InitializeRequest, ListPromptsRequest,
    ListResourceTemplatesRequest, ListResourcesRequest, ListToolsRequest, PingRequest,
    ReadResourceRequest,
};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The levels `logging/setLevel` takes, in the order MCP lists them.
const LEVELS: &str = "debug, info, notice, warning, error, critical, alert, emergency";

/// Why `params` (an object or absent) do not fit `method`, or `None` when the
/// method is not one this check knows or the params fit.
pub(super) fn problem(method: &str, params: Option<&Value>) -> Option<String> {
    let empty = Map::new();
    let fields = params.and_then(Value::as_object).unwrap_or(&empty);
    let named = match method {
        "tools/call" => string(fields, "name", true)
            .or_else(|| kind(fields, "arguments", Value::is_object, "an object")),
        "logging/setLevel" => match fields.get("level") {
            Some(Value::String(level)) if LEVELS.split(", ").any(|l| l == level) => None,
            _ => Some(format!("params.level must be one of {LEVELS}")),
        },
        "initialize" => string(fields, "protocolVersion", true)
            .or_else(|| required(fields, "capabilities", Value::is_object, "an object"))
            .or_else(|| required(fields, "clientInfo", Value::is_object, "an object"))
            .or_else(|| {
                let info = fields.get("clientInfo").and_then(Value::as_object)?;
                string(info, "name", true)
                    .or_else(|| string(info, "version", true))
                    .map(|why| why.replace("params.", "params.clientInfo."))
            }),
        "tools/list" | "prompts/list" | "resources/list" | "resources/templates/list" => {
            string(fields, "cursor", false)
        }
        "prompts/get" => string(fields, "name", true)
            .or_else(|| kind(fields, "arguments", Value::is_object, "an object")),
        "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
            string(fields, "uri", true)
        }
        _ => None,
    };
    named.or_else(|| typed(method, params).map(|e| format!("invalid params for {method}: {e}")))
}

/// The model's own complaint, for what the named checks above do not cover.
#[allow(deprecated, reason = "logging/setLevel is still served to clients that use it")]
fn typed(method: &str, params: Option<&Value>) -> Option<serde_json::Error> {
    fn fit<T: DeserializeOwned>(request: Value) -> Option<serde_json::Error> {
        serde_json::from_value::<T>(request).err()
    }
    let mut request = Map::new();
    request.insert("method".into(), Value::String(method.to_owned()));
    if let Some(params) = params {
        request.insert("params".into(), params.clone());
    }
    let request = Value::Object(request);
    match method {
        "ping" => fit::<PingRequest>(request),
        "initialize" => fit::<InitializeRequest>(request),
        "completion/complete" => fit::<CompleteRequest>(request),
        "logging/setLevel" => fit::<SetLevelRequest>(request),
        "prompts/get" => fit::<GetPromptRequest>(request),
        "prompts/list" => fit::<ListPromptsRequest>(request),
        "resources/list" => fit::<ListResourcesRequest>(request),
        "resources/templates/list" => fit::<ListResourceTemplatesRequest>(request),
        "resources/read" => fit::<ReadResourceRequest>(request),
        "tools/call" => fit::<CallToolRequest>(request),
        "tools/list" => fit::<ListToolsRequest>(request),
        _ => None,
    }
}

fn string(fields: &Map<String, Value>, key: &str, needed: bool) -> Option<String> {
    match fields.get(key) {
        Some(Value::String(_)) => None,
        None if !needed => None,
        _ => Some(format!("params.{key} must be a string")),
    }
}

fn kind(
    fields: &Map<String, Value>,
    key: &str,
    fits: fn(&Value) -> bool,
    what: &str,
) -> Option<String> {
    match fields.get(key) {
        None => None,
        Some(value) if fits(value) => None,
        Some(_) => Some(format!("params.{key} must be {what}")),
    }
}

fn required(
    fields: &Map<String, Value>,
    key: &str,
    fits: fn(&Value) -> bool,
    what: &str,
) -> Option<String> {
    if fields.contains_key(key) {
        kind(fields, key, fits, what)
    } else {
        Some(format!("params.{key} is required and must be {what}"))
    }
}
