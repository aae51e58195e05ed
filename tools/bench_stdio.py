#!/usr/bin/env python3
"""Benchmarks of the built binary over stdio, side by side in one run.

  * start to ready: spawn → initialize answered (median of N starts)
  * idle RSS after start
  * cached execute_pattern round trip, by a minimal JSON-RPC line client and by
    the Python `mcp` client (ClientSession), median and p95
  * uncached recall round trip (`use_cache: false`, so the memory store is
    searched every time), by the line client, median and p95
  * RSS after the load

Usage: .venv/bin/python tools/bench_stdio.py [--bin target/release/pattern-mcp] [--calls 2000]
           [--memory URL --namespace NS --recall QUERY]

With `--memory` the recall runs against that store instead of a fresh SQLite
file, e.g. the 100,000 memories the PostgreSQL bench seeds:
  --memory 'postgres://postgres@127.0.0.1:5432/test?schema=pmcp_bench' --namespace team-3
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


INIT = {
    "jsonrpc": "2.0", "id": 0, "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}},
}


def spawn(binary, db, memory=None):
    return subprocess.Popen([binary, "--memory", memory or f"sqlite:{db}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "error"})


def call(proc, msg):
    proc.stdin.write((json.dumps(msg) + "\n").encode())
    proc.stdin.flush()
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("server exited")
        reply = json.loads(line)
        if reply.get("id") == msg["id"]:
            return reply


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def start_times(binary, tmp, runs):
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        p = spawn(binary, f"{tmp}/start{i}.db")
        call(p, INIT)
        times.append((time.perf_counter() - t0) * 1000)
        p.stdin.close()
        p.wait()
    return times


def tool_call(id, arguments):
    return {"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": "execute_pattern", "arguments": arguments}}


def timed(p, messages):
    times = []
    for msg in messages:
        t0 = time.perf_counter()
        reply = call(p, msg)
        times.append((time.perf_counter() - t0) * 1000)
        structured = reply["result"]["structuredContent"]
        assert structured["success"], reply
        yield times[-1], structured


def raw_round_trips(binary, tmp, calls, memory, namespace, recall):
    p = spawn(binary, f"{tmp}/raw.db", memory)
    call(p, INIT)
    p.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    p.stdin.flush()
    time.sleep(1.0)
    idle = rss_mib(p.pid)
    args = {"query": "remember that the bench database listens on port 5433"}
    call(p, {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "execute_pattern", "arguments": args}})
    q = {"query": "what did we note about the bench database port?"}
    first = call(p, {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "execute_pattern", "arguments": q}})
    assert first["result"]["structuredContent"]["success"], first
    times = []
    for took, structured in timed(p, (tool_call(10 + i, q) for i in range(calls))):
        assert structured["cache_hit"], structured
        times.append(took)
    fresh = {"query": recall, "namespace": namespace, "use_cache": False}
    recalls = []
    for took, structured in timed(p, (tool_call(10 + calls + i, fresh) for i in range(calls // 2))):
        assert not structured["cache_hit"] and structured["pattern_name"] == "recall_memory", structured
        recalls.append(took)
    loaded = rss_mib(p.pid)
    p.stdin.close()
    p.wait()
    return idle, loaded, times, recalls


async def mcp_round_trips(binary, tmp, calls):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=binary, args=["--memory", f"sqlite:{tmp}/client.db"], env={"RUST_LOG": "error"})
    async with stdio_client(params, errlog=open(os.devnull, "w")) as (r, w):
        async with ClientSession(r, w) as s:
            await s.initialize()
            await s.call_tool("execute_pattern", {"query": "remember that the client bench uses port 6000"})
            q = {"query": "what did we note about the client bench port?"}
            await s.call_tool("execute_pattern", q)
            times = []
            for _ in range(calls):
                t0 = time.perf_counter()
                res = await s.call_tool("execute_pattern", q)
                times.append((time.perf_counter() - t0) * 1000)
                assert res.structured_content["cache_hit"]
            return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/pattern-mcp")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--memory", help="memory URL for the round trips (default: a fresh SQLite file)")
    ap.add_argument("--namespace", default="default", help="namespace of the uncached recall")
    ap.add_argument("--recall", default="what did we note about the bench database port?",
                    help="query of the uncached recall")
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        sys.exit(f"{a.bin} not found: cargo build --release -p pattern-mcp")
    with tempfile.TemporaryDirectory() as tmp:
        starts = start_times(a.bin, tmp, a.starts)
        idle, loaded, raw, recalls = raw_round_trips(a.bin, tmp, a.calls, a.memory, a.namespace, a.recall)
        client = asyncio.run(mcp_round_trips(a.bin, tmp, a.calls // 2))
    print(f"binary: {a.bin}")
    print(f"start to ready (spawn → initialize answered), {a.starts} runs: median {statistics.median(starts):.1f} ms, p95 {pct(starts, 0.95):.1f} ms")
    print(f"idle RSS after start: {idle:.1f} MiB; RSS after {a.calls} cached calls: {loaded:.1f} MiB")
    print(f"cached execute_pattern round trip, line client, {len(raw)} calls: median {statistics.median(raw)*1000:.0f} µs, p95 {pct(raw, 0.95)*1000:.0f} µs")
    print(f"uncached recall round trip ({a.memory or 'SQLite, one memory'}), line client, {len(recalls)} calls: median {statistics.median(recalls)*1000:.0f} µs, p95 {pct(recalls, 0.95)*1000:.0f} µs")
    print(f"cached execute_pattern round trip, Python mcp ClientSession, {len(client)} calls: median {statistics.median(client)*1000:.0f} µs, p95 {pct(client, 0.95)*1000:.0f} µs")


if __name__ == "__main__":
    main()
