"""Korean money expressions (`오십만 원`, `1.5억`, `1억 5천만원`) as integer won.

Span convention (the NLU annotations follow it):
  * the span is the number with its units, and `원` when present:
    `[5만원](amount)정도`, `[50만 원](amount)이요`, `[1억 5천만원](amount)`;
  * particles and endings after it are outside (`이요`, `정도`, `쯤`, `가량`,
    `까지`, `을`, `이`, `으로`, `짜리`, ...), and so are leading `약 `/`대략`;
  * `500만 대출` -> `[500만](amount) 대출`.

Reading rules:
  * an amount ends in a unit (`십 백 천 만 억 조`) or in `원`; a bare number
    (`500`, `3개월`, `2024년`, a phone or card number) is not money;
  * a number followed by a counter or another currency (`50만 명`, `5만 엔`,
    `100만 달러`, `10만 포인트`) is not won;
  * Korean numerals must not be part of an ordinary word (`이번`, `사용`,
    `구독`, `사십대`, `천국`, `만기`): they start a word, need `원` or a
    `만/억/조` unit, and may only be followed by a particle. One-digit forms
    that are common words (`이만`, `오만`, `사원`, `구원`) need `원` and a
    unit (`오만 원` is money, `그럼 이만` is not);
  * after `억` a bare trailing group counts in 만 (`1억5천` = 1억 5천만), as
    Koreans say it; with `원` it is literal (`1억 5천원` = 100,005,000);
  * in salary and loan talk a bare amount below 만 counts in 만 원, as
    Koreans say it: `연봉 4천` = 4천만 원, `금액 2천으로` (answering the
    loan form) = 2천만 원, `월급 3백` = 3백만 원. `find_amounts(text,
    man_units=True)` says the context is such; by default a salary or loan
    word in the text (`연봉`, `월급`, `소득`, `대출`, `빌리`, `한도`, `전세`,
    `보증금`) says so. With `원` the amount is literal (`연봉 4천원`);
  * anything that does not parse cleanly (`만만원`, `억억`, `1..5억`,
    `오십오십만원`, `50,00원`) yields no amount rather than a guess, and so
    does zero.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import List, Optional, Tuple

_KOREAN_DIGITS = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_SMALL_UNITS = {"십": 10, "백": 100, "천": 1000}
_BIG_UNITS = {"만": 10**4, "억": 10**8, "조": 10**12}
_MAN = 10**4

_K = "일이삼사오육칠팔구십백천"
_COEF = rf"[0-9{_K}][0-9,.{_K}]*"
_COEF_ENDING_IN_UNIT = rf"[0-9{_K}][0-9,.{_K}]*(?<=[십백천])"
_BIG_GROUP = rf"(?:{_COEF}|[0-9][0-9,.]*[ ]|[{_K}]{{2,}}[ ])?[만억조]"
_CANDIDATE = re.compile(
    rf"""
    (?:(?<![0-9.,])(?=[0-9]) | (?<![0-9.,가-힣])(?=[{_K}만억조]))
    (?:
        {_BIG_GROUP}(?:[ ]?{_BIG_GROUP})*(?:[ ]?{_COEF_ENDING_IN_UNIT}|[ ]?{_COEF}(?=[ ]?원))?
      | {_COEF_ENDING_IN_UNIT}
      | {_COEF}(?=[ ]?원)
    )
    (?:[ ]?원)?
    """,
    re.VERBOSE,
)
_ARABIC_NUMBER = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")

_PARTICLES = (
    "이", "가", "을", "를", "은", "는", "의", "도", "만", "에", "요", "예", "입", "야", "인", "나", "면",
    "로", "으로", "와", "과", "랑", "하고", "부터", "까지", "보다", "보내", "정도", "쯤", "가량", "짜리",
    "씩", "어치", "미만", "초과", "넘", "안팎", "내외", "밖에", "뿐", "남짓", "좀", "더", "라", "든",
    "줘", "주세요", "께", "정", "빌려", "송금", "입금", "출금", "결제",
)
_NOT_WON_AFTER_WON = ("래", "금", "칙", "리금")
_COUNTERS = (
    "명", "개", "건", "번", "회", "배", "살", "세", "세대", "가구", "마리", "권", "장", "개월", "달",
    "년", "주", "일", "시간", "분", "초", "평", "층", "호", "등", "위", "점", "포인트", "마일",
    "퍼센트", "프로", "대", "곳", "병", "잔", "통", "달러", "불", "엔", "유로", "위안", "파운드",
    "동", "바트", "페소", "키로", "킬로",
)
_COUNTER_AFTER = re.compile(
    r" ?(?:%|\$|USD|usd|달러|(?:" + "|".join(sorted(_COUNTERS, key=len, reverse=True)) + r")"
    r"(?:(?=[^가-힣])|$|(?=" + "|".join(_PARTICLES) + r")))"
)
_MAN_UNIT_CONTEXT = re.compile(r"연봉|연소득|월소득|소득|월급|대출|빌리|빌려|빌릴|한도|전세|보증금")
_POLITE_REFUSAL = re.compile(r"(?:에(?:요|$|[\s!.~?,])|의 ?말씀)")


@dataclass(frozen=True)
class AmountMatch:
    start: int
    end: int
    text: str
    value: int


def _is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


Token = Tuple[str, Decimal, bool, bool]  # kind, value, is_single_digit, is_decimal


def _tokenize(coef: str) -> Optional[List[Token]]:
    tokens: List[Token] = []
    i = 0
    while i < len(coef):
        ch = coef[i]
        if "0" <= ch <= "9":
            m = _ARABIC_NUMBER.match(coef, i)
            if m is None or (m.end() < len(coef) and coef[m.end()] in "0123456789,."):
                return None
            raw = m.group()
            if len(raw) > 1 and raw[0] == "0" and raw[1] != ".":
                return None
            value = Decimal(raw.replace(",", ""))
            tokens.append(("num", value, len(raw) == 1 and raw != "0", "." in raw))
            i = m.end()
        elif ch in _KOREAN_DIGITS:
            tokens.append(("num", Decimal(_KOREAN_DIGITS[ch]), True, False))
            i += 1
        elif ch in _SMALL_UNITS:
            tokens.append(("unit", Decimal(_SMALL_UNITS[ch]), False, False))
            i += 1
        else:
            return None
    return tokens


def _parse_coefficient(coef: str) -> Optional[Tuple[Decimal, bool]]:
    """Value below 만 of `5천`, `이천오백`, `1,200`, `1.5`; (value, is decimal)."""
    tokens = _tokenize(coef)
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0][0] == "num":
        return tokens[0][1], tokens[0][3]
    total = Decimal(0)
    last_unit = Decimal(_MAN)
    pending: Optional[Token] = None
    for token in tokens:
        kind, value, single_digit, _ = token
        if kind == "num":
            if pending is not None:
                return None
            pending = token
            continue
        if value >= last_unit:
            return None
        if pending is not None and not pending[2]:
            return None
        total += (pending[1] if pending else 1) * value
        last_unit = value
        pending = None
    if pending is not None:
        if pending[3] or pending[1] >= last_unit:
            return None
        total += pending[1]
    return total, False


def _split_groups(body: str) -> List[Tuple[str, Optional[str]]]:
    groups: List[Tuple[str, Optional[str]]] = []
    coef = ""
    for ch in body.replace(" ", ""):
        if ch in _BIG_UNITS:
            groups.append((coef, ch))
            coef = ""
        else:
            coef += ch
    if coef:
        groups.append((coef, None))
    return groups


def _value(body: str, has_won: bool) -> Optional[int]:
    total = Decimal(0)
    previous_unit: Optional[int] = None
    for index, (coef, big) in enumerate(_split_groups(body)):
        if big is None:
            parsed = _parse_coefficient(coef)
            if parsed is None or parsed[1]:
                return None
            amount = parsed[0]
            if previous_unit is None:
                total = amount
            elif amount >= _MAN:
                return None
            elif has_won or previous_unit == _MAN:
                total += amount
            else:
                total += amount * (previous_unit // _MAN)
            break
        unit = _BIG_UNITS[big]
        if previous_unit is not None and unit >= previous_unit:
            return None
        if coef:
            parsed = _parse_coefficient(coef)
            if parsed is None or (parsed[1] and index != 0):
                return None
            multiplier = parsed[0]
            if not 0 < multiplier < _MAN:
                return None
        elif big == "만" and index == 0:
            multiplier = Decimal(1)
        else:
            return None
        total += multiplier * unit
        previous_unit = unit
    if total <= 0 or total != total.to_integral_value():
        return None
    return int(total)


def _korean_only_is_money(compact: str, has_won: bool, following: str) -> bool:
    if has_won:
        return any(ch in _SMALL_UNITS or ch in _BIG_UNITS for ch in compact)
    if not any(ch in _BIG_UNITS for ch in compact):
        return False
    if len(compact) == 1 or (len(compact) == 2 and compact[0] in _KOREAN_DIGITS and compact[1] in "만조"):
        return False
    return not (compact == "천만" and _POLITE_REFUSAL.match(following))


def _evaluate(text: str, start: int, end: int) -> Optional[int]:
    candidate = text[start:end]
    has_won = candidate.endswith("원")
    body = candidate[:-1].rstrip() if has_won else candidate
    if not body:
        return None
    following = text[end:]
    if following and _is_hangul(following[0]):
        if has_won:
            if following.startswith(_NOT_WON_AFTER_WON):
                return None
        elif not following.startswith(_PARTICLES):
            return None
    elif not has_won and _COUNTER_AFTER.match(following):
        return None
    if not has_won and body[-1] not in _SMALL_UNITS and body[-1] not in _BIG_UNITS:
        return None
    compact = body.replace(" ", "")
    if not any("0" <= ch <= "9" for ch in compact) and not _korean_only_is_money(compact, has_won, following):
        return None
    return _value(body, has_won)


def _candidate_ends(text: str, start: int, end: int) -> List[int]:
    """Where a candidate may stop, longest first: its end, before `원`, at each space."""
    ends = {end}
    if text[end - 1] == "원":
        ends.add(end - 1)
    ends.update(i for i in range(start + 1, end) if text[i] == " ")
    return sorted((e for e in ends if text[start:e].strip()), reverse=True)


def in_man_units_context(text: str) -> bool:
    """Whether `text` talks salary or loans, where `4천` means 4천만 원."""
    return _MAN_UNIT_CONTEXT.search(text) is not None


def _in_man_units(match: AmountMatch) -> AmountMatch:
    if match.value >= _MAN or match.text.endswith("원"):
        return match
    return AmountMatch(match.start, match.end, match.text, match.value * _MAN)


def find_amounts(text: str, man_units: Optional[bool] = None) -> List[AmountMatch]:
    """Every money amount in `text`, left to right, with its span and value in won.

    `man_units`: whether a bare amount below 만 counts in 만 원 (salary and
    loan talk); None reads it from the text (`in_man_units_context`).
    """
    if man_units is None:
        man_units = in_man_units_context(text)
    found = _find_literal_amounts(text)
    return [_in_man_units(m) for m in found] if man_units else found


def _find_literal_amounts(text: str) -> List[AmountMatch]:
    found: List[AmountMatch] = []
    position = 0
    while True:
        m = _CANDIDATE.search(text, position)
        if m is None:
            return found
        start = m.start()
        for end in _candidate_ends(text, start, m.end()):
            end = len(text[:end].rstrip())
            value = _evaluate(text, start, end)
            if value is not None:
                found.append(AmountMatch(start, end, text[start:end], value))
                position = end
                break
        else:
            space = text.find(" ", start, m.end())
            position = space if space != -1 else m.end()


def parse_amount(text: str, man_units: Optional[bool] = None) -> Optional[int]:
    """The one amount in a bare answer (`오백만 원이요`), or None if none or several.
    A form that asks a loan amount passes `man_units=True` (`2천이요` = 2천만 원)."""
    amounts = find_amounts(text, man_units)
    return amounts[0].value if len(amounts) == 1 else None
