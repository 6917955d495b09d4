"""What the assistant says about a customer's own money, as pure Python (no Rasa imports).

The Rasa action server calls one function per intent and sends the returned `Reply`
(text, buttons, optional chart data) to the customer. Every function has the signature

    fn(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply

never raises for a customer-facing problem (no consent, unknown customer, bad period, no model,
no data: each becomes a short Korean reply, usually with a next-step button), reads only
`ctx.customer_id`'s data under active consent, masks every account/card number, and says which
institution's data is stale (last good sync > 24 h) or failed at its last sync.

| intent | function | what it answers |
|---|---|---|
| check_balance | `accounts.check_balance` | balance of one account type / institution / all, with the total |
| list_accounts | `accounts.list_accounts` | linked accounts, cards, loans, policies by institution (masked) |
| total_assets | `accounts.total_assets` | assets − debts, by kind and by institution |
| search_transactions | `spending.search_transactions` | by period, merchant, category, amount, institution |
| spending_summary | `spending.spending_summary` | by category, change vs last period, top shops, chart |
| income_summary | `spending.income_summary` | salary (payer, day, amount), regular monthly mean, one-offs |
| recurring_payments | `spending.recurring_payments` | subscriptions and regular payments, monthly total |
| card_bill | `cards_loans.card_bill` | bills due per card company or total, due dates, unbilled spending |
| loan_status | `cards_loans.loan_status` | balances, rates, next repayment date and amount, overdue |
| insurance_summary | `cards_loans.insurance_summary` | policies, monthly premiums |
| investment_summary | `cards_loans.investment_summary` | holdings, cost vs value, return in % and won |
| list_consents | `consents.list_consents` | institution, what is shared, until when |
| credit_score | `credit.credit_score` | model score 1-1000, band, top 3 factors, missing inputs, caveat |
| loan_eligibility | `credit.loan_eligibility` | approval chance, rates, limit (score, DSR), fitting loans |
| recommend_product | `products.recommend_product` | 예금/적금/카드/대출 ranked, one line of why each |
| financial_advice | `advice.financial_advice` | savings rate, growing category, subscriptions, debt → steps |

Also `is_linked(engine_or_session, customer_id, institution, now=None) -> bool` (active consent
for that institution) so the chat can start the connect flow, and `not_linked_reply(name)`.

Paging: long lists show 5 (cards 3) and add a "더 보기" button whose payload is
`/<intent>{<query entities>, "page": n+1}` (`Query.to_entities()`; rebuild with
`Query.from_entities(entities)` and pass `page=`). Other buttons use `/intent` or
`/intent{entities}` payloads, or a plain user text.

Use from an action (the functions are synchronous; run them off the event loop):

    from bot.assistant import AnswerContext, Query, answer
    from bot.mydata.store.db import get_engine
    ctx = AnswerContext(get_engine(), customer_id)            # now=None: wall clock
    reply = await asyncio.to_thread(answer, "check_balance", ctx, Query(text=..., institution=...), page=0)
"""
from __future__ import annotations

from typing import Callable

from bot.assistant.accounts import check_balance, is_linked, list_accounts, total_assets
from bot.assistant.advice import financial_advice
from bot.assistant.cards_loans import card_bill, insurance_summary, investment_summary, loan_status
from bot.assistant.consents import list_consents
from bot.assistant.credit import credit_score, loan_eligibility
from bot.assistant.products import recommend_product
from bot.assistant.reply import AnswerContext, Query, Reply, not_linked_reply
from bot.assistant.spending import income_summary, recurring_payments, search_transactions, spending_summary

INTENT_HANDLERS: dict[str, Callable[..., Reply]] = {
    "check_balance": check_balance,
    "list_accounts": list_accounts,
    "total_assets": total_assets,
    "search_transactions": search_transactions,
    "spending_summary": spending_summary,
    "income_summary": income_summary,
    "recurring_payments": recurring_payments,
    "card_bill": card_bill,
    "loan_status": loan_status,
    "insurance_summary": insurance_summary,
    "investment_summary": investment_summary,
    "list_consents": list_consents,
    "credit_score": credit_score,
    "loan_eligibility": loan_eligibility,
    "recommend_product": recommend_product,
    "financial_advice": financial_advice,
}


def answer(intent: str, ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """The reply for one of the intents above; KeyError for any other intent."""
    return INTENT_HANDLERS[intent](ctx, query, page=page)


__all__ = ["AnswerContext", "Query", "Reply", "INTENT_HANDLERS", "answer", "is_linked", "not_linked_reply",
           *INTENT_HANDLERS]
