"""Start the real Rasa and action servers on free local ports for a test session."""
from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import httpx

from scripts.endpoints import render as render_endpoints

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))
# The Rasa server as ./run.sh starts it: Rasa's CLI with our runtime fixes.
RASA_SERVER = [sys.executable, "-m", "bot.rasa_server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)


def start(name: str, args: List[str], logdir: Path, env: Optional[Dict[str, str]] = None) -> Process:
    log = logdir / f"{name}.log"
    popen = subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", **(env or {})},
        start_new_session=True,
    )
    return Process(name, popen, log)


def wait_until(process: Process, url: str, ready, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
        with contextlib.suppress(httpx.HTTPError):
            if ready(httpx.get(url, timeout=2.0)):
                return
        time.sleep(0.5)
    raise TimeoutError(f"{process.name} not ready after {timeout}s:\n{process.tail()}")


@dataclass
class RasaStack:
    url: str
    action_url: str
    processes: List[Process]

    def say(self, sender: str, text: str, metadata: Optional[dict] = None) -> List[dict]:
        body = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        response = httpx.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=30.0)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        return httpx.get(f"{self.url}/conversations/{sender}/tracker", timeout=10.0).json()

    def parse(self, text: str) -> dict:
        return httpx.post(f"{self.url}/model/parse", json={"text": text}, timeout=10.0).json()


@contextlib.contextmanager
def rasa_stack(workdir: Path, extra_env: Optional[Dict[str, str]] = None,
               cors_origins: Sequence[str] = (), credentials: Path = ROOT / "credentials.yml") -> Iterator[RasaStack]:
    if not MODEL.exists():
        raise RuntimeError("models/current.tar.gz is missing: run ./test.sh, which trains it")
    action_port, rasa_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        render_endpoints(
            {**(extra_env or {}), "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook"},
            sqlite_path=workdir / "tracker.sqlite3",
        )
    )
    actions = start(
        "action-server",
        [RASA, "run", "actions", "--actions", "actions", "--port", str(action_port)],
        workdir,
        extra_env,
    )
    rasa = start(
        "rasa-server",
        [*RASA_SERVER, "run", "--model", str(MODEL), "--enable-api", "--interface", "127.0.0.1",
         "--port", str(rasa_port), "--endpoints", str(endpoints),
         "--credentials", str(credentials),
         *(["--cors", *cors_origins] if cors_origins else [])],
        workdir,
        extra_env,
    )
    processes = [actions, rasa]
    try:
        wait_until(actions, f"http://127.0.0.1:{action_port}/health", lambda r: r.status_code == 200)
        wait_until(
            rasa,
            f"http://127.0.0.1:{rasa_port}/status",
            lambda r: r.status_code == 200 and r.json().get("model_file"),
        )
        yield RasaStack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", processes)
    finally:
        for process in processes:
            process.stop()
