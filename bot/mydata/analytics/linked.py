"""Which accounts, cards, loans and policies are linked."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.mydata.analytics.scope import Freshness, consented_scope
from bot.mydata.masking import mask_number
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Account, Card, InsurancePolicy, Loan


@dataclass(frozen=True)
class LinkedAsset:
    org_code: str
    institution: str
    kind: str  # checking | deposit | savings | invest | loan | card | insurance
    name: str
    number_masked: str


@dataclass(frozen=True)
class LinkedAssets:
    customer_id: str
    assets: tuple[LinkedAsset, ...]
    freshness: tuple[Freshness, ...]


def linked_assets(session: Session, customer_id: str, *, now: datetime | None = None) -> LinkedAssets:
    """Which accounts, cards, loans and policies are linked (the chat's list_accounts)."""
    scope = consented_scope(session, customer_id, now, purpose="linked_assets")
    params = {"cid": customer_id, "orgs": scope.org_codes}
    found = []
    for model, kind_of, name_col, number_col in (
            (Account, lambda r: r.kind, Account.prod_name, Account.account_masked),
            (Loan, lambda r: "loan", Loan.prod_name, Loan.account_masked),
            (Card, lambda r: "card", Card.card_name, Card.card_num),
            (InsurancePolicy, lambda r: "insurance", InsurancePolicy.prod_name, InsurancePolicy.insu_masked)):
        extra = (Account.kind,) if model is Account else ()
        query = statement(("linked", model), lambda: select(
            model.org_code, name_col, number_col, *extra).where(
            model.customer_id == bindparam("cid"), model.org_code.in_(bindparam("orgs", expanding=True)),
            model.closed_at.is_(None)))
        for r in session.execute(query, params):
            found.append(LinkedAsset(r[0], scope.name(r[0]), kind_of(r), r[1], mask_number(r[2])))
    found.sort(key=lambda a: (a.org_code, a.kind, a.name))
    return LinkedAssets(customer_id, tuple(found), scope.freshness)
