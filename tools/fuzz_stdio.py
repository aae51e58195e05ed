#!/usr/bin/env python3
"""Fuzzes the stdio transport of the built pattern-mcp binary: one answer per readable request id.

Sends mutated JSON-RPC lines (bit flips, truncation, invalid UTF-8, lone surrogates, deep
nesting, wrong types, odd and duplicated ids, garbage) after `initialize`, then checks that
  * every request whose id is readable got exactly one answer, with that id;
  * every line without a readable id got exactly one `-32700`/`-32600` answer with `id: null`;
  * nothing else came out, every stdout line is JSON, and stderr logged the refusals;
  * a normal `tools/call` still answers correctly afterwards, and the server exits 0 at EOF.

Usage: tools/fuzz_stdio.py [--bin PATH] [--seed N] [--seconds S]
The seed is printed first; rerun with --seed N to replay a failure. Standard library only.
"""

import argparse
import json
import os
import pathlib
import queue
import random
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NO_ANSWER = object()


def bodies(rng):
    """Valid request bodies (everything after the id), as JSON objects."""
    query = rng.choice(["recent memories", "list tools", "service health", "what did we note about the port?"])
    return [
        {"method": "tools/call", "params": {"name": "stats", "arguments": {}}},
        {"method": "tools/call", "params": {"name": "route_query", "arguments": {"query": query}}},
        {"method": "tools/call", "params": {"name": "execute_pattern",
                                            "arguments": {"query": query, "context": {"k": [1, "v", None]}}}},
        {"method": "tools/list", "params": {}},
        {"method": "ping"},
        {"method": "logging/setLevel", "params": {"level": "warning"}},
    ]


def nested(rng):
    depth = rng.randint(100, 400)
    if rng.random() < 0.5:
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def mutate(rng, body: bytes) -> bytes:
    """One mutation of the body bytes; never adds a newline."""
    b = bytearray(body)
    kind = rng.randrange(9)
    if kind == 0 and b:  # bit flips
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
            if b[i] in (0x0A,):
                b[i] = 0x0B
    elif kind == 1 and b:  # truncation
        del b[rng.randrange(len(b)):]
    elif kind == 2:  # invalid UTF-8
        i = rng.randrange(len(b) + 1)
        b[i:i] = rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\x80"])
    elif kind == 3:  # lone surrogate inside a string
        return body.replace(b'"stats"', b'"\\ud800"', 1).replace(b'"v"', b'"\\udc00x"', 1).replace(
            b'"warning"', b'"\\ud83d"', 1)
    elif kind == 4:  # deep nesting
        return b'"method":"tools/call","params":{"name":"execute_pattern","arguments":{"query":"q","context":' + \
            nested(rng).encode() + b"}}}"
    elif kind == 5:  # wrong params types
        params = rng.choice(['"x"', "0", "true", "[]", "[1]", '{"name":5}', '{"name":"stats","arguments":"x"}',
                             '{"name":"stats","arguments":[1]}', '{"level":"loud"}'])
        method = rng.choice(["tools/call", "tools/list", "logging/setLevel", "ping", "initialize"])
        return f'"method":"{method}","params":{params}}}'.encode()
    elif kind == 6:  # wrong method / jsonrpc types
        return rng.choice([b'"method":5}', b'"method":null}', b'"params":{}}', b'"method":"ping","result":{}}'
                           .replace(b',"result":{}', b',"jsonrpc":"1.0"')])
    elif kind == 7:  # random bytes spliced in
        i = rng.randrange(len(b) + 1)
        b[i:i] = bytes(rng.choice([c for c in range(256) if c != 0x0A]) for _ in range(rng.randint(1, 8)))
    else:  # trailing garbage / CRLF
        b += rng.choice([b"\r", b"}", b" x", b",", b"\x00"])
    return bytes(b)


class Id:
    """Odd but readable ids, unique within a run; `value` is what json.loads gives back."""

    def __init__(self, rng, n):
        choice = rng.randrange(8)
        if choice == 0:
            self.token, self.value = str(2 ** 64 + n), 2 ** 64 + n
        elif choice == 1:
            self.token, self.value = str(-n - 1), -n - 1
        elif choice == 2:
            self.token, self.value = f"{n}.5", n + 0.5
        elif choice == 3:
            self.token, self.value = json.dumps(f"s-{n}"), f"s-{n}"
        elif choice == 4:
            self.token, self.value = f'"\\u00e9-{n}"', f"\u00e9-{n}"
        else:
            self.token, self.value = str(n), n

    def key(self):
        return json.dumps(self.value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", default=os.environ.get("PATTERN_MCP_BIN", str(ROOT / "target/debug/pattern-mcp")))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=20.0, help="total budget (sending stops at 60%%)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 32)
    print(f"fuzz_stdio: seed {seed} (replay: tools/fuzz_stdio.py --seed {seed})", flush=True)
    rng = random.Random(seed)
    if not os.path.exists(args.bin):
        sys.exit(f"fuzz_stdio: no binary at {args.bin}: run `cargo build -p pattern-mcp` or pass --bin")

    tmp = tempfile.TemporaryDirectory()
    stderr_path = pathlib.Path(tmp.name) / "stderr.log"
    with open(stderr_path, "wb") as stderr:
        proc = subprocess.Popen([args.bin, "--memory", f"sqlite:{tmp.name}/memory.db"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                env={**os.environ, "RUST_LOG": "warn"})
    answers = queue.Queue()
    bad_lines = []

    def read():
        for raw in proc.stdout:
            try:
                answers.put(json.loads(raw))
            except ValueError:
                bad_lines.append(raw)
        answers.put(None)

    threading.Thread(target=read, daemon=True).start()

    def send(data: bytes):
        proc.stdin.write(data + b"\n")
        proc.stdin.flush()

    def next_answer(timeout):
        try:
            return answers.get(timeout=timeout)
        except queue.Empty:
            return None

    start = time.monotonic()
    send(json.dumps({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}}).encode())
    init = next_answer(20)
    if not init or init.get("id") != "init" or "result" not in init:
        sys.exit(f"fuzz_stdio: initialize failed: {init}")
    send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}')

    expected = {}  # id key -> (expected answer count, the line, for the report)
    null_expected = 0
    sent = 0
    n = 0
    deadline = start + args.seconds * 0.6
    while time.monotonic() < deadline and sent < 20000:
        n += 1
        roll = rng.random()
        if roll < 0.08:  # garbage without an id: one null-id answer
            first = rng.choice([c for c in range(256) if c not in b" \t\r\n{\xef"])
            rest = bytes(rng.choice([c for c in range(256) if c != 0x0A]) for _ in range(rng.randint(0, 40)))
            send(bytes([first]) + rest)
            null_expected += 1
        elif roll < 0.13:  # an unusable id: one null-id answer
            token = rng.choice(["true", "null", "{}", "[1]", "false"])
            send(f'{{"jsonrpc":"2.0","id":{token},"method":"ping"}}'.encode())
            null_expected += 1
        elif roll < 0.17:  # invalid notification: no answer
            send(rng.choice([b'{"jsonrpc":"2.0","method":"notifications/cancelled","params":"x"}',
                             b'{"jsonrpc":"2.0","method":"x","params":{"s":"\\ud800"}}',
                             b'{"jsonrpc":"2.0","method":"notifications/progress","params":{"a":"\xff"}}']))
        else:
            ident = Id(rng, n)
            body = json.dumps(rng.choice(bodies(rng)))[1:].encode()  # without the opening brace
            prefix = b'{"jsonrpc":"2.0","id":' + ident.token.encode() + b","
            if rng.random() < 0.1:
                prefix = b"\xef\xbb\xbf" + prefix
            if roll < 0.27:  # the same id twice in one write: two answers
                line = prefix + body
                send(line + b"\n" + line)
                expected[ident.key()] = (2, line)
                sent += 2
                continue
            line = prefix + (body if roll < 0.35 else mutate(rng, body))
            answered = NO_ANSWER if (b'"result"' in line or b'"error"' in line) else 1
            expected[ident.key()] = (answered, line)
            send(line)
        sent += 1

    got = {}
    nulls = []
    stray = []
    wait_until = start + args.seconds
    want = sum(c for c, _ in expected.values() if c is not NO_ANSWER) + null_expected
    count = 0
    while count < want and time.monotonic() < wait_until:
        answer = next_answer(max(0.05, wait_until - time.monotonic()))
        if answer is None:
            break
        if "method" in answer:  # a log notification the server sends, not an answer
            continue
        count += 1
        if answer.get("id") is None:
            nulls.append(answer)
        else:
            got.setdefault(json.dumps(answer["id"]), []).append(answer)

    # A working server afterwards: a normal call answers, and no late answers are queued before it.
    send(b'{"jsonrpc":"2.0","id":"final","method":"tools/call","params":{"name":"route_query",'
         b'"arguments":{"query":"recent memories"}}}')
    final = None
    while True:
        answer = next_answer(max(1.0, wait_until + 10 - time.monotonic()))
        if answer is None or answer.get("id") == "final":
            final = answer
            break
        if "method" not in answer:
            stray.append(answer)
    proc.stdin.close()
    code = proc.wait(timeout=30)
    log = stderr_path.read_text(errors="replace")

    failures = []
    for key, (count_expected, line) in expected.items():
        answers_for = got.pop(key, [])
        if count_expected is NO_ANSWER:
            if len(answers_for) > 1:
                failures.append(f"id {key}: {len(answers_for)} answers to {line[:200]!r}")
            continue
        if len(answers_for) != count_expected:
            failures.append(f"id {key}: {len(answers_for)} answers, expected {count_expected}: {line[:200]!r}")
    for key, extra in got.items():
        failures.append(f"answer to an id never sent: {key}: {extra[0]}")
    if len(nulls) != null_expected:
        failures.append(f"{len(nulls)} null-id answers, expected {null_expected}")
    for answer in nulls:
        if answer.get("error", {}).get("code") not in (-32700, -32600):
            failures.append(f"null-id answer with an unexpected code: {answer}")
    if stray:
        failures.append(f"{len(stray)} answers after the run: {stray[:3]}")
    if bad_lines:
        failures.append(f"{len(bad_lines)} stdout lines are not JSON: {bad_lines[:3]}")
    if not final or final.get("result", {}).get("isError") is not False:
        failures.append(f"the final tools/call did not answer correctly: {final}")
    if code != 0:
        failures.append(f"the server exited with {code}")
    if "refused a JSON-RPC message" not in log:
        failures.append("stderr has no log line for the refused messages")
    print(f"fuzz_stdio: {sent} lines sent, {sum(c for c, _ in expected.values() if c is not NO_ANSWER)} "
          f"id answers and {null_expected} null-id answers expected, {time.monotonic() - start:.1f} s")
    if failures:
        print(f"fuzz_stdio: FAILED with seed {seed}:", *failures[:8], *failures[-6:], sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print("fuzz_stdio: ok")


if __name__ == "__main__":
    main()
