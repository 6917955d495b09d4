"""Insurance policies and their monthly premiums."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, defer

from bot.mydata.analytics.scope import Freshness, consented_scope
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import InsurancePolicy

INSURANCE_TYPE_LABEL = {"01": "종신", "02": "실손", "03": "연금", "04": "화재", "05": "자동차"}


@dataclass(frozen=True)
class PolicyInfo:
    org_code: str
    institution: str
    prod_name: str
    insu_type: str
    insu_type_label: str
    issued_on: date | None
    expires_on: date | None
    face_amount: int | None
    monthly_premium: int | None
    pay_day: int | None


@dataclass(frozen=True)
class InsuranceSummary:
    customer_id: str
    policies: tuple[PolicyInfo, ...]
    monthly_premium_total: int
    freshness: tuple[Freshness, ...]


def insurance_summary(session: Session, customer_id: str, *, now: datetime | None = None
                      ) -> InsuranceSummary:
    scope = consented_scope(session, customer_id, now, purpose="insurance_summary")
    query = statement(("insurance",), lambda: select(InsurancePolicy).options(
        defer(InsurancePolicy.insu_num)).where(
        InsurancePolicy.customer_id == bindparam("cid"),
        InsurancePolicy.org_code.in_(bindparam("orgs", expanding=True)),
        InsurancePolicy.closed_at.is_(None)).order_by(InsurancePolicy.org_code))
    policies = tuple(PolicyInfo(p.org_code, scope.name(p.org_code), p.prod_name, p.insu_type,
                                INSURANCE_TYPE_LABEL.get(p.insu_type, "보험"), p.issued_on, p.expires_on,
                                p.face_amt, p.premium_amt, p.pay_day)
                     for p in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes}).scalars())
    return InsuranceSummary(customer_id, policies, sum(p.monthly_premium or 0 for p in policies),
                            scope.freshness)
