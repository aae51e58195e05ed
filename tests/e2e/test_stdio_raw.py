"""Raw JSON-RPC lines over stdio: two requests in flight with one id each get an answer.

A slow downstream call (pattern-test-server's `sleep`) keeps the first request in flight while the
second arrives, so the duplicate is certain, not a race."""

import json
import queue
import subprocess
import threading

import pytest

from conftest import binary, built_test_server

ANSWER_WITHIN_S = 30


def test_a_second_request_with_an_in_flight_id_is_refused_and_the_first_still_answers(tmp_path):
    servers = tmp_path / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {"slow": {"command": built_test_server()}}}))
    proc = subprocess.Popen(
        [binary(), "--servers", str(servers), "--memory", f"sqlite:{tmp_path}/memory.db"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(tmp_path / "stderr.log", "wb"),
        env={"RUST_LOG": "warn", "PATH": "/usr/bin:/bin"},
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(json.loads(l)) for l in proc.stdout], daemon=True).start()

    def send(message):
        proc.stdin.write(json.dumps(message).encode() + b"\n")
        proc.stdin.flush()

    def answer():
        while True:
            try:
                message = lines.get(timeout=ANSWER_WITHIN_S)
            except queue.Empty:
                pytest.fail("no answer within 30 s")
            if "method" not in message:  # skip log notifications
                return message

    try:
        send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
        assert answer()["id"] == 0
        send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "execute_pattern", "arguments": {
            "query": "call tool slow.sleep", "context": {"arguments": {"ms": 1500}}, "use_cache": False}}}
        send(call)
        send(call)
        first, second = answer(), answer()
        assert first == {"jsonrpc": "2.0", "id": 1, "error": {
            "code": -32600, "message": "request id 1 is already in flight: wait for its answer or use another id"}}
        assert second["id"] == 1
        result = second["result"]["structuredContent"]
        assert result["success"] is True, result
        assert "slept 1500 ms" in json.dumps(result["result"]), result
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
