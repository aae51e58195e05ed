"""First-call latency of a one-shot `pattern-mcp exec`: wall time of the process and the execution time it reports.

Runs each binary given (default: target/debug/pattern-mcp) N times, interleaved so a noisy machine slows them alike,
storing one memory into an in-memory SQLite store, and prints the medians.

Usage: .venv/bin/python tools/bench/first_call.py [-n 15] [BINARY ...]
"""

import argparse
import json
import pathlib
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]


def once(binary: str) -> tuple[float, float]:
    started = time.monotonic()
    run = subprocess.run(
        [binary, "--memory", "sqlite::memory:", "exec", "remember that Alice owns the billing service", "--json"],
        capture_output=True, text=True, check=True,
    )
    wall_ms = (time.monotonic() - started) * 1000
    return wall_ms, json.loads(run.stdout)["execution_time_ms"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=15)
    parser.add_argument("binaries", nargs="*", default=[str(ROOT / "target" / "debug" / "pattern-mcp")])
    args = parser.parse_args()
    samples = {b: [] for b in args.binaries}
    for _ in range(args.n):
        for binary in args.binaries:
            samples[binary].append(once(binary))
    print("| binary | runs | median wall (ms) | median execution_time_ms |")
    print("|---|---:|---:|---:|")
    for binary, runs in samples.items():
        wall = statistics.median(w for w, _ in runs)
        reported = statistics.median(e for _, e in runs)
        print(f"| {binary} | {len(runs)} | {wall:.0f} | {reported:.1f} |")


if __name__ == "__main__":
    main()
