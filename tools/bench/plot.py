#!/usr/bin/env python3
"""Turns the benches' JSON results into PNG plots (docs/perf/) and Markdown tables (into docs/PERFORMANCE.md).

  tools/bench/plot.py [--growth FILE] [--proxy-cost FILE] [--cache-effect FILE] [--cache-effect-paced FILE]
                      [--chaos FILE]
                      [--out DIR] [--doc FILE] [--no-doc]

Inputs (each optional; a missing file is skipped with a message):
  --growth        tools/bench/growth.sh          (default target/bench-results/growth.json; FILE,FILE merges runs)
  --proxy-cost    tools/bench/proxy_cost.sh      (default target/bench-results/proxy_cost.json)
  --cache-effect  tools/bench/cache_effect.sh    (default target/bench-results/cache_effect.json)
  --cache-effect-paced  RATE=N tools/bench/cache_effect.sh (default target/bench-results/cache_effect_paced.json)
  --chaos         tools/chaos.sh                 (default target/chaos/results.json)

Outputs: DIR/<name>.png (default docs/perf), and in FILE (default docs/PERFORMANCE.md) the Markdown between
`<!-- generated: NAME -->` and `<!-- end generated: NAME -->` is replaced by the table of that input (growth has two:
growth-registry and growth-memory, each written only when a run measured it), so re-running this script after a bench
updates the page. Installs matplotlib into its own venv, target/bench-venv, on first use.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "target" / "bench-venv"


def ensure_matplotlib():
    """Re-runs this script in target/bench-venv, creating it and installing matplotlib if needed."""
    if os.environ.get("PLOT_PY_IN_VENV") == "1":
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = subprocess.run([str(python), "-c", "import matplotlib"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "matplotlib>=3.8,<4"], check=True)
    os.environ["PLOT_PY_IN_VENV"] = "1"
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


ensure_matplotlib()

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402


def args():
    opts = {"growth": "target/bench-results/growth.json", "proxy-cost": "target/bench-results/proxy_cost.json",
            "cache-effect": "target/bench-results/cache_effect.json",
            "cache-effect-paced": "target/bench-results/cache_effect_paced.json", "chaos": "target/chaos/results.json",
            "out": "docs/perf", "doc": "docs/PERFORMANCE.md"}
    argv = sys.argv[1:]
    no_doc = False
    while argv:
        flag = argv.pop(0)
        if flag == "--no-doc":
            no_doc = True
        elif flag.startswith("--") and flag[2:] in opts and argv:
            opts[flag[2:]] = argv.pop(0)
        else:
            raise SystemExit(__doc__)
    resolve = lambda p: Path(p) if Path(p).is_absolute() else ROOT / p
    return {k: resolve(v) for k, v in opts.items()}, no_doc


def load(path, what):
    if not path.exists():
        print(f"skip {what}: {path} does not exist (run its bench first)")
        return None
    return json.loads(path.read_text())


def load_growth(path):
    """One growth.json, or several separated by commas (runs of parts of it, e.g. one backend each)."""
    parts = [load(Path(p) if Path(p).is_absolute() else ROOT / p, "growth") for p in str(path).split(",")]
    return [p for p in parts if p is not None] or None


def save(fig, out, name):
    out.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    path = out / f"{name}.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def fmt(v, spec="{:.1f}"):
    return "-" if v is None else spec.format(v)


def machine_line(m, load_start, load_end, when):
    return (f"{when}; {m.get('cpus', '?')} CPUs ({m.get('cpu_model', '?')}); load average {load_start} at the start, "
            f"{load_end} at the end")


# --- growth --------------------------------------------------------------------------------------------------------

def growth(parts, out):
    """Two sections, each from the runs that measured it: growth-registry and growth-memory."""
    sections = {}
    for key, name, fn in [("registry", "growth-registry", growth_registry), ("memory", "growth-memory", growth_memory)]:
        runs = [p for p in parts if p.get(key)]
        if runs:
            sections[name] = "\n".join([growth_header(runs), "", fn([r for p in runs for r in p[key]], out)])
    return sections


def growth_header(runs):
    from datetime import datetime, timezone
    m = runs[0]["machine"]
    when = datetime.fromtimestamp(runs[0]["started_unix_s"], timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = " ; ".join(p["command"].strip() for p in runs)
    return (f"`{command}`, "
            f"{machine_line(m, m.get('load_average_at_start', '?'), m.get('load_average_at_end', '?'), when)}.")


def growth_registry(reg, out):
    md = ["Registry (the built-ins plus N generated patterns; one call at a time, every query different so the "
          "match cache never answers; each set of queries sent twice: *first use* is the first pass, which compiles "
          "each trigger the first time a query may match it, the other columns the second; µs, p50 / p99):", "",
          "| patterns | load ms | RSS MiB: before load → after load → after calls | match, hit, first use | match, hit "
          "| match, no hit | route_query, hit | route_query, no hit |",
          "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in reg:
        c = lambda k: f"{r[k]['p50_us']:.1f} / {r[k]['p99_us']:.1f}" if k in r else "-"
        md.append(f"| {r['patterns_generated']:,} | {r['load_ms']:.1f} | {r['rss_before_load_kib'] / 1024:.1f} → "
                  f"{r['rss_after_load_kib'] / 1024:.1f} → {r['rss_after_calls_kib'] / 1024:.1f} | "
                  f"{c('match_matching_first')} | {c('match_matching')} | {c('match_non_matching')} | "
                  f"{c('route_matching')} | {c('route_non_matching')} |")
    md.append("")
    xs = [r["patterns_generated"] for r in reg]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    for key, label, color in [("match_matching_first", "match, hit, first use", "tab:cyan"),
                              ("match_matching", "match, hit", "tab:blue"),
                              ("match_non_matching", "match, no hit", "tab:orange"),
                              ("route_matching", "route_query, hit", "tab:green"),
                              ("route_non_matching", "route_query, no hit", "tab:red")]:
        if all(key in r for r in reg):
            a.plot(xs, [r[key]["p50_us"] for r in reg], "o-", color=color, label=f"{label} p50")
            a.plot(xs, [r[key]["p99_us"] for r in reg], "o--", color=color, alpha=0.6, label=f"{label} p99")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlabel("generated patterns")
    a.set_ylabel("µs per call")
    a.set_title("Registry: latency per call")
    a.grid(True, which="both", alpha=0.3)
    a.legend(fontsize=7, ncol=2)
    b.plot(xs, [r["load_ms"] for r in reg], "o-", color="tab:purple", label="load time (ms)")
    b.set_xscale("log")
    b.set_yscale("log")
    b.set_xlabel("generated patterns")
    b.set_ylabel("load time, ms", color="tab:purple")
    b.grid(True, which="both", alpha=0.3)
    b2 = b.twinx()
    b2.plot(xs, [r["rss_after_load_kib"] / 1024 for r in reg], "s-", color="tab:gray", label="RSS after load")
    b2.plot(xs, [r["rss_after_calls_kib"] / 1024 for r in reg], "s--", color="tab:brown", label="RSS after calls")
    b2.set_ylabel("RSS, MiB")
    b2.legend(fontsize=7, loc="upper left")
    b.set_title("Registry: load time and RSS")
    save(fig, out, "registry_growth")
    return "\n".join(md)


def growth_memory(mem, out):
    md = []
    md.append("Memory store (memories spread over 10 namespaces; searches one at a time, every question in every "
              "namespace; stores one at a time; ms, p50 / p99):")
    md.append("")
    md.append("| backend | memories | bulk load s (this step) | search p50 / p99 ms | store p50 / p99 ms "
              "| database MiB | RSS MiB |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in mem:
        md.append(f"| {r['backend']} | {r['memories']:,} | {r['load_s']:.1f} | {r['search']['p50_us'] / 1000:.2f} / "
                  f"{r['search']['p99_us'] / 1000:.2f} | {r['store']['p50_us'] / 1000:.2f} / "
                  f"{r['store']['p99_us'] / 1000:.2f} | {r['db_bytes'] / 1048576:.0f} | {r['rss_kib'] / 1024:.0f} |")
    md.append("")
    backends = sorted({r["backend"] for r in mem})
    colors = {"sqlite": "tab:blue", "postgres": "tab:green"}
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for backend in backends:
        rows = [r for r in mem if r["backend"] == backend]
        xs = [r["memories"] for r in rows]
        c = colors.get(backend)
        for ax, key in [(axes[0], "search"), (axes[1], "store")]:
            ax.plot(xs, [r[key]["p50_us"] / 1000 for r in rows], "o-", color=c, label=f"{backend} p50")
            ax.plot(xs, [r[key]["p99_us"] / 1000 for r in rows], "o--", color=c, alpha=0.6, label=f"{backend} p99")
        axes[2].plot(xs, [r["db_bytes"] / 1048576 for r in rows], "o-", color=c, label=backend)
    for ax, title, ylabel in [(axes[0], "search latency", "ms"), (axes[1], "store latency", "ms"),
                              (axes[2], "database size", "MiB")]:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("memories")
        ax.set_ylabel(ylabel)
        ax.set_title(f"Memory store: {title}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    save(fig, out, "memory_growth")
    return "\n".join(md)


# --- proxy cost ----------------------------------------------------------------------------------------------------

def proxy_cost(data, out):
    run = data["run"]
    one, many = data["connections"]
    cells = {(c["front"], c["wire"], c["connections"]): c for c in data["cells"]}
    fronts = ["direct", "fresh", "cached", "rust", "rust26", "python"]
    order = fronts + [f + ".time" for f in fronts]
    labels = {c["front"]: c["label"] for c in data["cells"]}
    tool = lambda f: "time" if f.endswith(".time") else "echo"
    wires = ["2025-06-18", "2026-07-28"]
    rows = [(f, w) for f in order for w in wires if (f, w, one) in cells or (f, w, many) in cells]
    md = [f"`{run.get('command', 'tools/bench/proxy_cost.sh')}`, "
          f"{machine_line(run, run.get('load_start', '?'), run.get('load_end', '?'), run.get('started', '?'))}; "
          f"medians of {max(c['rounds'] for c in data['cells'])} rounds. *added*: the front's p50 over the direct "
          "call's, one call at a time.", ""]
    md.append(f"| tool | front | wire | p50 / p99 ms, 1 connection | added p50 ms | calls/s, p99 ms, {many} connections "
              f"| CPU µs per call, front / downstream, {many} connections | failed |")
    md.append("|---|---|---|---:|---:|---:|---:|---:|")
    for f, w in rows:
        a, b = cells.get((f, w, one)), cells.get((f, w, many))
        wire = "stdio" if f.startswith("direct") else w
        md.append(f"| {tool(f)} | {labels.get(f, f)} | {wire} | {fmt(a and a['p50_ms'], '{:.2f}')} / "
                  f"{fmt(a and a['p99_ms'], '{:.2f}')} | {fmt(a and a.get('added_p50_ms'), '{:+.2f}')} | "
                  f"{fmt(b and b['throughput_rps'], '{:,.0f}')}, "
                  f"{fmt(b and b['p99_ms'], '{:.1f}')} | {fmt(b and b.get('front_cpu_us'), '{:.1f}')} / "
                  f"{fmt(b and b.get('downstream_cpu_us'), '{:.1f}')} | "
                  f"{int((a or {}).get('failed', 0) + (b or {}).get('failed', 0))} |")
    # Which front serves which wire: the 2026-07-28 row of a peer that does not serve it says so.
    for f in ["rust", "python"]:
        if any(k[0] == f for k in cells) and not any(k[0] == f and k[1] == "2026-07-28" for k in cells):
            why = {"rust": "its default build does not compile the `protocol-2026-07-28` feature",
                   "python": f"its `mcp` library stops at {run.get('python_mcp_latest_protocol', 'an older version')}"}[f]
            md.append(f"| both | {labels.get(f, f)} | 2026-07-28 | not served ({why}) | | not served | | |")
    md.append("")
    md.append("pattern-mcp uncached against each peer, same tool and wire (p50 at 1 connection: lower is better, "
              f"target ≤ 1.0; calls/s at {many} connections: higher is better, target ≥ 1.2 against the Rust "
              f"mcp-proxy; the front's CPU per call at {many} connections: lower is better):")
    md.append("")
    md.append("| tool | peer | wire | p50 ratio | calls/s ratio | CPU per call ratio |")
    md.append("|---|---|---|---:|---:|---:|")
    for r in data["ratios_uncached_over_peer"]:
        if r["peer"].startswith("direct"):
            continue
        md.append(f"| {tool(r['peer'])} | {r['label']} | {r['wire']} | {fmt(r['p50_ratio_1'], '{:.2f}')} | "
                  f"{fmt(r['rps_ratio_many'], '{:.2f}')} | {fmt(r.get('cpu_ratio_many'), '{:.2f}')} |")
    md.append("")
    if "uncached_calls" in run:
        md.append(f"During the uncached echo runs pattern-mcp answered {int(run['uncached_calls']):,} calls; its "
                  f"`/metrics` counted {run.get('uncached_cache_misses')} cache misses and "
                  f"{run.get('uncached_cache_hits')} hits.")
        md.append("")

    names = [f"{tool(f)}: {labels.get(f, f)}\n{'stdio' if f.startswith('direct') else w}" for f, w in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(13, 8))
    ys = range(len(rows))
    colors = ["tab:gray" if f.startswith("direct") else "tab:blue" if f.split(".")[0] in ("fresh", "cached")
              else "tab:orange" for f, _ in rows]
    p50 = [cells[(f, w, one)]["p50_ms"] if (f, w, one) in cells else 0 for f, w in rows]
    p99 = [cells[(f, w, one)]["p99_ms"] if (f, w, one) in cells else 0 for f, w in rows]
    a.barh(ys, p50, color=colors)
    for y, v, q in zip(ys, p50, p99):
        a.text(v, y, f" {v:.2f} (p99 {q:.1f})", va="center", fontsize=7)
    a.set_yticks(list(ys), names, fontsize=7)
    a.invert_yaxis()
    a.set_xlabel("p50 ms, one call at a time")
    a.set_title("Latency, 1 connection (lower is better)")
    a.set_xlim(0, max(p50) * 1.45 if p50 else 1)
    rps = [cells[(f, w, many)]["throughput_rps"] if (f, w, many) in cells else 0 for f, w in rows]
    b.barh(ys, rps, color=colors)
    for y, v in zip(ys, rps):
        b.text(v, y, f" {v:,.0f}", va="center", fontsize=7)
    b.set_yticks(list(ys), names, fontsize=7)
    b.invert_yaxis()
    b.set_xlabel(f"calls/s at {many} connections")
    b.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x / 1000:g}k" if x else "0"))
    b.set_title(f"Throughput, {many} connections (higher is better)")
    b.set_xlim(0, max(rps) * 1.2 if rps else 1)
    fig.suptitle(f"Proxy cost: echo of server-everything and get_current_time of mcp-server-time through each front ({run.get('started', '')}, "
                 f"load {run.get('load_start', '?')} at start)", fontsize=9)
    save(fig, out, "proxy_cost")
    return "\n".join(md)


# --- cache effect (tools/bench/cache_effect.sh) and chaos (tools/chaos.sh): shapes documented at their tops --------

def cpu_per_call(cell):
    """CPU time per call of a cell's instances, and against one instance with the same tiers; `-` when not measured."""
    cpu = cell["median"].get("cpu_us_per_call")
    if cpu is None:
        return "-"
    ratio = cell.get("cpu_per_call_vs_one_instance")
    return f"{cpu:.0f}" + (f" ({ratio:.2f} ×)" if ratio else "")


def cache_effect(data, out, name="cache_effect"):
    cells = data["cells"]
    load = data.get("load_average", {})
    la = lambda k: " ".join(str(x) for x in load.get(k, [])) or "?"
    run = {"cpus": data.get("cpus", "?"), "cpu_model": data.get("cpu_model", "see the run's machine")}
    env = "".join(f"{k}={data[v]} " for k, v in [("REDIS_TIMEOUT_MS", "redis_timeout_ms"), ("RATE", "rate")]
                  if data.get(v) is not None)
    md = [f"`{env}tools/bench/cache_effect.sh {data.get('duration_s', '')} {data.get('connections', '')}` (mix "
          f"`{data.get('mix')}`, wire {data.get('wire')}, git {data.get('git', '?')}), "
          f"{machine_line(run, la('start'), la('end'), data.get('date', '?'))}; medians of {data.get('rounds')} "
          "rounds.", ""]
    md.append(f"| cell | instances | cache | calls/s | × off | p50 / p95 / p99 ms | hit rate | local / Redis "
              "| CPU µs per call (× 1 instance) | errors |")
    md.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    pct = lambda v: "-" if v is None else f"{100 * v:.1f} %"
    for c in cells:
        m = c["median"]
        md.append(f"| {c['cell']} | {c['instances']} | {c['cache']} | {m['throughput_rps']:,.0f} | "
                  f"{fmt(c.get('throughput_vs_off'), '{:.2f}')} | {m['p50_ms']:.2f} / {m['p95_ms']:.2f} / "
                  f"{m['p99_ms']:.2f} | {pct(m.get('hit_rate'))} | {pct(m.get('local_rate'))} / "
                  f"{pct(m.get('redis_rate'))} | {cpu_per_call(c)} | {c.get('errors', 0)} |")
    names = [c["cell"] for c in cells]
    fig, (a, b, d) = plt.subplots(1, 3, figsize=(14, 4.2))
    xs = range(len(cells))
    a.bar(xs, [c["median"]["throughput_rps"] for c in cells], color="tab:blue")
    offered = f", {data['rate']:,} offered" if data.get("rate") else ""
    a.set_title(f"calls/s, {data.get('connections')} connections{offered}")
    b.bar([x - 0.2 for x in xs], [c["median"]["p50_ms"] for c in cells], 0.4, label="p50", color="tab:green")
    b.bar([x + 0.2 for x in xs], [c["median"]["p99_ms"] for c in cells], 0.4, label="p99", color="tab:red")
    b.set_title("latency, ms")
    b.set_ylim(0, max(c["median"]["p99_ms"] for c in cells) * 1.25)
    b.legend(fontsize=8, ncol=2)
    local = [100 * (c["median"].get("local_rate") or 0) for c in cells]
    redis = [100 * (c["median"].get("redis_rate") or 0) for c in cells]
    d.bar(xs, local, color="tab:blue", label="local tier")
    d.bar(xs, redis, bottom=local, color="tab:orange", label="Redis tier")
    d.set_ylim(0, 100)
    d.set_title("hit rate, % of results")
    d.legend(fontsize=8)
    for ax in (a, b, d):
        ax.set_xticks(list(xs), names, fontsize=8, rotation=20)
        ax.grid(True, axis="y", alpha=0.3)
    fig.suptitle(f"Cache effect: mix {data.get('mix')}, wire {data.get('wire')} ({data.get('date', '')})", fontsize=9)
    save(fig, out, name)
    return "\n".join(md)


def chaos(data, out):
    bar = data.get("bar", {})
    md = [f"`tools/chaos.sh{' --short' if data.get('mode') == 'short' else ''}` (mode {data.get('mode')}, seed "
          f"{data.get('seed')}), started {data.get('started_at')}, {data.get('duration_s')} s; "
          f"{'every scenario met the bar' if data.get('passed') else '**not every scenario met the bar**'} "
          f"(a request answered within {bar.get('request_timeout_s', '?')} s, recovery within "
          f"{bar.get('recovery_bound_s', '?')} s, soak RSS growth under {100 * bar.get('soak_rss_growth_max', 0):.0f} %).",
          ""]
    md.append("| scenario | transport | passed | sent / succeeded / failed / hung | recovery s | RSS MiB start / end / "
              "peak | exit | violations |")
    md.append("|---|---|---|---:|---:|---:|---:|---|")
    soak = None
    for sc in data["scenarios"]:
        r = sc.get("requests") or {}
        rec = sc.get("recovery") or {}
        p = sc.get("process") or {}
        mib = lambda v: "-" if v is None else f"{v / 1024:.0f}"
        md.append(f"| {sc['name']} | {sc.get('transport', '')} | {'yes' if sc.get('passed') else '**no**'} | "
                  f"{r.get('sent', '-')} / {r.get('succeeded', '-')} / {r.get('failed', '-')} / {r.get('hung', '-')} | "
                  f"{fmt(rec.get('first_success_s'), '{:.2f}')} | {mib((p.get('start') or {}).get('rss_kib'))} / "
                  f"{mib((p.get('end') or {}).get('rss_kib'))} / {mib(p.get('peak_rss_kib'))} | "
                  f"{p.get('exit_code', '-')} | {'; '.join(sc.get('violations') or []) or '-'} |")
        if sc["name"] == "soak":
            soak = sc
    series = ((soak or {}).get("details") or {}).get("rss_kib_every_s")
    if series:
        d = soak["details"]
        md.append("")
        md.append(f"Soak: {d.get('duration_s')} s at {d.get('rate_per_s')} requests/s (achieved "
                  f"{d.get('achieved_rate_per_s')}); RSS growth after the {d.get('warm_up_s')} s warm-up: "
                  f"{fmt(None if d.get('rss_growth_after_warm_up') is None else 100 * d['rss_growth_after_warm_up'], '{:.1f}')} %.")
        fig, a = plt.subplots(figsize=(8, 3.8))
        a.plot([t for t, _ in series], [v / 1024 for _, v in series], color="tab:blue")
        base = (d.get("baseline_after_warm_up") or {}).get("rss_kib")
        if base:
            a.axhline(base / 1024, color="tab:gray", ls=":", label="after warm-up")
            a.axhline(base * (1 + bar.get("soak_rss_growth_max", 0.2)) / 1024, color="tab:red", ls="--",
                      label="bar: +20 %")
            a.legend(fontsize=8)
        a.set_xlabel("seconds")
        a.set_ylabel("RSS, MiB")
        a.set_ylim(bottom=0)
        a.grid(True, alpha=0.3)
        a.set_title("Chaos soak: RSS of pattern-mcp")
        save(fig, out, "chaos_soak_rss")
    return "\n".join(md)


def fill_doc(doc, sections):
    text = doc.read_text()
    for name, md in sections.items():
        begin, end = f"<!-- generated: {name} -->", f"<!-- end generated: {name} -->"
        if begin not in text or end not in text:
            print(f"{doc.name} has no {begin} section: its table is not written")
            continue
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = f"{head}{begin}\n{md.rstrip()}\n{end}{tail}"
    doc.write_text(text)
    print(f"updated {doc.relative_to(ROOT) if doc.is_relative_to(ROOT) else doc}: {', '.join(sections) or 'nothing'}")


def main():
    opts, no_doc = args()
    sections = {}
    paced = lambda data, out: cache_effect(data, out, "cache_effect_paced")
    for name, fn in [("growth", growth), ("proxy-cost", proxy_cost), ("cache-effect", cache_effect),
                     ("cache-effect-paced", paced), ("chaos", chaos)]:
        data = load_growth(opts[name]) if name == "growth" else load(opts[name], name)
        if data is None:
            continue
        if name == "growth":
            sections.update(fn(data, opts["out"]))
        else:
            sections[name] = fn(data, opts["out"])
    if not no_doc and opts["doc"].exists():
        fill_doc(opts["doc"], sections)


if __name__ == "__main__":
    main()
