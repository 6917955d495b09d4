"""Consent: the only door to a customer's data. Granted per institution and scope, at most a year,
revocable; revoking (or expiry) deletes that institution's data and tokens and records the deletion."""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.mydata.client import MyDataClient, TokenSet
from bot.mydata.errors import ApiError, ConsentRequired, InvalidQuery, UnknownCustomer, UnknownInstitution
from bot.mydata.standard import INDUSTRY_OF_KIND, SCOPES_BY_INDUSTRY
from bot.mydata.store.db import session_scope
from bot.mydata.store.models import (
    CUSTOMER_DATA_TABLES,
    Account,
    Balance,
    CardApproval,
    CardBill,
    Consent,
    Customer,
    DeletionRecord,
    Holding,
    Institution,
    InsurancePolicy,
    Loan,
    LoanTransaction,
    SyncCursor,
    Token,
    Transaction,
)

log = logging.getLogger(__name__)
CONSENT_MAX_DAYS = 365


@dataclass(frozen=True)
class ConsentInfo:
    consent_id: int
    org_code: str
    institution: str
    kind: str
    scopes: tuple[str, ...]
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool
    last_success_at: datetime | None
    last_error: str | None


@dataclass(frozen=True)
class DeletionInfo:
    customer_id: str
    org_code: str
    consent_id: int
    reason: str
    deleted_at: datetime
    rows_deleted: dict[str, int]
    remote_revoked: bool


def default_scopes(kind: str) -> list[str]:
    return list(SCOPES_BY_INDUSTRY[INDUSTRY_OF_KIND[kind]])


def is_active(consent: Consent, now: datetime) -> bool:
    return consent.revoked_at is None and consent.expires_at > now


def active_consents(session: Session, customer_id: str, now: datetime | None = None) -> list[Consent]:
    """Active consents of a customer; raises UnknownCustomer for an id the store does not know."""
    now = now or datetime.now(timezone.utc)
    if session.get(Customer, customer_id) is None:
        raise UnknownCustomer(customer_id)
    return list(session.execute(
        select(Consent).where(Consent.customer_id == customer_id, Consent.revoked_at.is_(None),
                              Consent.expires_at > now).order_by(Consent.org_code)).scalars())


def list_consents(session: Session, customer_id: str, now: datetime | None = None,
                  include_inactive: bool = False) -> list[ConsentInfo]:
    """What is shared with whom, until when (the chat's list_consents)."""
    now = now or datetime.now(timezone.utc)
    if session.get(Customer, customer_id) is None:
        raise UnknownCustomer(customer_id)
    rows = session.execute(
        select(Consent, Institution)
        .join(Institution, Institution.org_code == Consent.org_code)
        .where(Consent.customer_id == customer_id)
        .order_by(Consent.org_code, Consent.id)
    ).all()
    infos = [ConsentInfo(c.id, c.org_code, i.name, i.kind, tuple(c.scopes.split()), c.issued_at, c.expires_at,
                         c.revoked_at, is_active(c, now), c.last_success_at, c.last_error) for c, i in rows]
    return infos if include_inactive else [c for c in infos if c.active]


def ensure_customer(session: Session, customer_id: str, name: str = "") -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        customer = Customer(id=customer_id, name=name)
        session.add(customer)
    elif name and customer.name != name:
        customer.name = name
    return customer


async def register_customer(engine: Engine, client: MyDataClient, portal_url: str, customer_id: str
                            ) -> list[str]:
    """Adds the customer to the store and returns the org codes that hold their assets."""
    try:
        name, orgs = await client.discover(portal_url, customer_id)
    except ApiError as exc:
        if exc.rsp_code == "40401":
            raise UnknownCustomer(customer_id) from None
        raise
    with session_scope(engine) as session:
        ensure_customer(session, customer_id, name)
    return [org for org, _ in orgs]


async def grant_consents(engine: Engine, client: MyDataClient, customer_id: str, org_codes: list[str], *,
                         scopes: dict[str, list[str]] | None = None, days: int = CONSENT_MAX_DAYS,
                         now: datetime | None = None) -> list[ConsentInfo]:
    """Asks each institution for tokens under a new consent and stores them all in one transaction.

    Renewing an active consent replaces its scopes, period and tokens and keeps the data the new
    scopes still cover; data of dropped scopes is deleted and the deletion recorded, as on
    revocation. The replaced tokens are revoked at the institution.
    """
    now = now or datetime.now(timezone.utc)
    if not 1 <= days <= CONSENT_MAX_DAYS:
        raise InvalidQuery(f"consent period must be 1..{CONSENT_MAX_DAYS} days, got {days}")
    scopes = scopes or {}
    with session_scope(engine) as session:
        if session.get(Customer, customer_id) is None:
            raise UnknownCustomer(customer_id)
        targets = {}
        for org_code in org_codes:
            inst = session.get(Institution, org_code)
            if inst is None:
                raise UnknownInstitution(org_code)
            if not inst.api_base_url:
                raise UnknownInstitution(f"{org_code} has no API address configured")
            allowed = default_scopes(inst.kind)
            wanted = list(scopes.get(org_code) or allowed)
            if any(s not in allowed for s in wanted):
                raise InvalidQuery(f"scopes for {inst.name} must be among {allowed}, got {wanted}")
            targets[org_code] = (inst.api_base_url, inst.kind, inst.name, wanted)

    async def ask(org_code: str) -> tuple[str, str, TokenSet]:
        base_url, _, _, wanted = targets[org_code]
        ref = uuid.uuid4().hex
        code = await client.authorize(base_url, org_code, customer_id, ref, wanted)
        return org_code, ref, await client.exchange_code(base_url, org_code, code)

    answers = await asyncio.gather(*(ask(org) for org in targets))
    infos, replaced = [], []
    with session_scope(engine) as session:
        current = {
            c.org_code: c
            for c in session.execute(
                select(Consent).where(
                    Consent.customer_id == customer_id, Consent.revoked_at.is_(None), Consent.expires_at > now
                )
            ).scalars()
        }
        for org_code, ref, tokens in answers:
            base_url, kind, name, wanted = targets[org_code]
            consent = current.get(org_code)
            if consent is None:
                consent = Consent(customer_id=customer_id, org_code=org_code)
                session.add(consent)
            else:
                token = session.get(Token, consent.id)
                if token is not None:
                    replaced.append((base_url, org_code, token.access_token))
                if set(consent.scopes.split()) != set(wanted):
                    forget_dropped_scopes(session, consent, set(consent.scopes.split()) - set(wanted), now)
            consent.consent_ref = ref
            consent.scopes = " ".join(wanted)
            consent.issued_at = now
            consent.expires_at = now + timedelta(days=days)
            session.flush()
            _store_tokens(session, consent, tokens)
            infos.append(
                ConsentInfo(
                    consent.id,
                    org_code,
                    name,
                    kind,
                    tuple(wanted),
                    consent.issued_at,
                    consent.expires_at,
                    None,
                    True,
                    consent.last_success_at,
                    consent.last_error,
                )
            )
    for base_url, org_code, access in replaced:
        try:
            await client.revoke(base_url, org_code, access)
        except ApiError as exc:
            log.warning("could not revoke the replaced consent at %s: %s", org_code, exc)
    return infos


async def grant_consent(engine: Engine, client: MyDataClient, customer_id: str, org_code: str, *,
                        scopes: list[str] | None = None, days: int = CONSENT_MAX_DAYS,
                        now: datetime | None = None) -> ConsentInfo:
    """One institution's consent (see grant_consents)."""
    infos = await grant_consents(engine, client, customer_id, [org_code],
                                 scopes={org_code: scopes} if scopes else None, days=days, now=now)
    return infos[0]


def _store_tokens(session: Session, consent: Consent, tokens: TokenSet) -> None:
    token = session.get(Token, consent.id)
    if token is None:
        token = Token(consent_id=consent.id, customer_id=consent.customer_id, org_code=consent.org_code)
        session.add(token)
    token.access_token = tokens.access_token
    token.refresh_token = tokens.refresh_token
    token.access_expires_at = tokens.access_expires_at
    token.refresh_expires_at = tokens.refresh_expires_at
    token.updated_at = datetime.now(timezone.utc)


def delete_institution_data(session: Session, consent: Consent, reason: str, now: datetime,
                            remote_revoked: bool) -> DeletionInfo:
    """Deletes one institution's data and tokens for one customer and records that it did."""
    counts = {}
    for model in CUSTOMER_DATA_TABLES:
        result = session.execute(delete(model).where(model.customer_id == consent.customer_id,
                                                     model.org_code == consent.org_code))
        counts[model.__tablename__] = result.rowcount or 0
    counts["tokens"] = session.execute(delete(Token).where(Token.consent_id == consent.id)).rowcount or 0
    consent.revoked_at = now
    record = DeletionRecord(customer_id=consent.customer_id, org_code=consent.org_code, consent_id=consent.id,
                            reason=reason, deleted_at=now, rows_deleted=json.dumps(counts),
                            remote_revoked=remote_revoked)
    session.add(record)
    return DeletionInfo(
        consent.customer_id, consent.org_code, consent.id, reason, now, counts, remote_revoked
    )


# What each scope lets us hold. Dropping a list scope drops everything of that institution (nothing
# can be fetched without the list); dropping a detail scope drops what only it fetched.
_ALL = "all"
SCOPE_DATA: dict[str, tuple[str, ...]] = {
    "bank.list": (_ALL,), "card.list": (_ALL,), "invest.list": (_ALL,), "insu.list": (_ALL,),
    "capital.list": (_ALL,),
    "bank.deposit": ("accounts",), "invest.holding": ("accounts",),
    "bank.loan": ("loans",), "capital.loan": ("loans",),
    "card.approval": ("card_approvals",), "card.bill": ("card_bills",),
    "insu.premium": ("premiums",),
}
PREMIUM_COLUMNS = ("premium_amt", "pay_cycle", "pay_day", "paid_count")


def forget_dropped_scopes(session: Session, consent: Consent, dropped: set[str], now: datetime
                          ) -> DeletionInfo | None:
    """Deletes what only the dropped scopes let us hold and records it like a revocation. The list
    cursors are forgotten on any scope change, so the next sync asks for whole lists again."""
    cid, org = consent.customer_id, consent.org_code
    session.execute(delete(SyncCursor).where(SyncCursor.customer_id == cid, SyncCursor.org_code == org))
    parts = {part for scope in dropped for part in SCOPE_DATA.get(scope, ())}
    if not parts:
        return None
    counts: dict[str, int] = {}

    def drop(model) -> None:
        result = session.execute(delete(model).where(model.customer_id == cid, model.org_code == org))
        counts[model.__tablename__] = counts.get(model.__tablename__, 0) + (result.rowcount or 0)

    if _ALL in parts:
        for model in CUSTOMER_DATA_TABLES:
            drop(model)
    else:
        if "accounts" in parts:
            for model in (Transaction, Balance, Holding, Account):
                drop(model)
        if "loans" in parts:
            drop(LoanTransaction)
            drop(Loan)
        if "card_approvals" in parts:
            drop(CardApproval)
        if "card_bills" in parts:
            drop(CardBill)
        if "premiums" in parts:
            result = session.execute(update(InsurancePolicy).where(
                InsurancePolicy.customer_id == cid, InsurancePolicy.org_code == org).values(
                {column: None for column in PREMIUM_COLUMNS}))
            counts["insurance_policies.premium"] = result.rowcount or 0
    session.add(DeletionRecord(customer_id=cid, org_code=org, consent_id=consent.id, reason="scope_narrowed",
                               deleted_at=now, rows_deleted=json.dumps(counts), remote_revoked=False))
    log.info(
        "consent %s for %s narrowed (%s dropped): deleted %s",
        consent.id,
        org,
        " ".join(sorted(dropped)),
        counts,
    )
    return DeletionInfo(cid, org, consent.id, "scope_narrowed", now, counts, False)


async def revoke_consent(engine: Engine, client: MyDataClient | None, customer_id: str, org_code: str,
                         now: datetime | None = None) -> DeletionInfo:
    """Withdraws consent: tells the institution (best effort), then deletes that institution's data."""
    now = now or datetime.now(timezone.utc)
    with session_scope(engine) as session:
        consents = [c for c in active_consents(session, customer_id, now) if c.org_code == org_code]
        if not consents:
            raise ConsentRequired(customer_id, org_code)
        consent_id = consents[0].id
        token = session.get(Token, consent_id)
        inst = session.get(Institution, org_code)
        access, base_url = (token.access_token if token else None), inst.api_base_url
    remote = False
    if client is not None and access and base_url:
        try:
            await client.revoke(base_url, org_code, access)
            remote = True
        except ApiError as exc:
            log.warning("institution %s did not confirm revocation: %s", org_code, exc)
    with session_scope(engine) as session:
        consent = session.get(Consent, consent_id)
        return delete_institution_data(session, consent, "revoked", now, remote)


def purge_expired(engine: Engine, now: datetime | None = None) -> list[DeletionInfo]:
    """Deletes the data of consents whose period ended; run before every sync."""
    now = now or datetime.now(timezone.utc)
    with session_scope(engine) as session:
        expired = (
            session.execute(select(Consent).where(Consent.revoked_at.is_(None), Consent.expires_at <= now))
            .scalars()
            .all()
        )
        return [delete_institution_data(session, c, "expired", now, False) for c in expired]


def deletion_records(session: Session, customer_id: str) -> list[DeletionInfo]:
    rows = session.execute(select(DeletionRecord).where(DeletionRecord.customer_id == customer_id)
                           .order_by(DeletionRecord.id)).scalars()
    return [DeletionInfo(r.customer_id, r.org_code, r.consent_id, r.reason, r.deleted_at,
                         json.loads(r.rows_deleted), r.remote_revoked) for r in rows]


def expire_consent_now(engine: Engine, customer_id: str, org_code: str, now: datetime) -> None:
    """Moves a consent's end to `now` (used by tests and by an operator correcting a period)."""
    with session_scope(engine) as session:
        session.execute(
            update(Consent)
            .where(
                Consent.customer_id == customer_id, Consent.org_code == org_code, Consent.revoked_at.is_(None)
            )
            .values(expires_at=now)
        )

