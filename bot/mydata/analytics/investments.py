"""Securities holdings at evaluation, with profit and return."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.mydata.analytics.scope import Freshness, consented_scope
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Account, Holding


@dataclass(frozen=True)
class HoldingInfo:
    org_code: str
    institution: str
    prod_code: str
    prod_name: str
    quantity: int
    purchase_amount: int
    eval_amount: int

    @property
    def profit(self) -> int:
        return self.eval_amount - self.purchase_amount

    @property
    def return_pct(self) -> float:
        return round(100.0 * self.profit / self.purchase_amount, 2) if self.purchase_amount else 0.0


@dataclass(frozen=True)
class InvestmentSummary:
    customer_id: str
    holdings: tuple[HoldingInfo, ...]
    cash: int
    purchase_total: int
    eval_total: int
    profit: int
    return_pct: float
    freshness: tuple[Freshness, ...]


def investment_summary(session: Session, customer_id: str, *, now: datetime | None = None
                       ) -> InvestmentSummary:
    """Securities holdings at evaluation, with profit and return against the purchase amount."""
    scope = consented_scope(session, customer_id, now, purpose="investment_summary")
    params = {"cid": customer_id, "orgs": scope.org_codes}
    query = statement(("holdings",), lambda: select(Holding).where(
        Holding.customer_id == bindparam("cid"), Holding.org_code.in_(bindparam("orgs", expanding=True)))
        .order_by(Holding.org_code, Holding.prod_code))
    holdings = tuple(HoldingInfo(h.org_code, scope.name(h.org_code), h.prod_code, h.prod_name, h.quantity,
                                 h.purchase_amt, h.eval_amt)
                     for h in session.execute(query, params).scalars())
    cash_query = statement(("invest_cash",), lambda: select(Account.balance).where(
        Account.customer_id == bindparam("cid"), Account.org_code.in_(bindparam("orgs", expanding=True)),
        Account.kind == "invest", Account.closed_at.is_(None)))
    cash = sum(session.execute(cash_query, params).scalars())
    bought = sum(h.purchase_amount for h in holdings)
    worth = sum(h.eval_amount for h in holdings)
    return InvestmentSummary(customer_id, holdings, cash, bought, worth, worth - bought,
                             round(100.0 * (worth - bought) / bought, 2) if bought else 0.0, scope.freshness)
