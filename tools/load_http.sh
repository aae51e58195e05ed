#!/usr/bin/env bash
# Load test of `pattern-mcp --http`: throughput and latency of cached execute_pattern calls over
# Streamable HTTP from 64 concurrent sessions (64 connections, wrk), plus RSS idle and under load.
# Usage: tools/load_http.sh [DURATION_S] [CONNECTIONS]      (defaults: 20, 64)
# Environment: PATTERN_MCP_BIN (default target/release/pattern-mcp), WRK_THREADS (default: CPU count).
# Needs wrk (apt-get install wrk) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${1:-20}
CONNECTIONS=${2:-64}
BIN=${PATTERN_MCP_BIN:-$ROOT/target/release/pattern-mcp}
THREADS=${WRK_THREADS:-$(nproc)}
export PATTERN_MCP_LOAD_TOKEN=load-test-token-0123456789

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no binary at $BIN: cargo build --release -p pattern-mcp" >&2; exit 1; }

. tools/bench/lib.sh
trap bench_cleanup EXIT
PORT=$(free_port)
serve_for_load "$BIN" "$PORT" "$PATTERN_MCP_LOAD_TOKEN" "$CONNECTIONS"

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER/status"; }
echo "binary: $BIN"
echo "RSS after start: $(rss_kib) KiB"

# Open the sessions and warm the cache (one store, one recall).
SESSIONS=$(python3 tools/bench/open_sessions.py "$PORT" "$CONNECTIONS")
echo "sessions: $(wc -w <<<"$SESSIONS")"
echo "RSS idle with sessions open: $(rss_kib) KiB"

PEAK=0
( while kill -0 $SERVER 2>/dev/null; do rss_kib; sleep 0.5; done ) > /tmp/pattern-mcp-load-rss.$$ &
SAMPLER=$!
# shellcheck disable=SC2086
wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s tools/bench/http_wires.lua \
    "http://127.0.0.1:$PORT/mcp" -- sessions $SESSIONS
kill $SAMPLER 2>/dev/null || true
PEAK=$(sort -n /tmp/pattern-mcp-load-rss.$$ | tail -n 1)
rm -f /tmp/pattern-mcp-load-rss.$$
echo "RSS peak under load: ${PEAK} KiB"
echo "RSS after load: $(rss_kib) KiB"
