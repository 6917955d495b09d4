"""Every row of bad_inputs_channels.yml sent to the real stack (demo bank + web page), and the answer
checked against its expected class: a clear 4xx with a Korean JSON error, a Korean reply, the "too
long" reply or a socket.io refusal, never silence, a 500 or a blank skill response."""
import asyncio
import datetime as dt
import json
import re
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

from bot.auth.tokens import issue_token
from bot.channels.bounds import TOO_LONG_TEXT
from bot.rasa.channels.kakao import SKILL_SECRET_HEADER
from tests.support.bank import SECRET
from tests.support.kakao import SKILL_SECRET, new_user, skill_request, text_of
from tests.support.webchat import ChatSocket, refusals, texts

pytestmark = pytest.mark.slow

CASES = yaml.safe_load((Path(__file__).with_name("bad_inputs_channels.yml")).read_text(encoding="utf-8"))
HANGUL = re.compile(r"[가-힣]")
REPEAT = re.compile(r"<<(.+?)\*(\d+)>>")
STATUS = {"http_400": 400, "http_401": 401, "http_404": 404, "http_413": 413}
PATHS = {"kakao": "/webhooks/kakao/webhook", "kakao_link": "/webhooks/kakao/link",
         "page_session": "/api/session", "page_kakao_link": "/api/kakao-link"}


def test_the_table_covers_every_channel_and_enough_cases():
    assert len(CASES) >= 45 and len({c["id"] for c in CASES}) == len(CASES)
    assert {c["target"] for c in CASES} == set(PATHS) | {"socket"}
    assert {c["expect"] for c in CASES} <= set(STATUS) | {"korean_reply", "too_long_reply", "refusal"}


def expand(value, names):
    if isinstance(value, str):
        if value in names:
            return names[value]
        return REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), value)
    if isinstance(value, list):
        return [expand(v, names) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, names) for k, v in value.items()}
    return value


def placeholders(session_id=None):
    return {
        "<<token>>": issue_token(f"badinput-{uuid.uuid4().hex[:8]}", SECRET.encode()),
        "<<forged>>": issue_token("demo-retiree", b"f" * 48),
        "<<expired>>": issue_token(
            "demo-retiree", SECRET.encode(), now=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
        ),
        "<<own_session>>": session_id,
        "<<made_up_session>>": f"{uuid.uuid4().hex}-{uuid.uuid4().hex}",
    }


def send_http(case, bank, page):
    names = placeholders()
    if "utterance" in case:
        content = json.dumps(
            skill_request(expand(case["utterance"], names), new_user()), ensure_ascii=False
        ).encode()
    elif "raw" in case:
        content = expand(case["raw"], names).encode()
    else:
        content = json.dumps(expand(case["body"], names), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    secret = case.get("secret", SKILL_SECRET)
    if case["target"] == "kakao" and secret != "none":
        headers[SKILL_SECRET_HEADER] = secret
    base = page if case["target"].startswith("page_") else bank.url
    return httpx.post(base + PATHS[case["target"]], content=content, headers=headers, timeout=60.0)


def check_http(case, response):
    expect = case["expect"]
    assert response.headers["content-type"].startswith("application/json"), response.text[:200]
    data = response.json()
    if case["target"] == "kakao":
        assert data["version"] == "2.0" and 1 <= len(data["template"]["outputs"]) <= 3  # Kakao shows it
        text = text_of(data)
    else:
        assert data["ok"] is False or expect not in STATUS
        text = data.get("message", "")
    assert HANGUL.search(text), data
    if expect in STATUS:
        assert response.status_code == STATUS[expect], (response.status_code, data)
        assert case["target"] != "kakao" or data["error"]
        return
    assert response.status_code == 200, data
    if expect == "too_long_reply":
        assert text.strip() == TOO_LONG_TEXT
    else:
        assert expect == "korean_reply" and text.strip() != TOO_LONG_TEXT


async def send_socket(case, url):
    socket = ChatSocket()
    await socket.connect(url)
    try:
        session_id = await socket.request_session(None) if case.get("session", "own") == "own" else None
        await socket.emit(case["event"], expand(case.get("data"), placeholders(session_id)))
        return await socket.next_events(timeout_s=60.0, quiet_s=1.0)
    finally:
        await socket.close()


def check_socket(case, events):
    events = [(name, data) for name, data in events if name != "session_confirm"]
    assert events, "silence"
    if case["expect"] == "refusal":
        assert refusals(events) and HANGUL.search(texts(events)), events
        return
    assert not refusals(events), events
    text = texts(events)
    assert HANGUL.search(text), events
    if case["expect"] == "too_long_reply":
        assert text.strip() == TOO_LONG_TEXT
    else:
        assert case["expect"] == "korean_reply" and text.strip() != TOO_LONG_TEXT


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_bad_input(case, bank, page):
    if case["target"] == "socket":
        check_socket(case, asyncio.run(send_socket(case, bank.url)))
    else:
        check_http(case, send_http(case, bank, page))
