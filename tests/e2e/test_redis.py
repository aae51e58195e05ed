"""Two pattern-mcp processes behind one Redis and one PostgreSQL: they share cached results; a write on one is seen by
the other's very next recall (strict coherence, the default), or within the staleness bound (bounded coherence), even
when the other holds the old recall in its own tier; Redis killed or paused under load fails no request, and the
shared tier comes back by itself. Needs Redis (PATTERN_MCP_TEST_REDIS_URL, default redis://127.0.0.1:6379) for the
first two tests; the fault tests start a redis-server of their own. All need PostgreSQL."""

import os
import signal
import socket
import statistics
import subprocess
import time
import uuid
from contextlib import AsyncExitStack, contextmanager
from urllib.parse import urlparse

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from conftest import DATABASE, binary, free_port, structured

REDIS = os.environ.get("PATTERN_MCP_TEST_REDIS_URL", "redis://127.0.0.1:6379")
# The default heartbeat is 100 ms and the bounded mode's bound five heartbeats (ARCHITECTURE.md, crates/cache).
STALENESS_BOUND_S = 0.5


def require_redis():
    url = urlparse(REDIS)
    try:
        socket.create_connection((url.hostname, url.port or 6379), timeout=2).close()
    except OSError as e:
        pytest.fail(f"Redis is not reachable at {REDIS} ({e}): start it with `redis-server --daemonize yes` "
                    "(tools/test.sh does this), or point PATTERN_MCP_TEST_REDIS_URL at one")


def memory_url(schema):
    return DATABASE + ("&" if "?" in DATABASE else "?") + f"schema={schema}"


async def start_instances(stack, tmp_path, schema, redis_url, redis_toml="", names=("a", "b")):
    """One stdio session per name, each a pattern-mcp process with `--redis redis_url` and the shared PostgreSQL;
    `redis_toml` goes into the `[redis]` table of their config file."""
    config = tmp_path / "redis.toml"
    config.write_text(f"[redis]\n{redis_toml}\n")
    sessions = []
    for name in names:
        args = ["--memory", memory_url(schema), "--redis", redis_url, "--config", str(config)]
        params = StdioServerParameters(command=binary(), args=args, env={"RUST_LOG": "warn"})
        errlog = stack.enter_context(open(tmp_path / f"{name}.log", "w"))
        read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
        session = await stack.enter_async_context(ClientSession(read, write))
        await session.initialize()
        sessions.append(session)
    return sessions


async def run(session, namespace, query):
    result = structured(await session.call_tool("execute_pattern", {"query": query, "namespace": namespace}))
    assert result["success"], result
    return result


async def share_then_write(a, b, namespace, pause_s):
    """B caches a recall, A's repeat is a Redis hit, B's own repeat a local one; then A writes and, after
    `pause_s`, B's recall must carry the new memory."""
    await run(a, namespace, "remember that the VPN gateway is vpn-2")
    ask = "what did we note about the VPN gateway?"
    first = await run(b, namespace, ask)
    assert first["cache_hit"] is False and first["result"]["count"] == 1, first
    shared = await run(a, namespace, ask)
    assert shared["cache_tier"] == "redis", shared  # B's result, through Redis
    local = await run(b, namespace, ask)
    assert local["cache_tier"] == "local", local  # B holds the old recall in its own tier

    for round_ in range(5):
        fact = f"the VPN gateway moved to vpn-{3 + round_} on Monday"
        await run(a, namespace, f"remember that {fact}")
        if pause_s:
            time.sleep(pause_s)
        after = await run(b, namespace, ask)
        assert after["cache_hit"] is False, (round_, after)
        contents = [m["content"] for m in after["result"]["memories"]]
        assert fact in contents, (round_, contents)
        # Cached again once seen (strict: the recall that found its key outdated could not store its result, so
        # the next one computes and stores it); the next write makes it stale again.
        for _ in range(3):
            again = await run(b, namespace, ask)
            assert fact in [m["content"] for m in again["result"]["memories"]], again
        assert again["cache_tier"] == "local", again


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:The logging capability is deprecated")
async def test_a_write_on_one_instance_is_in_the_others_very_next_recall(schema, tmp_path):
    require_redis()
    namespace = f"e2e-{uuid.uuid4().hex[:12]}"  # keys of earlier runs on this Redis never match
    async with AsyncExitStack() as stack:
        # A generous timeout: a loaded test machine must not turn the Redis hit asserted into a timeout.
        a, b = await start_instances(stack, tmp_path, schema, REDIS, "timeout_ms = 250")
        await share_then_write(a, b, namespace, pause_s=0)


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:The logging capability is deprecated")
async def test_bounded_coherence_shows_a_write_within_the_staleness_bound(schema, tmp_path):
    require_redis()
    namespace = f"e2e-{uuid.uuid4().hex[:12]}"
    async with AsyncExitStack() as stack:
        a, b = await start_instances(stack, tmp_path, schema, REDIS, 'timeout_ms = 250\ncoherence = "bounded"')
        await share_then_write(a, b, namespace, pause_s=STALENESS_BOUND_S)


@contextmanager
def own_redis(tmp_path):
    """A redis-server of the test's own on a free port; yields a handle that kills, restarts and pauses it."""
    port = free_port()

    class Server:
        url = f"redis://127.0.0.1:{port}"
        process = None

        def start(self):
            self.process = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    return
                except OSError:
                    assert self.process.poll() is None, "redis-server exited at start"
                    assert time.monotonic() < deadline, f"redis-server did not listen on {port}"
                    time.sleep(0.02)

        def kill(self):
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

        def signal(self, sig):
            self.process.send_signal(sig)

    server = Server()
    server.start()
    try:
        yield server
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.process.kill()
        server.process.wait()


class Load:
    """Workers sending a steady mix of recalls (cached) and writes to their session until stopped; every request
    must succeed."""

    def __init__(self, namespace):
        self.namespace = namespace
        self.running = True
        self.done = 0

    async def worker(self, session, worker):
        i = 0
        while self.running:
            if i % 3 == 2:
                await run(session, self.namespace, f"remember that service {worker}-{i} runs on port {8000 + i}")
            else:
                await run(session, self.namespace, f"what did we note about service {worker}-{i % 4}?")
            self.done += 1
            i += 1
            await anyio.sleep(0.01)


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:The logging capability is deprecated")
async def test_redis_killed_under_load_fails_no_request_and_the_shared_tier_comes_back(schema, tmp_path):
    namespace = f"e2e-{uuid.uuid4().hex[:12]}"
    probe_namespace = f"e2e-probe-{uuid.uuid4().hex[:12]}"  # no writes under load: its entries stay current
    with own_redis(tmp_path) as redis:
        async with AsyncExitStack() as stack:
            a, b = await start_instances(stack, tmp_path, schema, redis.url, "timeout_ms = 50")
            await run(a, probe_namespace, "remember that the probe topic is alive")
            load = Load(namespace)
            async with anyio.create_task_group() as tasks:
                # Three concurrent clients per process.
                for n, session in enumerate((a, b, a, b, a, b)):
                    tasks.start_soon(load.worker, session, n)
                await anyio.sleep(1.5)
                before_kill = load.done
                redis.kill()
                await anyio.sleep(1.5)
                during = load.done - before_kill
                redis.start()
                restarted = time.monotonic()

                # A fresh recall computed on A is a Redis hit on B once the tier is back.
                resumed = None
                attempt = 0
                while resumed is None and time.monotonic() - restarted < 5:
                    attempt += 1
                    ask = f"what did we note about the probe topic, attempt {attempt}?"
                    await run(a, probe_namespace, ask)
                    if (await run(b, probe_namespace, ask))["cache_tier"] == "redis":
                        resumed = time.monotonic() - restarted
                    else:
                        await anyio.sleep(0.1)
                await anyio.sleep(0.5)
                load.running = False
            assert during > 0, "requests went on while Redis was down"
            assert resumed is not None, "no Redis hit within 5 s of the restart"
            assert load.done > 30, load.done


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore:The logging capability is deprecated")
async def test_paused_redis_adds_at_most_about_the_timeout_to_a_request(schema, tmp_path):
    timeout_ms = 50
    namespace = f"e2e-{uuid.uuid4().hex[:12]}"
    with own_redis(tmp_path) as redis:
        async with AsyncExitStack() as stack:
            (a,) = await start_instances(stack, tmp_path, schema, redis.url, f"timeout_ms = {timeout_ms}",
                                         names=("a",))
            await run(a, namespace, "remember that the build cache lives on cache-1")

            async def timed(i):
                query = (f"remember that build {i} passed" if i % 3 == 2
                         else f"what did we note about the build cache, take {i % 4}?")
                started = time.monotonic()
                await run(a, namespace, query)
                return time.monotonic() - started

            healthy = [await timed(i) for i in range(30)]
            redis.signal(signal.SIGSTOP)
            paused = [await timed(i) for i in range(30)]
            redis.signal(signal.SIGCONT)
            after = [await timed(i) for i in range(30)]

    bound = statistics.median(healthy) + timeout_ms / 1000 + 0.25
    assert statistics.median(paused) <= bound, (statistics.median(paused), bound, paused)
    assert statistics.median(after) <= bound, (statistics.median(after), bound)
