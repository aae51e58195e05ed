"""End-to-end over HTTP: the real binary with `--http`, driven by the Python `mcp` client over
Streamable HTTP and legacy SSE with a bearer token; every stdio check runs again over both."""

import functools
import inspect
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
from conftest import FAMILIES, binary, free_port, structured

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore:The logging capability is deprecated")]

TOKEN = "e2e-http-token-0123456789"
TRANSPORTS = ["streamable_http", "sse"]


@contextmanager
def http_server(tmp_path, *extra_args):
    """The binary serving HTTP on a free loopback port with a fresh SQLite memory; yields its base URL.
    On exit it is sent SIGTERM and must stop gracefully with status 0."""
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
        yield base
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
