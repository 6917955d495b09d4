"""A short money check-up: where this customer stands and the next 2-3 things to do.

Facts: savings rate = (income − average spending) / income; the category that grew most,
comparing the average of the recent half of the months (the later ⌊n/2⌋) with the earlier
ones, counted only if it grew by at least 1만 원 and 10% a month; subscriptions per month;
high-rate debt = a loan above 10% a year, or any 카드론/현금서비스.
Steps, in this priority, first three that apply: pay off high-rate debt, bring the grown
category back, cut subscriptions, fix the savings rate (deficit / under 20% / put 40% of
the surplus into 적금), keep 3 months of spending as an emergency fund. The last two always
apply, so there are always at least two steps.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Dict, Optional, Sequence, Tuple

from bot.advisor.cashflow import CashFlow
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import ExistingLoan, MonthSpending, Subscription, require_items, require_won
from bot.advisor.money import HUNDRED, floor_to, round_won
from bot.korean.wording import basis_points, rate, won_approx

HIGH_RATE = Decimal("10")
HIGH_RATE_KINDS = ("카드론", "현금서비스")
TARGET_SAVINGS_RATE_BP = 2000
SAVE_SHARE = Decimal("0.40")
GROWTH_MIN_WON = 10_000
GROWTH_MIN_SHARE = Decimal("0.10")
EMERGENCY_MONTHS = 3
MAX_MONTHS = 12


@dataclass(frozen=True)
class CategoryGrowth:
    category: str
    previous_monthly: int
    recent_monthly: int

    @property
    def increase(self) -> int:
        return self.recent_monthly - self.previous_monthly


@dataclass(frozen=True)
class HighRateDebt:
    loan: ExistingLoan
    yearly_interest: int


@dataclass(frozen=True)
class Diagnosis:
    months: int
    monthly_income: int
    average_spending: int
    monthly_surplus: int
    savings_rate_bp: Optional[int]  # None without income
    top_growth: Optional[CategoryGrowth]
    subscriptions_monthly: int
    high_rate_debts: Tuple[HighRateDebt, ...]  # highest rate first
    summary: str
    steps: Tuple[str, ...]


def _averages(months: Sequence[MonthSpending]) -> Dict[str, int]:
    totals: Dict[str, int] = {}
    for month in months:
        for category, amount in month.by_category.items():
            totals[category] = totals.get(category, 0) + amount
    return {category: round_won(Decimal(total) / len(months)) for category, total in totals.items()}


def top_growing_category(months: Sequence[MonthSpending]) -> Optional[CategoryGrowth]:
    """The category whose monthly average rose most from the earlier months to the recent ones."""
    ordered = sorted(months, key=lambda m: m.month)
    if len(ordered) < 2:
        return None
    split = len(ordered) - len(ordered) // 2
    before, recent = _averages(ordered[:split]), _averages(ordered[split:])
    grown = [
        CategoryGrowth(category, before.get(category, 0), recent.get(category, 0))
        for category in sorted(set(before) | set(recent))
    ]
    grown = [
        g
        for g in grown
        if g.increase >= GROWTH_MIN_WON and g.increase >= g.previous_monthly * GROWTH_MIN_SHARE
    ]
    return max(grown, key=lambda g: (g.increase, g.category), default=None)


def _checked(monthly_income: int, spending: Sequence[MonthSpending], subscriptions: Sequence[Subscription],
             loans: Sequence[ExistingLoan]):
    require_won("monthly_income", monthly_income)
    spending = require_items("spending", spending, MonthSpending, allow_empty=False)
    if len(spending) > MAX_MONTHS:
        raise AdvisorInputError(f"give at most {MAX_MONTHS} months of spending, got {len(spending)}")
    if len({m.month for m in spending}) != len(spending):
        raise AdvisorInputError("spending has the same month twice")
    return (spending, require_items("subscriptions", subscriptions, Subscription),
            require_items("loans", loans, ExistingLoan))


def _debt_step(debts: Sequence[HighRateDebt], surplus: int) -> str:
    first = debts[0]
    loan = first.loan
    head = f"{rate(loan.rate)} {loan.kind} 잔액 {won_approx(loan.balance)}부터 갚으세요"
    if len(debts) > 1:
        total = sum(d.loan.balance for d in debts)
        head = f"고금리 대출 {len(debts)}건(잔액 {won_approx(total)}) 중 " + head
    step = f"{head}: 1년 이자만 {won_approx(first.yearly_interest)}이에요"
    if surplus > 0:
        step += (
            f". 매달 남는 {won_approx(surplus)}을 모두 넣으면 약 {math.ceil(loan.balance / surplus)}개월이면 "
            "갚아요"
        )
    return step


def financial_advice(monthly_income: int, spending: Sequence[MonthSpending],
                     subscriptions: Sequence[Subscription] = (), loans: Sequence[ExistingLoan] = (), *,
                     obligations: int = 0) -> Diagnosis:
    """Diagnose from income, 3-6 months of spending by category, subscriptions and loans.

    `obligations` is what leaves every month besides spending (loan repayments, premiums, bills of
    unlinked cards); the surplus is income − average spending − obligations.
    """
    spending, subscriptions, loans = _checked(monthly_income, spending, subscriptions, loans)
    require_won("obligations", obligations)
    average = round_won(Decimal(sum(sum(m.by_category.values()) for m in spending)) / len(spending))
    return _diagnose(monthly_income, spending, subscriptions, loans, average, obligations)


def advice_from_cash_flow(cash: CashFlow, subscriptions: Sequence[Subscription] = (),
                          loans: Sequence[ExistingLoan] = ()) -> Diagnosis:
    """The same check-up on `bot.advisor.cashflow`'s figures, so its surplus is the cash flow's."""
    if not isinstance(cash, CashFlow):
        raise AdvisorInputError("cash must be a CashFlow")
    spending, subscriptions, loans = _checked(cash.monthly_income, cash.spending, subscriptions, loans)
    obligations = cash.obligations_outside_spending
    return _diagnose(
        cash.monthly_income, spending, subscriptions, loans, cash.outgo - obligations, obligations
    )


def _diagnose(monthly_income: int, spending: Sequence[MonthSpending], subscriptions: Sequence[Subscription],
              loans: Sequence[ExistingLoan], average: int, obligations: int) -> Diagnosis:
    count = len(spending)
    surplus = monthly_income - average - obligations
    savings_bp = round_won(Decimal(surplus) * 10_000 / monthly_income) if monthly_income else None
    growth = top_growing_category(spending)
    subscription_total = sum(s.monthly_amount for s in subscriptions)
    debts = tuple(sorted(
        (HighRateDebt(loan, round_won(Decimal(loan.balance) * loan.rate / HUNDRED))
         for loan in loans if loan.balance and (loan.rate > HIGH_RATE or loan.kind in HIGH_RATE_KINDS)),
        key=lambda d: (-d.loan.rate, -d.loan.balance),
    ))

    steps = []
    if debts:
        steps.append(_debt_step(debts, surplus))
    if growth:
        steps.append(f"{growth.category} 지출이 월 평균 {won_approx(growth.previous_monthly)}에서 "
                     f"{won_approx(growth.recent_monthly)}으로 늘었어요. 예전 수준으로 돌리면 "
                     f"월 {won_approx(growth.increase)}을 아낄 수 있어요")
    if subscription_total >= 10_000 or len(subscriptions) >= 2:
        names = ", ".join(s.name for s in subscriptions[:3]) + (" 등" if len(subscriptions) > 3 else "")
        steps.append(f"구독 {len(subscriptions)}개({names})에 매달 {won_approx(subscription_total)}, 1년이면 "
                     f"{won_approx(subscription_total * 12)}이 나가요. 잘 안 쓰는 것부터 해지해 보세요")
    if surplus <= 0:
        steps.append(f"매달 {won_approx(-surplus)}씩 모자라요. 고정지출부터 줄여 지출을 소득 "
                     f"{won_approx(monthly_income)} 안으로 맞추세요" if surplus else
                     "버는 만큼 다 쓰고 있어요. 고정지출부터 줄여 매달 조금이라도 남기세요")
    elif savings_bp is not None and savings_bp < TARGET_SAVINGS_RATE_BP:
        gap = round_won(Decimal(monthly_income) * TARGET_SAVINGS_RATE_BP / 10_000) - surplus
        steps.append(
            f"저축률 {basis_points(savings_bp)}를 20%로 올리려면 매달 {won_approx(gap)}을 더 남겨야 해요. "
            "월급날 적금 자동이체로 먼저 떼어 두세요"
        )
    else:
        save = max(floor_to(round_won(Decimal(surplus) * SAVE_SHARE), 10_000), 10_000)
        steps.append(f"매달 남는 {won_approx(surplus)} 중 {won_approx(save)}을 적금 자동이체로 모아 보세요")
    steps.append(f"생활비 {EMERGENCY_MONTHS}개월치 {won_approx(average * EMERGENCY_MONTHS)}을 비상금으로 "
                 "입출금 통장에 따로 두세요")

    if savings_bp is None:
        summary = f"최근 {count}개월 평균 {won_approx(average)}을 썼고, 들어온 소득은 없어요"
    else:
        spent = (
            f"을 쓰고 대출 상환·보험료 등으로 {won_approx(obligations)}이 나가서"
            if obligations
            else "을 써서"
        )
        summary = (
            f"월 소득 {won_approx(monthly_income)} 중 최근 {count}개월 평균 {won_approx(average)}{spent} "
            f"저축률은 {basis_points(savings_bp)}예요"
        )
    if debts:
        summary += f". 연 10%가 넘거나 카드론·현금서비스인 대출이 {len(debts)}건 있어요"
    return Diagnosis(
        months=count, monthly_income=monthly_income, average_spending=average, monthly_surplus=surplus,
        savings_rate_bp=savings_bp, top_growth=growth, subscriptions_monthly=subscription_total,
        high_rate_debts=debts, summary=summary, steps=tuple(steps[:3]),
    )
