"""Card bills, loans, insurance and investments against the institutions' own records."""
from decimal import Decimal

import pytest

from bot.assistant import Query, card_bill, insurance_summary, investment_summary, loan_status
from bot.korean.wording import korean_date, percent, rate, won
from bot.mydata.masking import mask_number

from .conftest import NOW
from .expected import approvals, day, holdings_value, loans, stamp
from .helpers import all_pages, lines

N = stamp(NOW)


def _unpaid(book, orgs):
    return [
        (org, b) for org in orgs for b in book.institutions[org].bills if b.issued_dtime <= N < b.paid_dtime
    ]


@pytest.mark.parametrize("customer", ["demo-shop", "demo-retiree"])
def test_card_bill_due(store, books, ctx_for, customer):
    _, linked, *_ = store
    unpaid = _unpaid(books[customer], linked[customer])
    assert unpaid, "June bills were issued on July 1 and fall due later in July"
    reply = card_bill(ctx_for(customer), Query(text="이번 달 카드값"))
    assert f"총 {won(sum(b.charge_amt for _, b in unpaid))}" in reply.text
    first = min(day(b.paid_dtime) for _, b in unpaid)
    assert f"가장 가까운 결제일은 {korean_date(first)}" in reply.text
    for _, b in unpaid:
        assert f"{korean_date(day(b.paid_dtime))} 결제 예정 {won(b.charge_amt)}" in reply.text


def test_card_bill_paid_already_shows_the_latest_bill_and_unbilled_spending(store, books, ctx_for):
    _, linked, *_ = store
    book = books["demo-salaried"]
    assert not _unpaid(book, linked["demo-salaried"])
    reply = card_bill(ctx_for("demo-salaried"))
    assert "지금 결제할 카드값은 없어요" in reply.text
    latest = max(
        (b for org in linked["demo-salaried"] for b in book.institutions[org].bills if b.issued_dtime <= N),
        key=lambda b: b.charge_month,
    )
    assert f"{won(latest.charge_amt)} ({korean_date(day(latest.paid_dtime))} 결제 완료)" in reply.text
    july = sum(a.amount for _, c, a, cancelled in approvals(book, linked["demo-salaried"], N)
               if c.card_type == "01" and not cancelled and a.dtime[:6] > latest.charge_month)
    if july:
        assert f"아직 청구되지 않은 이용금액: 현대카드 {won(july)}" in reply.text


def test_card_bill_edge_cases(store, ctx_for):
    assert "청구된 카드값이 없어요" in card_bill(ctx_for("demo-student")).text  # check card only
    assert (
        "삼성카드는 아직 연결되지 않았어요"
        in card_bill(ctx_for("demo-shop"), Query(institution="삼성카드")).text
    )
    assert "카드사가 아니에요" in card_bill(ctx_for("demo-shop"), Query(institution="IBK기업은행")).text


def test_loan_status_with_overdue(store, books, ctx_for):
    _, linked, *_ = store
    held = loans(books["demo-shop"], linked["demo-shop"], N)
    reply = loan_status(ctx_for("demo-shop"), Query(text="대출 얼마 남았어"))
    assert f"대출 {len(held)}건, 남은 금액은 총 {won(sum(x.balance_at(N) for _, x in held))}" in reply.text
    for _, x in held:
        assert f"{mask_number(x.account_num)}" in reply.text and x.account_num not in reply.text
        assert f"잔액 {won(x.balance_at(N))}, {rate(Decimal(x.rate_bp) / 100)}" in reply.text
        due, amount = x.next_due(N)
        assert f"다음 상환 {korean_date(day(due))} {won(amount)}" in reply.text
    late = [x for _, x in held if x.overdue_days(N) > 0]
    assert late and all(f"{x.overdue_days(N)}일 연체 중이에요" in reply.text for x in late)
    earliest = min((x.next_due(N) for _, x in held), key=lambda d: d[0])
    assert f"다음 상환은 {korean_date(day(earliest[0]))}" in reply.text


def test_loan_status_without_loans(store, ctx_for):
    assert "갚고 있는 대출이 없어요" in loan_status(ctx_for("demo-retiree")).text


def test_insurance_summary(store, books, ctx_for):
    _, linked, *_ = store
    book = books["demo-salaried"]
    policies = [p for org in linked["demo-salaried"] for p in book.institutions[org].policies]
    reply = insurance_summary(ctx_for("demo-salaried"))
    assert (
        f"가입하신 보험은 {len(policies)}건, 보험료는 매달 총 {won(sum(p.premium for p in policies))}"
        in reply.text
    )
    for p in policies:
        assert p.prod_name in reply.text and f"매달 {p.pay_day}일 {won(p.premium)}" in reply.text
    retiree = insurance_summary(ctx_for("demo-retiree"))
    assert "삼성화재" not in retiree.text  # not linked
    assert "연결된 보험사가 없어요" in insurance_summary(ctx_for("demo-student")).text


def test_investment_summary(store, books, sandbox_config, ctx_for):
    _, linked, *_ = store
    book = books["demo-retiree"]
    cash, bought, worth = holdings_value(sandbox_config.seed, book, linked["demo-retiree"], NOW)
    reply = investment_summary(ctx_for("demo-retiree"))
    profit = worth - bought
    assert f"투자 평가금액은 {won(worth)}, 매입금액은 {won(bought)}" in reply.text
    assert f"수익은 +{won(profit)}, 수익률 +{percent(Decimal(profit) * 100 / bought, 2)}" in reply.text
    assert f"예수금 {won(cash)}" in reply.text
    holdings = [h for org in linked["demo-retiree"] for a in book.institutions[org].invest_accounts
                for h in a.holdings]
    listed = lines(all_pages(investment_summary, ctx_for("demo-retiree")))
    assert len(listed) == len(holdings)
    assert all(any(line.startswith(f"· {h.prod_name} {h.quantity}주") for line in listed) for h in holdings)
    assert "연결된 증권 계좌가 없어요" in investment_summary(ctx_for("demo-shop")).text
