"""Answers built on the last answer (items shown, why spending grew, own credit levers), several
named values at once, and the start of a month, against the institutions' own records.

The clock of these tests is July 3 (tests/assistant/conftest.py): the month has just begun."""
from datetime import date

from bot.assistant import Query, check_balance, recurring_payments, search_transactions, spending_summary
from bot.assistant.credit import score_customer, score_levers
from bot.assistant.followup import (
    explained,
    no_context_reply,
    picked_reply,
    price_change_reply,
    raise_score_reply,
    why_changed_reply,
)
from bot.assistant.multi import answer_each, total_of_each
from bot.conversation.frame import EACH, Frame
from bot.korean.calendar import DateRange
from bot.korean.wording import won

from .conftest import NOW
from .expected import deposits, spending, stamp

N = stamp(NOW)
MAY = DateRange(date(2025, 5, 1), date(2025, 5, 31))


def test_this_month_on_the_third_says_it_has_just_begun_beside_last_months_total(store, books, ctx_for):
    _, linked, *_ = store
    june = spending(books["demo-salaried"], linked["demo-salaried"], N, date(2025, 6, 1), date(2025, 6, 30))
    reply = spending_summary(ctx_for("demo-salaried"), Query(text="이번 달 지출"))
    assert "이번 달은 이제 막 시작됐어요(3일째)" in reply.text
    assert f"지난달(6월) 지출은 총 {won(sum(june.values()))}이었어요" in reply.text
    may = spending_summary(ctx_for("demo-salaried"), Query(period=MAY))
    assert "막 시작" not in may.text


def test_why_spending_grew_or_fell_names_those_categories_over_all_of_them(store, books, ctx_for):
    _, linked, *_ = store
    may = spending(books["demo-salaried"], linked["demo-salaried"], N, *MAY)
    april = spending(books["demo-salaried"], linked["demo-salaried"], N, date(2025, 4, 1), date(2025, 4, 30))
    frame = Frame("spending_summary", Query(period=MAY).to_entities(), ())  # nothing shown: all are read
    every = set(may) | set(april)
    for grew, answer in ((True, why_changed_reply(ctx_for("demo-salaried"), frame, True)),
                         (False, why_changed_reply(ctx_for("demo-salaried"), frame, False))):
        moved = sorted(
            (
                c
                for c in every
                if (may.get(c, 0) > april.get(c, 0) if grew else may.get(c, 0) < april.get(c, 0))
            ),
            key=lambda c: abs(may.get(c, 0) - april.get(c, 0)),
            reverse=True,
        )
        assert moved, "the books must move both ways for this test to mean anything"
        assert f"분야는 {moved[0]}" in answer.text
        for category in moved[:5]:
            diff = may.get(category, 0) - april.get(category, 0)
            assert (f"{category}: {won(april.get(category, 0))} → {won(may.get(category, 0))} "
                    f"({'+' if diff > 0 else '-'}{won(abs(diff))})") in answer.text
        for category in every - set(moved):
            assert f"· {category}:" not in answer.text


def test_items_of_a_search_answer_the_largest_and_when(store, ctx_for):
    reply = search_transactions(ctx_for("demo-salaried"), Query(text="5월 결제 내역", period=MAY))
    assert len(reply.items) == 5
    frame = Frame("search_transactions", {}, reply.items)
    largest = max(range(5), key=lambda k: reply.items[k]["amount"])
    detail = picked_reply(frame, largest, "detail").text
    assert won(reply.items[largest]["amount"]) in detail and reply.items[largest]["label"] in detail
    when = picked_reply(frame, 1, "when").text
    assert reply.items[1]["label"] in when and "됐어요" in when
    assert "5개만" in picked_reply(frame, 7, "detail").text


def test_two_banks_get_a_line_each_and_a_total(store, books, ctx_for):
    _, linked, *_ = store
    accounts = deposits(books["demo-salaried"], linked["demo-salaried"], N)
    kb = sum(a.balance_at(N) for org, a in accounts if org == "B0010001")
    kakao = sum(a.balance_at(N) for org, a in accounts if org == "B0010007")
    reply = answer_each(check_balance, "check_balance", ctx_for("demo-salaried"), Query(), "institution",
                        ["KB국민은행", "카카오뱅크"])
    assert "[KB국민은행]" in reply.text and "[카카오뱅크]" in reply.text
    assert won(kb) in reply.text and won(kakao) in reply.text
    assert f"잔액 합계: {won(kb + kakao)}" in reply.text


def test_a_named_value_that_cannot_be_answered_is_said_so(store, ctx_for):
    reply = answer_each(check_balance, "check_balance", ctx_for("demo-salaried"), Query(), "institution",
                        ["KB국민은행", "우리은행"])
    assert "우리은행은 아직 연결되지 않았어요" in reply.text
    assert "합계" not in reply.text  # one answer is no sum


def test_the_total_asked_after_several_values_adds_those_with_an_amount(store, books, ctx_for):
    _, linked, *_ = store
    accounts = deposits(books["demo-salaried"], linked["demo-salaried"], N)
    kb = sum(a.balance_at(N) for org, a in accounts if org == "B0010001")
    kakao = sum(a.balance_at(N) for org, a in accounts if org == "B0010007")
    ctx = ctx_for("demo-salaried")
    both = total_of_each(
        check_balance, "check_balance", ctx, Query(), "institution", ["KB국민은행", "카카오뱅크"]
    )
    assert (
        both.text.startswith(f"KB국민은행, 카카오뱅크 잔액 합계는 {won(kb + kakao)}이에요.")
        and both.total == kb + kakao
    )
    one = total_of_each(
        check_balance, "check_balance", ctx, Query(), "institution", ["KB국민은행", "우리은행"]
    )
    assert f"KB국민은행 잔액 {won(kb)} 하나" in one.text and "우리은행은 확인되는 금액이 없어" in one.text
    mixed = total_of_each(check_balance, "check_balance", ctx, Query(), "account_type", ["보험", "대출"])
    assert "합치지 않았어요" in mixed.text and mixed.total is None
    frame = Frame(
        "check_balance", {"institution": "KB국민은행", EACH: ["institution", ["KB국민은행", "카카오뱅크"]]}
    )
    assert explained(frame, "total", ctx).text == both.text


def test_insurance_and_loans_are_each_answered_without_a_meaningless_total(store, ctx_for):
    reply = answer_each(
        check_balance, "check_balance", ctx_for("demo-salaried"), Query(), "account_type", ["보험", "대출"]
    )
    assert "[보험]" in reply.text and "[대출]" in reply.text and "대출 2건" in reply.text
    assert "합계:" not in reply.text


def test_raising_the_score_gives_this_customers_own_levers_from_the_model(ctx_for):
    for customer in ("demo-student", "demo-salaried", "demo-shop"):
        result, *_ = score_customer(ctx_for(customer))
        reply = raise_score_reply(ctx_for(customer))
        assert f"지금 예상 신용점수는 {result.score}점이에요" in reply.text
        assert reply.text == score_levers(ctx_for(customer)).text


def test_a_follow_up_without_context_asks_with_buttons():
    reply = no_context_reply({"category": "카페"})
    assert "어떤 내용" in reply.text and len(reply.buttons) == 3
    assert all('"category":"카페"' in b["payload"] for b in reply.buttons)


def test_a_loans_terms_with_nothing_before_them_offer_the_loan_question():
    reply = no_context_reply({"amount": 10_000_000, "loan_term_months": 24, "loan_purpose": "생활자금"})
    assert reply.buttons[0]["title"] == "대출 가능 여부 알아보기"
    assert reply.buttons[0]["payload"] == (
        '/loan_eligibility{"amount":10000000,"loan_term_months":24,"loan_purpose":"생활자금"}'
    )
    assert "지출 요약 (쿠팡)" in [b["title"] for b in no_context_reply({"merchant": "쿠팡"}).buttons]


def test_the_largest_regular_payment_is_picked_from_those_shown(store, ctx_for):
    reply = recurring_payments(ctx_for("demo-salaried"))
    assert reply.items and all(item["kind"] == "recurring" for item in reply.items)
    frame = Frame("recurring_payments", {}, reply.items)
    largest = max(range(len(reply.items)), key=lambda k: reply.items[k]["amount"])
    detail = picked_reply(frame, largest, "detail").text
    assert reply.items[largest]["label"] in detail and won(reply.items[largest]["amount"]) in detail
    assert f"매달 {reply.items[largest]['day']}일쯤" in picked_reply(frame, largest, "when").text


def test_a_price_that_moved_is_named_with_both_amounts():
    items = ({"kind": "recurring", "label": "넷플릭스", "amount": 14_000, "last": 17_000},
             {"kind": "recurring", "label": "KT", "amount": 69_000, "last": 69_000},
             {"kind": "recurring", "label": "관리비", "amount": 150_000, "last": 120_000})
    text = price_change_reply(Frame("recurring_payments", {}, items)).text
    assert "넷플릭스: 최근 17,000원, 평균 14,000원보다 3,000원 올랐어요" in text
    assert "관리비: 최근 120,000원, 평균 150,000원보다 30,000원 내렸어요" in text and "KT" not in text
    same = price_change_reply(Frame("recurring_payments", {}, items[1:2])).text
    assert "바뀐 건 없어요" in same
