"""Numbers a customer can bank on: the monthly cash flow of every demo persona against the
institutions' own records, one credit score across answers, score levers re-scored, and merchant
search by canonical merchant."""
import re
from dataclasses import replace
from datetime import date

import pytest

import bot.assistant.credit as credit_answers
from bot.advisor.cashflow import left_words
from bot.assistant import Query, credit_score, financial_advice, loan_eligibility, recommend_product
from bot.assistant.cash_flow import cash_flow_of
from bot.assistant.credit import NO_MODEL, score_customer, score_levers
from bot.credit.levers import CARD_TARGET_SHARE
from bot.credit.levers import score_levers as model_levers
from bot.korean.wording import won_approx
from bot.mydata.analytics.transactions import search_transactions
from bot.mydata.store.db import session_scope

from .conftest import DEMOS, GENERATED, NOW, REGISTERED_ONLY
from .expected import expected_cash_flow, stamp

N = stamp(NOW)
@pytest.mark.parametrize("customer", DEMOS + [GENERATED])
def test_cash_flow_matches_the_books(customer, store, books, ctx_for):
    engine, linked, *_ = store
    with session_scope(engine) as session:
        cash, _ = cash_flow_of(session, customer, NOW)
    expected = expected_cash_flow(books[customer], linked[customer], N)
    assert cash.monthly_income == expected["income"]
    assert {o.payer: o.total for o in cash.one_offs} == expected["one_offs"]
    assert cash.living_spending == expected["living"]
    assert {c.label: c.monthly for c in cash.fixed} == expected["fixed"]
    assert cash.unclassified_out == expected["unclassified"]
    assert cash.surplus == expected["income"] - expected["living"] - sum(expected["fixed"].values())


def test_the_salaried_bonus_is_not_monthly_income_and_unlinked_bills_count(store, books, ctx_for):
    engine, linked, *_ = store
    with session_scope(engine) as session:
        cash, _ = cash_flow_of(session, "demo-salaried", NOW)
    bonus = [o for o in cash.one_offs if o.payer.endswith("상여")]
    assert bonus and all(o.payer not in cash.income_payers for o in bonus)
    labels = {c.label for c in cash.fixed}
    assert {
        "대출 상환",
        "보험료",
        "신한카드 카드 대금(연결 안 됨)",
    } <= labels  # 신한카드 is the unlinked card


def test_every_answer_quotes_the_same_surplus(store, books, ctx_for):
    engine, linked, *_ = store
    for customer in ("demo-salaried", "demo-shop"):
        expected = expected_cash_flow(books[customer], linked[customer], N)
        surplus = expected["income"] - expected["living"] - sum(expected["fixed"].values())
        words = f"빼면 {left_words(surplus)}"
        savings = recommend_product(ctx_for(customer), Query(product_type="적금"))
        loan = loan_eligibility(ctx_for(customer), Query(amount=5_000_000))
        assert words in savings.text and words in loan.text, (customer, words)
        assert all("고정지출에는" in r.text and "대출 상환" in r.text for r in (savings, loan))
        advice = financial_advice(ctx_for(customer))
        assert f"매달 {won_approx(-surplus)}씩 모자라요" in advice.text if surplus < 0 else \
            f"매달 남는 {won_approx(surplus)}" in advice.text or "저축률" in advice.text


def _score(text: str, marker: str) -> int:
    return int(re.search(marker + r"(\d+)점", text).group(1))


@pytest.mark.parametrize("customer", DEMOS)
def test_one_score_in_every_answer(customer, store, ctx_for):
    score = _score(credit_score(ctx_for(customer)).text, "예상 신용점수는 ")
    assert _score(score_levers(ctx_for(customer)).text, "지금 예상 신용점수는 ") == score
    for amount, term in ((3_000_000, 12), (20_000_000, 60)):
        reply = loan_eligibility(ctx_for(customer), Query(amount=amount, loan_term_months=term))
        assert _score(reply.text, "예상 신용점수 ") == score
        change = re.search(r"예상 점수 (\d+) → (\d+)점|예상 점수는 (\d+)점 그대로", reply.text)
        assert change and int(change.group(1) or change.group(3)) == score
        for needed in re.findall(r"\(현재 (\d+)점\)", reply.text):
            assert int(needed) == score
    loans_reply = recommend_product(ctx_for(customer), Query(product_type="대출"))
    assert f"신용점수 {score}점" in loans_reply.text


def test_score_levers_regain_their_points_when_applied(store, ctx_for, scorer):
    seen = 0
    for customer in DEMOS:
        result, inputs, _, _ = score_customer(ctx_for(customer))
        for lever in model_levers(scorer, inputs.profile):
            seen += 1
            assert lever.score_before == result.score
            changed = _apply(lever.key, inputs.profile)
            assert scorer.score(changed).score - result.score == lever.gain > 0
    assert seen >= 2  # the salaried customer's loans, the shop owner's arrear


def _apply(key, profile):
    """The change each lever names, made here from its description, not taken from the lever."""
    loans = list(profile.loans or ())
    if key == "clear_overdue":
        overdue = sum(1 for x in loans if x.delinquent_days >= 30)
        return replace(profile, loans=[replace(x, delinquent_days=0) for x in loans],
                       delinquencies_24m=(profile.delinquencies_24m or 0) + overdue)
    if key == "card_utilisation":
        target = int(profile.card_limit_total * CARD_TARGET_SHARE)
        return replace(profile, card_spending_3m=[target] * len(profile.card_spending_3m))
    if key == "credit_line":
        return replace(profile, loans=[replace(x, balance=0) if not x.installment else x for x in loans])
    if key == "smallest_loan":
        smallest = min(
            (x for x in loans if x.installment and x.balance > 0), key=lambda x: (x.balance, x.opened)
        )
        loans.remove(smallest)
        return replace(profile, loans=loans)
    if key == "recent_loan":
        newest = max((x for x in loans if x.installment and x.balance > 0), key=lambda x: x.opened)
        loans.remove(newest)
        return replace(profile, loans=loans)
    raise AssertionError(key)


def test_score_answer_leads_to_the_levers(store, ctx_for):
    reply = credit_score(ctx_for("demo-shop"))
    assert "점수를 가장 많이 올릴 방법: 연체 중인 대출 1건" in reply.text
    assert any(b["payload"] == "어떻게 하면 올릴 수 있어?" for b in reply.buttons)
    levers = score_levers(ctx_for("demo-shop"))
    assert re.search(r"1\. 연체 중인 대출 1건의 밀린 상환금을 갚아 연체 풀기: \+\d+점", levers.text)


def test_merchant_search_keeps_coupang_and_coupang_eats_apart(store, books, ctx_for):
    engine, linked, *_ = store
    with session_scope(engine) as session:
        found = {m: search_transactions(session, "demo-salaried", start=date(2024, 6, 1),
                                        end=date(2025, 7, 3), merchant=m, limit=500, now=NOW)
                 for m in ("쿠팡", "쿠팡이츠")}
    assert found["쿠팡"].items and found["쿠팡이츠"].items
    assert {i.merchant for i in found["쿠팡"].items} == {"쿠팡"}
    assert {i.merchant for i in found["쿠팡이츠"].items} == {"쿠팡이츠"}
    truth = sum(1 for o in linked["demo-salaried"] for c in books["demo-salaried"].institutions[o].cards
                for a in c.approvals if a.merchant == "쿠팡" and "20240601" <= a.dtime[:8] and a.dtime <= N
                and not (a.cancel_dtime and a.cancel_dtime <= N))
    assert found["쿠팡"].total_count == truth


def test_levers_without_consent_or_model_are_korean_answers(store, ctx_for, tmp_path):
    for customer in ("nobody-here", REGISTERED_ONLY):
        reply = score_levers(ctx_for(customer), Query(text="어떻게 하면 올릴 수 있어?"))
        assert "연결" in reply.text or "동의" in reply.text
    assert score_levers(ctx_for("demo-salaried", scorer=None, model_dir=tmp_path)).text == NO_MODEL
    nothing = score_levers(ctx_for("demo-retiree"))  # no loans, low card use: nothing to change
    assert "점수를 올리는 건 찾지 못했어요" in nothing.text and "예상 신용점수는 " in nothing.text


def test_loan_amounts_no_loan_could_be_get_a_korean_answer(store, ctx_for):
    for amount in (1, 9_999, 10**15):
        for reply in (loan_eligibility(ctx_for("demo-salaried"), Query(amount=amount)),
                      recommend_product(ctx_for("demo-salaried"), Query(product_type="대출", amount=amount))):
            assert "대출 금액은 1만 원에서 100억 원 사이로 알려주세요" in reply.text and reply.buttons


def test_approval_and_the_product_list_never_disagree_in_the_reply(store, ctx_for):
    for customer in DEMOS:
        for amount, term, purpose in ((3_000_000, 12, None), (30_000_000, 60, None), (50_000_000, 36, "대환"),
                                      (300_000_000, 24, "전세자금"), (100_000_000, 36, "사업자금")):
            reply = loan_eligibility(ctx_for(customer), Query(amount=amount, loan_term_months=term,
                                                              loan_purpose=purpose))
            listed = "조건에 맞는 상품:" in reply.text
            assert ("승인 가능성은 약 0%" in reply.text) == (not listed), reply.text
            assert ("요청하신 금액이 한도 안에 들어가요" in reply.text) == listed, reply.text


def test_a_customer_overdue_now_is_told_to_clear_it_even_when_no_lever_gains(store, ctx_for, monkeypatch):
    monkeypatch.setattr(credit_answers, "score_levers_of", lambda *args, **kwargs: [])
    shop = score_levers(ctx_for("demo-shop")).text
    assert "연체 중인 대출이 1건" in shop and "밀린 상환금" in shop and "지금처럼 관리" not in shop, shop
    salaried = score_levers(ctx_for("demo-salaried")).text
    assert "연체 중인" not in salaried and "지금처럼 관리" in salaried, salaried
