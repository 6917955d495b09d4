"""One helper to mask account and card numbers before they reach a log or a chat answer."""
from __future__ import annotations

import re

_NON_DIGIT = re.compile(r"[^0-9*]")


def mask_number(number: str | None) -> str:
    """Keep the first and last four digits, star the rest, group by four: 1234-****-****-5678.

    Numbers of eight digits or fewer keep only their last four. Already-masked input
    (containing '*') is regrouped but never unmasked.
    """
    if not number:
        return ""
    digits = _NON_DIGIT.sub("", str(number))
    if not digits:
        return "****"
    n = len(digits)
    if n <= 8:
        return "*" * max(n - 4, 0) + digits[-4:]
    middle = "*" * (n - 8)
    if len(middle) % 4 == 0:
        middle = "-".join(middle[i:i + 4] for i in range(0, len(middle), 4))
    return f"{digits[:4]}-{middle}-{digits[-4:]}"
