"""Two questions in one message ("잔액이랑 이번 달 지출 알려줘"): each topic word names a question of
its own; when exactly two different ones are joined by 이랑/하고/그리고, each is answered.

Conservative on purpose: only the topic words below count, and values of one entity ("보험이랑 대출",
"신한이랑 우리") are not topics but the several values one question is asked for
(`bot.assistant.multi`). Product words (대출, 보험, 주식) are topics only after a clause of their own
("대출 얼마 남았고 보험료는 얼마야"): joined by 이랑/하고 alone they stay one question's values. Anything
else is one question, as before.
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
    (re.compile(r"대출"), "loan_status"),
    (re.compile(r"보험"), "insurance_summary"),
    (re.compile(r"주식|투자"), "investment_summary"),
)
PRODUCT_TOPICS = frozenset({"loan_status", "insurance_summary", "investment_summary"})
_JOIN = re.compile(r"^\s*(?:이랑|랑|하고|과|와|,|그리고|및|(?:알려|보여)\s?주고|\s)+")
# The first question's own clause, ended by a connective 고 ("얼마 남았고", "금리 어떻고"), and then
# nothing but a period the second question is asked for ("얼마고 이번 달 지출은?").
_CLAUSE = re.compile(r"^(?:\s*\S+){0,3}?\S*(?:고|구)\s*,?(?:\s+그리고)?\s+")
# A clause that asks ("얼마 남았고"), not one that plans ("대출 받고", "보험 해지하고": advice, one question).
_ASKS = re.compile(r"얼마|몇|어떻|어때|뭐|무슨|남았|남은|나가|나오|나왔|있고|알려\s?주|보여\s?주")
_PERIOD_WORDS = re.compile(
    r"(?:(?:이번|지난|저번|지지난)\s?(?:달|주|해|분기)|이달|올해|작년|오늘|어제|요즘|최근|\d{1,2}월|\d{4}년|\s)*"
)


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
    between = text[first_end:second_start]
    join = _JOIN.match(between)
    clause = _CLAUSE.match(between)
    if join is not None and join.group().strip() and not {first, second} & PRODUCT_TOPICS:
        split = first_end + join.end()
    elif clause is not None and _ASKS.search(clause.group()) and not _JOIN.fullmatch(between) \
            and _PERIOD_WORDS.fullmatch(between[clause.end():]):
        split = first_end + clause.end()
    else:
        return None

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
