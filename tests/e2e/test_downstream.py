"""Downstream MCP servers through the built binary: real third-party servers (mcp-server-time from PyPI,
@modelcontextprotocol/server-everything from npm under Node 22) and `pattern-mcp check`.

Nothing here is skipped: a missing server fails, saying how to install it."""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

import anyio
import pytest

from conftest import ROOT, binary, built_test_server, free_port, mcp_session, structured

pytestmark = [pytest.mark.filterwarnings("ignore:The logging capability is deprecated")]

VENV_BIN = pathlib.Path(sys.executable).parent


def require_mcp_server_time():
    probe = subprocess.run([sys.executable, "-c", "import mcp_server_time"], capture_output=True)
    if probe.returncode != 0:
        pytest.fail(
            "mcp-server-time is not installed in the test virtualenv: "
            f"run `{sys.executable} -m pip install -r tests/requirements.txt`"
        )


def require_npx():
    if shutil.which("npx") is None:
        pytest.fail("npx not found: install Node.js (npm) so `npx -y -p node@22 …` can run server-everything")


def with_venv_path():
    """`python3` of examples/servers.json is the virtualenv's, which has mcp-server-time."""
    return {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "RUST_LOG": "warn"}


def exec_with_the_examples(tmp_path, query, timeout):
    """`pattern-mcp exec QUERY --json` with examples/servers.json and examples/patterns-tools.toml: its result."""
    run = subprocess.run(
        [
            binary(), "exec", query, "--json",
            "--servers", str(ROOT / "examples" / "servers.json"),
            "--patterns", str(ROOT / "examples" / "patterns-tools.toml"),
            "--memory", f"sqlite:{tmp_path}/memory.db",
        ],
        capture_output=True, text=True, env=with_venv_path(), timeout=timeout,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["success"] is True, result["error"]
    return result


def test_exec_answers_the_time_in_tokyo_from_mcp_server_time(tmp_path):
    require_mcp_server_time()
    result = exec_with_the_examples(tmp_path, "what is the time in Asia/Tokyo", timeout=120)
    assert result["pattern_name"] == "current_time"
    assert result["result"]["server"] == "time"
    assert result["result"]["tool"] == "get_current_time"
    answer = result["result"]["structured_content"]
    assert answer["timezone"] == "Asia/Tokyo"
    assert answer["datetime"].endswith("+09:00")


def test_check_reports_a_pattern_naming_a_tool_the_server_does_not_list(tmp_path):
    require_mcp_server_time()
    patterns = tmp_path / "patterns.toml"
    patterns.write_text(
        "[[pattern]]\nname = \"ghost\"\ntype = \"infrastructure\"\ntrigger = '^ghost$'\n"
        "[pattern.tool]\nserver = \"time\"\nname = \"no_such_tool\"\n"
    )
    servers = tmp_path / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {"time": {"command": sys.executable, "args": ["-m", "mcp_server_time"]}}}))
    run = subprocess.run(
        [binary(), "check", "--servers", str(servers), "--patterns", str(patterns), "--memory", "sqlite::memory:"],
        capture_output=True, text=True, env=with_venv_path(), timeout=120,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "pattern `ghost`: `tool.name`: server `time` has no tool `no_such_tool`" in run.stderr, run.stderr
    assert "get_current_time" in run.stderr


def test_check_reports_a_pattern_naming_an_unconfigured_server(tmp_path):
    patterns = tmp_path / "patterns.toml"
    patterns.write_text(
        "[[pattern]]\nname = \"gh\"\ntype = \"infrastructure\"\ntrigger = '^gh$'\n"
        "[pattern.tool]\nserver = \"github\"\nname = \"search\"\n"
    )
    run = subprocess.run(
        [binary(), "check", "--patterns", str(patterns), "--memory", "sqlite::memory:"],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 1
    assert "pattern `gh`: `tool.server`: unknown server `github` (no server is configured)" in run.stderr, run.stderr


def test_bad_server_config_fails_at_start_naming_the_key(tmp_path):
    servers = tmp_path / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {"x": {"command": "a", "args": "not a list"}}}))
    run = subprocess.run(
        [binary(), "check", "--servers", str(servers), "--memory", "sqlite::memory:"],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 1
    assert f"{servers}: `mcpServers.x` is not a server entry" in run.stderr, run.stderr


def test_an_entry_that_cannot_run_is_skipped_with_a_warning_and_the_rest_loads(tmp_path):
    servers = tmp_path / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {
        "both": {"command": "a", "url": "http://h/mcp"},
        "remote": {"type": "sse", "url": "http://h/sse"},
    }}))
    run = subprocess.run(
        [binary(), "check", "--servers", str(servers), "--memory", "sqlite::memory:"],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "`mcpServers.both` skipped: it has both `command` and `url`" in run.stderr, run.stderr
    assert "`mcpServers.remote` skipped" in run.stderr, run.stderr


def everything_processes():
    out = subprocess.run(["pgrep", "-f", "server-everything"], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.mark.anyio
async def test_server_everything_on_node_22_answers_call_tool_and_leaves_no_process(tmp_path):
    require_npx()
    servers = tmp_path / "servers.json"
    servers.write_text(json.dumps({"mcpServers": {"everything": {
        "command": "npx",
        "args": ["-y", "-p", "node@22", "-p", "@modelcontextprotocol/server-everything", "mcp-server-everything", "stdio"],
        "timeout_s": 300,
    }}}))
    before = set(everything_processes())
    async with mcp_session(tmp_path, "--servers", str(servers)) as session:
        # The first run downloads Node 22 and the package: wait for the server to list its tools.
        deadline = time.monotonic() + 300
        while True:
            health = structured(await session.call_tool("execute_pattern", {"query": "health check"}))
            server = health["result"]["downstream"][0]
            if server["connected"]:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"server-everything did not start within 300 s: {server['last_error']}")
            await anyio.sleep(0.5)
        assert server["tools"] > 0
        called = structured(await session.call_tool("execute_pattern", {
            "query": "call tool everything.echo",
            "context": {"arguments": {"message": "hello from pattern-mcp"}},
        }))
        assert called["success"] is True, called["error"]
        assert called["pattern_name"] == "call_tool"
        assert called["result"]["server"] == "everything"
        assert called["result"]["content"][0]["text"] == "Echo: hello from pattern-mcp"

        invalid = structured(await session.call_tool("execute_pattern", {
            "query": "call tool everything.echo", "context": {"arguments": {}},
        }))
        assert invalid["success"] is False
        assert invalid["metadata"]["error_reason"] == "invalid_arguments"
        assert "`everything.echo`" in invalid["error"] and "`message`" in invalid["error"]
    # The session is over: pattern-mcp exited and stopped its children.
    deadline = time.monotonic() + 10
    while set(everything_processes()) - before and time.monotonic() < deadline:
        await anyio.sleep(0.2)
    assert set(everything_processes()) - before == set()


def test_exec_lists_a_directory_through_the_filesystem_server_of_the_examples(tmp_path):
    """examples/servers.json's `filesystem` (@modelcontextprotocol/server-filesystem under Node 22, rooted
    at /tmp) answers the `list_directory` pattern of examples/patterns-tools.toml."""
    require_npx()
    require_mcp_server_time()
    listing = tmp_path / "listing"
    (listing / "sub").mkdir(parents=True)
    (listing / "hello.txt").write_text("hi")
    # `check` waits each server's own `timeout_s` (180 s here): npx fetches Node 22 and the server once, so the
    # one-shot `exec` below is not timed against a download on a cold cache or a loaded machine.
    subprocess.run(
        [binary(), "check", "--servers", str(ROOT / "examples" / "servers.json"), "--memory", "sqlite::memory:"],
        capture_output=True, env=with_venv_path(), timeout=400,
    )
    result = exec_with_the_examples(tmp_path, f"list the files in {listing}", timeout=400)
    assert result["pattern_name"] == "list_directory"
    assert (result["result"]["server"], result["result"]["tool"]) == ("filesystem", "list_directory")
    text = result["result"]["content"][0]["text"]
    assert "[FILE] hello.txt" in text and "[DIR] sub" in text, text


@pytest.mark.anyio
async def test_server_everything_over_streamable_http_is_called_by_url(tmp_path):
    """A remote downstream server: server-everything in its Streamable HTTP mode, configured by `url`."""
    require_npx()
    port = free_port()
    log = open(tmp_path / "everything.log", "w")
    everything = subprocess.Popen(
        ["npx", "-y", "-p", "node@22", "-p", "@modelcontextprotocol/server-everything",
         "mcp-server-everything", "streamableHttp"],
        env={**os.environ, "PORT": str(port)}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if everything.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(f"server-everything (streamableHttp) did not listen on {port}: "
                                f"{(tmp_path / 'everything.log').read_text()[-2000:]}")
                await anyio.sleep(0.5)
        servers = tmp_path / "servers.json"
        servers.write_text(json.dumps({"mcpServers": {"remote": {
            "url": f"http://127.0.0.1:{port}/mcp", "headers": {"X-Test": "e2e"}, "timeout_s": 30,
        }}}))
        async with mcp_session(tmp_path, "--servers", str(servers)) as session:
            deadline = time.monotonic() + 60
            while True:
                health = structured(await session.call_tool("execute_pattern", {"query": "health check"}))
                server = health["result"]["downstream"][0]
                if server["connected"] or time.monotonic() > deadline:
                    break
                await anyio.sleep(0.3)
            assert server["connected"], server
            assert server.get("pid") is None, "an HTTP server has no child process of ours"
            called = structured(await session.call_tool("execute_pattern", {
                "query": "call tool remote.echo",
                "context": {"arguments": {"message": "over http"}},
            }))
            assert called["success"] is True, called["error"]
            assert called["result"]["server"] == "remote"
            assert called["result"]["content"][0]["text"] == "Echo: over http"

            # The remote server dies: the next call fails with an error naming it, and nothing hangs.
            os.killpg(everything.pid, signal.SIGTERM)
            everything.wait(timeout=10)
            with anyio.fail_after(60):
                failed = structured(await session.call_tool("execute_pattern", {
                    "query": "call tool remote.echo",
                    "context": {"arguments": {"message": "anyone?"}},
                    "use_cache": False,
                }))
            assert failed["success"] is False
            assert "`remote`" in failed["error"], failed["error"]
    finally:
        if everything.poll() is None:
            os.killpg(everything.pid, signal.SIGKILL)
            everything.wait()
        log.close()


async def time_calls(tmp_path, config_text, count):
    """`call tool time.get_current_time` `count` times through the binary with `config_text` as its config file."""
    config = tmp_path / "pattern-mcp.toml"
    config.write_text(config_text)
    async with mcp_session(tmp_path, "--config", str(config)) as session:
        deadline = time.monotonic() + 120
        while not structured(await session.call_tool("execute_pattern", {"query": "health check"}))["result"]["downstream"][0]["connected"]:
            if time.monotonic() > deadline:
                pytest.fail("mcp-server-time did not start within 120 s")
            await anyio.sleep(0.2)
        return [
            structured(await session.call_tool("execute_pattern", {
                "query": "call tool time.get_current_time", "context": {"arguments": {"timezone": "UTC"}},
                "explain": True,  # the reason a result was not cached is part of the explanation
            }))
            for _ in range(count)
        ]


TIME_SERVER = f'[servers.time]\ncommand = {json.dumps(sys.executable)}\nargs = ["-m", "mcp_server_time"]\n'


@pytest.mark.anyio
async def test_a_read_only_tool_is_called_every_time_unless_the_operator_sets_a_ttl(tmp_path):
    require_mcp_server_time()
    plain = await time_calls(tmp_path, TIME_SERVER, 3)
    assert [r["success"] for r in plain] == [True] * 3, [r["error"] for r in plain]
    assert [r["cache_hit"] for r in plain] == [False] * 3
    assert {r["metadata"]["not_cached_because"] for r in plain} == {"tool_not_opted_in"}
    assert plain[0]["routing"]["cache"]["cacheable"] is False

    opted_in = await time_calls(tmp_path, TIME_SERVER + "cache_ttl_s = 30\n", 2)
    assert [r["cache_hit"] for r in opted_in] == [False, True]
    assert opted_in[0]["result"] == opted_in[1]["result"]


def test_a_child_flooding_its_stderr_leaves_a_bounded_log_with_a_count_of_what_was_dropped(tmp_path):
    config = tmp_path / "pattern-mcp.toml"
    config.write_text(
        f"[servers.flood]\ncommand = {json.dumps(built_test_server())}\n"
        'env = { TEST_SERVER_STDERR_LINES = "200000" }\n'
    )
    run = subprocess.run(
        [binary(), "check", "--config", str(config), "--memory", "sqlite::memory:"],
        capture_output=True, text=True, env={**os.environ, "RUST_LOG": "info"}, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    events = [json.loads(line) for line in run.stderr.splitlines()]
    ours = [e for e in events if e.get("server") == "flood"]
    forwarded = [e for e in ours if e["message"].startswith("stderr: ")]
    summaries = [e for e in ours if e["message"].startswith("stderr lines dropped")]
    # 200,002 lines written (`started`, the flood, `flood done`): at most the burst of 200 plus 20 a second.
    assert 200 <= len(forwarded) <= 400, len(forwarded)
    assert len(forwarded) + sum(e["dropped"] for e in summaries) == 200_002
    assert all("over_s" in e for e in summaries) and summaries
    assert len(run.stderr) < 200_000, len(run.stderr)


@pytest.mark.anyio
async def test_a_result_over_16_mib_fails_at_once_as_result_too_large_and_the_server_goes_on(tmp_path):
    config = tmp_path / "pattern-mcp.toml"
    config.write_text(f"[servers.big]\ncommand = {json.dumps(built_test_server())}\ntimeout_s = 300\n")
    async with mcp_session(tmp_path, "--config", str(config)) as session:
        started = time.monotonic()
        too_large = structured(await session.call_tool("execute_pattern", {
            "query": "call it", "context": {"tool": "big.big", "arguments": {"bytes": 17_000_000}},
            "execution_mode": "comprehensive",
        }))
        took = time.monotonic() - started
        assert too_large["success"] is False
        assert too_large["metadata"]["error_reason"] == "result_too_large"
        assert too_large["metadata"]["retryable"] is False
        assert "`big.big` answered" in too_large["error"] and "over the limit of 16777216 bytes" in too_large["error"]
        # Neither the server's 300 s nor the mode's 30 s: the failure comes as soon as the answer is read.
        assert took < 25, took
        echo = structured(await session.call_tool("execute_pattern", {
            "query": "call it", "context": {"tool": "big.echo", "arguments": {"text": "still here"}},
        }))
        assert echo["success"] is True, echo["error"]
        assert echo["result"]["content"][0]["text"] == "still here"
        health = structured(await session.call_tool("execute_pattern", {"query": "health check"}))
        assert health["result"]["downstream"][0]["restarts"] == 0
