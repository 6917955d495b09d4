"""The Kakao channel without a server: response mapping, limits, link codes, slow turns."""
import asyncio
import datetime as dt
import json
import sqlite3

import pytest

from bot.auth.identity import AUTH_ERROR_KEY, CUSTOMER_KEY
from bot.channels.kakao_links import (
    CODE_TTL,
    MAX_WRONG_CODES,
    LinkStore,
    TooManyWrongCodes,
)
from bot.rasa.channels import kakao_format as fmt
from bot.rasa.channels.kakao import (
    UNLINK_DONE,
    UNLINK_NONE,
    BadSkillRequest,
    KakaoInput,
    SkillRequest,
    is_link_request,
    is_unlink_request,
    parse_skill_request,
    skill_caller_allowed,
)


def ask(user_id, text, callback_url=None):
    return SkillRequest(user_id, text, callback_url)


def outputs(response):
    assert response["version"] == "2.0"
    return response["template"]["outputs"]


def texts(response):
    return [o["simpleText"]["text"] for o in outputs(response) if "simpleText" in o]


def buttons(n, payload=lambda i: f"선택 {i}"):
    return [{"title": f"버튼 {i}", "payload": payload(i)} for i in range(n)]


# -- mapping -----------------------------------------------------------------

def test_text_becomes_simple_text():
    assert fmt.render([{"text": "안녕하세요"}]) == {
        "version": "2.0", "template": {"outputs": [{"simpleText": {"text": "안녕하세요"}}]}}


def test_adjacent_texts_merge_so_paragraphs_stay_within_three_outputs():
    response = fmt.render([{"text": f"문단 {i}"} for i in range(6)])
    assert texts(response) == ["\n\n".join(f"문단 {i}" for i in range(6))]


def test_short_text_with_buttons_is_a_basic_card():
    response = fmt.render([{"text": "언제 내역을 찾아드릴까요?", "buttons": buttons(3)}])
    card = outputs(response)[0]["basicCard"]
    assert card["description"] == "언제 내역을 찾아드릴까요?"
    assert card["buttons"] == [{"label": f"버튼 {i}", "action": "message", "messageText": f"선택 {i}"}
                               for i in range(3)]
    assert "quickReplies" not in response["template"]


def test_more_buttons_than_a_card_holds_become_quick_replies_not_split():
    response = fmt.render(
        [{"text": "몇 년 동안 갚으실 계획인가요?", "buttons": buttons(fmt.CARD_BUTTONS_MAX + 1)}]
    )
    assert texts(response) == ["몇 년 동안 갚으실 계획인가요?"]
    assert not any("basicCard" in o for o in outputs(response))
    assert len(response["template"]["quickReplies"]) == fmt.CARD_BUTTONS_MAX + 1


def test_intent_payload_is_a_blockless_quick_reply_parsed_by_rasa():
    long_text = "가" * (fmt.CARD_DESCRIPTION_MAX + 1)
    response = fmt.render(
        [{"text": long_text, "buttons": [{"title": "내 잔액", "payload": "/check_balance"}]}]
    )
    assert response["template"]["quickReplies"] == [
        {"label": "내 잔액", "action": "message", "messageText": "/check_balance"}]
    assert "blockId" not in response["template"]["quickReplies"][0]


def test_at_most_three_outputs_and_the_cut_is_marked():
    messages = []
    for i in range(5):
        messages += [{"text": f"설명 {i}", "buttons": buttons(1)}]
    response = fmt.render([{"text": "처음"}] + messages + [{"text": "마지막"}])
    assert len(outputs(response)) == fmt.OUTPUTS_MAX
    assert texts(response)[0].endswith(fmt.MORE_SUFFIX)


def test_long_text_is_split_across_outputs():
    text = "\n".join(f"{i:04d} " + "나" * 95 for i in range(25))  # 25 lines of 100 chars
    response = fmt.render([{"text": text}])
    parts = texts(response)
    assert len(parts) == 3
    assert all(len(p) <= fmt.SIMPLE_TEXT_MAX for p in parts)
    assert "\n".join(parts) == text  # cut at line breaks, nothing lost


def test_text_too_long_for_three_outputs_is_truncated_with_more_marker():
    response = fmt.render([{"text": "다" * (fmt.SIMPLE_TEXT_MAX * 5)}])
    parts = texts(response)
    assert len(parts) == fmt.OUTPUTS_MAX
    assert all(len(p) <= fmt.SIMPLE_TEXT_MAX for p in parts)
    assert parts[-1].endswith(fmt.MORE_SUFFIX)


def test_simple_text_limit_with_a_card_taking_a_slot():
    response = fmt.render([{"text": "라" * 2500}, {"text": "고르세요", "buttons": buttons(2)},
                           {"text": "마" * 1500}])
    assert len(outputs(response)) == 3
    assert all(len(t) <= fmt.SIMPLE_TEXT_MAX for t in texts(response))
    assert texts(response)[0].endswith(fmt.MORE_SUFFIX)


def test_quick_replies_at_most_ten():
    response = fmt.render([{"text": "많아요", "buttons": buttons(fmt.QUICK_REPLIES_MAX + 5)}])
    assert len(response["template"]["quickReplies"]) == fmt.QUICK_REPLIES_MAX


def test_labels_at_most_fourteen_characters():
    title = "아주아주아주아주 긴 버튼 제목입니다"
    response = fmt.render([{"text": "골라 주세요", "buttons": [{"title": title, "payload": "긴 선택"}]}])
    label = outputs(response)[0]["basicCard"]["buttons"][0]["label"]
    assert len(label) == fmt.LABEL_MAX and label.endswith("…")
    assert len(title) > fmt.LABEL_MAX


def test_no_messages_still_answers():
    assert texts(fmt.render([])) == [fmt.EMPTY_TEXT]


# -- request parsing ---------------------------------------------------------

def skill_request(utterance, user_id="u1"):
    return json.dumps(
        {
            "intent": {"id": "x", "name": "폴백 블록"},
            "action": {"id": "a", "params": {}},
            "bot": {"id": "b", "name": "은행"},
            "userRequest": {"utterance": utterance, "user": {"id": user_id, "type": "botUserKey"}},
        }
    ).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"[]",
        b'{"userRequest": {}}',
        json.dumps({"userRequest": {"utterance": 5, "user": {"id": "u"}}}).encode(),
        json.dumps({"userRequest": {"utterance": "hi", "user": {"id": True}}}).encode(),
        json.dumps({"userRequest": {"utterance": "hi"}}).encode(),
    ],
)
def test_unusable_requests_are_rejected(body):
    with pytest.raises(BadSkillRequest):
        parse_skill_request(body)


def test_request_parsed():
    assert parse_skill_request(skill_request(" 안녕 ", "abc")) == SkillRequest("abc", "안녕", None)


# -- link codes --------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now


def test_code_links_once_and_only_its_hash_is_stored(tmp_path):
    store = LinkStore(str(tmp_path / "links.sqlite3"))
    code = store.issue_code("kakao-1")
    assert len(code) == 6 and code.isdigit()
    with sqlite3.connect(tmp_path / "links.sqlite3") as db:
        stored = db.execute("SELECT code_hash FROM kakao_link_codes").fetchall()
    assert stored and code not in stored[0][0]
    assert store.redeem(code, "demo-salaried") == "kakao-1"
    assert store.customer_for("kakao-1") == "demo-salaried"
    assert store.redeem(code, "demo-student") is None
    assert store.customer_for("kakao-1") == "demo-salaried"


def test_code_expires_after_ten_minutes(tmp_path):
    clock = Clock()
    store = LinkStore(str(tmp_path / "links.sqlite3"), clock=clock)
    code = store.issue_code("kakao-1")
    clock.now += CODE_TTL + dt.timedelta(seconds=1)
    assert store.redeem(code, "demo-salaried") is None
    assert store.customer_for("kakao-1") is None


def test_new_code_replaces_the_old_one_and_wrong_codes_fail(tmp_path):
    store = LinkStore(str(tmp_path / "links.sqlite3"))
    old = store.issue_code("kakao-1")
    new = store.issue_code("kakao-1")
    if old != new:
        assert store.redeem(old, "demo-salaried") is None
    for bad in ["", "12345", "abcdef", None, "1234567"]:
        assert store.redeem(bad, "demo-student") is None
    assert store.redeem(new, "demo-salaried") == "kakao-1"


# -- slow turns (fake slow Rasa injected through the handler) --------------------

def test_a_late_answer_asks_to_ask_again_and_the_next_message_is_processed(tmp_path):
    channel = KakaoInput(reply_timeout_s=0.05, links=LinkStore(str(tmp_path / "l.sqlite3")))
    seen = []

    async def slow_rasa(message):
        seen.append(message.text)
        await asyncio.sleep(0.3)
        await message.output_channel.send_text_message(message.sender_id, f"답: {message.text}")

    async def scenario():
        first = await channel.handle(slow_rasa, ask("u1", "예금자보호 한도"))
        unlink = await channel.handle(slow_rasa, ask("u1", "계정 연결 해제"))
        second = await channel.handle(slow_rasa, ask("u1", "예금자보호 한도"))
        await asyncio.sleep(0.4)
        return first, unlink, second

    first, unlink, second = asyncio.run(scenario())
    assert texts(first) == [fmt.LATE_TEXT] and texts(second) == [fmt.LATE_TEXT]
    assert texts(unlink) == [UNLINK_NONE]  # answered at once while a turn is running
    assert seen == ["예금자보호 한도", "예금자보호 한도"]  # nothing dropped


def test_fast_answer_and_metadata_only_for_linked_users(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOKEN_SECRET", "s" * 48)
    store = LinkStore(str(tmp_path / "l.sqlite3"))
    channel = KakaoInput(reply_timeout_s=2, links=store)
    got = []

    async def rasa(message):
        got.append((message.sender_id, message.metadata))
        await message.output_channel.send_text_message(message.sender_id, "네")

    store.redeem(store.issue_code("linked"), "demo-salaried")
    assert texts(asyncio.run(channel.handle(rasa, ask("linked", "잔액")))) == ["네"]
    asyncio.run(channel.handle(rasa, ask("stranger", "잔액")))
    assert got[0] == ("kakao:linked", {CUSTOMER_KEY: "demo-salaried"})
    assert got[1] == ("kakao:stranger", {AUTH_ERROR_KEY: "missing"})


def test_failing_rasa_still_answers(tmp_path):
    channel = KakaoInput(reply_timeout_s=2, links=LinkStore(str(tmp_path / "l.sqlite3")))

    async def broken(message):
        raise RuntimeError("boom")

    assert texts(asyncio.run(channel.handle(broken, ask("u", "안녕")))) == [fmt.ERROR_APOLOGY]


# -- wrong codes, unlinking, the caller check ----------------------------------------

def test_five_wrong_codes_pause_linking_for_that_customer_only(tmp_path):
    clock = Clock()
    store = LinkStore(str(tmp_path / "links.sqlite3"), clock=clock)
    code = store.issue_code("kakao-1")
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    for _ in range(MAX_WRONG_CODES):
        assert store.redeem(wrong, "demo-salaried") is None
    with pytest.raises(TooManyWrongCodes):
        store.redeem(code, "demo-salaried")  # even the right code waits
    code = store.issue_code("kakao-1")  # the old one was burnt by the wrong tries
    assert store.redeem(code, "demo-student") == "kakao-1"  # other customers are not affected
    code = store.issue_code("kakao-2")
    clock.now += CODE_TTL - dt.timedelta(seconds=30)
    with pytest.raises(TooManyWrongCodes):
        store.redeem(code, "demo-salaried")
    clock.now += dt.timedelta(seconds=31)
    code = store.issue_code("kakao-2")
    assert store.redeem(code, "demo-salaried") == "kakao-2"


@pytest.mark.parametrize("text, unlink", [
    ("계정 연결 해제", True), ("카톡 연결 끊어줘", True), ("카카오톡  연결 해제해 주세요", True),
    ("계정 연결", False), ("농협 연결 끊어줘", False), ("카카오뱅크 연결 끊어줘", False),
])
def test_unlink_requests_are_told_from_link_and_consent_requests(text, unlink):
    assert is_unlink_request(text) is unlink
    assert not (is_unlink_request(text) and is_link_request(text))


def test_unlinking_stops_personal_answers_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOKEN_SECRET", "s" * 48)
    store = LinkStore(str(tmp_path / "l.sqlite3"))
    channel = KakaoInput(reply_timeout_s=2, links=store)
    got = []

    async def rasa(message):
        got.append(message.metadata)
        await message.output_channel.send_text_message(message.sender_id, "네")

    store.redeem(store.issue_code("u"), "demo-salaried")
    asyncio.run(channel.handle(rasa, ask("u", "잔액")))
    assert texts(asyncio.run(channel.handle(rasa, ask("u", "계정 연결 해제")))) == [UNLINK_DONE]
    asyncio.run(channel.handle(rasa, ask("u", "잔액")))
    assert texts(asyncio.run(channel.handle(rasa, ask("u", "계정 연결 해제")))) == [UNLINK_NONE]
    assert got == [{CUSTOMER_KEY: "demo-salaried"}, {AUTH_ERROR_KEY: "missing"}]


@pytest.mark.parametrize("env, header, allowed", [
    ({}, None, False),
    ({}, "anything", False),
    ({"KAKAO_SKILL_SECRET": ""}, "", False),
    ({"KAKAO_SKILL_SECRET": "open-builder-secret"}, "open-builder-secret", True),
    ({"KAKAO_SKILL_SECRET": "open-builder-secret"}, None, False),
    ({"KAKAO_SKILL_SECRET": "open-builder-secret"}, "guess", False),
])
def test_skill_caller_check(env, header, allowed):
    assert skill_caller_allowed(header, env) is allowed


# -- the spending chart ------------------------------------------------------------

CHART = {"type": "category_breakdown", "title": "이번 달 분야별 지출", "period": ["2026-11-01", "2026-11-22"],
         "items": [{"label": f"분야{i}", "amount": amount}
                   for i, amount in enumerate([500_000, 200_000, 150_000, 90_000, 40_000, 20_000])]}


def test_the_spending_chart_becomes_a_list_card_of_the_top_five():
    response = fmt.render([{"text": "이번 달 지출은 총 1,000,000원이에요."}, {"custom": {"chart": CHART}}])
    card = outputs(response)[-1]["listCard"]
    assert card["header"]["title"] == "분야별 지출 상위 5개"
    assert [i["title"] for i in card["items"]] == ["분야0", "분야1", "분야2", "분야3", "분야4"]
    assert card["items"][0]["description"] == "500,000원 · 50.0%"
    assert len(outputs(response)) <= fmt.OUTPUTS_MAX


@pytest.mark.parametrize("chart", [
    {"type": "category_breakdown", "items": []},
    {"type": "category_breakdown", "items": [{"label": "식비", "amount": "많이"}]},
    {"type": "pie", "items": [{"label": "식비", "amount": 1000}]},
    {"items": None},
])
def test_a_chart_that_cannot_be_listed_is_left_out(chart):
    response = fmt.render([{"text": "지출 요약"}, {"custom": {"chart": chart}}])
    assert [list(o) for o in outputs(response)] == [["simpleText"]]
