"""A money check-up from the customer's own data (`bot.advisor.diagnosis`).

Income, spending and fixed obligations come from the one monthly cash flow
(`bot.assistant.cash_flow`, last 6 whole months): regular income only, living spending by
category, and loan repayments, premiums and bills of unlinked cards as obligations. The reply
says what was counted and what could not be seen. Subscriptions come from recurring payments;
loans from linked banks and capital companies.
"""
from __future__ import annotations

from bot.advisor.diagnosis import advice_from_cash_flow
from bot.assistant.adapters import existing_loans, subscriptions
from bot.assistant.cash_flow import CASH_FLOW_MONTHS, cash_flow_of
from bot.assistant.common import Scope, no_kind_reply, notes, reading
from bot.assistant.reply import AnswerContext, Query, Reply, button, guarded, intent_payload, join
from bot.mydata.analytics.loans import loan_summary
from bot.mydata.analytics.recurring import recurring_payments


@guarded
def financial_advice(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Savings rate, the fastest-growing category, subscriptions and high-rate debt → 2-3 steps."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if not scope.has_kind("bank", "card"):
            return no_kind_reply("은행이나 카드", "bank")
        today = scope.now.date()
        cash, freshness = cash_flow_of(session, ctx.customer_id, scope.now)
        recurring = recurring_payments(session, ctx.customer_id, months=6, now=scope.now)
        loans = (loan_summary(session, ctx.customer_id, now=scope.now)
                 if scope.has_kind("bank", "capital") else None)
    diagnosis = advice_from_cash_flow(cash, subscriptions(recurring),
                                      existing_loans(loans, today) if loans is not None else [])
    steps = ["이렇게 해 보세요:"] + [f"{n}. {step}" for n, step in enumerate(diagnosis.steps, start=1)]
    buttons = [button("적금 추천 받기", intent_payload("recommend_product", {"product_type": "적금"}))]
    if diagnosis.subscriptions_monthly:
        buttons.append(button("구독 정리하기", "/recurring_payments"))
    if diagnosis.top_growth is not None:
        buttons.append(button(f"{diagnosis.top_growth.category} 지출 보기", intent_payload(
            "spending_summary", {"category": diagnosis.top_growth.category})))
    basis = f"최근 {CASH_FLOW_MONTHS}개월 동안 매달 들어온 소득과 지출, 고정지출 기준이에요. {cash.counted()}"
    return Reply(join(f"{diagnosis.summary}.", steps, basis, cash.caveats(),
                      notes(freshness, ctx, kinds=("bank", "card", "capital", "insurance"))), tuple(buttons))
