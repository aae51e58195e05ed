"""Shared pieces of the chaos runs: the server under test, its clients, /proc readings, the request log and the
ledger of idempotent writes. Standard library plus httpx2 (from tests/requirements.txt, through `mcp`)."""

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import time
from collections import Counter

import httpx2

# A request not answered within this is hung (a violation whatever the fault).
REQUEST_TIMEOUT_S = 10.0
# After a fault ends, the affected requests must succeed again within this.
RECOVERY_BOUND_S = 5.0
PROTOCOL = "2025-06-18"
MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


class Hung(Exception):
    """No answer within REQUEST_TIMEOUT_S."""


class Gone(Exception):
    """The server's end of the connection went away (EOF on stdout, connection refused or reset)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline_s=30.0, alive=lambda: True):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            if not alive():
                return False
            time.sleep(0.02)
    return False


# ---------------------------------------------------------------------------------------------------------------
# /proc


def children_of(pid):
    """Pids whose parent is `pid` (every thread's children file)."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(p) for p in f.read().split())
    except OSError:
        pass
    return sorted(set(out))


def proc_sample(pid):
    """RSS (KiB), open file descriptors and child processes of `pid`, from /proc; None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, StopIteration):
        return None
    return {"rss_kib": rss, "fds": fds, "children": len(children_of(pid))}


# ---------------------------------------------------------------------------------------------------------------
# The server under test


class Server:
    """One pattern-mcp process: stdio (the default) or `--http` on a free port. Its stderr goes to a file."""

    started = []  # every server of the run, so that one a failed scenario left running can be killed

    @classmethod
    async def kill_leftovers(cls):
        for server in cls.started:
            if server.proc.returncode is None:
                server.proc.kill()
                await server.proc.wait()
        cls.started.clear()

    def __init__(self, binary, workdir, name, args, http=False, env=None):
        self.binary, self.workdir, self.name, self.args, self.http = binary, workdir, name, list(args), http
        self.env = {**os.environ, "RUST_LOG": "warn", **(env or {})}
        self.port = free_port() if http else None
        self.proc = None
        self.stderr_path = os.path.join(workdir, f"{name}.stderr.log")
        self.peak_rss = 0

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    async def start(self):
        args = list(self.args)
        if self.http:
            args += ["--http", f"127.0.0.1:{self.port}"]
        self.errlog = open(self.stderr_path, "wb")
        self.proc = await asyncio.create_subprocess_exec(
            self.binary, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self.errlog,
            env=self.env, limit=64 * 1024 * 1024)
        Server.started.append(self)
        if self.http:
            deadline = time.monotonic() + 30
            async with httpx2.AsyncClient(timeout=1) as client:
                while True:
                    try:
                        if (await client.get(f"{self.base}/healthz")).text == "ok":
                            break
                    except httpx2.HTTPError:
                        pass
                    if self.proc.returncode is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"{self.name} did not start: {self.stderr_tail()}")
                    await asyncio.sleep(0.05)
        return self

    def sample(self):
        s = proc_sample(self.proc.pid)
        if s:
            self.peak_rss = max(self.peak_rss, s["rss_kib"])
        return s

    def alive(self):
        return self.proc.returncode is None

    def stderr_tail(self, n=2000):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    async def stop(self, timeout=20.0):
        """Ends the process the way a client does (EOF on stdin; SIGTERM over HTTP); returns its exit code, or
        None if it had to be killed."""
        if self.proc.returncode is None:
            if self.http:
                self.proc.terminate()
            else:
                try:
                    self.proc.stdin.close()
                except Exception:
                    pass
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except asyncio.TimeoutError:
                self.proc.kill()
                await self.proc.wait()
                self.errlog.close()
                return None
        self.errlog.close()
        return self.proc.returncode


# ---------------------------------------------------------------------------------------------------------------
# Clients


def initialize_message(id_):
    return {"jsonrpc": "2.0", "id": id_, "method": "initialize", "params": {
        "protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": {"name": "chaos", "version": "0"}}}


class StdioClient:
    """Raw JSON-RPC over the server's stdin/stdout, many requests in flight, answers matched by id."""

    def __init__(self, server):
        self.server = server
        self.pending = {}  # id key -> list of futures, answered in order
        self.stray = []  # answers nobody waited for (null ids included)
        self.next_id = 0
        self.eof = False
        self.reader = asyncio.create_task(self._read())
        self.write_lock = asyncio.Lock()

    async def _read(self):
        stdout = self.server.proc.stdout
        while True:
            try:
                line = await stdout.readline()
            except Exception:  # a line over the reader's limit
                break
            if not line:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                self.stray.append({"unparsable": line[:200].decode(errors="replace")})
                continue
            key = json.dumps(msg.get("id"))
            waiters = self.pending.get(key)
            if waiters:
                fut = waiters.pop(0)
                if not waiters:
                    del self.pending[key]
                if not fut.done():
                    fut.set_result(msg)
            else:
                self.stray.append(msg)
        self.eof = True
        for waiters in self.pending.values():
            for fut in waiters:
                if not fut.done():
                    fut.set_exception(Gone("stdout closed"))
        self.pending.clear()

    async def send_line(self, data: bytes):
        if self.eof:
            raise Gone("stdout closed")
        async with self.write_lock:
            try:
                self.server.proc.stdin.write(data + b"\n")
                await self.server.proc.stdin.drain()
            except (BrokenPipeError, ConnectionResetError) as e:
                raise Gone(str(e))

    def expect(self, id_value):
        fut = asyncio.get_running_loop().create_future()
        self.pending.setdefault(json.dumps(id_value), []).append(fut)
        return fut

    async def request_raw(self, line: bytes, id_value, timeout=REQUEST_TIMEOUT_S):
        """Sends `line` (whose id is `id_value`) and waits for the answer with that id."""
        fut = self.expect(id_value)
        await self.send_line(line)
        try:
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except asyncio.TimeoutError:
            raise Hung()

    async def rpc(self, method, params=None, timeout=REQUEST_TIMEOUT_S):
        self.next_id += 1
        id_ = f"c{self.next_id}"
        msg = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            msg["params"] = params
        return await self.request_raw(json.dumps(msg).encode(), id_, timeout)

    async def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        await self.send_line(json.dumps(msg).encode())

    async def initialize(self):
        answer = await self.request_raw(json.dumps(initialize_message("init")).encode(), "init", 30)
        if "result" not in answer:
            raise RuntimeError(f"initialize failed: {answer}")
        await self.notify("notifications/initialized")

    async def close(self):
        self.reader.cancel()


def sse_messages(text):
    """The JSON-RPC messages of an event-stream body (or a JSON body)."""
    text = text.strip()
    if text.startswith("{"):
        return [json.loads(text)]
    out = []
    for line in text.splitlines():
        if line.startswith("data:"):
            data = line[5:].strip()
            if data:
                try:
                    out.append(json.loads(data))
                except ValueError:
                    pass
    return out


class HttpSession:
    """A Streamable HTTP session (2025-06-18) opened with raw HTTP; `rpc` POSTs one request and reads its answer."""

    def __init__(self, client: httpx2.AsyncClient, base, token=None):
        self.client, self.base, self.token = client, base, token
        self.session_id = None
        self.next_id = 0

    def headers(self, session=True):
        h = dict(MCP_HEADERS)
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if session and self.session_id:
            h["Mcp-Session-Id"] = self.session_id
            h["Mcp-Protocol-Version"] = PROTOCOL
        return h

    async def open(self):
        r = await self.client.post(f"{self.base}/mcp", json=initialize_message(1), headers=self.headers(False),
                                   timeout=REQUEST_TIMEOUT_S)
        if r.status_code != 200:
            raise RuntimeError(f"initialize: HTTP {r.status_code} {r.text[:200]}")
        self.session_id = r.headers["mcp-session-id"]
        r = await self.client.post(f"{self.base}/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"},
                                   headers=self.headers(), timeout=REQUEST_TIMEOUT_S)
        if r.status_code != 202:
            raise RuntimeError(f"initialized: HTTP {r.status_code}")
        return self

    async def post_raw(self, content: bytes, headers=None, timeout=REQUEST_TIMEOUT_S):
        try:
            return await self.client.post(f"{self.base}/mcp", content=content, headers=headers or self.headers(),
                                          timeout=timeout)
        except httpx2.TimeoutException:
            raise Hung()
        except httpx2.TransportError as e:
            raise Gone(repr(e))

    async def rpc(self, method, params=None, timeout=REQUEST_TIMEOUT_S):
        self.next_id += 1
        id_ = self.next_id  # other requests of the session may be in flight
        msg = {"jsonrpc": "2.0", "id": id_, "method": method}
        if params is not None:
            msg["params"] = params
        r = await self.post_raw(json.dumps(msg).encode(), timeout=timeout)
        if r.status_code != 200:
            return {"jsonrpc": "2.0", "id": id_, "http_status": r.status_code, "error": {
                "code": -r.status_code, "message": r.text[:300]}}
        answers = [m for m in sse_messages(r.text) if m.get("id") == id_]
        if len(answers) != 1:
            return {"id": id_, "error": {"code": 0, "message": f"{len(answers)} answers: {r.text[:300]}"}}
        return answers[0]

    async def delete(self):
        return await self.client.delete(f"{self.base}/mcp", headers=self.headers(), timeout=REQUEST_TIMEOUT_S)


def tool_outcome(answer):
    """(ok, reason, structured) of a tools/call answer: reason is `rpc:<code>`, the result's
    metadata.error_reason, or `tool_error` for an argument error."""
    if "error" in answer:
        code = answer["error"].get("code")
        if "http_status" in answer:
            return False, f"http_{answer['http_status']}", None
        return False, f"rpc:{code}", None
    result = answer.get("result") or {}
    sc = result.get("structuredContent")
    if result.get("isError"):
        if sc and isinstance(sc, dict):
            return False, (sc.get("metadata") or {}).get("error_reason") or "failed", sc
        return False, "tool_error", None
    if sc is None:
        return False, "no_structured_content", None
    if "success" in sc and not sc["success"]:
        return False, (sc.get("metadata") or {}).get("error_reason") or "failed", sc
    return True, None, sc


# ---------------------------------------------------------------------------------------------------------------
# What happened to every request


class Recorder:
    """Every request: kind, when sent and answered (monotonic seconds), ok or the reason of its failure."""

    def __init__(self):
        self.t0 = time.monotonic()
        self.entries = []  # (kind, sent, done, ok, reason)

    def now(self):
        return time.monotonic() - self.t0

    def add(self, kind, sent, ok, reason=None):
        self.entries.append((kind, sent, self.now(), ok, reason))

    async def call(self, kind, coro):
        """Awaits `coro` (returning (ok, reason, structured)); records it, hung and gone included."""
        sent = self.now()
        try:
            ok, reason, sc = await coro
        except Hung:
            ok, reason, sc = False, "hung", None
        except Gone as e:
            ok, reason, sc = False, "connection_lost", {"detail": str(e)}
        self.add(kind, sent, ok, reason)
        return ok, reason, sc

    def summary(self, allowed=lambda kind, sent, done, reason: False):
        """Counts; `allowed(kind, sent, done, reason)` says whether a failure is one the fault may cause."""
        failed = Counter()
        unexpected = Counter()
        hung = 0
        for kind, sent, done, ok, reason in self.entries:
            if ok:
                continue
            failed[f"{kind}:{reason}"] += 1
            if reason == "hung":
                hung += 1
            elif not allowed(kind, sent, done, reason):
                unexpected[f"{kind}:{reason}"] += 1
        ok = sum(1 for e in self.entries if e[3])
        return {"sent": len(self.entries), "succeeded": ok, "failed": len(self.entries) - ok, "hung": hung,
                "failed_by_kind": dict(sorted(failed.items())), "unexpected_failures": dict(sorted(unexpected.items()))}

    def first_success_after(self, t, kinds):
        times = [done for kind, sent, done, ok, _ in self.entries if ok and kind in kinds and sent >= t]
        return min(times) if times else None


UNKNOWN = ("outcome_unknown", "hung", "connection_lost")


class Ledger:
    """Idempotent writes: every store carries a key; what the server said of each."""

    def __init__(self, namespace):
        self.namespace = namespace
        self.keys = {}  # key -> {"text", "status": confirmed|unknown|failed|pending, "id", "reason", "history"}
        self.counter = 0

    def new(self, prefix):
        self.counter += 1
        key = f"{prefix}-{self.counter}"
        self.keys[key] = {"text": f"chaos item {key} lives in rack {self.counter % 97}", "status": "pending",
                          "id": None, "history": []}
        return key

    def note(self, key, ok, reason, sc):
        entry = self.keys[key]
        if ok:
            stored = (sc.get("result") or {}).get("stored") or {}
            replay = bool((sc.get("metadata") or {}).get("idempotent_replay"))
            entry["history"].append("replay" if replay else "stored")
            if entry["status"] == "confirmed" and entry["id"] != str(stored.get("id")):
                entry["id_mismatch"] = (entry["id"], str(stored.get("id")))
            entry["status"], entry["id"] = "confirmed", str(stored.get("id"))
        else:
            entry["history"].append(reason)
            if entry["status"] != "confirmed":
                entry["status"] = "unknown" if reason in UNKNOWN else "failed"

    def store_args(self, key):
        return {"query": f"remember that {self.keys[key]['text']}", "namespace": self.namespace,
                "idempotency_key": key}

    async def retry_open(self, call, attempts=20):
        """Sends every write not confirmed again with its key, until confirmed (a fault is over by now)."""
        for key, entry in self.keys.items():
            for _ in range(attempts):
                if entry["status"] == "confirmed":
                    break
                entry["retried"] = True
                ok, reason, sc = await call(self.store_args(key))
                self.note(key, ok, reason, sc)
                if not ok:
                    await asyncio.sleep(0.25)

    def check(self, rows):
        """`rows`: {idempotency_key: [ids]} of the namespace as stored. Returns (figures, violations)."""
        figures = Counter()
        violations = []
        for key, entry in self.keys.items():
            figures["keys"] += 1
            hist = entry["history"]
            ids = rows.get(key, [])
            if entry.get("retried"):
                figures["retried"] += 1
            # A replay answers a write made before; only a success or an unknown outcome can have made it (a
            # failure known before sending wrote nothing, says the contract).
            maybe_written = False
            seen_unknown = False
            for h in hist:
                if h in UNKNOWN:
                    if not seen_unknown:
                        figures["outcome_unknown"] += 1
                    seen_unknown = maybe_written = True
                elif h in ("stored", "replay"):
                    if seen_unknown and f"resolved:{key}" not in figures:
                        figures[f"resolved:{key}"] = 1
                        figures[f"unknown_then_{h}"] += 1
                    if h == "replay" and not maybe_written:
                        figures["phantom"] += 1
                        violations.append(f"write {key}: a replay, but nothing before it could have written "
                                          f"(history {hist})")
                    maybe_written = True
                else:
                    figures["attempts_failed_before_sending"] += 1
            if entry["status"] == "confirmed":
                figures["confirmed"] += 1
                if not ids:
                    figures["lost"] += 1
                    violations.append(f"write {key}: confirmed (id {entry['id']}) but not stored")
                elif entry["id"] not in ids:
                    violations.append(f"write {key}: confirmed id {entry['id']} but stored as {ids}")
            else:
                figures["unresolved"] += 1
                violations.append(f"write {key}: never confirmed after retries: {hist}")
            if "id_mismatch" in entry:
                violations.append(f"write {key}: a replay answered another id {entry['id_mismatch']}")
            if len(ids) > 1:
                figures["duplicated"] += 1
                violations.append(f"write {key}: stored {len(ids)} times {ids}")
        for k in [k for k in figures if k.startswith("resolved:")]:
            del figures[k]
        stray = [k for k in rows if k not in self.keys]
        figures["rows"] = sum(len(v) for v in rows.values())
        if stray:
            figures["unexpected_rows"] = len(stray)
            violations.append(f"{len(stray)} stored rows carry keys never sent: {stray[:5]}")
        for k in ("lost", "duplicated", "phantom", "unresolved"):
            figures.setdefault(k, 0)
        return dict(sorted(figures.items())), violations


def sqlite_rows(path, namespace):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = {}
        for key, id_ in con.execute("SELECT idempotency_key, id FROM memories WHERE namespace = ?", (namespace,)):
            rows.setdefault(key, []).append(str(id_))
        return rows
    finally:
        con.close()


def psql(url, sql):
    out = subprocess.run(["psql", url, "-qAtX", "-F", "\t", "-c", sql], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"psql: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def postgres_rows(url, schema, namespace):
    rows = {}
    for key, id_ in psql(url, f"SELECT idempotency_key, id FROM \"{schema}\".memories WHERE namespace = '{namespace}'"):
        rows.setdefault(key, []).append(id_)
    return rows
