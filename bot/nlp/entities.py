"""Entities as Rasa expects them (`entity`, `value`, `start`, `end`), without Rasa.

Lexicon words come from the spaCy EntityRuler; amounts, periods and loan
terms from the normalizers, already as values a query can use: amount in
integer won, period as `YYYY-MM-DD/YYYY-MM-DD` (Asia/Seoul, inclusive), loan
term in months.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Dict, List, Optional, Tuple

from bot.kb.lexicon import load_lexicon
from bot.nlp.loan_term import find_loan_terms
from bot.nlp.money import find_amounts
from bot.nlp.nicknames import resolve_institutions
from bot.nlp.period import find_impossible_periods, find_periods
from bot.nlp.spacy_ko import LexiconMatch, default_matcher

# A word that is both an account type and a product type (적금, 카드, 대출…)
# is a product when the user shops for one (or answers a form's question
# about one), the customer's own holding otherwise; with no intent, both.
PRODUCT_INTENTS = {"recommend_product", "loan_eligibility", "inform"}
BOTH_READINGS_INTENTS = {None}
AMBIGUOUS_TYPES = ("account_type", "product_type")
# Small talk and chat outside banking carry no banking entities: `오늘` in
# `오늘은 여기까지` is no query period, `여행` in `여행 코스 짜줘` no spending.
NO_ENTITY_INTENTS = {"greet", "goodbye", "thank", "bot_challenge", "help", "out_of_scope"}
# Only a loan question or a form answer (`네 3년이요`) has a loan term;
# elsewhere `1년` is a deposit's term (`1년짜리 정기예금`) or a plain
# duration (`1년 지나면`).
LOAN_TERM_INTENTS = {"loan_eligibility", "inform", "affirm", "deny", None}
# A loan question or an answer to the loan form counts a bare `2천` in 만 원
# (bot.nlp.money); elsewhere a salary or loan word in the text decides.
MAN_UNIT_INTENTS = {"loan_eligibility", "inform", "correct"}

Entity = Dict[str, Any]


def _entity(entity: str, value: Any, start: int, end: int, **info: Any) -> Entity:
    found = {"entity": entity, "value": value, "start": start, "end": end, "confidence_entity": 1.0}
    if info:
        found["additional_info"] = info
    return found


def _reading_for(intent: Optional[str]) -> Optional[str]:
    """Which label a word listed as both account and product type takes."""
    if intent in BOTH_READINGS_INTENTS:
        return None
    return "product_type" if intent in PRODUCT_INTENTS else "account_type"


@functools.lru_cache(maxsize=512)
def _lexicon_matches(text: str) -> Tuple[LexiconMatch, ...]:
    """The matcher's finds, cached: the intent classifier and the extractor
    both ask about the same message."""
    return tuple(default_matcher().match(text))


def extract_lexicon_entities(text: str, intent: Optional[str] = None) -> List[Entity]:
    if intent in NO_ENTITY_INTENTS:
        return []
    matches = resolve_institutions(text, _lexicon_matches(text), intent, load_lexicon())
    spans_with_both = {
        (m.start, m.end)
        for m in matches
        if m.entity == AMBIGUOUS_TYPES[0]
        and any((o.start, o.end, o.entity) == (m.start, m.end, AMBIGUOUS_TYPES[1]) for o in matches)
    }
    wanted = _reading_for(intent)
    return [
        _entity(m.entity, m.value, m.start, m.end)
        for m in matches
        if wanted is None or (m.start, m.end) not in spans_with_both or m.entity == wanted
    ]


def _overlaps(a: Entity, start: int, end: int) -> bool:
    return a["start"] < end and start < a["end"]


def extract_value_entities(
    text: str, today: Optional[dt.date] = None, intent: Optional[str] = None
) -> List[Entity]:
    """Periods, amounts and loan terms; `intent` (when known) drops them for
    small talk and keeps loan terms to loan questions and form answers.

    A date that does not exist (`2월 30일`, `2099년 13월`) is a `period`
    whose value is `{"invalid": <the words>, "reason": "month" | "day" |
    "quarter" | "count" | "range"}` instead of `"start/end"`, so the answer
    can say so rather than fall back to this month."""
    if intent in NO_ENTITY_INTENTS:
        return []
    found: List[Entity] = []
    for m in find_periods(text, today=today):
        found.append(
            _entity(
                "period",
                m.dates.text,
                m.start,
                m.end,
                start_date=m.start_date.isoformat(),
                end_date=m.end_date.isoformat(),
                grain=m.grain,
            )
        )
    for bad in find_impossible_periods(text, today=today):
        found.append(
            _entity("period", {"invalid": bad.text, "reason": bad.reason}, bad.start, bad.end,
                    invalid=True, reason=bad.reason)
        )
    man_units = True if intent in MAN_UNIT_INTENTS else None
    for amount in find_amounts(text, man_units=man_units):
        if not any(_overlaps(f, amount.start, amount.end) for f in found):
            found.append(_entity("amount", amount.value, amount.start, amount.end))
    for term in find_loan_terms(text) if intent in LOAN_TERM_INTENTS else ():
        if not any(_overlaps(f, term.start, term.end) for f in found):
            found.append(_entity("loan_term", term.months, term.start, term.end))
    return sorted(found, key=lambda e: e["start"])


# One symbol per entity type, for `entity_placeholders`.
PLACEHOLDERS = {
    "amount": "①", "period": "②", "institution": "③", "merchant": "④", "category": "⑤",
    "account_type": "⑥", "product_type": "⑥", "loan_purpose": "⑦", "loan_term": "⑧",
}


def entity_placeholders(text: str) -> str:
    """`text` with every entity replaced by its type's symbol: `최근 3개월 10만
    원 넘게 쓴 내역` -> `② ① 넘게 쓴 내역`. The intent classifier reads this
    beside the text, so that what surrounds an amount (`①이요` vs `① 넘게 쓴
    내역`) counts, not which amount it is."""
    found = extract_lexicon_entities(text) + extract_value_entities(text)
    out, position = [], 0
    for e in sorted(found, key=lambda e: (e["start"], e["start"] - e["end"])):
        if e["start"] < position:
            continue
        out.append(text[position:e["start"]] + PLACEHOLDERS.get(e["entity"], ""))
        position = e["end"]
    return "".join(out) + text[position:]
