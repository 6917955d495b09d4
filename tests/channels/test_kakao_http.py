"""Kakao skill requests against the real Rasa + action servers and the MyData demo stack."""
import re

import httpx
import pytest

from bot.auth.tokens import issue_token
from bot.channels.kakao_links import MAX_WRONG_CODES
from bot.rasa.channels import kakao_format as fmt
from bot.rasa.channels.kakao import SKILL_SECRET_HEADER
from tests.support.bank import SECRET
from tests.support.kakao import SKILL_SECRET, answer, new_user, post, say, skill_request, text_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kakao(bank):
    """The demo bank's Rasa server: the Kakao channel (4.5 s reply timeout, skill secret required),
    and `kakao_slow`, whose every answer is late."""
    return bank.url


def test_faq_answers_in_simple_text(kakao):
    data = answer(kakao, "예금자보호 한도 얼마야?", new_user())
    assert any("1억" in o.get("simpleText", {}).get("text", "") for o in data["template"]["outputs"])


def test_bad_requests_get_a_400_that_is_still_a_skill_response(kakao):
    for body, error in (
        (b"{oops", "malformed_json"),
        (b'{"userRequest": {"user": {"id": "x"}}}', "missing_utterance"),
    ):
        response = httpx.post(f"{kakao}/webhooks/kakao/webhook", content=body,
                              headers={"Content-Type": "application/json", SKILL_SECRET_HEADER: SKILL_SECRET},
                              timeout=10.0)
        assert response.status_code == 400 and response.json()["error"] == error
        assert text_of(response.json()).strip() == fmt.APOLOGY


def test_unlinked_user_gets_the_login_refusal(kakao):
    text = say(kakao, "내 잔액 알려줘", new_user())
    assert "로그인" in text and not re.search(r"\d[\d,]*\s*원", text)


def link_code(url, user_id):
    text = say(url, "계정 연결", user_id)
    codes = re.findall(r"\b\d{6}\b", text)
    assert len(codes) == 1, text
    return codes[0]


def test_link_flow_then_personal_answer(kakao):
    user = new_user()
    code = link_code(kakao, user)
    response = httpx.post(
        f"{kakao}/webhooks/kakao/link",
        timeout=10.0,
        json={"code": code, "customer_token": issue_token("demo-salaried", SECRET.encode())},
    )
    assert response.status_code == 200, response.text
    text = say(kakao, "내 잔액 알려줘", user)
    assert re.search(r"\d[\d,]*\s*원", text), text
    assert "로그인" not in text
    # the code was one-time
    again = httpx.post(f"{kakao}/webhooks/kakao/link", timeout=10.0,
                       json={"code": code, "customer_token": issue_token("demo-student", SECRET.encode())})
    assert again.status_code == 400


def test_wrong_code_and_bad_token_are_refused(kakao):
    user = new_user()
    code = link_code(kakao, user)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    response = httpx.post(
        f"{kakao}/webhooks/kakao/link",
        timeout=10.0,
        json={"code": wrong, "customer_token": issue_token("demo-salaried", SECRET.encode())},
    )
    assert response.status_code == 400 and "코드" in response.json()["message"]
    forged = issue_token("demo-salaried", b"x" * 48)
    response = httpx.post(f"{kakao}/webhooks/kakao/link", json={"code": code, "customer_token": forged},
                          timeout=10.0)
    assert response.status_code == 401
    assert "로그인" in say(kakao, "내 잔액 알려줘", user)  # still unlinked


def test_a_late_answer_without_a_callback_asks_to_ask_again(kakao):
    # A turn that calls the action server (real I/O), so the 0.001 s timeout is
    # hit; a turn that never yields the event loop can finish before any timeout.
    user = new_user()
    first = post(kakao, skill_request("내 잔액 알려줘", user), channel="kakao_slow")
    assert text_of(first).strip() == fmt.LATE_TEXT
    assert "연결 코드" in text_of(post(kakao, skill_request("계정 연결", user), channel="kakao_slow"))
    assert "로그인" in say(kakao, "내 잔액 알려줘", user)  # the next question is answered, not dropped


def test_a_caller_without_the_skill_secret_is_refused(kakao):
    body = skill_request("계정 연결", new_user())
    for headers in ({}, {SKILL_SECRET_HEADER: "guess"}):
        response = httpx.post(f"{kakao}/webhooks/kakao/webhook", json=body, headers=headers, timeout=10.0)
        assert response.status_code == 401 and "연결 코드" not in response.text


def test_repeated_wrong_codes_pause_linking(kakao):
    user = new_user()
    code = link_code(kakao, user)
    token = issue_token("demo-shop", SECRET.encode())
    wrong = f"{(int(code) + 7) % 1000000:06d}"
    statuses = [httpx.post(f"{kakao}/webhooks/kakao/link", json={"code": wrong, "customer_token": token},
                           timeout=10.0).status_code for _ in range(MAX_WRONG_CODES)]
    assert statuses == [400] * MAX_WRONG_CODES
    locked = httpx.post(
        f"{kakao}/webhooks/kakao/link", json={"code": code, "customer_token": token}, timeout=10.0
    )
    assert locked.status_code == 429 and "10분" in locked.json()["message"]
    assert "로그인" in say(kakao, "내 잔액 알려줘", user)


def test_unlinking_from_kakao(kakao):
    user = new_user()
    code = link_code(kakao, user)
    httpx.post(
        f"{kakao}/webhooks/kakao/link",
        timeout=10.0,
        json={"code": code, "customer_token": issue_token("demo-retiree", SECRET.encode())},
    ).raise_for_status()
    assert "로그인" not in say(kakao, "내 잔액 알려줘", user)
    assert "해제했어요" in say(kakao, "계정 연결 해제", user)
    assert "로그인" in say(kakao, "내 잔액 알려줘", user)
