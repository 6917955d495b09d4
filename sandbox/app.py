"""The sandbox HTTP server: many institutions, one process, the MyData standard's shape.

Every institution lives under its org code: `http://host:port/{org_code}` is its base URL, with
`/oauth/2.0/authorize|token|revoke` and `/v1/{bank|card|invest|insurance|capital}/...` below it.
`/portal/v1/customers/{id}/orgs` plays the integrated-authentication portal that tells which
institutions hold a customer's assets, and `/_sandbox/...` holds the test knobs (faults, clock).
"""
from __future__ import annotations

import asyncio
import bisect
import hashlib
import random
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import ujson
from aiohttp import web

from bot.mydata import credentials
from bot.mydata.standard import HTTP_STATUS, RSP_BAD_PARAM, RSP_NO_CONSENT, RSP_NOT_FOUND, RSP_OK, RSP_RATE_LIMIT, RSP_SERVER_ERROR, RSP_UNAVAILABLE, SCOPES_BY_INDUSTRY
from sandbox.auth import AuthFailure, Grant, TokenAuthority
from sandbox.config import SandboxConfig
from sandbox.generator import customer_orgs, generate_customer
from sandbox.records import CustomerBook, InstitutionBook
from sandbox.reference import STOCKS, security_price
from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import KST
from bot.mydata.standard import INDUSTRY_OF_KIND, fmt_date, fmt_rate, parse_dtime

MAX_LIMIT = 500


@dataclass
class Faults:
    """Knobs tests turn to make institutions misbehave. All default to a healthy sandbox."""

    latency_ms: int = 0
    slow_requests: int = 0  # the next N API calls take slow_ms each (to provoke client timeouts)
    slow_ms: int = 0
    error_rate: float = 0.0  # share of API calls answered with a 500
    down: set[str] = field(default_factory=set)  # org codes answering 503
    down_after: dict[str, int] = field(default_factory=dict)  # org -> API calls still served before going down
    rate_limit_per_s: dict[str, float] = field(default_factory=dict)  # org or "*" -> calls per second
    seed: int = 0

    def to_json(self) -> dict:
        data = asdict(self)
        data["down"] = sorted(self.down)
        return data


class SandboxClock:
    """The sandbox's 'now': fixed (tests, benchmarks) or the wall clock, plus an offset."""

    def __init__(self, fixed: datetime | None = None):
        self.fixed = fixed
        self.offset = timedelta()

    def now(self) -> datetime:
        base = self.fixed if self.fixed is not None else datetime.now(KST)
        return (base + self.offset).astimezone(KST)

    def now_str(self) -> str:
        return self.now().strftime("%Y%m%d%H%M%S")


class ApiFailure(Exception):
    def __init__(self, rsp_code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.rsp_code = rsp_code
        self.message = message
        self.headers = headers or {}


class _Bucket:
    def __init__(self, rate: float):
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()

    def take(self) -> float:
        """0 when a call may go now, else seconds until it may."""
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class SandboxState:
    """Everything the server knows: seed config, clock, faults, tokens and a cache of books."""

    def __init__(self, config: SandboxConfig, clock: SandboxClock | None = None, faults: Faults | None = None,
                 client_id: str | None = None, client_secret: str | None = None,
                 access_ttl_s: int = 3600, cache_size: int = 512):
        """The aggregator's registration (client id and secret) defaults to the environment's
        (bot.mydata.credentials), as the aggregator's own does."""
        client_id = client_id or credentials.client_id()
        client_secret = client_secret or credentials.client_secret()
        self.config = config
        self.clock = clock or SandboxClock()
        self.faults = faults or Faults()
        self.auth = TokenAuthority(hashlib.sha256(f"sandbox:{config.seed}:{client_secret}".encode()).hexdigest(),
                                   client_id, client_secret,
                                   access_ttl_s=access_ttl_s)
        self.institutions = load_lexicon().by_org
        self._books: OrderedDict[str, CustomerBook] = OrderedDict()
        self._cache_size = cache_size
        self._rng = random.Random(self.faults.seed)
        self._buckets: dict[str, _Bucket] = {}
        self.calls: dict[str, int] = {}
        self.records_served = 0
        self.closures: dict[tuple[str, str], dict[str, str]] = {}  # (customer, org) -> number -> closed dtime

    def book(self, customer_id: str) -> CustomerBook:
        book = self._books.get(customer_id)
        if book is None:
            book = generate_customer(self.config, customer_id)
            self._books[customer_id] = book
            if len(self._books) > self._cache_size:
                self._books.popitem(last=False)
        else:
            self._books.move_to_end(customer_id)
        return book

    def close_asset(self, customer_id: str, org_code: str, number: str, when: str | None = None) -> None:
        """The institution closes an account, loan, card (by card_id) or policy: from `when` (default
        now) it leaves the lists and its own calls answer 'not found'."""
        self.closures.setdefault((customer_id, org_code), {})[number] = when or self.clock.now_str()

    def visible_book(self, customer_id: str, org_code: str, book: InstitutionBook | None, now: str
                     ) -> InstitutionBook | None:
        """The institution's book as of `now`, without what it has closed by then."""
        closed = self.closures.get((customer_id, org_code))
        if not closed or book is None:
            return book
        gone = {number for number, when in closed.items() if when <= now}
        if not gone:
            return book
        return replace(book, deposits=[a for a in book.deposits if a.account_num not in gone],
                       loans=[x for x in book.loans if x.account_num not in gone],
                       cards=[c for c in book.cards if c.card_id not in gone],
                       invest_accounts=[a for a in book.invest_accounts if a.account_num not in gone],
                       policies=[p for p in book.policies if p.insu_num not in gone],
                       closed_at=max(closed[number] for number in gone))

    def set_faults(self, **changes: Any) -> Faults:
        for key, value in changes.items():
            if not hasattr(self.faults, key):
                raise ValueError(f"unknown fault knob {key!r}")
            if key == "down":
                value = set(value)
            setattr(self.faults, key, value)
        if "seed" in changes:
            self._rng = random.Random(self.faults.seed)
        if "rate_limit_per_s" in changes:
            self._buckets.clear()
        return self.faults

    def reset_faults(self) -> None:
        self.faults = Faults()
        self._buckets.clear()

    async def inject(self, org_code: str) -> None:
        """Applies the fault knobs to one API call of `org_code`."""
        faults = self.faults
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.slow_requests > 0:
            faults.slow_requests -= 1
            await asyncio.sleep(faults.slow_ms / 1000)
        if org_code in faults.down:
            raise ApiFailure(RSP_UNAVAILABLE, "institution unavailable")
        if org_code in faults.down_after:
            if faults.down_after[org_code] <= 0:
                raise ApiFailure(RSP_UNAVAILABLE, "institution unavailable")
            faults.down_after[org_code] -= 1
        rate = faults.rate_limit_per_s.get(org_code) or faults.rate_limit_per_s.get("*")
        if rate:
            bucket = self._buckets.get(org_code)
            if bucket is None or bucket.rate != rate:
                bucket = self._buckets[org_code] = _Bucket(rate)
            wait = bucket.take()
            if wait:
                raise ApiFailure(RSP_RATE_LIMIT, "too many requests",
                                 {"Retry-After": str(max(1, round(wait))),
                                  "x-retry-after-ms": str(int(wait * 1000) + 1)})
        if faults.error_rate and self._rng.random() < faults.error_rate:
            raise ApiFailure(RSP_SERVER_ERROR, "internal error")


# ---------------------------------------------------------------- responses

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def _json(payload: dict, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=ujson.dumps(payload, ensure_ascii=False).encode(), status=status,
                        headers={**headers, "Content-Type": JSON_CONTENT_TYPE} if headers
                        else {"Content-Type": JSON_CONTENT_TYPE})


def _failure(rsp_code: str, message: str, headers: dict | None = None, tran_id: str | None = None) -> web.Response:
    extra = dict(headers or {})
    if tran_id:
        extra["x-api-tran-id"] = tran_id
    return _json({"rsp_code": rsp_code, "rsp_msg": message}, HTTP_STATUS.get(rsp_code, 400), extra)


def _page(items: list, params: dict) -> tuple[list, str | None]:
    try:
        limit = int(params.get("limit") or MAX_LIMIT)
        start = int(params.get("next_page") or 0)
    except (TypeError, ValueError):
        raise ApiFailure(RSP_BAD_PARAM, "limit and next_page must be integers") from None
    if not 1 <= limit <= MAX_LIMIT or start < 0:
        raise ApiFailure(RSP_BAD_PARAM, f"limit must be 1..{MAX_LIMIT}, next_page >= 0")
    chunk = items[start:start + limit]
    return chunk, (str(start + limit) if start + limit < len(items) else None)


def _date_range(params: dict, now: str) -> tuple[str, str]:
    start, end = str(params.get("from_date") or ""), str(params.get("to_date") or "")
    if len(start) != 8 or len(end) != 8 or not (start + end).isdigit() or start > end:
        raise ApiFailure(RSP_BAD_PARAM, "from_date and to_date must be YYYYMMDD with from_date <= to_date")
    return start + "000000", min(end + "235959", now)


def _require(params: dict, *names: str) -> None:
    missing = [n for n in names if not params.get(n)]
    if missing:
        raise ApiFailure(RSP_BAD_PARAM, f"missing parameter(s): {', '.join(missing)}")


def _changed(params: dict, stamp: str) -> bool:
    return str(params.get("search_timestamp") or "") != stamp


def _stamp(day) -> str:
    return fmt_date(day) + "000000"


def _list_stamp(book, stamps: list[str]) -> str:
    """A list's search_timestamp: its latest change, an opening or a closure."""
    if book is not None and book.closed_at:
        stamps = stamps + [book.closed_at]
    return max(stamps or ["00000000000000"])


# ---------------------------------------------------------------- industry handlers
# Each takes (state, book or None, params, now) and returns the payload without rsp_code.

Handler = Callable[["SandboxState", InstitutionBook | None, dict, str], dict]


def _visible_deposits(book, now):
    return [a for a in book.deposits if _stamp(a.opened) <= now] if book else []


def _visible_loans(book, now):
    return [loan for loan in book.loans if _stamp(loan.opened) <= now] if book else []


def _find(items, attr: str, value: str, what: str):
    for item in items:
        if getattr(item, attr) == value:
            return item
    raise ApiFailure(RSP_NOT_FOUND, f"no such {what}")


def bank_accounts(state, book, params, now):
    deposits, loans = _visible_deposits(book, now), _visible_loans(book, now)
    stamp = _list_stamp(book, [_stamp(a.opened) for a in deposits] + [_stamp(x.opened) for x in loans])
    rows = [{"account_num": a.account_num, "is_consent": True, "seqno": a.seqno, "is_foreign_deposit": False,
             "prod_name": a.prod_name, "is_minus": False, "account_type": a.account_type, "account_status": "01"}
            for a in deposits]
    rows += [{"account_num": x.account_num, "is_consent": True, "seqno": "01", "is_foreign_deposit": False,
              "prod_name": x.prod_name, "is_minus": x.account_type == "3150", "account_type": x.account_type,
              "account_status": "01"} for x in loans]
    if not _changed(params, stamp):
        rows = []
    chunk, nxt = _page(rows, params)
    return {"search_timestamp": stamp, "account_cnt": len(chunk), "account_list": chunk, "next_page": nxt}


def _deposit(book, params, now):
    _require(params, "account_num")
    return _find(_visible_deposits(book, now), "account_num", params["account_num"], "deposit account")


def deposit_basic(state, book, params, now):
    a = _deposit(book, params, now)
    return {"search_timestamp": _stamp(a.opened), "currency_code": "KRW",
            "saving_method": {"1001": "01", "1002": "02", "1003": "03"}[a.account_type],
            "issue_date": fmt_date(a.opened), "exp_date": fmt_date(a.matures) if a.matures else None,
            "commit_amt": str(a.commit_amt) if a.commit_amt else None,
            "monthly_paid_in_amt": str(a.monthly_paid_in) if a.monthly_paid_in else None}


def deposit_detail(state, book, params, now):
    a = _deposit(book, params, now)
    balance = a.balance_at(now)
    return {"currency_code": "KRW", "balance_amt": str(balance),
            "withdrawable_amt": str(balance if a.account_type == "1001" else 0),
            "offered_rate": fmt_rate(a.rate_bp), "last_paid_in_cnt": a.paid_in_count(now)}


def deposit_transactions(state, book, params, now):
    a = _deposit(book, params, now)
    lo_key, hi_key = _date_range(params, now)
    lo, hi = bisect.bisect_left(a.dtimes, lo_key), bisect.bisect_right(a.dtimes, hi_key)
    chunk, nxt = _page(a.txns[lo:hi], params)
    rows = [{"trans_dtime": t.dtime, "trans_no": t.trans_no, "trans_type": t.trans_type,
             "trans_class": t.trans_class, "currency_code": "KRW", "trans_amt": str(t.amount),
             "balance_amt": str(t.balance_after), "trans_memo": t.memo} for t in chunk]
    state.records_served += len(rows)
    return {"trans_cnt": len(rows), "trans_list": rows, "next_page": nxt}


def _loan(book, params, now):
    _require(params, "account_num")
    return _find(_visible_loans(book, now), "account_num", params["account_num"], "loan account")


def loan_basic(state, book, params, now):
    x = _loan(book, params, now)
    return {"search_timestamp": _stamp(x.opened), "issue_date": fmt_date(x.opened), "exp_date": fmt_date(x.matures),
            "last_offered_rate": fmt_rate(x.rate_bp), "repay_date": f"{x.repay_day:02d}",
            "repay_method": x.repay_method, "loan_principal": str(x.principal), "currency_code": "KRW"}


def loan_detail(state, book, params, now):
    x = _loan(book, params, now)
    nxt = x.next_due(now)
    return {"currency_code": "KRW", "balance_amt": str(x.balance_at(now)), "loan_principal": str(x.principal),
            "next_repay_date": nxt[0] if nxt else None, "next_repay_amt": str(nxt[1]) if nxt else None,
            "offered_rate": fmt_rate(x.rate_bp), "overdue_days": x.overdue_days(now)}


def loan_transactions(state, book, params, now):
    x = _loan(book, params, now)
    lo_key, hi_key = _date_range(params, now)
    lo, hi = bisect.bisect_left(x.dtimes, lo_key), bisect.bisect_right(x.dtimes, hi_key)
    chunk, nxt = _page(x.payments[lo:hi], params)
    rows = [{"trans_dtime": p.dtime, "trans_no": p.trans_no, "trans_type": "03" if p.overdue_days else "01",
             "currency_code": "KRW", "trans_amt": str(p.principal_amt + p.interest_amt),
             "balance_amt": str(p.balance_after), "principal_amt": str(p.principal_amt),
             "int_amt": str(p.interest_amt), "due_date": p.due_date, "overdue_days": p.overdue_days} for p in chunk]
    state.records_served += len(rows)
    return {"trans_cnt": len(rows), "trans_list": rows, "next_page": nxt}


def _visible_cards(book, now):
    return [c for c in book.cards if _stamp(c.issued) <= now] if book else []


def card_list(state, book, params, now):
    cards = _visible_cards(book, now)
    stamp = _list_stamp(book, [_stamp(c.issued) for c in cards])
    rows = [{"card_id": c.card_id, "card_num": c.card_num, "is_consent": True, "card_name": c.card_name,
             "card_member": "1", "card_type": c.card_type, "issue_date": fmt_date(c.issued)} for c in cards]
    if not _changed(params, stamp):
        rows = []
    chunk, nxt = _page(rows, params)
    return {"search_timestamp": stamp, "card_cnt": len(chunk), "card_list": chunk, "next_page": nxt}


def card_approvals(state, book, params, now):
    card = _find(_visible_cards(book, now), "card_id", params.get("card_id"), "card")
    lo_key, hi_key = _date_range(params, now)
    lo, hi = bisect.bisect_left(card.dtimes, lo_key), bisect.bisect_right(card.dtimes, hi_key)
    chunk, nxt = _page(card.approvals[lo:hi], params)
    rows = []
    for a in chunk:
        cancelled = bool(a.cancel_dtime) and a.cancel_dtime <= now
        rows.append({"approved_num": a.approved_num, "approved_dtime": a.dtime, "status": "02" if cancelled else "01",
                     "pay_type": "02" if a.installments else "01", "trans_dtime": a.cancel_dtime if cancelled else None,
                     "merchant_name": a.merchant_name, "approved_amt": str(a.amount),
                     "total_install_cnt": a.installments})
    state.records_served += len(rows)
    return {"approved_cnt": len(rows), "approved_list": rows, "next_page": nxt}


def card_bills(state, book, params, now):
    start, end = str(params.get("from_month") or ""), str(params.get("to_month") or "")
    if len(start) != 6 or len(end) != 6 or not (start + end).isdigit() or start > end:
        raise ApiFailure(RSP_BAD_PARAM, "from_month and to_month must be YYYYMM with from_month <= to_month")
    bills = [b for b in (book.bills if book else []) if b.issued_dtime <= now and start <= b.charge_month <= end]
    stamp = max([b.issued_dtime for b in bills] or ["00000000000000"])
    chunk, nxt = _page(bills, params)
    rows = [{"seqno": b.seqno, "charge_amt": str(b.charge_amt), "charge_day": b.charge_day,
             "charge_month": b.charge_month, "paid_out_date": b.charge_day if b.paid_dtime <= now else None}
            for b in chunk]
    return {"search_timestamp": stamp, "bill_cnt": len(rows), "bill_list": rows, "next_page": nxt}


def card_limit(state, book, params, now):
    cards = _visible_cards(book, now)
    return {"total_limit_amt": str(sum(c.limit_amt for c in cards)),
            "limit_list": [{"card_id": c.card_id, "limit_amt": str(c.limit_amt)} for c in cards]}


def invest_accounts(state, book, params, now):
    accounts = [a for a in (book.invest_accounts if book else []) if _stamp(a.opened) <= now]
    stamp = _list_stamp(book, [_stamp(a.opened) for a in accounts])
    rows = [{"account_num": a.account_num, "account_name": a.account_name, "account_type": a.account_type,
             "issue_date": fmt_date(a.opened), "is_consent": True} for a in accounts]
    if not _changed(params, stamp):
        rows = []
    chunk, nxt = _page(rows, params)
    return {"search_timestamp": stamp, "account_cnt": len(chunk), "account_list": chunk, "next_page": nxt}


def _invest_account(state, book, params, now):
    _require(params, "account_num")
    accounts = [a for a in (book.invest_accounts if book else []) if _stamp(a.opened) <= now]
    return _find(accounts, "account_num", params["account_num"], "securities account")


def _holding_rows(state, account, now):
    day = parse_dtime(now).date()
    market_day = day
    while market_day.weekday() >= 5:
        market_day -= timedelta(days=1)
    base = {code: price for code, _, _, price in STOCKS}
    rows = []
    for h in account.holdings:
        price = security_price(state.config.seed, h.prod_code, base[h.prod_code], market_day)
        rows.append({"prod_code": h.prod_code, "prod_name": h.prod_name, "asset_type": h.asset_type,
                     "holding_num": str(h.quantity), "purchase_amt": str(h.purchase_amt),
                     "eval_amt": str(price * h.quantity)})
    return rows, fmt_date(market_day) + "153000"


def invest_basic(state, book, params, now):
    account = _invest_account(state, book, params, now)
    rows, _ = _holding_rows(state, account, now)
    return {"currency_code": "KRW", "balance_amt": str(account.cash_balance), "withholdings_amt": "0",
            "eval_amt": str(sum(int(r["eval_amt"]) for r in rows)), "issue_date": fmt_date(account.opened)}


def invest_products(state, book, params, now):
    account = _invest_account(state, book, params, now)
    rows, stamp = _holding_rows(state, account, now)
    if not _changed(params, stamp):
        rows = []
    chunk, nxt = _page(rows, params)
    return {"search_timestamp": stamp, "prod_cnt": len(chunk), "prod_list": chunk, "next_page": nxt}


def _visible_policies(book, now):
    return [p for p in (book.policies if book else []) if _stamp(p.issued) <= now]


def insurance_list(state, book, params, now):
    policies = _visible_policies(book, now)
    stamp = _list_stamp(book, [_stamp(p.issued) for p in policies])
    rows = [{"insu_num": p.insu_num, "prod_name": p.prod_name, "insu_type": p.insu_type, "insu_status": p.status,
             "is_consent": True} for p in policies]
    if not _changed(params, stamp):
        rows = []
    chunk, nxt = _page(rows, params)
    return {"search_timestamp": stamp, "insu_cnt": len(chunk), "insu_list": chunk, "next_page": nxt}


def _policy(book, params, now):
    _require(params, "insu_num")
    return _find(_visible_policies(book, now), "insu_num", params["insu_num"], "insurance policy")


def insurance_basic(state, book, params, now):
    p = _policy(book, params, now)
    return {"search_timestamp": _stamp(p.issued), "issue_date": fmt_date(p.issued), "exp_date": fmt_date(p.expires),
            "face_amt": str(p.face_amt), "currency_code": "KRW"}


def insurance_payment(state, book, params, now):
    p = _policy(book, params, now)
    day = parse_dtime(now).date()
    months = (day.year - p.issued.year) * 12 + day.month - p.issued.month + (day.day >= p.pay_day)
    return {"pay_due": "02", "pay_cycle": "1M", "pay_date": f"{p.pay_day:02d}", "pay_amt": str(p.premium),
            "pay_cnt": max(0, months), "currency_code": "KRW"}


def capital_loans(state, book, params, now):
    loans = _visible_loans(book, now)
    stamp = _list_stamp(book, [_stamp(x.opened) for x in loans])
    rows = [{"account_num": x.account_num, "prod_name": x.prod_name, "account_type": x.account_type,
             "is_consent": True} for x in loans]
    if not _changed(params, stamp):
        rows = []
    chunk, nxt = _page(rows, params)
    return {"search_timestamp": stamp, "account_cnt": len(chunk), "account_list": chunk, "next_page": nxt}


# (method, path below the institution, industry, scope, handler)
ENDPOINTS: list[tuple[str, str, str, str, Handler]] = [
    ("GET", "/v1/bank/accounts", "bank", "bank.list", bank_accounts),
    ("POST", "/v1/bank/accounts/deposit/basic", "bank", "bank.deposit", deposit_basic),
    ("POST", "/v1/bank/accounts/deposit/detail", "bank", "bank.deposit", deposit_detail),
    ("POST", "/v1/bank/accounts/deposit/transactions", "bank", "bank.deposit", deposit_transactions),
    ("POST", "/v1/bank/accounts/loan/basic", "bank", "bank.loan", loan_basic),
    ("POST", "/v1/bank/accounts/loan/detail", "bank", "bank.loan", loan_detail),
    ("POST", "/v1/bank/accounts/loan/transactions", "bank", "bank.loan", loan_transactions),
    ("GET", "/v1/card/cards", "card", "card.list", card_list),
    ("GET", "/v1/card/cards/{card_id}/approval-domestic", "card", "card.approval", card_approvals),
    ("GET", "/v1/card/bills", "card", "card.bill", card_bills),
    ("GET", "/v1/card/limit", "card", "card.list", card_limit),
    ("GET", "/v1/invest/accounts", "invest", "invest.list", invest_accounts),
    ("POST", "/v1/invest/accounts/basic", "invest", "invest.holding", invest_basic),
    ("POST", "/v1/invest/accounts/products", "invest", "invest.holding", invest_products),
    ("GET", "/v1/insurance/insurances", "insu", "insu.list", insurance_list),
    ("POST", "/v1/insurance/insurances/basic", "insu", "insu.list", insurance_basic),
    ("POST", "/v1/insurance/insurances/payment", "insu", "insu.premium", insurance_payment),
    ("GET", "/v1/capital/loans", "capital", "capital.list", capital_loans),
    ("POST", "/v1/capital/loans/basic", "capital", "capital.loan", loan_basic),
    ("POST", "/v1/capital/loans/detail", "capital", "capital.loan", loan_detail),
    ("POST", "/v1/capital/loans/transactions", "capital", "capital.loan", loan_transactions),
]


def _guard(state: SandboxState, path: str, industry: str, scope: str, handler: Handler
           ) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def endpoint(request: web.Request) -> web.Response:
        org_code = request.match_info["org"]
        tran_id = request.headers.get("x-api-tran-id")
        try:
            inst = state.institutions.get(org_code)
            if inst is None or INDUSTRY_OF_KIND[inst.kind] != industry:
                raise ApiFailure(RSP_NOT_FOUND, f"no such API at institution {org_code}")
            state.calls[org_code] = state.calls.get(org_code, 0) + 1
            await state.inject(org_code)
            if not tran_id:
                raise ApiFailure(RSP_BAD_PARAM, "missing x-api-tran-id header")
            if request.headers.get("x-api-type", "regular") not in ("regular", "irregular"):
                raise ApiFailure(RSP_BAD_PARAM, "x-api-type must be regular or irregular")
            grant: Grant = state.auth.verify_access(request.headers.get("Authorization"), org_code)
            if scope not in grant.scopes:
                raise ApiFailure(RSP_NO_CONSENT, f"no consent for {scope}")
            if request.method == "POST":
                try:
                    params = ujson.loads(await request.read())
                except ValueError:
                    raise ApiFailure(RSP_BAD_PARAM, "body is not JSON") from None
                if not isinstance(params, dict):
                    raise ApiFailure(RSP_BAD_PARAM, "body must be a JSON object")
            else:
                params = dict(request.query)
            params.update(request.match_info)
            if params.get("org_code") not in (None, org_code):
                raise ApiFailure(RSP_BAD_PARAM, "org_code does not match the institution")
            now = state.clock.now_str()
            book = state.visible_book(grant.customer_id, org_code,
                                      state.book(grant.customer_id).institutions.get(org_code), now)
            payload = handler(state, book, params, now)
        except AuthFailure as exc:
            return _failure(exc.rsp_code, exc.message, tran_id=tran_id)
        except ApiFailure as exc:
            return _failure(exc.rsp_code, exc.message, exc.headers, tran_id)
        return _json({"rsp_code": RSP_OK, "rsp_msg": "정상처리", **payload}, headers={"x-api-tran-id": tran_id})

    return endpoint


# ---------------------------------------------------------------- oauth, portal, admin

async def _form(request: web.Request) -> dict:
    data = await request.post()
    return {k: str(v) for k, v in data.items()}


def _oauth_routes(state: SandboxState) -> list[web.RouteDef]:
    async def authorize(request: web.Request) -> web.Response:
        """Stands in for the customer approving at the institution: answers with a redirect and a code."""
        org_code = request.match_info["org"]
        q = request.query
        try:
            if org_code not in state.institutions:
                raise ApiFailure(RSP_NOT_FOUND, f"unknown institution {org_code}")
            if q.get("response_type") != "code" or q.get("client_id") != state.auth.client_id:
                raise ApiFailure(RSP_BAD_PARAM, "response_type must be code and client_id known")
            _require(dict(q), "redirect_uri", "user_id", "consent_id", "scope")
            if not state.config.has_customer(q["user_id"]):
                raise ApiFailure(RSP_NOT_FOUND, "no such customer at this institution")
            industry = INDUSTRY_OF_KIND[state.institutions[org_code].kind]
            scopes = q["scope"].split()
            allowed = SCOPES_BY_INDUSTRY[industry]
            if not scopes or any(s not in allowed for s in scopes):
                raise ApiFailure(RSP_BAD_PARAM, f"scope must be among {' '.join(allowed)}")
        except ApiFailure as exc:
            return _failure(exc.rsp_code, exc.message)
        code = state.auth.issue_code(q["user_id"], org_code, q["consent_id"], scopes, q["redirect_uri"])
        sep = "&" if "?" in q["redirect_uri"] else "?"
        location = f"{q['redirect_uri']}{sep}code={code}&state={q.get('state', '')}"
        raise web.HTTPFound(location)

    async def token(request: web.Request) -> web.Response:
        org_code = request.match_info["org"]
        form = await _form(request)
        try:
            if org_code not in state.institutions:
                raise ApiFailure(RSP_NOT_FOUND, f"unknown institution {org_code}")
            await state.inject(org_code)
            state.auth.check_client(form.get("client_id"), form.get("client_secret"))
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                _require(form, "code", "redirect_uri")
                answer = state.auth.exchange_code(form["code"], org_code, form["redirect_uri"])
            elif grant_type == "refresh_token":
                _require(form, "refresh_token")
                answer = state.auth.refresh(form["refresh_token"], org_code)
            else:
                raise ApiFailure(RSP_BAD_PARAM, "grant_type must be authorization_code or refresh_token")
        except AuthFailure as exc:
            return _failure(exc.rsp_code, exc.message)
        except ApiFailure as exc:
            return _failure(exc.rsp_code, exc.message, exc.headers)
        return _json({"rsp_code": RSP_OK, "rsp_msg": "정상처리", **answer})

    async def revoke(request: web.Request) -> web.Response:
        org_code = request.match_info["org"]
        form = await _form(request)
        try:
            state.auth.check_client(form.get("client_id"), form.get("client_secret"))
            _require(form, "token")
            consent_id = state.auth.revoke(form["token"], org_code)
        except AuthFailure as exc:
            return _failure(exc.rsp_code, exc.message)
        except ApiFailure as exc:
            return _failure(exc.rsp_code, exc.message)
        return _json({"rsp_code": RSP_OK, "rsp_msg": "정상처리", "consent_id": consent_id})

    return [web.get("/{org}/oauth/2.0/authorize", authorize), web.post("/{org}/oauth/2.0/token", token),
            web.post("/{org}/oauth/2.0/revoke", revoke)]


def _portal_and_admin_routes(state: SandboxState) -> list[web.RouteDef]:
    async def customer_orgs_route(request: web.Request) -> web.Response:
        """Which institutions hold this customer's assets (the integrated-auth portal's answer)."""
        try:
            state.auth.check_client(request.headers.get("x-client-id"), request.headers.get("x-client-secret"))
        except AuthFailure as exc:
            return _failure(exc.rsp_code, exc.message)
        customer_id = request.match_info["customer_id"]
        if not state.config.has_customer(customer_id):
            return _failure(RSP_NOT_FOUND, "no such customer")
        book = state.book(customer_id)
        orgs = [{"org_code": i.org_code, "org_name": i.name, "industry": INDUSTRY_OF_KIND[i.kind]}
                for i in customer_orgs(book)]
        return _json({"rsp_code": RSP_OK, "rsp_msg": "정상처리", "customer_id": customer_id, "name": book.name,
                      "org_cnt": len(orgs), "org_list": orgs})

    async def info(request: web.Request) -> web.Response:
        c = state.config
        return _json({"seed": c.seed, "customers": c.customers, "as_of": c.as_of.isoformat(),
                      "now": state.clock.now().isoformat(), "faults": state.faults.to_json()})

    async def faults(request: web.Request) -> web.Response:
        changes = await request.json()
        try:
            if changes.pop("reset", False):
                state.reset_faults()
            if changes.pop("expire_access_tokens", False):
                state.auth.expire_access_tokens()
            if "close" in changes:
                state.close_asset(**changes.pop("close"))
            state.set_faults(**changes)
        except (ValueError, TypeError) as exc:
            return _failure(RSP_BAD_PARAM, str(exc))
        return _json(state.faults.to_json())

    async def clock(request: web.Request) -> web.Response:
        body = await request.json()
        if "set" in body:
            state.clock.fixed = parse_dtime(body["set"])
            state.clock.offset = timedelta()
        if "advance_seconds" in body:
            state.clock.offset += timedelta(seconds=float(body["advance_seconds"]))
        return _json({"now": state.clock.now().isoformat()})

    async def stats(request: web.Request) -> web.Response:
        return _json({"calls": state.calls, "records_served": state.records_served})

    return [web.get("/portal/v1/customers/{customer_id}/orgs", customer_orgs_route),
            web.get("/_sandbox/info", info), web.post("/_sandbox/faults", faults),
            web.post("/_sandbox/clock", clock), web.get("/_sandbox/stats", stats)]


def create_app(state: SandboxState) -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.add_routes(_portal_and_admin_routes(state))
    app.add_routes(_oauth_routes(state))
    for method, path, industry, scope, handler in ENDPOINTS:
        app.router.add_route(method, "/{org}" + path, _guard(state, path, industry, scope, handler))
    return app


# ---------------------------------------------------------------- running it

class SandboxServer:
    """The sandbox on a free local port in a background thread (tests, the demo command)."""

    def __init__(self, state: SandboxState, host: str = "127.0.0.1", port: int = 0):
        self.state = state
        self.host = host
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self.port = self._sock.getsockname()[1]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "SandboxServer":
        self._thread = threading.Thread(target=self._serve, name="mydata-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("sandbox did not start")
        return self

    def _serve(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def boot() -> web.AppRunner:
            runner = self._runner = web.AppRunner(create_app(self.state), access_log=None)
            await runner.setup()
            await web.SockSite(runner, self._sock).start()
            self._ready.set()
            return runner

        runner = loop.run_until_complete(boot())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    def stop(self) -> None:
        loop, runner, thread = self._loop, self._runner, self._thread
        if loop is None:
            return
        try:
            if runner is not None:
                asyncio.run_coroutine_threadsafe(runner.shutdown(), loop).result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(15)
            self._loop = None

    def __enter__(self) -> "SandboxServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_forever(state: SandboxState, host: str, port: int) -> None:
    """Runs the sandbox in the foreground until interrupted (`python -m sandbox serve`)."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    web.run_app(create_app(state), host=host, port=port, access_log=None, print=None)
