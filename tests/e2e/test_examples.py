"""The files in examples/: every config passes `check --strict`, the alert rules and the dashboard are sound."""

import json
import os
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import FAMILIES, ROOT, binary

EXAMPLES = ROOT / "examples"
# The series Prometheus derives from the histograms of docs/CONTRACT.md §11.
HISTOGRAMS = {f for f in FAMILIES if f.endswith("_seconds")}
SERIES = FAMILIES | {f"{h}_{s}" for h in HISTOGRAMS for s in ("bucket", "sum", "count")}


LABELS = {"pattern_type"}


def metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\bpattern_[a-z_]+", expr)) - LABELS


def balanced(expr: str) -> bool:
    depth = {"(": 0, "{": 0, "[": 0}
    pairs = {")": "(", "}": "{", "]": "["}
    for c in expr:
        if c in depth:
            depth[c] += 1
        elif c in pairs:
            depth[pairs[c]] -= 1
            if depth[pairs[c]] < 0:
                return False
    return all(v == 0 for v in depth.values())


def alert_rules():
    groups = yaml.safe_load((EXAMPLES / "prometheus-alerts.yml").read_text())["groups"]
    return {rule["alert"]: rule for group in groups for rule in group["rules"]}


def check(*args, env=None, timeout=60):
    """`pattern-mcp ARGS… --strict check`: the completed process."""
    return subprocess.run(
        [binary(), *args, "--strict", "check"],
        capture_output=True,
        text=True,
        env={**os.environ, "RUST_LOG": "warn", **(env or {})},
        timeout=timeout,
    )


def assert_ok(result):
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: "), result.stdout
    assert "skipped" not in result.stderr, result.stderr


def test_the_example_config_passes_check():
    assert_ok(check("--config", str(EXAMPLES / "pattern-mcp.toml"), env={"PATTERN_MCP_MEMORY": "sqlite::memory:"}))


def test_the_shared_config_passes_check_against_a_real_postgres():
    database = os.environ.get("PATTERN_MCP_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
    result = check("--config", str(EXAMPLES / "pattern-mcp.shared.toml"), env={"PATTERN_MCP_MEMORY": database})
    assert_ok(result)
    assert "memory backend postgres" in result.stdout


def test_the_claude_desktop_snippet_starts_strict_without_warnings():
    snippet = json.loads((EXAMPLES / "claude_desktop_config.json").read_text())["mcpServers"]["pattern-mcp"]
    args = [a.replace("/path/to/pattern-mcp", str(ROOT)) for a in snippet["args"]]
    assert_ok(check("--memory", "sqlite::memory:", *args, env=snippet.get("env")))


def test_the_tool_patterns_pass_check_with_the_example_servers():
    from test_downstream import with_venv_path

    result = subprocess.run(
        [
            binary(), "--memory", "sqlite::memory:", "--servers", str(EXAMPLES / "servers.json"),
            "--patterns", str(EXAMPLES / "patterns-tools.toml"), "--strict", "check",
        ],
        capture_output=True, text=True, env=with_venv_path(), timeout=240,
    )
    assert_ok(result)
    assert "2 downstream server(s) started" in result.stdout


def test_check_fails_when_the_memory_store_cannot_be_reached():
    result = check("--memory", "postgres://postgres@127.0.0.1:1/test")
    assert result.returncode == 1
    assert "memory store `postgres` is unavailable" in result.stderr, result.stderr


def test_check_waits_as_long_as_a_servers_timeout_and_names_it(tmp_path):
    config = tmp_path / "pattern-mcp.toml"
    config.write_text('[servers.mute]\ncommand = "sleep"\nargs = ["60"]\ntimeout_s = 2\n')
    result = check("--config", str(config), "--memory", "sqlite::memory:")
    assert result.returncode == 1
    assert "downstream server `mute` did not start" in result.stderr, result.stderr
    assert "within 2 s" in result.stderr, result.stderr


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_promtool_accepts_the_alert_rules():
    result = subprocess.run(
        ["promtool", "check", "rules", str(EXAMPLES / "prometheus-alerts.yml")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 5 rules found" in result.stdout


def test_alert_rules_cover_latency_errors_cache_downstream_and_redis():
    rules = alert_rules()
    assert set(rules) == {
        "PatternMcpSlowExecutions",
        "PatternMcpHighErrorRate",
        "PatternMcpLowCacheHitRate",
        "PatternMcpDownstreamServerDown",
        "PatternMcpRedisDown",
    }
    assert "histogram_quantile(0.95" in rules["PatternMcpSlowExecutions"]["expr"]
    assert rules["PatternMcpSlowExecutions"]["expr"].strip().endswith("> 0.2")
    assert rules["PatternMcpHighErrorRate"]["expr"].strip().endswith("> 0.05")
    assert "< 0.7" in rules["PatternMcpLowCacheHitRate"]["expr"]
    assert "pattern_downstream_calls_total" in rules["PatternMcpDownstreamServerDown"]["expr"]
    # Fires only where a Redis tier is configured: a deployment without Redis exports pattern_redis_up 0.
    assert rules["PatternMcpRedisDown"]["expr"] == "pattern_redis_configured == 1 and pattern_redis_up == 0"
    for name, rule in rules.items():
        expr = rule["expr"]
        assert balanced(expr), name
        assert metric_names(expr) <= SERIES, (name, metric_names(expr) - SERIES)
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"], name


def test_the_dashboard_queries_only_design_families_with_the_required_panels():
    dashboard = json.loads((EXAMPLES / "grafana-dashboard.json").read_text())
    titles = [p["title"] for p in dashboard["panels"]]
    for wanted in ("Execution time (p50 / p95 / p99)", "Throughput by pattern type", "Tokens per second by pattern type",
                   "Cache hit rate by tier", "Error rate", "Pattern distribution"):
        assert wanted in titles
    latency = next(p for p in dashboard["panels"] if p["title"].startswith("Execution time"))
    assert [t["legendFormat"] for t in latency["targets"]] == ["p50", "p95", "p99"]
    used = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            assert balanced(target["expr"]), target["expr"]
            used |= metric_names(target["expr"])
    assert used <= SERIES, used - SERIES
    assert {"pattern_execution_duration_seconds_bucket", "pattern_tokens_total", "pattern_cache_requests_total"} <= used
