"""Two questions in one message ("잔액이랑 이번 달 지출 알려줘"): each topic word names a question of
its own; when exactly two different ones are joined by 이랑/하고/그리고, each is answered.

Conservative on purpose: only the topic words below count, and values of one entity ("보험이랑 대출",
"신한이랑 우리") are not topics but the several values one question is asked for
(`bot.assistant.multi`). Anything else is one question, as before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence

TOPICS = (
    (re.compile(r"잔액|잔고"), "check_balance"),
    (re.compile(r"지출|쓴\s?돈|소비"), "spending_summary"),
    (re.compile(r"카드\s?값|카드\s?대금"), "card_bill"),
    (re.compile(r"신용\s?점수|신용\s?등급"), "credit_score"),
    (re.compile(r"수입|월급|소득"), "income_summary"),
    (re.compile(r"정기\s?결제|고정\s?지출|구독료"), "recurring_payments"),
    (re.compile(r"순자산|총자산"), "total_assets"),
)
_JOIN = re.compile(r"^\s*(?:이랑|랑|하고|과|와|,|그리고|및|(?:알려|보여)\s?주고|\s)+")


@dataclass(frozen=True)
class Question:
    intent: str
    text: str
    entities: Sequence[Mapping[str, Any]]  # offsets within `text`


def _topics(text: str) -> List[tuple[int, int, str]]:
    """Topic words in order; a word inside a longer one (지출 in 고정지출) is the longer one's."""
    found = sorted(((m.start(), m.end(), intent) for pattern, intent in TOPICS
                    for m in pattern.finditer(text)), key=lambda t: (t[0], t[0] - t[1]))
    kept: List[tuple[int, int, str]] = []
    for topic in found:
        if not kept or topic[0] >= kept[-1][1]:
            kept.append(topic)
    return kept


def two_questions(text: str, entities: Sequence[Mapping[str, Any]] = ()) -> Optional[List[Question]]:
    """The two questions of `text`, each with its own words and entities, or None when it is one.

    The split falls right after the first topic's joining word. A period said before the first topic
    (`이번 달 지출이랑 수입`) belongs to both; any other word before it only to the first."""
    topics = _topics(text)
    if len(topics) != 2 or topics[0][2] == topics[1][2]:
        return None
    (first_start, first_end, first), (second_start, _, second) = topics
    join = _JOIN.match(text[first_end:second_start])
    if join is None or not join.group().strip():
        return None
    split = first_end + join.end()

    def within(lo: int, hi: int) -> List[Mapping[str, Any]]:
        return [e for e in entities if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
                and lo <= e["start"] and e["end"] <= hi]

    shared_text, shared = "", []
    for e in within(0, first_start):
        if e.get("entity") == "period":
            shared.append({**e, "start": len(shared_text), "end": len(shared_text) + e["end"] - e["start"]})
            shared_text += text[e["start"]:e["end"]] + " "
    shift = split - len(shared_text)
    own = [{**e, "start": e["start"] - shift, "end": e["end"] - shift} for e in within(split, len(text))]
    return [Question(first, text[:split], within(0, split)),
            Question(second, shared_text + text[split:], shared + own)]
