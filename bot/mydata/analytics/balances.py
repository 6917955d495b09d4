"""Balances of the customer's accounts, and net worth across every consented institution."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.mydata.analytics.scope import Freshness, consented_scope
from bot.mydata.errors import InvalidQuery
from bot.mydata.masking import mask_number
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Account, CardBill, Loan

ACCOUNT_KIND_LABEL = {"checking": "입출금", "deposit": "예금", "savings": "적금", "invest": "증권"}


@dataclass(frozen=True)
class AccountBalance:
    org_code: str
    institution: str
    kind: str  # checking | deposit | savings
    kind_label: str
    prod_name: str
    account_masked: str
    balance: int
    withdrawable: int | None
    rate_bp: int | None
    matures_on: date | None


@dataclass(frozen=True)
class BalanceSummary:
    customer_id: str
    accounts: tuple[AccountBalance, ...]
    total: int
    by_institution: dict[str, int]
    freshness: tuple[Freshness, ...]


def balances(session: Session, customer_id: str, *, org_code: str | None = None, kind: str | None = None,
             now: datetime | None = None) -> BalanceSummary:
    """Balance of each deposit, savings and checking account, and their total."""
    if kind is not None and kind not in ("checking", "deposit", "savings"):
        raise InvalidQuery(f"kind must be checking, deposit or savings, got {kind!r}")
    scope = consented_scope(session, customer_id, now, org_code, purpose="balances")
    query = statement(("balances",), lambda: select(
        Account.org_code, Account.kind, Account.prod_name, Account.account_masked, Account.balance,
        Account.withdrawable, Account.rate_bp, Account.matures_on).where(
        Account.customer_id == bindparam("cid"), Account.org_code.in_(bindparam("orgs", expanding=True)),
        Account.kind != "invest", Account.closed_at.is_(None))
        .order_by(Account.org_code, Account.account_masked, Account.id))
    items = []
    for r in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes}):
        if kind is not None and r.kind != kind:
            continue
        items.append(AccountBalance(r.org_code, scope.name(r.org_code), r.kind, ACCOUNT_KIND_LABEL[r.kind],
                                    r.prod_name, mask_number(r.account_masked), r.balance, r.withdrawable,
                                    r.rate_bp, r.matures_on))
    by_inst: dict[str, int] = defaultdict(int)
    for item in items:
        by_inst[item.institution] += item.balance
    return BalanceSummary(customer_id, tuple(items), sum(i.balance for i in items), dict(by_inst),
                          scope.freshness)


@dataclass(frozen=True)
class InstitutionWorth:
    org_code: str
    institution: str
    kind: str
    assets: int
    debts: int


@dataclass(frozen=True)
class NetWorth:
    customer_id: str
    assets: int
    debts: int
    net: int
    by_kind: dict[str, int]  # checking, deposit, savings, invest (assets); loan, card (debts)
    by_institution: tuple[InstitutionWorth, ...]
    freshness: tuple[Freshness, ...]


def net_worth(session: Session, customer_id: str, *, now: datetime | None = None) -> NetWorth:
    """Assets (accounts, securities at evaluation) minus debts (loans, unpaid card bills)."""
    scope = consented_scope(session, customer_id, now, purpose="net_worth")
    params = {"cid": customer_id, "orgs": scope.org_codes}
    assets: dict[str, int] = defaultdict(int)
    debts: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    accounts = statement(("nw_accounts",), lambda: select(Account.org_code, Account.kind, Account.balance,
                                                          Account.eval_amt).where(
        Account.customer_id == bindparam("cid"), Account.org_code.in_(bindparam("orgs", expanding=True)),
        Account.closed_at.is_(None)))
    for r in session.execute(accounts, params):
        value = r.balance + (r.eval_amt or 0 if r.kind == "invest" else 0)
        assets[r.org_code] += value
        by_kind[r.kind] += value
    loans = statement(("nw_loans",), lambda: select(Loan.org_code, Loan.balance).where(
        Loan.customer_id == bindparam("cid"), Loan.org_code.in_(bindparam("orgs", expanding=True)),
        Loan.closed_at.is_(None)))
    for r in session.execute(loans, params):
        debts[r.org_code] += r.balance
        by_kind["loan"] += r.balance
    today = scope.now.date()
    bills = statement(("nw_bills",), lambda: select(CardBill.org_code, CardBill.amount).where(
        CardBill.customer_id == bindparam("cid"), CardBill.org_code.in_(bindparam("orgs", expanding=True)),
        CardBill.paid_on.is_(None), CardBill.due_date >= bindparam("today")))
    for r in session.execute(bills, {**params, "today": today - timedelta(days=60)}):
        debts[r.org_code] += r.amount
        by_kind["card"] += r.amount
    rows = tuple(InstitutionWorth(org, scope.name(org), scope.kind(org), assets.get(org, 0),
                                  debts.get(org, 0)) for org in scope.org_codes)
    total_assets, total_debts = sum(assets.values()), sum(debts.values())
    return NetWorth(customer_id, total_assets, total_debts, total_assets - total_debts, dict(by_kind), rows,
                    scope.freshness)
