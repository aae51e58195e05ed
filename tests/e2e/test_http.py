"""End-to-end over HTTP: the real binary with `--http`, driven by the Python `mcp` client over
Streamable HTTP and legacy SSE with a bearer token; every stdio check runs again over both."""

import base64
import concurrent.futures
import functools
import hashlib
import hmac
import inspect
import json
import os
import re
import signal
import socket
import subprocess
import time
from contextlib import asynccontextmanager, contextmanager

import httpx2
import pytest
from mcp import ClientSession
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

import test_stdio
from conftest import FAMILIES, binary, built_test_server, free_port, structured

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore:The logging capability is deprecated")]

TOKEN = "e2e-http-token-0123456789"
TRANSPORTS = ["streamable_http", "sse"]


@contextmanager
def http_server(tmp_path, *extra_args):
    """The binary serving HTTP on a free loopback port with a fresh SQLite memory; yields its base URL.
    On exit it is sent SIGTERM and must stop gracefully with status 0."""
    with http_process(tmp_path, *extra_args) as (base, _):
        yield base


@contextmanager
def http_process(tmp_path, *extra_args):
    """`http_server`, yielding the process too: (base URL, `subprocess.Popen`)."""
    port = free_port()
    errlog = open(tmp_path / "http-stderr.log", "w")
    proc = subprocess.Popen(
        [binary(), "--memory", f"sqlite:{tmp_path}/memory.db", "--http", f"127.0.0.1:{port}",
         "--auth-token", TOKEN, *extra_args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=errlog,
        env={**os.environ, "RUST_LOG": "info"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx2.get(f"{base}/healthz", timeout=1).text == "ok":
                    break
            except httpx2.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"pattern-mcp --http did not start: {(tmp_path / 'http-stderr.log').read_text()}")
            time.sleep(0.05)
        yield base, proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        out = proc.stdout.read()
        proc.stdout.close()
        errlog.close()
    assert code == 0, (tmp_path / "http-stderr.log").read_text()
    assert out == b"", "nothing may be written to stdout"


@asynccontextmanager
async def client_session(base, transport, logging_callback=None, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"}
    if transport == "streamable_http":
        async with create_mcp_http_client(headers=headers) as http:
            async with streamable_http_client(f"{base}/mcp", http_client=http) as (read, write):
                async with ClientSession(read, write, logging_callback=logging_callback) as session:
                    yield session
    else:
        async with sse_client(f"{base}/sse", headers=headers) as (read, write):
            async with ClientSession(read, write, logging_callback=logging_callback) as session:
                yield session


@asynccontextmanager
async def http_mcp_session(transport, tmp_path, *extra_args, env=None, logging_callback=None):
    """`conftest.mcp_session` over HTTP: an initialised session on a fresh server.

    The body limit is raised above the default 1 MiB so the stdio check that
    sends a 1 MiB query reaches the tool (and its argument validation) as it
    does over stdio; with the default, HTTP refuses it first with 413
    (`test_a_body_over_the_limit_is_413`)."""
    config = tmp_path / "http.toml"
    config.write_text("[http]\nbody_limit_bytes = 4194304\n")
    with http_server(tmp_path, "--config", str(config), *extra_args) as base:
        async with client_session(base, transport, logging_callback) as session:
            await session.initialize()
            yield session


def stdio_checks():
    """Every test of test_stdio.py, with each parameter set of the parametrized ones."""
    for name, fn in inspect.getmembers(test_stdio, inspect.iscoroutinefunction):
        if not name.startswith("test_"):
            continue
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        if not marks:
            yield pytest.param(name, {}, id=name)
            continue
        names = [n.strip() for n in marks[0].args[0].split(",")]
        for i, values in enumerate(marks[0].args[1]):
            yield pytest.param(name, dict(zip(names, values)), id=f"{name}-{i}")


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("check, kwargs", list(stdio_checks()))
async def test_stdio_check_passes_over_http(check, kwargs, transport, tmp_path, monkeypatch):
    monkeypatch.setattr(test_stdio, "mcp_session", functools.partial(http_mcp_session, transport))
    await getattr(test_stdio, check)(tmp_path, **kwargs)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_session_acts_as_the_token_principal_and_serves_tools(transport, tmp_path):
    with http_server(tmp_path) as base:
        async with client_session(base, transport) as s:
            init = await s.initialize()
            assert init.server_info.name == "pattern-mcp"
            names = [t.name for t in (await s.list_tools()).tools]
            assert names == ["execute_pattern", "route_query", "stats"]
            stored = structured(await s.call_tool("execute_pattern", {"query": f"remember that {transport} works"}))
            assert stored["success"] is True
            assert stored["pattern_name"] == "store_memory"


def test_without_a_token_both_transports_answer_401(tmp_path):
    with http_server(tmp_path) as base:
        for method, path in (("POST", "/mcp"), ("GET", "/sse"), ("POST", "/message?sessionId=x")):
            response = httpx2.request(method, f"{base}{path}", json={} if method == "POST" else None)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"] == "missing_token"
        wrong = httpx2.post(f"{base}/mcp", json={}, headers={"Authorization": "Bearer wrong"})
        assert wrong.status_code == 401
        assert wrong.json()["error"] == "invalid_token"


def test_a_body_over_the_limit_is_413(tmp_path):
    with http_server(tmp_path) as base:
        body = b'{"jsonrpc":"2.0","id":1,"method":"ping","pad":"' + b"x" * (1 << 20) + b'"}'
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json",
                   "Accept": "application/json, text/event-stream"}
        try:
            response = httpx2.post(f"{base}/mcp", content=body, headers=headers)
        except httpx2.HTTPError as e:  # the server may close before the whole body is sent
            pytest.fail(f"expected a 413 answer, got {e!r}")
        assert response.status_code == 413


def test_a_client_too_slow_to_send_its_headers_is_disconnected(tmp_path):
    """`request_timeout_s` also bounds a slow-headers (slowloris) or idle client."""
    config = tmp_path / "slow.toml"
    config.write_text("[http]\nrequest_timeout_s = 1\n")
    with http_server(tmp_path, "--config", str(config)) as base:
        port = int(base.rsplit(":", 1)[1])
        for first_bytes in (b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ", b""):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(first_bytes)
                s.settimeout(10)
                started = time.monotonic()
                while s.recv(4096):
                    pass
                waited = time.monotonic() - started
                assert 0.8 < waited < 5, waited
        assert httpx2.get(f"{base}/healthz").text == "ok"


def test_a_foreign_host_is_403(tmp_path):
    with http_server(tmp_path) as base:
        response = httpx2.post(
            f"{base}/mcp", json={}, headers={"Authorization": f"Bearer {TOKEN}", "Host": "evil.example.com"}
        )
        assert response.status_code == 403
        assert response.json()["error"] == "host_not_allowed"


async def test_metrics_carry_every_family_and_never_the_query(tmp_path):
    secret = "marmalade-kestrel-4411"
    with http_server(tmp_path) as base:
        for transport in TRANSPORTS:
            async with client_session(base, transport) as s:
                await s.initialize()
                await s.call_tool("execute_pattern", {"query": f"remember that the code word is {secret}"})
                await s.call_tool("execute_pattern", {"query": f"what did we note about {secret}?"})
                await s.call_tool("execute_pattern", {"query": f"what did we note about {secret}?"})
                await s.call_tool("route_query", {"query": f"check the health of {secret}"})
        metrics = httpx2.get(f"{base}/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
        text = metrics.text
        for family in FAMILIES:
            assert re.search(rf"^# TYPE {family} (counter|gauge|histogram)$", text, re.M), family
        assert re.search(r"^pattern_redis_up 0$", text, re.M)
        assert re.search(r'^pattern_cache_requests_total\{tier="local",result="hit"\} [1-9]', text, re.M)
        assert secret not in text
        assert "code word" not in text


def test_health_and_readiness_report_the_memory_store(tmp_path):
    with http_server(tmp_path) as base:
        assert httpx2.get(f"{base}/healthz").text == "ok"
        ready = httpx2.get(f"{base}/readyz")
        assert ready.status_code == 200
        body = ready.json()
        assert body["status"] == "ready"
        assert body["components"]["memory"]["status"] == "up"
        assert body["components"]["memory"]["backend"] == "sqlite"
        assert body["components"]["redis"] == {"status": "disabled"}
        assert body["components"]["downstream"] == []


# The deployment of issue 10: a JWT secret, a static token `alice` (agent,
# namespace `alice`) and a static token `ops` (admin).
JWT_SECRET = "e2e-jwt-secret-e2e-jwt-secret-0123"
ALICE_TOKEN = "e2e-alice-token-0123456789"
OPS_TOKEN = "e2e-ops-token-0123456789"
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def jwt(claims):
    """An HS256 JWT of `claims` signed with JWT_SECRET."""
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def deployment_config(tmp_path, extra=""):
    config = tmp_path / "deployment.toml"
    digest = lambda token: hashlib.sha256(token.encode()).hexdigest()  # noqa: E731
    config.write_text(
        f'[http]\njwt_secret = "{JWT_SECRET}"\n{extra}'
        f'[[http.tokens]]\nid = "alice"\nrole = "agent"\nsha256 = "{digest(ALICE_TOKEN)}"\nnamespaces = ["alice"]\n'
        f'[[http.tokens]]\nid = "ops"\nrole = "admin"\nsha256 = "{digest(OPS_TOKEN)}"\n'
    )
    return str(config)


def mcp_post(base, token, message, session=None, accept=None):
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {token}"}
    if accept:
        headers["Accept"] = accept
    if session:
        headers.update({"Mcp-Session-Id": session, "Mcp-Protocol-Version": "2025-06-18"})
    return httpx2.post(f"{base}/mcp", json=message, headers=headers)


def open_raw_session(base, token):
    """An initialised Streamable HTTP session opened with raw HTTP; returns its id."""
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "0"}}}
    response = mcp_post(base, token, init)
    assert response.status_code == 200, response.text
    session = response.headers["mcp-session-id"]
    assert mcp_post(base, token, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session).status_code == 202
    return session


def store_into_alice(id):
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
        "name": "execute_pattern",
        "arguments": {"query": f"remember that call {id} was here", "namespace": "alice"}}}


def test_a_readonly_jwt_cannot_use_a_session_an_admin_jwt_of_its_subject_opened(tmp_path):
    with http_server(tmp_path, "--config", deployment_config(tmp_path)) as base:
        now = int(time.time())
        # Expired 24 s ago, inside the 30 s leeway: it opens a session.
        session = open_raw_session(base, jwt({"sub": "carol", "role": "admin", "exp": now - 24}))
        readonly = jwt({"sub": "carol", "namespaces": ["carol-public"], "exp": now + 3600})
        stolen = mcp_post(base, readonly, store_into_alice(2), session)
        assert stolen.status_code == 404
        assert stolen.text == "Not Found: Session not found"


def test_a_credential_that_expires_is_refused_on_the_session_it_opened(tmp_path):
    with http_server(tmp_path, "--config", deployment_config(tmp_path)) as base:
        admin = jwt({"sub": "carol", "role": "admin", "exp": int(time.time()) - 28})
        session = open_raw_session(base, admin)
        # Whole seconds: 3 s from now the token is past exp + 30 s whatever the sub-second phase.
        time.sleep(3)
        lapsed = mcp_post(base, admin, store_into_alice(2), session)
        assert lapsed.status_code == 401
        assert lapsed.json()["message"] == "invalid bearer token: the token has expired"


def test_a_jwt_named_like_a_static_token_cannot_use_its_session(tmp_path):
    with http_server(tmp_path, "--config", deployment_config(tmp_path)) as base:
        session = open_raw_session(base, OPS_TOKEN)
        namesake = jwt({"sub": "ops", "exp": int(time.time()) + 3600})
        recall = {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "execute_pattern", "arguments": {"query": "what did we note about call 2?", "namespace": "alice"}}}
        for message in (store_into_alice(2), recall):
            stolen = mcp_post(base, namesake, message, session)
            assert stolen.status_code == 404
            assert stolen.text == "Not Found: Session not found"
        assert mcp_post(base, OPS_TOKEN, store_into_alice(4), session).status_code == 200


def test_a_jwt_named_like_a_static_token_cannot_post_to_its_sse_stream(tmp_path):
    with http_server(tmp_path, "--config", deployment_config(tmp_path)) as base:
        with httpx2.stream("GET", f"{base}/sse", headers={"Authorization": f"Bearer {ALICE_TOKEN}"}) as stream:
            lines = stream.iter_lines()
            endpoint = next(line for line in lines if line.startswith("data:"))[len("data:"):].strip()
            namesake = jwt({"sub": "alice", "namespaces": ["elsewhere"], "exp": int(time.time()) + 3600})
            posted = httpx2.post(f"{base}{endpoint}", json=store_into_alice(1),
                                 headers={"Authorization": f"Bearer {namesake}"})
            assert posted.status_code == 404
            assert posted.json()["error"] == "unknown_session"
            own = httpx2.post(f"{base}{endpoint}", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                              headers={"Authorization": f"Bearer {ALICE_TOKEN}"})
            assert own.status_code == 202


def test_a_jwt_not_valid_yet_is_401_saying_so(tmp_path):
    with http_server(tmp_path, "--config", deployment_config(tmp_path)) as base:
        now = int(time.time())
        early = jwt({"sub": "carol", "nbf": now + 3600, "exp": now + 7200})
        response = mcp_post(base, early, {"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert response.status_code == 401
        assert response.json()["message"] == "invalid bearer token: the token is not valid yet"


async def test_one_principal_opening_sessions_without_end_locks_nobody_out(tmp_path):
    config = deployment_config(tmp_path, "max_sessions_per_principal = 4\n")
    with http_server(tmp_path, "--config", config) as base:
        reader = jwt({"sub": "reader", "exp": int(time.time()) + 3600})
        sessions = [open_raw_session(base, reader) for _ in range(40)]
        # Over its quota of 4 the reader's oldest sessions were ended...
        ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
        assert mcp_post(base, reader, ping, sessions[0]).status_code == 404
        assert [mcp_post(base, reader, ping, s).status_code for s in sessions[-4:]] == [200] * 4
        # ...and another principal still opens a session, with the Python client.
        async with client_session(base, "streamable_http", token=OPS_TOKEN) as s:
            await s.initialize()
            stored = structured(await s.call_tool("execute_pattern", {"query": "remember that ops got in"}))
            assert stored["success"] is True


def test_a_chunked_body_over_the_limit_is_413_saying_so(tmp_path):
    with http_server(tmp_path) as base:
        def chunks():
            yield b'{"jsonrpc":"2.0","id":1,"method":"ping","pad":"'
            for _ in range(64):
                yield b"x" * (32 * 1024)
            yield b'"}'
        try:
            response = httpx2.post(f"{base}/mcp", content=chunks(),
                                   headers={**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"})
        except httpx2.HTTPError as e:  # the server may close before the whole body is sent
            pytest.fail(f"expected a 413 answer, got {e!r}")
        assert response.status_code == 413
        assert response.json() == {"error": "payload_too_large",
                                   "message": "the request body is larger than the limit of 1048576 bytes"}


def test_malformed_bodies_on_mcp_are_400_with_the_json_rpc_error_and_the_id(tmp_path):
    headers = {**MCP_HEADERS, "Authorization": f"Bearer {TOKEN}"}
    with http_server(tmp_path) as base:
        cases = [
            (b'{"jsonrpc":"2.0","id":7,"method":', 7, -32700),
            (b'{"jsonrpc":"2.0","id":8,"method":"ping","params":{"x":"\xff\xfe"}}', 8, -32700),
            (b'[{"jsonrpc":"2.0","id":9,"method":"ping"}]', None, -32600),
            (b'{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"stats","arguments":"x"}}',
             11, -32602),
        ]
        for body, id_, code in cases:
            response = httpx2.post(f"{base}/mcp", content=body, headers=headers)
            assert response.status_code == 400, (body, response.status_code, response.text)
            answer = response.json()
            assert (answer["id"], answer["error"]["code"]) == (id_, code), (body, answer)


STATELESS_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "e2e", "version": "0"}}


def sleep_call(id, ms, stateless=False):
    """`execute_pattern` calling the test server's `sleep`, uncached."""
    params = {"name": "execute_pattern", "arguments": {
        "query": "call tool slow.sleep", "context": {"arguments": {"ms": ms}}, "use_cache": False}}
    if stateless:
        params["_meta"] = STATELESS_META
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params}


def slept(answer, ms):
    """Whether a JSON-RPC answer is the successful result of `sleep_call(…, ms)`."""
    result = answer.get("result", {}).get("structuredContent", {})
    return result.get("success") is True and f"slept {ms} ms" in json.dumps(result.get("result"))


def test_sigterm_lets_the_calls_in_flight_answer_on_every_wire(tmp_path):
    """SIGTERM while tool calls run: each call still gets its answer (2026-07-28 stateless, 2025-06-18
    sessions, legacy SSE), the server exits 0 within the grace period and logs no error. Before, the
    stateless calls were cancelled (500 "empty response") and their answers lost."""
    servers = tmp_path / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {"slow": {"command": built_test_server()}}}))
    ms = 3000
    auth = {"Authorization": f"Bearer {TOKEN}"}
    stateless_headers = {**MCP_HEADERS, **auth, "Mcp-Protocol-Version": "2026-07-28",
                         "Mcp-Method": "tools/call", "Mcp-Name": "execute_pattern"}
    with http_process(tmp_path, "--servers", str(servers)) as (base, proc):
        # The downstream server is up before anything is timed.
        warm = httpx2.post(f"{base}/mcp", json=sleep_call(1, 1, stateless=True), headers=stateless_headers,
                           timeout=30)
        assert slept(warm.json(), 1), warm.text
        session = open_raw_session(base, TOKEN)
        with httpx2.Client(timeout=30) as sse_client_http, \
                sse_client_http.stream("GET", f"{base}/sse", headers=auth) as stream:
            events = (line[len("data:"):].strip() for line in stream.iter_lines() if line.startswith("data:"))
            endpoint = next(events)

            def post_sse(message):
                status = httpx2.post(f"{base}{endpoint}", json=message, headers=auth).status_code
                assert status == 202, status

            post_sse({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "e2e", "version": "0"}}})
            assert json.loads(next(events))["id"] == 1
            post_sse({"jsonrpc": "2.0", "method": "notifications/initialized"})

            def stateless(id):
                response = httpx2.post(f"{base}/mcp", json=sleep_call(id, ms, stateless=True),
                                       headers=stateless_headers, timeout=30)
                return response.status_code, response.json() if response.status_code == 200 else response.text

            def on_session(id):
                response = mcp_post(base, TOKEN, sleep_call(id, ms), session)
                return response.status_code, response.text

            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                calls = [pool.submit(stateless, 10), pool.submit(stateless, 11),
                         pool.submit(on_session, 20), pool.submit(on_session, 21)]
                post_sse(sleep_call(30, ms))
                time.sleep(1.5)
                assert all(not call.done() for call in calls), "the calls ended before the signal"
                started = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                answers = [call.result() for call in calls]
                sse_answer = json.loads(next(events))
            for status, answer in answers[:2]:
                assert status == 200 and slept(answer, ms), (status, answer)
            for status, text in answers[2:]:
                # One JSON body, or an event stream whose `data:` lines carry the answer.
                data = [line[len("data:"):] for line in text.splitlines() if line.startswith("data:")] or [text]
                assert status == 200 and any(d.strip() and slept(json.loads(d), ms) for d in data), (status, text)
            assert sse_answer["id"] == 30 and slept(sse_answer, ms), sse_answer
        code = proc.wait(timeout=20)
        assert code == 0
        assert time.monotonic() - started < 10, "the shutdown waited past the grace period"
    log = (tmp_path / "http-stderr.log").read_text()
    assert '"level":"ERROR"' not in log, log
