"""Expected values computed straight from the generator's raw books, without the aggregator's code."""
from __future__ import annotations

from datetime import date, datetime

from bot.korean.calendar import KST
from sandbox.generator import generate_customer
from sandbox.records import CustomerBook


def now_str(now: datetime) -> str:
    return now.astimezone(KST).strftime("%Y%m%d%H%M%S")


def book(config, customer_id: str) -> CustomerBook:
    return generate_customer(config, customer_id)


def opened(day: date, now: str) -> bool:
    return day.strftime("%Y%m%d") + "000000" <= now


def bank_txns(b: CustomerBook, orgs, now: str):
    """(org, account_num, txn) visible at `now`."""
    return [
        (org, a.account_num, t)
        for org in orgs
        for a in b.institutions[org].deposits
        if opened(a.opened, now)
        for t in a.txns
        if t.dtime <= now
    ]


def approvals(b: CustomerBook, orgs, now: str):
    """(org, card_id, approval, cancelled-at-now) visible at `now`."""
    return [(org, c.card_id, a, bool(a.cancel_dtime) and a.cancel_dtime <= now)
            for org in orgs for c in b.institutions[org].cards if opened(c.issued, now)
            for a in c.approvals if a.dtime <= now]


def deposit_balances(b: CustomerBook, orgs, now: str) -> dict[str, int]:
    return {a.account_num: a.balance_at(now) for org in orgs for a in b.institutions[org].deposits
            if opened(a.opened, now)}


def loans(b: CustomerBook, orgs, now: str):
    return [(org, x) for org in orgs for x in b.institutions[org].loans if opened(x.opened, now)]


def spending_by_category(b: CustomerBook, orgs, now: str, start: str, end: str) -> dict[str, int]:
    """Card approvals not cancelled plus bank debits the generator labelled with a category, in [start,
    end]."""
    totals: dict[str, int] = {}
    for _, _, a, cancelled in approvals(b, orgs, now):
        if not cancelled and start <= a.dtime[:8] <= end:
            totals[a.category] = totals.get(a.category, 0) + a.amount
    for _, _, t in bank_txns(b, orgs, now):
        if t.category and t.trans_type == "02" and start <= t.dtime[:8] <= end:
            totals[t.category] = totals.get(t.category, 0) + t.amount
    return totals
