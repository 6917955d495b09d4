"""Sync: fetch what each active consent permits and store it, one institution per transaction.

For every active consent of a customer the permitted assets are fetched concurrently (bounded by
the client's connection limit), following pages, refreshing tokens and backing off as the client
does. Only when an institution's whole snapshot is in memory is it written, in one database
transaction; if anything fails, that institution keeps its last good data and the failure is
recorded on the consent and in `sync_runs`. Lists are asked with their last `search_timestamp`,
transactions from the last one stored (approvals a week earlier, to see cancellations), and rows
are keyed by the institution's own numbers, so running a sync twice stores nothing twice. What a
list no longer holds is marked closed, not deleted: its history stays, it is no longer live.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Awaitable, Callable, Iterable

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from bot.mydata.bulk import bulk_insert, insert_returning_ids, statement
from bot.mydata.client import InstitutionApi, MyDataClient, TokenSet
from bot.mydata.consent import purge_expired
from bot.mydata.errors import ConsentRequired, MyDataError, UnknownCustomer
from bot.mydata.lexicons import INDUSTRY_OF_KIND, MerchantMatcher
from bot.mydata.masking import mask_number
from bot.mydata.models import (Account, Balance, Card, CardApproval, CardBill, Consent, Customer, Holding,
                               Institution, InsurancePolicy, Loan, LoanTransaction, MerchantCategory, SyncCursor,
                               SyncRun, Token, Transaction)
from bot.mydata.timefmt import KST, fmt_date, parse_date, parse_dtime_utc, parse_rate_bp
from bot.mydata.vault import Vault, vault

log = logging.getLogger(__name__)

FIRST_SYNC_DAYS = 730
APPROVAL_OVERLAP_DAYS = 7
NON_SPENDING_CLASSES = {"체크카드", "카드대금", "대출상환", "이자", "보험료"}
DEPOSIT_KIND = {"1001": "checking", "1002": "deposit", "1003": "savings"}
NULLABLE_ON_UPDATE = {"matures_on", "next_repay_date", "next_repay_amt", "closed_at"}


@dataclass
class InstitutionResult:
    org_code: str
    ok: bool
    error: str | None = None
    api_calls: int = 0
    new_transactions: int = 0
    new_approvals: int = 0
    seconds: float = 0.0


@dataclass
class CustomerSyncResult:
    customer_id: str
    institutions: list[InstitutionResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.institutions)

    @property
    def new_records(self) -> int:
        return sum(r.new_transactions + r.new_approvals for r in self.institutions)


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
        return [a["account_num"] for a in self.accounts.values() if a["kind"] == "invest" and a["closed_at"] is None]

    def live(self, stored: dict) -> dict:
        """Stored rows the institution still lists (the rest are kept only for their history)."""
        return {key: row for key, row in stored.items() if row.get("closed_at") is None}

    @property
    def last_bill_month(self) -> str | None:
        return max((month for month, _ in self.bills), default=None)


@dataclass
class Snapshot:
    """Everything fetched from one institution in one sync, ready to be written at once."""

    ctx: ConsentContext
    accounts: list[dict] = field(default_factory=list)
    transactions: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    loans: list[dict] = field(default_factory=list)
    loan_transactions: dict[str, list[dict]] = field(default_factory=dict)
    cards: list[dict] = field(default_factory=list)
    approvals: dict[str, list[dict]] = field(default_factory=dict)
    bills: list[dict] = field(default_factory=list)
    policies: list[dict] = field(default_factory=list)
    holdings: dict[str, list[dict]] = field(default_factory=dict)
    cursors: dict[str, str] = field(default_factory=dict)
    # Keys the institution listed this time; None when its list was not asked or had not changed.
    listed_accounts: set[tuple[str, str]] | None = None
    listed_loans: set[str] | None = None
    listed_cards: set[str] | None = None
    listed_policies: set[str] | None = None


def load_matcher(engine: Engine) -> MerchantMatcher:
    """The merchant -> category mapping as stored (from lexicons.yml and the bank-memo rules)."""
    with Session(engine, future=True) as session:
        rows = session.execute(select(MerchantCategory.pattern, MerchantCategory.merchant,
                                      MerchantCategory.category)).all()
    return MerchantMatcher({p: (m, c) for p, m, c in rows})


# ---------------------------------------------------------------- reading what we have

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


def number_record(box: Vault, number: str, prefix: str = "account") -> dict:
    """The columns an account, loan or policy number is stored as: encrypted, keyed hash, masked."""
    return {f"{prefix}_num": number, f"{prefix}_key": box.number_key(number), f"{prefix}_masked": mask_number(number)}


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
                industry=INDUSTRY_OF_KIND[r.kind], base_url=r.api_base_url, scopes=frozenset(r.scopes.split()),
                scope_text=r.scopes,
                tokens=TokenSet(r.access_token, r.refresh_token, r.access_expires_at, r.refresh_expires_at, r.scopes))
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


# ---------------------------------------------------------------- fetching

def _int(value) -> int | None:
    return None if value in (None, "") else int(str(value).split(".")[0])


def _date(value) -> date | None:
    return parse_date(value) if value else None


def _from_date(last: datetime | None, now: datetime, overlap_days: int = 0) -> str:
    if last is None:
        return fmt_date((now - timedelta(days=FIRST_SYNC_DAYS)).astimezone(KST).date())
    return fmt_date((last - timedelta(days=overlap_days)).astimezone(KST).date())


class InstitutionFetcher:
    """Fetches one institution's permitted assets into a Snapshot."""

    def __init__(self, api: InstitutionApi, ctx: ConsentContext, now: datetime, matcher: MerchantMatcher):
        self.api = api
        self.ctx = ctx
        self.now = now
        self.today = fmt_date(now.astimezone(KST).date())
        self.matcher = matcher
        self.snap = Snapshot(ctx)
        self.box = vault()

    def number_key(self, number: str) -> str:
        return self.box.number_key(number)

    def allowed(self, scope: str) -> bool:
        return scope in self.ctx.scopes

    def _base(self) -> dict:
        return {"customer_id": self.ctx.customer_id, "org_code": self.ctx.org_code}

    async def listing(self, method: str, path: str, resource: str, list_key: str, params: dict | None = None
                      ) -> list[dict] | None:
        """A list asked with its last search_timestamp; None when the institution says it is unchanged."""
        sent = self.ctx.cursors.get(resource)
        query = {"org_code": self.ctx.org_code, **(params or {})}
        if sent:
            query["search_timestamp"] = sent
        rows, first = await self.api.pages(method, path, query, list_key)
        stamp = first.get("search_timestamp")
        if stamp:
            self.snap.cursors[resource] = stamp
        if sent and stamp == sent and not rows:
            return None
        return rows

    async def run(self) -> Snapshot:
        industry = self.ctx.industry
        if industry == "bank":
            await self.bank()
        elif industry == "card":
            await self.card()
        elif industry == "invest":
            await self.invest()
        elif industry == "insu":
            await self.insurance()
        elif industry == "capital":
            await self.capital()
        return self.snap

    # -- bank
    async def bank(self) -> None:
        if not self.allowed("bank.list"):
            return
        rows = await self.listing("GET", "/v1/bank/accounts", "bank.accounts", "account_list")
        if rows is None:
            rows = [{"account_num": a["account_num"], "seqno": a["seqno"], "account_type": a["account_type"],
                     "stored": True} for a in self.ctx.live(self.ctx.accounts).values() if a["kind"] != "invest"]
            rows += [{"account_num": x["account_num"], "seqno": "01", "account_type": x["loan_type"], "stored": True,
                      "prod_name": x["prod_name"]} for x in self.ctx.live(self.ctx.loans).values()]
        else:
            self.snap.listed_accounts = {(self.number_key(r["account_num"]), r["seqno"]) for r in rows
                                         if not r["account_type"].startswith("3")}
            self.snap.listed_loans = {self.number_key(r["account_num"]) for r in rows
                                      if r["account_type"].startswith("3")}
        jobs = []
        for row in rows:
            if row["account_type"].startswith("3"):
                if self.allowed("bank.loan"):
                    jobs.append(self.loan("/v1/bank/accounts/loan", row))
            elif self.allowed("bank.deposit"):
                jobs.append(self.deposit(row))
        await asyncio.gather(*jobs)

    async def deposit(self, row: dict) -> None:
        number = number_record(self.box, row["account_num"])
        key = (number["account_key"], row["seqno"])
        stored = self.ctx.accounts.get(key)
        ident = {"org_code": self.ctx.org_code, "account_num": row["account_num"], "seqno": row["seqno"]}
        record = {**self._base(), **number, "seqno": row["seqno"], "closed_at": None,
                  "account_type": row["account_type"], "kind": DEPOSIT_KIND.get(row["account_type"], "checking")}
        if "prod_name" in row and not row.get("stored"):
            record["prod_name"] = row["prod_name"]
        calls: list[Awaitable[Any]] = [self.api.call("POST", "/v1/bank/accounts/deposit/detail", ident),
                 self.api.pages("POST", "/v1/bank/accounts/deposit/transactions",
                                {**ident, "from_date": _from_date(None if stored is None else stored["last_trans_at"], self.now),
                                 "to_date": self.today}, "trans_list")]
        if stored is None:
            calls.append(self.api.call("POST", "/v1/bank/accounts/deposit/basic", ident))
        answers = await asyncio.gather(*calls)
        detail, (trans, _) = answers[0], answers[1]
        if stored is None:
            basic = answers[2]
            record.update(opened_on=_date(basic.get("issue_date")), matures_on=_date(basic.get("exp_date")),
                          commit_amt=_int(basic.get("commit_amt")),
                          monthly_paid_in=_int(basic.get("monthly_paid_in_amt")),
                          currency=basic.get("currency_code") or "KRW")
        record.update(balance=_int(detail["balance_amt"]), withdrawable=_int(detail.get("withdrawable_amt")),
                      rate_bp=parse_rate_bp(detail.get("offered_rate")))
        own, matcher, base = self.ctx.own_name, self.matcher, self._base()
        rows = []
        for t in trans:
            direction = "in" if t["trans_type"] == "01" else "out"
            memo = t.get("trans_memo") or ""
            trans_class = t.get("trans_class") or ""
            hit = None
            if direction == "out" and trans_class not in NON_SPENDING_CLASSES and memo != own:
                hit = matcher.match(memo)
            rows.append({**base, "trans_no": t["trans_no"], "occurred_at": parse_dtime_utc(t["trans_dtime"]),
                         "direction": direction, "trans_class": trans_class, "memo": memo,
                         "amount": int(t["trans_amt"]), "balance_after": _int(t.get("balance_amt")),
                         "merchant": hit[0] if hit else None, "category": hit[1] if hit else None})
        record["last_trans_at"] = max(r["occurred_at"] for r in rows) if rows else None
        self.snap.accounts.append(record)
        self.snap.transactions[key] = rows

    async def loan(self, prefix: str, row: dict) -> None:
        num = row["account_num"]
        number = number_record(self.box, num)
        stored = self.ctx.loans.get(number["account_key"])
        ident = {"org_code": self.ctx.org_code, "account_num": num, "seqno": row.get("seqno", "01")}
        record = {**self._base(), **number, "loan_type": row["account_type"], "closed_at": None,
                  "prod_name": row.get("prod_name") or (stored or {}).get("prod_name") or ""}
        calls: list[Awaitable[Any]] = [self.api.call("POST", f"{prefix}/detail", ident),
                 self.api.pages("POST", f"{prefix}/transactions",
                                {**ident, "from_date": _from_date(None if stored is None else stored["last_trans_at"], self.now),
                                 "to_date": self.today}, "trans_list")]
        if stored is None:
            calls.append(self.api.call("POST", f"{prefix}/basic", ident))
        answers = await asyncio.gather(*calls)
        detail, (trans, _) = answers[0], answers[1]
        if stored is None:
            basic = answers[2]
            record.update(opened_on=_date(basic.get("issue_date")), matures_on=_date(basic.get("exp_date")),
                          repay_method=basic.get("repay_method"), repay_day=_int(basic.get("repay_date")),
                          principal=_int(basic.get("loan_principal")))
        record.update(balance=_int(detail["balance_amt"]), rate_bp=parse_rate_bp(detail.get("offered_rate")),
                      next_repay_date=_date(detail.get("next_repay_date")),
                      next_repay_amt=_int(detail.get("next_repay_amt")),
                      overdue_days=int(detail.get("overdue_days") or 0))
        if detail.get("loan_principal"):
            record["principal"] = _int(detail["loan_principal"])
        base = self._base()
        rows = [{**base, "trans_no": t["trans_no"], "occurred_at": parse_dtime_utc(t["trans_dtime"]),
                 "amount": int(t["trans_amt"]), "principal_amt": _int(t.get("principal_amt")) or 0,
                 "interest_amt": _int(t.get("int_amt")) or 0, "balance_after": _int(t.get("balance_amt")),
                 "due_date": _date(t.get("due_date")), "overdue_days": int(t.get("overdue_days") or 0)}
                for t in trans]
        if rows:
            record["last_trans_at"] = max(r["occurred_at"] for r in rows)
        self.snap.loans.append(record)
        self.snap.loan_transactions[number["account_key"]] = rows

    async def capital(self) -> None:
        if not self.allowed("capital.list"):
            return
        rows = await self.listing("GET", "/v1/capital/loans", "capital.loans", "account_list")
        if rows is None:
            rows = [{"account_num": x["account_num"], "account_type": x["loan_type"], "prod_name": x["prod_name"],
                     "stored": True} for x in self.ctx.live(self.ctx.loans).values()]
        else:
            self.snap.listed_loans = {self.number_key(r["account_num"]) for r in rows}
        if self.allowed("capital.loan"):
            await asyncio.gather(*(self.loan("/v1/capital/loans", row) for row in rows))

    # -- card
    async def card(self) -> None:
        if not self.allowed("card.list"):
            return
        cards = await self.listing("GET", "/v1/card/cards", "card.cards", "card_list")
        base = self._base()
        limits = await self.api.call("GET", "/v1/card/limit", {"org_code": self.ctx.org_code})
        limit_by_card = {x["card_id"]: _int(x["limit_amt"]) for x in limits.get("limit_list") or []}
        if cards is None:
            cards = [{"card_id": cid, "stored": True} for cid in self.ctx.live(self.ctx.cards)]
        else:
            self.snap.listed_cards = {c["card_id"] for c in cards}
        jobs = []
        for c in cards:
            record = {**base, "card_id": c["card_id"], "limit_amt": limit_by_card.get(c["card_id"]),
                      "closed_at": None}
            if not c.get("stored"):
                record.update(card_num=mask_number(c["card_num"]), card_name=c["card_name"],
                              card_type="check" if c.get("card_type") == "02" else "credit",
                              issued_on=_date(c.get("issue_date")))
            self.snap.cards.append(record)
            if self.allowed("card.approval"):
                jobs.append(self.approvals(record))
        if self.allowed("card.bill"):
            jobs.append(self.bills())
        await asyncio.gather(*jobs)

    async def approvals(self, record: dict) -> None:
        stored = self.ctx.cards.get(record["card_id"])
        start = _from_date(None if stored is None else stored["last_approval_at"], self.now, APPROVAL_OVERLAP_DAYS)
        rows, _ = await self.api.pages("GET", f"/v1/card/cards/{record['card_id']}/approval-domestic",
                                       {"org_code": self.ctx.org_code, "from_date": start, "to_date": self.today},
                                       "approved_list")
        base, matcher = self._base(), self.matcher
        out = []
        for a in rows:
            hit = matcher.match(a["merchant_name"])
            cancelled = a.get("status") == "02"
            out.append({**base, "approved_num": a["approved_num"], "approved_at": parse_dtime_utc(a["approved_dtime"]),
                        "status": "cancelled" if cancelled else "approved",
                        "cancelled_at": parse_dtime_utc(a["trans_dtime"]) if cancelled and a.get("trans_dtime") else None,
                        "merchant_name": a["merchant_name"], "merchant": hit[0] if hit else None,
                        "category": hit[1] if hit else None, "amount": int(a["approved_amt"]),
                        "installments": int(a.get("total_install_cnt") or 0)})
        if out:
            record["last_approval_at"] = max(r["approved_at"] for r in out)
        self.snap.approvals[record["card_id"]] = out

    async def bills(self) -> None:
        today = self.now.astimezone(KST).date()
        if self.ctx.last_bill_month:
            year, month = int(self.ctx.last_bill_month[:4]), int(self.ctx.last_bill_month[4:])
            month -= 1
            if month == 0:
                year, month = year - 1, 12
            start = f"{year:04d}{month:02d}"
        else:
            first = today - timedelta(days=FIRST_SYNC_DAYS)
            start = f"{first.year:04d}{first.month:02d}"
        rows, first_page = await self.api.pages("GET", "/v1/card/bills", {
            "org_code": self.ctx.org_code, "from_month": start, "to_month": f"{today.year:04d}{today.month:02d}"},
            "bill_list")
        base = self._base()
        self.snap.bills = [{**base, "charge_month": b["charge_month"], "seqno": b["seqno"],
                            "due_date": parse_date(b["charge_day"]), "amount": int(b["charge_amt"]),
                            "paid_on": _date(b.get("paid_out_date"))} for b in rows]

    # -- securities
    async def invest(self) -> None:
        if not self.allowed("invest.list"):
            return
        rows = await self.listing("GET", "/v1/invest/accounts", "invest.accounts", "account_list")
        if rows is None:
            rows = [{"account_num": num, "stored": True} for num in self.ctx.invest_accounts]
        else:
            self.snap.listed_accounts = {(self.number_key(r["account_num"]), "01") for r in rows}
        if self.allowed("invest.holding"):
            await asyncio.gather(*(self.invest_account(row) for row in rows))

    async def invest_account(self, row: dict) -> None:
        num = row["account_num"]
        number = number_record(self.box, num)
        ident = {"org_code": self.ctx.org_code, "account_num": num}
        basic, holdings = await asyncio.gather(
            self.api.call("POST", "/v1/invest/accounts/basic", ident),
            self.listing("POST", "/v1/invest/accounts/products", f"invest.products:{number['account_key']}",
                         "prod_list", {"account_num": num}))
        record = {**self._base(), **number, "seqno": "01", "kind": "invest", "closed_at": None,
                  "account_type": row.get("account_type") or "01", "balance": _int(basic["balance_amt"]),
                  "withdrawable": _int(basic["balance_amt"]), "eval_amt": _int(basic.get("eval_amt")),
                  "currency": basic.get("currency_code") or "KRW"}
        if not row.get("stored"):
            record.update(prod_name=row.get("account_name") or "증권계좌", opened_on=_date(row.get("issue_date")))
        self.snap.accounts.append(record)
        if holdings is not None:
            base = self._base()
            self.snap.holdings[number["account_key"]] = [
                {**base, "prod_code": h["prod_code"], "prod_name": h["prod_name"], "asset_type": h.get("asset_type"),
                 "quantity": _int(h["holding_num"]), "purchase_amt": _int(h["purchase_amt"]),
                 "eval_amt": _int(h["eval_amt"])} for h in holdings]

    # -- insurance
    async def insurance(self) -> None:
        if not self.allowed("insu.list"):
            return
        rows = await self.listing("GET", "/v1/insurance/insurances", "insu.list", "insu_list")
        if rows is None:
            rows = [{"insu_num": p["insu_num"], "stored": True} for p in self.ctx.live(self.ctx.policies).values()]
        else:
            self.snap.listed_policies = {self.number_key(r["insu_num"]) for r in rows}
        await asyncio.gather(*(self.policy(row) for row in rows))

    async def policy(self, row: dict) -> None:
        ident = {"org_code": self.ctx.org_code, "insu_num": row["insu_num"]}
        record = {**self._base(), **number_record(self.box, row["insu_num"], "insu"), "closed_at": None}
        calls = []
        if not row.get("stored"):
            record.update(prod_name=row["prod_name"], insu_type=row["insu_type"], status=row["insu_status"])
            calls.append(self.api.call("POST", "/v1/insurance/insurances/basic", ident))
        if self.allowed("insu.premium"):
            calls.append(self.api.call("POST", "/v1/insurance/insurances/payment", ident))
        answers = await asyncio.gather(*calls)
        if not row.get("stored"):
            basic = answers[0]
            record.update(issued_on=_date(basic.get("issue_date")), expires_on=_date(basic.get("exp_date")),
                          face_amt=_int(basic.get("face_amt")))
        if self.allowed("insu.premium"):
            pay = answers[-1]
            record.update(premium_amt=_int(pay.get("pay_amt")), pay_cycle=pay.get("pay_cycle"),
                          pay_day=_int(pay.get("pay_date")), paid_count=_int(pay.get("pay_cnt")))
        self.snap.policies.append(record)


# ---------------------------------------------------------------- writing
# Few, reused statements on one connection per institution keep a 10,000-customer sync fast; the
# whole institution still commits or rolls back as one transaction.

def _fill(model, rows: list[dict]) -> list[dict]:
    """Gives every row the same keys (executemany needs that), using column defaults for gaps."""
    keys = set().union(*rows)
    defaults = {}
    for key in keys:
        default = model.__table__.c[key].default
        defaults[key] = default.arg if default is not None and not callable(default.arg) else None
    return [{k: (r[k] if k in r else defaults[k]) for k in keys} for r in rows]


def _diff(stored: dict, record: dict) -> dict:
    return {k: v for k, v in record.items()
            if stored.get(k) != v and (v is not None or k in NULLABLE_ON_UPDATE)}


def _update_rows(conn, model, updates: list[tuple[int, dict]]) -> None:
    """Changed rows by id, one executemany per set of changed columns (one round trip, not one a row)."""
    by_columns: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for row_id, changes in updates:
        by_columns[tuple(sorted(changes))].append({"row_id": row_id, **{f"v_{k}": v for k, v in changes.items()}})
    for keys, params in by_columns.items():
        stmt = statement(("update", model, keys), lambda: update(model).where(model.id == bindparam("row_id"))
                         .values({k: bindparam(f"v_{k}", type_=model.__table__.c[k].type) for k in keys}))
        conn.execute(stmt, params)


def _write_parents(conn, model, key_cols: tuple[str, ...], records: list[dict], stored: dict, now: datetime,
                   want_ids: bool = True) -> dict[tuple, int]:
    """Inserts new parent rows in one statement, updates changed ones; returns natural key -> id."""
    ids, new, updates = {}, [], []
    stamped = hasattr(model, "updated_at")
    for record in records:
        key = tuple(record[c] for c in key_cols)
        old = stored.get(key if len(key) > 1 else key[0])
        if old is None:
            new.append({**record, "updated_at": now} if stamped else record)
            continue
        ids[key] = old["id"]
        changes = _diff(old, record)
        if changes:
            if stamped:
                changes["updated_at"] = now
            updates.append((old["id"], changes))
    _update_rows(conn, model, updates)
    if new and want_ids:
        ids.update(insert_returning_ids(conn, model.__table__, _fill(model, new), key_cols))
    elif new:
        bulk_insert(conn, model.__table__, _fill(model, new))
    return ids


def _close_unlisted(conn, model, stored: dict, listed: set | None, now: datetime) -> list[int]:
    """Stored rows the institution no longer lists are marked closed: kept for their history (past
    spending, repayments), left out of what is live (balances, debts, linked assets)."""
    if listed is None:
        return []
    gone = [row["id"] for key, row in stored.items() if key not in listed and row.get("closed_at") is None]
    _update_rows(conn, model, [(row_id, {"closed_at": now, "updated_at": now}) for row_id in gone])
    return gone


def _insert_children(conn, model, parent_col, batches: list[tuple[int, bool, list[dict]]], key_col: str,
                     time_col: str) -> int:
    """Inserts children not stored yet; batches are (parent id, parent was stored before, rows)."""
    known_parents = [pid for pid, known, rows in batches if known and rows]
    seen: set[tuple[int, str]] = set()
    if known_parents:
        earliest = min(r[time_col] for pid, known, rows in batches if known for r in rows)
        query = statement(("children", model), lambda: select(parent_col, getattr(model, key_col)).where(
            parent_col.in_(bindparam("ids", expanding=True)),
            getattr(model, time_col) >= bindparam("since", type_=getattr(model, time_col).type)))
        seen = set(map(tuple, conn.execute(query, {"ids": known_parents, "since": earliest})))
    fresh = []
    name = parent_col.key
    for pid, _, rows in batches:
        for r in rows:
            mark = (pid, r[key_col])
            if mark not in seen:
                seen.add(mark)
                r[name] = pid
                fresh.append(r)
    bulk_insert(conn, model.__table__, fresh)
    return len(fresh)


def _store_tokens_core(conn, consent_id: int, tokens: TokenSet) -> None:
    columns = ("access_token", "refresh_token", "access_expires_at", "refresh_expires_at", "updated_at")
    stmt = statement(("store_tokens",), lambda: update(Token).where(
        Token.consent_id == bindparam("b_consent_id")).values(
        {name: bindparam(f"v_{name}", type_=Token.__table__.c[name].type) for name in columns}))
    conn.execute(stmt, {"b_consent_id": consent_id, "v_access_token": tokens.access_token,
                        "v_refresh_token": tokens.refresh_token, "v_access_expires_at": tokens.access_expires_at,
                        "v_refresh_expires_at": tokens.refresh_expires_at, "v_updated_at": datetime.now(timezone.utc)})


def _claim_consent(conn: Connection, ctx: ConsentContext, now: datetime) -> None:
    """Marks the consent synced, only if it is still active with the scopes the data was fetched under.

    Being the transaction's first write, it also takes the consent's row lock (PostgreSQL) or the
    database's write lock (SQLite) before anything is stored, so a revocation, expiry or scope change
    that lands while data was in flight wins and nothing is stored for it. On PostgreSQL the same
    statement turns off waiting for the WAL flush at commit for this transaction only: a commit lost
    in a crash is fetched again by the next (idempotent) sync.
    """
    postgres = conn.dialect.name == "postgresql"

    def build():
        when = Consent.expires_at.type
        stmt = (update(Consent).where(Consent.id == bindparam("consent_id"), Consent.revoked_at.is_(None),
                                      Consent.expires_at > bindparam("v_now", type_=when),
                                      Consent.scopes == bindparam("v_scopes"))
                .values(last_success_at=bindparam("v_now", type_=when), last_attempt_at=bindparam("v_now", type_=when),
                        last_error=None))
        return stmt.returning(func.set_config("synchronous_commit", "off", True)) if postgres else stmt

    result = conn.execute(statement(("claim_consent", postgres), build),
                          {"consent_id": ctx.consent_id, "v_now": now, "v_scopes": ctx.scope_text})
    if result.rowcount != 1:
        raise ConsentRequired(ctx.customer_id, ctx.org_code)


def _store_approvals(conn, ctx: ConsentContext, snap: Snapshot, card_ids: dict) -> int:
    """New approvals are inserted; a known approval whose status changed (a cancellation) is updated."""
    batches = [(card_ids[(c,)], c in ctx.cards, rows) for c, rows in snap.approvals.items()]
    known = [(pid, rows) for pid, was, rows in batches if was and rows]
    stored_status = {}
    if known:
        earliest = min(r["approved_at"] for _, rows in known for r in rows)
        query = statement(("approval_status",), lambda: select(
            CardApproval.id, CardApproval.card_pk, CardApproval.approved_num, CardApproval.status).where(
            CardApproval.card_pk.in_(bindparam("ids", expanding=True)),
            CardApproval.approved_at >= bindparam("since", type_=CardApproval.approved_at.type)))
        stored_status = {(r.card_pk, r.approved_num): (r.id, r.status) for r in conn.execute(
            query, {"ids": [pid for pid, _ in known], "since": earliest})}
    fresh, changed = [], []
    for pid, _, rows in batches:
        for r in rows:
            hit = stored_status.get((pid, r["approved_num"]))
            if hit is None:
                stored_status[(pid, r["approved_num"])] = (None, r["status"])
                r["card_pk"] = pid
                fresh.append(r)
            elif hit[0] is not None and hit[1] != r["status"]:
                changed.append((hit[0], {"status": r["status"], "cancelled_at": r["cancelled_at"]}))
    _update_rows(conn, CardApproval, changed)
    bulk_insert(conn, CardApproval.__table__, fresh)
    return len(fresh)


def write_snapshot(conn: Connection, snap: Snapshot, now: datetime, started: datetime, api_calls: int,
                   refreshed: TokenSet | None) -> tuple[int, int]:
    """Stores one institution's snapshot in a single transaction; returns (new transactions, new approvals)."""
    ctx = snap.ctx
    with conn.begin():
        _claim_consent(conn, ctx, now)
        # accounts, balance history, transactions, holdings
        account_ids = _write_parents(conn, Account, ("account_key", "seqno"), snap.accounts, ctx.accounts, now)
        balances = []
        for record in snap.accounts:
            key = (record["account_key"], record["seqno"])
            old = ctx.accounts.get(key)
            if record.get("balance") is not None and (old is None or old["balance"] != record["balance"]):
                balances.append({"account_id": account_ids[key], "customer_id": ctx.customer_id,
                                 "org_code": ctx.org_code, "observed_at": now, "balance": record["balance"]})
        bulk_insert(conn, Balance.__table__, balances)
        new_txns = _insert_children(conn, Transaction, Transaction.account_id,
                                    [(account_ids[k], k in ctx.accounts, rows) for k, rows in snap.transactions.items()],
                                    "trans_no", "occurred_at")
        closed_accounts = _close_unlisted(conn, Account, ctx.accounts, snap.listed_accounts, now)
        holder_ids = [account_ids[(key, "01")] for key in snap.holdings] + closed_accounts
        if holder_ids:
            conn.execute(statement(("holdings_delete",), lambda: delete(Holding).where(
                Holding.account_id.in_(bindparam("ids", expanding=True)))), {"ids": holder_ids})
        if snap.holdings:
            bulk_insert(conn, Holding.__table__, [{**r, "account_id": account_ids[(key, "01")], "updated_at": now}
                                                  for key, items in snap.holdings.items() for r in items])
        # loans and repayments
        loan_ids = _write_parents(conn, Loan, ("account_key",), snap.loans, ctx.loans, now)
        _close_unlisted(conn, Loan, ctx.loans, snap.listed_loans, now)
        _insert_children(conn, LoanTransaction, LoanTransaction.loan_id,
                         [(loan_ids[(n,)], n in ctx.loans, rows) for n, rows in snap.loan_transactions.items()],
                         "trans_no", "occurred_at")
        # cards, approvals, bills, insurance
        card_ids = _write_parents(conn, Card, ("card_id",), snap.cards, ctx.cards, now)
        _close_unlisted(conn, Card, ctx.cards, snap.listed_cards, now)
        new_approvals = _store_approvals(conn, ctx, snap, card_ids)
        _write_parents(conn, CardBill, ("charge_month", "seqno"), snap.bills, ctx.bills, now, want_ids=False)
        _write_parents(conn, InsurancePolicy, ("insu_key",), snap.policies, ctx.policies, now, want_ids=False)
        _close_unlisted(conn, InsurancePolicy, ctx.policies, snap.listed_policies, now)
        # cursors, tokens and the run itself
        bulk_insert(conn, SyncCursor.__table__, [
            {"customer_id": ctx.customer_id, "org_code": ctx.org_code, "resource": resource, "search_timestamp": stamp}
            for resource, stamp in snap.cursors.items() if resource not in ctx.cursors])
        moved = [{"cid": ctx.customer_id, "org": ctx.org_code, "b_resource": resource, "stamp": stamp}
                 for resource, stamp in snap.cursors.items()
                 if resource in ctx.cursors and ctx.cursors[resource] != stamp]
        if moved:
            conn.execute(statement(("cursor_update",), lambda: update(SyncCursor).where(
                SyncCursor.customer_id == bindparam("cid"), SyncCursor.org_code == bindparam("org"),
                SyncCursor.resource == bindparam("b_resource")).values(search_timestamp=bindparam("stamp"))), moved)
        if refreshed is not None:
            _store_tokens_core(conn, ctx.consent_id, refreshed)
        bulk_insert(conn, SyncRun.__table__, [{
            "customer_id": ctx.customer_id, "org_code": ctx.org_code, "consent_id": ctx.consent_id,
            "started_at": started, "finished_at": datetime.now(timezone.utc), "status": "ok", "error": None,
            "api_calls": api_calls, "new_transactions": new_txns, "new_approvals": new_approvals}])
    return new_txns, new_approvals


def record_failure(conn: Connection, ctx: ConsentContext, error: str, now: datetime, started: datetime,
                   api_calls: int, refreshed: TokenSet | None) -> None:
    """Keeps the last good data and notes why this attempt failed."""
    with conn.begin():
        conn.execute(update(Consent).where(Consent.id == ctx.consent_id, Consent.revoked_at.is_(None)).values(
            last_attempt_at=now, last_error=error[:500]))
        if refreshed is not None:
            _store_tokens_core(conn, ctx.consent_id, refreshed)
        conn.execute(insert(SyncRun).values(
            customer_id=ctx.customer_id, org_code=ctx.org_code, consent_id=ctx.consent_id, started_at=started,
            finished_at=datetime.now(timezone.utc), status="failed", error=error[:2000], api_calls=api_calls))


class StoreWorker:
    """Runs database work off the event loop: one thread for SQLite (one writer at a time), several
    for PostgreSQL (each waits on its own server process, so more of them hide the round trips of a
    batch); `threads=0` runs it inline.

    Each thread keeps one connection for the whole batch: checking a connection out of the pool
    (and pinging it) for every institution costs more than many of the institutions' writes. A
    unit of work that fails gives its connection back, so the next one starts on a fresh one.
    """

    def __init__(self, engine: Engine, threads: int | None = None, batch: bool = False):
        self.engine = engine
        if threads is None:
            threads = 1 if engine.dialect.name == "sqlite" else (8 if batch else 3)
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="mydata-store") if threads else None
        self._local = threading.local()
        self._kept: list[Connection] = []
        self._kept_lock = threading.Lock()

    def _on_connection(self, fn, args):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._local.conn = self.engine.connect()
            with self._kept_lock:
                self._kept.append(conn)
        try:
            return fn(conn, *args)
        except BaseException:
            self._local.conn = None
            conn.close()
            raise

    async def run(self, fn, *args):
        """fn(*args) on a store thread."""
        if self._pool is None:
            return fn(*args)
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def on_connection(self, fn, *args):
        """fn(connection, *args) on a store thread, with that thread's kept connection."""
        return await self.run(self._on_connection, fn, args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        with self._kept_lock:
            for conn in self._kept:
                conn.close()
            self._kept.clear()


# ---------------------------------------------------------------- orchestration

async def _sync_institution(client: MyDataClient, worker: StoreWorker, ctx: ConsentContext, now: datetime,
                            matcher: MerchantMatcher, api_type: str) -> InstitutionResult:
    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    api = client.institution(ctx.base_url, ctx.org_code, ctx.tokens, api_type)
    try:
        snap = await InstitutionFetcher(api, ctx, now, matcher).run()
        new_txns, new_approvals = await worker.on_connection(write_snapshot, snap, now, started, api.calls,
                                                             api.tokens if api.refreshed else None)
    except Exception as exc:  # any failure leaves the institution's last good data in place
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, MyDataError):
            log.exception("sync of %s for %s failed unexpectedly", ctx.org_code, ctx.customer_id)
        else:
            log.warning("sync of %s for %s failed: %s", ctx.org_code, ctx.customer_id, error)
        await worker.on_connection(record_failure, ctx, error, now, started, api.calls,
                                   api.tokens if api.refreshed else None)
        return InstitutionResult(ctx.org_code, False, error, api.calls, seconds=time.perf_counter() - clock)
    return InstitutionResult(ctx.org_code, True, None, api.calls, new_txns, new_approvals,
                             time.perf_counter() - clock)


async def sync_customer(engine: Engine, client: MyDataClient, customer_id: str, *, now: datetime | None = None,
                        orgs: Iterable[str] | None = None, api_type: str = "regular",
                        worker: StoreWorker | None = None, matcher: MerchantMatcher | None = None
                        ) -> CustomerSyncResult:
    """Syncs every active consent of one customer (or only `orgs`); never raises for one institution."""
    now = now or datetime.now(timezone.utc)
    clock = time.perf_counter()
    own_worker = worker is None
    worker = worker or StoreWorker(engine)
    try:
        matcher = matcher or await worker.run(load_matcher, engine)
        contexts = await worker.on_connection(load_contexts, customer_id, now, orgs)
        results = await asyncio.gather(*(_sync_institution(client, worker, ctx, now, matcher, api_type)
                                         for ctx in contexts))
    finally:
        if own_worker:
            worker.close()
    return CustomerSyncResult(customer_id, list(results), time.perf_counter() - clock)


async def sync_customers(engine: Engine, client: MyDataClient, customer_ids: Iterable[str], *,
                         now: datetime | None = None, concurrency: int = 16, store_threads: int | None = None,
                         on_done: Callable[[CustomerSyncResult], None] | None = None) -> list[CustomerSyncResult]:
    """Syncs many customers, `concurrency` at a time, after purging expired consents."""
    now = now or datetime.now(timezone.utc)
    worker = StoreWorker(engine, store_threads, batch=True)
    try:
        await worker.run(purge_expired, engine, now)
        matcher = await worker.run(load_matcher, engine)
        gate = asyncio.Semaphore(concurrency)

        async def one(customer_id: str) -> CustomerSyncResult:
            async with gate:
                result = await sync_customer(engine, client, customer_id, now=now, worker=worker, matcher=matcher)
            if on_done is not None:
                on_done(result)
            return result

        return list(await asyncio.gather(*(one(c) for c in customer_ids)))
    finally:
        worker.close()
