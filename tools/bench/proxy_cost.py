#!/usr/bin/env python3
"""Helpers of tools/bench/proxy_cost.sh (standard library only).

  proxy_cost.py sessions URL COUNT [--warm]   open COUNT MCP 2025-06-18 sessions at URL (Streamable HTTP) and print
                                             their ids; --warm also calls execute_pattern once with the message of
                                             the `cached` kind of proxy_cost.lua and checks the next call is a hit
  proxy_cost.py warm-stateless URL           the same warm-up on the MCP 2026-07-28 stateless wire
  proxy_cost.py warm-time URL                call time.get_current_time through pattern-mcp once (uncached)
  proxy_cost.py direct DURATION_S CONCURRENCY TOOL -- COMMAND...
                                             drive COMMAND (an MCP server over stdio) with tools/call of TOOL (`echo`,
                                             a fresh message per call; or `get_current_time`, in UTC), CONCURRENCY
                                             calls in flight; print a RESULT line
  proxy_cost.py table FILE                   the medians of the RESULT lines in FILE and the ratios pattern-mcp/peer
  proxy_cost.py json FILE [KEY=VALUE...]     the same as JSON (every run too), the KEY=VALUE pairs under "run"

$PROXY_COST_TOKEN, when set, is sent as a bearer token.
"""
import asyncio, json, os, re, statistics, sys, time, urllib.request

CACHED_MESSAGE = "the same message every time"  # the `cached` kind of proxy_cost.lua


def post(url, message, session=None, version="2025-06-18", extra_headers=None):
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    if os.environ.get("PROXY_COST_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["PROXY_COST_TOKEN"]
    if session:
        headers["Mcp-Session-Id"] = session
    if session or extra_headers:
        headers["Mcp-Protocol-Version"] = version
    headers.update(extra_headers or {})
    request = urllib.request.Request(url, json.dumps(message).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
        session_id = response.headers.get("Mcp-Session-Id")
    # An answer is either JSON or an SSE stream whose `data:` lines carry the messages.
    messages = [json.loads(l[5:]) for l in text.splitlines() if l.startswith("data:") and l[5:].strip()]
    if not messages and text.strip():
        messages = [json.loads(text)]
    return session_id, messages


def answer(messages, id_):
    for m in messages:
        if m.get("id") == id_:
            if "error" in m:
                raise SystemExit(f"error answer: {m['error']}")
            return m["result"]
    raise SystemExit(f"no answer to request {id_} in {messages}")


def call_cached(url, session=None, stateless=False):
    params = {"name": "execute_pattern", "arguments": {
        "query": "call tool everything.echo", "context": {"arguments": {"message": CACHED_MESSAGE}}}}
    extra = None
    if stateless:
        params["_meta"] = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                           "io.modelcontextprotocol/clientCapabilities": {},
                           "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "0"}}
        extra = {"Mcp-Method": "tools/call", "Mcp-Name": "execute_pattern"}
    _, messages = post(url, {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": params}, session,
                       "2026-07-28" if stateless else "2025-06-18", extra)
    return answer(messages, 7)["structuredContent"]


def warm(url, session=None, stateless=False):
    first = call_cached(url, session, stateless)
    assert first["success"], first
    second = call_cached(url, session, stateless)
    assert second["cache_hit"], f"the warm-up call was not cached: {second}"


def warm_time(url):
    """Calls time.get_current_time through pattern-mcp once (stateless wire): the server must be connected."""
    params = {"name": "execute_pattern", "arguments": {
        "query": "call tool time.get_current_time", "context": {"arguments": {"timezone": "UTC"}}},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "0"}}}
    _, messages = post(url, {"jsonrpc": "2.0", "id": 8, "method": "tools/call", "params": params}, None,
                       "2026-07-28", {"Mcp-Method": "tools/call", "Mcp-Name": "execute_pattern"})
    result = answer(messages, 8)["structuredContent"]
    assert result["success"] and not result["cache_hit"], result


def sessions(url, count, warm_cache):
    ids = []
    for _ in range(count):
        session, messages = post(url, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}})
        answer(messages, 1)
        if not session:
            raise SystemExit(f"{url} opened no session")
        post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
        ids.append(session)
    if warm_cache:
        warm(url, ids[0])
    print(" ".join(ids))


async def direct(duration, concurrency, tool, command):
    """Calls `tool` over stdio, `concurrency` requests in flight, for `duration` seconds."""
    proc = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.PIPE,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
                                                limit=1 << 24)
    pending = {}

    async def reader():
        while line := await proc.stdout.readline():
            message = json.loads(line)
            future = pending.pop(message.get("id"), None)
            if future is not None:
                future.set_result(message)

    reading = asyncio.create_task(reader())
    next_id = 0

    async def request(method, params):
        nonlocal next_id
        next_id += 1
        future = asyncio.get_running_loop().create_future()
        pending[next_id] = future
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": next_id, "method": method, "params": params})
                         .encode() + b"\n")
        return await future

    await request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                 "clientInfo": {"name": "bench", "version": "0"}})
    proc.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    latencies, errors, counter = [], 0, 0

    async def worker(deadline):
        nonlocal errors, counter
        while time.perf_counter() < deadline:
            counter += 1
            t0 = time.perf_counter()
            arguments = {"message": f"d-{counter}"} if tool == "echo" else {"timezone": "UTC"}
            reply = await request("tools/call", {"name": tool, "arguments": arguments})
            latencies.append(time.perf_counter() - t0)
            if "error" in reply or reply["result"].get("isError"):
                errors += 1

    await worker(time.perf_counter() + 1)  # warm-up, not counted
    latencies.clear()
    started = time.perf_counter()
    await asyncio.gather(*(worker(started + duration) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    reading.cancel()
    proc.stdin.close()
    proc.terminate()
    await proc.wait()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"RESULT requests={len(latencies)} duration_s={elapsed:.2f} throughput_rps={len(latencies) / elapsed:.0f} "
          f"p50_ms={pick(0.5):.3f} p99_ms={pick(0.99):.3f} max_ms={latencies[-1] * 1000:.3f} non_200=0 "
          f"errors={errors} wrong_tier=0 socket_errors=0")


FRONTS = [  # (key, label), in table order; a key ending in `.time` calls mcp-server-time, the others `echo`
    ("direct", "direct, stdio (Python driver)"),
    ("fresh", "pattern-mcp execute_pattern, uncached"),
    ("cached", "pattern-mcp execute_pattern, cached"),
    ("rust", "Rust mcp-proxy 0.6.0"),
    ("rust26", "Rust mcp-proxy 0.6.0, 2026 feature on"),
    ("python", "Python mcp-proxy"),
    ("direct.time", "direct, stdio (Python driver)"),
    ("fresh.time", "pattern-mcp execute_pattern, uncached"),
    ("rust.time", "Rust mcp-proxy 0.6.0"),
    ("rust26.time", "Rust mcp-proxy 0.6.0, 2026 feature on"),
    ("python.time", "Python mcp-proxy"),
]
PATTERN_MCP = ("fresh", "cached", "fresh.time")


def tool_of(front):
    """The downstream tool a front's rows call."""
    return "time.get_current_time" if front.endswith(".time") else "everything.echo"


def uncached_of(peer):
    """The pattern-mcp uncached row a peer's row is compared with: the one calling the same tool."""
    return "fresh.time" if peer.endswith(".time") else "fresh"


def direct_of(front):
    return "direct.time" if front.endswith(".time") else "direct"


WIRES = [("sessions", "2025-06-18"), ("stateless", "2026-07-28")]


def read_runs(path):
    runs = {}
    for line in open(path):
        front, wire, conns, rest = line.split(" ", 3)
        values = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", rest)}
        runs.setdefault((front, wire, int(conns)), []).append(values)
    return runs


def summary(runs):
    """The medians per (front, wire, connections) and the comparisons: (cells, ratios, one, many)."""
    labels = dict(FRONTS)
    versions = dict(WIRES)
    concurrencies = sorted({c for _, _, c in runs})
    one, many = concurrencies[0], concurrencies[-1]
    def med(key, field):
        values = [r[field] for r in runs.get(key, []) if field in r]
        return statistics.median(values) if values else None
    fields = ["throughput_rps", "p50_ms", "p99_ms", "max_ms", "front_cpu_us", "downstream_cpu_us"]
    cells = []
    for (front, wire, conns), values in sorted(runs.items()):
        cell = {"front": front, "label": labels.get(front, front), "tool": tool_of(front),
                "wire": versions.get(wire, wire), "connections": conns, "rounds": len(values),
                "failed": sum(r["non_200"] + r["errors"] + r["socket_errors"] for r in values),
                "other_tier": sum(r["wrong_tier"] for r in values), "runs": values}
        cell.update({f: med((front, wire, conns), f) for f in fields})
        # What the front adds to a call, one at a time: its p50 over the direct call's (stdio, the same tool).
        direct = med((direct_of(front), "sessions", conns), "p50_ms")
        cell["added_p50_ms"] = None if front.startswith("direct") or direct is None else cell["p50_ms"] - direct
        cells.append(cell)
    def ratio(a, b, field):
        x, y = med(a, field), med(b, field)
        return x / y if x is not None and y else None
    ratios = []
    for peer, label in FRONTS:
        if peer in PATTERN_MCP or peer.startswith("direct"):
            continue
        for wire, version in WIRES:
            mine = uncached_of(peer)
            if (peer, wire, one) not in runs and (peer, wire, many) not in runs:
                continue
            ratios.append({"peer": peer, "label": label, "tool": tool_of(peer), "wire": version,
                           "p50_ratio_1": ratio((mine, wire, one), (peer, wire, one), "p50_ms"),
                           "rps_ratio_many": ratio((mine, wire, many), (peer, wire, many), "throughput_rps"),
                           "cpu_ratio_many": ratio((mine, wire, many), (peer, wire, many), "front_cpu_us")})
    return cells, ratios, one, many


def as_json(path, pairs):
    """The medians per (front, wire, connections), the ratios of the table, and every run, as one JSON object."""
    cells, ratios, one, many = summary(read_runs(path))
    run = dict(pair.split("=", 1) for pair in pairs)
    print(json.dumps({"bench": "proxy_cost", "run": run, "connections": [one, many], "cells": cells,
                      "ratios_uncached_over_peer": ratios}, indent=1))


def table(path):
    runs = read_runs(path)
    cells, ratios, one, many = summary(runs)
    by_key = {(c["front"], c["wire"], c["connections"]): c for c in cells}
    fmt = lambda v, f: "-" if v is None else f.format(v)
    rounds = max(c["rounds"] for c in cells)
    print(f"medians of {rounds} rounds; one call at a time = 1 connection, then {many} connections; added = p50 over the"
          " direct call's")
    print(f"{'tool':<22} {'front':<40} {'wire':<11} {'p50 ms':>7} {'added':>6} {'p99 ms':>7} {'calls/s':>8}"
          f" {'p99 ms':>7} {'CPU µs':>7} {'down µs':>7} {'failed':>6} {'other tier':>10}")
    # `other tier`: answers from the other tier than the row says: a hit among uncached calls, or a miss among cached
    # calls (the first calls after the cached entry's TTL ran out, once per minute).
    for front, label in FRONTS:
        for wire, version in WIRES:
            a, b = by_key.get((front, version, one)), by_key.get((front, version, many))
            if a is None and b is None:
                continue
            get = lambda c, k: c[k] if c else None
            failed = sum(c["failed"] for c in (a, b) if c)
            tier = sum(c["other_tier"] for c in (a, b) if c)
            print(f"{tool_of(front):<22} {label:<40} {version:<11} {fmt(get(a, 'p50_ms'), '{:.2f}'):>7}"
                  f" {fmt(get(a, 'added_p50_ms'), '{:+.2f}'):>6} {fmt(get(a, 'p99_ms'), '{:.2f}'):>7}"
                  f" {fmt(get(b, 'throughput_rps'), '{:.0f}'):>8} {fmt(get(b, 'p99_ms'), '{:.2f}'):>7}"
                  f" {fmt(get(b, 'front_cpu_us'), '{:.1f}'):>7} {fmt(get(b, 'downstream_cpu_us'), '{:.1f}'):>7}"
                  f" {failed:>6.0f} {tier:>10.0f}")
    print()
    print("ratios pattern-mcp uncached / peer, same tool (p50 at 1 connection: lower is better; calls/s at "
          f"{many}: higher is better; the front's CPU per call at {many}: lower is better)")
    for r in ratios:
        print(f"  {r['tool']:<22} vs {r['label']:<36} {r['wire']:<11} p50 {fmt(r['p50_ratio_1'], '{:.2f}')}x"
              f"   calls/s {fmt(r['rps_ratio_many'], '{:.2f}')}x   CPU/call {fmt(r['cpu_ratio_many'], '{:.2f}')}x")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["sessions"]:
        sessions(args[1], int(args[2]), "--warm" in args)
    elif args[:1] == ["warm-stateless"]:
        warm(args[1], stateless=True)
    elif args[:1] == ["warm-time"]:
        warm_time(args[1])
    elif args[:1] == ["direct"] and args[4:5] == ["--"]:
        asyncio.run(direct(float(args[1]), int(args[2]), args[3], args[5:]))
    elif args[:1] == ["table"]:
        table(args[1])
    elif args[:1] == ["json"]:
        as_json(args[1], args[2:])
    else:
        raise SystemExit(__doc__)
