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
from bot.korean.wording import josa, won

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


def replies_per_value(handler, ctx: AnswerContext, query: Query, name: str, values: Sequence[str]
                      ) -> list[tuple[str, Reply]]:
    """`handler(ctx, query, page=0)` with `name` set to each value in turn."""
    replies = []
    for value in values:
        change: dict[str, Any] = {name: value}  # `name` is one of Query's fields
        replies.append((value, handler(ctx, replace(query, **change), page=0)))
    return replies


def answer_each(
    handler, intent: str, ctx: AnswerContext, query: Query, name: str, values: Sequence[str]
) -> Reply:
    """`handler(ctx, query, page=0)` once per value of `name`, joined into one reply."""
    replies = replies_per_value(handler, ctx, query, name, values)
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


def total_of_each(
    handler, intent: str, ctx: AnswerContext, query: Query, name: str, values: Sequence[str]
) -> Reply:
    """"둘 합치면?" after an answer for several values: the total of those that have an amount, and
    which were left out (not linked, no data), or why the answers do not add up."""
    replies = replies_per_value(handler, ctx, query, name, values)
    answered = [(value, reply.total) for value, reply in replies if reply.total is not None]
    left_out = [value for value, reply in replies if reply.total is None]
    if intent not in SUMMABLE or not _same_measure(name, values):
        return Reply(f"{josa(', '.join(values), '은')} 서로 다른 것을 재는 값이라 하나로 합치지 않았어요. "
                     "각각의 값은 바로 앞 답변에 있어요.")
    measure = SUMMABLE[intent]
    note = (f"{josa(', '.join(left_out), '은')} 확인되는 금액이 없어(연결되지 않았거나 내역이 없어요) 빼고 "
            "계산했어요." if left_out else None)
    if len(answered) >= 2:
        names = ", ".join(v for v, _ in answered)
        head = f"{names} {measure} 합계는 {won(sum(t for _, t in answered))}이에요."
    elif answered:
        value, amount = answered[0]
        head = f"합칠 수 있는 건 {value} {measure} {won(amount)} 하나예요."
    else:
        head = f"말씀하신 {len(values)}가지 모두 확인되는 {measure} 금액이 없어요."
    return Reply(join(head, note), total=sum(t for _, t in answered) if answered else None)
