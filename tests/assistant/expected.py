"""Expected values straight from the generator's raw books (the institutions' own records), without
the aggregator's or the assistant's code."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.mydata.sandbox.generator import STOCKS, CustomerBook, security_price
from bot.mydata.timefmt import KST


def stamp(now: datetime) -> str:
    return now.astimezone(KST).strftime("%Y%m%d%H%M%S")


def day(dtime: str) -> date:
    return date(int(dtime[:4]), int(dtime[4:6]), int(dtime[6:8]))


def opened(d: date, now: str) -> bool:
    return d.strftime("%Y%m%d") + "000000" <= now


def deposits(b: CustomerBook, orgs, now: str):
    """(org, account) of every deposit account open at `now`."""
    return [(org, a) for org in orgs for a in b.institutions[org].deposits if opened(a.opened, now)]


def approvals(b: CustomerBook, orgs, now: str):
    """(org, card, approval, cancelled at now) visible at `now`."""
    return [(org, c, a, bool(a.cancel_dtime) and a.cancel_dtime <= now)
            for org in orgs for c in b.institutions[org].cards if opened(c.issued, now)
            for a in c.approvals if a.dtime <= now]


def bank_txns(b: CustomerBook, orgs, now: str):
    return [(org, a, t) for org, a in deposits(b, orgs, now) for t in a.txns if t.dtime <= now]


def loans(b: CustomerBook, orgs, now: str):
    return [(org, x) for org in orgs for x in b.institutions[org].loans if opened(x.opened, now)]


def spending(b: CustomerBook, orgs, now: str, start: date, end: date) -> dict[str, int]:
    """Card approvals not cancelled plus bank debits the generator labelled with a category."""
    lo, hi = start.strftime("%Y%m%d"), end.strftime("%Y%m%d")
    totals: dict[str, int] = {}
    for _, _, a, cancelled in approvals(b, orgs, now):
        if not cancelled and lo <= a.dtime[:8] <= hi:
            totals[a.category] = totals.get(a.category, 0) + a.amount
    for _, _, t in bank_txns(b, orgs, now):
        if t.category and t.trans_type == "02" and lo <= t.dtime[:8] <= hi:
            totals[t.category] = totals.get(t.category, 0) + t.amount
    return totals


def holdings_value(seed: int, b: CustomerBook, orgs, at: datetime) -> tuple[int, int, int]:
    """(cash, purchase total, evaluation total) of securities at the last market close."""
    market = at.astimezone(KST).date()
    while market.weekday() >= 5:
        market -= timedelta(days=1)
    base = {code: price for code, _, _, price in STOCKS}
    cash = bought = worth = 0
    for org in orgs:
        for account in b.institutions[org].invest_accounts:
            cash += account.cash_balance
            for h in account.holdings:
                bought += h.purchase_amt
                worth += h.quantity * security_price(seed, h.prod_code, base[h.prod_code], market)
    return cash, bought, worth


def all_numbers(b: CustomerBook) -> set[str]:
    """Every account, card, loan and policy number of the customer, as the institutions hold them."""
    found = set()
    for inst in b.institutions.values():
        found |= {a.account_num for a in inst.deposits} | {x.account_num for x in inst.loans}
        found |= {c.card_num for c in inst.cards} | {p.insu_num for p in inst.policies}
        found |= {a.account_num for a in inst.invest_accounts}
    return found


def digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text)
