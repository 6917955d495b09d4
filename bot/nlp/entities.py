"""Entities as Rasa expects them (`entity`, `value`, `start`, `end`), without Rasa.

Lexicon words come from the spaCy EntityRuler; amounts, periods and loan
terms from the normalizers, already as values a query can use: amount in
integer won, period as `YYYY-MM-DD/YYYY-MM-DD` (Asia/Seoul, inclusive), loan
term in months.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

from bot.nlp.loan_term import find_loan_terms
from bot.nlp.money import find_amounts
from bot.nlp.period import find_periods
from bot.nlp.spacy_ko import default_matcher

PRODUCT_INTENTS = {"recommend_product"}
BOTH_READINGS_INTENTS = {"inform", None}
AMBIGUOUS_TYPES = ("account_type", "product_type")

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


def extract_lexicon_entities(text: str, intent: Optional[str] = None) -> List[Entity]:
    matches = default_matcher().match(text)
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


def extract_value_entities(text: str, today: Optional[dt.date] = None) -> List[Entity]:
    found: List[Entity] = []
    for m in find_periods(text, today=today):
        found.append(
            _entity(
                "period",
                f"{m.start_date.isoformat()}/{m.end_date.isoformat()}",
                m.start,
                m.end,
                start_date=m.start_date.isoformat(),
                end_date=m.end_date.isoformat(),
                grain=m.grain,
            )
        )
    for m in find_amounts(text):
        if not any(_overlaps(f, m.start, m.end) for f in found):
            found.append(_entity("amount", m.value, m.start, m.end))
    for m in find_loan_terms(text):
        if not any(_overlaps(f, m.start, m.end) for f in found):
            found.append(_entity("loan_term", m.months, m.start, m.end))
    return sorted(found, key=lambda e: e["start"])
