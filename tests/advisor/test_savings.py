from datetime import date
from decimal import Decimal

import pytest

from bot.advisor.catalog import Catalog, DepositProduct, RateBonus, SavingsProduct
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import DepositAccount, MonthFlow
from bot.advisor.savings import deposit_interest, installment_interest, suggest_savings


def test_installment_interest_is_simple_interest_on_each_deposit():
    # 300,000 x 4.0% x (12+11+...+1 = 78) / 12 = 78,000; tax 15.4% = 12,012
    interest = installment_interest(300_000, Decimal("4.0"), 12)
    assert (interest.gross, interest.tax, interest.after_tax) == (78_000, 12_012, 65_988)


def test_installment_interest_rounds_half_up_to_a_won():
    # 333,333 x 3.3% x 21 / 12 = 19,249.98 -> 19,250; tax 2,964.5 -> 2,965
    interest = installment_interest(333_333, Decimal("3.3"), 6)
    assert (interest.gross, interest.tax, interest.after_tax) == (19_250, 2_965, 16_285)


def test_deposit_interest_is_amount_rate_months_over_twelve():
    interest = deposit_interest(10_000_000, Decimal("3.00"), 12)
    assert (interest.gross, interest.tax, interest.after_tax) == (300_000, 46_200, 253_800)
    assert deposit_interest(10_000_000, Decimal("3.00"), 6).gross == 150_000


SMALL_LIMIT = SavingsProduct(
    id="sav-a",
    name="한도 작은 적금",
    issuer="KB국민은행",
    base_rates=((12, Decimal("3.00")),),
    bonuses=(
        RateBonus("자동이체", "자동이체", Decimal("0.20")),
        RateBonus("급여이체", "급여이체", Decimal("0.50")),
        RateBonus("카드실적", "카드 실적", Decimal("0.30")),
    ),
    kind="자유",
    min_monthly=10_000,
    monthly_limit=300_000,
)
LARGE_LIMIT = SavingsProduct(
    id="sav-b",
    name="한도 큰 적금",
    issuer="카카오뱅크",
    base_rates=((12, Decimal("2.90")), (24, Decimal("3.00"))),
    bonuses=(),
    kind="자유",
    min_monthly=10_000,
    monthly_limit=1_000_000,
)
SIX_MONTHS_ONLY = SavingsProduct(
    id="sav-c", name="6개월 적금", issuer="하나은행", base_rates=((6, Decimal("5.00")),), bonuses=(),
    kind="정액", min_monthly=10_000, monthly_limit=1_000_000)
DEPOSIT = DepositProduct(
    id="dep-a", name="정기예금", issuer="신한은행", base_rates=((12, Decimal("3.00")),),
    bonuses=(RateBonus("신규고객", "첫 거래", Decimal("0.10")),), min_amount=1_000_000, max_amount=None)
CATALOG = Catalog(date(2026, 11, 1), "샘플", (DEPOSIT,), (SMALL_LIMIT, LARGE_LIMIT, SIX_MONTHS_ONLY), (), ())
FLOWS = [MonthFlow(date(2026, 8, 1), 3_000_000, 2_000_000), MonthFlow(date(2026, 9, 1), 3_000_000, 2_100_000),
         MonthFlow(date(2026, 10, 15), 3_000_000, 1_900_000)]
ACCOUNTS = [
    DepositAccount("KB국민은행", "입출금", 10_000_000),
    DepositAccount("KB국민은행", "적금", 2_000_000),
]


def test_savings_sized_to_the_surplus_and_ranked_by_after_tax_interest():
    advice = suggest_savings(FLOWS, ACCOUNTS, CATALOG, salary_bank="KB국민은행")
    assert (advice.average_income, advice.average_spending, advice.monthly_surplus) == (
        3_000_000,
        2_000_000,
        1_000_000,
    )
    assert advice.target_monthly == 400_000
    large, small = advice.installment_plans
    # 400,000 x 2.90% x 78/12 = 75,400; tax 11,611.6 -> 11,612
    assert (large.product.id, large.amount, large.interest.after_tax) == ("sav-b", 400_000, 63_788)
    assert large.reason == (
        "최근 3개월 월평균 여유자금 100만 원의 40%인 월 40만 원을 12개월 모으면 연 2.90% 기준 "
        "세후 이자 63,788원"
    )
    # capped at 300,000; 3.00 + 자동이체 0.20 + 급여이체 0.50 = 3.70 -> 72,150 - 11,111
    assert (small.amount, small.rate, small.interest.gross, small.interest.after_tax) == (
        300_000,
        Decimal("3.70"),
        72_150,
        61_039,
    )
    assert small.best_rate == Decimal("4.00") and small.best_interest.after_tax == 65_988
    assert "(상품 월 한도 30만 원)" in small.reason and "급여이체" in small.reason


def test_salary_bonus_is_not_counted_for_another_salary_bank():
    advice = suggest_savings(FLOWS, ACCOUNTS, CATALOG, salary_bank="신한은행")
    small = next(p for p in advice.installment_plans if p.product.id == "sav-a")
    assert small.rate == Decimal("3.20")


def test_idle_cash_beyond_three_months_of_spending_goes_to_a_deposit():
    advice = suggest_savings(FLOWS, ACCOUNTS, CATALOG)
    assert advice.idle_cash == 4_000_000  # 10,000,000 - 3 x 2,000,000
    (plan,) = advice.deposit_plans
    # no 신한은행 account yet, so the 첫 거래 bonus counts: 4,000,000 x 3.10% = 124,000; tax 19,096
    assert (plan.amount, plan.rate, plan.interest.gross, plan.interest.after_tax) == (
        4_000_000,
        Decimal("3.10"),
        124_000,
        104_904,
    )
    assert plan.reason.startswith(
        "입출금 통장 1,000만 원 중 3개월 생활비 600만 원을 빼고 400만 원을 12개월 맡기면"
    )


def test_a_customer_who_spends_more_than_they_earn_gets_no_savings_plan():
    flows = [MonthFlow(date(2026, 10, 1), 2_000_000, 2_300_000)]
    advice = suggest_savings(flows, [DepositAccount("KB국민은행", "입출금", 500_000)], CATALOG)
    assert advice.monthly_surplus == -300_000
    assert advice.installment_plans == () and advice.deposit_plans == ()
    assert "지출 점검" in advice.note


def test_the_real_catalog_gives_plans_with_reasons():
    from bot.advisor.catalog import load_catalog
    advice = suggest_savings(FLOWS, ACCOUNTS, load_catalog())
    assert advice.installment_plans and advice.deposit_plans
    assert all("세후 이자" in p.reason for p in advice.installment_plans + advice.deposit_plans)


def test_bad_inputs_are_typed_errors():
    with pytest.raises(AdvisorInputError):
        suggest_savings([], ACCOUNTS, CATALOG)
    with pytest.raises(AdvisorInputError):
        suggest_savings(FLOWS, ACCOUNTS, CATALOG, save_share=Decimal("0.6"))
    with pytest.raises(AdvisorInputError):
        suggest_savings(FLOWS + FLOWS[:1], ACCOUNTS, CATALOG)
    with pytest.raises(AdvisorInputError):
        MonthFlow(date(2026, 10, 1), 3_000_000.0, 100)
    with pytest.raises(AdvisorInputError):
        DepositAccount("KB국민은행", "CMA", 100)
