"""One helper to mask account and card numbers before they reach a store column, a log or a chat answer."""
from __future__ import annotations

import re

_NOT_DIGIT_OR_STAR = re.compile(r"[^0-9*]")
HIDDEN = "****"
MAX_VISIBLE = 4


def mask_number(number: str | None) -> str:
    """At most the last four digits stay, behind a fixed '****-': 110-234-567890 -> ****-7890.

    The prefix does not depend on the number's length or layout, so the same account looks the
    same whether masked from its full number or from its stored masked form. Short numbers show
    at most half their digits (12345 -> ****-45); already-masked input is never unmasked.
    """
    if not number:
        return ""
    chars = _NOT_DIGIT_OR_STAR.sub("", str(number))
    tail = chars[len(chars.rstrip("0123456789")):]
    keep = min(MAX_VISIBLE, len(tail), len(chars) // 2)
    return f"{HIDDEN}-{tail[-keep:]}" if keep else HIDDEN
