"""The binary as a process: junk on stdin, EOF, SIGTERM, stdout carrying protocol only, the CLI."""

import json
import os
import signal
import subprocess
import time

from conftest import binary

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}},
}


def spawn(tmp_path):
    return subprocess.Popen(
        [binary(), "--memory", f"sqlite:{tmp_path}/m.db"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "RUST_LOG": "info"},
    )


def send(proc, msg):
    line = msg if isinstance(msg, str) else json.dumps(msg)
    proc.stdin.write((line + "\n").encode())
    proc.stdin.flush()


def read_response(proc, want_id, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        assert line, "server closed stdout"
        msg = json.loads(line)  # every stdout line must be JSON-RPC
        assert msg.get("jsonrpc") == "2.0", msg
        if msg.get("id") == want_id:
            return msg
    raise AssertionError(f"no response with id {want_id}")


def handshake(proc):
    send(proc, INIT)
    assert "result" in read_response(proc, 1)
    send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})


def test_server_survives_junk_lines_and_keeps_answering(tmp_path):
    proc = spawn(tmp_path)
    try:
        handshake(proc)
        for junk in ["this is not json", "{", "[]", '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":9,"method":"no/such"}']:
            send(proc, junk)
        send(proc, {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                    "params": {"name": "execute_pattern", "arguments": {"query": "remember that junk is ignored"}}})
        reply = read_response(proc, 2)
        assert reply["result"]["structuredContent"]["success"] is True
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_exits_cleanly_on_stdin_eof(tmp_path):
    proc = spawn(tmp_path)
    handshake(proc)
    proc.stdin.close()
    assert proc.wait(timeout=10) == 0
    rest = proc.stdout.read().decode()
    for line in filter(None, rest.splitlines()):
        assert json.loads(line)["jsonrpc"] == "2.0"


def test_exits_cleanly_on_sigterm_and_logs_json_to_stderr(tmp_path):
    proc = spawn(tmp_path)
    handshake(proc)
    send(proc, {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                "params": {"name": "execute_pattern", "arguments": {"query": "remember that sigterm is handled"}}})
    result = read_response(proc, 3)["result"]["structuredContent"]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    lines = [json.loads(l) for l in proc.stderr.read().decode().splitlines() if l.strip()]
    executions = [l for l in lines if l.get("message") == "execution"]
    assert len(executions) == 1
    log = executions[0]
    assert log["request_id"] == result["request_id"]
    assert log["pattern"] == "store_memory"
    assert log["route"] == "memory"
    assert log["outcome"] == "success"
    assert log["tokens"] == result["tokens_used"]
    assert "duration_ms" in log and "cache_tier" in log


def run_cli(tmp_path, *args):
    return subprocess.run(
        [binary(), "--memory", f"sqlite:{tmp_path}/cli.db", *args],
        capture_output=True, text=True, timeout=60,
    )


def test_cli_exec_then_route_and_recall(tmp_path):
    stored = run_cli(tmp_path, "exec", "remember that the VPN gateway is vpn-2", "--json")
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["pattern_name"] == "store_memory"
    recalled = run_cli(tmp_path, "exec", "what did we note about the VPN gateway?", "--json")
    assert recalled.returncode == 0, recalled.stderr
    body = json.loads(recalled.stdout)
    assert body["result"]["memories"][0]["content"] == "the VPN gateway is vpn-2"
    route = run_cli(tmp_path, "route", "kubectl get pods -n payments", "--json")
    assert route.returncode == 0
    assert json.loads(route.stdout)["classified_route"] == "infrastructure"
    human = run_cli(tmp_path, "route", "remember that tea is at four")
    assert "store_memory" in human.stdout


def test_cli_output_cut_short_by_its_reader_is_not_a_crash(tmp_path):
    """`pattern-mcp exec … | head -c 1`: the reader leaves early; the command still exits cleanly."""
    for args in (["exec", "list the pods in payments", "--json"], ["route", "what did we decide?", "--json"]):
        proc = subprocess.Popen(
            [binary(), "--memory", f"sqlite:{tmp_path}/cli.db", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        proc.stdout.close()  # the reader is gone before the first byte is written
        _, stderr = proc.communicate(timeout=60)
        assert b"panicked" not in stderr, stderr
        assert proc.returncode in (0, 1), (proc.returncode, stderr)


def test_cli_rejects_bad_input_with_the_rule(tmp_path):
    bad = run_cli(tmp_path, "exec", "x", "--namespace", "no spaces")
    assert bad.returncode == 1
    assert "namespace" in bad.stderr
    mode = run_cli(tmp_path, "route", "x", "--mode", "turbo")
    assert mode.returncode != 0
    assert "turbo" in mode.stderr


def test_check_reports_invalid_patterns_with_file_and_line(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('[[pattern]]\nname = "deploy_notes"\ntype = "memory"\ntrigger = \'(?i)deploy notes\'\n[pattern.memory]\nop = "search"\n')
    ok = run_cli(tmp_path, "--patterns", str(good), "check")
    assert ok.returncode == 0, ok.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text('[[pattern]]\nname = "fine"\ntype = "memory"\ntrigger = "fine"\n[pattern.memory]\nop = "search"\n\n'
                   '[[pattern]]\nname = "broken"\ntype = "memory"\ntrigger = "(unclosed"\n[pattern.memory]\nop = "search"\n')
    res = run_cli(tmp_path, "--patterns", str(bad), "check")
    assert res.returncode == 1
    assert f"{bad}:8" in res.stderr, res.stderr
    assert "broken" in res.stderr
    strict = subprocess.run([binary(), "--memory", "sqlite::memory:", "--patterns", str(bad), "--strict"],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert strict.returncode == 1
    assert "broken" in strict.stderr
