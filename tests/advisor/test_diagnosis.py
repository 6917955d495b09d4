from datetime import date
from decimal import Decimal

import pytest

from bot.advisor.diagnosis import financial_advice, top_growing_category
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import ExistingLoan, MonthSpending, Subscription

D = Decimal


def months(deliveries, base=None):
    base = base or {"주거": 1_500_000, "식비": 500_000, "카페": 50_000}
    return [
        MonthSpending(date(2026, 5 + i, 1), {**base, "배달": amount}) for i, amount in enumerate(deliveries)
    ]


SIX = months([100_000, 100_000, 100_000, 200_000, 220_000, 240_000])
SUBSCRIPTIONS = [Subscription("넷플릭스", 17_000), Subscription("유튜브 프리미엄", 14_900)]
LOANS = [ExistingLoan("카드론", 3_000_000, D("14.5"), 10), ExistingLoan("신용대출", 20_000_000, D("5.2"), 30),
         ExistingLoan("현금서비스", 500_000, D("18.0"), 1)]


def test_a_full_check_up_with_the_customers_numbers():
    result = financial_advice(3_000_000, SIX, SUBSCRIPTIONS, LOANS)
    # average spending (2,150,000 x 3 + 2,250,000 + 2,270,000 + 2,290,000) / 6 = 2,210,000
    assert result.average_spending == 2_210_000 and result.monthly_surplus == 790_000
    assert result.savings_rate_bp == 2633
    assert result.top_growth.category == "배달" and result.top_growth.increase == 120_000
    assert result.subscriptions_monthly == 31_900
    assert [d.loan.kind for d in result.high_rate_debts] == ["현금서비스", "카드론"]
    assert result.summary == ("월 소득 300만 원 중 최근 6개월 평균 221만 원을 써서 저축률은 26.3%예요. "
                              "연 10%가 넘거나 카드론·현금서비스인 대출이 2건 있어요")
    assert result.steps == (
        "고금리 대출 2건(잔액 350만 원) 중 연 18.00% 현금서비스 잔액 50만 원부터 갚으세요: 1년 이자만 9만 "
        "원이에요. "
        "매달 남는 79만 원을 모두 넣으면 약 1개월이면 갚아요",
        "배달 지출이 월 평균 10만 원에서 22만 원으로 늘었어요. 예전 수준으로 돌리면 월 12만 원을 아낄 수 "
        "있어요",
        "구독 2개(넷플릭스, 유튜브 프리미엄)에 매달 약 3만 원, 1년이면 약 38만 원이 나가요. 잘 안 쓰는 "
        "것부터 해지해 보세요",
    )


def test_three_months_compare_the_last_month_with_the_two_before():
    growth = top_growing_category(months([100_000, 120_000, 200_000]))
    assert (growth.previous_monthly, growth.recent_monthly) == (110_000, 200_000)


def test_small_changes_are_not_called_growth():
    assert top_growing_category(months([100_000, 100_000, 109_000])) is None
    assert top_growing_category(months([100_000])) is None


def test_a_low_savings_rate_gets_a_concrete_gap_and_an_emergency_fund():
    flat = [MonthSpending(date(2026, m, 1), {"식비": 1_800_000}) for m in (8, 9, 10)]
    result = financial_advice(2_000_000, flat)
    assert result.savings_rate_bp == 1000
    assert result.steps == (
        "저축률 10%를 20%로 올리려면 매달 20만 원을 더 남겨야 해요. 월급날 적금 자동이체로 먼저 떼어 두세요",
        "생활비 3개월치 540만 원을 비상금으로 입출금 통장에 따로 두세요",
    )


def test_a_deficit_and_a_healthy_surplus_get_different_savings_steps():
    flat = [MonthSpending(date(2026, m, 1), {"식비": 2_300_000}) for m in (8, 9, 10)]
    assert financial_advice(2_000_000, flat).steps[0].startswith("매달 30만 원씩 모자라요")
    healthy = [MonthSpending(date(2026, m, 1), {"식비": 1_000_000}) for m in (8, 9, 10)]
    assert (
        financial_advice(2_000_000, healthy).steps[0]
        == "매달 남는 100만 원 중 40만 원을 적금 자동이체로 모아 보세요"
    )


def test_no_income_still_diagnoses():
    result = financial_advice(0, [MonthSpending(date(2026, 10, 1), {"식비": 500_000})])
    assert result.savings_rate_bp is None and len(result.steps) == 2


def test_bad_diagnosis_inputs_are_typed_errors():
    with pytest.raises(AdvisorInputError):
        financial_advice(3_000_000, [])
    with pytest.raises(AdvisorInputError):
        financial_advice(3_000_000, SIX + SIX[:1])
    with pytest.raises(AdvisorInputError):
        financial_advice(3_000_000.0, SIX)
    with pytest.raises(AdvisorInputError):
        MonthSpending(date(2026, 10, 1), {"식비": 1.5})
    with pytest.raises(AdvisorInputError):
        Subscription("넷플릭스", 0)
