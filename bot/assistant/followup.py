"""Answers to follow-ups that need no new question: an item just shown, why spending grew,
how to raise one's own credit score, and what a follow-up without context refers to.

The items come from the frame (`bot.conversation.frame`), as the last answer listed them.
"""
from __future__ import annotations

import functools
from datetime import datetime
from typing import Mapping, Optional

from bot.advisor.format import korean_date, won
from bot.assistant.credit import NO_MODEL, score_levers
from bot.assistant.korean import josa
from bot.assistant.reply import AnswerContext, Query, Reply, button, guarded, intent_payload, join
from bot.conversation.frame import Frame
from bot.conversation.intents import intent_label
from bot.kb.faq import load_faq

NO_CONTEXT_BUTTONS = (button("이번 달 지출", "/spending_summary"), button("내 잔액", "/check_balance"),
                      button("최근 거래내역", "/search_transactions"))


@functools.lru_cache(maxsize=1)
def _tips() -> str:
    return load_faq()["credit_score_tips"].answer.strip()


def no_context_reply(change: Mapping[str, object] | None = None) -> Reply:
    """A follow-up with nothing before it: ask what it refers to, offering questions that use what it named."""
    entities = {k: v for k, v in (change or {}).items() if v is not None}
    if entities:
        named = ", ".join(v for v in entities.values() if isinstance(v, str) and not v[:1].isdigit())
        buttons = tuple(button(f"{title} ({named})" if named else title, intent_payload(intent, entities))
                        for title, intent in (("지출 요약", "spending_summary"), ("거래내역", "search_transactions"),
                                              ("잔액", "check_balance")))
    else:
        buttons = NO_CONTEXT_BUTTONS
    return Reply("어떤 내용을 말씀하시는 건지 알려주시겠어요? 아래에서 고르시거나 한 문장으로 물어봐 주세요.", buttons)


def not_understood_reply(frame: Frame) -> Reply:
    about = intent_label(frame.intent) or "방금 답변"
    return Reply(f"방금 보여드린 {about}에 대해 무엇이 궁금하신지 조금 더 자세히 말씀해 주시겠어요? "
                 "(예: '지난달은?', '두 번째 거 자세히', '제일 큰 거')")


def picked_reply(frame: Frame, index: int, ask: str) -> Reply:
    """One item of the last answer: its details, or when it happened."""
    if not 0 <= index < len(frame.items):
        return Reply(f"방금은 {len(frame.items)}개만 보여드렸어요. 몇 번째 항목인지 다시 알려주시겠어요?")
    item = frame.items[index]
    kind, name, amount = item.get("kind"), str(item.get("label") or ""), int(item.get("amount") or 0)
    if kind == "transaction":
        moment = datetime.fromisoformat(str(item["date"]))
        sign = "입금" if item.get("direction") == "in" else "결제"
        when = f"{korean_date(moment)} {moment:%H:%M}"
        if ask == "when":
            return Reply(f"{name} {josa(won(amount), '은')} {when}에 {sign}됐어요 ({item.get('where', '')}).")
        return Reply(f"{index + 1}번째 내역이에요.\n· 일시: {when}\n· 내용: {name}\n· 금액: {won(amount)} ({sign})\n"
                     f"· 계좌·카드: {item.get('where', '')}")
    if kind == "category":
        previous = item.get("previous")
        change = ""
        if isinstance(previous, int):
            diff = amount - previous
            change = (f" 직전 같은 기간 {won(previous)}보다 {won(abs(diff))} {'늘었어요' if diff > 0 else '줄었어요'}."
                      if diff else " 직전 같은 기간과 같아요.")
        follow = item.get("follow") or {}
        buttons = (button(f"{name} 내역 보기", intent_payload(follow["intent"], follow["entities"])),) if follow else ()
        return Reply(f"{name}에 쓴 돈은 {josa(won(amount), '이에요')}.{change}", buttons)
    return Reply(f"{name}: {won(amount)}")


def why_grew_reply(frame: Frame) -> Reply:
    """The categories that grew against the previous period, largest increase first, with amounts."""
    rows = [(str(i.get("label")), int(i.get("amount") or 0), i.get("previous")) for i in frame.items
            if i.get("kind") == "category" and isinstance(i.get("previous"), int)]
    if not rows:
        return Reply("비교할 직전 기간의 지출이 없어서 무엇이 늘었는지 말씀드리기 어려워요.")
    grew = sorted(((name, now, before) for name, now, before in rows if now > before),
                  key=lambda r: r[2] - r[1])
    if not grew:
        return Reply("직전 같은 기간보다 늘어난 분야는 없어요. 방금 보여드린 분야는 모두 같거나 줄었어요.")
    lines = [f"· {name}: {won(before)} → {won(now)} (+{won(now - before)})" for name, now, before in grew]
    return Reply(join("직전 같은 기간보다 이 분야에서 더 쓰셨어요.", lines),
                 (button("돈 모으는 방법", "/financial_advice"),))


@guarded
def raise_score_reply(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """"어떻게 하면 올릴 수 있어?" after a score: the changes our model itself says raise this customer's
    score most (`score_levers`); the general tips (FAQ) when there is no model."""
    reply = score_levers(ctx, query, page=page)
    return Reply(join(NO_MODEL, _tips())) if reply.text == NO_MODEL else reply


def explained(frame: Frame, kind: str, ctx: AnswerContext) -> Optional[Reply]:
    if kind == "why_grew":
        return why_grew_reply(frame)
    if kind == "raise_score":
        return raise_score_reply(ctx)
    return None
