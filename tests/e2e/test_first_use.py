"""First use, end to end: the default setup (SQLite in a temp dir, no downstream servers) answers questions about what was stored."""

import json
import subprocess

import pytest

from conftest import binary, mcp_session, structured

pytestmark = [pytest.mark.anyio, pytest.mark.filterwarnings("ignore:The logging capability is deprecated")]

FACTS = [
    "remember that Alice owns the billing service",
    "remember that the staging database listens on port 5433",
    "remember that backups run every night at 02:00 UTC",
    "remember that the prod cluster is in eu-west-1, in Frankfurt",
]

# Ten wordings, written before the first run and not tuned after it.
QUESTIONS = [
    ("who owns billing?", "Alice owns the billing service"),
    ("what port does staging use?", "the staging database listens on port 5433"),
    ("staging database port", "the staging database listens on port 5433"),
    ("when do backups run?", "backups run every night at 02:00 UTC"),
    ("where is the prod cluster?", "the prod cluster is in eu-west-1, in Frankfurt"),
    ("Who takes care of billing these days?", "Alice owns the billing service"),
    ("remind me of the port for the staging DB", "the staging database listens on port 5433"),
    ("how often are backups taken?", "backups run every night at 02:00 UTC"),
    ("in which region does the prod cluster live?", "the prod cluster is in eu-west-1, in Frankfurt"),
    ("billing service owner", "Alice owns the billing service"),
]


async def execute(session, query, **kwargs):
    return structured(await session.call_tool("execute_pattern", {"query": query, **kwargs}))


async def test_nine_of_ten_questions_about_stored_facts_are_answered_from_memory(tmp_path):
    async with mcp_session(tmp_path) as s:
        for fact in FACTS:
            assert (await execute(s, fact))["success"] is True
        misses = []
        for question, fact in QUESTIONS:
            r = await execute(s, question, explain=True)
            memories = [m["content"] for m in (r["result"] or {}).get("memories", [])]
            if not (r["success"] and r["routing"]["route"] == "memory" and fact in memories):
                misses.append(f"{question!r}: {r['error'] or memories} ({r['routing']['reasoning']})")
        assert len(misses) <= 1, f"{len(misses)} of 10 not answered from memory:\n" + "\n".join(misses)


async def test_route_query_says_memory_runs_because_no_server_is_configured(tmp_path):
    async with mcp_session(tmp_path) as s:
        await execute(s, FACTS[1])
        d = structured(await s.call_tool("route_query", {"query": "what port does staging use?"}))
        assert d["route"] == "memory"
        assert d["classified_route"] == "infrastructure"
        assert "no downstream MCP server is configured" in d["reasoning"]


async def test_hmm_is_not_a_confident_action(tmp_path):
    async with mcp_session(tmp_path) as s:
        for query in ("hmm", "asdf", "ok", "?"):
            d = structured(await s.call_tool("route_query", {"query": query}))
            assert d["confidence"] <= 0.5, (query, d)
            assert d["classified_route"] != "infrastructure", (query, d)
        r = await execute(s, "hmm")
        assert r["success"] is False
        assert "nothing to do" in r["error"]


async def test_with_nothing_stored_and_no_server_the_error_says_what_to_configure(tmp_path):
    async with mcp_session(tmp_path) as s:
        r = await execute(s, "who owns billing?", namespace="fresh")
        assert r["success"] is False
        assert "no downstream MCP server is configured" in r["error"]
        assert "namespace `fresh` holds no memories" in r["error"]
        assert "--servers" in r["error"] and "store something first" in r["error"]
        assert r["metadata"]["error_reason"] == "nothing_to_answer"


def test_the_cli_answers_a_question_after_remember(tmp_path):
    def cli(*args):
        return subprocess.run(
            [binary(), "--memory", f"sqlite:{tmp_path}/cli.db", *args],
            capture_output=True, text=True, timeout=60,
        )

    stored = cli("exec", "remember that Alice owns the billing service")
    assert stored.returncode == 0, stored.stdout + stored.stderr
    asked = cli("exec", "who owns billing?", "--json")
    assert asked.returncode == 0, asked.stdout + asked.stderr
    body = json.loads(asked.stdout)
    assert body["pattern_name"] == "fallback_memory"
    assert body["result"]["memories"][0]["content"] == "Alice owns the billing service"
