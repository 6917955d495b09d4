"""Transactions, spending by category, income and recurring payments.

Transaction search amount rules (`amount_range`), read from the customer's own words:
- `초과`, `넘게`, `넘는`, `넘은`, `보다 많`/`보다 큰` → more than the amount (min = amount + 1);
- `이상` → at least the amount (min = amount);
- `미만`, `안 되는`/`안되는`, `안 넘는`, `보다 적`/`보다 작` → less than the amount (max = amount − 1);
- `이하` → at most the amount (max = amount);
- none of these → about the amount: ±10% (min = ⌊0.9 × amount⌋, max = ⌈1.1 × amount⌉).
Negations are checked first, so "5만 원 안 넘는" is a maximum. Direction: `입금`, `들어온`,
`받은` → money in; `출금`, `쓴`, `결제`, `나간`, `지출` → money out; otherwise both are listed
(with separate counts and totals); a merchant or category means money out. Default period: the
last 90 days up to today. A check-card purchase is listed once (the card approval), not again as
the debit it leaves on the linked account. Cancelled approvals are left out.

Spending change: compared with the previous period of the same length, calendar-aligned when the
period starts on the 1st of a month (June 1-18 → May 1-18; all of May → all of April), otherwise
the same number of days just before.
"""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Optional

from bot.assistant.adapters import all_transactions
from bot.assistant.cash_flow import cash_flow_of
from bot.assistant.common import Scope, no_kind_reply, notes, reading
from bot.assistant.reply import (
    PAGE_SIZE,
    AnswerContext,
    Query,
    Reply,
    button,
    guarded,
    intent_payload,
    join,
    more_button,
    page_of,
    period_entities,
)
from bot.korean.calendar import DateRange, add_months, first_of_month, month_key
from bot.korean.wording import josa, korean_date, percent, won
from bot.mydata.analytics import recurring
from bot.mydata.analytics.income import income
from bot.mydata.analytics.linked import linked_assets
from bot.mydata.analytics.spending import spending

DEFAULT_SEARCH_DAYS = 90
ONE_OFFS_NAMED = 3  # one-off payers named in the income answer; more are counted
EARLY_MONTH_DAYS = 3  # "이번 달" this early says the month has just begun, beside last month's total
MORE_THAN = ("초과", "넘게", "넘는", "넘은", "보다 많", "보다많", "보다 큰", "보다큰")
AT_LEAST = ("이상",)
LESS_THAN = ("미만", "안 되는", "안되는", "안 넘는", "안넘는", "보다 적", "보다적", "보다 작", "보다작")
AT_MOST = ("이하",)
IN_WORDS = ("입금", "들어온", "들어왔", "받은")
OUT_WORDS = ("출금", "쓴 ", "쓴거", "쓴 거", "썼", "결제", "나간", "지출")
INCOME_KIND_WORDS = {
    "salary": "급여",
    "pension": "연금",
    "business": "사업 수입",
    "regular_transfer": "정기 입금",
    "other": "기타 입금",
}


def amount_range(amount: Optional[int], text: str = "") -> tuple[Optional[int], Optional[int]]:
    """(min_amount, max_amount) for an amount the customer said, by the words around it."""
    if amount is None:
        return None, None
    amount = int(amount)
    if any(w in text for w in LESS_THAN):
        return None, max(amount - 1, 0)
    if any(w in text for w in AT_MOST):
        return None, amount
    if any(w in text for w in MORE_THAN):
        return amount + 1, None
    if any(w in text for w in AT_LEAST):
        return amount, None
    return math.floor(amount * 0.9), math.ceil(amount * 1.1)


def direction_of(text: str) -> Optional[str]:
    padded = f"{text} "
    if any(w in padded for w in IN_WORDS):
        return "in"
    if any(w in padded for w in OUT_WORDS):
        return "out"
    return None


def period_words(period: DateRange, today: date) -> str:
    start, end = period
    with_year = start.year != today.year or end.year != today.year
    if start == end:
        return korean_date(start, with_year=with_year)
    return f"{korean_date(start, with_year=with_year)}~{korean_date(end, with_year=with_year)}"


def previous_period(period: DateRange) -> DateRange:
    """The period of the same length just before (calendar-aligned for month periods)."""
    start, end = period
    if start.day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        prev_start = add_months(start, -months)
        prev_end = add_months(end, -months)
        if (end + timedelta(days=1)).day == 1:  # the period ends on a month's last day
            prev_end = first_of_month(add_months(prev_start, months)) - timedelta(days=1)
        return DateRange(prev_start, min(prev_end, start - timedelta(days=1)))
    return DateRange(start - timedelta(days=period.days), start - timedelta(days=1))


def month_so_far(today: date) -> DateRange:
    """The default period of spending questions: this month up to today."""
    return DateRange(first_of_month(today), today)


def _change(now: int, before: int) -> str:
    diff = now - before
    if diff == 0:
        return "같아요"
    pct = percent(Decimal(abs(diff)) * 100 / before, 0)
    return f"{won(abs(diff))}({pct}) {'늘었어요' if diff > 0 else '줄었어요'}"


def without_check_card_debits(items: list) -> list:
    """Drops the bank debit a check-card purchase leaves on its linked account (same day, amount
    and merchant text as a card approval): the purchase is listed once, as the card approval."""
    card = {(i.occurred_at.date(), i.amount, i.description) for i in items
            if i.source == "card" and i.status == "approved"}
    return [i for i in items if not (i.source == "bank" and i.direction == "out"
                                     and (i.occurred_at.date(), i.amount, i.description) in card)]


def _matching(session, ctx: AnswerContext, scope: Scope, query: Query):
    """Every transaction the search for `query` finds, newest first, with its period and amount range."""
    today = scope.now.date()
    period = query.period or DateRange(today - timedelta(days=DEFAULT_SEARCH_DAYS - 1), today)
    low, high = amount_range(query.amount, query.text)
    direction = direction_of(query.text)
    if direction is None and (query.merchant or query.category):
        direction = "out"
    found = all_transactions(
        session,
        ctx.customer_id,
        period,
        scope.now,
        merchant=query.merchant,
        category=query.category,
        min_amount=low,
        max_amount=high,
        org_code=scope.org_code,
        direction=direction,
    )
    items = sorted(without_check_card_debits(found), key=lambda i: i.occurred_at, reverse=True)
    if card_only(query):
        items = [i for i in items if i.source == "card"]
    return items, period, low, high


def card_only(query: Query) -> bool:
    """`카드로 얼마 썼어`, `카드로 5만원 넘게`: the card payments only, not the bank account's transfers."""
    return "카드" in (query.product_type or "") or "카드" in (query.account_type or "")


def _listed(item) -> dict:
    return {
        "kind": "transaction",
        "label": item.description,
        "amount": item.amount,
        "direction": item.direction,
        "date": item.occurred_at.isoformat(),
        "where": f"{item.institution} {item.number_masked}".strip(),
    }


def extreme_transaction(ctx: AnswerContext, query: Query, largest: bool = True) -> Optional[dict]:
    """The largest (or smallest) payment of the whole result of a search, not only of the page shown;
    among money in when the result has no payment. None when nothing matches."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if scope.problem() is not None:
            return None
        items = _matching(session, ctx, scope, query)[0]
    pool = [i for i in items if i.direction == "out"] or items
    if not pool:
        return None
    chosen = (max if largest else min)(pool, key=lambda i: (i.amount, i.occurred_at))
    return _listed(chosen)


@guarded
def search_transactions(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Transactions by period, merchant, category, amount range and institution, newest first."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        today = scope.now.date()
        items, period, low, high = _matching(session, ctx, scope, query)
        freshness = linked_assets(session, ctx.customer_id, now=scope.now).freshness
    subject = " ".join(
        w
        for w in (scope.institution or ("카드" if card_only(query) else None), query.merchant, query.category)
        if w
    )
    if low is not None or high is not None:
        subject += (" " if subject else "") + (
            f"{won(low)}~{won(high)}" if low is not None and high is not None
            else f"{won(low)} 이상" if low is not None else f"{won(high)} 이하")
    when = period_words(period, today)
    footnotes = notes(
        freshness, ctx, orgs=[scope.org_code] if scope.org_code else None, kinds=("bank", "card")
    )
    if not items:
        return Reply(join(f"{when} {subject + ' ' if subject else ''}거래 내역이 없어요.", footnotes),
                     (button("이번 달 지출 요약 보기", "/spending_summary"),))
    parts = []
    for d, word in (("out", "출금·결제"), ("in", "입금")):
        matched = [i for i in items if i.direction == d]
        if matched:
            parts.append(f"{word} {len(matched)}건 합계 {won(sum(i.amount for i in matched))}")
    head = f"{when} {subject + ' ' if subject else ''}내역은 {', '.join(parts)}이에요."
    shown, more = page_of(items, page)
    lines = []
    for item in shown:
        sign = "+" if item.direction == "in" else ""
        where = f"{item.institution} {item.number_masked}".strip()
        lines.append(
            f"· {korean_date(item.occurred_at)} {item.description} {sign}{won(item.amount)} · {where}"
        )
    if page:
        head = (
            f"이어서 {page * PAGE_SIZE + 1}~{page * PAGE_SIZE + len(shown)}번째 내역이에요 (전체 "
            f"{len(items)}건)."
        )
    buttons = [more_button("search_transactions", query, page)] if more else []
    listed = tuple(_listed(i) for i in shown)
    if query.category or query.merchant:
        buttons.append(button("지출 요약 보기", intent_payload("spending_summary", period_entities(period))))
    spent = sum(i.amount for i in items if i.direction == "out")
    return Reply(join(head, lines, footnotes), tuple(buttons), items=listed, total=spent)


def month_just_begun(period: DateRange, today: date, little_spending: bool) -> bool:
    """The period is this month so far, and the month is only a few days old or has almost no
    spending yet."""
    this_month = period.start == first_of_month(today) and period.end >= today
    return this_month and (today.day <= EARLY_MONTH_DAYS or little_spending)


@guarded
def spending_summary(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Spending by category for the period (default: this month so far), the change against the
    previous period of the same length, the top categories and merchants, and chart data."""
    if query.merchant or query.institution or card_only(query):
        # spending at one merchant, on one institution's cards and accounts, or on cards, is a search for
        # money out
        text = query.text if direction_of(query.text) == "out" else f"{query.text} 지출".strip()
        period = query.period or month_so_far(ctx.today())
        return search_transactions(ctx, replace(query, text=text, period=period), page=page)
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        today = scope.now.date()
        period = query.period or month_so_far(today)
        now_spend = spending(session, ctx.customer_id, period.start, period.end, category=query.category,
                                       now=scope.now)
        previous = query.compare_period or previous_period(period)
        before = spending(session, ctx.customer_id, previous.start, previous.end,
                                    category=query.category, now=scope.now)
        begun = None
        little = query.category is None and len(now_spend.by_category) < 2
        if query.compare_period is None and month_just_begun(period, today, little):
            last_start = add_months(period.start, -1)
            last = spending(session, ctx.customer_id, last_start, period.start - timedelta(days=1),
                                      category=query.category, now=scope.now)
            begun = (last_start, last.total)
    when = period_words(period, today)
    what = f"{query.category} 지출" if query.category else "지출"
    footnotes = notes(now_spend.freshness, ctx, kinds=("bank", "card"))
    opening = None
    if begun is not None:
        opening = (
            f"이번 달은 이제 막 시작됐어요({today.day}일째). 지난달({begun[0].month}월) {josa(what, '은')} "
            f"총 {won(begun[1])}이었어요."
        )
    if now_spend.total == 0:
        compared = None
        if query.compare_period is not None:
            compared = (f"{period_words(previous, today)}에는 {won(before.total)}이었어요." if before.total
                        else f"{period_words(previous, today)}에도 없었어요.")
        return Reply(
            join(
                opening,
                f"{when} {what} 내역은 아직 없어요." if opening else f"{when} {what} 내역이 없어요.",
                compared,
                footnotes,
            ),
            total=0,
        )
    head = [f"{when} {josa(what, '은')} 지금까지 {josa(won(now_spend.total), '이에요')}." if opening else
            f"{when} {josa(what, '은')} 총 {josa(won(now_spend.total), '이에요')}."]
    if opening:
        head.insert(0, opening)
    than = (f"직전 같은 기간({period_words(previous, today)})" if query.compare_period is None
            else period_words(previous, today))
    if before.total:
        head.append(f"{than} {won(before.total)}보다 {_change(now_spend.total, before.total)}.")
    elif query.compare_period is not None:
        head.append(f"{period_words(previous, today)}에는 {what} 내역이 없어요.")
    against = "직전" if query.compare_period is None else "비교 기간"
    spent_before = {c.category: c.amount for c in before.by_category}
    shown, more = page_of(now_spend.by_category, page)
    lines = ["많이 쓴 분야:" if not page else "이어서 다른 분야예요:"]
    for rank, c in enumerate(shown, start=page * PAGE_SIZE + 1):
        line = f"{rank}. {c.category} {won(c.amount)}({percent(Decimal(str(c.share_pct)))})"
        if before.total:
            diff = c.amount - spent_before.get(c.category, 0)
            line += f" · {against} 대비 {'+' if diff > 0 else '-'}{won(abs(diff))}" if diff else \
                f" · {against}과 같아요"
        lines.append(line)
    merchants = [f"{m.merchant} {won(m.amount)}({m.count}건)" for m in now_spend.top_merchants[:3]]
    merchant_line = f"많이 쓴 곳: {', '.join(merchants)}" if merchants and not page else None
    chart = {"type": "category_breakdown", "title": f"{when} 분야별 {what}",
             "period": [period.start.isoformat(), period.end.isoformat()],
             "items": [{"label": c.category, "amount": c.amount} for c in now_spend.by_category]}
    buttons = [more_button("spending_summary", query, page)] if more else []
    top = now_spend.by_category[0].category
    buttons.append(button(f"{top} 내역 보기", intent_payload("search_transactions", {
        "category": top, **period_entities(period)})))
    buttons.append(button("돈 모으는 방법", "/financial_advice"))
    listed = tuple({"kind": "category", "label": c.category, "amount": c.amount,
                    "previous": spent_before.get(c.category, 0) if before.total else None,
                    "follow": {"intent": "search_transactions", "entities": {
                        "category": c.category, **period_entities(period)}}}
                   for c in shown)
    return Reply(join(" ".join(head), lines, merchant_line, footnotes), tuple(buttons), chart, items=listed,
                 total=now_spend.total)


@guarded
def income_summary(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Detected salary (amount, payer, usual day), the regular income's monthly average and other
    income of the last 6 months.

    "월 평균" is the cash flow's regular income (`bot.advisor.cashflow`), the same 월 소득 every
    consulting answer quotes; one-off money (a 상여, a refund) is named with its total, never averaged.
    """
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        if not scope.has_kind("bank"):
            return no_kind_reply("은행 계좌", "bank")
        found = income(session, ctx.customer_id, months=6, now=scope.now)
        cash, _ = cash_flow_of(session, ctx.customer_id, scope.now)
    today = scope.now.date()
    footnotes = notes(found.freshness, ctx, kinds=("bank",))
    if not found.streams:
        return Reply(join("최근 6개월 동안 들어온 소득이 없어요.", footnotes))
    salaries = [s for s in found.streams if s.kind == "salary"]
    salary = max(salaries, key=lambda s: s.monthly_average) if salaries else None
    head = []
    if salary is not None:
        day = f"매달 {salary.typical_day}일쯤 " if salary.typical_day else ""
        head.append(
            f"월급은 {day}{salary.source}에서 들어와요. 최근 월급은 {korean_date(salary.last_date)}에 "
            f"들어온 {josa(won(salary.last_amount), '이에요')}."
        )
    else:
        head.append("급여로 보이는 정기 입금은 없어요.")
    head.append(f"최근 {cash.months}개월 정기 수입은 월 평균 {josa(won(cash.monthly_income), '이에요')}.")
    if cash.one_offs:
        total = sum(o.total for o in cash.one_offs)
        payers = ", ".join(o.payer for o in cash.one_offs[:ONE_OFFS_NAMED])
        if len(cash.one_offs) > ONE_OFFS_NAMED:
            payers += f" 등 {len(cash.one_offs)}건"
        head.append(f"상여 등 일회성 수입 {won(total)}({payers})은 월 평균에서 뺐어요.")
    last_month = add_months(first_of_month(today), -1)
    head.append(f"지난달 들어온 돈은 {won(found.by_month.get(month_key(last_month), 0))}, 이번 달은 지금까지 "
                f"{josa(won(found.by_month.get(month_key(today), 0)), '이에요')}.")
    others = [s for s in found.streams if s is not salary]
    shown, more = page_of(others, page)
    lines = ["다른 입금:"] if shown else []
    regular = {income.payer: income.monthly for income in cash.regular}
    for s in shown:
        every_month = f"월 평균 {won(regular[s.source])}" if s.source in regular else "일회성"
        lines.append(f"· {s.source}({INCOME_KIND_WORDS[s.kind]}): {every_month}, "
                     f"최근 {korean_date(s.last_date)} {won(s.last_amount)}")
    buttons = [more_button("income_summary", query, page)] if more else []
    buttons.append(button("적금 추천 받기", intent_payload("recommend_product", {"product_type": "적금"})))
    return Reply(join(" ".join(head), lines, footnotes), tuple(buttons))


@guarded
def recurring_payments(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Subscriptions and regular payments (rent, telecom, premiums) with the monthly total."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        found = recurring.recurring_payments(session, ctx.customer_id, months=6, now=scope.now)
    footnotes = notes(found.freshness, ctx, kinds=("bank", "card"))
    items = list(found.items)
    if query.category == "구독" or "구독" in query.text:
        items = [i for i in items if i.is_subscription]
    if not items:
        return Reply(join("매달 정기적으로 나가는 결제는 찾지 못했어요.", footnotes))
    subs = [i for i in found.items if i.is_subscription]
    head = (
        f"매달 나가는 정기 결제는 {len(found.items)}건, 월 평균 {josa(won(found.monthly_total), '이에요')}."
    )
    if subs:
        head += f" 그중 구독은 {len(subs)}건, 월 {josa(won(found.subscriptions_total), '이에요')}."
    shown, more = page_of(items, page)
    lines = []
    for i in shown:
        tag = " [구독]" if i.is_subscription else ""
        lines.append(f"· {i.name}{tag} {won(i.average_amount)} · 매달 {i.typical_day}일쯤, 다음 예정 "
                     f"{korean_date(i.next_expected)} ({i.institution})")
    buttons = [more_button("recurring_payments", query, page)] if more else []
    buttons.append(button("지출 줄이는 방법", "/financial_advice"))
    shown_items = tuple({"kind": "recurring", "label": i.name, "amount": i.average_amount,
                         "last": i.last_amount, "day": i.typical_day, "next": i.next_expected.isoformat(),
                         "where": i.institution} for i in shown)
    return Reply(join(head, lines, footnotes), tuple(buttons), items=shown_items)
