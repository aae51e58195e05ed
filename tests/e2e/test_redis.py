"""Two pattern-mcp processes behind one Redis and one PostgreSQL: they share cached results, and a write on one is
seen by the other's next recall once the documented staleness bound has passed, even when the other holds the old
recall in its own tier. Needs Redis (PATTERN_MCP_TEST_REDIS_URL, default redis://127.0.0.1:6379) and PostgreSQL."""

import os
import socket
import time
import uuid
from contextlib import AsyncExitStack
from urllib.parse import urlparse

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import DATABASE, binary, structured

REDIS = os.environ.get("PATTERN_MCP_TEST_REDIS_URL", "redis://127.0.0.1:6379")
# The default heartbeat is 100 ms and the bound five heartbeats (ARCHITECTURE.md, crates/cache).
STALENESS_BOUND_S = 0.5


def require_redis():
    url = urlparse(REDIS)
    try:
        socket.create_connection((url.hostname, url.port or 6379), timeout=2).close()
    except OSError as e:
        pytest.fail(f"Redis is not reachable at {REDIS} ({e}): start it with `redis-server --daemonize yes` "
                    "(tools/test.sh does this), or point PATTERN_MCP_TEST_REDIS_URL at one")


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:The logging capability is deprecated")
async def test_two_instances_share_results_and_a_write_on_one_reaches_the_others_recall(schema, tmp_path):
    require_redis()
    memory = DATABASE + ("&" if "?" in DATABASE else "?") + f"schema={schema}"
    namespace = f"e2e-{uuid.uuid4().hex[:12]}"  # keys of earlier runs on this Redis never match
    async with AsyncExitStack() as stack:
        sessions = []
        for name in ("a", "b"):
            params = StdioServerParameters(command=binary(), args=["--memory", memory, "--redis", REDIS],
                                           env={"RUST_LOG": "warn"})
            errlog = stack.enter_context(open(tmp_path / f"{name}.log", "w"))
            read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            sessions.append(session)
        a, b = sessions

        async def run(session, query):
            result = structured(await session.call_tool("execute_pattern", {"query": query, "namespace": namespace}))
            assert result["success"], result
            return result

        await run(a, "remember that the VPN gateway is vpn-2")
        ask = "what did we note about the VPN gateway?"
        first = await run(b, ask)
        assert first["cache_hit"] is False and first["result"]["count"] == 1, first
        shared = await run(a, ask)
        assert shared["cache_tier"] == "redis", shared  # B's result, through Redis
        local = await run(b, ask)
        assert local["cache_tier"] == "local", local  # B holds the old recall in its own tier

        await run(a, "remember that the VPN gateway moved to vpn-3 on Monday")
        time.sleep(STALENESS_BOUND_S)
        after = await run(b, ask)
        assert after["cache_hit"] is False, after
        contents = sorted(m["content"] for m in after["result"]["memories"])
        assert contents == ["the VPN gateway is vpn-2", "the VPN gateway moved to vpn-3 on Monday"], contents
