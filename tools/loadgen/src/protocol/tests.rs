use super::*;

#[test]
fn answers_are_classified() {
    let ok = json!({"id": 1, "result": {"structuredContent": {"success": true}, "content": []}});
    assert!(matches!(classify(&ok), Outcome::Ok(_)));
    let text =
        json!({"id": 1, "result": {"content": [{"type": "text", "text": "{\"success\": true}"}]}});
    assert!(classify(&text).succeeded());
    let tool = json!({"id": 1, "result": {"isError": true, "content": [{"type": "text", "text": "query: empty"}]}});
    assert!(matches!(classify(&tool), Outcome::Tool(None)));
    let rpc = json!({"id": 1, "error": {"code": -32602, "message": "no"}});
    assert!(matches!(classify(&rpc), Outcome::JsonRpc(-32602)));
    assert!(matches!(classify(&json!({"id": 1})), Outcome::Transport(_)));
    let failed = json!({"id": 1, "result": {"structuredContent": {"success": false}}});
    assert!(!classify(&failed).succeeded());
}
