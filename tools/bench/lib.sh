# Shared by the HTTP benchmarks (sourced, not run): free ports, waiting for a server, starting
# `pattern-mcp --http` for a load run, and stopping whatever a script started when it exits.
# A script that sources this sets its own `trap bench_cleanup EXIT` once, before starting anything.

BENCH_PIDS=()
BENCH_TEMP=()

# Where tools/bench/proxy_cost.sh installs the peers and the downstream servers, and the server-everything that the
# proxy-cost configs run, under the Node 22 installed beside it (whatever the system's node is).
PEERS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/target/bench-peers
NODE=$PEERS/everything/node_modules/.bin/node
EVERYTHING=$PEERS/everything/node_modules/@modelcontextprotocol/server-everything/dist/index.js

# Stops every process started through `bench_started` (TERM, then waits) and removes `BENCH_TEMP`.
bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${BENCH_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ "${#BENCH_TEMP[@]}" = 0 ] || rm -rf "${BENCH_TEMP[@]}"
}

# PID: a background process for bench_cleanup to stop.
bench_started() { BENCH_PIDS+=("$1"); }

# PID: its CPU time so far in clock ticks (`getconf CLK_TCK` a second), user + system, every thread; the command
# name in /proc/PID/stat is cut off first, since it may hold spaces.
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# URL: waits until something answers there (any status), at most 30 s; exits the script otherwise.
wait_http() {
    for _ in $(seq 1 300); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.1
    done
    echo "nothing answers at $1" >&2
    exit 1
}

# FILE [PORT]: a config of tools/bench/proxy_cost/ with the downstream servers proxy_cost.sh installs (NODE and
# EVERYTHING above; TIME, set by the sourcing script when it runs mcp-server-time) and PORT filled in.
fill_peers() {
    sed -e "s|@NODE@|$NODE|g" -e "s|@EVERYTHING@|$EVERYTHING|g" -e "s|@TIME@|${TIME:-}|g" -e "s|@PORT@|${2:-}|g" "$1"
}

# URL LOG WARM...: pattern-mcp connects to its downstream servers in the background, so waits (at most 30 s) until
# each `tools/bench/proxy_cost.py WARM URL` goes through; exits the script, showing LOG, otherwise.
wait_downstream() {
    local url=$1 log=$2 warm reached
    shift 2
    for _ in $(seq 1 60); do
        reached=yes
        for warm in "$@"; do
            python3 "$(dirname "${BASH_SOURCE[0]}")/proxy_cost.py" "$warm" "$url" 2>/dev/null || { reached=no; break; }
        done
        [ "$reached" = yes ] && return 0
        sleep 0.5
    done
    echo "pattern-mcp at $url never reached its downstream servers" >&2
    cat "$log" >&2
    exit 1
}

# BIN PORT TOKEN CONNECTIONS: starts `BIN --http` on PORT with an in-memory SQLite store, one bearer
# token, and room for CONNECTIONS sessions of that one principal (the default allows it 16);
# sets SERVER to its pid and returns once /healthz answers.
serve_for_load() {
    local config
    config=$(mktemp --suffix=.toml)
    BENCH_TEMP+=("$config")
    printf '[http]\nmax_sessions = %d\nmax_sessions_per_principal = %d\n' "$(($4 + 16))" "$4" > "$config"
    RUST_LOG=warn "$1" --config "$config" --memory sqlite::memory: --http "127.0.0.1:$2" --auth-token "$3" &
    SERVER=$!
    bench_started "$SERVER"
    wait_http "http://127.0.0.1:$2/healthz"
}
