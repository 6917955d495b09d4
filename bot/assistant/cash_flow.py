"""MyData → `bot.advisor.cashflow`: the one monthly cash flow every consulting answer quotes.

Window: the last `CASH_FLOW_MONTHS` whole months. From the linked 입출금 accounts:
- money in from others (own transfers and interest left out) → income, split by the advisor into
  regular and one-off;
- card bills, loan repayments and premiums paid to an institution the customer has not linked
  → fixed costs read from the transfers (a linked one is read from its own records instead, so
  nothing counts twice);
- cash withdrawals (ATM) → living spending "현금 인출"; check-card debits too when no card
  company is linked (otherwise its approvals already count them);
- moves to the customer's own savings (memo with 적금/예금/청약) → neither spending nor income;
- any other uncategorised transfer (a supplier, a person) → reported, not counted.
Linked loans give their next scheduled payment; linked insurers their monthly premium.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from bot.advisor.cashflow import (
    PAYMENT_KINDS,
    CashFlow,
    Inflow,
    ScheduledPayment,
    UnlinkedPayment,
    monthly_cash_flow,
)
from bot.advisor.inputs import MonthSpending
from bot.assistant.adapters import linked_kinds, month_spendings, month_starts, whole_months
from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import month_key
from bot.mydata.analytics.insurance import insurance_summary
from bot.mydata.analytics.loans import loan_summary
from bot.mydata.analytics.movements import checking_movements
from bot.mydata.analytics.recurring import SAVINGS_WORDS
from bot.mydata.analytics.spending import spending

CASH_FLOW_MONTHS = 6
CASH_CLASSES = ("ATM출금", "현금출금")
CASH_LABEL = "현금 인출"
CHECK_CARD_LABEL = "체크카드 결제"


def _institution(memo: str) -> str:
    first = memo.split()[0] if memo.split() else memo
    named = load_lexicon().institution(first)
    return named.name if named else first


def cash_flow_of(session: Session, customer_id: str, now: datetime, *, months: int = CASH_FLOW_MONTHS
                 ) -> tuple[CashFlow, list]:
    """(the cash flow of the last `months` whole months, freshness of what it read)."""
    period = whole_months(now.date(), months)
    starts = month_starts(period.start, months)
    linked = linked_kinds(session, customer_id, now)
    kinds = set(linked.values())
    inflows, unlinked, unseen, freshness = [], [], [], []
    extra: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unclassified = 0
    if "bank" in kinds:
        moves = checking_movements(session, customer_id, period.start, period.end, now=now)
        freshness = list(moves.freshness)
        for m in moves.items:
            if m.own:
                continue
            if m.direction == "in":
                if m.trans_class != "이자":
                    inflows.append(Inflow(m.day, m.memo, m.amount))
                continue
            key = month_key(m.day)
            if m.category is not None:
                continue  # already in the categorised spending
            if m.trans_class in PAYMENT_KINDS:
                institution = _institution(m.memo)
                if load_lexicon().org_code_of(institution) not in linked:
                    unlinked.append(UnlinkedPayment(m.day, m.trans_class, institution, m.amount))
            elif m.trans_class == "체크카드":
                if "card" not in kinds:
                    extra[key][CHECK_CARD_LABEL] += m.amount
            elif m.trans_class in CASH_CLASSES:
                extra[key][CASH_LABEL] += m.amount
            elif not any(word in m.memo for word in SAVINGS_WORDS):
                unclassified += m.amount
    else:
        unseen.append("은행 계좌가 연결되지 않아 소득과 이체 내역은 볼 수 없었어요.")
    if "card" not in kinds:
        unseen.append("연결된 카드사가 없어 카드 지출은 은행에서 빠져나간 금액으로만 봤어요.")
    if unlinked:
        unseen.append("연결하지 않은 금융사는 은행 이체 내역으로만 확인했어요. 연결하면 더 정확해져요.")

    scheduled = []
    if kinds & {"bank", "capital"}:
        loans = loan_summary(session, customer_id, now=now)
        scheduled += [ScheduledPayment("대출상환", x.prod_name or x.loan_type_label, x.next_repay_amount)
                      for x in loans.loans if x.next_repay_amount]
    if "insurance" in kinds:
        policies = insurance_summary(session, customer_id, now=now)
        scheduled += [ScheduledPayment("보험료", p.prod_name or p.insu_type_label, p.monthly_premium)
                      for p in policies.policies if p.monthly_premium]
    spent = spending(session, customer_id, period.start, period.end, now=now)
    if not freshness:
        freshness = list(spent.freshness)
    month_spending = []
    for month in month_spendings(spent, starts):
        key = month_key(month.month)
        merged = dict(month.by_category)
        for label, amount in extra.get(key, {}).items():
            merged[label] = merged.get(label, 0) + amount
        month_spending.append(MonthSpending(month.month, merged))
    flow = monthly_cash_flow(starts, inflows, month_spending, scheduled, unlinked, unclassified, unseen)
    return flow, freshness
