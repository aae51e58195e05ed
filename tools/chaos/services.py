"""Private services the chaos runs kill and restart: redis-server (standalone and a three-node Cluster) and a
PostgreSQL cluster of its own (initdb into a temporary directory, run as the postgres user). Never the shared ones."""

import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import time

from lib import free_port, wait_port

INITDB_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"]


class OwnRedis:
    """A redis-server on a free port (or a given one) in `workdir`, without persistence unless a Cluster node."""

    def __init__(self, workdir, port=None, extra=()):
        self.workdir, self.port, self.extra = workdir, port or free_port(), list(extra)
        os.makedirs(workdir, exist_ok=True)
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.workdir, *self.extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_port(self.port, 10, lambda: self.process.poll() is None):
            raise RuntimeError(f"redis-server did not listen on {self.port}")
        return self

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def cli(self, *args):
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True,
                              timeout=10).stdout.strip()

    def dbsize(self):
        try:
            return int(self.cli("DBSIZE") or 0)
        except ValueError:
            return 0

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def free_cluster_port():
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    while True:
        port = free_port()
        if port + 10000 > 65535:
            port = free_port_below(55535)
        try:
            with socket.socket() as s:
                s.bind(("127.0.0.1", port + 10000))
            return port
        except OSError:
            continue


def free_port_below(limit):
    while True:
        with socket.socket() as s:
            port = random.randrange(20000, limit)
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


class OwnRedisCluster:
    """Three masters, no replicas, each in its own directory (its nodes.conf lets it rejoin after a restart)."""

    def __init__(self, workdir):
        self.nodes = [OwnRedis(os.path.join(workdir, f"node{i}"), port=free_cluster_port(),
                               extra=["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"])
                      for i in range(3)]

    @property
    def url(self):
        a = [f"127.0.0.1:{n.port}" for n in self.nodes]
        return f"redis-cluster://{a[0]}?node={a[1]}&node={a[2]}"

    def start(self):
        try:
            return self._start()
        except Exception:
            self.stop()  # the nodes already started
            raise

    def _start(self):
        for n in self.nodes:
            n.start()
        created = subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{n.port}" for n in self.nodes],
                                  "--cluster-replicas", "0", "--cluster-yes"], capture_output=True, text=True,
                                 timeout=60)
        if created.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create: {created.stdout}{created.stderr}")
        self.wait_ok()
        return self

    def wait_ok(self, deadline_s=30):
        deadline = time.monotonic() + deadline_s
        for n in self.nodes:
            while "cluster_state:ok" not in n.cli("cluster", "info"):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cluster not ok on {n.port}")
                time.sleep(0.05)

    def stop(self):
        for n in self.nodes:
            n.stop()


def _initdb_dir():
    for d in INITDB_DIRS:
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    raise RuntimeError("initdb not found (install postgresql 15): looked in " + ", ".join(INITDB_DIRS))


class OwnPostgres:
    """A PostgreSQL cluster of the run's own: initdb into `workdir`, listening on 127.0.0.1:port and a socket in
    `workdir`, trust auth; run as the postgres user when started as root."""

    def __init__(self, workdir):
        self.bindir = _initdb_dir()
        self.workdir = workdir
        self.data = os.path.join(workdir, "data")
        self.port = free_port()
        self.log = os.path.join(workdir, "postgres.log")
        os.makedirs(workdir, exist_ok=True)
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(workdir, pw.pw_uid, pw.pw_gid)

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args, check=True):
        cmd = [os.path.join(self.bindir, args[0]), *args[1:]]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and out.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])}: {out.stdout}{out.stderr}")
        return out

    def init(self):
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        return self

    def start(self):
        opts = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        self._run("pg_ctl", "-D", self.data, "-o", opts, "-l", self.log, "-w", "-t", "60", "start")
        if not wait_port(self.port, 30):
            raise RuntimeError("postgres did not listen")
        return self

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False)

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)
