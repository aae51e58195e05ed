"""End-to-end over stdio: the real binary driven by the Python `mcp` client from PyPI."""

import asyncio

import pytest
from mcp.shared.exceptions import MCPError

from conftest import error_text, mcp_session, structured

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore:The logging capability is deprecated")]


async def execute(session, query, **kwargs):
    return await session.call_tool("execute_pattern", {"query": query, **kwargs})


async def test_tools_list_has_three_tools_with_schemas_and_annotations(tmp_path):
    async with mcp_session(tmp_path) as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert set(tools) == {"execute_pattern", "route_query", "stats"}
        ex = tools["execute_pattern"]
        assert ex.input_schema["type"] == "object"
        assert "query" in ex.input_schema["required"]
        assert set(ex.input_schema["properties"]) == {
            "query", "execution_mode", "context", "use_cache", "namespace", "idempotency_key", "explain"}
        assert ex.output_schema["type"] == "object"
        assert "tokens_used" in ex.output_schema["properties"]
        assert ex.annotations.read_only_hint is False
        assert ex.annotations.open_world_hint is True
        for name in ("route_query", "stats"):
            assert tools[name].annotations.read_only_hint is True
            assert tools[name].annotations.idempotent_hint is True
            assert tools[name].output_schema["type"] == "object"
        assert len(ex.description) > 100


async def test_store_then_recall_finds_the_memory(tmp_path):
    async with mcp_session(tmp_path) as s:
        stored = structured(await execute(s, "remember that the staging database listens on port 5433"))
        assert stored["success"] is True
        assert stored["pattern_name"] == "store_memory"
        assert stored["pattern_type"] == "memory"
        assert stored["result"]["stored"]["content"] == "the staging database listens on port 5433"
        recalled = structured(await execute(s, "what did we note about the staging database port?"))
        assert recalled["success"] is True
        assert recalled["pattern_type"] == "memory"
        contents = [m["content"] for m in recalled["result"]["memories"]]
        assert contents[0] == "the staging database listens on port 5433"
        assert recalled["tokens_used"] > 0
        assert recalled["routing"]["route"] == "memory"


async def test_repeat_is_a_cache_hit_and_use_cache_false_bypasses_it(tmp_path):
    async with mcp_session(tmp_path) as s:
        await execute(s, "remember that backups run at 02:00 UTC")
        first = structured(await execute(s, "what did we note about backups?"))
        assert first["cache_hit"] is False
        second = structured(await execute(s, "what did we note about backups?"))
        assert second["cache_hit"] is True
        assert second["cache_tier"] == "local"
        assert second["result"] == first["result"]
        assert second["request_id"] != first["request_id"]
        bypass = structured(await execute(s, "what did we note about backups?", use_cache=False))
        assert bypass["cache_hit"] is False
        assert bypass["cache_tier"] is None


async def test_write_invalidates_a_cached_recall(tmp_path):
    async with mcp_session(tmp_path) as s:
        await execute(s, "remember that the deploy window is Tuesday")
        before = structured(await execute(s, "what did we note about the deploy window?"))
        assert before["result"]["count"] == 1
        assert structured(await execute(s, "what did we note about the deploy window?"))["cache_hit"] is True
        await execute(s, "remember that the deploy window moved to Thursday")
        after = structured(await execute(s, "what did we note about the deploy window?"))
        assert after["cache_hit"] is False
        assert after["result"]["count"] == 2


async def test_namespaces_are_isolated(tmp_path):
    async with mcp_session(tmp_path) as s:
        await execute(s, "remember that the api key rotates monthly", namespace="team-a")
        other = structured(await execute(s, "what did we note about the api key?", namespace="team-b"))
        assert other["success"] is True
        assert other["result"]["count"] == 0
        same = structured(await execute(s, "what did we note about the api key?", namespace="team-a"))
        assert same["result"]["count"] == 1


async def test_route_query_explains_without_executing(tmp_path):
    async with mcp_session(tmp_path) as s:
        decision = structured(await s.call_tool("route_query", {"query": "remember that lunch is at noon"}))
        assert decision["route"] == "memory"
        assert decision["pattern"]["name"] == "store_memory"
        assert decision["pattern"]["matched_by"] == "regex"
        assert decision["cache"]["cacheable"] is False
        assert 0 < decision["confidence"] <= 1
        stats = structured(await s.call_tool("stats", {}))
        assert stats["executions"]["total"] == 0
        assert stats["memory"]["total_memories"] == 0


async def test_stats_count_executions_and_cache_hits(tmp_path):
    async with mcp_session(tmp_path) as s:
        await execute(s, "remember that the on-call phone is in the drawer")
        for _ in range(3):
            await execute(s, "what did we note about the on-call phone?")
        stats = structured(await s.call_tool("stats", {}))
        assert stats["executions"]["total"] == 4
        assert stats["executions"]["by_pattern"]["store_memory"] == 1
        assert stats["cache"]["local"]["hits"] == 2
        assert stats["memory"]["backend"] == "sqlite"
        assert stats["memory"]["total_memories"] == 1
        assert stats["latency_ms"]["memory"]["p50"] > 0
        assert stats["tokens"]["total"] > 0


@pytest.mark.parametrize(
    "arguments, field, words",
    [
        ({}, "query", "required"),
        ({"query": 42}, "query", "string"),
        ({"query": "   "}, "query", "empty"),
        ({"query": "x" * 4097}, "query", "4096"),
        ({"query": "a" * (1 << 20)}, "query", "4096"),
        ({"query": "abc\u0000def"}, "query", "control"),
        ({"query": "abc\u001b[31m"}, "query", "control"),
        ({"query": "x", "execution_mode": "turbo"}, "execution_mode", "balanced"),
        ({"query": "x", "execution_mode": 3}, "execution_mode", "string"),
        ({"query": "x", "namespace": "a b"}, "namespace", "A-Za-z0-9"),
        ({"query": "x", "namespace": "n" * 65}, "namespace", "64"),
        ({"query": "x", "use_cache": "yes"}, "use_cache", "boolean"),
        ({"query": "x", "context": "nope"}, "context", "object"),
        ({"query": "x", "context": {"blob": "z" * 20000}}, "context", "16384"),
        ({"query": "x", "context": {"arguments": []}}, "context.arguments", "object"),
        ({"query": "x", "surprise": 1}, "surprise", "unknown field"),
    ],
)
async def test_bad_inputs_are_tool_errors_naming_field_and_rule(tmp_path, arguments, field, words):
    async with mcp_session(tmp_path) as s:
        text = error_text(await s.call_tool("execute_pattern", arguments))
        assert f"`{field}`" in text, text
        assert words in text, text
        assert len(text) < 500, "the error must not echo a huge value"
        # Nothing was executed or stored.
        stats = structured(await s.call_tool("stats", {}))
        assert stats["executions"]["total"] == 0


async def test_unknown_tool_is_a_protocol_error(tmp_path):
    async with mcp_session(tmp_path) as s:
        with pytest.raises(MCPError) as err:
            await s.call_tool("no_such_tool", {})
        assert err.value.code == -32602
        assert "no_such_tool" in err.value.message


async def test_infrastructure_without_servers_fails_clearly(tmp_path):
    async with mcp_session(tmp_path) as s:
        result = await execute(s, "call tool time.get_current_time")
        assert result.is_error is True
        data = structured(result)
        assert data["success"] is False
        assert data["pattern_name"] == "call_tool"
        assert "time" in data["error"]


async def test_hybrid_without_servers_reports_the_missing_side(tmp_path):
    async with mcp_session(tmp_path) as s:
        await execute(s, "remember that the cache hit rate was 82% last week")
        data = structured(await execute(s, "analyze the cache hit rate"))
        assert data["pattern_type"] == "hybrid"
        assert data["success"] is True
        assert data["metadata"]["infrastructure"]["available"] is False
        assert data["metadata"]["memory"]["available"] is True
        assert data["result"]["memory"]["count"] >= 1


async def test_logging_set_level_is_honoured(tmp_path):
    received = []

    async def on_log(params):
        received.append(params)

    async with mcp_session(tmp_path, logging_callback=on_log) as s:
        await execute(s, "remember that nothing is sent before setLevel")
        assert received == []
        await s.set_logging_level("info")
        data = structured(await execute(s, "remember that logs are kept 30 days"))
        for _ in range(50):
            if received:
                break
            await asyncio.sleep(0.02)
        assert len(received) == 1
        assert received[0].logger == "pattern_mcp.execution"
        assert received[0].data["request_id"] == data["request_id"]
        await s.set_logging_level("error")
        await execute(s, "remember that info is now filtered out")
        await asyncio.sleep(0.1)
        assert len(received) == 1
