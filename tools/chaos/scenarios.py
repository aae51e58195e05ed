"""The chaos scenarios. Each takes a `Run` (binary, work directory, durations) and returns a result dict:
{name, description, transport, requests, recovery, writes, process, details, violations}."""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import signal
import tempfile
import time

import httpx2

import hostile
from lib import (RECOVERY_BOUND_S, REQUEST_TIMEOUT_S, Gone, HttpSession, Hung, Ledger, Recorder, Server,
                 StdioClient, children_of, postgres_rows, sqlite_rows, tool_outcome)
from pgproxy import CuttingProxy
from services import OwnPostgres, OwnRedis, OwnRedisCluster

MEMORY_FAULT_REASONS = {"unavailable", "outcome_unknown", "timeout"}
DOWNSTREAM_FAULT_REASONS = {"crashed", "not_connected"}

JWT_SECRET = "chaos-jwt-secret-chaos-jwt-secret-0123"
OPS_TOKEN = "chaos-ops-token-0123456789"


class Run:
    def __init__(self, binary, workdir, short, seed):
        self.binary, self.workdir, self.short, self.seed = binary, workdir, short, seed
        # Load before the fault, the fault itself, load after it ends.
        self.warm_s, self.fault_s, self.after_s = (2.0, 2.0, 4.0) if short else (5.0, 5.0, 10.0)
        self.workers = 16
        self.hostile_messages = 1000 if short else 10000
        self.sessions = 1000
        self.soak_s = 30.0 if short else 600.0
        self.soak_rate = 40.0

    def dir(self, name):
        path = os.path.join(self.workdir, name)
        os.makedirs(path, exist_ok=True)
        return path

    @property
    def test_server(self):
        return os.path.join(os.path.dirname(self.binary), "pattern-test-server")


def jwt(claims):
    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    signing_input = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{b64(json.dumps(claims).encode())}"
    sig = hmac.new(JWT_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(sig)}"


def http_config(path, extra=""):
    digest = hashlib.sha256(OPS_TOKEN.encode()).hexdigest()
    with open(path, "w") as f:
        f.write(f'[http]\njwt_secret = "{JWT_SECRET}"\n{extra}'
                f'[[http.tokens]]\nid = "ops"\nrole = "admin"\nsha256 = "{digest}"\n')
    return path


# ---------------------------------------------------------------------------------------------------------------
# Load: workers sending a weighted mix of request kinds until stopped


class Load:
    def __init__(self, rec, client, ledger, mix, key_prefix):
        self.rec, self.client, self.ledger, self.key_prefix = rec, client, ledger, key_prefix
        self.kinds = [k for k, w in mix.items() for _ in range(w)]
        self.running = True
        self.tasks = []
        self.rng = random.Random(7)
        self.n = 0

    async def tool(self, name, arguments):
        return tool_outcome(await self.client.rpc("tools/call", {"name": name, "arguments": arguments}))

    async def store(self, key):
        ok, reason, sc = await self.rec.call("store", self.tool("execute_pattern", self.ledger.store_args(key)))
        self.ledger.note(key, ok, reason, sc)
        return ok, reason, sc

    async def one(self, kind):
        self.n += 1
        ns = self.ledger.namespace
        if kind == "store":
            return await self.store(self.ledger.new(self.key_prefix))
        if kind == "recall":
            args = {"query": f"what did we note about chaos item {self.key_prefix}-{self.n % 40}?", "namespace": ns}
        elif kind == "patterns":
            args = {"query": "list patterns", "namespace": ns}
        elif kind == "echo":
            args = {"query": "call tool test.echo", "context": {"arguments": {"text": f"echo {self.n}"}},
                    "use_cache": False}
        elif kind == "route":
            return await self.rec.call(kind, self.tool("route_query", {"query": "kubectl get pods -n payments"}))
        elif kind == "stats":
            return await self.rec.call(kind, self.tool("stats", {}))
        else:
            raise ValueError(kind)
        return await self.rec.call(kind, self.tool("execute_pattern", args))

    async def worker(self):
        while self.running:
            await self.one(self.rng.choice(self.kinds))
            await asyncio.sleep(0.002)

    def start(self, workers):
        self.tasks = [asyncio.create_task(self.worker()) for _ in range(workers)]

    async def stop(self):
        self.running = False
        await asyncio.gather(*self.tasks)


async def stdio_server(run, name, args, env=None):
    server = await Server(run.binary, run.dir(name), name, args, env=env).start()
    client = StdioClient(server)
    await client.initialize()
    return server, client


def result(name, description, transport):
    return {"name": name, "description": description, "transport": transport, "requests": None, "recovery": None,
            "writes": None, "process": None, "details": {}, "violations": [], "notes": []}


async def finish(res, server, start_sample, end_sample):
    """Stops the server, checks it exited 0 and left no child behind."""
    crashed_before_stop = not server.alive()
    code = await server.stop()
    res["process"] = {"start": start_sample, "end": end_sample, "peak_rss_kib": server.peak_rss, "exit_code": code}
    if crashed_before_stop:
        res["violations"].append(f"the server exited during the run (code {code}): {server.stderr_tail(600)}")
    elif code != 0:
        res["violations"].append(f"the server did not exit cleanly (code {code})")
    if end_sample and start_sample and end_sample["children"] > start_sample["children"]:
        res["violations"].append(f"child processes grew from {start_sample['children']} to {end_sample['children']}")


async def settled_sample(server):
    """/proc figures once the connections the client just closed are gone on the server's side too."""
    await asyncio.sleep(0.5)
    return server.sample()


async def sampler(server, stop, every=0.5):
    while not stop.is_set():
        server.sample()
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass


async def fault_under_load(run, res, server, client, rec, ledger, mix, key_prefix, fault, restore, probe,
                           affected_kinds, allowed_reasons, fault_s=None):
    """Load before, during and after a fault: `fault()` starts it, `restore()` ends it, `probe()` returns when the
    affected path answers again. Fills res["requests"] and res["recovery"]."""
    load = Load(rec, client, ledger, mix, key_prefix)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler(server, stop))
    # The namespace holds a memory before the first recall (else a recall has nothing to answer from).
    await load.store(ledger.new(key_prefix))
    load.start(run.workers)
    await asyncio.sleep(run.warm_s)
    t_fault = rec.now()
    details = await fault() or {}
    await asyncio.sleep(run.fault_s if fault_s is None else fault_s)
    await restore()
    t_end = rec.now()
    try:
        await asyncio.wait_for(probe(), RECOVERY_BOUND_S * 4)
        probe_s = rec.now() - t_end
    except asyncio.TimeoutError:
        probe_s = None
    await asyncio.sleep(run.after_s)
    await load.stop()
    stop.set()
    await sampling
    first = rec.first_success_after(t_end, affected_kinds)

    def allowed(kind, sent, done, reason):
        return kind in affected_kinds and reason in allowed_reasons and done >= t_fault and \
            sent <= t_end + RECOVERY_BOUND_S

    res["requests"] = rec.summary(allowed)
    res["recovery"] = {"fault_started_s": round(t_fault, 3), "fault_ended_s": round(t_end, 3),
                       "probe_s": None if probe_s is None else round(probe_s, 3),
                       "first_success_s": None if first is None else round(first - t_end, 3),
                       "affected_kinds": sorted(affected_kinds)}
    res["details"].update(details)
    during = [e for e in rec.entries if t_fault <= e[1] <= t_end]
    res["details"]["requests_during_fault"] = len(during)
    res["details"]["succeeded_during_fault"] = sum(1 for e in during if e[3])
    check_requests(res)
    if probe_s is None or probe_s > RECOVERY_BOUND_S:
        res["violations"].append(f"not recovered within {RECOVERY_BOUND_S} s of the fault's end (probe: {probe_s})")
    if first is None or first - t_end > RECOVERY_BOUND_S:
        res["violations"].append(f"no success of {sorted(affected_kinds)} within {RECOVERY_BOUND_S} s of the "
                                 f"fault's end (first: {first and first - t_end})")


def check_requests(res):
    r = res["requests"]
    if r["hung"]:
        res["violations"].append(f"{r['hung']} requests hung (no answer within {REQUEST_TIMEOUT_S} s)")
    if r["unexpected_failures"]:
        res["violations"].append(f"failures the fault should not cause: {r['unexpected_failures']}")


async def check_writes(res, ledger, rows):
    figures, violations = ledger.check(rows)
    res["writes"] = figures
    res["violations"].extend(violations[:20])
    if len(violations) > 20:
        res["violations"].append(f"... {len(violations) - 20} more write violations")


def redis_mix():
    return {"recall": 4, "store": 2, "patterns": 2, "route": 1, "stats": 1}


# ---------------------------------------------------------------------------------------------------------------
# a. Redis killed and restarted under load


async def redis_kill(run, cluster):
    name = "redis_cluster_node_kill" if cluster else "redis_standalone_kill"
    res = result(name, ("one node of a three-node Redis Cluster" if cluster else "a standalone Redis") +
                 " SIGKILLed under load and restarted on its port; Redis never fails a request and the tier "
                 "must write again within 5 s", "stdio")
    wd = run.dir(name)
    redis = OwnRedisCluster(os.path.join(wd, "redis")).start() if cluster else \
        OwnRedis(os.path.join(wd, "redis")).start()
    victim = redis.nodes[1] if cluster else redis
    config = os.path.join(wd, "config.toml")
    with open(config, "w") as f:
        f.write("[redis]\ntimeout_ms = 50\n")
    db = os.path.join(wd, "memory.db")
    try:
        server, client = await stdio_server(run, name, ["--memory", f"sqlite:{db}", "--redis", redis.url,
                                                         "--config", config])
        rec, ledger = Recorder(), Ledger("chaos-redis")
        start = server.sample()
        load_ref = {}

        async def fault():
            before = await asyncio.to_thread(victim.dbsize)
            victim.kill()
            return {"victim_keys_before_kill": before}

        async def restore():
            victim.start()
            if cluster:
                # The fault ends when Redis itself serves again: the node has rejoined and every node says ok.
                t = time.monotonic()
                await asyncio.to_thread(redis.wait_ok)
                load_ref["cluster_rejoin_s"] = round(time.monotonic() - t, 3)

        async def probe():
            # The tier writes again: fresh recalls land entries on the restarted (empty) server.
            i = 0
            while await asyncio.to_thread(victim.dbsize) == 0:
                i += 1
                await client.rpc("tools/call", {"name": "execute_pattern", "arguments": {
                    "query": f"what did we note about probe topic {i}?", "namespace": "chaos-redis-probe"}})
                await asyncio.sleep(0.05)
            load_ref["probe_requests"] = i

        await fault_under_load(run, res, server, client, rec, ledger, redis_mix(), "r", fault, restore, probe,
                               {"recall", "store", "patterns", "route", "stats"}, set())
        res["details"].update(load_ref)
        answer = await client.rpc("tools/call", {"name": "stats", "arguments": {}})
        ok, _, sc = tool_outcome(answer)
        if ok:
            res["details"]["stats_cache_redis"] = (sc.get("cache") or {}).get("redis")
        await ledger.retry_open(lambda args: Load(rec, client, ledger, {}, "r").tool("execute_pattern", args))
        end = await settled_sample(server)
        await finish(res, server, start, end)
        await check_writes(res, ledger, sqlite_rows(db, ledger.namespace))
    finally:
        redis.stop()
    return res


# ---------------------------------------------------------------------------------------------------------------
# b. PostgreSQL restarted under load; a proxy cutting connections mid-stream


def pg_memory_url(port, schema):
    return (f"postgres://postgres@127.0.0.1:{port}/postgres?schema={schema}&connect_timeout_s=1"
            f"&statement_timeout_ms=2000&sslmode=disable&pool_size=8")


async def postgres_fault(run, via_proxy):
    name = "postgres_proxy_cuts" if via_proxy else "postgres_restart"
    res = result(name, ("a TCP proxy between pattern-mcp and PostgreSQL cuts connections mid-stream (half a "
                        "chunk relayed, then RST) and all at once every 0.5 s" if via_proxy else
                        "a private PostgreSQL stopped with `pg_ctl -m immediate` under load, then started again") +
                 "; memory requests may fail (unavailable, outcome_unknown, timeout) during the fault, nothing "
                 "else; every confirmed write stored once", "stdio")
    pg = OwnPostgres(tempfile.mkdtemp(prefix="pattern-mcp-chaos-pg-"))
    try:
        pg.init().start()
    except Exception:
        pg.destroy()
        raise
    proxy = None
    schema = "chaos"
    try:
        port = pg.port
        if via_proxy:
            from lib import free_port
            proxy = await CuttingProxy(pg.port, free_port(), seed=run.seed).start()
            port = proxy.listen_port
        server, client = await stdio_server(run, name, ["--memory", pg_memory_url(port, schema)])
        rec, ledger = Recorder(), Ledger("chaos-pg")
        start = server.sample()
        mix = {"store": 3, "recall": 3, "patterns": 2, "route": 1, "stats": 1}
        cutter = {}

        async def fault():
            if via_proxy:
                proxy.cutting = True

                async def cut_all_often():
                    while proxy.cutting:
                        proxy.cut_all()
                        await asyncio.sleep(0.5)
                cutter["task"] = asyncio.create_task(cut_all_often())
            else:
                await asyncio.to_thread(pg.stop, "immediate")

        async def restore():
            if via_proxy:
                proxy.cutting = False
                await cutter["task"]
            else:
                await asyncio.to_thread(pg.start)

        loader = Load(rec, client, ledger, {}, "p")

        async def probe():
            while True:
                ok, _, _ = await loader.store(ledger.new("probe"))
                if ok:
                    return
                await asyncio.sleep(0.05)

        await fault_under_load(run, res, server, client, rec, ledger, mix, "p", fault, restore, probe,
                               {"store", "recall"}, MEMORY_FAULT_REASONS)
        if via_proxy:
            res["details"].update({"proxy_connections": proxy.connections, "proxy_cuts": proxy.cuts})
        await ledger.retry_open(lambda args: loader.tool("execute_pattern", args))
        end = await settled_sample(server)
        await finish(res, server, start, end)
        await check_writes(res, ledger, postgres_rows(pg.url(), schema, ledger.namespace))
    finally:
        if proxy:
            await proxy.close()
        await asyncio.to_thread(pg.destroy)
    return res


# ---------------------------------------------------------------------------------------------------------------
# c. A downstream MCP server killed under load


async def downstream_kill(run):
    name = "downstream_kill"
    res = result(name, "the downstream pattern-test-server (a child of pattern-mcp) SIGKILLed twice, 1 s apart, "
                 "under load; its calls may fail (crashed, not_connected) until the pool restarts it, nothing else",
                 "stdio")
    wd = run.dir(name)
    servers = os.path.join(wd, "servers.json")
    with open(servers, "w") as f:
        json.dump({"mcpServers": {"test": {"command": run.test_server, "timeout_s": 5}}}, f)
    db = os.path.join(wd, "memory.db")
    server, client = await stdio_server(run, name, ["--memory", f"sqlite:{db}", "--servers", servers])
    loader_probe = Load(Recorder(), client, Ledger("x"), {}, "d")
    deadline = time.monotonic() + 30
    while True:  # the child lists its tools
        ok, _, sc = await loader_probe.tool("execute_pattern", {"query": "call tool test.echo",
                                                                "context": {"arguments": {"text": "up?"}}})
        if ok:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test server never answered: {sc}")
        await asyncio.sleep(0.1)
    rec, ledger = Recorder(), Ledger("chaos-downstream")
    start = server.sample()
    mix = {"echo": 4, "patterns": 2, "recall": 2, "store": 1, "route": 1}
    killed = []

    async def fault():
        for i in range(2):
            for pid in children_of(server.proc.pid):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            if i == 0:
                await asyncio.sleep(1.0)
        return {}

    async def restore():
        pass  # the pool restarts the child by itself

    async def probe():
        while True:
            ok, _, _ = await loader_probe.tool("execute_pattern", {
                "query": "call tool test.echo", "context": {"arguments": {"text": "back?"}}, "use_cache": False})
            if ok:
                return
            await asyncio.sleep(0.05)

    # The fault ends with the second kill: recovery is the pool's restart of the child.
    await fault_under_load(run, res, server, client, rec, ledger, mix, "d", fault, restore, probe, {"echo"},
                           DOWNSTREAM_FAULT_REASONS, fault_s=0)
    res["details"]["killed_pids"] = killed
    res["details"]["children_after"] = children_of(server.proc.pid)
    await ledger.retry_open(lambda args: loader_probe.tool("execute_pattern", args))
    end = await settled_sample(server)
    await finish(res, server, start, end)
    await check_writes(res, ledger, sqlite_rows(db, ledger.namespace))
    return res


# ---------------------------------------------------------------------------------------------------------------
# d. Hostile messages, stdio and HTTP


def judge_answer(msg, answers, counts, res):
    """Counts the answers of one hostile/valid message; notes violations."""
    if msg.valid:
        answer = answers[0]
        if "error" in answer:
            ok, reason = False, f"rpc:{answer['error'].get('code')}"
        elif isinstance(answer.get("result"), dict) and "content" in answer["result"]:
            ok, reason, _ = tool_outcome(answer)
        else:
            ok, reason = "result" in answer, None
        counts["valid_ok" if ok else "valid_failed"] += 1
        if not ok:
            counts[f"valid_failed:{reason}"] += 1
        return ok
    is_error = any("error" in a or (a.get("result") or {}).get("isError") for a in answers)
    counts["hostile_refused" if is_error else "hostile_accepted"] += 1
    if msg.must_fail and not is_error:
        res["violations"].append(f"hostile message accepted ({msg.category}): {msg.data[:120]!r}")
    if msg.answers == 2 and not any("result" in a and not (a["result"] or {}).get("isError") for a in answers):
        res["violations"].append(f"neither of two requests with one id succeeded: {answers}")
    return True


async def hostile_stdio(run):
    name = "hostile_stdio"
    res = result(name, f"{run.hostile_messages} malformed or hostile lines over stdio (invalid JSON, wrong types, "
                 "huge strings and lines, unknown fields and methods, regex syntax in queries, reused ids, deep "
                 "nesting, bad Unicode), about one in five a valid request that must succeed; every readable id answered",
                 "stdio")
    wd = run.dir(name)
    server, client = await stdio_server(run, name, ["--memory", f"sqlite:{wd}/memory.db"])
    await client.rpc("tools/call", {"name": "execute_pattern", "arguments": {
        "query": "remember that item 3 is fine", "namespace": "chaos-hostile"}})
    rec = Recorder()
    rng = random.Random(run.seed)
    msgs = hostile.messages(rng, run.hostile_messages, "h", "chaos-hostile")
    start = server.sample()
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler(server, stop))
    from collections import Counter
    counts = Counter(m.category for m in msgs)
    outcome = Counter()
    sem = asyncio.Semaphore(64)
    futures_by_id = {}
    expected_null = sum(1 for m in msgs if m.id is hostile.NO_ID)
    nulls_before = sum(1 for a in client.stray if a.get("id") is None)
    tasks = []

    async def wait(msg, futs, sent):
        try:
            answers = await asyncio.wait_for(asyncio.gather(*futs), REQUEST_TIMEOUT_S)
            ok = judge_answer(msg, answers, outcome, res)
            rec.add(msg.category, sent, ok if msg.valid else True, None if ok else "failed")
        except asyncio.TimeoutError:
            rec.add(msg.category, sent, False, "hung")
        except Gone:
            rec.add(msg.category, sent, False, "connection_lost")
        finally:
            sem.release()

    for msg in msgs:
        if msg.category == "id_of_earlier" and json.dumps(msg.id) in futures_by_id:
            try:
                await asyncio.wait_for(asyncio.gather(*futures_by_id[json.dumps(msg.id)], return_exceptions=True),
                                       REQUEST_TIMEOUT_S)
            except asyncio.TimeoutError:
                pass
        sent = rec.now()
        if msg.id is hostile.NO_ID or msg.id is hostile.NOTIFICATION:
            try:
                await client.send_line(msg.data)
            except Gone:
                break
            if msg.id is hostile.NO_ID:
                rec.add(msg.category, sent, True)
            continue
        await sem.acquire()
        futs = [client.expect(msg.id) for _ in range(msg.answers)]
        futures_by_id[json.dumps(msg.id)] = futs
        try:
            await client.send_line(msg.data)
        except Gone:
            sem.release()
            rec.add(msg.category, sent, False, "connection_lost")
            break
        tasks.append(asyncio.create_task(wait(msg, futs, sent)))
    await asyncio.gather(*tasks)
    # A valid request after all of it.
    ok, reason, _ = tool_outcome(await client.rpc("tools/call", {"name": "execute_pattern", "arguments": {
        "query": "list patterns", "namespace": "chaos-hostile"}}))
    rec.add("valid_after", rec.now(), ok, reason)
    await asyncio.sleep(0.3)
    nulls = sum(1 for a in client.stray if a.get("id") is None) - nulls_before
    stop.set()
    await sampling
    res["requests"] = rec.summary(lambda *a: False)
    check_requests(res)
    res["details"] = {"messages_by_category": dict(sorted(counts.items())), "answers": dict(sorted(outcome.items())),
                      "null_id_answers": nulls, "null_id_expected": expected_null,
                      "stray_answers": sum(1 for a in client.stray if a.get("id") is not None)}
    if nulls != expected_null:
        res["violations"].append(f"{nulls} answers with id null for {expected_null} lines without a readable id")
    if res["details"]["stray_answers"]:
        res["violations"].append(f"{res['details']['stray_answers']} answers nobody asked for: "
                                 f"{[a for a in client.stray if a.get('id') is not None][:3]}")
    end = await settled_sample(server)
    await finish(res, server, start, end)
    return res


HTTP_HEADER_ATTACKS = [
    ("wrong_session", lambda h: {**h, "Mcp-Session-Id": "not-a-session"}, {404}),
    ("accept_html", lambda h: {**h, "Accept": "text/html"}, {406}),
    ("text_plain", lambda h: {**h, "Content-Type": "text/plain"}, {415, 400}),
    ("no_auth", lambda h: {k: v for k, v in h.items() if k != "Authorization"}, {401}),
    ("wrong_auth", lambda h: {**h, "Authorization": "Bearer nope"}, {401}),
    ("foreign_host", lambda h: {**h, "Host": "evil.example.com"}, {403}),
]


async def hostile_http(run):
    name = "hostile_http"
    res = result(name, f"{run.hostile_messages} malformed or hostile POSTs on one Streamable HTTP session (the "
                 "stdio mix, bodies over 1 MiB instead of 4 MiB lines, plus bad session ids, headers and "
                 "credentials), 16 at a time, about one in five valid; never a 5xx or a dropped connection", "http")
    wd = run.dir(name)
    config = http_config(os.path.join(wd, "http.toml"))
    server = await Server(run.binary, wd, name, ["--memory", f"sqlite:{wd}/memory.db", "--config", config],
                          http=True).start()
    rec = Recorder()
    rng = random.Random(run.seed + 1)
    msgs = hostile.messages(rng, run.hostile_messages, "h", "chaos-hostile", http=True)
    from collections import Counter
    counts = Counter(m.category for m in msgs)
    outcome = Counter()
    statuses = Counter()
    lost = []
    start = server.sample()
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler(server, stop))
    limits = httpx2.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx2.AsyncClient(limits=limits) as http:
        session = await HttpSession(http, server.base, OPS_TOKEN).open()
        await session.rpc("tools/call", {"name": "execute_pattern", "arguments": {
            "query": "remember that item 3 is fine", "namespace": "chaos-hostile"}})
        sem = asyncio.Semaphore(16)

        async def post(msg, i):
            async with sem:
                headers = session.headers()
                category = msg.category
                expected_status = None
                body = msg.data
                if i % 50 == 7:  # a valid ping with hostile headers instead
                    category, make, expected_status = rng.choice(HTTP_HEADER_ATTACKS)
                    headers = make(headers)
                    body = b'{"jsonrpc":"2.0","id":"hdr","method":"ping"}'
                    counts[category] += 1
                sent = rec.now()
                try:
                    r = await session.post_raw(body, headers=headers)
                except Gone as e:
                    if category == "huge_line":
                        # A body over the limit is answered 413 before it is read, and the connection closed
                        # with the rest unread: the client may see the reset instead of the 413. Refused either
                        # way; counted, and noted, not a violation.
                        statuses["reset_over_limit"] += 1
                        rec.add(category, sent, True)
                    else:
                        rec.add(category, sent, False, "connection_lost")
                        # What the client saw, to tell a server-side close from a keep-alive reuse race.
                        lost.append({"category": category, "id": msg.id if isinstance(msg.id, (str, int)) else None,
                                     "error": str(e)[:300]})
                    return
                except Hung:
                    rec.add(category, sent, False, "hung")
                    return
                statuses[r.status_code] += 1
                if r.status_code >= 500:
                    rec.add(category, sent, False, f"http_{r.status_code}")
                    return
                if expected_status:
                    good = r.status_code in expected_status
                    rec.add(category, sent, good, None if good else f"http_{r.status_code}")
                    return
                if msg.id in (hostile.NO_ID, hostile.NOTIFICATION):
                    rec.add(category, sent, True)
                    return
                answers = [m for m in hostile_http_answers(r) if m.get("id") == msg.id]
                if r.status_code != 200 or not answers:
                    # Refused before any handler (400 with the JSON-RPC error, 413): a refusal.
                    if msg.valid:
                        rec.add(category, sent, False, f"http_{r.status_code}")
                        outcome["valid_failed"] += 1
                    else:
                        outcome["hostile_refused"] += 1
                        rec.add(category, sent, True)
                    return
                ok = judge_answer(hostile.Message(msg.data, msg.category, msg.id, 1, msg.valid, msg.must_fail),
                                  answers, outcome, res)
                rec.add(category, sent, ok, None if ok else "failed")

        await asyncio.gather(*(post(m, i) for i, m in enumerate(msgs)))
        ok, reason, _ = tool_outcome(await session.rpc("tools/call", {"name": "execute_pattern", "arguments": {
            "query": "list patterns", "namespace": "chaos-hostile"}}))
        rec.add("valid_after", rec.now(), ok, reason)
    stop.set()
    await sampling
    res["requests"] = rec.summary(lambda *a: False)
    check_requests(res)
    res["details"] = {"messages_by_category": dict(sorted(counts.items())), "answers": dict(sorted(outcome.items())),
                      "http_statuses": {str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))}}
    if lost:
        res["details"]["connections_lost"] = lost[:10]
    if statuses.get("reset_over_limit"):
        res["notes"].append(f"{statuses['reset_over_limit']} of {counts.get('huge_line', 0)} bodies over the 1 MiB "
                            "limit saw a connection reset instead of the 413")
    end = await settled_sample(server)
    await finish(res, server, start, end)
    return res


def hostile_http_answers(r):
    from lib import sse_messages
    try:
        return sse_messages(r.text)
    except ValueError:
        return []


# ---------------------------------------------------------------------------------------------------------------
# e. Sessions opened and abandoned


async def open_sessions(base, tokens, concurrency=32):
    """One initialize POST per token, never deleted; returns [(status, session id, retry-after)] and hung count."""
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    out = [None] * len(tokens)
    sem = asyncio.Semaphore(concurrency)
    async with httpx2.AsyncClient(limits=limits) as http:
        async def one(i, token):
            async with sem:
                s = HttpSession(http, base, token)
                try:
                    r = await s.post_raw(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                        "protocolVersion": "2025-06-18", "capabilities": {},
                        "clientInfo": {"name": "chaos", "version": "0"}}}).encode(), headers=s.headers(False))
                    out[i] = (r.status_code, r.headers.get("mcp-session-id"), r.headers.get("retry-after"))
                except Hung:
                    out[i] = ("hung", None, None)
                except Gone:
                    out[i] = ("connection_lost", None, None)
        await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))
    return out


async def ping_all(base, pairs, concurrency=16):
    """Status of a ping on each (token, session id)."""
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    sem = asyncio.Semaphore(concurrency)
    async with httpx2.AsyncClient(limits=limits) as http:
        async def one(token, sid):
            async with sem:
                s = HttpSession(http, base, token)
                s.session_id = sid
                try:
                    r = await s.post_raw(b'{"jsonrpc":"2.0","id":2,"method":"ping"}')
                    return r.status_code
                except (Hung, Gone) as e:
                    return type(e).__name__.lower()
        return await asyncio.gather(*(one(t, s) for t, s in pairs))


async def sessions(run, many):
    from collections import Counter
    name = "sessions_many_principals" if many else "sessions_one_principal"
    n = run.sessions
    res = result(name, (f"{n} JWT principals each open a Streamable HTTP session and abandon it: the first 256 "
                        "(max_sessions) are served, the rest refused with 503 and Retry-After (every slot held by "
                        "another principal); when clients end a few, a new principal gets in" if many else
                        f"one JWT principal opens {n} sessions and abandons them: every initialize is served, the "
                        "principal's longest idle sessions are ended so that 16 (its quota) stay alive, and another "
                        "principal opens a session and stores"), "http")
    wd = run.dir(name)
    config = http_config(os.path.join(wd, "http.toml"))
    server = await Server(run.binary, wd, name, ["--memory", f"sqlite:{wd}/memory.db", "--config", config],
                          http=True).start()
    start = server.sample()
    exp = int(time.time()) + 3600
    tokens = [jwt({"sub": f"p{i}" if many else "reader", "exp": exp}) for i in range(n)]
    rec = Recorder()
    t0 = rec.now()
    opened = await open_sessions(server.base, tokens)
    burst_s = rec.now() - t0
    for status, _, _ in opened:
        rec.add("initialize", t0, status == 200, None if status == 200 else str(status))
    statuses = Counter(str(s) for s, _, _ in opened)
    after_burst = server.sample()
    pairs = [(tokens[i], sid) for i, (status, sid, _) in enumerate(opened) if status == 200]
    pings = Counter(str(p) for p in await ping_all(server.base, pairs))
    details = {"initialize_statuses": dict(statuses), "burst_s": round(burst_s, 3), "pings_of_served": dict(pings),
               "after_burst": after_burst}
    violations = res["violations"]
    if many:
        served = statuses.get("200", 0)
        if served != 256:
            violations.append(f"{served} sessions served; max_sessions is 256")
        if set(statuses) - {"200", "503"}:
            violations.append(f"statuses other than 200 and 503: {dict(statuses)}")
        if any(s == 503 and ra is None for s, _, ra in opened):
            violations.append("a 503 without Retry-After")
        if pings.get("200", 0) != served:
            violations.append(f"only {pings.get('200', 0)} of {served} served sessions answer a ping")
        # Clients end 8 sessions; a new principal then gets in.
        limits = httpx2.Limits(max_connections=8)
        async with httpx2.AsyncClient(limits=limits) as http:
            refused = await open_sessions(server.base, [jwt({"sub": "late", "exp": exp, "role": "agent"})])
            details["new_principal_while_full"] = refused[0][0]
            if refused[0][0] != 503:
                violations.append(f"a new principal while every slot is held: {refused[0][0]}, not 503")
            for token, sid in pairs[:8]:
                s = HttpSession(http, server.base, token)
                s.session_id = sid
                await s.delete()
    else:
        if statuses != Counter({"200": n}):
            violations.append(f"initialize statuses {dict(statuses)}; every one should be 200")
        if pings.get("200", 0) != 16:
            violations.append(f"{pings.get('200', 0)} of the principal's sessions answer; its quota is 16")
        if set(pings) - {"200", "404"}:
            violations.append(f"pings answered {dict(pings)}")
    # Recovery: another principal opens a session and stores, within 5 s.
    t_end = rec.now()
    recovered = None
    async with httpx2.AsyncClient() as http:
        while rec.now() - t_end < RECOVERY_BOUND_S * 2:
            try:
                token = jwt({"sub": "late", "exp": exp, "role": "agent"}) if many else OPS_TOKEN
                s = await HttpSession(http, server.base, token).open()
                ok, reason, _ = tool_outcome(await s.rpc("tools/call", {"name": "execute_pattern", "arguments": {
                    "query": "remember that the chaos run got a session", "namespace": "late" if many else "ops"}}))
                rec.add("recovery_store", rec.now(), ok, reason)
                if ok:
                    recovered = rec.now() - t_end
                    break
            except RuntimeError as e:
                rec.add("recovery_open", rec.now(), False, str(e)[:40])
            await asyncio.sleep(0.1)
    res["recovery"] = {"probe_s": None if recovered is None else round(recovered, 3)}
    if recovered is None or recovered > RECOVERY_BOUND_S:
        violations.append(f"no new session and store within {RECOVERY_BOUND_S} s ({recovered})")
    res["requests"] = rec.summary(lambda kind, sent, done, reason: kind == "initialize" and reason == "503" and many)
    check_requests(res)
    res["details"] = details
    end = await settled_sample(server)
    await finish(res, server, start, end)
    return res


# ---------------------------------------------------------------------------------------------------------------
# f. Soak at a fixed rate


async def soak(run):
    name = "soak"
    res = result(name, f"{run.soak_rate:.0f} requests/s for {run.soak_s:.0f} s over 8 Streamable HTTP sessions "
                 "(recalls, list patterns, keyed stores, route_query, stats), open loop; no failure, RSS growth "
                 "after warm-up under 20 %", "http")
    wd = run.dir(name)
    config = http_config(os.path.join(wd, "http.toml"))
    db = os.path.join(wd, "memory.db")
    server = await Server(run.binary, wd, name, ["--memory", f"sqlite:{db}", "--config", config], http=True).start()
    rec, ledger = Recorder(), Ledger("chaos-soak")
    start = server.sample()
    rss = []
    limits = httpx2.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx2.AsyncClient(limits=limits) as http:
        sessions_ = [await HttpSession(http, server.base, OPS_TOKEN).open() for _ in range(8)]
        loads = [Load(rec, s, ledger, {}, "s") for s in sessions_]
        mix = [k for k, w in {"recall": 4, "patterns": 2, "store": 2, "route": 1, "stats": 1}.items()
               for _ in range(w)]
        rng = random.Random(run.seed)
        await loads[0].store(ledger.new("s"))
        warm_s = min(30.0, max(5.0, run.soak_s * 0.1))
        baseline = None
        tasks = set()
        t0 = time.monotonic()
        i = 0
        next_sample = t0
        while True:
            now = time.monotonic()
            if now - t0 >= run.soak_s:
                break
            if now >= next_sample:
                s = server.sample()
                if s:
                    rss.append((round(now - t0, 1), s["rss_kib"]))
                    if baseline is None and now - t0 >= warm_s:
                        baseline = s
                next_sample += 1.0
            due = t0 + i / run.soak_rate
            if due > now:
                await asyncio.sleep(min(due - now, max(0.0, next_sample - now)) or 0)
                continue
            t = asyncio.create_task(loads[i % len(loads)].one(rng.choice(mix)))
            tasks.add(t)
            t.add_done_callback(tasks.discard)
            i += 1
        await asyncio.gather(*tasks)
        lag = rec.now()
        await ledger.retry_open(lambda args: loads[0].tool("execute_pattern", args))
    end = await settled_sample(server)
    res["requests"] = rec.summary(lambda *a: False)
    check_requests(res)
    growth = (end["rss_kib"] - baseline["rss_kib"]) / baseline["rss_kib"] if baseline and end else None
    latencies = sorted(done - sent for _, sent, done, ok, _ in rec.entries)
    res["details"] = {"rate_per_s": run.soak_rate, "duration_s": run.soak_s, "warm_up_s": warm_s,
                      "achieved_rate_per_s": round(len(rec.entries) / lag, 1) if lag else None,
                      "baseline_after_warm_up": baseline, "rss_growth_after_warm_up": None if growth is None
                      else round(growth, 4),
                      "latency_s": {"p50": round(latencies[len(latencies) // 2], 4),
                                    "p99": round(latencies[int(len(latencies) * 0.99)], 4)} if latencies else None,
                      "rss_kib_every_s": rss}
    if growth is None or growth >= 0.20:
        res["violations"].append(f"RSS grew {growth} after warm-up (bar: under 20 %)")
    await finish(res, server, start, end)
    await check_writes(res, ledger, sqlite_rows(db, ledger.namespace))
    return res


SCENARIOS = {
    "redis_standalone_kill": lambda run: redis_kill(run, cluster=False),
    "redis_cluster_node_kill": lambda run: redis_kill(run, cluster=True),
    "postgres_restart": lambda run: postgres_fault(run, via_proxy=False),
    "postgres_proxy_cuts": lambda run: postgres_fault(run, via_proxy=True),
    "downstream_kill": downstream_kill,
    "hostile_stdio": hostile_stdio,
    "hostile_http": hostile_http,
    "sessions_one_principal": lambda run: sessions(run, many=False),
    "sessions_many_principals": lambda run: sessions(run, many=True),
    "soak": soak,
}
