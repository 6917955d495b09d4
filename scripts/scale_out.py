"""Scale-out mode: N Rasa servers and N action servers behind HAProxy, on PostgreSQL and Redis.

`SCALE=N ./run.sh` (or `./run.sh --scale N`) runs `scripts/scale_out.sh`, which calls
`python -m scripts.scale_out prepare` (HAProxy installed, databases created) and then
`python -m scripts.scale_out serve --replicas N`. The tests and `bench/load.py` use
`Cluster` directly.

What is shared, and where: conversations in PostgreSQL (`TRACKER_DATABASE_URL`), MyData in
PostgreSQL (`DATABASE_URL`), Kakao links and link-code counters in PostgreSQL (`KAKAO_LINK_DB`),
conversation locks in Redis (`REDIS_URL`). What stays in one process: a socket.io connection
(HAProxy keeps a client on one replica) and a turn in flight.

A replica holding a conversation's lock when it dies keeps that conversation waiting until
the lock's lifetime passes (`TICKET_LOCK_LIFETIME`, set here to `LOCK_LIFETIME_S` instead of
Rasa's 60 s); a turn that takes longer than that could interleave with the next one, and
no turn here comes near it.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Dict, List, Optional, Sequence

import httpx

from scripts.endpoints import render as render_endpoints

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("haproxy.cfg.tmpl")
MODEL = ROOT / "models" / "current.tar.gz"
LOCK_LIFETIME_S = 20
PG_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
DEFAULTS = {
    "TRACKER_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/assistant_tracker",
    "DATABASE_URL": "postgresql+psycopg2://postgres@127.0.0.1:5432/assistant_mydata",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "KAKAO_LINK_DB": "postgresql://postgres@127.0.0.1:5432/assistant_links",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ensure_haproxy() -> str:
    """The haproxy binary, installed from Debian's packages when missing and running as root."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/sbin")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise SystemExit("error: haproxy is missing: run 'sudo apt-get install haproxy' and retry.")
    print("==> installing Debian's haproxy for the scale-out mode", flush=True)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    if subprocess.run(["apt-get", "install", "-y", "-q", "haproxy"], **quiet).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], **quiet)
        subprocess.run(["apt-get", "install", "-y", "-q", "haproxy"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("haproxy", path="/usr/sbin:/usr/bin:/sbin") or "haproxy"


def ensure_database(url: str, admin_url: str = PG_ADMIN_URL) -> None:
    """Creates the PostgreSQL database `url` names, if it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url.replace("postgresql://", "postgresql+psycopg2://", 1)).database
    admin = create_engine(admin_url, future=True, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


@dataclass
class Ports:
    entry: int
    action_entry: int
    stats: int
    rasa: List[int]
    actions: List[int]

    @classmethod
    def free(cls, replicas: int, entry: Optional[int] = None, action_entry: Optional[int] = None) -> "Ports":
        return cls(entry or free_port(), action_entry or free_port(), free_port(),
                   [free_port() for _ in range(replicas)], [free_port() for _ in range(replicas)])


def haproxy_config(
    ports: Ports, pidfile: Path, bind: str = "127.0.0.1", rasa_balance: str = "leastconn"
) -> str:
    def servers(prefix: str, port_list: Sequence[int]) -> str:
        return "\n".join(f"    server {prefix}{i} 127.0.0.1:{port} check" for i, port in enumerate(port_list))

    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        pidfile=pidfile, admin_socket=pidfile.with_name("haproxy.sock"), bind=bind,
        entry_port=ports.entry, action_port=ports.action_entry,
        stats_port=ports.stats, rasa_balance=rasa_balance,
        rasa_servers=servers("rasa", ports.rasa), action_servers=servers("actions", ports.actions))


def rasa_command(port: int, endpoints: Path, credentials: Path, cors: Sequence[str]) -> List[str]:
    """A Rasa replica, started as ./run.sh starts the single server."""
    return [
        sys.executable,
        "-m",
        "bot.rasa.server",
        "run",
        "--model",
        str(MODEL),
        *(["--enable-api"] if os.environ.get("RASA_API") == "1" else []),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(credentials),
        *(["--cors", *cors] if cors else []),
    ]


def action_command(port: int) -> List[str]:
    """An action server, started as ./run.sh starts the single one."""
    return [sys.executable, "-m", "actions.server", "--host", "127.0.0.1", "--port", str(port)]


@dataclass
class Process:
    name: str
    args: List[str]
    log: Path
    env: Dict[str, str]
    popen: Optional[subprocess.Popen] = None

    def start(self) -> "Process":
        with self.log.open("a") as log:
            self.popen = subprocess.Popen(self.args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                          env=self.env, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            os.killpg(self.popen.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=20)
        if self.alive():
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Cluster:
    """N Rasa replicas and N action servers behind one HAProxy; `url` is the one entry."""

    replicas: int
    workdir: Path
    env: Dict[str, str] = field(default_factory=dict)
    ports: Optional[Ports] = None
    credentials: Path = ROOT / "credentials.yml"
    cors: Sequence[str] = ()
    bind: str = "127.0.0.1"
    rasa_balance: str = "leastconn"
    rasa: List[Process] = field(default_factory=list)
    actions: List[Process] = field(default_factory=list)
    haproxy: Optional[Process] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.entry}"

    def _env(self) -> Dict[str, str]:
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_S),
            "SANIC_WORKERS": "1",
            # a replica uses one tracker connection at a time; Rasa's default pool (50 + 100
            # overflow) times N replicas would outgrow PostgreSQL's max_connections
            "SQL_POOL_SIZE": "2",
            "SQL_MAX_OVERFLOW": "4",
            "ACTION_SERVER_SECRET": os.environ.get("ACTION_SERVER_SECRET") or secrets.token_urlsafe(32),
            **self.env,
        }

    def start(self, timeout: float = 600.0) -> "Cluster":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ports = self.ports or Ports.free(self.replicas)
        env = self._env()
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(render_endpoints(
            {**env, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.ports.action_entry}/webhook"}))
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            haproxy_config(self.ports, self.workdir / "haproxy.pid", self.bind, self.rasa_balance)
        )
        self.actions = [
            Process(f"actions{i}", action_command(p), self.workdir / f"actions{i}.log", env).start()
            for i, p in enumerate(self.ports.actions)
        ]
        self.rasa = [
            Process(
                f"rasa{i}",
                rasa_command(p, endpoints, self.credentials, self.cors),
                self.workdir / f"rasa{i}.log",
                env,
            ).start()
            for i, p in enumerate(self.ports.rasa)
        ]
        self.haproxy = Process("haproxy", [ensure_haproxy(), "-db", "-f", str(config)],
                               self.workdir / "haproxy.log", env).start()
        self.wait_all_up(timeout)
        return self

    def server_states(self) -> Dict[str, str]:
        """HAProxy's view: `backend/server` -> UP, DOWN, ... (from its stats page)."""
        text = httpx.get(f"http://127.0.0.1:{self.ports.stats}/stats;csv", timeout=2.0).text
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {f"{r['pxname']}/{r['svname']}": r["status"] for r in rows
                if r["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_all_up(self, timeout: float = 600.0) -> None:
        """Until every process answers and HAProxy sees every server UP."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in [*self.rasa, *self.actions, self.haproxy]:
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                states = self.server_states()
                if states and all(s == "UP" for s in states.values()):
                    return
            time.sleep(1.0)
        raise TimeoutError("the cluster did not come up:\n" + "\n".join(p.tail(10) for p in self.rasa))

    def admin(self, command: str) -> str:
        """One command to HAProxy's runtime API (e.g. `set server rasa/rasa1 state maint`)."""
        with socket.socket(socket.AF_UNIX) as conn:
            conn.connect(str(self.workdir / "haproxy.sock"))
            conn.sendall(command.encode() + b"\n")
            return b"".join(iter(lambda: conn.recv(4096), b"")).decode()

    def set_state(self, server: str, state: str) -> None:
        """`ready` or `maint` for a server (`rasa1`, `actions0`) in every backend that has it."""
        for backend in (("rasa", "rasa_sticky") if server.startswith("rasa") else ("actions",)):
            self.admin(f"set server {backend}/{server} state {state}")

    def stop(self) -> None:
        for process in [self.haproxy, *self.rasa, *self.actions]:
            if process is not None:
                process.kill(signal.SIGTERM)

    def __enter__(self) -> "Cluster":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


def prepare() -> None:
    ensure_haproxy()
    for key in ("TRACKER_DATABASE_URL", "DATABASE_URL", "KAKAO_LINK_DB"):
        url = os.environ.get(key) or DEFAULTS[key]
        if url.startswith("postgres"):
            ensure_database(url)


def serve(args: argparse.Namespace) -> None:
    ports = Ports(args.port, args.action_port, args.stats_port,
                  [args.port + 100 + i for i in range(args.replicas)],
                  [args.action_port + 100 + i for i in range(args.replicas)])
    cluster = Cluster(args.replicas, ROOT / "var" / "scale", ports=ports, cors=args.cors)
    stop = {"now": False}
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.update(now=True))
    with cluster:
        print(f"==> {args.replicas} Rasa and {args.replicas} action servers behind HAProxy on "
              f"127.0.0.1:{ports.entry} (stats: http://127.0.0.1:{ports.stats}/stats)", flush=True)
        while not stop["now"]:
            if not all(p.alive() for p in [*cluster.rasa, *cluster.actions, cluster.haproxy]):
                dead = [p.name for p in [*cluster.rasa, *cluster.actions, cluster.haproxy] if not p.alive()]
                print(f"error: {', '.join(dead)} stopped; see {cluster.workdir}/", file=sys.stderr)
                raise SystemExit(1)
            time.sleep(1.0)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="install HAProxy if missing, create the PostgreSQL databases")
    run = sub.add_parser("serve", help="start the replicas and the balancer, until Ctrl-C")
    run.add_argument("--replicas", type=int, required=True)
    run.add_argument("--port", type=int, default=5005, help="the one entry port")
    run.add_argument("--action-port", type=int, default=5055, help="the action servers' balanced port")
    run.add_argument("--stats-port", type=int, default=8404)
    run.add_argument("--cors", nargs="*", default=[])
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare()
    else:
        if args.replicas < 1:
            parser.error("--replicas must be at least 1")
        serve(args)


if __name__ == "__main__":
    main()
