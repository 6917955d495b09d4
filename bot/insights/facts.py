"""What the detectors look at, read from the MyData store in a few queries per customer.

Detectors are pure functions over `CustomerFacts`, so their tests build facts directly and the
store is read once per customer after a sync. Only live assets and active consents are read;
instants are turned into Seoul time here, once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.korean.calendar import KST
from bot.mydata.store.models import (
    Account,
    Card,
    CardApproval,
    CardBill,
    Consent,
    Institution,
    Loan,
    Transaction,
)

HISTORY_DAYS = 400


@dataclass(frozen=True)
class AccountFact:
    account_id: int
    org_code: str
    institution: str
    account_type: str  # 1001 입출금, 1002 예금, 1003 적금
    prod_name: str
    last4: str
    balance: int


@dataclass(frozen=True)
class TxnFact:
    account_id: int
    at: datetime  # Seoul
    direction: str  # in | out
    trans_class: str
    memo: str
    amount: int
    category: str | None


@dataclass(frozen=True)
class ApprovalFact:
    card_id: int
    org_code: str
    at: datetime  # Seoul
    approved_num: str
    merchant_name: str
    merchant: str | None
    category: str | None
    amount: int
    cancelled: bool


@dataclass(frozen=True)
class BillFact:
    org_code: str
    institution: str
    charge_month: str
    due_date: date
    amount: int
    paid_on: date | None


@dataclass(frozen=True)
class LoanFact:
    org_code: str
    institution: str
    prod_name: str
    last4: str
    next_repay_date: date | None
    next_repay_amt: int | None
    overdue_days: int


@dataclass(frozen=True)
class ConsentFact:
    org_code: str
    institution: str
    expires_at: datetime


@dataclass
class CustomerFacts:
    customer_id: str
    now: datetime  # aware
    accounts: list[AccountFact] = field(default_factory=list)
    transactions: list[TxnFact] = field(default_factory=list)
    approvals: list[ApprovalFact] = field(default_factory=list)
    bills: list[BillFact] = field(default_factory=list)
    loans: list[LoanFact] = field(default_factory=list)
    consents: list[ConsentFact] = field(default_factory=list)

    @property
    def today(self) -> date:
        return self.now.astimezone(KST).date()


def _last4(number: str) -> str:
    digits = [c for c in number if c.isdigit()]
    return "".join(digits[-4:])


def load_facts(session: Session, customer_id: str, now: datetime | None = None) -> CustomerFacts:
    """The customer's live data under active consents, up to `now` (transactions of the last 400 days)."""
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(days=HISTORY_DAYS)
    consents = session.execute(
        select(Consent.org_code, Institution.name, Consent.expires_at)
        .join(Institution, Institution.org_code == Consent.org_code)
        .where(Consent.customer_id == customer_id, Consent.revoked_at.is_(None), Consent.expires_at > now)
    ).all()
    names = {org: name for org, name, _ in consents}
    facts = CustomerFacts(customer_id, now, consents=[ConsentFact(o, n, e) for o, n, e in consents])
    if not names:
        return facts
    orgs = list(names)
    for a in session.execute(
        select(Account).where(
            Account.customer_id == customer_id, Account.org_code.in_(orgs), Account.closed_at.is_(None)
        )
    ).scalars():
        facts.accounts.append(AccountFact(a.id, a.org_code, names[a.org_code], a.account_type, a.prod_name,
                                          _last4(a.account_num), int(a.balance or 0)))
    # the many rows are read as plain columns, not as ORM objects (most of a detector run's time)
    for account_id, at, direction, trans_class, memo, amount, category in session.execute(select(
            Transaction.account_id, Transaction.occurred_at, Transaction.direction, Transaction.trans_class,
            Transaction.memo, Transaction.amount, Transaction.category).where(
            Transaction.customer_id == customer_id, Transaction.org_code.in_(orgs),
            Transaction.occurred_at >= since, Transaction.occurred_at <= now)
            .order_by(Transaction.occurred_at)):
        facts.transactions.append(
            TxnFact(account_id, at.astimezone(KST), direction, trans_class, memo, int(amount), category)
        )
    for card_pk, org, at, approved_num, merchant_name, merchant, category, amount, status in session.execute(
        select(
            CardApproval.card_pk,
            Card.org_code,
            CardApproval.approved_at,
            CardApproval.approved_num,
            CardApproval.merchant_name,
            CardApproval.merchant,
            CardApproval.category,
            CardApproval.amount,
            CardApproval.status,
        )
        .join(Card, Card.id == CardApproval.card_pk)
        .where(
            CardApproval.customer_id == customer_id,
            CardApproval.org_code.in_(orgs),
            CardApproval.approved_at >= since,
            CardApproval.approved_at <= now,
        )
        .order_by(CardApproval.approved_at)
    ):
        facts.approvals.append(
            ApprovalFact(
                card_pk,
                org,
                at.astimezone(KST),
                approved_num,
                merchant_name,
                merchant,
                category,
                int(amount),
                status != "approved",
            )
        )
    for b in session.execute(select(CardBill).where(CardBill.customer_id == customer_id,
                                                    CardBill.org_code.in_(orgs))).scalars():
        facts.bills.append(BillFact(b.org_code, names[b.org_code], b.charge_month, b.due_date, int(b.amount),
                                    b.paid_on))
    for loan in session.execute(select(Loan).where(Loan.customer_id == customer_id, Loan.org_code.in_(orgs),
                                                   Loan.closed_at.is_(None))).scalars():
        facts.loans.append(
            LoanFact(
                loan.org_code,
                names[loan.org_code],
                loan.prod_name,
                _last4(loan.account_num),
                loan.next_repay_date,
                int(loan.next_repay_amt) if loan.next_repay_amt is not None else None,
                int(loan.overdue_days or 0),
            )
        )
    return facts
