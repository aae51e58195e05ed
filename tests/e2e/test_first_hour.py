"""What a new user meets in the first hour: /readyz lists the downstream servers, `exec` takes a context and
refuses serving flags, a one-shot `exec` does not pay the tokenizer build inside its execution time, and no file of
the repository refers to anything outside it."""

import json
import os
import subprocess
import time

import httpx2

from conftest import ROOT, binary
from test_downstream import VENV_BIN
from test_http import http_server


def test_readyz_lists_each_downstream_server_with_its_state(tmp_path):
    config = tmp_path / "pattern-mcp.toml"
    config.write_text(
        "[servers.time]\n"
        f'command = "{VENV_BIN / "python"}"\n'
        'args = ["-m", "mcp_server_time", "--local-timezone", "UTC"]\n'
        "[servers.broken]\n"
        'command = "false"\n'
        "[servers.off]\n"
        'command = "false"\n'
        "enabled = false\n"
    )
    with http_server(tmp_path, "--config", str(config)) as base:
        deadline = time.monotonic() + 60
        while True:
            body = httpx2.get(f"{base}/readyz").json()
            servers = {s["name"]: s for s in body["components"]["downstream"]}
            if servers.get("time", {}).get("status") == "up" or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert set(servers) == {"time", "broken", "off"}, body
        assert servers["time"]["status"] == "up", body
        assert servers["broken"]["status"] == "down" and servers["broken"]["detail"], body
        assert servers["off"]["status"] == "disabled", body
        # A downstream server that is down does not make the instance unready.
        assert body["status"] == "ready"


def run(*args, env=None):
    return subprocess.run(
        [binary(), "--memory", "sqlite::memory:", *args],
        capture_output=True, text=True, timeout=60, env={**os.environ, "RUST_LOG": "warn", **(env or {})},
    )


def test_exec_passes_context_and_explain_to_the_tool():
    result = run("exec", "remember that the VPN gateway is vpn-2", "--json", "--explain",
                 "--context", '{"tags": ["network"], "importance": 0.9}')
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["result"]["stored"]["tags"] == ["network"]
    assert answer["result"]["stored"]["importance"] == 0.9
    assert "reasoning" in answer["routing"], "explain gives the whole routing decision"
    bad = run("exec", "hello", "--context", "[1, 2]")
    assert bad.returncode == 1
    assert "invalid argument `context`: must be an object" in bad.stderr


def test_serving_flags_on_exec_are_refused_not_ignored():
    result = run("exec", "hello", "--http", "127.0.0.1:9")
    assert result.returncode == 2
    assert "--http configures serving; `pattern-mcp exec` does not serve" in result.stderr
    # From the environment the variable may be meant for a server: exec runs.
    from_env = run("exec", "remember that env is fine", env={"PATTERN_MCP_HTTP": "127.0.0.1:9"})
    assert from_env.returncode == 0, from_env.stderr


def test_a_one_shot_exec_does_not_count_the_tokenizer_build_as_execution_time():
    started = time.monotonic()
    result = run("exec", "remember that the first call is fast", "--json")
    wall_ms = (time.monotonic() - started) * 1000
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    # The process's wall time includes building the BPE tables (most of it); a store into an in-memory
    # SQLite is a small part. A ratio, not a bound, so a loaded machine slows both sides alike.
    assert answer["execution_time_ms"] < wall_ms / 2, (answer["execution_time_ms"], wall_ms)


def test_tokens_used_is_the_token_count_of_the_text_the_client_receives():
    result = run("exec", "remember that tokens are honest", "--json")
    answer = json.loads(result.stdout)
    compact = json.dumps(answer, separators=(",", ":"), ensure_ascii=False)
    # o200k_base needs a tokenizer this test does not have; a JSON text of this size is several times
    # more characters than tokens, and the old count (the result object alone) was under a third of it.
    assert len(compact) / 6 < answer["tokens_used"] < len(compact) / 2, (answer["tokens_used"], len(compact))
