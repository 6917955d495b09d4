"""The demo customers talk to the real stack over REST: MyData sandbox, action server, Rasa.

Expected numbers are read straight from the store with SQL, not through the
analytics the assistant uses.
"""
import datetime as dt
import os
import subprocess
import sys
import uuid

import pytest

from bot.auth.tokens import issue_token
from bot.korean.wording import won
from bot.mydata.store.vault import vault
from tests.support.bank import SECRET, deposit_total, sql
from tests.support.servers import ROOT

pytestmark = pytest.mark.slow


def token(customer_id, secret=SECRET, **kwargs):
    return issue_token(customer_id, secret.encode(), **kwargs)


def say(bank, text, customer_id=None, sender=None, token_value=None):
    metadata = {"customer_token": token_value or token(customer_id)} if (customer_id or token_value) else None
    replies = bank.say(sender or f"t-{uuid.uuid4().hex[:10]}", text, metadata)
    return "\n".join(r.get("text", "") for r in replies), replies


def account_numbers(bank, customer_id):
    """The full numbers, decrypted with the store's key (stored, they are ciphertext)."""
    rows = sql(bank, "SELECT account_num FROM accounts WHERE customer_id = ?", customer_id)
    return [vault().decrypt(r[0]) for r in rows]


def test_no_token_no_data(bank):
    text, _ = say(bank, "내 잔액 알려줘")
    assert "로그인" in text
    assert "원" not in text


def test_forged_and_expired_tokens_are_refused(bank):
    forged = token("demo-salaried", secret="x" * 48)
    text, _ = say(bank, "내 잔액 알려줘", token_value=forged)
    assert "확인할 수 없어" in text and "원" not in text
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    expired = token("demo-salaried", ttl=dt.timedelta(minutes=1), now=past)
    text, _ = say(bank, "내 잔액 알려줘", token_value=expired)
    assert "만료" in text and "원" not in text


def test_balance_total_matches_the_store(bank):
    text, _ = say(bank, "내 계좌 잔액 전부 알려줘", "demo-salaried")
    assert f"총 {won(deposit_total(bank, 'demo-salaried'))}" in text


def test_the_sender_id_does_not_choose_the_customer(bank):
    text, _ = say(bank, "내 계좌 잔액 전부 알려줘", "demo-student", sender="demo-salaried")
    student_total = won(deposit_total(bank, "demo-student"))
    assert student_total in text
    assert won(deposit_total(bank, "demo-salaried")) not in text
    for number in account_numbers(bank, "demo-salaried"):
        assert number not in text and number[-4:] not in text


def test_account_numbers_are_masked(bank):
    text, _ = say(bank, "연결된 계좌 목록 보여줘", "demo-salaried")
    numbers = account_numbers(bank, "demo-salaried")
    assert numbers
    assert not any(number in text for number in numbers)
    assert "*" in text


def test_consents_listed_match_the_store(bank):
    text, _ = say(bank, "어디에 정보 제공 동의했지?", "demo-retiree")
    active = sql(
        bank, "SELECT COUNT(*) FROM consents WHERE customer_id = ? AND revoked_at IS NULL", "demo-retiree"
    )
    assert f"{active[0][0]}곳" in text


def test_credit_score_is_our_estimate(bank):
    text, _ = say(bank, "내 신용점수 알려줘", "demo-salaried")
    assert "점" in text
    assert "추정" in text or "예상" in text or "참고" in text


def test_transaction_search_asks_only_for_the_period(bank):
    sender = f"t-{uuid.uuid4().hex[:10]}"
    text, _ = say(bank, "스타벅스에서 쓴 내역 찾아줘", "demo-salaried", sender=sender)
    assert "언제" in text
    text, _ = say(bank, "최근 3개월", "demo-salaried", sender=sender)
    assert "스타벅스" in text and "언제" not in text


def test_loan_form_survives_an_interruption(bank):
    sender = f"t-{uuid.uuid4().hex[:10]}"
    text, _ = say(bank, "천만 원 대출 받을 수 있을까?", "demo-salaried", sender=sender)
    assert "갚" in text  # asks the term: the amount was not asked again
    text, _ = say(bank, "근데 내 계좌 잔액 다 합치면 얼마야", "demo-salaried", sender=sender)
    assert f"총 {won(deposit_total(bank, 'demo-salaried'))}" in text
    assert "갚" in text  # and the form asks for the term again
    text, _ = say(bank, "3년", "demo-salaried", sender=sender)
    assert "용도" in text
    text, _ = say(bank, "생활자금", "demo-salaried", sender=sender)
    assert "%" in text


def test_asking_about_an_unlinked_institution_connects_it_then_answers(bank):
    sender = f"t-{uuid.uuid4().hex[:10]}"
    assert not sql(bank, "SELECT 1 FROM consents WHERE customer_id='demo-salaried' AND org_code='C0020001' "
                         "AND revoked_at IS NULL")
    text, _ = say(bank, "신한카드 카드값 얼마야?", "demo-salaried", sender=sender)
    assert "연결되지 않았" in text and "어떤 정보" in text
    text, _ = say(bank, "전체 정보", "demo-salaried", sender=sender)
    assert "얼마 동안" in text
    text, _ = say(bank, "6개월", "demo-salaried", sender=sender)
    assert "동의하시겠어요" in text
    text, _ = say(bank, "/affirm", "demo-salaried", sender=sender)
    assert "연결을 완료" in text
    assert "신한카드" in text
    assert sql(bank, "SELECT 1 FROM consents WHERE customer_id='demo-salaried' AND org_code='C0020001' "
                     "AND revoked_at IS NULL")


def test_revoking_deletes_that_institution_only(bank):
    sender = f"t-{uuid.uuid4().hex[:10]}"
    before_other = sql(
        bank, "SELECT COUNT(*) FROM accounts WHERE customer_id='demo-retiree' AND org_code != 'B0010005'"
    )
    assert (
        sql(bank, "SELECT COUNT(*) FROM accounts WHERE customer_id='demo-retiree' AND org_code='B0010005'")[
            0
        ][0]
        > 0
    )
    text, _ = say(bank, "농협 연결 끊어줘", "demo-retiree", sender=sender)
    assert "삭제" in text and "진행할까요" in text
    text, _ = say(bank, "/affirm", "demo-retiree", sender=sender)
    assert "삭제했어요" in text
    assert (
        sql(bank, "SELECT COUNT(*) FROM accounts WHERE customer_id='demo-retiree' AND org_code='B0010005'")[
            0
        ][0]
        == 0
    )
    assert (
        sql(bank, "SELECT COUNT(*) FROM accounts WHERE customer_id='demo-retiree' AND org_code != 'B0010005'")
        == before_other
    )


def test_an_institution_down_mid_conversation_is_named_and_old_data_still_answers(bank):
    import httpx

    sender = f"t-{uuid.uuid4().hex[:10]}"
    before, _ = say(bank, "이번 달 카드값 얼마 나와?", "demo-shop", sender=sender)
    assert "BC카드" in before and "실패" not in before
    sandbox = bank.extra_env["MYDATA_API_BASE_URL"]
    httpx.post(f"{sandbox}/_sandbox/faults", json={"down": ["C0020008"]}, timeout=10).raise_for_status()
    try:
        env = {**os.environ, **bank.extra_env, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "bot.mydata", "sync", "--customer", "demo-shop"],
                       cwd=ROOT, env=env, capture_output=True, timeout=120)
        after, _ = say(bank, "이번 달 카드값 얼마 나와?", "demo-shop", sender=sender)
    finally:
        httpx.post(f"{sandbox}/_sandbox/faults", json={"down": []}, timeout=10)
    assert "BC카드 연결에 실패해" in after
    assert "원" in after


def test_more_button_pages_through_a_long_list(bank):
    sender = f"t-{uuid.uuid4().hex[:10]}"
    text, replies = say(bank, "최근 3개월 카드 결제 내역 보여줘", "demo-salaried", sender=sender)
    more = [b for r in replies for b in r.get("buttons", []) if b["title"] == "더 보기"]
    assert more, text
    next_text, _ = say(bank, more[0]["payload"], "demo-salaried", sender=sender)
    assert "이어서" in next_text
    first_lines = {line for line in text.splitlines() if line.startswith("·")}
    next_lines = {line for line in next_text.splitlines() if line.startswith("·")}
    assert next_lines and not (first_lines & next_lines)


def test_asking_whether_an_unlinked_institution_is_shared_just_answers(bank):
    question = "신한카드에 정보 제공 동의했었나?"
    assert bank.parse(question)["intent"]["name"] == "list_consents"
    text, _ = say(bank, question, "demo-student")
    assert "연결되지 않았" in text
    assert "어떤 정보" not in text  # the connect form did not start
