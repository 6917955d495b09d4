"""What the credit scorer needs to know about a customer, in Korean units.

Money is int KRW throughout. ``None`` always means "not available" (MyData did not
provide it), never zero: the scorer fills such inputs with the training median and lists
them in ``CreditResult.missing``. An empty ``loans`` list means "connected, no loans".
The lead's adapter maps ``bot.mydata.analytics.profile`` onto these classes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional, Sequence


@dataclass(frozen=True)
class LoanRecord:
    """One loan the customer holds now.

    ``installment`` loans (신용대출·할부·주택담보 분할상환) repay a fixed schedule; a
    credit line (마이너스통장) is revolving and counts with card limits instead.
    """

    opened: date
    principal: int
    balance: int
    installment: bool = True
    delinquent_days: int = 0
    rate_percent: Optional[float] = None
    institution_kind: Optional[str] = None


@dataclass(frozen=True)
class CreditProfile:
    """Raw facts per customer, each optional.

    - ``monthly_salary``: salary detected in deposits (MyData income counts as verified).
    - ``employment_months``: months the current salary has been detected (tenure proxy).
    - ``loans``: loans held now; ``None`` when no loan data is connected.
    - ``card_limit_total``: sum of card credit limits; ``card_spending_3m``: card
      spending of each of the last 3 months.
    - ``delinquencies_24m``: 30+ day delinquencies in the last 24 months.
    - ``inquiries_6m`` / ``inquiries_12m``: credit inquiries; ``finance_inquiries``:
      inquiries by personal-finance lenders. MyData does not carry these; they come from
      a bureau feed when we have one.
    - ``as_of``: the date "last N months" counts back from (default: today).
    """

    monthly_salary: Optional[int] = None
    employment_months: Optional[int] = None
    loans: Optional[Sequence[LoanRecord]] = None
    card_limit_total: Optional[int] = None
    card_spending_3m: Optional[Sequence[int]] = None
    delinquencies_24m: Optional[int] = None
    inquiries_6m: Optional[int] = None
    inquiries_12m: Optional[int] = None
    finance_inquiries: Optional[int] = None
    as_of: Optional[date] = None


@dataclass(frozen=True)
class LoanApplication:
    """The loan the customer asks about (신청), as the model reads it. ``purpose`` is kept for
    the conversation but is not a model input: the training data has no purpose column.
    (`bot.advisor.inputs.LoanRequest` is the same question as the loan advisor reads it.)"""

    amount: int
    term_months: int
    purpose: str = ""
