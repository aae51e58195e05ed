"""Shared fixtures of the end-to-end tests: the built binary and an MCP session over stdio."""

import json
import os
import pathlib
import socket
import subprocess
import uuid
from contextlib import asynccontextmanager

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = pathlib.Path(__file__).resolve().parents[2]

# docs/CONTRACT.md §11: every metric family a scrape of /metrics must carry.
FAMILIES = frozenset({
    "pattern_executions_total",
    "pattern_execution_duration_seconds",
    "pattern_tokens_total",
    "pattern_cache_requests_total",
    "pattern_route_decisions_total",
    "pattern_downstream_calls_total",
    "pattern_downstream_call_duration_seconds",
    "pattern_memory_query_duration_seconds",
    "pattern_redis_up",
    "pattern_redis_configured",
})


DATABASE = os.environ.get("PATTERN_MCP_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture
def schema():
    """A PostgreSQL schema of the test's own, dropped afterwards."""
    name = f"pmcp_e2e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["psql", DATABASE, "-qAtc", f'DROP SCHEMA IF EXISTS "{name}" CASCADE'],
                   capture_output=True, timeout=60)


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary() -> str:
    path = os.environ.get("PATTERN_MCP_BIN", str(ROOT / "target" / "debug" / "pattern-mcp"))
    if not os.path.exists(path):
        pytest.fail(f"pattern-mcp binary not found at {path}: run `cargo build -p pattern-mcp` or set PATTERN_MCP_BIN")
    return path


def built_test_server() -> str:
    """`pattern-test-server`, built beside the pattern-mcp binary by `cargo build` of the workspace."""
    path = pathlib.Path(binary()).parent / "pattern-test-server"
    if not path.exists():
        pytest.fail(f"pattern-test-server not found at {path}: run `cargo build -p pattern-test-server`")
    return str(path)


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def bin_path():
    return binary()


@asynccontextmanager
async def mcp_session(tmp_path, *extra_args, env=None, logging_callback=None):
    """An initialised client session with a fresh SQLite memory under tmp_path."""
    params = StdioServerParameters(
        command=binary(),
        args=["--memory", f"sqlite:{tmp_path}/memory.db", *extra_args],
        env={"RUST_LOG": "warn", **(env or {})},
    )
    errlog = open(tmp_path / "stderr.log", "w")
    try:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write, logging_callback=logging_callback) as session:
                await session.initialize()
                yield session
    finally:
        errlog.close()


def structured(result):
    """The structured content of a tool result, checked against its text twin."""
    assert result.structured_content is not None, result
    text = result.content[0].text
    assert json.loads(text) == result.structured_content
    return result.structured_content


def error_text(result):
    assert result.is_error is True, result
    return result.content[0].text
