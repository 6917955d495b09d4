"""The Kakao channel's guards without a Rasa server: link-code guessing bounds that survive a restart,
the callback URL allow-list, the callback answer delivered once, and the "too long" answer."""
import asyncio
import datetime as dt

import pytest
from aiohttp import web

from bot.channels.bounds import MAX_MESSAGE_CHARS, TOO_LONG_TEXT
from bot.channels.kakao_links import (
    MAX_CODES_PER_USER,
    MAX_WRONG_CODES,
    MAX_WRONG_TRIES_PER_CODE,
    LinkStore,
    TooManyCodes,
    TooManyWrongCodes,
)
from bot.rasa.channels import kakao_format as fmt
from bot.rasa.channels.kakao import KakaoInput, SkillRequest
from bot.rasa.channels.kakao_callback import callback_url_allowed


def texts(response):
    return [o["simpleText"]["text"] for o in response["template"]["outputs"] if "simpleText" in o]


def wrong_code(code, offset):
    return f"{(int(code) + offset) % 10 ** 6:06d}"


def test_a_code_burns_after_five_wrong_tries_whoever_makes_them(tmp_path):
    store = LinkStore(str(tmp_path / "links.sqlite3"))
    code = store.issue_code("victim")
    guesses = 0
    for guesser in ("attacker-1", "attacker-2", "attacker-3"):
        for _ in range(MAX_WRONG_CODES):
            guesses += 1
            assert store.redeem(wrong_code(code, guesses), guesser) is None
        with pytest.raises(TooManyWrongCodes):
            store.redeem(code, guesser)
    assert store.redeem(code, "attacker-4") is None  # the right code, but burnt
    assert store.customer_for("victim") is None


def test_the_counts_survive_a_restart(tmp_path):
    path = str(tmp_path / "links.sqlite3")
    store = LinkStore(path)
    code = store.issue_code("victim")
    for offset in range(1, MAX_WRONG_TRIES_PER_CODE):
        assert store.redeem(wrong_code(code, offset), f"guesser-{offset}") is None
    for _ in range(MAX_WRONG_CODES):
        store.redeem(wrong_code(code, 77), "impatient")
    restarted = LinkStore(path)
    with pytest.raises(TooManyWrongCodes):
        restarted.redeem(code, "impatient")
    assert restarted.redeem(code, "honest") is None  # the fifth wrong try, before the restart, burnt it


def test_one_wrong_try_short_of_the_limit_still_links(tmp_path):
    store = LinkStore(str(tmp_path / "links.sqlite3"))
    code = store.issue_code("kakao-1")
    for offset in range(1, MAX_WRONG_TRIES_PER_CODE):
        assert store.redeem(wrong_code(code, offset), f"c{offset}") is None
    assert store.redeem(code, "owner") == "kakao-1"


def test_a_kakao_user_gets_a_limited_number_of_codes(tmp_path):
    class Clock:
        now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

        def __call__(self):
            return self.now

    clock = Clock()
    store = LinkStore(str(tmp_path / "links.sqlite3"), clock=clock)
    for _ in range(MAX_CODES_PER_USER):
        store.issue_code("churner")
    with pytest.raises(TooManyCodes):
        LinkStore(str(tmp_path / "links.sqlite3"), clock=clock).issue_code("churner")
    store.issue_code("someone-else")
    clock.now += dt.timedelta(minutes=11)
    assert len(store.issue_code("churner")) == 6


@pytest.mark.parametrize("url, env, allowed", [
    ("https://bot-api.kakao.com/v1/callback/abc", {}, True),
    ("https://kakao.com/cb", {}, True),
    ("http://bot-api.kakao.com/v1/callback/abc", {}, False),  # not https
    ("https://kakao.com.evil.example/cb", {}, False),
    ("https://evilkakao.com/cb", {}, False),
    ("https://user:pw@bot-api.kakao.com/cb", {}, False),
    ("https://127.0.0.1:9/cb", {}, False),
    ("http://127.0.0.1:8123/cb", {"KAKAO_CALLBACK_HOSTS": "127.0.0.1"}, True),
    ("https://bot-api.kakao.com/cb", {"KAKAO_CALLBACK_HOSTS": "127.0.0.1"}, False),
    ("http://10.0.0.5/cb", {"KAKAO_CALLBACK_HOSTS": "10.0.0.5"}, False),  # plain http only on loopback
    ("https://kakao.com:99999/cb", {}, False),
    (None, {}, False), (12, {}, False), ("", {}, False), ("https://kakao.com/" + "a" * 3000, {}, False),
])
def test_callback_urls_only_on_kakao_hosts(url, env, allowed):
    assert callback_url_allowed(url, env) is allowed


async def _fake_kakao():
    calls = []

    async def record(request):
        calls.append(await request.json())
        return web.json_response({"taskId": "t", "status": "SUCCESS"})

    app = web.Application()
    app.router.add_post("/callback/{id}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/callback/one", calls


def test_a_late_answer_goes_to_the_callback_once(tmp_path, monkeypatch):
    monkeypatch.setenv("KAKAO_CALLBACK_HOSTS", "127.0.0.1")
    channel = KakaoInput(reply_timeout_s=0.05, links=LinkStore(str(tmp_path / "l.sqlite3")))

    async def slow_rasa(message):
        await asyncio.sleep(0.3)
        await message.output_channel.send_text_message(message.sender_id, f"답: {message.text}")

    async def scenario():
        runner, url, calls = await _fake_kakao()
        try:
            first = await channel.handle(slow_rasa, SkillRequest("u1", "예금자보호 한도", url))
            while channel._running:
                await asyncio.sleep(0.05)
            return first, calls
        finally:
            await runner.cleanup()

    first, calls = asyncio.run(scenario())
    assert first == {"version": "2.0", "useCallback": True, "data": {"text": fmt.CALLBACK_WAIT_TEXT}}
    assert len(calls) == 1 and texts(calls[0]) == ["답: 예금자보호 한도"]


def test_a_callback_url_elsewhere_is_never_called(tmp_path, monkeypatch):
    monkeypatch.delenv("KAKAO_CALLBACK_HOSTS", raising=False)
    channel = KakaoInput(reply_timeout_s=0.05, links=LinkStore(str(tmp_path / "l.sqlite3")))

    async def slow_rasa(message):
        await asyncio.sleep(0.2)
        await message.output_channel.send_text_message(message.sender_id, "답")

    async def scenario():
        runner, url, calls = await _fake_kakao()
        try:
            first = await channel.handle(slow_rasa, SkillRequest("u1", "질문", url))
            while channel._running:
                await asyncio.sleep(0.05)
            return first, calls
        finally:
            await runner.cleanup()

    first, calls = asyncio.run(scenario())
    assert texts(first) == [fmt.LATE_TEXT] and calls == []


def test_an_utterance_over_the_limit_is_not_processed(tmp_path):
    channel = KakaoInput(reply_timeout_s=1, links=LinkStore(str(tmp_path / "l.sqlite3")))
    seen = []

    async def rasa(message):
        seen.append(message.text)

    reply = asyncio.run(channel.handle(rasa, SkillRequest("u1", "가" * (MAX_MESSAGE_CHARS + 1), None)))
    assert texts(reply) == [TOO_LONG_TEXT] and seen == []
    asyncio.run(channel.handle(rasa, SkillRequest("u1", "가" * MAX_MESSAGE_CHARS, None)))
    assert len(seen) == 1
