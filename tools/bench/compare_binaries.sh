#!/usr/bin/env bash
# Two builds of pattern-mcp side by side, for a change's effect end to end: each round starts each binary in turn
# (OLD, then NEW) over HTTP with the proxy-cost bench's downstream (`echo` of @modelcontextprotocol/server-everything
# over stdio) and runs the same cells against it with wrk and tools/bench/proxy_cost.lua:
#   uncached `execute_pattern` (a message no call sent before) at CONNECTIONS connections on the 2026-07-28 stateless
#   wire and on 2025-06-18 sessions, one call at a time on the stateless wire, and the cached call at CONNECTIONS.
# Prints every run, then the medians per binary and cell and NEW/OLD, with the server's CPU time per call (user +
# system of the pattern-mcp process during the cell, over the calls wrk counted; the downstream server's not included).
# Usage: tools/bench/compare_binaries.sh OLD NEW [ROUNDS] [DURATION_S] [CONNECTIONS]   (defaults: 3, 10, 64)
# Needs what tools/bench/proxy_cost.sh builds into target/bench-peers/everything (run it once, or
# `npm install --prefix target/bench-peers/everything @modelcontextprotocol/server-everything@2026.8.31 node@22`),
# wrk, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OLD=${1:?usage: compare_binaries.sh OLD NEW [ROUNDS] [DURATION_S] [CONNECTIONS]}
NEW=${2:?usage: compare_binaries.sh OLD NEW [ROUNDS] [DURATION_S] [CONNECTIONS]}
ROUNDS=${3:-3}
DURATION=${4:-10}
CONNECTIONS=${5:-64}
HERE=$ROOT/tools/bench
. "$HERE/lib.sh"
export PROXY_COST_TOKEN=proxy-cost-token-0123456789

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
for bin in "$OLD" "$NEW"; do [ -x "$bin" ] || { echo "no binary at $bin" >&2; exit 1; }; done
[ -f "$EVERYTHING" ] && [ -x "$NODE" ] || { echo "server-everything is missing: run tools/bench/proxy_cost.sh once" >&2; exit 1; }

trap bench_cleanup EXIT
WORK=$(mktemp -d)
BENCH_TEMP+=("$WORK")
# The proxy-cost config with `everything` only (its `time` server is not used here).
fill_peers "$HERE/proxy_cost/pattern-mcp.toml" | sed '/^\[servers.time\]/,$d' > "$WORK/pattern-mcp.toml"

TICKS=$(getconf CLK_TCK)

# BIN TAG ROUND: starts BIN, runs every cell against it, stops it.
run_binary() {
    local bin=$1 tag=$2 round=$3 port pid url sessions cell kind wire conns threads line cpu_before cpu_us
    port=$(free_port)
    RUST_LOG=warn "$bin" --config "$WORK/pattern-mcp.toml" --memory sqlite::memory: --http "127.0.0.1:$port" \
        --auth-token "$PROXY_COST_TOKEN" > "$WORK/$tag.log" 2>&1 &
    pid=$!
    bench_started "$pid"
    url=http://127.0.0.1:$port/mcp
    wait_http "http://127.0.0.1:$port/healthz"
    # Warms the cache too.
    wait_downstream "$url" "$WORK/$tag.log" warm-stateless
    sessions=$(python3 "$HERE/proxy_cost.py" sessions "$url" "$CONNECTIONS" --warm)
    for cell in "fresh stateless $CONNECTIONS" "fresh sessions $CONNECTIONS" "fresh stateless 1" \
        "cached stateless $CONNECTIONS"; do
        read -r kind wire conns <<< "$cell"
        threads=$((conns == 1 ? 1 : 2))
        # The uncached cells' entries may have evicted the warm one: warm it again.
        [ "$kind" = cached ] && python3 "$HERE/proxy_cost.py" warm-stateless "$url"
        cpu_before=$(cpu_ticks "$pid")
        # shellcheck disable=SC2046
        line=$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$HERE/proxy_cost.lua" "$url" \
            -- "$kind" "$wire" $([ "$wire" = sessions ] && echo "$sessions") | grep '^RESULT')
        cpu_us=$(( ($(cpu_ticks "$pid") - cpu_before) * 1000000 / TICKS ))
        echo "$round $tag $kind $wire $conns ${line#RESULT } cpu_us=$cpu_us" | tee -a "$WORK/runs"
    done
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null || true
}

echo "OLD: $OLD"
echo "NEW: $NEW"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rounds: $ROUNDS, ${DURATION}s per cell, wrk 2 threads at $CONNECTIONS connections, 1 at one connection"
for round in $(seq 1 "$ROUNDS"); do
    run_binary "$OLD" old "$round"
    run_binary "$NEW" new "$round"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/runs" <<'PY'
import re, statistics, sys
cells = {}
for line in open(sys.argv[1]):
    _, tag, kind, wire, conns, rest = line.split(" ", 5)
    values = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", rest)}
    cells.setdefault((kind, wire, conns), {}).setdefault(tag, []).append(values)
print()
print(f"{'cell':<28} {'old calls/s':>11} {'new calls/s':>11} {'new/old':>8} {'old p50 ms':>10} {'new p50 ms':>10}"
      f" {'old p99 ms':>10} {'new p99 ms':>10} {'old CPU µs/call':>15} {'new CPU µs/call':>15} {'bad':>4}")
for (kind, wire, conns), tags in cells.items():
    med = lambda tag, key: statistics.median(r[key] for r in tags[tag])
    bad = sum(r["non_200"] + r["errors"] + r["wrong_tier"] + r["socket_errors"] for t in tags.values() for r in t)
    name = f"{kind} {wire} x{conns}"
    old, new = med("old", "throughput_rps"), med("new", "throughput_rps")
    cpu = lambda tag: statistics.median(r["cpu_us"] / r["requests"] for r in tags[tag])
    print(f"{name:<28} {old:>11.0f} {new:>11.0f} {new / old:>7.2f}x {med('old', 'p50_ms'):>10.3f}"
          f" {med('new', 'p50_ms'):>10.3f} {med('old', 'p99_ms'):>10.2f} {med('new', 'p99_ms'):>10.2f}"
          f" {cpu('old'):>15.1f} {cpu('new'):>15.1f} {bad:>4.0f}")
PY
