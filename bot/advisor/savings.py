"""Where this customer's spare money could earn: 적금 from the monthly surplus, 예금 from idle cash.

- Monthly surplus = average income − average spending over the months given.
- 적금: the suggested monthly deposit is `save_share` (default 40%, inside a 30-50% band) of
  the surplus, down to 만 원, then clipped to the product's monthly limit; products whose
  minimum exceeds half the surplus, or without the requested term, are left out.
- 예금: idle cash = 입출금 balances − `reserve_months` (default 3) months of average spending;
  suggested when it reaches 100만 원, down to 10만 원 and within the product's limits.
- The rate is the base rate for the term plus the 우대금리 this customer can count on:
  자동이체 and 비대면가입 (the advice is to set them up), 급여이체 when `salary_bank` is the
  issuer, 신규고객 when they hold no account there. 카드실적 and 마케팅동의 are shown only
  in the best-case rate.
- Interest is simple (단리): 예금 = amount × rate × months / 12; 적금 = Σ over the n deposits
  of deposit × rate × (months it stays) / 12 = deposit × rate × n(n+1)/2 / 12. Tax is 15.4%.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Optional, Sequence, Tuple

from bot.advisor.catalog import Catalog, RateBonus, RatedProduct
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import DepositAccount, MonthFlow, require_int, require_items, require_text
from bot.advisor.money import HUNDRED, TWELVE, floor_to, interest_tax, round_won
from bot.korean.wording import percent, rate, won, won_approx

DEFAULT_SAVE_SHARE = Decimal("0.40")
SAVE_SHARE_BAND = (Decimal("0.30"), Decimal("0.50"))
RESERVE_MONTHS = 3
MIN_IDLE_FOR_DEPOSIT = 1_000_000
ASSUMED_BONUS_KINDS = ("자동이체", "비대면가입")


@dataclass(frozen=True)
class Interest:
    gross: int
    tax: int
    after_tax: int


def _interest(gross: int) -> Interest:
    tax = interest_tax(gross)
    return Interest(gross, tax, gross - tax)


def installment_interest(monthly: int, annual_rate: Decimal, months: int) -> Interest:
    """적금 interest: deposit × rate × n(n+1)/2 / 12 (each deposit earns for the months it stays)."""
    deposit_months = months * (months + 1) // 2
    return _interest(round_won(Decimal(monthly) * annual_rate / HUNDRED * deposit_months / TWELVE))


def deposit_interest(amount: int, annual_rate: Decimal, months: int) -> Interest:
    """예금 interest: amount × rate × months / 12."""
    return _interest(round_won(Decimal(amount) * annual_rate / HUNDRED * months / TWELVE))


@dataclass(frozen=True)
class SavingsPlan:
    """One suggested product with the amount, term and what it would pay this customer."""

    product: RatedProduct
    kind: str  # 적금 | 예금
    amount: int  # monthly deposit for 적금, lump sum for 예금
    term_months: int
    rate: Decimal  # base + bonuses this customer can count on
    best_rate: Decimal  # base + every bonus
    bonuses_counted: Tuple[RateBonus, ...]
    interest: Interest
    best_interest: Interest
    reason: str


@dataclass(frozen=True)
class SavingsAdvice:
    months: int
    average_income: int
    average_spending: int
    monthly_surplus: int
    target_monthly: int  # save_share of the surplus, down to 만 원
    idle_cash: int  # 입출금 balances beyond the reserve
    installment_plans: Tuple[SavingsPlan, ...]
    deposit_plans: Tuple[SavingsPlan, ...]
    note: str


def _counted_bonuses(product: RatedProduct, salary_bank: Optional[str], held: set) -> Tuple[RateBonus, ...]:
    def counts(bonus: RateBonus) -> bool:
        if bonus.kind in ASSUMED_BONUS_KINDS:
            return True
        if bonus.kind == "급여이체":
            return salary_bank == product.issuer
        if bonus.kind == "신규고객":
            return product.issuer not in held
        return False
    return tuple(bonus for bonus in product.bonuses if counts(bonus))


def _rates(product: RatedProduct, base: Decimal, salary_bank: Optional[str], held: set):
    counted = _counted_bonuses(product, salary_bank, held)
    return base + sum((b.rate for b in counted), Decimal(0)), base + product.max_bonus, counted


def _bonus_words(counted: Tuple[RateBonus, ...]) -> str:
    return f"({', '.join(b.label for b in counted)} 우대 포함)" if counted else ""


def suggest_savings(flows: Sequence[MonthFlow], accounts: Sequence[DepositAccount], catalog: Catalog, *,
                    term_months: int = 12, salary_bank: Optional[str] = None,
                    save_share: Decimal = DEFAULT_SAVE_SHARE, reserve_months: int = RESERVE_MONTHS,
                    top: int = 3) -> SavingsAdvice:
    """적금 sized to the surplus and 예금 for idle cash, each with after-tax interest in won."""
    flows = require_items("flows", flows, MonthFlow, allow_empty=False)
    accounts = require_items("accounts", accounts, DepositAccount)
    require_int("term_months", term_months, 1, 120)
    require_int("reserve_months", reserve_months, 0, 24)
    require_int("top", top, 1, 50)
    if salary_bank is not None:
        require_text("salary_bank", salary_bank)
    if not isinstance(save_share, Decimal) or not SAVE_SHARE_BAND[0] <= save_share <= SAVE_SHARE_BAND[1]:
        raise AdvisorInputError(
            f"save_share must be a Decimal between {SAVE_SHARE_BAND[0]} and {SAVE_SHARE_BAND[1]}"
        )
    if len({f.month for f in flows}) != len(flows):
        raise AdvisorInputError("flows has the same month twice")

    count = len(flows)
    income = round_won(Decimal(sum(f.income for f in flows)) / count)
    spending = round_won(Decimal(sum(f.spending for f in flows)) / count)
    surplus = income - spending
    target = floor_to(round_won(Decimal(max(surplus, 0)) * save_share), 10_000)
    upper = round_won(Decimal(max(surplus, 0)) * SAVE_SHARE_BAND[1])
    held = {a.institution for a in accounts}

    installments = []
    for product in catalog.savings:
        base = product.base_rate(term_months)
        if base is None or target <= 0 or product.min_monthly > upper:
            continue
        amount = max(floor_to(min(target, product.monthly_limit), 10_000), product.min_monthly)
        applied, best, counted = _rates(product, base, salary_bank, held)
        interest = installment_interest(amount, applied, term_months)
        capped = "" if amount == target else f"(상품 월 한도 {won_approx(product.monthly_limit)})"
        reason = (
            f"최근 {count}개월 월평균 여유자금 {won_approx(surplus)}의 {percent(save_share * 100, 0)}인 "
            f"월 {won_approx(amount)}{capped}을 {term_months}개월 모으면 "
            f"{rate(applied)}{_bonus_words(counted)} "
            f"기준 세후 이자 {won(interest.after_tax)}"
        )
        installments.append(
            SavingsPlan(
                product,
                "적금",
                amount,
                term_months,
                applied,
                best,
                counted,
                interest,
                installment_interest(amount, best, term_months),
                reason,
            )
        )

    checking = sum(a.balance for a in accounts if a.account_type == "입출금")
    reserve = spending * reserve_months
    idle = max(checking - reserve, 0)
    deposits = []
    for deposit in catalog.deposits:
        base = deposit.base_rate(term_months)
        if base is None or idle < max(MIN_IDLE_FOR_DEPOSIT, deposit.min_amount):
            continue
        amount = floor_to(idle, 100_000)
        if deposit.max_amount is not None:
            amount = min(amount, deposit.max_amount)
        applied, best, counted = _rates(deposit, base, salary_bank, held)
        interest = deposit_interest(amount, applied, term_months)
        reason = (
            f"입출금 통장 {won_approx(checking)} 중 {reserve_months}개월 생활비 {won_approx(reserve)}을 빼고 "
            f"{won_approx(amount)}을 {term_months}개월 맡기면 {rate(applied)}{_bonus_words(counted)} "
            f"기준 세후 이자 {won(interest.after_tax)}"
        )
        deposits.append(SavingsPlan(deposit, "예금", amount, term_months, applied, best, counted, interest,
                                    deposit_interest(amount, best, term_months), reason))

    def order(plan: SavingsPlan) -> tuple[int, int, str]:
        return -plan.interest.after_tax, -plan.best_interest.after_tax, plan.product.name
    if surplus <= 0:
        note = (
            f"최근 {count}개월 평균 지출 {won_approx(spending)}이 소득 {won_approx(income)}보다 많아 "
            "적금보다 지출 점검이 먼저예요"
        )
    elif target <= 0:
        note = f"월평균 여유자금 {won_approx(surplus)}은 적금을 시작하기엔 적어요"
    else:
        note = (
            f"월평균 소득 {won_approx(income)}, 지출 {won_approx(spending)}으로 매달 {won_approx(surplus)}이 "
            "남아요"
        )
    return SavingsAdvice(
        months=count, average_income=income, average_spending=spending, monthly_surplus=surplus,
        target_monthly=target, idle_cash=idle,
        installment_plans=tuple(sorted(installments, key=order)[:top]),
        deposit_plans=tuple(sorted(deposits, key=order)[:top]), note=note,
    )
