"""Attacks on the KakaoTalk channel, replayed against the real stack (tests/support/bank.py): a forged
skill request for a linked user, link-code guessing from many identities, a late answer sent to a
callback URL the caller chose, and an utterance big enough to freeze the server."""
import re
import uuid

import httpx
import pytest

from bot.auth.tokens import issue_token
from bot.channels.bounds import MAX_BODY_BYTES, MAX_MESSAGE_CHARS, TOO_LONG_TEXT
from bot.channels.kakao_links import MAX_CODES_PER_USER, MAX_WRONG_CODES
from bot.korean.wording import won
from bot.rasa.channels import kakao_format as fmt
from bot.rasa.channels.kakao import LINK_TOO_MANY_CODES, SKILL_SECRET_HEADER, UNLINK_DONE
from tests.support.bank import SECRET, deposit_total
from tests.support.kakao import SKILL_SECRET, new_user, post, say, skill_request, text_of

pytestmark = pytest.mark.slow
MONEY = re.compile(r"\d[\d,]*\s*원")


def link_code(url, user):
    codes = re.findall(r"\b\d{6}\b", say(url, "계정 연결", user))
    assert len(codes) == 1
    return codes[0]


def redeem(url, code, customer_id):
    return httpx.post(f"{url}/webhooks/kakao/link", timeout=10.0,
                      json={"code": code, "customer_token": issue_token(customer_id, SECRET.encode())})


def linked_user(url, customer_id):
    user = new_user()
    assert redeem(url, link_code(url, user), customer_id).status_code == 200
    return user


def test_a_forged_skill_request_for_a_linked_user_gets_401_not_a_balance(bank):
    user = linked_user(bank.url, "demo-retiree")
    assert won(deposit_total(bank, "demo-retiree")) in say(bank.url, "내 잔액 알려줘", user)  # the real Kakao
    for headers in ({}, {SKILL_SECRET_HEADER: ""}, {SKILL_SECRET_HEADER: "guess"},
                    {SKILL_SECRET_HEADER: SKILL_SECRET + "x"}, {SKILL_SECRET_HEADER: SKILL_SECRET[:-1]},
                    {"X-Kakao-Skill-Secret-Other": SKILL_SECRET}):
        for channel in ("kakao", "kakao_slow"):
            response = httpx.post(f"{bank.url}/webhooks/{channel}/webhook", headers=headers, timeout=10.0,
                                  json=skill_request("내 잔액 알려줘", user))
            assert response.status_code == 401, (channel, headers)
            assert response.json()["error"] == "unauthorized" and not MONEY.search(text_of(response.json()))


def test_without_a_configured_secret_every_skill_request_is_refused(kakao_alone):
    url, log = kakao_alone
    for headers in ({}, {SKILL_SECRET_HEADER: ""}, {SKILL_SECRET_HEADER: "anything"},
                    {SKILL_SECRET_HEADER: SKILL_SECRET}):
        response = httpx.post(f"{url}/webhooks/kakao/webhook", headers=headers, timeout=10.0,
                              json=skill_request("계정 연결", new_user()))
        assert response.status_code == 401 and "연결 코드" not in text_of(response.json())
    assert "KAKAO_SKILL_SECRET is not set" in log.read_text()


def test_guessing_a_code_from_many_identities_burns_it(bank):
    user = new_user()
    code = link_code(bank.url, user)
    attackers = [f"attacker-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    statuses, guess = [], int(code)
    for attacker in attackers:
        for _ in range(MAX_WRONG_CODES):
            guess = (guess + 7919) % 10 ** 6
            if guess == int(code):
                guess += 1
            statuses.append(redeem(bank.url, f"{guess:06d}", attacker).status_code)
    assert statuses == [400] * (3 * MAX_WRONG_CODES)
    right = redeem(bank.url, code, f"attacker-{uuid.uuid4().hex[:8]}")  # a fourth identity, the right code
    assert right.status_code == 400 and right.json()["error"] == "bad_code"
    assert "로그인" in say(bank.url, "내 잔액 알려줘", user)
    fresh = link_code(bank.url, user)  # the owner asks again and links
    assert redeem(bank.url, fresh, "demo-student").status_code == 200
    assert won(deposit_total(bank, "demo-student")) in say(bank.url, "내 잔액 알려줘", user)


def test_a_kakao_user_cannot_churn_codes(bank):
    user = new_user()
    for _ in range(MAX_CODES_PER_USER):
        link_code(bank.url, user)
    assert say(bank.url, "계정 연결", user).strip() == LINK_TOO_MANY_CODES


def test_a_late_answer_goes_to_kakaos_callback_once(bank, fake_kakao):
    user = linked_user(bank.url, "demo-salaried")
    url = fake_kakao.url()
    first = httpx.post(
        f"{bank.url}/webhooks/kakao_slow/webhook",
        timeout=10.0,
        headers={SKILL_SECRET_HEADER: SKILL_SECRET},
        json=skill_request("내 잔액 알려줘", user, url),
    )
    assert first.status_code == 200
    assert first.json() == {"version": "2.0", "useCallback": True, "data": {"text": fmt.CALLBACK_WAIT_TEXT}}
    (answer,) = fake_kakao.calls_to(url, wait_s=60)
    assert answer["version"] == "2.0" and won(deposit_total(bank, "demo-salaried")) in text_of(answer)
    assert "예금자" in say(bank.url, "예금자보호 한도 얼마야?", user)
    assert len(fake_kakao.calls_to(url)) == 1


def test_a_callback_url_outside_kakao_is_never_called(bank, fake_kakao):
    user = linked_user(bank.url, "demo-salaried")
    local_but_not_allowed = fake_kakao.url(host="localhost")  # reaches the fake, but not on the allow-list
    for url in (local_but_not_allowed, "http://169.254.169.254/latest/meta-data", "https://kakao.com.evil.example/cb"):
        first = post(bank.url, skill_request("내 잔액 알려줘", user, url), channel="kakao_slow")
        assert text_of(first).strip() == fmt.LATE_TEXT and "useCallback" not in first
    assert won(deposit_total(bank, "demo-salaried")) in say(bank.url, "내 잔액 알려줘", user)
    assert fake_kakao.calls_to(local_but_not_allowed) == []


def test_unlink_goes_through_while_a_late_answer_is_running(bank):
    user = linked_user(
        bank.url, "demo-retiree"
    )  # demo-shop's linking is paused by another test's wrong codes
    assert (
        text_of(post(bank.url, skill_request("내 잔액 알려줘", user), channel="kakao_slow")).strip()
        == fmt.LATE_TEXT
    )
    assert (
        text_of(post(bank.url, skill_request("계정 연결 해제", user), channel="kakao_slow")).strip()
        == UNLINK_DONE
    )
    text = say(bank.url, "내 잔액 알려줘", user)
    assert "로그인" in text and not MONEY.search(text)


def test_a_huge_utterance_is_refused_before_it_reaches_the_parser(bank):
    user = new_user()
    huge = skill_request("가" * 400_000, user)  # the 1.2 MB message that froze the server
    response = httpx.post(f"{bank.url}/webhooks/kakao/webhook", json=huge, timeout=30.0,
                          headers={SKILL_SECRET_HEADER: SKILL_SECRET})
    assert response.status_code == 413 and response.json()["error"] == "too_large"
    assert len(response.request.content) > MAX_BODY_BYTES
    long = post(bank.url, skill_request("가" * (MAX_MESSAGE_CHARS + 1), user))
    assert text_of(long).strip() == TOO_LONG_TEXT
    assert "1억" in say(bank.url, "예금자보호 한도 얼마야?", user)  # the server still answers
