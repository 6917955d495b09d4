"""Loan terms (`3년`, `36개월`, `육 개월`) as a number of months."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

_NATIVE_COUNTS = {
    "한": 1, "두": 2, "세": 3, "석": 3, "네": 4, "넉": 4, "다섯": 5, "여섯": 6, "일곱": 7,
    "여덟": 8, "아홉": 9, "열": 10,
}
_SINO_COUNTS = {
    "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9,
    "십": 10, "십이": 12, "이십": 20, "이십사": 24, "삼십": 30, "삼십육": 36,
    "사십팔": 48, "육십": 60,
}
_COUNT = "|".join(sorted({*_NATIVE_COUNTS, *_SINO_COUNTS}, key=len, reverse=True))
_TERM = re.compile(
    rf"(?<![\d가-힣.,])(?P<n>\d{{1,3}}|{_COUNT})\s?(?P<unit>년|개월|달)(?!\s?(?:전(?!세)|후|째|차|생(?!활)))"
)
# `90년생` is a birth year, but `2년 생활비로` a term and a purpose.
# `한 달에 30만원씩`, `1년에 얼마`: one unit followed by 에 is a rate, not a term.
_PER_UNIT = re.compile(r"\s?에(?![가-힣])")
MAX_TERM_MONTHS = 600


@dataclass(frozen=True)
class LoanTermMatch:
    start: int
    end: int
    text: str
    months: int


def _count(word: str, unit: str) -> Optional[int]:
    """The number, if it goes with the unit: native numbers count 달 (두 달,
    석 달), Sino-Korean ones 년 and 개월 (삼 년, 육 개월); `사달` is no term."""
    if word.isdigit():
        return int(word)
    if unit == "달":
        return _NATIVE_COUNTS.get(word)
    return _SINO_COUNTS.get(word) or (_NATIVE_COUNTS.get(word) if unit == "개월" else None)


def find_loan_terms(text: str) -> List[LoanTermMatch]:
    """Every `N년`/`N개월`/`N달` whose number is a plausible loan term.

    `2025년` is a year, not a term, `3년 전` is a point in time and `한 달에`
    is a rate: none is returned. The caller decides by context (a loan form)
    whether a match is a term or a period.
    """
    found = []
    for m in _TERM.finditer(text):
        n = _count(m.group("n"), m.group("unit"))
        if not n or (n == 1 and _PER_UNIT.match(text, m.end())):
            continue
        months = n * 12 if m.group("unit") == "년" else n
        if 0 < months <= MAX_TERM_MONTHS:
            found.append(LoanTermMatch(m.start(), m.end(), m.group(0), months))
    return found


def parse_loan_term(text: str) -> Optional[int]:
    """The months of the one loan term in `text` (`3년으로`), or None if none or several."""
    terms = find_loan_terms(text or "")
    return terms[0].months if len(terms) == 1 else None
