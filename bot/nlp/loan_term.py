"""Loan terms (`3년`, `36개월`, `육 개월`) as a number of months."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

_NATIVE_COUNTS = {
    "한": 1, "두": 2, "세": 3, "석": 3, "네": 4, "다섯": 5, "여섯": 6, "일곱": 7,
    "여덟": 8, "아홉": 9, "열": 10,
}
_SINO_COUNTS = {
    "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9,
    "십": 10, "십이": 12, "이십": 20, "이십사": 24, "삼십": 30, "삼십육": 36,
    "사십팔": 48, "육십": 60,
}
_COUNT = "|".join(sorted({*_NATIVE_COUNTS, *_SINO_COUNTS}, key=len, reverse=True))
_TERM = re.compile(
    rf"(?<![\d가-힣.,])(?P<n>\d{{1,3}}|{_COUNT})\s?(?P<unit>년|개월|달)(?!\s?(?:전(?!세)|후|째|차|생))"
)
MAX_TERM_MONTHS = 600


@dataclass(frozen=True)
class LoanTermMatch:
    start: int
    end: int
    text: str
    months: int


def _count(word: str) -> Optional[int]:
    if word.isdigit():
        return int(word)
    return _NATIVE_COUNTS.get(word) or _SINO_COUNTS.get(word)


def find_loan_terms(text: str) -> List[LoanTermMatch]:
    """Every `N년`/`N개월`/`N달` whose number is a plausible loan term.

    `2025년` is a year, not a term, and `3년 전` is a point in time: neither
    is returned. The caller decides by context (a loan form) whether a match
    is a term or a period.
    """
    found = []
    for m in _TERM.finditer(text):
        n = _count(m.group("n"))
        if not n:
            continue
        months = n * 12 if m.group("unit") == "년" else n
        if 0 < months <= MAX_TERM_MONTHS:
            found.append(LoanTermMatch(m.start(), m.end(), m.group(0), months))
    return found
