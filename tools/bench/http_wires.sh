#!/usr/bin/env bash
# Cached execute_pattern over Streamable HTTP on both MCP wires, side by side in one run:
# 2025-06-18 sessions (one per connection) and the 2026-07-28 stateless exchange, against one
# release server, the two wires alternating run by run; prints each run and the medians.
# Usage: tools/bench/http_wires.sh [RUNS] [DURATION_S] [CONNECTIONS]     (defaults: 5, 10, 64)
# Environment: PATTERN_MCP_BIN (default target/release/pattern-mcp), WRK_THREADS (default 2).
# Needs wrk (apt-get install wrk), curl and python3; build first: cargo build --release -p pattern-mcp
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
RUNS=${1:-5}
DURATION=${2:-10}
CONNECTIONS=${3:-64}
BIN=${PATTERN_MCP_BIN:-$ROOT/target/release/pattern-mcp}
THREADS=${WRK_THREADS:-2}
export PATTERN_MCP_LOAD_TOKEN=load-test-token-0123456789

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release -p pattern-mcp" >&2; exit 1; }

. tools/bench/lib.sh
trap bench_cleanup EXIT
PORT=$(free_port)
OUT=$(mktemp)
BENCH_TEMP+=("$OUT")
serve_for_load "$BIN" "$PORT" "$PATTERN_MCP_LOAD_TOKEN" "$CONNECTIONS"

# Open one session per connection and warm the cache (one store, one recall).
SESSIONS=$(python3 tools/bench/open_sessions.py "$PORT" "$CONNECTIONS")
echo "binary: $BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "wrk: $THREADS threads, $CONNECTIONS connections, ${DURATION}s per run, $RUNS runs per wire, $(nproc) CPUs"
for run in $(seq 1 "$RUNS"); do
    for wire in sessions stateless; do
        # shellcheck disable=SC2086
        args=$([ "$wire" = sessions ] && echo "sessions $SESSIONS" || echo stateless)
        # shellcheck disable=SC2086
        line=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s tools/bench/http_wires.lua \
            "http://127.0.0.1:$PORT/mcp" -- $args | grep '^RESULT')
        echo "$wire run $run: ${line#RESULT }"
        echo "$wire $line" >> "$OUT"
    done
done
python3 - "$OUT" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    wire, _, rest = line.split(" ", 2)
    rows.setdefault(wire, []).append({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", rest)})
# `bad`: answers that are not 200 and socket errors. `recomputed`: answers that were not cache hits; the one warmed
# entry lives 60 s in the local tier, so a run that starts past that recomputes it (its concurrent calls wait for
# the one computation and are not hits either), which is expected, not an error.
print(f"{'wire':<32} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'bad':>5} {'recomputed':>10}")
names = {"sessions": "2025-06-18 sessions", "stateless": "2026-07-28 stateless"}
for wire, runs in rows.items():
    med = lambda k: statistics.median(r[k] for r in runs)
    bad = sum(r["non_200"] + r["socket_errors"] for r in runs)
    recomputed = sum(r["not_cached"] for r in runs)
    print(f"{names[wire] + f' (median of {len(runs)})':<32} {med('throughput_rps'):>9.0f} "
          f"{med('p50_ms'):>8.2f} {med('p99_ms'):>8.2f} {bad:>5.0f} {recomputed:>10.0f}")
PY
