"""One question about several named values ("신한이랑 우리 잔액", "배민이랑 쿠팡이츠"): an answer
for each value, in the order named, and a total where the answers measure the same thing.

A value that cannot be answered (not linked, no data) gets its own reply (the answer function's
"not linked" or "no data" text), so the customer sees which value had nothing.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Sequence

from bot.assistant.reply import AnswerContext, Query, Reply, join
from bot.kb.lexicon import load_lexicon
from bot.korean.wording import won

# Answers whose `total` adds up across values (money held, money spent); an institution's kind
# or an account type decides which measure an answer reports, so mixed kinds get no total.
SUMMABLE = {"check_balance": "잔액", "search_transactions": "쓴 돈", "spending_summary": "지출",
            "card_bill": "카드값"}
DEPOSIT_TYPES = frozenset({"입출금", "예금", "적금"})
MAX_BUTTONS = 6


def _same_measure(name: str, values: Sequence[str]) -> bool:
    if name == "institution":
        lexicon = load_lexicon()
        return len({found.kind if (found := lexicon.institution(v)) else None for v in values}) == 1
    if name == "account_type":
        return set(values) <= DEPOSIT_TYPES
    return True


def answer_each(
    handler, intent: str, ctx: AnswerContext, query: Query, name: str, values: Sequence[str]
) -> Reply:
    """`handler(ctx, query, page=0)` once per value of `name`, joined into one reply."""
    replies = []
    for value in values:
        change: dict[str, Any] = {name: value}  # `name` is one of Query's fields
        replies.append((value, handler(ctx, replace(query, **change), page=0)))
    sections = [f"[{value}]\n{reply.text}" for value, reply in replies]
    answered = [(value, reply.total) for value, reply in replies if reply.total is not None]
    summary = None
    if intent in SUMMABLE and len(answered) >= 2 and _same_measure(name, [v for v, _ in answered]):
        names = ", ".join(v for v, _ in answered)
        summary = f"{names} {SUMMABLE[intent]} 합계: {won(sum(t for _, t in answered))}"
    buttons: dict[str, dict] = {}
    for _, reply in replies:
        for b in reply.buttons:
            buttons.setdefault(b["payload"], b)
    items = tuple({**item, "value": value} for value, reply in replies for item in reply.items)
    head = f"말씀하신 {len(values)}가지({', '.join(values)})를 각각 알려드릴게요."
    return Reply(join(head, *sections, summary), tuple(buttons.values())[:MAX_BUTTONS], items=items,
                 total=sum(t for _, t in answered) if summary else None)
