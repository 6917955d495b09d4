"""Expected values straight from the generator's raw books (the institutions' own records), without
the aggregator's or the assistant's code."""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.korean.calendar import KST
from sandbox.records import CustomerBook
from sandbox.reference import STOCKS, security_price


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


# ---------------------------------------------------------------- the monthly cash flow
# (bot.advisor.cashflow)

MONTHS = [f"2025{m:02d}" for m in range(1, 7)]  # the six whole months before NOW
PAYMENT_CLASSES = {"카드대금": "카드 대금", "대출상환": "대출 상환", "보험료": "보험료"}


def monthly(total: int) -> int:
    return int((Decimal(total) / len(MONTHS)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_cash_flow(book, orgs, now: str) -> dict:
    """The cash flow recomputed from the generator's books: what came in, what went out, by rule."""
    names = {book.institutions[o].institution.name: o for o in book.institutions}
    kinds = {book.institutions[o].institution.kind for o in orgs}
    payers: dict[str, dict[str, int]] = {}
    fixed: dict[str, int] = {}
    cash = unclassified = 0
    for org, account, t in bank_txns(book, orgs, now):
        if account.account_type != "1001" or t.dtime[:6] not in MONTHS or t.memo == book.name:
            continue
        if t.trans_type == "01":
            if t.trans_class != "이자":
                payers.setdefault(t.memo, {}).setdefault(t.dtime[:6], 0)
                payers[t.memo][t.dtime[:6]] += t.amount
            continue
        if t.category:
            continue
        if t.trans_class in PAYMENT_CLASSES:
            institution = t.memo.split()[0]
            if names.get(institution) not in orgs:
                label = f"{institution} {PAYMENT_CLASSES[t.trans_class]}(연결 안 됨)"
                fixed[label] = fixed.get(label, 0) + t.amount
        elif t.trans_class == "체크카드":
            cash += 0 if "card" in kinds else t.amount
        elif t.trans_class == "ATM출금":
            cash += t.amount
        elif not any(w in t.memo for w in ("적금", "예금", "청약")):
            unclassified += t.amount
    needed = max(2, math.ceil(len(MONTHS) / 2))
    regular = {p: m for p, m in payers.items() if len(m) >= needed}
    income = sum(sum(m.values()) for m in regular.values())
    one_offs = {p: sum(m.values()) for p, m in payers.items() if p not in regular}
    spent = spending(book, orgs, now, date(2025, 1, 1), date(2025, 6, 30))
    living = sum(a for c, a in spent.items() if c not in ("주거", "구독")) + cash
    out = {label: monthly(total) for label, total in fixed.items()}
    for category, label in (("주거", "월세·관리비"), ("구독", "구독료")):
        if spent.get(category):
            out[label] = monthly(spent[category])
    repay = sum(x.next_due(now)[1] for _, x in loans(book, orgs, now) if x.next_due(now))
    if repay:
        out["대출 상환"] = repay
    premiums = sum(p.premium for o in orgs for p in book.institutions[o].policies)
    if premiums:
        out["보험료"] = premiums
    return {"income": monthly(income), "regular": {p: monthly(sum(m.values())) for p, m in regular.items()},
            "one_offs": one_offs, "living": monthly(living), "fixed": out,
            "unclassified": monthly(unclassified),
            "surplus": monthly(income) - monthly(living) - sum(out.values())}
