#!/usr/bin/env python3
"""Opens COUNT MCP 2025-06-18 sessions on pattern-mcp's /mcp at 127.0.0.1:PORT, warms the cache (one store, one
recall) and prints the session ids, space-separated. The bearer token is $PATTERN_MCP_LOAD_TOKEN. Standard library
only; used by tools/load_http.sh and tools/bench/http_wires.sh.

Usage: tools/bench/open_sessions.py PORT COUNT
"""
import json, os, sys, urllib.request
port, count = sys.argv[1], int(sys.argv[2])
url = f"http://127.0.0.1:{port}/mcp"
headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "Authorization": "Bearer " + os.environ["PATTERN_MCP_LOAD_TOKEN"]}
def post(message, session=None):
    h = dict(headers)
    if session:
        h.update({"Mcp-Session-Id": session, "Mcp-Protocol-Version": "2025-06-18"})
    request = urllib.request.Request(url, json.dumps(message).encode(), h, method="POST")
    with urllib.request.urlopen(request) as response:
        return response.headers.get("Mcp-Session-Id"), response.read().decode()
ids = []
for i in range(count):
    session, _ = post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}})
    post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
    ids.append(session)
def call(query):
    return post({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "execute_pattern", "arguments": {"query": query}}}, ids[0])[1]
call("remember that backups run at 02:00 UTC")
call("what did we note about backups?")
assert '"cache_hit":true' in call("what did we note about backups?"), "the warm-up call was not cached"
print(" ".join(ids))
