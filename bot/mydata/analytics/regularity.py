"""Whether dated amounts come back about monthly: the test behind salary detection (income) and
recurring payments."""
from __future__ import annotations

from datetime import date


def _circular_spread(days: list[int]) -> int:
    """Largest distance of a day-of-month from the median, treating the 28th and the 2nd as close."""
    middle = sorted(days)[len(days) // 2]
    return max(min(abs(d - middle), 31 - abs(d - middle)) for d in days)


def is_regular(dates: list[date], amounts: list[int], months_in_window: int, strict_amount: float,
               max_day_spread: int = 5) -> bool:
    """About monthly (at least 3 months, rarely twice a month), on about the same day, with
    amounts whose relative standard deviation stays under `strict_amount`."""
    months = {(d.year, d.month) for d in dates}
    if len(months) < min(3, months_in_window):
        return False
    if len(dates) > len(months) + max(1, len(months) // 4):
        return False
    if _circular_spread([d.day for d in dates]) > max_day_spread:
        return False
    # stdev / mean <= strict, both sides times n^2 and squared: n*sum(a^2) - sum(a)^2 is exact
    total, count = sum(amounts), len(amounts)
    return total > 0 and count * sum(a * a for a in amounts) - total * total <= (strict_amount * total) ** 2
