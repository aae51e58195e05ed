#!/usr/bin/env python3
"""Chaos and soak runs against the built pattern-mcp binary (driver of tools/chaos.sh; see docs/CHAOS.md).

Usage: run.py [--short] [--bin PATH] [--out FILE] [--seed N] [--only NAME[,NAME]] [--keep]
Exit status: 0 when every scenario meets the bar, 1 when one does not, 2 when a scenario could not be set up."""

import argparse
import asyncio
import datetime
import json
import os
import pathlib
import random
import shutil
import sys
import tempfile
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import scenarios  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]


def table(res):
    """The scenario as a few lines of text."""
    r = res.get("requests") or {}
    p = res.get("process") or {}
    w = res.get("writes")
    rec = res.get("recovery") or {}
    lines = [f"== {res['name']} ({res['transport']}): {'PASS' if res['passed'] else 'FAIL'} in {res['seconds']} s",
             f"   {res['description']}"]
    rows = [
        ("requests sent / succeeded / failed / hung",
         f"{r.get('sent')} / {r.get('succeeded')} / {r.get('failed')} / {r.get('hung')}"),
        ("failed by kind", ", ".join(f"{k} {v}" for k, v in (r.get("failed_by_kind") or {}).items()) or "-"),
        ("failures the fault should not cause",
         ", ".join(f"{k} {v}" for k, v in (r.get("unexpected_failures") or {}).items()) or "none"),
    ]
    if rec:
        rows.append(("recovery after the fault (s)", ", ".join(f"{k} {v}" for k, v in rec.items()
                                                              if k.endswith("_s") and "fault" not in k)))
    if w is not None:
        rows.append(("writes", ", ".join(f"{k} {v}" for k, v in w.items())))
    s, e = p.get("start") or {}, p.get("end") or {}
    rows.append(("RSS KiB start / end / peak", f"{s.get('rss_kib')} / {e.get('rss_kib')} / {p.get('peak_rss_kib')}"))
    rows.append(("fds start / end", f"{s.get('fds')} / {e.get('fds')}"))
    rows.append(("children start / end", f"{s.get('children')} / {e.get('children')}"))
    d = res.get("details") or {}
    for key in ("rss_growth_after_warm_up", "achieved_rate_per_s", "latency_s", "initialize_statuses",
                "pings_of_served", "http_statuses", "answers", "proxy_cuts", "succeeded_during_fault",
                "requests_during_fault", "connections_lost"):
        if key in d:
            rows.append((key.replace("_", " "), json.dumps(d[key])))
    width = max(len(k) for k, _ in rows)
    lines += [f"   {k.ljust(width)}  {v}" for k, v in rows]
    lines += [f"   note: {v}" for v in res.get("notes", [])]
    lines += [f"   VIOLATION: {v}" for v in res["violations"]]
    return "\n".join(lines)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="a few seconds a scenario, soak 30 s, 1,000 messages")
    parser.add_argument("--bin", default=os.environ.get("PATTERN_MCP_BIN", str(ROOT / "target/debug/pattern-mcp")))
    parser.add_argument("--out", default=str(ROOT / "target/chaos/results.json"))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--soak-s", type=float, default=None, help="override the soak's duration")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    args = parser.parse_args()
    if not os.path.exists(args.bin):
        print(f"chaos: pattern-mcp binary not found at {args.bin} (cargo build -p pattern-mcp, or PATTERN_MCP_BIN)",
              file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 31)
    names = [n for n in args.only.split(",") if n] or list(scenarios.SCENARIOS)
    unknown = [n for n in names if n not in scenarios.SCENARIOS]
    if unknown:
        print(f"chaos: unknown scenario {unknown}; known: {', '.join(scenarios.SCENARIOS)}", file=sys.stderr)
        return 2
    workdir = tempfile.mkdtemp(prefix="pattern-mcp-chaos-")
    run = scenarios.Run(os.path.abspath(args.bin), workdir, args.short, seed)
    if args.soak_s:
        run.soak_s = args.soak_s
    print(f"chaos: {'short' if args.short else 'full'} run of {len(names)} scenarios, binary {run.binary}, "
          f"seed {seed} (replay the message mix with --seed {seed}), work dir {workdir}", flush=True)
    started = time.monotonic()
    out = {"version": 1, "mode": "short" if args.short else "full", "binary": run.binary, "seed": seed,
           "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "bar": {"request_timeout_s": scenarios.REQUEST_TIMEOUT_S, "recovery_bound_s": scenarios.RECOVERY_BOUND_S,
                   "soak_rss_growth_max": 0.20},
           "scenarios": []}
    setup_failed = False
    for name in names:
        t = time.monotonic()
        try:
            res = await scenarios.SCENARIOS[name](run)
        except Exception as e:  # a scenario that could not run is reported, and fails the run
            setup_failed = True
            res = scenarios.result(name, "could not run", "-")
            res["violations"].append(f"the scenario could not run: {e!r}")
            res["details"]["traceback"] = traceback.format_exc()
        await scenarios.Server.kill_leftovers()
        res["seconds"] = round(time.monotonic() - t, 1)
        res["passed"] = not res["violations"]
        out["scenarios"].append(res)
        print(table(res), flush=True)
    out["duration_s"] = round(time.monotonic() - started, 1)
    out["passed"] = all(s["passed"] for s in out["scenarios"])
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    failed = [s["name"] for s in out["scenarios"] if not s["passed"]]
    print(f"\nchaos: {len(names) - len(failed)} of {len(names)} scenarios met the bar in {out['duration_s']} s"
          + (f"; failed: {', '.join(failed)}" if failed else "") + f"; results in {args.out}")
    if args.keep or failed:
        print(f"chaos: logs and databases kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        return 2 if setup_failed else 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
