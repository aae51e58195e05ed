#!/usr/bin/env bash
# Cache effect, side by side in one run: the same request mix (tools/loadgen's `cached` profile: recalls of seeded
# memories, Zipf over 120 questions) sent by loadgen over Streamable HTTP to pattern-mcp configured five ways, the
# memory in one PostgreSQL database for all of them:
#   off          1 instance, the cache off (`use_cache: false` in every request)
#   l1           1 instance, the in-process tier only
#   l1_redis     1 instance, the in-process tier and a Redis tier
#   l1_x3        3 instances without Redis (each its own in-process tier), the connections spread over them
#   l1_redis_x3  3 instances behind one Redis, the connections spread over them
# The cells alternate within each round (ROUNDS rounds); the table gives the medians over the rounds and each cell's
# throughput against `off`. Every loadgen report is kept beside the JSON file (DIR/cache_effect/ROUND-CELL.json), with
# the logs of the instances (warnings only) and of Redis.
#
# Usage: tools/bench/cache_effect.sh [DURATION_S] [CONNECTIONS]          (defaults: 5, 32)
# Environment:
#   ROUNDS (3), WARMUP_S (1), WIRE (sessions | stateless; default sessions), MIX (a loadgen profile or a mix file;
#   default cached; a mix that calls downstream tools needs TEST_SERVER_BIN, a pattern-test-server binary, which every
#   instance then runs as server `test` with cache_ttl_s = 60),
#   PATTERN_MCP_BIN (default target/release/pattern-mcp, built with `cargo build --release -p pattern-mcp` if missing),
#   LOADGEN_BIN (default target/release/loadgen, built with `cargo build --release -p pattern-loadgen` if missing),
#   CACHE_EFFECT_DATABASE_URL (default: database `loadgen_bench` on the server of PATTERN_MCP_TEST_DATABASE_URL,
#   postgres://postgres@127.0.0.1:5432, dropped and created afresh; needs psql), PG_POOL_SIZE (each instance's pool,
#   added to the URL unless it sets `pool_size`; default 4: the eight instances hold at most 32 connections in all),
#   REDIS_TIMEOUT_MS (pattern-mcp's `[redis] timeout_ms`; default: pattern-mcp's own, 5 ms),
#   COHERENCE (pattern-mcp's `[redis] coherence`, strict or bounded; default: pattern-mcp's own, strict),
#   RATE (requests/s offered to each cell, in all: loadgen's --rate, paced clients; default: closed-loop clients, as
#   fast as the cell answers, which saturates the CPUs),
#   REQUESTS (each cell measures this many requests instead of DURATION_S seconds; with ROUNDS=1 and WARMUP_S=0
#   every cell replays them from a cold cache, as `MIX=FILE REQUESTS=100000 ROUNDS=1 WARMUP_S=0` does for the mix of
#   tools/bench/zipf_mix.py),
#   CELL_ORDER (the five cells in the order each round runs them; default `off l1 l1_redis l1_x3 l1_redis_x3`:
#   later cells of a cold replay run on a warmer machine, and a reversed order shows how much that moves a figure),
#   OUT (default target/bench-results/cache_effect.json, or cache_effect_paced.json with RATE).
# Redis: a private redis-server on a free port, without persistence, stopped at the end (the shared one is not used).
#
# The JSON file (OUT):
# {
#   "bench": "cache_effect", "date": "2026-12-03T20:00:00Z", "git": "abc1234", "cpus": 2,
#   "load_average": {"start": [1m, 5m, 15m], "end": [1m, 5m, 15m]},
#   "pattern_mcp": PATH, "mix": "cached", "wire": "sessions", "rounds": 3, "duration_s": 5, "requests": null or N, "warmup_s": 1,
#   "connections": 32, "redis_timeout_ms": null (pattern-mcp's default) or N, "coherence": null (pattern-mcp's default) or "strict" | "bounded", "rate": null (closed loop) or N,
#   "cells": [
#     {"cell": "off", "instances": 1, "cache": "off" | "l1" | "l1+redis",
#      "median": {"throughput_rps", "p50_ms", "p95_ms", "p99_ms", "hit_rate", "local_rate", "redis_rate",
#                 "cpu_us_per_call",              CPU time (user + system, /proc) of the cell's instances over the
#                                                 executions they counted (/metrics), warm-up included
#                 "redis_commands_per_call"},     commands the private Redis processed during the cell (any
#                                                 instance's: the idle ones' heartbeats too) over those executions
#      "redis_commands_by_name": {"get": f, ...}, the same per command name (Redis's `INFO commandstats`), medians
#      "throughput_vs_off": f,                   median throughput / the `off` cell's
#      "cpu_per_call_vs_one_instance": f,        l1_x3 and l1_redis_x3 only: CPU per call / that of l1, l1_redis
#      "sent": N, "errors": N,                   summed over the rounds
#      "rounds": [{"cpu_us_per_call", "redis_commands_per_call", "redis_commands_by_name", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "hit_rate", "local_rate", "redis_rate",
#                  "sent", "errors", "report": "cache_effect/1-off.json"}, ...]},
#     ...
#   ]
# }
# Rates are fractions (0..1) of the successful results; latencies are loadgen's, per request, in milliseconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
HERE=$ROOT/tools/bench
DURATION=${1:-5}
CONNECTIONS=${2:-32}
ROUNDS=${ROUNDS:-3}
ALL_CELLS=(off l1 l1_redis l1_x3 l1_redis_x3)
read -r -a CELLS <<< "${CELL_ORDER:-${ALL_CELLS[*]}}"
[ "$(printf '%s\n' "${CELLS[@]}" | sort)" = "$(printf '%s\n' "${ALL_CELLS[@]}" | sort)" ] \
    || { echo "CELL_ORDER must name each of ${ALL_CELLS[*]} once" >&2; exit 1; }
WARMUP=${WARMUP_S:-1}
WIRE=${WIRE:-sessions}
MIX=${MIX:-cached}
RATE=${RATE:-}
if [ -n "$RATE" ]; then RATE_ARGS=(--rate "$RATE"); else RATE_ARGS=(); fi
REQUESTS=${REQUESTS:-}
if [ -n "$REQUESTS" ]; then
    AMOUNT_ARGS=(--requests "$REQUESTS"); AMOUNT="$REQUESTS requests"
else
    AMOUNT_ARGS=(--duration "$DURATION"); AMOUNT="${DURATION}s"
fi
OUT=${OUT:-$ROOT/target/bench-results/cache_effect${RATE:+_paced}.json}
TOKEN=cache-effect-token-0123456789

for tool in redis-server redis-cli curl python3; do
    command -v $tool >/dev/null || { echo "$tool is missing (apt-get install redis-server curl python3)" >&2; exit 1; }
done

# --- What the bench runs -------------------------------------------------------------------------------------------
if [ -z "${PATTERN_MCP_BIN:-}" ]; then
    PATTERN_MCP_BIN=$ROOT/target/release/pattern-mcp
    [ -x "$PATTERN_MCP_BIN" ] || nice cargo build --release -p pattern-mcp
fi
if [ -z "${LOADGEN_BIN:-}" ]; then
    LOADGEN_BIN=$ROOT/target/release/loadgen
    nice cargo build --release -p pattern-loadgen
fi
if [ -f "$MIX" ]; then MIX_ARGS=(--mix "$MIX"); else MIX_ARGS=(--profile "$MIX"); fi

. "$HERE/lib.sh"
trap bench_cleanup EXIT
WORK=$(mktemp -d)
BENCH_TEMP+=("$WORK")
REPORTS=$(dirname "$OUT")/$(basename "$OUT" .json)
rm -rf "$REPORTS"
mkdir -p "$REPORTS"

# --- Services: a private Redis, a database of our own --------------------------------------------------------------
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" \
    --logfile "$WORK/redis.log" &
bench_started $!
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" ping >/dev/null || { echo "the private redis-server did not start" >&2; exit 1; }
REDIS_URL=redis://127.0.0.1:$REDIS_PORT

if [ -z "${CACHE_EFFECT_DATABASE_URL:-}" ]; then
    command -v psql >/dev/null || { echo "psql is missing (apt-get install postgresql-client)" >&2; exit 1; }
    SERVER_URL=${PATTERN_MCP_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
    SERVER_URL=${SERVER_URL%/*}
    psql "$SERVER_URL/postgres" -qAt -c 'DROP DATABASE IF EXISTS loadgen_bench' -c 'CREATE DATABASE loadgen_bench' \
        >/dev/null
    CACHE_EFFECT_DATABASE_URL=$SERVER_URL/loadgen_bench
fi
# Eight instances with pattern-mcp's default pool (20 connections each) would exceed a stock PostgreSQL's 100
# connections, and take them from everyone else on a shared server.
case $CACHE_EFFECT_DATABASE_URL in
    *pool_size=*) ;;
    *\?*) CACHE_EFFECT_DATABASE_URL="$CACHE_EFFECT_DATABASE_URL&pool_size=${PG_POOL_SIZE:-4}" ;;
    *) CACHE_EFFECT_DATABASE_URL="$CACHE_EFFECT_DATABASE_URL?pool_size=${PG_POOL_SIZE:-4}" ;;
esac

# --- The instances: NAME REDIS(yes|no); started one after the other (each migrates the schema at start) ----------------
declare -A URLS PIDS PORTS
start_instance() {
    local name=$1 redis=$2 port config
    port=$(free_port)
    config=$WORK/$name.toml
    printf '[http]\nmax_sessions = %d\nmax_sessions_per_principal = %d\n' "$((CONNECTIONS + 16))" "$CONNECTIONS" \
        > "$config"
    local redis_args=()
    if [ "$redis" = yes ]; then
        redis_args=(--redis "$REDIS_URL")
        # The one-instance and three-instance groups do not see each other's entries.
        printf '[redis]\nkey_prefix = "ce-%s:"\n' "${name%[0-9]}" >> "$config"
        [ -z "${REDIS_TIMEOUT_MS:-}" ] || printf 'timeout_ms = %d\n' "$REDIS_TIMEOUT_MS" >> "$config"
        [ -z "${COHERENCE:-}" ] || printf 'coherence = "%s"\n' "$COHERENCE" >> "$config"
    fi
    if [ -n "${TEST_SERVER_BIN:-}" ]; then
        printf '[servers.test]\ncommand = "%s"\ncache_ttl_s = 60\n' "$TEST_SERVER_BIN" >> "$config"
    fi
    RUST_LOG=warn "$PATTERN_MCP_BIN" --config "$config" --memory "$CACHE_EFFECT_DATABASE_URL" "${redis_args[@]}" \
        --http "127.0.0.1:$port" --auth-token "$TOKEN" > "$WORK/$name.log" 2>&1 &
    bench_started $!
    PIDS[$name]=$!
    PORTS[$name]=$port
    wait_http "http://127.0.0.1:$port/healthz"
    URLS[$name]="--url http://127.0.0.1:$port/mcp"
}
start_instance plain no        # off, l1
start_instance single yes      # l1_redis
for i in 1 2 3; do start_instance "plainx$i" no; start_instance "sharedx$i" yes; done
URLS[plainx]="${URLS[plainx1]} ${URLS[plainx2]} ${URLS[plainx3]}"
URLS[sharedx]="${URLS[sharedx1]} ${URLS[sharedx2]} ${URLS[sharedx3]}"

cell_args() {  # CELL: loadgen's target arguments
    case $1 in
        off) echo "${URLS[plain]} --use-cache false" ;;
        l1) echo "${URLS[plain]}" ;;
        l1_redis) echo "${URLS[single]}" ;;
        l1_x3) echo "${URLS[plainx]}" ;;
        l1_redis_x3) echo "${URLS[sharedx]}" ;;
    esac
}

cell_instances() {  # CELL: the instances that serve it
    case $1 in
        off | l1) echo plain ;;
        l1_redis) echo single ;;
        l1_x3) echo plainx1 plainx2 plainx3 ;;
        l1_redis_x3) echo sharedx1 sharedx2 sharedx3 ;;
    esac
}
# CPU time (clock ticks, user + system, from /proc) and executions (`pattern_executions_total` of /metrics), summed
# over the instances named: read before and after a cell, their differences give the CPU time per execution.
cpu_and_executions() {
    local ticks=0 executions=0 name
    for name in "$@"; do
        ticks=$((ticks + $(cpu_ticks "${PIDS[$name]}")))
        executions=$((executions + $(curl -sf "http://127.0.0.1:${PORTS[$name]}/metrics" \
            | awk '/^pattern_executions_total[{ ]/ { n += $NF } END { printf "%d", n }')))
    done
    echo "$ticks $executions"
}
# Redis's per-command counts (`INFO commandstats`) start afresh before each cell and are saved after it; the cell's
# commands are every instance's since the reset, the bench's own `info` and `config resetstat` left out.
reset_redis_stats() { redis-cli -p "$REDIS_PORT" config resetstat >/dev/null; }
# The bench's own commands, left out of every count.
BENCH_OWN_COMMANDS="info config|resetstat"
redis_commands() {  # FILE: a saved `INFO commandstats`
    awk -F'[:=,]' -v own="$BENCH_OWN_COMMANDS" '
        BEGIN { split(own, names, " "); for (i in names) skip["cmdstat_" names[i]] = 1 }
        /^cmdstat_/ && !($1 in skip) { n += $3 }
        END { printf "%d", n }' "$1"
}

# --- The runs ------------------------------------------------------------------------------------------------------
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
echo "pattern-mcp: $PATTERN_MCP_BIN ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average at start: $LOAD_START"
echo "rounds: $ROUNDS of $AMOUNT per cell after ${WARMUP}s of warm-up; $CONNECTIONS connections" \
    "${RATE:+offered $RATE req/s}; mix $MIX;" \
    "wire $WIRE; memory $CACHE_EFFECT_DATABASE_URL; Redis $REDIS_URL (private)"
for round in $(seq 1 "$ROUNDS"); do
    for cell in "${CELLS[@]}"; do
        # shellcheck disable=SC2046
        read -r ticks_before executions_before < <(cpu_and_executions $(cell_instances "$cell"))
        reset_redis_stats
        "$LOADGEN_BIN" --quiet $(cell_args "$cell") --wire "$WIRE" --token "$TOKEN" -c "$CONNECTIONS" \
            "${RATE_ARGS[@]}" "${AMOUNT_ARGS[@]}" --warmup "$WARMUP" "${MIX_ARGS[@]}" --json "$REPORTS/$round-$cell.json" \
            > "$WORK/loadgen.out" || { cat "$WORK/loadgen.out" >&2; exit 1; }
        # shellcheck disable=SC2046
        read -r ticks_after executions_after < <(cpu_and_executions $(cell_instances "$cell"))
        redis-cli -p "$REDIS_PORT" info commandstats > "$REPORTS/$round-$cell.redis"
        echo "$((ticks_after - ticks_before)) $((executions_after - executions_before)) $(getconf CLK_TCK)" \
            "$(redis_commands "$REPORTS/$round-$cell.redis")" > "$REPORTS/$round-$cell.cpu"
        python3 - "$REPORTS/$round-$cell.json" "$round" "$cell" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
c, l = r["cache"], r["latency_ms"]
ticks, executions, hz, commands = map(int, open(sys.argv[1][:-len(".json")] + ".cpu").read().split())
cpu = f"{1e6 * ticks / hz / executions:7.1f} µs CPU/call" if executions else "no executions counted"
redis = f"{commands / executions:5.2f} Redis commands/call" if executions else ""
print(f"round {sys.argv[2]} {sys.argv[3]:<12} {r['throughput_rps']:9.1f} req/s  p50 {l['p50']:7.2f} ms"
      f"  p99 {l['p99']:7.2f} ms  hits {100 * c['hit_rate']:5.1f} %  {cpu}  {redis}  errors {r['errors']}")
EOF
    done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average at end: $LOAD_END"
cp "$WORK"/*.log "$REPORTS/"   # the instances' and Redis's logs (warnings only), beside the reports

# --- Medians, the table and the JSON file --------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
python3 - "$OUT" "$REPORTS" <<EOF
import json, os, re, statistics, sys
out, reports = sys.argv[1], sys.argv[2]
def commands_by_name(path, executions):
    # The 'cmdstat_get:calls=12,usec=...' lines of INFO commandstats; these reads' own 'info' and 'config' left out
    # (no backquotes here: this heredoc is expanded by the shell).
    calls = {m[1]: int(m[2]) for m in re.finditer(r"^cmdstat_([^:]+):calls=(\d+)", open(path).read(), re.M)}
    own = "$BENCH_OWN_COMMANDS".split()
    return {k: v / executions for k, v in sorted(calls.items()) if k not in own and executions}
cells = "${CELLS[*]}".split()
meta = {"off": (1, "off"), "l1": (1, "l1"), "l1_redis": (1, "l1+redis"), "l1_x3": (3, "l1"), "l1_redis_x3": (3, "l1+redis")}
keys = ["throughput_rps", "p50_ms", "p95_ms", "p99_ms", "hit_rate", "local_rate", "redis_rate", "cpu_us_per_call",
        "redis_commands_per_call"]
result = {
    "bench": "cache_effect", "date": "$(date -u '+%Y-%m-%dT%H:%M:%SZ')",
    "git": "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')", "cpus": $(nproc),
    "load_average": {"start": [float(x) for x in "$LOAD_START".split()], "end": [float(x) for x in "$LOAD_END".split()]},
    "pattern_mcp": "$PATTERN_MCP_BIN", "mix": "$MIX", "wire": "$WIRE", "rounds": $ROUNDS, "duration_s": $DURATION, "requests": ${REQUESTS:-None},
    "warmup_s": $WARMUP, "connections": $CONNECTIONS, "redis_timeout_ms": ${REDIS_TIMEOUT_MS:-None}, "coherence": "${COHERENCE:-}" or None, "rate": ${RATE:-None}, "cells": [],
}
for cell in cells:
    rounds = []
    for n in range(1, $ROUNDS + 1):
        name = f"{n}-{cell}.json"
        r = json.load(open(os.path.join(reports, name)))
        c, l = r["cache"], r["latency_ms"]
        ticks, executions, hz, commands = map(int, open(os.path.join(reports, f"{n}-{cell}.cpu")).read().split())
        rounds.append({"cpu_us_per_call": 1e6 * ticks / hz / executions if executions else None,
                       "redis_commands_per_call": commands / executions if executions else None,
                       "redis_commands_by_name": commands_by_name(os.path.join(reports, f"{n}-{cell}.redis"), executions),
                       "throughput_rps": r["throughput_rps"], "p50_ms": l["p50"], "p95_ms": l["p95"],
                       "p99_ms": l["p99"], "hit_rate": c["hit_rate"], "local_rate": c["by_tier"]["local"]["rate"],
                       "redis_rate": c["by_tier"]["redis"]["rate"], "sent": r["sent"], "errors": r["errors"],
                       "report": "cache_effect/" + name})
    instances, cache = meta[cell]
    result["cells"].append({"cell": cell, "instances": instances, "cache": cache,
                            "median": {k: statistics.median(x[k] for x in rounds) for k in keys},
                            "redis_commands_by_name": {k: statistics.median(x["redis_commands_by_name"].get(k, 0) for x in rounds)
                                                       for k in sorted({k for x in rounds for k in x["redis_commands_by_name"]})},
                            "sent": sum(x["sent"] for x in rounds), "errors": sum(x["errors"] for x in rounds),
                            "rounds": rounds})
by_name = {c["cell"]: c for c in result["cells"]}
off = by_name["off"]["median"]["throughput_rps"]
for c in result["cells"]:
    c["throughput_vs_off"] = c["median"]["throughput_rps"] / off if off else None
# CPU time per call of three instances against one with the same tiers: the shared tier's cost of being shared.
for three, one in (("l1_x3", "l1"), ("l1_redis_x3", "l1_redis")):
    a, b = by_name[three]["median"]["cpu_us_per_call"], by_name[one]["median"]["cpu_us_per_call"]
    by_name[three]["cpu_per_call_vs_one_instance"] = a / b if a and b else None
with open(out, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")
def vs_one(cell):
    ratio = cell.get("cpu_per_call_vs_one_instance")
    return f"{ratio:5.2f}x" if ratio else "     -"
print()
print(f"medians of {result['rounds']} rounds of {result['duration_s']} s, {result['connections']} connections, mix {result['mix']}, wire {result['wire']}")
print(f"{'cell':<12} {'inst':>4} {'cache':<9} {'req/s':>9} {'vs off':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'hits':>7} {'local':>7} {'redis':>7} {'CPU µs':>7} {'vs 1':>6} {'Redis/call':>10} {'errors':>7}")
for c in result["cells"]:
    m = c["median"]
    print(f"{c['cell']:<12} {c['instances']:>4} {c['cache']:<9} {m['throughput_rps']:9.1f} {c['throughput_vs_off']:6.2f}x"
          f" {m['p50_ms']:8.2f} {m['p95_ms']:8.2f} {m['p99_ms']:8.2f} {100 * m['hit_rate']:6.1f}% {100 * m['local_rate']:6.1f}%"
          f" {100 * m['redis_rate']:6.1f}% {m['cpu_us_per_call'] or 0:7.1f} {vs_one(c)}"
          f" {m['redis_commands_per_call'] or 0:10.2f} {c['errors']:>7}")
print("Redis commands per call, by name:")
for c in result["cells"]:
    named = {k: v for k, v in c["redis_commands_by_name"].items() if v >= 0.0005}
    if named:
        print(f"  {c['cell']:<12} " + ", ".join(f"{k} {v:.3f}" for k, v in named.items()))
EOF
echo
echo "JSON: $OUT"
