"""A money check-up from the customer's own data (`bot.advisor.diagnosis`).

Inputs: the last 6 whole months. Monthly income = the average of everything that came into
입출금 accounts in those months (salary, bonuses, pension, takings, allowances; own transfers and
interest excluded, as `analytics.income` counts them); spending by category per month;
subscriptions (recurring payments flagged as subscriptions); loans from linked banks and capital
companies.
"""
from __future__ import annotations

from decimal import Decimal

from bot.advisor.diagnosis import financial_advice as diagnose
from bot.advisor.format import won_approx
from bot.advisor.money import round_won
from bot.assistant.adapters import (existing_loans, income_facts, month_spendings, month_starts, subscriptions,
                                    whole_months)
from bot.assistant.common import Scope, no_kind_reply, notes, reading
from bot.assistant.reply import AnswerContext, Query, Reply, button, guarded, intent_payload, join
from bot.mydata import analytics

ADVICE_MONTHS = 6


@guarded
def financial_advice(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Savings rate, the fastest-growing category, subscriptions and high-rate debt → 2-3 steps."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if not scope.has_kind("bank", "card"):
            return no_kind_reply("은행이나 카드", "bank")
        today = scope.now.date()
        start, end = whole_months(today, ADVICE_MONTHS)
        facts = income_facts(session, ctx.customer_id, scope.now)
        spent = analytics.spending(session, ctx.customer_id, start, end, now=scope.now)
        recurring = analytics.recurring_payments(session, ctx.customer_id, months=6, now=scope.now)
        loans = (analytics.loan_summary(session, ctx.customer_id, now=scope.now)
                 if scope.has_kind("bank", "capital") else None)
    months = month_starts(start, ADVICE_MONTHS)
    keys = [f"{m.year:04d}-{m.month:02d}" for m in months]
    monthly_income = round_won(Decimal(sum(facts.summary.by_month.get(k, 0) for k in keys)) / len(keys))
    diagnosis = diagnose(monthly_income, month_spendings(spent, months), subscriptions(recurring),
                         existing_loans(loans, today) if loans is not None else [])
    steps = ["이렇게 해 보세요:"] + [f"{n}. {step}" for n, step in enumerate(diagnosis.steps, start=1)]
    buttons = [button("적금 추천 받기", intent_payload("recommend_product", {"product_type": "적금"}))]
    if diagnosis.subscriptions_monthly:
        buttons.append(button("구독 정리하기", "/recurring_payments"))
    if diagnosis.top_growth is not None:
        buttons.append(button(f"{diagnosis.top_growth.category} 지출 보기", intent_payload(
            "spending_summary", {"category": diagnosis.top_growth.category})))
    basis = f"최근 {ADVICE_MONTHS}개월 동안 입출금 통장에 들어온 돈(월 평균 {won_approx(monthly_income)})과 지출 기준이에요."
    return Reply(join(f"{diagnosis.summary}.", steps, basis, notes(spent.freshness, ctx, kinds=("bank", "card"))),
                 tuple(buttons))
