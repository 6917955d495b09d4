"""What a sync starts from, read from the store before anything is fetched: each active consent
with its tokens, scopes and what is already stored for it, and the merchant -> category mapping."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.kb.merchants import MerchantMatcher
from bot.mydata.client import TokenSet
from bot.mydata.errors import ConsentRequired, UnknownCustomer
from bot.mydata.standard import INDUSTRY_OF_KIND
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import (
    Account,
    Card,
    CardBill,
    Consent,
    Customer,
    Institution,
    InsurancePolicy,
    Loan,
    MerchantCategory,
    SyncCursor,
    Token,
)
from bot.mydata.store.vault import vault


@dataclass
class ConsentContext:
    """What one institution's sync needs to know before it starts: consent, tokens, stored rows."""

    customer_id: str
    own_name: str
    consent_id: int
    org_code: str
    industry: str
    base_url: str
    scopes: frozenset[str]
    tokens: TokenSet
    scope_text: str = ""  # the scopes exactly as stored, to detect a change while data is in flight
    # Accounts and loans are keyed by the number's keyed hash, recomputed from the decrypted number
    # (so a stored row still matches after a key rotation): (account_key, seqno) and account_key.
    accounts: dict[tuple[str, str], dict] = field(default_factory=dict)
    loans: dict[str, dict] = field(default_factory=dict)
    cards: dict[str, dict] = field(default_factory=dict)
    policies: dict[str, dict] = field(default_factory=dict)
    bills: dict[tuple[str, str], dict] = field(default_factory=dict)
    cursors: dict[str, str] = field(default_factory=dict)

    @property
    def invest_accounts(self) -> list[str]:
        return [a["account_num"] for a in self.accounts.values()
                if a["kind"] == "invest" and a["closed_at"] is None]

    def live(self, stored: dict) -> dict:
        """Stored rows the institution still lists (the rest are kept only for their history)."""
        return {key: row for key, row in stored.items() if row.get("closed_at") is None}

    @property
    def last_bill_month(self) -> str | None:
        return max((month for month, _ in self.bills), default=None)


def load_matcher(engine: Engine) -> MerchantMatcher:
    """The merchant -> category mapping as stored (from lexicons.yml and the bank-memo rules)."""
    with Session(engine, future=True) as session:
        rows = session.execute(select(MerchantCategory.pattern, MerchantCategory.merchant,
                                      MerchantCategory.category)).all()
    return MerchantMatcher({p: (m, c) for p, m, c in rows})


# Stored rows are keyed as the fetcher keys what it fetched; numbers (NUMBER_COLUMNS) by their keyed hash.
STORED = ((Account, "accounts", ("account_num", "seqno"), {"bank", "invest"}),
          (Loan, "loans", ("account_num",), {"bank", "capital"}),
          (Card, "cards", ("card_id",), {"card"}), (InsurancePolicy, "policies", ("insu_num",), {"insu"}),
          (CardBill, "bills", ("charge_month", "seqno"), {"card"}))


def _consents_query():
    return (select(Consent.id, Consent.org_code, Consent.scopes, Consent.last_success_at, Customer.name,
                   Institution.kind, Institution.api_base_url, Token.access_token, Token.refresh_token,
                   Token.access_expires_at, Token.refresh_expires_at)
            .join(Customer, Customer.id == Consent.customer_id)
            .join(Token, Token.consent_id == Consent.id)
            .join(Institution, Institution.org_code == Consent.org_code)
            .where(Consent.customer_id == bindparam("cid"), Consent.revoked_at.is_(None),
                   Consent.expires_at > bindparam("now", type_=Consent.expires_at.type)))


NUMBER_COLUMNS = {"account_num", "insu_num"}


def load_contexts(conn: Connection, customer_id: str, now: datetime, orgs: Iterable[str] | None = None
                  ) -> list[ConsentContext]:
    """Active consents with tokens and what is already stored; consent is checked here, before any fetch.

    A consent never synced successfully has nothing stored (a sync stores and marks success in one
    transaction; revocation deletes), so only tables of institutions synced before are read.
    """
    with conn.begin():
        rows = conn.execute(statement(("consents",), _consents_query), {"cid": customer_id, "now": now}).all()
        if not rows and conn.execute(statement(("customer",), lambda: select(Customer.id).where(
                Customer.id == bindparam("cid"))), {"cid": customer_id}).first() is None:
            raise UnknownCustomer(customer_id)
        wanted = set(orgs) if orgs is not None else None
        if wanted is not None:
            missing = wanted - {r.org_code for r in rows}
            if missing:
                raise ConsentRequired(customer_id, sorted(missing)[0])
            rows = [r for r in rows if r.org_code in wanted]
        contexts = {}
        for r in rows:
            contexts[r.org_code] = ConsentContext(
                customer_id=customer_id, own_name=r.name, consent_id=r.id, org_code=r.org_code,
                industry=INDUSTRY_OF_KIND[r.kind], base_url=r.api_base_url,
                scopes=frozenset(r.scopes.split()), scope_text=r.scopes,
                tokens=TokenSet(r.access_token, r.refresh_token, r.access_expires_at, r.refresh_expires_at,
                                r.scopes))
        synced = {contexts[r.org_code].industry for r in rows if r.last_success_at is not None}
        if not synced:
            return list(contexts.values())
        box = vault()
        for model, attr, key_cols, industries in STORED:
            if not synced & industries:
                continue
            query = statement(("stored", model), lambda: select(model.__table__).where(
                model.customer_id == bindparam("cid")))
            for row in conn.execute(query, {"cid": customer_id}).mappings():
                ctx = contexts.get(row["org_code"])
                if ctx is not None:
                    key = tuple(box.number_key(row[c]) if c in NUMBER_COLUMNS else row[c] for c in key_cols)
                    getattr(ctx, attr)[key if len(key) > 1 else key[0]] = dict(row)
        cursors = statement(("cursors",), lambda: select(SyncCursor.org_code, SyncCursor.resource,
                                                         SyncCursor.search_timestamp)
                            .where(SyncCursor.customer_id == bindparam("cid")))
        for org, resource, stamp in conn.execute(cursors, {"cid": customer_id}):
            if org in contexts:
                contexts[org].cursors[resource] = stamp
        return list(contexts.values())
