"""The demo bank for end-to-end tests: MyData sandbox institutions with the demo customers linked
and synced, behind the real action server and Rasa server (every channel of credentials.yml, plus
a Kakao channel whose every answer is late, for the 5-second rule)."""
from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from tests.support.kakao import SKILL_SECRET
from tests.support.servers import ROOT, RasaStack, free_port, rasa_stack, start, wait_until

SECRET = secrets.token_urlsafe(48)


@contextlib.contextmanager
def demo_bank(workdir: Path) -> Iterator[RasaStack]:
    """The stack, with `db` (the MyData SQLite file), `extra_env` (what its processes were given) and
    `web_port`, the port the web page must use: Rasa accepts cross-origin socket.io from it only."""
    port, web_port = free_port(), free_port()
    env = {
        "MYDATA_SANDBOX_MANIFEST": str(workdir / "sandbox.json"),
        "DATABASE_URL": f"sqlite:///{workdir / 'mydata.sqlite3'}",
        "MYDATA_API_BASE_URL": f"http://127.0.0.1:{port}",
        "ASSISTANT_TOKEN_SECRET": SECRET,
        "KAKAO_LINK_DB": str(workdir / "kakao_links.sqlite3"),
        "KAKAO_SKILL_SECRET": SKILL_SECRET,
    }
    credentials = workdir / "credentials.yml"
    credentials.write_text(
        (ROOT / "credentials.yml").read_text(encoding="utf-8")
        + "\ntests.channels.slow.SlowKakaoInput:\n  reply_timeout_s: 0.001\n",
        encoding="utf-8",
    )
    full_env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "sandbox", "seed", "--customers", "20"],
                   cwd=ROOT, env=full_env, check=True, capture_output=True)
    sandbox = start("sandbox", [sys.executable, "-m", "sandbox", "serve", "--port", str(port)], workdir, env)
    try:
        wait_until(sandbox, f"{env['MYDATA_API_BASE_URL']}/_sandbox/info", lambda r: r.status_code == 200, 60)
        subprocess.run([sys.executable, "-m", "sandbox", "demo"], cwd=ROOT, env=full_env, check=True,
                       capture_output=True)
        with rasa_stack(workdir, extra_env=env, cors_origins=[f"http://127.0.0.1:{web_port}"],
                        credentials=credentials) as stack:
            stack.db = workdir / "mydata.sqlite3"
            stack.extra_env = env
            stack.web_port = web_port
            yield stack
    finally:
        sandbox.stop()


def sql(bank: RasaStack, query: str, *args) -> list:
    """Rows straight from the bank's MyData store, bypassing the analytics the assistant uses."""
    with sqlite3.connect(bank.db) as db:
        return db.execute(query, args).fetchall()


def deposit_total(bank: RasaStack, customer_id: str) -> int:
    return sql(
        bank, "SELECT SUM(balance) FROM accounts WHERE customer_id = ? AND kind != 'invest'", customer_id
    )[0][0]
