"""What every answer shares: the customer's consented institutions (the scope, which also records
the read), how current each one's data is (Freshness) and the period checks and Seoul day bounds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.korean.calendar import KST, day_start, now_kst
from bot.mydata.audit import record_read
from bot.mydata.errors import ConsentRequired, InvalidQuery, UnknownCustomer
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Consent, Customer, Institution

MAX_PERIOD_DAYS = 3 * 366


@dataclass(frozen=True)
class Freshness:
    """How current one institution's data is."""

    org_code: str
    institution: str
    kind: str
    last_success_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None

    def age(self, now: datetime | None = None) -> timedelta | None:
        if self.last_success_at is None:
            return None
        return (now or now_kst()) - self.last_success_at

    @property
    def failing(self) -> bool:
        """The latest attempt failed (the data shown is from an earlier success, if any)."""
        return self.last_error is not None


@dataclass(frozen=True)
class Scope:
    """The institutions one answer may draw on (name and kind by org code), their freshness, the
    customer's own name (what their own transfers are labelled with) and the moment asked about."""

    customer_id: str
    now: datetime
    orgs: dict[str, tuple[str, str]]  # org_code -> (name, kind)
    freshness: tuple[Freshness, ...]
    own_name: str

    @property
    def org_codes(self) -> list[str]:
        return list(self.orgs)

    def name(self, org: str) -> str:
        return self.orgs[org][0]

    def kind(self, org: str) -> str:
        return self.orgs[org][1]


def _kst(moment: datetime | None) -> datetime | None:
    return moment.astimezone(KST) if moment is not None else None


def consented_scope(session: Session, customer_id: str, now: datetime | None, org_code: str | None = None, *,
                    purpose: str) -> Scope:
    """Active consents of the customer: the only institutions any answer may draw on. The read is
    recorded (who, `purpose`, when, which institutions) in the same unit of work."""
    if not isinstance(customer_id, str) or not customer_id:
        raise InvalidQuery("customer_id must be a non-empty string")
    if now is not None and now.tzinfo is None:
        raise InvalidQuery("now must be timezone-aware")
    now = (now or now_kst()).astimezone(KST)
    query = statement(("analytics_scope",), lambda: (
        select(Consent.org_code, Institution.name, Institution.kind, Consent.last_success_at,
               Consent.last_attempt_at, Consent.last_error, Customer.name.label("own_name"))
        .join(Institution, Institution.org_code == Consent.org_code)
        .join(Customer, Customer.id == Consent.customer_id)
        .where(Consent.customer_id == bindparam("cid"), Consent.revoked_at.is_(None),
               Consent.expires_at > bindparam("now", type_=Consent.expires_at.type))
        .order_by(Consent.org_code)))
    rows = session.execute(query, {"cid": customer_id, "now": now}).all()
    if not rows:
        if session.get(Customer, customer_id) is None:
            raise UnknownCustomer(customer_id)
        raise ConsentRequired(customer_id, org_code)
    orgs = {r.org_code: (r.name, r.kind) for r in rows}
    freshness = tuple(Freshness(r.org_code, r.name, r.kind, _kst(r.last_success_at), _kst(r.last_attempt_at),
                                r.last_error) for r in rows)
    if org_code is not None:
        if org_code not in orgs:
            raise ConsentRequired(customer_id, org_code)
        orgs = {org_code: orgs[org_code]}
        freshness = tuple(f for f in freshness if f.org_code == org_code)
    record_read(session, customer_id, purpose, orgs)
    return Scope(customer_id, now, orgs, freshness, rows[0].own_name)


def checked_period(start: date | None, end: date | None, now: datetime, default_days: int
                   ) -> tuple[date, date]:
    """[start, end] as asked, a missing end today and a missing start `default_days` before the end;
    InvalidQuery for anything but dates, a start after the end, or more than three years."""
    today = now.astimezone(KST).date()
    end = end or today
    start = start or end - timedelta(days=default_days - 1)
    if not isinstance(start, date) or not isinstance(end, date):
        raise InvalidQuery("start and end must be dates")
    if start > end:
        raise InvalidQuery(f"period start {start} is after its end {end}")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InvalidQuery("period longer than three years")
    return start, end


def day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Seoul time."""
    return day_start(start), day_start(end + timedelta(days=1))


