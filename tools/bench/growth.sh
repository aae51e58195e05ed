#!/usr/bin/env bash
# Growth: latency and memory as the pattern registry grows (10 to 10,000 generated patterns: load time, RSS, match and
# route_query latency for a query that matches and one that does not) and as the memory store grows (10,000 to
# 1,000,000 memories on SQLite and on PostgreSQL: search and store latency, database size, RSS). One command; the
# measuring is crates/engine/examples/growth.rs (its doc comment says how), built here in release.
# Usage: tools/bench/growth.sh [--patterns 10,100,1000,10000] [--memories 10000,100000,1000000]
#                              [--backends sqlite,postgres] [--postgres-server URL] [--out FILE]
# PostgreSQL: the server of PATTERN_MCP_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); the bench
# creates its own database, growth_bench, on it and drops it at the end. GROWTH_TMP: where the SQLite file goes
# (default $TMPDIR; 1,000,000 memories take about 0.5 GB). Output: a table, and JSON (default
# target/bench-results/growth.json) for tools/bench/plot.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
nice cargo build --release -p pattern-engine --example growth
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
target/release/examples/growth "$@"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
