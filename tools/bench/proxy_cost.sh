#!/usr/bin/env bash
# Proxy cost, side by side in one run: the same downstream tools (`echo` of @modelcontextprotocol/server-everything
# and `get_current_time` of mcp-server-time, both over stdio) called directly (stdio, from a Python driver), through pattern-mcp (`execute_pattern`, uncached: a
# message no call sent before; and cached; time is never cached, pattern-mcp not being told it may be), through the Rust mcp-proxy (crates.io 0.6.0, built twice: as its
# default, and with its `protocol-2026-07-28` feature, which makes the same endpoint serve the 2026-07-28 stateless
# wire too) and through the Python mcp-proxy (PyPI). One call at a time (p50/p99) and CONNECTIONS connections (calls/s, p99), on the MCP 2025-06-18
# session wire and, for the fronts that serve it, the 2026-07-28 stateless wire. The fronts alternate within each
# round; the table gives the medians over the rounds and the ratios pattern-mcp/peer. Each row also gives the CPU time
# per call (user + system, from /proc) of the front's process and of its downstream servers, so fronts that share the
# 2 CPUs with wrk and the downstream servers are compared by what a call costs them, not only by calls/s.
# Usage: tools/bench/proxy_cost.sh [ROUNDS] [DURATION_S] [CONNECTIONS]      (defaults: 3, 8, 64)
# Environment: PATTERN_MCP_BIN (default: cargo build --release, then target/release/pattern-mcp), WRK_THREADS
# (default 2, at CONNECTIONS; 1 at one connection), PROXY_COST_JSON (default target/bench-results/proxy_cost.json:
# the medians and ratios of the table, as JSON, for tools/bench/plot.py).
# Builds once, into target/bench-peers/: the Rust mcp-proxy (cargo install), the Python mcp-proxy and mcp-server-time
# (venvs), server-everything and Node 22 (npm). Needs wrk (apt-get install wrk), curl, python3, npm, cargo.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
ROUNDS=${1:-3}
DURATION=${2:-8}
CONNECTIONS=${3:-64}
THREADS=${WRK_THREADS:-2}
HERE=$ROOT/tools/bench
. "$HERE/lib.sh"
export PROXY_COST_TOKEN=proxy-cost-token-0123456789

for tool in wrk curl python3 npm cargo; do
    command -v $tool >/dev/null || { echo "$tool is missing (wrk: apt-get install wrk)" >&2; exit 1; }
done

# --- What the bench runs, built once -------------------------------------------------------------------------------
RUST_PROXY=$PEERS/rust-mcp-proxy/bin/mcp-proxy
[ -x "$RUST_PROXY" ] || nice cargo install mcp-proxy --version 0.6.0 --no-default-features --features metrics \
    --locked --root "$PEERS/rust-mcp-proxy"
RUST26_PROXY=$PEERS/rust-mcp-proxy-2026/bin/mcp-proxy
[ -x "$RUST26_PROXY" ] || nice cargo install mcp-proxy --version 0.6.0 --no-default-features \
    --features metrics,protocol-2026-07-28 --locked --root "$PEERS/rust-mcp-proxy-2026"
PY_PROXY=$PEERS/python-mcp-proxy/bin/mcp-proxy
if [ ! -x "$PY_PROXY" ]; then
    python3 -m venv "$PEERS/python-mcp-proxy"
    "$PEERS/python-mcp-proxy/bin/pip" install -q mcp-proxy==0.13.0
fi
TIME=$PEERS/time/bin/mcp-server-time
if [ ! -x "$TIME" ]; then
    python3 -m venv "$PEERS/time"
    "$PEERS/time/bin/pip" install -q mcp-server-time==2026.10.19
fi
if [ ! -f "$EVERYTHING" ] || [ ! -x "$NODE" ]; then
    mkdir -p "$PEERS/everything"
    npm install --no-audit --no-fund --prefix "$PEERS/everything" \
        @modelcontextprotocol/server-everything@2026.8.31 node@22
fi
if [ -z "${PATTERN_MCP_BIN:-}" ]; then
    nice cargo build --release -p pattern-mcp
    PATTERN_MCP_BIN=$ROOT/target/release/pattern-mcp
fi

# --- The fronts ----------------------------------------------------------------------------------------------------
trap bench_cleanup EXIT
WORK=$(mktemp -d)
BENCH_TEMP+=("$WORK")

P_PORT=$(free_port)
fill_peers "$HERE/proxy_cost/pattern-mcp.toml" > "$WORK/pattern-mcp.toml"
RUST_LOG=warn "$PATTERN_MCP_BIN" --config "$WORK/pattern-mcp.toml" --memory sqlite::memory: \
    --http "127.0.0.1:$P_PORT" --auth-token "$PROXY_COST_TOKEN" > "$WORK/pattern-mcp.log" 2>&1 &
bench_started $!
P_PID=$!
R_PORT=$(free_port)
fill_peers "$HERE/proxy_cost/rust-mcp-proxy.toml" "$R_PORT" > "$WORK/rust-mcp-proxy.toml"
"$RUST_PROXY" --config "$WORK/rust-mcp-proxy.toml" > "$WORK/rust-mcp-proxy.log" 2>&1 &
bench_started $!
R_PID=$!
S_PORT=$(free_port)
fill_peers "$HERE/proxy_cost/rust-mcp-proxy.toml" "$S_PORT" > "$WORK/rust-mcp-proxy-2026.toml"
"$RUST26_PROXY" --config "$WORK/rust-mcp-proxy-2026.toml" > "$WORK/rust-mcp-proxy-2026.log" 2>&1 &
bench_started $!
S_PID=$!
Y_PORT=$(free_port)
# The Python mcp-proxy takes its one stdio server on the command line; it serves Streamable HTTP at /mcp.
"$PY_PROXY" --host 127.0.0.1 --port "$Y_PORT" --log-level WARNING -- "$NODE" "$EVERYTHING" stdio \
    > "$WORK/python-mcp-proxy.log" 2>&1 &
bench_started $!
Y_PID=$!
T_PORT=$(free_port)
"$PY_PROXY" --host 127.0.0.1 --port "$T_PORT" --log-level WARNING -- "$TIME" --local-timezone UTC \
    > "$WORK/python-mcp-proxy-time.log" 2>&1 &
bench_started $!
T_PID=$!

P_URL=http://127.0.0.1:$P_PORT/mcp
R_URL=http://127.0.0.1:$R_PORT/
S_URL=http://127.0.0.1:$S_PORT/
Y_URL=http://127.0.0.1:$Y_PORT/mcp
T_URL=http://127.0.0.1:$T_PORT/mcp
wait_http "http://127.0.0.1:$P_PORT/healthz"
wait_http "$R_URL"
wait_http "$S_URL"
wait_http "$Y_URL"
wait_http "$T_URL"
wait_downstream "$P_URL" "$WORK/pattern-mcp.log" warm-stateless warm-time
P_SESSIONS=$(python3 "$HERE/proxy_cost.py" sessions "$P_URL" "$CONNECTIONS" --warm)
R_SESSIONS=$(python3 "$HERE/proxy_cost.py" sessions "$R_URL" "$CONNECTIONS")
S_SESSIONS=$(python3 "$HERE/proxy_cost.py" sessions "$S_URL" "$CONNECTIONS")
Y_SESSIONS=$(python3 "$HERE/proxy_cost.py" sessions "$Y_URL" "$CONNECTIONS")
T_SESSIONS=$(python3 "$HERE/proxy_cost.py" sessions "$T_URL" "$CONNECTIONS")

# Cache hits pattern-mcp has counted so far (the Prometheus counter, every tier).
cache_hits() {
    curl -fsS "http://127.0.0.1:$P_PORT/metrics" \
        | awk '/^pattern_cache_requests_total\{/ && /result="hit"/ {sum += $NF} END {printf "%d", sum}'
}
cache_misses() {
    curl -fsS "http://127.0.0.1:$P_PORT/metrics" \
        | awk '/^pattern_cache_requests_total\{/ && /result="miss"/ {sum += $NF} END {printf "%d", sum}'
}

# --- The runs ------------------------------------------------------------------------------------------------------
OUT=$WORK/results
# The process that serves a front's rows.
front_pid() {
    case $1 in
        fresh | cached | fresh.time) echo "$P_PID" ;;
        rust | rust.time) echo "$R_PID" ;;
        rust26 | rust26.time) echo "$S_PID" ;;
        python) echo "$Y_PID" ;;
        python.time) echo "$T_PID" ;;
    esac
}
# CPU clock ticks of a process and, summed, of its children (its downstream servers).
ticks() {
    local children=0 child
    for child in $(pgrep -P "$1"); do children=$((children + $(cpu_ticks "$child"))); done
    echo "$(cpu_ticks "$1") $children"
}
HZ=$(getconf CLK_TCK)
run_wrk() {  # FRONT WIRE CONNS URL KIND SESSIONS...
    local front=$1 wire=$2 conns=$3 url=$4 kind=$5
    shift 5
    local threads=$((conns == 1 ? 1 : THREADS))
    local line pid own children own_after children_after calls
    pid=$(front_pid "$front")
    read -r own children < <(ticks "$pid")
    # shellcheck disable=SC2068
    line=$(wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$HERE/proxy_cost.lua" "$url" \
        -- "$kind" "$wire" $@ | grep '^RESULT')
    read -r own_after children_after < <(ticks "$pid")
    calls=$(echo "$line" | sed 's/.*requests=\([0-9]*\).*/\1/')
    # The front's CPU per call (every thread of its process) and its downstream servers'.
    line="$line $(awk -v o=$((own_after - own)) -v c=$((children_after - children)) -v n="$calls" -v hz="$HZ" \
        'BEGIN {if (n > 0) printf "front_cpu_us=%.1f downstream_cpu_us=%.1f", 1e6 * o / hz / n, 1e6 * c / hz / n}')"
    echo "$front $wire $conns ${line#RESULT }" | tee -a "$OUT"
}
hits_during_fresh=0
misses_during_fresh=0
fresh_calls=0
echo "pattern-mcp: $PATTERN_MCP_BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$STARTED, $(nproc) CPUs, load average at start: $LOAD_START"
echo "rounds: $ROUNDS of ${DURATION}s per cell; wrk $THREADS threads at $CONNECTIONS connections"
for round in $(seq 1 "$ROUNDS"); do
    echo "--- round $round"
    for conns in 1 "$CONNECTIONS"; do
        line=$(python3 "$HERE/proxy_cost.py" direct "$DURATION" "$conns" echo -- "$NODE" "$EVERYTHING" stdio)
        echo "direct sessions $conns ${line#RESULT }" | tee -a "$OUT"
        line=$(python3 "$HERE/proxy_cost.py" direct "$DURATION" "$conns" get_current_time -- "$TIME" \
            --local-timezone UTC)
        echo "direct.time sessions $conns ${line#RESULT }" | tee -a "$OUT"
        for wire in sessions stateless; do
            sessions=$([ "$wire" = sessions ] && echo "$P_SESSIONS" || true)
            hits=$(cache_hits)
            misses=$(cache_misses)
            run_wrk fresh "$wire" "$conns" "$P_URL" fresh $sessions
            hits_during_fresh=$((hits_during_fresh + $(cache_hits) - hits))
            misses_during_fresh=$((misses_during_fresh + $(cache_misses) - misses))
            fresh_calls=$((fresh_calls + $(tail -n1 "$OUT" | sed 's/.*requests=\([0-9]*\).*/\1/')))
            run_wrk cached "$wire" "$conns" "$P_URL" cached $sessions
            run_wrk fresh.time "$wire" "$conns" "$P_URL" time $sessions
        done
        run_wrk rust sessions "$conns" "$R_URL" peer:everything/echo $R_SESSIONS
        run_wrk rust26 sessions "$conns" "$S_URL" peer:everything/echo $S_SESSIONS
        run_wrk rust26 stateless "$conns" "$S_URL" peer:everything/echo
        run_wrk python sessions "$conns" "$Y_URL" peer:echo $Y_SESSIONS
        run_wrk rust.time sessions "$conns" "$R_URL" peer-time:time/get_current_time $R_SESSIONS
        run_wrk rust26.time sessions "$conns" "$S_URL" peer-time:time/get_current_time $S_SESSIONS
        run_wrk rust26.time stateless "$conns" "$S_URL" peer-time:time/get_current_time
        run_wrk python.time sessions "$conns" "$T_URL" peer-time:get_current_time $T_SESSIONS
    done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average at end: $LOAD_END"
echo "pattern-mcp during its uncached runs: $fresh_calls calls answered, cache (/metrics) $misses_during_fresh misses," \
    "$hits_during_fresh hits"
PY_MCP_LATEST=$("$PEERS/python-mcp-proxy/bin/python" -c \
    'from mcp.shared.version import LATEST_PROTOCOL_VERSION as v; print(v)')
echo "not served on the 2026-07-28 wire: the Rust mcp-proxy in its default build (the 'rust26' rows are the same" \
    "crate built with its protocol-2026-07-28 feature), the Python mcp-proxy (its mcp library's newest version:" \
    "$PY_MCP_LATEST)"
echo
python3 "$HERE/proxy_cost.py" table "$OUT"
JSON=${PROXY_COST_JSON:-$ROOT/target/bench-results/proxy_cost.json}
mkdir -p "$(dirname "$JSON")"
python3 "$HERE/proxy_cost.py" json "$OUT" \
    "command=tools/bench/proxy_cost.sh $ROUNDS $DURATION $CONNECTIONS" "started=$STARTED" "cpus=$(nproc)" \
    "cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" "load_start=$LOAD_START" \
    "load_end=$LOAD_END" "pattern_mcp=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')" \
    "python_mcp_latest_protocol=$PY_MCP_LATEST" "uncached_cache_misses=$misses_during_fresh" \
    "uncached_cache_hits=$hits_during_fresh" "uncached_calls=$fresh_calls" > "$JSON"
echo "JSON: $JSON"
