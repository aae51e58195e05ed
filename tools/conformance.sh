#!/usr/bin/env bash
# Runs the MCP conformance suite (@modelcontextprotocol/conformance) against
# `pattern-mcp --http` on a free loopback port, one scenario at a time; fails
# if any scenario fails. Needs npx (Node 22 is fetched by npx itself).
# Usage: tools/conformance.sh [SCENARIO]...   (default: the scenarios below)
# Environment: PATTERN_MCP_BIN (default target/debug/pattern-mcp).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIN=${PATTERN_MCP_BIN:-$ROOT/target/debug/pattern-mcp}
CONFORMANCE=@modelcontextprotocol/conformance@0.1.16
SCENARIOS=("$@")
if [ ${#SCENARIOS[@]} = 0 ]; then
    SCENARIOS=(server-initialize ping tools-list logging-set-level dns-rebinding-protection
               server-sse-multiple-streams)
fi

[ -x "$BIN" ] || { echo "pattern-mcp binary not found at $BIN: run cargo build -p pattern-mcp or set PATTERN_MCP_BIN" >&2; exit 1; }
if ! command -v npx >/dev/null 2>&1; then
    echo "npx is missing: installing nodejs and npm" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
WORK=$(mktemp -d)
"$BIN" --memory sqlite::memory: --http "127.0.0.1:$PORT" 2>"$WORK/server.log" &
SERVER=$!
cleanup() {
    kill -TERM "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; echo "pattern-mcp exited" >&2; exit 1; }
    sleep 0.1
done

FAILED=()
for scenario in "${SCENARIOS[@]}"; do
    printf '\n==> conformance: %s\n' "$scenario"
    if (cd "$WORK" && npx -y -p node@22 -p "$CONFORMANCE" -c \
            "conformance server --url http://127.0.0.1:$PORT/mcp --scenario $scenario"); then
        echo "PASS $scenario"
    else
        echo "FAIL $scenario"
        FAILED+=("$scenario")
    fi
done

if [ ${#FAILED[@]} -gt 0 ]; then
    echo "conformance: ${#FAILED[@]} of ${#SCENARIOS[@]} scenarios failed: ${FAILED[*]}" >&2
    exit 1
fi
echo "conformance: all ${#SCENARIOS[@]} scenarios passed"
