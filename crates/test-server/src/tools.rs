//! The tools of `pattern-test-server`, each producing one behaviour a downstream MCP client must handle.
//!
//! | tool | behaviour |
//! |---|---|
//! | `echo {text}` | returns `text`; read-only |
//! | `sleep {ms}` | returns after `ms` milliseconds, or early when cancelled |
//! | `fail {message}` | returns `isError: true` with `message` |
//! | `exit {code}` | the process exits mid-call without replying |
//! | `add {a, b}` | integer sum; both properties required integers |
//! | `toggle_tools` | adds or removes the `bonus` tool and sends `notifications/tools/list_changed` |
//! | `counter` | increments a process-local counter: side-effecting, not read-only |
//! | `big {bytes}` | returns a text of `bytes` bytes (up to 64 MiB): a result over a client's line limit; read-only |
//! | `bonus` | present only while toggled on |

use std::{
    io::Write as _,
    path::PathBuf,
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::Duration,
};

use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CallToolRequestParams, CallToolResponse, CallToolResult, CancelledNotificationParam,
        ContentBlock, Implementation, JsonObject, ListToolsResult, PaginatedRequestParams,
        ServerCapabilities, ServerConfig, Tool, ToolAnnotations,
    },
    service::{NotificationContext, RequestContext},
};
use serde_json::{Value, json};

/// The largest text `big` returns: a few times any client's line limit.
const MAX_BIG: u64 = 64 * 1024 * 1024;

/// The tool that `toggle_tools` adds and removes.
const BONUS: &str = "bonus";

pub struct TestServer {
    /// Where received cancellations are recorded, for tests to read.
    log: Option<PathBuf>,
    /// State of the side-effecting `counter` tool; lives as long as the process.
    counter: AtomicU64,
    /// Whether the `bonus` tool is currently listed.
    bonus: AtomicBool,
}

impl TestServer {
    pub fn new(log: Option<PathBuf>) -> Self {
        Self { log, counter: AtomicU64::new(0), bonus: AtomicBool::new(false) }
    }

    fn tools(&self) -> Vec<Tool> {
        let mut tools = vec![
            tool(
                "echo",
                "Returns its text",
                json!({"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}),
                true,
            ),
            tool(
                "sleep",
                "Returns after sleeping ms milliseconds",
                json!({"type": "object", "properties": {"ms": {"type": "integer", "minimum": 0}}, "required": ["ms"]}),
                true,
            ),
            tool(
                "fail",
                "Returns a tool error with the message",
                json!({"type": "object", "properties": {"message": {"type": "string"}}, "required": ["message"]}),
                true,
            ),
            tool(
                "exit",
                "Exits the process mid-call with the code, without replying",
                json!({"type": "object", "properties": {"code": {"type": "integer"}}, "required": ["code"]}),
                false,
            ),
            tool(
                "add",
                "Adds two integers",
                json!({
                    "type": "object",
                    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                    "required": ["a", "b"],
                    "additionalProperties": false
                }),
                true,
            ),
            tool(
                "toggle_tools",
                "Adds or removes the bonus tool and notifies the client",
                json!({"type": "object", "properties": {}}),
                false,
            ),
            tool(
                "counter",
                "Increments and returns a process-local counter",
                json!({"type": "object", "properties": {}}),
                false,
            ),
            tool(
                "big",
                "Returns a text of the given number of bytes",
                json!({
                    "type": "object",
                    "properties": {"bytes": {"type": "integer", "minimum": 0, "maximum": MAX_BIG}},
                    "required": ["bytes"]
                }),
                true,
            ),
        ];
        if self.bonus.load(Ordering::SeqCst) {
            tools.push(tool(
                BONUS,
                "Present only while toggled on",
                json!({"type": "object", "properties": {}}),
                true,
            ));
        }
        tools
    }

    fn record(&self, line: &str) {
        let Some(path) = &self.log else { return };
        // A few bytes appended to a local file: cheap enough to do inline in a test server.
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| writeln!(file, "{line}"));
        if let Err(error) = written {
            eprintln!("pattern-test-server: cannot write {}: {error}", path.display());
        }
    }
}

fn tool(name: &'static str, description: &'static str, schema: Value, read_only: bool) -> Tool {
    let schema: JsonObject = match schema {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    };
    Tool::new(name, description, schema)
        .with_annotations(ToolAnnotations::new().read_only(read_only))
}

fn text(result: impl Into<String>) -> Result<CallToolResponse, ErrorData> {
    Ok(CallToolResult::success(vec![ContentBlock::text(result.into())]).into())
}

fn string_argument<'a>(arguments: &'a JsonObject, name: &str) -> Result<&'a str, ErrorData> {
    arguments
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ErrorData::invalid_params(format!("`{name}` must be a string"), None))
}

fn integer_argument(arguments: &JsonObject, name: &str) -> Result<i64, ErrorData> {
    arguments
        .get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| ErrorData::invalid_params(format!("`{name}` must be an integer"), None))
}

impl ServerHandler for TestServer {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::new(
            ServerCapabilities::builder().enable_tools().enable_tool_list_changed().build(),
        );
        info.server_info = Implementation::new("pattern-test-server", env!("CARGO_PKG_VERSION"));
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let arguments = request.arguments.unwrap_or_default();
        match request.name.as_ref() {
            "echo" => text(string_argument(&arguments, "text")?),
            "sleep" => {
                let ms = integer_argument(&arguments, "ms")?.max(0).unsigned_abs();
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(ms)) => text(format!("slept {ms} ms")),
                    () = context.ct.cancelled() => Err(ErrorData::internal_error("sleep cancelled", None)),
                }
            }
            "fail" => {
                let message = string_argument(&arguments, "message")?;
                Ok(CallToolResult::error(vec![ContentBlock::text(message.to_owned())]).into())
            }
            "exit" => {
                let code = integer_argument(&arguments, "code")?;
                eprintln!("pattern-test-server: exiting mid-call with code {code} as asked");
                std::process::exit(i32::try_from(code).unwrap_or(1));
            }
            "add" => {
                let a = integer_argument(&arguments, "a")?;
                let b = integer_argument(&arguments, "b")?;
                let sum = a
                    .checked_add(b)
                    .ok_or_else(|| ErrorData::invalid_params("the sum overflows", None))?;
                Ok(CallToolResult::structured(json!({ "sum": sum })).into())
            }
            "toggle_tools" => {
                let present = !self.bonus.fetch_xor(true, Ordering::SeqCst);
                if let Err(error) = context.peer.notify_tool_list_changed().await {
                    eprintln!("pattern-test-server: cannot send tools/list_changed: {error}");
                }
                text(format!("{BONUS} present: {present}"))
            }
            "counter" => text((self.counter.fetch_add(1, Ordering::SeqCst) + 1).to_string()),
            "big" => {
                let bytes = integer_argument(&arguments, "bytes")?;
                let bytes = u64::try_from(bytes)
                    .ok()
                    .filter(|&b| b <= MAX_BIG)
                    .and_then(|b| usize::try_from(b).ok())
                    .ok_or_else(|| {
                        ErrorData::invalid_params(format!("`bytes` must be 0..={MAX_BIG}"), None)
                    })?;
                text("x".repeat(bytes))
            }
            BONUS if self.bonus.load(Ordering::SeqCst) => text(BONUS),
            other => Err(ErrorData::invalid_params(format!("unknown tool `{other}`"), None)),
        }
    }

    async fn on_cancelled(
        &self,
        notification: CancelledNotificationParam,
        _context: NotificationContext<RoleServer>,
    ) {
        let id = serde_json::to_string(&notification.request_id).unwrap_or_default();
        let reason = notification.reason.unwrap_or_default();
        self.record(&format!("cancelled {id} {reason}"));
    }
}
