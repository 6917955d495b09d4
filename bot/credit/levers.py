"""What this customer can change to raise their score, and by how much, measured by the model.

Each lever is a counterfactual over inputs the customer controls: the profile is changed as the
action would change it and scored again with the same scorer, so the points are the model's own
(no rule of thumb). Levers considered:

- card use under 30% of the card limits: each month's card spending set to 30% of the limit
  (only when it is above that now);
- clear the overdue loans: their days past due set to 0. The late repayment does not vanish:
  each cleared arrear becomes one more 30+ day delinquency in the last 24 months, as it would on
  a real record;
- pay off the newest loan taken in the last 12 months (one fewer recent loan);
- pay off the 마이너스통장 balances (the credit lines stay open, drawn to 0);
- pay off the smallest installment loan, when it is not the newest one already counted.
Only levers that gain at least one point are returned, the largest gain first.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Callable, List, Optional

from bot.korean.calendar import whole_months_between

from .policy import CURRENT_DELINQUENCY_DAYS
from .profile import CreditProfile, LoanRecord
from .scorer import CreditScorer

CARD_TARGET_SHARE = 0.30
RECENT_MONTHS = 12


@dataclass(frozen=True)
class Lever:
    key: str
    sentence: str  # what to do, in Korean, with the customer's own amounts
    profile: CreditProfile  # the profile after doing it
    score_before: int
    score_after: int

    @property
    def gain(self) -> int:
        return self.score_after - self.score_before


def _manwon(amount: int) -> str:
    return f"{amount / 10_000:,.0f}만 원"


def card_under_target(profile: CreditProfile) -> Optional[tuple[str, CreditProfile]]:
    if not profile.card_limit_total or not profile.card_spending_3m:
        return None
    average = sum(profile.card_spending_3m) / len(profile.card_spending_3m)
    target = int(profile.card_limit_total * CARD_TARGET_SHARE)
    if average <= target:
        return None
    changed = replace(profile, card_spending_3m=[target] * len(profile.card_spending_3m))
    return (
        f"카드 사용액을 월 평균 {_manwon(int(average))}에서 한도의 30%인 {_manwon(target)} 이하로 줄이기",
        changed,
    )


def overdue_loans(profile: CreditProfile) -> List[LoanRecord]:
    """The loans past due now by the policy's count (30+ days)."""
    return [loan for loan in profile.loans or () if loan.delinquent_days >= CURRENT_DELINQUENCY_DAYS]


def clear_overdue(profile: CreditProfile) -> Optional[tuple[str, CreditProfile]]:
    overdue = overdue_loans(profile)
    if not overdue:
        return None
    loans = tuple(
        replace(loan, delinquent_days=0) if loan in overdue else loan for loan in profile.loans or ()
    )
    changed = replace(profile, loans=loans, delinquencies_24m=(profile.delinquencies_24m or 0) + len(overdue))
    return f"연체 중인 대출 {len(overdue)}건의 밀린 상환금을 갚아 연체 풀기", changed


def _installments(profile: CreditProfile) -> List[LoanRecord]:
    return [loan for loan in profile.loans or () if loan.installment and loan.balance > 0]


def _newest_recent(profile: CreditProfile) -> Optional[LoanRecord]:
    as_of = profile.as_of or date.today()
    recent = [
        loan for loan in _installments(profile) if whole_months_between(loan.opened, as_of) < RECENT_MONTHS
    ]
    return max(recent, key=lambda loan: loan.opened, default=None)


def _without(profile: CreditProfile, gone: LoanRecord) -> CreditProfile:
    loans = list(profile.loans or ())
    loans.remove(gone)
    return replace(profile, loans=tuple(loans))


def fewer_recent_loans(profile: CreditProfile) -> Optional[tuple[str, CreditProfile]]:
    newest = _newest_recent(profile)
    if newest is None:
        return None
    return (
        f"최근 1년 안에 받은 대출 1건(잔액 {_manwon(newest.balance)})을 갚아 정리하기",
        _without(profile, newest),
    )


def clear_credit_lines(profile: CreditProfile) -> Optional[tuple[str, CreditProfile]]:
    drawn = [loan for loan in profile.loans or () if not loan.installment and loan.balance > 0]
    if not drawn:
        return None
    loans = tuple(replace(loan, balance=0) if loan in drawn else loan for loan in profile.loans or ())
    total = sum(loan.balance for loan in drawn)
    return f"마이너스통장 잔액 {_manwon(total)}을 갚기", replace(profile, loans=loans)


def smallest_loan(profile: CreditProfile) -> Optional[tuple[str, CreditProfile]]:
    loans = _installments(profile)
    if not loans:
        return None
    smallest = min(loans, key=lambda loan: (loan.balance, loan.opened))
    if smallest is _newest_recent(profile):
        return None
    return f"잔액이 가장 적은 대출({_manwon(smallest.balance)})을 갚기", _without(profile, smallest)


LEVERS: dict[str, Callable[[CreditProfile], Optional[tuple[str, CreditProfile]]]] = {
    "card_utilisation": card_under_target,
    "clear_overdue": clear_overdue,
    "recent_loan": fewer_recent_loans,
    "credit_line": clear_credit_lines,
    "smallest_loan": smallest_loan,
}


def score_levers(scorer: CreditScorer, profile: CreditProfile, *, top: int = 3) -> List[Lever]:
    """The changes that raise this customer's score most, each re-scored by `scorer`."""
    before = scorer.score(profile).score
    found = []
    for key, lever in LEVERS.items():
        change = lever(profile)
        if change is None:
            continue
        sentence, changed = change
        after = scorer.score(changed).score
        if after > before:
            found.append(Lever(key, sentence, changed, before, after))
    found.sort(key=lambda lever: (-lever.gain, lever.key))
    return found[:top]
