"""A message's entities as the values of a question: every value of each entity, checked.

Typed messages and button payloads (`/intent{"period": ..., "page": 2}`) both arrive as Rasa
entities, so anything may be in them: a dict where a name belongs, an impossible date, a
negative page. `read_entities` keeps what is usable and lists, in Korean, what is not; it never
raises. Every value of a multi-valued entity is kept in order ("신한이랑 우리" → two institutions),
and a generic account word with "전부/다/모든" ("통장 전부") does not narrow to one account type.
A period leaves here as a `DateRange` (under `period`), whether the NLU wrote it (`period`,
"YYYY-MM-DD/YYYY-MM-DD") or a button did (`period_start` and `period_end`).

Pure Python, no Rasa import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Optional, Sequence

from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import DateRange
from bot.korean.wording import particle_after

MULTI_VALUED = ("institution", "account_type", "merchant", "category")
NAMES = ("institution", "account_type", "merchant", "category", "product_type", "loan_purpose", "query_text")
ACCOUNT_TYPES = frozenset({"입출금", "예금", "적금", "대출", "카드", "보험", "증권"})
GENERIC_ACCOUNT_WORDS = ("통장", "계좌")
ALL_WORDS = re.compile(r"전부|모두|모든|전체|다\s*(알려|보여|합쳐|얼마|$)|싹\s*다")
MAX_PAGE = 100
MAX_AMOUNT = 10 ** 12  # 1조 원
MAX_TERM_MONTHS = 600
MAX_NAME_CHARS = 100


@dataclass(frozen=True)
class MessageValues:
    values: Mapping[str, tuple] = field(default_factory=dict)  # entity → its distinct values, in order
    page: int = 0
    problems: tuple[str, ...] = ()

    def first(self) -> dict:
        """One value per entity, as `Query.from_entities` takes them."""
        return {name: values[0] for name, values in self.values.items() if values}

    def each(self) -> Optional[tuple[str, tuple]]:
        """The first entity named with two or more values, and those values."""
        for name in MULTI_VALUED:
            if len(self.values.get(name, ())) > 1:
                return name, self.values[name]
        return None


def _iso_date(value: Any) -> Optional[date]:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _whole_number(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,15}", value.strip()):
        return int(value.strip())
    return None


def _period(value: Any) -> tuple[Optional[DateRange], Optional[str]]:
    """The range "a/b" (or {"start": a, "end": b}) names, or a problem."""
    if isinstance(value, Mapping) and isinstance(value.get("invalid"), str):  # bot.nlp.period: 2099년 13월
        words = value["invalid"][:40]
        return None, f"'{words}'{particle_after(words, '은')} 달력에 없는 날짜예요"
    start: Any
    end: Any
    if isinstance(value, str) and "/" in value:
        start, end = value.split("/", 1)
    elif isinstance(value, Mapping):
        start, end = value.get("start"), value.get("end")
    else:
        return None, "기간을 이해하지 못했어요"
    first, last = _iso_date(start), _iso_date(end)
    if first is None or last is None:
        return None, "없는 날짜가 들어 있어요"
    if first > last:
        return None, "기간의 시작일이 종료일보다 늦어요"
    return DateRange(first, last), None


def _name(entity: str, value: Any) -> tuple[Optional[str], Optional[str]]:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_CHARS:
        return None, "이름 대신 다른 값이 들어 있어요"
    value = value.strip()
    if entity == "account_type" and value not in ACCOUNT_TYPES:
        return None, f"'{value}'{particle_after(value, '은')} 알 수 없는 계좌 종류예요"
    if entity == "institution" and load_lexicon().entry("institution", value) is None:
        return None, f"'{value}'{particle_after(value, '은')} 제가 아는 금융기관이 아니에요"
    return value, None


def _generic_account_word(text: str, entity: Mapping[str, Any]) -> bool:
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return False
    return any(word in text[start:end] for word in GENERIC_ACCOUNT_WORDS)


def replaced_dropped(entities: Sequence[Any], text: str) -> list:
    """`A 말고 B` names B only: a value before 말고 is dropped when one of the same entity follows it."""
    marker = (text or "").rfind("말고")
    if marker < 0:
        return list(entities or ())
    def at(e: Any) -> int:
        start = e.get("start") if isinstance(e, Mapping) else None
        return start if isinstance(start, int) else -1
    after = {e.get("entity") for e in entities or () if at(e) > marker}
    return [e for e in entities or () if not (0 <= at(e) < marker and e.get("entity") in after)]


def read_entities(entities: Sequence[Mapping[str, Any]], text: str = "") -> MessageValues:
    """Every usable value of each entity (`A 말고 B`: B only); what could not be used, in Korean words."""
    entities = replaced_dropped(entities, text)
    values: dict[str, list] = {}
    problems: list[str] = []
    page = 0
    everything = bool(ALL_WORDS.search(text or ""))
    for entity in entities or ():
        if not isinstance(entity, Mapping):
            continue
        name, value = entity.get("entity"), entity.get("value")
        problem = None
        if name == "page":
            number = _whole_number(value)
            if number is None or not 0 <= number <= MAX_PAGE:
                problem = f"페이지 번호는 0부터 {MAX_PAGE}까지예요"
            else:
                page = number
            value = None
        elif name == "period":
            value, problem = _period(value)
        elif name in ("period_start", "period_end"):
            value = _iso_date(value)
            problem = None if value else "없는 날짜가 들어 있어요"
        elif name == "amount":
            value = _whole_number(value)
            if value is None or not 0 < value <= MAX_AMOUNT:
                value, problem = None, "금액은 1원부터 1조 원까지 말씀해 주세요"
        elif name in ("loan_term", "loan_term_months"):
            name, value = "loan_term_months", _whole_number(value)
            if value is None or not 0 < value <= MAX_TERM_MONTHS:
                value, problem = None, "기간은 1개월부터 50년까지 말씀해 주세요"
        elif name in NAMES:
            value, problem = _name(name, value)
            if name == "account_type" and value and everything and _generic_account_word(text or "", entity):
                value = None  # "통장 전부": every account, not only 입출금
        else:
            continue
        if problem:
            problems.append(problem)
        elif value is not None and value not in values.setdefault(name, []):
            values[name].append(value)
    start, end = values.pop("period_start", None), values.pop("period_end", None)
    if start and end:  # a button's period; one the NLU read as `period` wins
        if start[0] > end[0]:
            problems.append("기간의 시작일이 종료일보다 늦어요")
        elif not values.get("period"):
            values["period"] = [DateRange(start[0], end[0])]
    return MessageValues({k: tuple(v) for k, v in values.items() if v}, page, tuple(dict.fromkeys(problems)))


def problem_text(problems: Sequence[str]) -> str:
    return (f"요청하신 조건을 처리하지 못했어요: {', '.join(problems)}. "
            "'지난달 스타벅스 내역'처럼 다시 말씀해 주시겠어요?")
