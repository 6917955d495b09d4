"""Answers to follow-ups that need no new question: an item just shown, why spending grew,
why it fell, how to raise one's own credit score, the total of several values just answered, and what
a follow-up without context refers to.

The items come from the frame (`bot.conversation.frame`), as the last answer listed them.
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any, Mapping, Optional

from bot.assistant import INTENT_HANDLERS
from bot.assistant.common import Scope, reading
from bot.assistant.credit import NO_MODEL, score_levers
from bot.assistant.multi import total_of_each
from bot.assistant.reply import PAGE_SIZE, AnswerContext, Query, Reply, button, guarded, intent_payload, join
from bot.assistant.spending import month_so_far, period_words, previous_period
from bot.conversation.frame import EACH, Frame, several_values
from bot.kb.faq import load_faq
from bot.kb.intents import intent_label
from bot.korean.wording import josa, korean_date, won
from bot.mydata.analytics.spending import spending

LOAN_WORDS = frozenset({"loan_term_months", "loan_purpose"})
NO_CONTEXT_BUTTONS = (button("이번 달 지출", "/spending_summary"), button("내 잔액", "/check_balance"),
                      button("최근 거래내역", "/search_transactions"))


@functools.lru_cache(maxsize=1)
def _tips() -> str:
    return load_faq()["credit_score_tips"].answer.strip()


def no_context_reply(change: Mapping[str, object] | None = None) -> Reply:
    """A follow-up with nothing before it: ask what it refers to, offering questions that use what it
    named."""
    entities = {k: v for k, v in (change or {}).items() if v is not None}
    buttons: tuple[dict, ...]
    if entities.keys() & LOAN_WORDS:  # `천만원 2년 생활비로`: a loan's amount, term or purpose
        loan = {k: v for k, v in entities.items() if k in LOAN_WORDS | {"amount"}}
        buttons = (button("대출 가능 여부 알아보기", intent_payload("loan_eligibility", loan)),
                   button("대출 상품 추천", intent_payload("recommend_product", {"product_type": "대출"})))
    elif entities:
        named = ", ".join(v for v in entities.values() if isinstance(v, str) and not v[:1].isdigit())
        buttons = tuple(
            button(f"{title} ({named})" if named else title, intent_payload(intent, entities))
            for title, intent in (
                ("지출 요약", "spending_summary"),
                ("거래내역", "search_transactions"),
                ("잔액", "check_balance"),
            )
        )
    else:
        buttons = NO_CONTEXT_BUTTONS
    return Reply(
        "어떤 내용을 말씀하시는 건지 알려주시겠어요? 아래에서 고르시거나 한 문장으로 물어봐 주세요.", buttons
    )


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
        return Reply(
            f"{index + 1}번째 내역이에요.\n· 일시: {when}\n· 내용: {name}\n· 금액: {won(amount)} ({sign})\n"
            f"· 계좌·카드: {item.get('where', '')}"
        )
    if kind == "category":
        previous = item.get("previous")
        change = ""
        if isinstance(previous, int):
            diff = amount - previous
            change = (
                f" 직전 같은 기간 {won(previous)}보다 {won(abs(diff))} "
                f"{'늘었어요' if diff > 0 else '줄었어요'}."
                if diff
                else " 직전 같은 기간과 같아요."
            )
        follow = item.get("follow") or {}
        buttons = (
            (button(f"{name} 내역 보기", intent_payload(follow["intent"], follow["entities"])),)
            if follow
            else ()
        )
        return Reply(f"{name}에 쓴 돈은 {josa(won(amount), '이에요')}.{change}", buttons)
    if kind == "recurring":
        upcoming, day = korean_date(date.fromisoformat(str(item["next"]))), item.get("day")
        if ask == "when":
            return Reply(f"{josa(name, '은')} 매달 {day}일쯤 나가요. 다음 예정일은 {upcoming}이에요.")
        return Reply(f"{index + 1}번째 정기 결제예요.\n· 내용: {name}\n· 금액: 월 평균 {won(amount)}\n"
                     f"· 나가는 날: 매달 {day}일쯤, 다음 예정 {upcoming}\n"
                     f"· 계좌·카드: {item.get('where', '')}")
    return Reply(f"{name}: {won(amount)}")


def category_changes(ctx: AnswerContext, query: Query) -> tuple[str, int, int, list[tuple[str, int, int]]]:
    """The period's words, its total, the previous period's total, and (category, now, before) for every
    category spent on in either period: a category that dropped to nothing counts too."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        today = scope.now.date()
        period = query.period or month_so_far(today)
        now = spending(session, ctx.customer_id, period.start, period.end, category=query.category,
                                 now=scope.now)
        previous = previous_period(period)
        before = spending(session, ctx.customer_id, previous.start, previous.end, category=query.category,
                                    now=scope.now)
    now_by = {c.category: c.amount for c in now.by_category}
    before_by = {c.category: c.amount for c in before.by_category}
    rows = [(name, now_by.get(name, 0), before_by.get(name, 0)) for name in {**before_by, **now_by}]
    return period_words(period, today), now.total, before.total, rows


def extreme_reply(item: Mapping[str, Any], largest: bool, ask: str) -> Reply:
    """The largest (smallest) transaction of a whole search result, or when it happened."""
    moment = datetime.fromisoformat(str(item["date"]))
    when = f"{korean_date(moment)} {moment:%H:%M}"
    sign = "입금" if item.get("direction") == "in" else "결제"
    which = f"{'가장 큰' if largest else '가장 작은'} {sign}"
    name, amount, where = (
        str(item.get("label") or ""),
        won(int(item.get("amount") or 0)),
        item.get("where", ""),
    )
    if ask == "when":
        return Reply(f"{josa(which, '은')} {name} {amount}이고, {when}에 {sign}됐어요 ({where}).")
    return Reply(
        f"찾으신 내역 중 {josa(which, '은')} {name} {josa(amount, '이에요')}.\n· 일시: {when}\n· 계좌·카드: "
        f"{where}"
    )


@guarded
def why_changed_reply(ctx: AnswerContext, frame: Frame, grew: bool) -> Reply:
    """`왜 늘었어?` / `왜 줄었어?` after a spending summary: the categories that moved that way against the
    previous period of the same length, biggest change first, over all categories (not only those shown)."""
    when, total, before_total, rows = category_changes(ctx, Query.from_entities(frame.entities))
    if not before_total:
        return Reply("비교할 직전 기간의 지출이 없어서 무엇이 달라졌는지 말씀드리기 어려워요.")
    moved = sorted(((n, now, before) for n, now, before in rows if (now > before if grew else now < before)),
                   key=lambda r: abs(r[1] - r[2]), reverse=True)
    way = "늘었어요" if total > before_total else "줄었어요" if total < before_total else "같아요"
    head = (f"{when} 지출은 직전 같은 기간보다 {won(abs(total - before_total))} {way}."
            if total != before_total else f"{when} 지출은 직전 같은 기간과 같아요.")
    if not moved:
        return Reply(join(head, f"직전 같은 기간보다 {'늘어난' if grew else '줄어든'} 분야는 없어요."))
    lines = [f"· {name}: {won(before)} → {won(now)} ({'+' if now > before else '-'}{won(abs(now - before))})"
             for name, now, before in moved[:PAGE_SIZE]]
    lead = f"{'가장 많이 늘어난' if grew else '가장 많이 줄어든'} 분야는 {josa(moved[0][0], '이에요')}."
    return Reply(join(head, lead, lines), (button("돈 모으는 방법", "/financial_advice"),))


@guarded
def raise_score_reply(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """"어떻게 하면 올릴 수 있어?" after a score: the changes our model itself says raise this customer's
    score most (`score_levers`); the general tips (FAQ) when there is no model."""
    reply = score_levers(ctx, query, page=page)
    return Reply(join(NO_MODEL, _tips())) if reply.text == NO_MODEL else reply


def explained(frame: Frame, kind: str, ctx: AnswerContext) -> Optional[Reply]:
    if kind in ("why_grew", "why_fell"):
        return why_changed_reply(ctx, frame, kind == "why_grew")
    if kind == "raise_score":
        return raise_score_reply(ctx)
    if kind == "total":
        return total_reply(frame, ctx)
    if kind == "price_change":
        return price_change_reply(frame)
    return None


PRICE_CHANGE_SHARE = 0.05  # a last payment this far from the average is a changed price, not rounding


def price_change_reply(frame: Frame) -> Reply:
    """`요금 올랐어?` after the regular payments: each shown payment whose last amount moved away from
    its average, up or down; or that none did."""
    lines = []
    for item in frame.items:
        average, last = int(item.get("amount") or 0), item.get("last")
        if not isinstance(last, int) or not average or abs(last - average) < average * PRICE_CHANGE_SHARE:
            continue
        way = "올랐어요" if last > average else "내렸어요"
        moved = won(abs(last - average))
        lines.append(f"· {item.get('label')}: 최근 {won(last)}, 평균 {won(average)}보다 {moved} {way}")
    if not lines:
        return Reply("방금 보여드린 정기 결제는 최근 금액이 평소와 같아요. 요금이 바뀐 건 없어요.")
    return Reply(join("최근 결제 금액이 평소(최근 6개월 평균)와 달라진 정기 결제예요.", lines))


def total_reply(frame: Frame, ctx: AnswerContext) -> Optional[Reply]:
    """The total of the several values the last answer was for, asked again for the same query."""
    several, handler = several_values(frame.entities), INTENT_HANDLERS.get(frame.intent)
    if handler is None or several is None:
        return None
    query = Query.from_entities({k: v for k, v in frame.entities.items() if k != EACH})
    return total_of_each(handler, frame.intent, ctx, query, *several)
