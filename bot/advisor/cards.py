"""Which card would have paid this customer most, replaying their own recent spending.

Each catalog card is applied to the customer's actual lines month by month, the way card
companies settle benefits:
- a month earns benefits only if the previous month's spending counted toward 전월실적
  (categories in `performance_excludes` do not count) reaches the card's requirement; for
  the first month of the window, when the data holds no earlier month, that month's own
  spending stands in for the previous one (spending assumed steady);
- each line earns from at most one benefit, the most specific that matches: a merchant
  benefit, else a category benefit, else an all-merchant one; lines in
  `excluded_categories` earn nothing;
- a benefit stops at its monthly cap and monthly use count, and all benefits together at
  the card's total monthly cap, in the order the lines were spent;
- a rate benefit is the amount × rate, half up to a won; a fixed benefit is at most the amount.
The result is net of the annual fee pro-rated to the months compared (fee × months / 12).
All spending is assumed to move to the card being evaluated.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Dict, List, Optional, Sequence, Tuple

from bot.advisor.catalog import CardBenefit, CardProduct, Catalog
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import SpendingLine, require_int, require_items
from bot.advisor.money import HUNDRED, TWELVE, round_won
from bot.korean.calendar import add_months
from bot.korean.wording import won, won_approx

DEFAULT_MONTHS = 3


@dataclass(frozen=True)
class BenefitEarned:
    """What one benefit line of a card made of the customer's spending in its scope."""

    label: str
    kind: str  # 할인 | 적립 | 캐시백
    scope: str
    spend: int
    benefit: int


@dataclass(frozen=True)
class CardSuggestion:
    card: CardProduct
    months: Tuple[date, ...]  # first days of the months compared
    benefit: int  # total over the months
    annual_fee_share: int  # annual fee × months / 12
    net: int
    monthly_benefit: int
    monthly_net: int
    qualified_months: int  # months whose 전월실적 met the requirement
    earned: Tuple[BenefitEarned, ...]  # biggest benefit first
    reason: str


def comparison_months(lines: Sequence[SpendingLine], months: int = DEFAULT_MONTHS) -> Tuple[date, ...]:
    """The last `months` calendar months of the data (fewer if the data is shorter)."""
    if not lines:
        return ()
    first = min(line.day for line in lines).replace(day=1)
    last = max(line.day for line in lines).replace(day=1)
    start = max(first, add_months(last, -(months - 1)))
    window = []
    month = start
    while month <= last:
        window.append(month)
        month = add_months(month, 1)
    return tuple(window)


def _matching_benefit(card: CardProduct, line: SpendingLine) -> Optional[int]:
    """Index of the most specific benefit for a line: merchant, then category, then all."""
    if line.category in card.excluded_categories:
        return None
    tests = (
        lambda b: bool(line.merchant) and line.merchant in b.merchants,
        lambda b: bool(line.category) and line.category in b.categories,
        lambda b: b.all_merchants,
    )
    for matches in tests:
        for index, benefit in enumerate(card.benefits):
            if matches(benefit):
                return index
    return None


def _raw_benefit(benefit: CardBenefit, amount: int) -> int:
    if benefit.per_transaction is not None:
        return min(benefit.per_transaction, amount)
    assert benefit.rate is not None, "a benefit has a rate or a per-transaction amount (the catalog checks)"
    return round_won(Decimal(amount) * benefit.rate / HUNDRED)


def _performance(card: CardProduct, lines: Sequence[SpendingLine]) -> int:
    return sum(line.amount for line in lines if line.category not in card.performance_excludes)


def _settle_month(card: CardProduct, lines: Sequence[SpendingLine], qualified: bool,
                  spend: Dict[int, int], earned: Dict[int, int]) -> None:
    """Add one month's in-scope spending and capped benefits, per benefit index, in spending order."""
    used: Dict[int, int] = defaultdict(int)
    uses: Dict[int, int] = defaultdict(int)
    month_total = 0
    for line in sorted(lines, key=lambda spending: spending.day):
        index = _matching_benefit(card, line)
        if index is None:
            continue
        benefit = card.benefits[index]
        spend[index] += line.amount
        if not qualified or line.amount < benefit.min_amount:
            continue
        if benefit.monthly_count is not None and uses[index] >= benefit.monthly_count:
            continue
        room = [_raw_benefit(benefit, line.amount)]
        if benefit.monthly_cap is not None:
            room.append(benefit.monthly_cap - used[index])
        if card.total_monthly_cap is not None:
            room.append(card.total_monthly_cap - month_total)
        amount = min(room)
        if amount <= 0:
            continue
        used[index] += amount
        uses[index] += 1
        month_total += amount
        earned[index] += amount


def evaluate_card(
    card: CardProduct, lines: Sequence[SpendingLine], months: int = DEFAULT_MONTHS
) -> CardSuggestion:
    """Replay the customer's last `months` months of spending on one card."""
    lines = require_items("lines", lines, SpendingLine)
    require_int("months", months, 1, 24)
    window = comparison_months(lines, months)
    by_month: Dict[date, List[SpendingLine]] = defaultdict(list)
    for line in lines:
        by_month[line.day.replace(day=1)].append(line)
    earliest = min(by_month) if by_month else None

    spend: Dict[int, int] = defaultdict(int)
    earned: Dict[int, int] = defaultdict(int)
    qualified_months = 0
    for month in window:
        previous = add_months(month, -1)
        basis = (
            by_month.get(previous, []) if earliest is not None and previous >= earliest else by_month[month]
        )
        qualified = _performance(card, basis) >= card.min_prev_month_spend
        qualified_months += qualified
        _settle_month(card, by_month[month], qualified, spend, earned)

    count = len(window)
    total = sum(earned.values())
    fee_share = round_won(Decimal(card.annual_fee) * count / TWELVE) if count else 0
    net = total - fee_share
    parts = tuple(sorted(
        (BenefitEarned(b.label, b.kind, b.scope_label, spend[i], earned[i])
         for i, b in enumerate(card.benefits) if spend[i]),
        key=lambda e: (-e.benefit, -e.spend, e.label),
    ))
    monthly_benefit = round_won(Decimal(total) / count) if count else 0
    monthly_net = round_won(Decimal(net) / count) if count else 0
    return CardSuggestion(
        card=card, months=window, benefit=total, annual_fee_share=fee_share, net=net,
        monthly_benefit=monthly_benefit, monthly_net=monthly_net, qualified_months=qualified_months,
        earned=parts, reason=_reason(card, count, parts, monthly_benefit, monthly_net, qualified_months),
    )


def _reason(card: CardProduct, count: int, parts: Tuple[BenefitEarned, ...], monthly_benefit: int,
            monthly_net: int, qualified_months: int) -> str:
    requirement = won_approx(card.min_prev_month_spend)
    top = parts[0] if parts and parts[0].benefit > 0 else None
    if count == 0:
        return "비교할 지출 내역이 없어요"
    if top is None:
        if qualified_months == 0 and card.min_prev_month_spend:
            return f"최근 {count}개월 모두 전월실적 {requirement}에 못 미쳐 받을 수 있는 혜택이 없어요"
        return f"최근 {count}개월 지출 중 이 카드의 혜택 대상이 없어요"
    top_monthly = round_won(Decimal(top.benefit) / count)
    clauses = [
        f"최근 {count}개월 {top.scope} 지출 {won_approx(top.spend)} 기준 월 평균 {won_approx(top_monthly)} "
        f"{top.kind}"
    ]
    if monthly_benefit != top_monthly:
        clauses.append(f"혜택 합계 월 평균 {won_approx(monthly_benefit)}")
    if card.annual_fee:
        if monthly_net >= 0:
            clauses.append(f"연회비 {won(card.annual_fee)}을 빼면 월 {won_approx(monthly_net)}")
        else:
            clauses.append(f"연회비 {won(card.annual_fee)}을 빼면 월 {won_approx(-monthly_net)} 손해")
    if qualified_months < count:
        clauses.append(f"전월실적 {requirement} 미달 {count - qualified_months}개월은 혜택 없음")
    return ", ".join(clauses)


def rank_cards(lines: Sequence[SpendingLine], catalog: Catalog, *, months: int = DEFAULT_MONTHS,
               card_type: Optional[str] = None) -> Tuple[CardSuggestion, ...]:
    """Every catalog card (optionally only credit or check) replayed and ranked by net benefit."""
    if card_type not in (None, "credit", "check"):
        raise AdvisorInputError(f"card_type must be credit, check or None; got {card_type!r}")
    lines = require_items("lines", lines, SpendingLine)
    cards = [card for card in catalog.cards if card_type is None or card.card_type == card_type]
    results = [evaluate_card(card, lines, months) for card in cards]
    return tuple(sorted(results, key=lambda s: (-s.net, -s.benefit, s.card.name)))
