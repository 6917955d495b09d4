"""Fetching: one institution's permitted assets into a Snapshot, through the MyData client (pages,
token refresh, retries), asking lists with their last search_timestamp and transactions from the
last one stored."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Awaitable

from bot.kb.merchants import MerchantMatcher
from bot.korean.calendar import KST, add_months
from bot.mydata.client import InstitutionApi
from bot.mydata.masking import mask_number
from bot.mydata.standard import fmt_date, fmt_month, parse_date, parse_dtime_utc, parse_rate_bp
from bot.mydata.store.vault import Vault, vault
from bot.mydata.sync.context import ConsentContext

FIRST_SYNC_DAYS = 730
APPROVAL_OVERLAP_DAYS = 7
NON_SPENDING_CLASSES = {"체크카드", "카드대금", "대출상환", "이자", "보험료"}
DEPOSIT_KIND = {"1001": "checking", "1002": "deposit", "1003": "savings"}


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


def number_record(box: Vault, number: str, prefix: str = "account") -> dict:
    """The columns an account, loan or policy number is stored as: encrypted, keyed hash, masked."""
    return {f"{prefix}_num": number, f"{prefix}_key": box.number_key(number),
            f"{prefix}_masked": mask_number(number)}


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
                     "stored": True}
                    for a in self.ctx.live(self.ctx.accounts).values() if a["kind"] != "invest"]
            rows += [{"account_num": x["account_num"], "seqno": "01", "account_type": x["loan_type"],
                      "stored": True, "prod_name": x["prod_name"]}
                     for x in self.ctx.live(self.ctx.loans).values()]
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
                  "account_type": row["account_type"],
                  "kind": DEPOSIT_KIND.get(row["account_type"], "checking")}
        if "prod_name" in row and not row.get("stored"):
            record["prod_name"] = row["prod_name"]
        calls: list[Awaitable[Any]] = [
            self.api.call("POST", "/v1/bank/accounts/deposit/detail", ident),
            self.api.pages(
                "POST",
                "/v1/bank/accounts/deposit/transactions",
                {
                    **ident,
                    "from_date": _from_date(None if stored is None else stored["last_trans_at"], self.now),
                    "to_date": self.today,
                },
                "trans_list",
            ),
        ]
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
        calls: list[Awaitable[Any]] = [
            self.api.call("POST", f"{prefix}/detail", ident),
            self.api.pages(
                "POST",
                f"{prefix}/transactions",
                {
                    **ident,
                    "from_date": _from_date(None if stored is None else stored["last_trans_at"], self.now),
                    "to_date": self.today,
                },
                "trans_list",
            ),
        ]
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
            rows = [{"account_num": x["account_num"], "account_type": x["loan_type"],
                     "prod_name": x["prod_name"], "stored": True}
                    for x in self.ctx.live(self.ctx.loans).values()]
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
        start = _from_date(
            None if stored is None else stored["last_approval_at"], self.now, APPROVAL_OVERLAP_DAYS
        )
        rows, _ = await self.api.pages("GET", f"/v1/card/cards/{record['card_id']}/approval-domestic",
                                       {"org_code": self.ctx.org_code, "from_date": start,
                                        "to_date": self.today}, "approved_list")
        base, matcher = self._base(), self.matcher
        out = []
        for a in rows:
            hit = matcher.match(a["merchant_name"])
            cancelled = a.get("status") == "02"
            out.append({**base, "approved_num": a["approved_num"],
                        "approved_at": parse_dtime_utc(a["approved_dtime"]),
                        "status": "cancelled" if cancelled else "approved",
                        "cancelled_at": (parse_dtime_utc(a["trans_dtime"])
                                         if cancelled and a.get("trans_dtime") else None),
                        "merchant_name": a["merchant_name"], "merchant": hit[0] if hit else None,
                        "category": hit[1] if hit else None, "amount": int(a["approved_amt"]),
                        "installments": int(a.get("total_install_cnt") or 0)})
        if out:
            record["last_approval_at"] = max(r["approved_at"] for r in out)
        self.snap.approvals[record["card_id"]] = out

    async def bills(self) -> None:
        today = self.now.astimezone(KST).date()
        if self.ctx.last_bill_month:
            last = date(int(self.ctx.last_bill_month[:4]), int(self.ctx.last_bill_month[4:]), 1)
            start = fmt_month(add_months(last, -1))
        else:
            start = fmt_month(today - timedelta(days=FIRST_SYNC_DAYS))
        rows, first_page = await self.api.pages("GET", "/v1/card/bills", {
            "org_code": self.ctx.org_code, "from_month": start,
            "to_month": fmt_month(today)}, "bill_list")
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
            record.update(prod_name=row.get("account_name") or "증권계좌",
                          opened_on=_date(row.get("issue_date")))
        self.snap.accounts.append(record)
        if holdings is not None:
            base = self._base()
            self.snap.holdings[number["account_key"]] = [
                {**base, "prod_code": h["prod_code"], "prod_name": h["prod_name"],
                 "asset_type": h.get("asset_type"), "quantity": _int(h["holding_num"]),
                 "purchase_amt": _int(h["purchase_amt"]), "eval_amt": _int(h["eval_amt"])} for h in holdings]

    # -- insurance
    async def insurance(self) -> None:
        if not self.allowed("insu.list"):
            return
        rows = await self.listing("GET", "/v1/insurance/insurances", "insu.list", "insu_list")
        if rows is None:
            rows = [{"insu_num": p["insu_num"], "stored": True}
                    for p in self.ctx.live(self.ctx.policies).values()]
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
