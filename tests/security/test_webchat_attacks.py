"""Attacks on the web chat, replayed against the real stack: joining another customer's session by
naming its id, claiming a customer in customData, and a page on another origin opening the socket."""
import asyncio
import datetime as dt
import re
import uuid

import httpx
import pytest

from bot.auth.tokens import issue_token
from bot.korean.wording import won
from bot.rasa.channels.webchat import NOT_YOUR_SESSION
from tests.support.bank import SECRET, deposit_total
from tests.support.webchat import ChatSocket, origin_accepted, refusals, texts

pytestmark = pytest.mark.slow
MONEY = re.compile(r"\d[\d,]*\s*원")


def token(customer_id):
    return issue_token(customer_id, SECRET.encode())


async def _victim_and_attacker(url, attacker_token, named):
    """The victim opens a session and asks for the balance; the attacker opens a socket, asks for the
    victim's session id and speaks on it; then the victim asks again. What each one received."""
    victim, attacker = ChatSocket(), ChatSocket()
    await victim.connect(url)
    await attacker.connect(url)
    try:
        victim_session = await victim.request_session(token("demo-retiree"))
        await victim.say("내 잔액 알려줘", token("demo-retiree"))
        first = await victim.next_events()
        confirmed = await attacker.request_session(victim_session if named == "session" else None)
        await attacker.say("내 잔액 알려줘", attacker_token,
                           session_id=victim_session if named in ("session", "message") else "own")
        attacker_first = await attacker.next_events(quiet_s=1.0)
        await victim.say("내 잔액 알려줘", token("demo-retiree"))
        second = await victim.next_events()
        try:
            leaked = await attacker.next_events(timeout_s=2.0, quiet_s=0.5)
        except asyncio.TimeoutError:
            leaked = []
        return first, second, confirmed, attacker_first, leaked
    finally:
        await victim.close()
        await attacker.close()


@pytest.mark.parametrize("attacker_token", [None, "own", "forged", "expired"])
@pytest.mark.parametrize("named", ["session", "message"])
def test_a_client_naming_another_customers_session_is_refused(bank, attacker_token, named):
    tokens = {
        None: None,
        "own": token("demo-student"),
        "forged": issue_token("demo-retiree", b"x" * 48),
        "expired": issue_token(
            "demo-retiree", SECRET.encode(), now=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
        ),
    }
    first, second, _, attacker_first, leaked = asyncio.run(
        _victim_and_attacker(bank.url, tokens[attacker_token], named))
    total = won(deposit_total(bank, "demo-retiree"))
    assert total in texts(first) and total in texts(second)
    assert not MONEY.search(texts(attacker_first)) and not MONEY.search(texts(leaked))
    if attacker_token != "expired" or named == "message":
        assert refusals(attacker_first), attacker_first
        assert NOT_YOUR_SESSION in texts(attacker_first)


def test_customer_data_claiming_a_customer_is_ignored(bank):
    async def scenario():
        socket = ChatSocket()
        await socket.connect(bank.url)
        try:
            await socket.request_session(None)
            await socket.client.emit("user_uttered", {
                "message": "내 잔액 알려줘", "session_id": socket.session_id,
                "customData": {"customer_id": "demo-retiree", "customer_token": None}})
            return await socket.next_events()
        finally:
            await socket.close()

    text = texts(asyncio.run(scenario()))
    assert "로그인" in text and not MONEY.search(text)


def test_a_made_up_session_id_is_not_joined(bank):
    async def scenario():
        socket = ChatSocket()
        await socket.connect(bank.url)
        try:
            made_up = f"{uuid.uuid4().hex}-{uuid.uuid4().hex}"
            confirmed = await socket.request_session(made_up)
            await socket.say("안녕", token("demo-student"))
            return confirmed, made_up, await socket.next_events(quiet_s=1.0)
        finally:
            await socket.close()

    confirmed, made_up, events = asyncio.run(scenario())
    assert confirmed == made_up and refusals(events) and NOT_YOUR_SESSION in texts(events)


def test_only_the_pages_origin_may_open_the_socket(bank):
    assert origin_accepted(bank.url, f"http://127.0.0.1:{bank.web_port}")
    for origin in ("http://evil.example", f"http://127.0.0.1:{bank.web_port + 1}", "null",
                   f"https://127.0.0.1:{bank.web_port}", f"http://localhost:{bank.web_port}"):
        assert not origin_accepted(bank.url, origin), origin


def test_the_socket_handshake_grants_no_cors_to_another_origin(bank):
    """A browser on another origin could not even read the handshake."""
    response = httpx.get(f"{bank.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": "http://evil.example"},
                         timeout=10.0)
    assert "http://evil.example" not in response.headers.get("access-control-allow-origin", "")
