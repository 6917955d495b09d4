"""Rasa's HTTP API: every endpoint refuses a caller without credentials (the review read and
drove any conversation, and `PUT /model` loads any file), model changes are refused to
everyone, and a JWT of role `user` reaches its own conversation only."""
import os
import subprocess
import uuid

import httpx
import jwt
import pytest

from bot.auth.tokens import issue_token
from tests.support.bank import SECRET
from tests.support.servers import RASA_SERVER, ROOT, free_port, start, wait_until

pytestmark = pytest.mark.slow
VICTIM = f"victim-{uuid.uuid4().hex[:8]}"
API_CALLS = [
    ("GET", f"/conversations/{VICTIM}/tracker", None),
    ("POST", f"/conversations/{VICTIM}/execute", {"name": "action_check_balance"}),
    ("POST", f"/conversations/{VICTIM}/tracker/events", {"event": "slot", "name": "x", "value": 1}),
    ("PUT", f"/conversations/{VICTIM}/tracker/events", []),
    ("GET", f"/conversations/{VICTIM}/story", None),
    ("POST", f"/conversations/{VICTIM}/trigger_intent", {"name": "check_balance"}),
    ("POST", f"/conversations/{VICTIM}/predict", None),
    ("POST", f"/conversations/{VICTIM}/messages", {"text": "내 잔액 알려줘", "sender": "user"}),
    ("POST", "/model/parse", {"text": "내 잔액 알려줘"}),
    ("POST", "/model/predict", []),
    ("POST", "/model/test/intents", None),
    ("POST", "/model/test/stories", None),
    ("GET", "/domain", None),
    ("GET", "/status", None),
]
MODEL_CHANGES = [("PUT", "/model", {"model_file": "/etc/passwd"}), ("DELETE", "/model", None),
                 ("POST", "/model/train", None)]


def call(stack, method, path, body, **kwargs):
    return httpx.request(method, f"{stack.url}{path}", json=body, timeout=30.0, **kwargs)


@pytest.fixture(scope="module")
def victim(bank):
    """The retiree asked for their balance: a conversation worth stealing."""
    token = issue_token("demo-retiree", SECRET.encode())
    replies = bank.say(VICTIM, "내 잔액 알려줘", {"customer_token": token})
    assert "원" in replies[0]["text"]
    return VICTIM


@pytest.mark.parametrize("method,path,body", API_CALLS, ids=[f"{m} {p}" for m, p, _ in API_CALLS])
def test_every_endpoint_refuses_without_credentials(bank, victim, method, path, body):
    for params in ({}, {"token": "wrong"}, {"token": ""}):
        response = call(bank, method, path, body, params=params)
        assert response.status_code == 401, (params, response.status_code, response.text[:200])
        assert "원" not in response.text


@pytest.mark.parametrize("method,path,body", MODEL_CHANGES, ids=[f"{m} {p}" for m, p, _ in MODEL_CHANGES])
def test_model_changes_are_refused_even_with_the_token(bank, method, path, body):
    for params in ({}, bank.api_params):
        assert call(bank, method, path, body, params=params).status_code == 403
    status = httpx.get(f"{bank.url}/status", params=bank.api_params, timeout=10.0).json()
    assert status["model_file"].endswith("current.tar.gz")


def test_the_token_opens_the_api(bank, victim):
    tracker = httpx.get(f"{bank.url}/conversations/{victim}/tracker", params=bank.api_params, timeout=10.0)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == victim


def test_no_message_over_the_limit_is_analyzed_whatever_the_door(bank):
    parsed = bank.parse("잔액 알려줘 " * 300)
    assert parsed["intent"]["name"] == "nlu_fallback" and parsed["entities"] == []


def test_the_api_never_starts_without_credentials(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("RASA_API_TOKEN", "RASA_JWT_SECRET")}
    result = subprocess.run(
        [*RASA_SERVER, "run", "--enable-api", "--port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "RASA_API_TOKEN" in result.stderr + result.stdout


@pytest.fixture(scope="module")
def jwt_server(tmp_path_factory):
    """A Rasa server with the API behind a JWT only (no model: the checks come before the agent)."""
    workdir = tmp_path_factory.mktemp("jwt")
    credentials = workdir / "credentials.yml"
    credentials.write_text("bot.rasa.channels.rest.RestInput:\n", encoding="utf-8")
    secret, port = uuid.uuid4().hex * 2, free_port()
    server = start(
        "rasa-jwt",
        [
            *RASA_SERVER,
            "run",
            "--enable-api",
            "--model",
            str(workdir / "none.tar.gz"),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--credentials",
            str(credentials),
        ],
        workdir,
        {"RASA_JWT_SECRET": secret},
    )
    try:
        wait_until(server, f"http://127.0.0.1:{port}/", lambda r: r.status_code == 200)
        yield f"http://127.0.0.1:{port}", secret
    finally:
        server.stop()


def bearer(secret, username, role):
    token = jwt.encode({"user": {"username": username, "role": role}}, secret, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def test_a_user_jwt_reaches_its_own_conversation_only(jwt_server):
    url, secret = jwt_server
    own = httpx.get(f"{url}/conversations/alice/tracker", headers=bearer(secret, "alice", "user"))
    other = httpx.get(f"{url}/conversations/bob/tracker", headers=bearer(secret, "alice", "user"))
    parse = httpx.post(f"{url}/model/parse", json={"text": "x"}, headers=bearer(secret, "alice", "user"))
    admin = httpx.get(f"{url}/conversations/bob/tracker", headers=bearer(secret, "ops", "admin"))
    forged = httpx.get(
        f"{url}/conversations/alice/tracker", headers=bearer("not-the-secret-" * 4, "alice", "admin")
    )
    anonymous = httpx.get(f"{url}/conversations/alice/tracker")
    assert other.status_code == 403 and parse.status_code == 403
    assert own.status_code not in (401, 403) and admin.status_code not in (401, 403)
    assert forged.status_code == 401 and anonymous.status_code == 401


def test_api_secrets_that_start_with_a_dash_reach_rasa_whole():
    """token_urlsafe can begin with "-": given as a separate argument, argparse took it for an option."""
    import argparse

    from rasa.cli.arguments.run import add_server_arguments

    from bot.rasa.api_guard import with_api_credentials

    args = with_api_credentials(
        ["--enable-api"], {"RASA_API_TOKEN": "-dash-token", "RASA_JWT_SECRET": "-dash-secret"}
    )
    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    parsed = parser.parse_args(args)
    assert parsed.auth_token == "-dash-token" and parsed.jwt_secret == "-dash-secret"
