"""Fixtures for replaying attacks on the channels: the demo bank (tests/conftest.py), its web page,
a fake Kakao callback endpoint and a Kakao skill server started without its secret."""
import os
import sys

import pytest

from bot.rasa.channels.kakao_callback import HOSTS_ENV
from tests.support.bank import SECRET
from tests.support.kakao import FakeKakaoCallback
from tests.support.servers import free_port, start, wait_until
from tests.support.webchat import page_server

# Set before any stack starts (conftest files load at collection): the servers may then post Kakao
# callbacks to the local fake below, as they would to Kakao's own hosts.
os.environ.setdefault(HOSTS_ENV, "127.0.0.1")


@pytest.fixture(scope="module")
def page(bank, tmp_path_factory):
    with page_server(bank, tmp_path_factory.mktemp("webpage"), SECRET) as url:
        yield url


@pytest.fixture(scope="session")
def fake_kakao():
    with FakeKakaoCallback() as fake:
        yield fake


@pytest.fixture(scope="session")
def kakao_alone(tmp_path_factory):
    """(url, log path) of a Kakao skill server whose KAKAO_SKILL_SECRET is unset."""
    workdir = tmp_path_factory.mktemp("kakao_alone")
    port = free_port()
    process = start("kakao-alone", [sys.executable, "-m", "tests.support.kakao_alone", "--port", str(port),
                                    "--link-db", str(workdir / "links.sqlite3")], workdir,
                    {"KAKAO_SKILL_SECRET": "", "ASSISTANT_TOKEN_SECRET": SECRET})
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(process, f"{url}/webhooks/kakao/", lambda r: r.status_code == 200, 120)
        yield url, process.log
    finally:
        process.stop()
