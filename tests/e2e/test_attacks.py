"""The attacks of issue 10 that no other end-to-end test replays, re-run from outside against the built binary.

Each test plays a hostile client with raw HTTP or raw stdin bytes, as the report did, and checks what a
client sees now. The other breaks are replayed end to end where their subject lives: sessions, `nbf`,
chunked and malformed bodies in test_http.py; a duplicate id over stdio in test_stdio_raw.py; the stderr
flood and `result_too_large` in test_downstream.py; a keyed store over TLS in test_postgres.py."""

import concurrent.futures
import json
import queue
import socket
import subprocess
import threading
import time
from urllib.parse import urlsplit

import httpx2
import pytest

from conftest import binary, built_test_server
from test_http import (MCP_HEADERS, OPS_TOKEN, TOKEN, deployment_config, http_server, jwt, mcp_post,
                       open_raw_session, store_into_alice)

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "attacker", "version": "0"}}}
PING = {"jsonrpc": "2.0", "id": 2, "method": "ping"}


def sse_answer(response):
    """The JSON-RPC answer of a POST on a 2025-06-18 session (one `data:` event, or a JSON body)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.json()
    data = [line[len("data:"):] for line in response.text.splitlines() if line.startswith("data:")]
    answers = [json.loads(d) for d in data if d.strip()]
    assert len(answers) == 1, response.text
    return answers[0]


def burst_of_initializes(base, token, count):
    """`count` initialize POSTs, never deleted, 32 at a time; returns (status codes, session ids, seconds)."""
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}
    with httpx2.Client(timeout=30) as client:
        def one(_):
            response = client.post(f"{base}/mcp", json=INITIALIZE, headers=headers)
            return response.status_code, response.headers.get("mcp-session-id")
        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(one, range(count)))
        return [a[0] for a in answers], [a[1] for a in answers], time.monotonic() - start


def ping_statuses(base, token, sessions):
    """The status of a ping on each session, sent with `token`, 16 at a time over one pool of kept-alive
    connections: a refusal must leave its connection usable for the next request."""
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}", "Mcp-Protocol-Version": "2025-06-18"}
    with httpx2.Client(timeout=30) as client:
        def one(session):
            return client.post(f"{base}/mcp", json=PING, headers={**headers, "Mcp-Session-Id": session}).status_code
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            return list(pool.map(one, sessions))


def test_bursts_of_256_initializes_from_one_readonly_principal_lock_nobody_out(tmp_path):
    # The defaults: 256 sessions per transport, 16 per principal.
    with http_server(tmp_path, "--config", deployment_config(tmp_path)) as base:
        reader = jwt({"sub": "reader", "exp": int(time.time()) + 3600})
        ops = open_raw_session(base, OPS_TOKEN)
        # Several bursts: sessions opened concurrently once fell out of the server's book now and then,
        # staying open beyond the quota and answering any credential.
        for burst in range(8):
            statuses, sessions, seconds = burst_of_initializes(base, reader, 256)
            print(f"burst {burst}: 256 initialize POSTs in {seconds:.2f} s")
            # Every initialize is served: the reader's own longest idle sessions make room.
            assert statuses == [200] * 256
            stolen = ping_statuses(base, OPS_TOKEN, sessions)
            assert stolen == [404] * 256, "the reader's sessions answered the ops token"
            alive = ping_statuses(base, reader, sessions).count(200)
            assert alive == 16, f"{alive} of the reader's sessions still answer"
            # Another principal keeps its session and opens and uses a new one.
            assert mcp_post(base, OPS_TOKEN, PING, ops).status_code == 200
            stored = mcp_post(base, OPS_TOKEN, store_into_alice(3), open_raw_session(base, OPS_TOKEN))
            assert stored.status_code == 200
            assert sse_answer(stored)["result"]["structuredContent"]["success"] is True


def test_a_too_deep_body_on_mcp_is_400_invalid_request_with_its_id(tmp_path):
    context = '{"a":' * 200 + "1" + "}" * 200
    body = ('{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"execute_pattern",'
            f'"arguments":{{"query":"q","context":{context}}}}}}}').encode()
    with http_server(tmp_path) as base:
        response = httpx2.post(f"{base}/mcp", content=body, headers={**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 400, response.text
        answer = response.json()
        assert answer["id"] == 12
        assert answer["error"]["code"] == -32600
        assert "nesting deeper than 127 levels" in answer["error"]["message"], answer


# The plain `Accept` gets the call answered at the front; with weights, rmcp answers it in the session.
@pytest.mark.parametrize("accept", [None, "application/json;q=1, text/event-stream;q=0.5"],
                         ids=["front", "rmcp"])
def test_two_calls_in_flight_with_one_id_on_one_http_session_both_get_their_answer(accept, tmp_path):
    servers = tmp_path / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {"slow": {"command": built_test_server()}}}))
    with http_server(tmp_path, "--servers", str(servers)) as base:
        session = open_raw_session(base, TOKEN)
        call = {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "execute_pattern", "arguments": {
            "query": "call tool slow.sleep", "context": {"arguments": {"ms": 1500}}, "use_cache": False}}}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(lambda _: mcp_post(base, TOKEN, call, session, accept), range(2)))
        for response in responses:
            assert response.status_code == 200, response.text
            kind = "application/json" if accept is None else "text/event-stream"
            assert response.headers["content-type"].startswith(kind), response.headers
            answer = sse_answer(response)
            assert answer["id"] == 5, answer
            result = answer["result"]["structuredContent"]
            assert result["success"] is True, result
            assert "slept 1500 ms" in json.dumps(result["result"]), result


def test_a_request_before_initialize_on_legacy_sse_is_told_to_initialise_first(tmp_path):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with http_server(tmp_path) as base:
        with httpx2.stream("GET", f"{base}/sse", headers=auth, timeout=30) as stream:
            lines = stream.iter_lines()
            endpoint = next(line for line in lines if line.startswith("data:"))[len("data:"):].strip()

            def answer_to(message):
                assert httpx2.post(f"{base}{endpoint}", json=message, headers=auth).status_code == 202
                return json.loads(next(line for line in lines if line.startswith("data:"))[len("data:"):])

            early = answer_to({"jsonrpc": "2.0", "id": 7, "method": "tools/list"})
            assert early == {"jsonrpc": "2.0", "id": 7, "error": {
                "code": -32600, "message": "the session is not initialised: send `initialize` first"}}
            opened = answer_to({**INITIALIZE, "id": 8})
            assert opened["result"]["serverInfo"]["name"] == "pattern-mcp"


def test_a_refused_session_leaves_its_kept_alive_connection_usable(tmp_path):
    # One connection only: the refusal (404) and the next request must share it.
    with http_server(tmp_path, "--config", deployment_config(tmp_path)) as base:
        ops = open_raw_session(base, OPS_TOKEN)
        headers = {**MCP_HEADERS, "Mcp-Protocol-Version": "2025-06-18", "Mcp-Session-Id": ops}
        limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx2.Client(timeout=30, limits=limits) as client:
            reader = jwt({"sub": "reader", "exp": int(time.time()) + 3600})
            # A body larger than one read, so it is still arriving when the refusal is decided.
            padded = {**PING, "params": {"_meta": {"pad": "x" * 512 * 1024}}}
            refused = client.post(f"{base}/mcp", json=padded, headers={**headers, "Authorization": f"Bearer {reader}"})
            assert refused.status_code == 404
            assert "close" not in refused.headers.get("connection", "").lower()
            served = client.post(f"{base}/mcp", json=PING, headers={**headers, "Authorization": f"Bearer {OPS_TOKEN}"})
            assert served.status_code == 200, served.text


@pytest.mark.parametrize("refusal", ["no token", "wrong token", "foreign host"])
def test_a_refusal_before_the_body_is_read_says_the_connection_closes(tmp_path, refusal):
    # The request's headers arrive first and its body later, as from any client that writes them separately; the
    # refusal is decided on the headers, the body is left unread, and the server closes the connection after the
    # answer. The answer must say so (`Connection: close`): a client that kept the connection would send its next
    # request into the closing socket and lose it (seen once in tools/chaos.sh, `hostile_http`).
    with http_server(tmp_path) as base:
        host, port = urlsplit(base).hostname, urlsplit(base).port
        extra = {"no token": b"", "wrong token": b"Authorization: Bearer not-the-token\r\n",
                 "foreign host": b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"}[refusal]
        host_header = b"evil.example" if refusal == "foreign host" else f"{host}:{port}".encode()
        body = json.dumps(PING).encode()
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: " + host_header + b"\r\nContent-Type: application/json\r\n"
                         b"Accept: application/json, text/event-stream\r\n" + extra +
                         b"Content-Length: %d\r\n\r\n" % len(body))
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = sock.recv(65536)
                assert chunk, f"the connection closed before an answer: {head!r}"
                head += chunk
            status_line, *header_lines = head.split(b"\r\n\r\n")[0].decode().split("\r\n")
            assert status_line.split()[1] in ("401", "403"), status_line
            headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines)}
            assert headers.get("connection") == "close", head
            try:
                sock.sendall(body)
            except OSError:
                pass  # closed already: what the header announced
        # A pooled client sees the close and opens a new connection for its next request.
        limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
        with httpx2.Client(timeout=30, limits=limits) as client:
            padded = {**PING, "params": {"_meta": {"pad": "x" * 512 * 1024}}}
            for _ in range(3):
                refused = client.post(f"{base}/mcp", json=padded, headers=MCP_HEADERS)
                assert refused.status_code == 401
                assert refused.headers.get("connection") == "close"
                served = client.post(f"{base}/mcp", json=INITIALIZE,
                                     headers={**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"})
                assert served.status_code == 200, served.text
                assert "mcp-session-id" in served.headers
