//! Unit tests of the stdio front: a gated handler behind the front, driven through in-memory pipes.

use std::sync::Arc;

use rmcp::ServerHandler;
use rmcp::ServiceExt;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ErrorData,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::Semaphore;

use super::start;

/// A server whose `tools/call` waits for a permit, so requests stay in flight
/// until the test lets them go.
#[derive(Clone)]
struct Gated(Arc<Semaphore>);

impl ServerHandler for Gated {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<rmcp::RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        self.0.acquire().await.expect("gate open").forget();
        Ok(CallToolResult::success(vec![ContentBlock::text(request.name.to_string())]).into())
    }
}

struct Client {
    input: DuplexStream,
    output: tokio::io::Lines<BufReader<DuplexStream>>,
}

impl Client {
    async fn send(&mut self, line: &str) {
        self.input.write_all(line.as_bytes()).await.unwrap();
        self.input.write_all(b"\n").await.unwrap();
    }

    async fn recv(&mut self) -> Value {
        let line = self.output.next_line().await.unwrap().expect("a reply line");
        serde_json::from_str(&line).expect("stdout carries JSON lines only")
    }
}

/// A gated server behind the front, initialised.
async fn session(gate: Arc<Semaphore>, limit: usize) -> Client {
    let (client_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_out) = tokio::io::duplex(1 << 16);
    let (transport, front) = start(server_in, server_out, limit);
    tokio::spawn(async move {
        if let Ok(service) = Gated(gate).serve(transport).await {
            let _ = service.waiting().await;
        }
        front.finish().await;
    });
    let mut client = Client { input: client_in, output: BufReader::new(client_out).lines() };
    client
        .send(
            &json!({"jsonrpc":"2.0","id":0,"method":"initialize","params":{
                "protocolVersion":"2025-06-18","capabilities":{},
                "clientInfo":{"name":"t","version":"1"}}})
            .to_string(),
        )
        .await;
    assert_eq!(client.recv().await["id"], 0);
    client.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
    client
}

fn call(id: Value, name: &str) -> String {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":name,"arguments":{}}})
        .to_string()
}

#[tokio::test]
async fn a_second_request_with_an_in_flight_id_is_refused_and_the_first_still_answers() {
    let gate = Arc::new(Semaphore::new(0));
    let mut client = session(gate.clone(), 1024).await;
    client.send(&call(json!(5), "first")).await;
    client.send(&call(json!(5), "second")).await;
    let refused = client.recv().await;
    assert_eq!(refused["id"], 5);
    assert_eq!(refused["error"]["code"], -32600);
    assert_eq!(
        refused["error"]["message"],
        "request id 5 is already in flight: wait for its answer or use another id"
    );
    gate.add_permits(1);
    let answered = client.recv().await;
    assert_eq!(answered["id"], 5);
    assert_eq!(answered["result"]["content"][0]["text"], "first");
    // Answered, the id is free again.
    client.send(&call(json!(5), "third")).await;
    gate.add_permits(1);
    assert_eq!(client.recv().await["result"]["content"][0]["text"], "third");
}

#[tokio::test]
async fn the_same_number_as_a_string_id_is_a_different_request() {
    let gate = Arc::new(Semaphore::new(0));
    let mut client = session(gate.clone(), 1024).await;
    client.send(&call(json!(6), "number")).await;
    client.send(&call(json!("6"), "string")).await;
    gate.add_permits(2);
    let mut ids = vec![client.recv().await["id"].clone(), client.recv().await["id"].clone()];
    ids.sort_by_key(Value::is_string);
    assert_eq!(ids, vec![json!(6), json!("6")]);
}

#[tokio::test]
async fn an_over_long_line_is_answered_and_the_next_line_still_served() {
    let gate = Arc::new(Semaphore::new(1));
    let mut client = session(gate, 256).await;
    let long = format!(
        r#"{{"jsonrpc":"2.0","id":"long","method":"tools/call","params":{{"name":"{}"}}}}"#,
        "x".repeat(5000)
    );
    client.send(&long).await;
    let refused = client.recv().await;
    assert_eq!(refused["id"], "long");
    assert_eq!(refused["error"]["message"], "message is longer than the 256-byte limit");
    client.send(&call(json!(1), "after")).await;
    assert_eq!(client.recv().await["result"]["content"][0]["text"], "after");
}

#[tokio::test]
async fn a_blank_line_is_skipped_but_a_form_feed_is_a_parse_error() {
    let gate = Arc::new(Semaphore::new(1));
    let mut client = session(gate, 1024).await;
    client.send(" \t\r").await;
    client.send("\x0c").await;
    let refused = client.recv().await;
    assert_eq!(refused["id"], Value::Null);
    assert_eq!(refused["error"]["code"], -32700);
    client.send(&call(json!(1), "after")).await;
    assert_eq!(client.recv().await["result"]["content"][0]["text"], "after");
}

#[tokio::test]
async fn a_notification_before_initialize_is_ignored_and_initialize_still_works() {
    let (client_in, server_in) = tokio::io::duplex(1 << 16);
    let (server_out, client_out) = tokio::io::duplex(1 << 16);
    let (transport, front) = start(server_in, server_out, 1024);
    tokio::spawn(async move {
        if let Ok(service) = Gated(Arc::new(Semaphore::new(1))).serve(transport).await {
            let _ = service.waiting().await;
        }
        front.finish().await;
    });
    let mut client = Client { input: client_in, output: BufReader::new(client_out).lines() };
    client.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
    client.send(&call(json!(1), "early")).await;
    let early = client.recv().await;
    assert_eq!(early["id"], 1);
    assert_eq!(
        early["error"]["message"],
        "the session is not initialised: send `initialize` first"
    );
    client
        .send(
            &json!({"jsonrpc":"2.0","id":2,"method":"initialize","params":{
                "protocolVersion":"2025-06-18","capabilities":{},
                "clientInfo":{"name":"t","version":"1"}}})
            .to_string(),
        )
        .await;
    let init = client.recv().await;
    assert_eq!(
        (init["id"].clone(), init["result"]["protocolVersion"].clone()),
        (json!(2), json!("2025-06-18"))
    );
}
