"""The binary with the PostgreSQL memory store: exec store then recall, and a server that cannot be reached."""

import json
import os
import subprocess

import pytest

from conftest import DATABASE, binary

SERVER = DATABASE


def with_options(url, options):
    return url + ("&" if "?" in url else "?") + options


def run_cli(memory, *args):
    return subprocess.run([binary(), "--memory", memory, *args], capture_output=True, text=True, timeout=60)


def test_exec_stores_then_recalls_through_postgres(schema):
    memory = with_options(SERVER, f"schema={schema}")
    stored = run_cli(memory, "exec", "remember that the VPN gateway is vpn-2", "--json")
    if stored.returncode != 0 and "unavailable" in stored.stderr + stored.stdout:
        pytest.fail("PostgreSQL test server unreachable: start it with "
                    "`pg_ctlcluster $(ls /etc/postgresql) main start`\n" + stored.stderr)
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["pattern_name"] == "store_memory"
    recalled = run_cli(memory, "exec", "what did we note about the VPN gateway?", "--json")
    assert recalled.returncode == 0, recalled.stderr
    body = json.loads(recalled.stdout)
    assert body["result"]["memories"][0]["content"] == "the VPN gateway is vpn-2"


def test_unreachable_postgres_still_starts_and_names_the_store_not_the_url():
    # Nothing listens on port 1: connections are refused at once.
    memory = "postgres://app:s3cret@127.0.0.1:1/memory?connect_timeout_s=1"
    route = run_cli(memory, "route", "kubectl get pods -n payments", "--json")
    assert route.returncode == 0, route.stderr
    assert json.loads(route.stdout)["route"] == "infrastructure"
    stored = run_cli(memory, "exec", "remember that the VPN gateway is vpn-2", "--json")
    out = stored.stdout + stored.stderr
    assert "memory store `postgres` is unavailable" in out, out
    assert "s3cret" not in out and "127.0.0.1" not in out, out


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:The logging capability is deprecated")
async def test_a_keyed_store_over_tls_replays_instead_of_writing_twice(schema, tmp_path):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    memory = with_options(SERVER, f"schema={schema}&sslmode=require")
    params = StdioServerParameters(command=binary(), args=["--memory", memory], env={"RUST_LOG": "warn"})
    args = {"query": "remember that the VPN gateway is vpn-2", "idempotency_key": "standup-42"}
    with open(tmp_path / "stderr.log", "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                first = (await session.call_tool("execute_pattern", args)).structured_content
                assert first["success"], first
                assert "idempotent_replay" not in first["metadata"]
                again = (await session.call_tool("execute_pattern", args)).structured_content
                assert again["success"], again
                assert again["metadata"]["idempotent_replay"] is True
                assert again["result"]["stored"]["id"] == first["result"]["stored"]["id"]
                clash = {**args, "query": "remember that the VPN gateway is vpn-3"}
                refused = (await session.call_tool("execute_pattern", clash)).structured_content
                assert refused["metadata"]["error_reason"] == "idempotency_conflict", refused
    rows = subprocess.run(["psql", SERVER, "-qAtc", f'SELECT count(*) FROM "{schema}".memories'],
                          capture_output=True, text=True, timeout=60)
    assert rows.stdout.strip() == "1", rows
