"""The values a message gives for each slot of a form, how they read back, and whether they are allowed.

Pure: the message is its text and Rasa's entity dicts. Amounts and terms
are read from the text (bot.nlp parsers); institutions, periods and purposes
from the NLU entities, with their positions so that `A 말고 B` picks B.
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from bot.conversation.repair import Value, pick
from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import DateRange
from bot.korean.wording import won
from bot.nlp.loan_term import find_loan_terms
from bot.nlp.money import find_amounts

MAX_LOAN = 5_000_000_000
MAX_TERM_MONTHS = 480
MAX_CONSENT_MONTHS = 12
SCOPE_CHOICES = {"all": "전체 정보", "basic": "기본 정보(목록)만"}
_SCOPE_CHOICE = {
    "전체 정보": "all",
    "기본 정보(목록)만": "basic",
    "기본 정보": "basic",
    "전체": "all",
    "모두": "all",
    "전부": "all",
    "기본": "basic",
    "목록": "basic",
}
_SCOPE = re.compile("|".join(re.escape(word) for word in sorted(_SCOPE_CHOICE, key=len, reverse=True)))
_UNIT_WORD = re.compile(r"[만억원]")
_PURPOSE_WORDS = re.compile(r"생활|전세|사업|대환|갈아타")


def loan_amount(match_text: str, value: int) -> int:
    """In a loan, `2천` and `5백` mean 만 원 (2천만 원), as Korean borrowers say them."""
    if value < 10_000 and not _UNIT_WORD.search(match_text):
        return value * 10_000
    return value


Found = Tuple[int, int, Any]  # start, end, value


def _found(entity: Mapping[str, Any]) -> Found:
    end = entity.get("end")
    return int(entity.get("start") or 0), -1 if end is None else int(end), entity.get("value")


def _entities(entities: Sequence[Mapping[str, Any]], name: str) -> List[Found]:
    return [_found(e) for e in entities if e.get("entity") == name]


def _institutions(text: str, entities: Sequence[Mapping[str, Any]]) -> List[Found]:
    found = _entities(entities, "institution")
    if not found:
        name = load_lexicon().canonical("institution", text)
        if name:
            found = [(0, len(text), name)]
    return found


def _purposes(text: str, entities: Sequence[Mapping[str, Any]]) -> List[Found]:
    lexicon = load_lexicon()
    found = [(start, end, lexicon.canonical("loan_purpose", str(value)) or value)
             for start, end, value in _entities(entities, "loan_purpose")]
    if not found:
        name = lexicon.canonical("loan_purpose", text.strip())
        if name:
            found = [(0, len(text), name)]
    if not found:
        for form, entry in lexicon.surface_forms():
            if entry.entity == "loan_purpose" and len(form) > 1 and form in text:
                start = text.find(form)
                found.append((start, start + len(form), entry.value))
    return found


def values_in(form: str, text: str, entities: Sequence[Mapping[str, Any]]) -> List[Value]:
    """Every value the message gives for a slot of `form`, left to right."""
    text = text or ""
    found: List[Value] = []
    if form == "loan_form":
        found += [
            Value("loan_amount", loan_amount(m.text, m.value), m.start, m.end) for m in find_amounts(text)
        ]
        found += [Value("loan_term", m.months, m.start, m.end) for m in find_loan_terms(text)]
        found += [Value("loan_purpose", v, s, e) for s, e, v in _purposes(text, entities) if v]
    elif form == "connect_form":
        found += [Value("connect_institution", v, s, e) for s, e, v in _institutions(text, entities) if v]
        found += [
            Value("connect_scope", _SCOPE_CHOICE[m.group(0)], m.start(), m.end())
            for m in _SCOPE.finditer(text)
        ]
        found += [Value("connect_months", m.months, m.start, m.end) for m in find_loan_terms(text)]
    elif form == "revoke_form":
        found += [Value("revoke_institution", v, s, e) for s, e, v in _institutions(text, entities) if v]
    elif form == "transaction_search_form":
        found += [Value("search_period", period.text, s, e) for s, e, v in _entities(entities, "period")
                  if (period := DateRange.parse(v))]
    return sorted(found, key=lambda v: v.start)


def problem_with(slot: str, value: Any) -> Optional[str]:
    """Why a value cannot be taken, in Korean, or None when it can."""
    if slot == "loan_amount":
        ok = isinstance(value, int) and 0 < value <= MAX_LOAN
        return None if ok else "대출 금액은 50억 원까지 원 단위로 말씀해 주세요."
    if slot == "loan_term":
        ok = isinstance(value, int) and 0 < value <= MAX_TERM_MONTHS
        return None if ok else "상환 기간은 1개월부터 40년 사이로 말씀해 주세요."
    if slot == "loan_purpose":
        return (
            None
            if load_lexicon().canonical("loan_purpose", str(value or ""))
            else "그 용도는 아직 다루지 않아요."
        )
    if slot in ("connect_institution", "revoke_institution"):
        known = load_lexicon().canonical("institution", str(value or ""))
        return None if known else "그 금융사는 아직 지원하지 않아요."
    if slot == "connect_scope":
        return None if value in SCOPE_CHOICES else "받아올 정보를 고르지 못했어요."
    if slot == "connect_months":
        ok = isinstance(value, int) and 1 <= value <= MAX_CONSENT_MONTHS
        return None if ok else "동의 기간은 최대 1년까지예요."
    if slot == "search_period":
        return None if DateRange.parse(value) else "기간을 이해하지 못했어요."
    return None


def normalized(slot: str, value: Any) -> Any:
    if slot in ("connect_institution", "revoke_institution"):
        return load_lexicon().canonical("institution", str(value)) or value
    if slot == "loan_purpose":
        return load_lexicon().canonical("loan_purpose", str(value)) or value
    if (
        slot in ("loan_amount", "loan_term", "connect_months")
        and isinstance(value, float)
        and value.is_integer()
    ):
        return int(value)
    return value


def shown(slot: str, value: Any) -> str:
    """How a slot value reads back to the customer."""
    if slot == "loan_amount" and isinstance(value, int):
        return _man_won(value)
    if slot in ("loan_term", "connect_months") and isinstance(value, int):
        return f"{value // 12}년" if value % 12 == 0 else f"{value}개월"
    if slot == "connect_scope":
        return SCOPE_CHOICES.get(value, str(value))
    if slot == "search_period" and (period := DateRange.parse(value)):
        return f"{period.start.isoformat()}~{period.end.isoformat()}"
    return str(value)


def _man_won(amount: int) -> str:
    if amount % 10_000 == 0 and amount >= 10_000:
        return f"{amount // 10_000:,}만 원"
    return won(amount)


def shown_slots(slots: Mapping[str, Any]) -> Dict[str, str]:
    return {slot: shown(slot, value) for slot, value in slots.items() if value is not None}


LOAN_QUERY_FIELDS = {"loan_amount": "amount", "loan_term": "loan_term_months", "loan_purpose": "loan_purpose"}


def loan_change(text: str, entities: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """What a message after a loan estimate changes (`금액 2천으로 바꿀게요`, `3년 말고 5년이면?`), read as
    the loan form reads its answers (`2천` = 2천만 원), as Query fields; a value it cannot take is left
    out."""
    values = values_in("loan_form", text, entities)
    change: Dict[str, Any] = {}
    for slot, field in LOAN_QUERY_FIELDS.items():
        value = normalized(slot, pick(text, values, slot))
        if value is not None and problem_with(slot, value) is None:
            change[field] = value
    return change
