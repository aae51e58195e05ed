#!/usr/bin/env bash
# Runs every test of pattern-mcp, services included:
#   1. makes sure PostgreSQL and Redis are up (starts them, installs them if missing),
#   2. formatting, clippy and rustdoc (broken intra-doc links fail),
#   3. the Rust unit and integration tests of every crate (cargo nextest, or cargo test),
#   4. the end-to-end tests in tests/, which drive the built binary with the Python `mcp` client
#      (stdio, Streamable HTTP and legacy SSE) and check examples/,
#   5. the MCP conformance suite against `pattern-mcp --http` (tools/conformance.sh, Node 22 via npx).
# Usage: tools/test.sh            (from anywhere; no arguments)
# Environment: PATTERN_MCP_TEST_DATABASE_URL, PATTERN_MCP_TEST_REDIS_URL override the services.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

export PATTERN_MCP_TEST_DATABASE_URL=${PATTERN_MCP_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
export PATTERN_MCP_TEST_REDIS_URL=${PATTERN_MCP_TEST_REDIS_URL:-redis://127.0.0.1:6379}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" = 0 ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
        step "PostgreSQL is not installed: installing it"
        apt_install postgresql postgresql-client
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        step "PostgreSQL is down: starting it"
        local version
        version=$(ls /etc/postgresql | sort -V | tail -n 1)
        pg_ctlcluster --skip-systemctl-redirect "$version" main start
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        echo "PostgreSQL does not answer on 127.0.0.1:5432; start it with: pg_ctlcluster \$(ls /etc/postgresql) main start" >&2
        exit 1
    fi
    # The test database and trust auth for the postgres user over TCP.
    if ! psql "$PATTERN_MCP_TEST_DATABASE_URL" -qAtc 'select 1' >/dev/null 2>&1; then
        su postgres -c "psql -qAtc \"select 1 from pg_database where datname = 'test'\"" | grep -q 1 \
            || su postgres -c "createdb test"
    fi
    psql "$PATTERN_MCP_TEST_DATABASE_URL" -qAtc 'select 1' >/dev/null \
        || { echo "cannot connect to $PATTERN_MCP_TEST_DATABASE_URL (PostgreSQL needs trust auth for user postgres on 127.0.0.1)" >&2; exit 1; }
    echo "PostgreSQL: up"
}

ensure_redis() {
    if ! command -v redis-server >/dev/null 2>&1; then
        step "Redis is not installed: installing it"
        apt_install redis-server
    fi
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        step "Redis is down: starting it"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log
        for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
    fi
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null \
        || { echo "Redis does not answer on 127.0.0.1:6379; start it with: redis-server --daemonize yes --port 6379" >&2; exit 1; }
    echo "Redis: up"
}

ensure_python() {
    if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import mcp, pytest, mcp_server_time, yaml' 2>/dev/null; then
        step "Python virtualenv with the mcp client and pytest"
        python3 -m venv .venv
        .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
    fi
}

# promtool validates examples/prometheus-alerts.yml; without it the e2e test
# falls back to a YAML and expression check.
ensure_promtool() {
    if ! command -v promtool >/dev/null 2>&1; then
        step "promtool is not installed: installing prometheus (optional)"
        apt_install --no-install-recommends prometheus || echo "promtool unavailable; alert rules get the Python check only"
    fi
}

ensure_npx() {
    if ! command -v npx >/dev/null 2>&1; then
        step "npx is not installed: installing nodejs and npm"
        apt_install nodejs npm
    fi
}

step "services"
ensure_postgres
ensure_redis

step "formatting and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked -q

step "Rust tests (every crate)"
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
else
    cargo test --workspace --locked --no-fail-fast
fi

step "build the binary"
cargo build --locked -p pattern-mcp
export PATTERN_MCP_BIN="$ROOT/target/debug/pattern-mcp"

# --- fuzz ---
# The cargo-fuzz targets in fuzz/ (README, "Fuzzing"): each runs over its committed corpus
# (fuzz/corpus/<target>) and fuzzes it on, 20 s in all; a crash or a broken property fails the step.
# Built without a sanitizer: the fuzzed crates forbid unsafe code, and ASan doubles the build.
# New inputs go to a temporary directory, so the committed corpus stays as it is.
step "fuzz targets (cargo fuzz on nightly): the corpus, then fuzzing, 20 s each"
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal || {
        echo "fuzz: cannot install the nightly toolchain (rustup needs https://static.rust-lang.org)" >&2
        exit 1
    }
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked || {
        echo "fuzz: cannot install cargo-fuzz (cargo install needs crates.io)" >&2
        exit 1
    }
fi
cargo +nightly fuzz build --sanitizer none
FUZZ_NEW=$(mktemp -d)
for target in $(cargo +nightly fuzz list); do
    mkdir -p "$FUZZ_NEW/$target"
    # libFuzzer reports every new input: its output goes to a log, shown only when the target fails.
    if cargo +nightly fuzz run --sanitizer none "$target" "$FUZZ_NEW/$target" "fuzz/corpus/$target" -- \
        -dict="fuzz/dict/$target.dict" -max_total_time=20 -timeout=10 -print_final_stats=1 \
        > "$FUZZ_NEW/$target.log" 2>&1; then
        echo "fuzz $target: $(grep -E '^Done [0-9]+ runs' "$FUZZ_NEW/$target.log" | tail -n 1)"
    else
        tail -n 100 "$FUZZ_NEW/$target.log" >&2
        echo "fuzz $target failed: above, the end of its output; the input that failed is in fuzz/artifacts/$target" >&2
        exit 1
    fi
done
rm -rf "$FUZZ_NEW"
# --- end fuzz ---

step "MCP conformance (Streamable HTTP; Node 22 through npx)"
ensure_npx
tools/conformance.sh

step "end-to-end tests (Python mcp client against the built binary)"
ensure_python
ensure_promtool
.venv/bin/python -m pytest -q tests/e2e
step "stdio fuzz: one answer per readable request id (seed printed; replay with --seed N)" && .venv/bin/python tools/fuzz_stdio.py

# --- chaos (short) ---
# Faults under load (Redis, PostgreSQL, a downstream server), hostile messages, abandoned sessions and a 30 s soak
# against $PATTERN_MCP_BIN, every service its own (docs/CHAOS.md); results in target/chaos/results.json.
step "chaos (short): faults under load, hostile messages, abandoned sessions, soak (docs/CHAOS.md)"
tools/chaos.sh --short
