from datetime import date

import pytest

from bot.advisor.cashflow import Inflow, ScheduledPayment, UnlinkedPayment, monthly_cash_flow
from bot.advisor.diagnosis import advice_from_cash_flow
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import MonthSpending

MONTHS = [date(2025, m, 1) for m in range(1, 7)]


def salary_and_bonus():
    inflows = [Inflow(date(2025, m, 25), "(주)한빛", 4_000_000) for m in range(1, 7)]
    inflows.append(Inflow(date(2025, 2, 25), "(주)한빛 상여", 3_000_000))
    inflows += [Inflow(date(2025, m, 5), "용돈", 100_000) for m in (1, 3, 5)]  # half the months: regular
    inflows.append(Inflow(date(2024, 12, 25), "(주)한빛", 9_999_999))  # outside the window
    return inflows


def test_regular_income_one_offs_spending_and_fixed_costs_by_hand():
    spending = [MonthSpending(m, {"식비": 600_000, "주거": 700_000, "구독": 17_000}) for m in MONTHS]
    scheduled = [
        ScheduledPayment("대출상환", "신용대출", 450_000),
        ScheduledPayment("보험료", "실손", 40_000),
        ScheduledPayment("보험료", "종신", 100_000),
    ]
    unlinked = [UnlinkedPayment(date(2025, m, 14), "카드대금", "신한카드", 300_000 + m) for m in range(1, 7)]
    cash = monthly_cash_flow(
        MONTHS, salary_and_bonus(), spending, scheduled, unlinked, unclassified_out=600_000
    )
    assert cash.monthly_income == 4_000_000 + 50_000  # the bonus is not monthly income
    assert [(o.payer, o.total) for o in cash.one_offs] == [("(주)한빛 상여", 3_000_000)]
    assert cash.living_spending == 600_000
    assert {c.label: c.monthly for c in cash.fixed} == {
        "월세·관리비": 700_000,
        "대출 상환": 450_000,
        "신한카드 카드 대금(연결 안 됨)": 300_004,  # 300,003.5 half up
        "보험료": 140_000,
        "구독료": 17_000,
    }
    assert cash.fixed_total == 1_607_004 and cash.surplus == 4_050_000 - 600_000 - 1_607_004
    assert cash.obligations_outside_spending == 450_000 + 140_000 + 300_004
    assert cash.unclassified_out == 100_000
    assert cash.by_month[1].income == 4_000_000 and cash.by_month[1].spending == 600_000 + 1_307_000 + 300_002
    text = " ".join([cash.summary(), cash.counted(), *cash.caveats()])
    assert "매달 약 184만 원이 남아요" in text and "(주)한빛 상여 300만 원" in text
    assert "신한카드 카드 대금(연결 안 됨) 약 30만 원(은행 이체 내역)" in text
    assert "용도를 알 수 없는 이체(월 평균 10만 원)" in text


def test_a_gap_and_the_check_up_use_the_same_surplus():
    spending = [MonthSpending(m, {"마트": 1_000_000, "주거": 1_500_000}) for m in MONTHS]
    inflows = [
        Inflow(date(2025, m, d), "BC카드 가맹점대금", 700_000) for m in range(1, 7) for d in (3, 10, 17, 24)
    ]
    cash = monthly_cash_flow(MONTHS, inflows, spending, [ScheduledPayment("대출상환", "운영자금", 3_300_000)])
    assert cash.surplus == 2_800_000 - 1_000_000 - 1_500_000 - 3_300_000 == -3_000_000
    assert "매달 약 300만 원씩 모자라요" in cash.summary()
    diagnosis = advice_from_cash_flow(cash)
    assert diagnosis.monthly_surplus == cash.surplus and diagnosis.average_spending == 2_500_000
    assert any("매달 300만 원씩 모자라요" in step for step in diagnosis.steps)
    assert "대출 상환·보험료 등으로 330만 원이 나가서" in diagnosis.summary


def test_nothing_seen_is_said_and_bad_input_is_refused():
    cash = monthly_cash_flow(
        MONTHS, [], [], unseen=["은행 계좌가 연결되지 않아 소득과 이체 내역은 볼 수 없었어요."]
    )
    assert cash.monthly_income == 0 and cash.surplus == 0 and "버는 만큼 다 나가요" in cash.summary()
    assert cash.caveats() == ["은행 계좌가 연결되지 않아 소득과 이체 내역은 볼 수 없었어요."]
    with pytest.raises(AdvisorInputError):
        monthly_cash_flow([], [], [])
    with pytest.raises(AdvisorInputError):
        monthly_cash_flow(MONTHS + MONTHS[:1], [], [])
    with pytest.raises(AdvisorInputError):
        Inflow(date(2025, 1, 1), "x", 0)
    with pytest.raises(AdvisorInputError):
        UnlinkedPayment(date(2025, 1, 1), "월세", "x", 1)
    with pytest.raises(AdvisorInputError):
        ScheduledPayment("대출상환", "x", 1.5)
