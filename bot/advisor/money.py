"""Won arithmetic shared by the advisors: Decimal in, whole won out, rounding stated once."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

INTEREST_TAX_RATE = Decimal("0.154")  # 이자소득세 14% + 지방소득세 1.4%
HUNDRED = Decimal(100)
TWELVE = Decimal(12)


def round_won(value: Decimal) -> int:
    """Half up to a whole won; every won amount the advisor shows goes through here."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def floor_to(amount: int, unit: int) -> int:
    """Down to a multiple of `unit` (amounts people are told to save or borrow are round)."""
    return amount // unit * unit


def interest_tax(gross: int) -> int:
    """15.4% of interest, half up to a won (banks' 10-won truncation is not modelled)."""
    return round_won(Decimal(gross) * INTEREST_TAX_RATE)


def monthly_rate(annual_percent: Decimal) -> Decimal:
    return annual_percent / HUNDRED / TWELVE
