#!/usr/bin/env python3
"""Writes a loadgen mix of many distinct recall questions with Zipf popularity, for the shared-tier replay.

The issue's replay: 100,000 requests over 10,000 distinct queries, Zipf(1.1). The questions are the `cached`
profile's 120 (40 subjects, 3 phrasings) crossed with a qualifier, so each is a distinct cache key that still
recalls the subject's seeded memory; the profile's 40 seeds are kept. The order of the entries is their popularity
rank (loadgen weighs rank r by 1/r^S); it is shuffled with a fixed seed so the popular questions spread over the
subjects. Deterministic: the same arguments write the same file.

Usage: tools/bench/zipf_mix.py [DISTINCT] [S] > FILE      (defaults: 10000, 1.1)
Then:  MIX=FILE REQUESTS=100000 ROUNDS=1 WARMUP_S=0 tools/bench/cache_effect.sh 0 32   (each cell from a cold cache)
"""
import json
import random
import sys
from pathlib import Path

DISTINCT = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ZIPF = float(sys.argv[2]) if len(sys.argv) > 2 else 1.1
PROFILE = Path(__file__).resolve().parents[1] / "loadgen" / "profiles" / "cached.json"

cached = json.loads(PROFILE.read_text())
questions = [r["arguments"]["query"].rstrip("?") for r in cached["requests"]]
qualifiers = [""] + [f" ({kind} {n})" for n in range(1, 1000) for kind in ("ticket", "note", "item")]
if DISTINCT > len(questions) * len(qualifiers):
    sys.exit(f"at most {len(questions) * len(qualifiers)} distinct questions")
queries = [f"{q}{qual}?" for qual in qualifiers for q in questions][:DISTINCT]
random.Random(11).shuffle(queries)
assert len(set(queries)) == len(queries)
mix = {
    "description": f"{DISTINCT} distinct recalls of the cached profile's seeded memories, Zipf({ZIPF}) popularity",
    "zipf": ZIPF,
    "seed": cached["seed"],
    "requests": [{"arguments": {"query": q}} for q in queries],
}
json.dump(mix, sys.stdout, indent=0)
sys.stdout.write("\n")
