"""Malformed and hostile JSON-RPC messages, interleaved with valid requests, for stdio and Streamable HTTP.

`messages(rng, n, prefix)` yields `Message`s: the bytes of one line/body, its category, the id an answer must carry
(NO_ID when none is readable), how many answers that id must get, and whether the request is valid (it must then
succeed). Every fourth message is valid."""

import json
from dataclasses import dataclass, field

NO_ID = object()
NOTIFICATION = object()  # never answered

HUGE_LINE_BYTES = 4 * 1024 * 1024 + 512 * 1024  # over the 4 MiB stdio line limit, over the 1 MiB HTTP body limit

REGEX_QUERIES = [
    "(?P<x>[a-", "((((((((((a*)*)*)*)*)*)*)*)*)*$", "\\", "[[:alpha:]", "a{1000000}", "(?i)(?x)(?s).*",
    "(a+)+$" + "a" * 3000 + "!", "remember that (?P<fact>.+", "what did we note about [^]*?", "${jndi:ldap://x}",
    "list patterns (?=", "\\p{Greek}\\P{L}\\k<x>", "call tool ../../etc.passwd", "'; DROP TABLE memories; --",
    "\"unterminated phrase -minus -", "*" * 4000,
]
UNKNOWN_METHODS = ["tools/destroy", "resources/list", "prompts/get", "completion/complete", "rpc.discover",
                   "x" * 300, "tools/call/", "", "initialize/again", "$/cancelRequest"]


@dataclass
class Message:
    data: bytes
    category: str
    id: object = NO_ID
    answers: int = 1
    valid: bool = False
    must_fail: bool = False
    extra: dict = field(default_factory=dict)


def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def call(id_, name, arguments):
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": {"name": name, "arguments": arguments}}


def valid(rng, id_, namespace):
    choice = rng.randrange(6)
    if choice == 0:
        return call(id_, "execute_pattern", {"query": "list patterns", "namespace": namespace})
    if choice == 1:
        return call(id_, "execute_pattern", {"query": f"what did we note about item {rng.randrange(20)}?",
                                              "namespace": namespace})
    if choice == 2:
        return call(id_, "route_query", {"query": "kubectl get pods -n payments"})
    if choice == 3:
        return {"jsonrpc": "2.0", "id": id_, "method": "tools/list"}
    if choice == 4:
        return {"jsonrpc": "2.0", "id": id_, "method": "ping"}
    return call(id_, "stats", {})


def messages(rng, n, prefix, namespace, http=False):
    """`n` messages (a duplicated-id pair counts as two)."""
    out = []
    i = 0
    while len(out) < n:
        i += 1
        hid = f"{prefix}{i}"
        if i % 4 == 0:
            out.append(Message(dumps(valid(rng, hid, namespace)), "valid", hid, valid=True))
            continue
        kind = rng.randrange(11)
        if kind == 0:  # invalid JSON: the id is readable before the break, or not at all
            body = dumps(valid(rng, hid, namespace))
            cut = rng.randrange(len(b'{"jsonrpc":"2.0","id":"') + len(hid) + 2, len(body) - 1)
            out.append(Message(body[:cut], "invalid_json", hid, must_fail=True))
            garbage = rng.choice([b"not json", b"}{", b'{"jsonrpc":"2.0",', b"\xff\xfe\xfd", b"[", b'"\\ud800"',
                                  b'{"id":"\xff'])
            out.append(Message(garbage, "invalid_json_no_id", NO_ID, must_fail=True))
        elif kind == 1:  # wrong types in the tool arguments or the envelope
            args = {"query": "list patterns"}
            field_, value = rng.choice([("query", 5), ("query", []), ("query", None), ("namespace", {"a": 1}),
                                        ("namespace", "bad namespace!"), ("execution_mode", "turbo"),
                                        ("use_cache", "yes"), ("context", "str"), ("idempotency_key", 12),
                                        ("explain", 1), ("context", {"importance": "high"}),
                                        ("context", {"tags": [1, 2]})])
            args[field_] = value
            out.append(Message(dumps(call(hid, "execute_pattern", args)), "wrong_types", hid, must_fail=True))
            envelope = rng.choice([
                {"jsonrpc": "2.0", "id": hid, "method": "tools/call", "params": "x"},
                {"jsonrpc": "2.0", "id": hid, "method": "tools/call", "params": {"name": 5}},
                {"jsonrpc": "2.0", "id": hid, "method": "tools/call", "params": {"name": "stats", "arguments": [1]}},
                {"jsonrpc": "1.0", "id": hid, "method": "ping"},
                {"jsonrpc": "2.0", "id": hid, "method": 7},
                {"jsonrpc": "2.0", "id": hid, "method": "logging/setLevel", "params": {"level": "loud"}},
            ])
            hid2 = hid + "e"
            envelope["id"] = hid2
            out.append(Message(dumps(envelope), "wrong_types", hid2, must_fail=True))
            bad_id = rng.choice([{"a": 1}, [1], True, None])
            out.append(Message(dumps({"jsonrpc": "2.0", "id": bad_id, "method": "ping"}), "wrong_id_type",
                               NO_ID, must_fail=True))
        elif kind == 2:  # huge strings
            size = rng.choice(["query", "context", "namespace", "tags", "line"])
            if size == "line" and rng.random() < 0.1:
                pad = "x" * (HUGE_LINE_BYTES if not http else 2 * 1024 * 1024)
                out.append(Message(dumps(call(hid, "execute_pattern", {"query": pad})), "huge_line", hid,
                                   must_fail=True))
            elif size == "context":
                out.append(Message(dumps(call(hid, "execute_pattern", {"query": "list patterns", "context": {
                    "note": "y" * 20000}})), "huge_string", hid, must_fail=True))
            elif size == "namespace":
                out.append(Message(dumps(call(hid, "execute_pattern", {"query": "list patterns",
                                                                         "namespace": "n" * 10000})),
                                   "huge_string", hid, must_fail=True))
            elif size == "tags":
                out.append(Message(dumps(call(hid, "execute_pattern", {
                    "query": "remember that tags overflow", "namespace": namespace,
                    "context": {"tags": [f"t{k}" for k in range(500)]}})), "huge_string", hid, must_fail=True))
            else:
                out.append(Message(dumps(call(hid, "execute_pattern", {"query": "q" * rng.choice([4097, 100000])})),
                                   "huge_string", hid, must_fail=True))
        elif kind == 3:  # unknown fields: in the tool arguments (refused), in the envelope and params (ignored)
            args = {"query": "list patterns", "namespace": namespace, rng.choice(["bogus", "__proto__", "$where"]): 1}
            out.append(Message(dumps(call(hid, "execute_pattern", args)), "unknown_field_args", hid, must_fail=True))
            msg = valid(rng, hid + "u", namespace)
            msg["extra_top_level"] = {"x": [1, 2, 3]}
            out.append(Message(dumps(msg), "unknown_field_envelope", hid + "u"))
        elif kind == 4:  # regex syntax, injections and backtracking bait as queries: answered, never a hang
            q = rng.choice(REGEX_QUERIES)
            tool = rng.choice(["execute_pattern", "route_query"])
            args = {"query": q} if tool == "route_query" else {"query": q, "namespace": namespace}
            out.append(Message(dumps(call(hid, tool, args)), "regex_in_query", hid))
        elif kind == 5:  # unknown methods
            out.append(Message(dumps({"jsonrpc": "2.0", "id": hid, "method": rng.choice(UNKNOWN_METHODS),
                                      "params": {}}), "unknown_method", hid, must_fail=True))
        elif kind == 6:  # the same id twice in a row: both answered
            msg = dumps(valid(rng, hid, namespace))
            out.append(Message(msg, "id_reused", hid, answers=2))
            out.append(Message(msg, "id_reused_second", NOTIFICATION))
        elif kind == 7:  # an id of an earlier, finished request
            earlier = f"{prefix}{max(4, (i // 8) * 4)}"
            out.append(Message(dumps({"jsonrpc": "2.0", "id": earlier, "method": "ping"}), "id_of_earlier",
                               earlier))
        elif kind == 8:  # notifications nobody answers
            note = rng.choice([
                {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "nope"}},
                {"jsonrpc": "2.0", "method": "notifications/unknown"},
                {"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": [1]}},
                {"jsonrpc": "2.0", "method": "notifications/initialized", "params": 5},
            ])
            out.append(Message(dumps(note), "notification", NOTIFICATION))
        elif kind == 9:  # deep nesting
            depth = rng.randint(130, 2000)
            ctx = '{"a":' * depth + "1" + "}" * depth
            body = (f'{{"jsonrpc":"2.0","id":"{hid}","method":"tools/call","params":{{"name":"execute_pattern",'
                    f'"arguments":{{"query":"q","context":{ctx}}}}}}}').encode()
            out.append(Message(body, "deep_nesting", hid, must_fail=True))
        else:  # invalid UTF-8 and lone surrogates inside strings
            bad = rng.choice([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80", b"\\ud800", b"\\udfff\\ud800"])
            body = (b'{"jsonrpc":"2.0","id":"' + hid.encode() + b'","method":"tools/call","params":{"name":'
                    b'"execute_pattern","arguments":{"query":"list ' + bad + b' patterns"}}}')
            out.append(Message(body, "bad_unicode", hid, must_fail=True))
    out = out[:n]
    if out[-1].answers == 2:  # the second of the pair was cut off
        out[-1].answers = 1
    return out
