"""Start the real Rasa and action servers on free local ports for a test session."""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import httpx

from scripts.dev_secret import write_private
from scripts.endpoints import render as render_endpoints

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
RASA = str(Path(sys.executable).with_name("rasa"))
# The servers as ./run.sh starts them: Rasa's CLI with our runtime fixes, our action server.
RASA_SERVER = [sys.executable, "-m", "bot.rasa.server"]
ACTION_SERVER = [sys.executable, "-m", "actions.server"]


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
    """The running stack. Its HTTP API is on, behind `api_token` (Rasa's `?token=`); the action
    server answers only calls carrying `action_secret`."""
    url: str
    action_url: str
    processes: List[Process]
    api_token: str = ""
    action_secret: str = ""

    @property
    def api_params(self) -> Dict[str, str]:
        return {"token": self.api_token}

    def say(self, sender: str, text: str, metadata: Optional[dict] = None) -> List[dict]:
        body = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        response = httpx.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=30.0)
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str) -> dict:
        return httpx.get(
            f"{self.url}/conversations/{sender}/tracker", params=self.api_params, timeout=10.0
        ).json()

    def parse(self, text: str) -> dict:
        return httpx.post(
            f"{self.url}/model/parse", json={"text": text}, params=self.api_params, timeout=10.0
        ).json()


@contextlib.contextmanager
def rasa_stack(
    workdir: Path,
    extra_env: Optional[Dict[str, str]] = None,
    cors_origins: Sequence[str] = (),
    credentials: Path = ROOT / "credentials.yml",
) -> Iterator[RasaStack]:
    if not MODEL.exists():
        raise RuntimeError("models/current.tar.gz is missing: run ./test.sh, which trains it")
    action_port, rasa_port = free_port(), free_port()
    api_token, action_secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    extra_env = {**(extra_env or {}), "ACTION_SERVER_SECRET": action_secret, "RASA_API_TOKEN": api_token}
    endpoints = workdir / "endpoints.yml"
    write_private(
        endpoints,
        render_endpoints(
            {**extra_env, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook"},
            sqlite_path=workdir / "tracker.sqlite3",
        ),
    )
    actions = start("action-server", [*ACTION_SERVER, "--port", str(action_port)], workdir, extra_env)
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
            f"http://127.0.0.1:{rasa_port}/status?token={api_token}",
            lambda r: r.status_code == 200 and r.json().get("model_file"),
        )
        yield RasaStack(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", processes,
                        api_token=api_token, action_secret=action_secret)
    finally:
        for process in processes:
            process.stop()
