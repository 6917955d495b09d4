"""Monthly cash flow: the one definition of "what comes in, what goes out, what is left".

Savings suggestions, the money check-up, the DSR income and the loan answer all read this, so
a customer hears one surplus everywhere. Over `months` whole calendar months:

- Income: money into 입출금 accounts (own transfers and interest already left out by the caller),
  grouped by payer. A payer seen in at least half of the months (and at least 2) is **regular**
  (salary, pension, allowance, shop takings); any other payer is **one-off** (a bonus, a refund,
  a gift). Monthly income = regular money ÷ months; one-off money is reported, never averaged
  into "월 평균".
- Living spending: card approvals and categorised bank payments (`MonthSpending`), except the
  fixed categories below.
- Fixed obligations, each with where it was read:
  - loan repayments: the next scheduled payment of each loan the lender reports (its schedule);
  - insurance premiums: the monthly premium each insurer reports;
  - payments to institutions the customer has not linked (card bills of an unlinked card
    company, repayments of an unlinked lender, premiums of an unlinked insurer): the bank
    transfers to them, month by month;
  - rent and maintenance (주거) and subscriptions (구독): from the spending categories.
- Transfers with no known purpose (e.g. to a supplier) are not counted; their monthly average
  is reported as something the answer could not classify.
Surplus = monthly income − living spending − fixed obligations (negative: a monthly gap).
Every monthly figure is the month-by-month sum ÷ months, half up to a won.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Dict, List, Sequence, Tuple

from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import MonthFlow, MonthSpending, require_day, require_items, require_text, require_won
from bot.advisor.money import round_won
from bot.korean.wording import won_approx

REGULAR_SHARE = Decimal(1) / 2
MIN_REGULAR_MONTHS = 2
FIXED_CATEGORIES = {"주거": "월세·관리비", "구독": "구독료"}
PAYMENT_KINDS = {"카드대금": "카드 대금", "대출상환": "대출 상환", "보험료": "보험료"}
MAX_MONTHS = 24


@dataclass(frozen=True)
class Inflow:
    """Money that came into an 입출금 account from someone else."""

    day: date
    payer: str
    amount: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", require_day("Inflow.day", self.day))
        if not isinstance(self.payer, str):
            raise AdvisorInputError("Inflow.payer must be a string")
        require_won("Inflow.amount", self.amount, minimum=1)


@dataclass(frozen=True)
class ScheduledPayment:
    """A monthly amount an institution reports for a linked product (loan instalment, premium)."""

    kind: str  # 대출상환 | 보험료
    name: str
    monthly: int

    def __post_init__(self) -> None:
        require_text("ScheduledPayment.kind", self.kind, ("대출상환", "보험료"))
        require_text("ScheduledPayment.name", self.name)
        require_won("ScheduledPayment.monthly", self.monthly)


@dataclass(frozen=True)
class UnlinkedPayment:
    """A bank transfer to an institution whose own records we cannot see (not linked)."""

    day: date
    kind: str  # 카드대금 | 대출상환 | 보험료
    institution: str
    amount: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", require_day("UnlinkedPayment.day", self.day))
        require_text("UnlinkedPayment.kind", self.kind, tuple(PAYMENT_KINDS))
        require_text("UnlinkedPayment.institution", self.institution)
        require_won("UnlinkedPayment.amount", self.amount, minimum=1)


@dataclass(frozen=True)
class FixedCost:
    label: str  # what the customer reads, e.g. "대출 상환", "신한카드 카드 대금(연결 안 됨)"
    monthly: int
    basis: str  # where the figure was read


@dataclass(frozen=True)
class RegularIncome:
    payer: str
    monthly: int  # the payer's money over the months ÷ months


@dataclass(frozen=True)
class OneOffIncome:
    payer: str
    total: int


@dataclass(frozen=True)
class CashFlow:
    months: int
    monthly_income: int  # regular income only
    regular: Tuple[RegularIncome, ...]  # by payer, largest first
    one_offs: Tuple[OneOffIncome, ...]  # not in monthly_income
    living_spending: int
    fixed: Tuple[FixedCost, ...]  # largest first
    unclassified_out: int  # monthly, not counted
    unseen: Tuple[str, ...]  # what could not be seen, in Korean
    by_month: Tuple[MonthFlow, ...]  # income = regular, spending = living + fixed
    spending: Tuple[MonthSpending, ...]  # by category, as given (living and fixed categories)

    @property
    def income_payers(self) -> Tuple[str, ...]:
        return tuple(income.payer for income in self.regular)

    @property
    def fixed_total(self) -> int:
        return sum(cost.monthly for cost in self.fixed)

    @property
    def outgo(self) -> int:
        return self.living_spending + self.fixed_total

    @property
    def surplus(self) -> int:
        return self.monthly_income - self.outgo

    @property
    def obligations_outside_spending(self) -> int:
        """Fixed costs that are not spending categories (loans, premiums, unlinked institutions)."""
        categories = set(FIXED_CATEGORIES.values())
        return sum(cost.monthly for cost in self.fixed if cost.label not in categories)

    def summary(self) -> str:
        """One sentence: income, living spending, fixed costs, what is left."""
        return (f"최근 {self.months}개월 기준 월 소득 {won_approx(self.monthly_income)}에서 생활비 "
                f"{won_approx(self.living_spending)}과 고정지출 {won_approx(self.fixed_total)}을 빼면 "
                f"{left_words(self.surplus)}")

    def counted(self) -> str:
        """What the fixed costs are made of and where each figure came from."""
        if not self.fixed:
            return "대출 상환, 보험료, 월세, 구독 같은 고정지출은 보이지 않았어요."
        parts = ", ".join(f"{c.label} {won_approx(c.monthly)}({c.basis})" for c in self.fixed)
        return f"고정지출에는 {parts}을 넣었어요."

    def caveats(self) -> List[str]:
        """One-off income left out, transfers not classified, and what could not be seen."""
        lines = []
        if self.one_offs:
            items = ", ".join(f"{o.payer} {won_approx(o.total)}" for o in self.one_offs[:3])
            lines.append(f"매달 들어오지 않은 돈({items})은 월 소득에서 뺐어요.")
        if self.unclassified_out:
            lines.append(
                f"용도를 알 수 없는 이체(월 평균 {won_approx(self.unclassified_out)})는 지출로 보지 않았어요."
            )
        lines.extend(self.unseen)
        return lines


def left_words(surplus: int) -> str:
    """"매달 약 364만 원이 남아요" / "매달 약 72만 원씩 모자라요" / "버는 만큼 다 나가요"."""
    if surplus > 0:
        return f"매달 약 {won_approx(surplus).removeprefix('약 ')}이 남아요"
    if surplus < 0:
        return f"매달 약 {won_approx(-surplus).removeprefix('약 ')}씩 모자라요"
    return "버는 만큼 다 나가요"


def _month_index(months: Sequence[date]) -> Dict[Tuple[int, int], int]:
    return {(m.year, m.month): k for k, m in enumerate(months)}


def _average(total: int, count: int) -> int:
    return round_won(Decimal(total) / count)


def monthly_cash_flow(months: Sequence[date], inflows: Sequence[Inflow], spending: Sequence[MonthSpending],
                      scheduled: Sequence[ScheduledPayment] = (), unlinked: Sequence[UnlinkedPayment] = (),
                      unclassified_out: int = 0, unseen: Sequence[str] = ()) -> CashFlow:
    """The customer's monthly cash flow over the whole months given (see the module docstring).

    `inflows` and `unlinked` outside those months are ignored; `unclassified_out` is the total of
    transfers without a known purpose over the same months.
    """
    months = tuple(require_day("months", m).replace(day=1) for m in require_items("months", months, date,
                                                                                     allow_empty=False))
    if len(set(months)) != len(months) or len(months) > MAX_MONTHS:
        raise AdvisorInputError(f"months must be distinct, at most {MAX_MONTHS}")
    inflows = require_items("inflows", inflows, Inflow)
    spending = require_items("spending", spending, MonthSpending)
    scheduled = require_items("scheduled", scheduled, ScheduledPayment)
    unlinked = require_items("unlinked", unlinked, UnlinkedPayment)
    require_won("unclassified_out", unclassified_out)
    if isinstance(unseen, str) or not all(isinstance(u, str) for u in unseen):
        raise AdvisorInputError("unseen must be a sequence of Korean sentences")
    index = _month_index(months)
    count = len(months)

    payer_months: Dict[str, set] = {}
    payer_amounts: Dict[str, List[int]] = {}
    for flow in inflows:
        k = index.get((flow.day.year, flow.day.month))
        if k is None:
            continue
        payer_months.setdefault(flow.payer, set()).add(k)
        payer_amounts.setdefault(flow.payer, [0] * count)[k] += flow.amount
    needed = max(MIN_REGULAR_MONTHS, math.ceil(REGULAR_SHARE * count)) if count > 1 else 1
    regular = {p for p, seen in payer_months.items() if len(seen) >= needed}
    income_by_month = [sum(payer_amounts[p][k] for p in regular) for k in range(count)]
    one_offs = tuple(
        sorted(
            (OneOffIncome(p, sum(payer_amounts[p])) for p in payer_amounts if p not in regular),
            key=lambda o: (-o.total, o.payer),
        )
    )

    living = [0] * count
    fixed_cats: Dict[str, List[int]] = {label: [0] * count for label in FIXED_CATEGORIES.values()}
    for month in spending:
        k = index.get((month.month.year, month.month.month))
        if k is None:
            continue
        for category, amount in month.by_category.items():
            if category in FIXED_CATEGORIES:
                fixed_cats[FIXED_CATEGORIES[category]][k] += amount
            else:
                living[k] += amount

    fixed_rows: List[Tuple[str, List[int], str]] = []
    for kind, basis in (("대출상환", "상환 일정"), ("보험료", "보험사 기록")):
        monthly = sum(p.monthly for p in scheduled if p.kind == kind)
        if monthly:
            fixed_rows.append((PAYMENT_KINDS[kind], [monthly] * count, basis))
    outside: Dict[Tuple[str, str], List[int]] = {}
    for payment in unlinked:
        k = index.get((payment.day.year, payment.day.month))
        if k is not None:
            outside.setdefault((payment.institution, payment.kind), [0] * count)[k] += payment.amount
    for (institution, kind), amounts in sorted(outside.items()):
        fixed_rows.append((f"{institution} {PAYMENT_KINDS[kind]}(연결 안 됨)", amounts, "은행 이체 내역"))
    for label, amounts in fixed_cats.items():
        if any(amounts):
            fixed_rows.append((label, amounts, "계좌·카드 지출"))

    fixed = tuple(
        sorted(
            (FixedCost(label, _average(sum(amounts), count), basis) for label, amounts, basis in fixed_rows),
            key=lambda c: (-c.monthly, c.label),
        )
    )
    by_month = tuple(MonthFlow(m, income_by_month[k], living[k] + sum(a[k] for _, a, _ in fixed_rows))
                     for k, m in enumerate(months))
    by_payer = tuple(RegularIncome(p, _average(sum(payer_amounts[p]), count))
                     for p in sorted(regular, key=lambda p: (-sum(payer_amounts[p]), p)))
    return CashFlow(
        months=count,
        monthly_income=_average(sum(income_by_month), count),
        regular=by_payer,
        one_offs=one_offs,
        living_spending=_average(sum(living), count),
        fixed=fixed,
        unclassified_out=_average(unclassified_out, count),
        unseen=tuple(unseen),
        by_month=by_month,
        spending=tuple(
            sorted((m for m in spending if (m.month.year, m.month.month) in index), key=lambda m: m.month)
        ),
    )
