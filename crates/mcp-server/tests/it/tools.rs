//! Tool dispatch through the MCP handler, without a transport.

use std::sync::Arc;

use pattern_engine::{Engine, EngineConfig, Principal};
use pattern_mcp::logging::LogControl;
use pattern_mcp::server::PatternServer;
use pattern_memory::SqliteStore;
use pattern_registry::{LoadOptions, Registry};
use serde_json::{Value, json};

async fn server() -> PatternServer {
    let registry = Registry::load(&LoadOptions { files: vec![], builtins: true, strict: true })
        .unwrap()
        .registry;
    let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
    let engine = Arc::new(Engine::new(Arc::new(registry), store, EngineConfig::default()));
    PatternServer::new(engine, Principal::local(), LogControl::detached())
}

fn args(v: Value) -> Option<serde_json::Map<String, Value>> {
    v.as_object().cloned()
}

#[tokio::test]
async fn unknown_tool_is_invalid_params() {
    let s = server().await;
    let err = s.call("nope", None).await.unwrap_err();
    assert_eq!(err.code.0, -32602);
    assert!(err.message.contains("`nope`"));
}

#[tokio::test]
async fn invalid_arguments_are_a_tool_error_naming_the_field() {
    let s = server().await;
    let r = s
        .call("execute_pattern", args(json!({"query": "x", "namespace": "bad ns"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(true));
    assert!(r.structured_content.is_none());
    let text = r.content[0].as_text().unwrap().text.clone();
    assert!(text.starts_with("execute_pattern: invalid argument `namespace`"), "{text}");
    let r = s.call("stats", args(json!({"verbose": true}))).await.unwrap();
    assert_eq!(r.is_error, Some(true));
}

#[tokio::test]
async fn results_carry_structured_content_and_the_same_text() {
    let s = server().await;
    let r = s
        .call("execute_pattern", args(json!({"query": "remember that the handler works"})))
        .await
        .unwrap();
    assert_eq!(r.is_error, Some(false));
    let data = r.structured_content.clone().unwrap();
    assert_eq!(data["pattern_name"], "store_memory");
    let text: Value = serde_json::from_str(&r.content[0].as_text().unwrap().text).unwrap();
    assert_eq!(text, data);
    let failed =
        s.call("execute_pattern", args(json!({"query": "call tool nowhere.tool"}))).await.unwrap();
    assert_eq!(failed.is_error, Some(true));
    assert_eq!(failed.structured_content.unwrap()["success"], false);
}

#[test]
fn tools_have_schemas_and_annotations() {
    let tools = pattern_mcp::tools::all();
    let names: Vec<_> = tools.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(names, ["execute_pattern", "route_query", "stats"]);
    for t in &tools {
        assert_eq!(t.input_schema["type"], "object");
        assert_eq!(t.output_schema.as_ref().unwrap()["type"], "object");
        let a = t.annotations.as_ref().unwrap();
        let read_only = t.name != "execute_pattern";
        assert_eq!(a.read_only_hint, Some(read_only));
        assert_eq!(a.idempotent_hint, Some(read_only));
        assert_eq!(a.open_world_hint, Some(!read_only));
    }
}

#[test]
fn tools_list_fits_in_six_kilobytes() {
    let listing = serde_json::to_string(&json!({"tools": pattern_mcp::tools::all()})).unwrap();
    println!("tools/list result: {} bytes", listing.len());
    assert!(listing.len() <= 6 * 1024, "tools/list is {} bytes", listing.len());
}

#[test]
fn wire_output_schemas_keep_every_property_type_and_enum() {
    let tools = pattern_mcp::tools::all();
    let execute = tools[0].output_schema.as_ref().unwrap();
    assert!(
        execute.get("$defs").is_none() && !serde_json::to_string(execute).unwrap().contains("$ref")
    );
    let properties = execute["properties"].as_object().unwrap();
    for field in ["request_id", "pattern_name", "pattern_type", "success", "result", "error"] {
        assert!(properties.contains_key(field), "{field}");
    }
    assert_eq!(properties["pattern_type"]["enum"], json!(["infrastructure", "memory", "hybrid"]));
    assert_eq!(properties["tokens_used"]["type"], "integer");
    let stats = tools[2].output_schema.as_ref().unwrap();
    assert_eq!(stats["properties"]["memory"]["properties"]["total_memories"]["type"], "integer");
    let input = &tools[0].input_schema;
    assert_eq!(input["properties"]["query"]["maxLength"], 4096);
    assert!(input["properties"]["query"]["description"].as_str().unwrap().len() > 20);
}
