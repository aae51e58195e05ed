#!/usr/bin/env bash
# Chaos and soak runs against the built pattern-mcp binary (docs/CHAOS.md): Redis (standalone, a Cluster node)
# killed under load, a private PostgreSQL restarted and a proxy cutting its connections, a downstream server killed,
# hostile messages over stdio and HTTP, 1,000 abandoned sessions from one principal and from many, and a soak.
# Every service it kills is its own (free ports, temporary directories); the shared ones are never touched.
#
# Usage: tools/chaos.sh [--short] [--out FILE] [--seed N] [--only NAME[,NAME]] [--soak-s S] [--keep]
#   full (default): soak 10 min, 10,000 hostile messages; about 15 min.
#   --short:        every scenario a few seconds, soak 30 s, 1,000 hostile messages; under 3 min.
# Binary: $PATTERN_MCP_BIN, else target/debug/pattern-mcp (pattern-test-server is taken from beside it).
# Exit status: 0 when every scenario meets the bar, 1 when one does not, 2 when one could not be set up.
#
# Output: a table per scenario on stdout, and a JSON file (default target/chaos/results.json) of this shape:
# {
#   "version": 1, "mode": "short" | "full", "binary": PATH, "seed": N, "started_at": ISO-8601, "duration_s": S,
#   "passed": BOOL,
#   "bar": {"request_timeout_s": 10, "recovery_bound_s": 5, "soak_rss_growth_max": 0.2},
#   "scenarios": [{
#     "name": "redis_standalone_kill" | "redis_cluster_node_kill" | "postgres_restart" | "postgres_proxy_cuts"
#             | "downstream_kill" | "hostile_stdio" | "hostile_http" | "sessions_one_principal"
#             | "sessions_many_principals" | "soak",
#     "description": TEXT, "transport": "stdio" | "http", "passed": BOOL, "seconds": S,
#     "violations": [TEXT],                    # empty when the scenario meets the bar
#     "notes": [TEXT],                         # findings within the bar (e.g. resets instead of a 413)
#     "requests": {"sent", "succeeded", "failed", "hung": N,
#                  "failed_by_kind": {"KIND:REASON": N},        # KIND: store, recall, echo, …; REASON: error_reason,
#                  "unexpected_failures": {"KIND:REASON": N}},  #   rpc:CODE, http_STATUS, hung, connection_lost
#     "recovery": null | {"probe_s": S,          # seconds from the fault's end to the probe's first success;
#                         "first_success_s": S, "fault_started_s": S, "fault_ended_s": S,  # fault scenarios:
#                         "affected_kinds": [KIND]},  #   first success of an affected kind, window on the run's clock
#     "writes": null | {"keys", "confirmed", "rows", "lost", "duplicated", "phantom", "unresolved", "retried",
#                       "outcome_unknown", "unknown_then_stored", "unknown_then_replay", "failed_before_sending"},
#     "process": {"start": {"rss_kib", "fds", "children"}, "end": {…}, "peak_rss_kib": N, "exit_code": N},
#     "details": {…}                           # per scenario: statuses, RSS series of the soak, proxy cuts, …
#   }]
# }
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import httpx2' 2>/dev/null; then
    echo "==> Python virtualenv with the mcp client (tests/requirements.txt)"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
fi
for tool in redis-server redis-cli psql runuser; do
    command -v "$tool" >/dev/null || { echo "chaos: $tool is needed (tools/test.sh installs PostgreSQL and Redis)" >&2; exit 2; }
done
BIN=${PATTERN_MCP_BIN:-target/debug/pattern-mcp}
if [ ! -x "$(dirname "$BIN")/pattern-test-server" ]; then
    echo "chaos: pattern-test-server not found beside $BIN: cargo build -p pattern-test-server (--release for a release binary)" >&2
    exit 2
fi
exec .venv/bin/python tools/chaos/run.py "$@"
