"""Transaction search: bank transactions and card approvals by period, merchant, category, amount,
institution and direction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from bot.kb.merchants import MerchantMatcher, squash
from bot.korean.calendar import KST
from bot.mydata.analytics.scope import Freshness, checked_period, consented_scope, day_bounds
from bot.mydata.errors import InvalidQuery
from bot.mydata.masking import mask_number
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Account, Card, CardApproval, MerchantCategory, Transaction


@dataclass(frozen=True)
class TransactionItem:
    occurred_at: datetime
    source: str  # bank | card
    org_code: str
    institution: str
    description: str  # merchant name as the institution gave it, or the bank memo
    merchant: str | None
    category: str | None
    amount: int
    direction: str  # in | out
    status: str  # approved | cancelled | posted
    number_masked: str


@dataclass(frozen=True)
class TransactionSearch:
    customer_id: str
    start: date
    end: date
    items: tuple[TransactionItem, ...]
    total_count: int
    total_amount: int
    freshness: tuple[Freshness, ...]


def search_transactions(session: Session, customer_id: str, *, start: date | None = None,
                        end: date | None = None, merchant: str | None = None, category: str | None = None,
                        min_amount: int | None = None, max_amount: int | None = None,
                        org_code: str | None = None, direction: str | None = None,
                        include_cancelled: bool = False, limit: int = 50, now: datetime | None = None
                        ) -> TransactionSearch:
    """Bank transactions and card approvals by period (default: last 90 days), merchant (canonical
    name or part of the raw name/memo), category, amount range, institution and direction.

    Newest first; `total_count` and `total_amount` cover every match, `items` the first `limit`.
    """
    for name, value in (("min_amount", min_amount), ("max_amount", max_amount)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise InvalidQuery(f"{name} must be a non-negative int of won")
    if min_amount is not None and max_amount is not None and min_amount > max_amount:
        raise InvalidQuery("min_amount is larger than max_amount")
    if direction not in (None, "in", "out"):
        raise InvalidQuery("direction must be 'in' or 'out'")
    if not isinstance(limit, int) or not 1 <= limit <= 500:
        raise InvalidQuery("limit must be 1..500")
    scope = consented_scope(session, customer_id, now, org_code, purpose="search_transactions")
    start, end = checked_period(start, end, scope.now, 90)
    lo, hi = day_bounds(start, end)
    params = {"cid": customer_id, "orgs": scope.org_codes, "lo": lo, "hi": hi,
              "min": min_amount if min_amount is not None else 0,
              "max": max_amount if max_amount is not None else 2 ** 62}
    numbers = _numbers(session, customer_id)
    needle = squash(merchant or "")  # "" when no merchant is asked for
    canonical = _merchant_matcher(session).match(merchant) if merchant else None
    items: list[TransactionItem] = []
    by_merchant = canonical is not None
    params["canonical"] = canonical[0] if canonical else ""
    escaped = (merchant or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params["raw"] = f"%{escaped}%"
    if direction in (None, "out"):
        query = statement(("search_cards", by_merchant), lambda: select(
            CardApproval.approved_at, CardApproval.org_code, CardApproval.merchant_name,
            CardApproval.merchant, CardApproval.category, CardApproval.amount, CardApproval.status,
            CardApproval.card_pk).where(
            CardApproval.customer_id == bindparam("cid"),
            CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
            CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
            CardApproval.approved_at < bindparam("hi", type_=CardApproval.approved_at.type),
            CardApproval.amount >= bindparam("min"), CardApproval.amount <= bindparam("max"),
            *((or_(CardApproval.merchant == bindparam("canonical"),
                   CardApproval.merchant_name.like(bindparam("raw"), escape="\\")),) if by_merchant else ())))
        for r in session.execute(query, params):
            if r.status == "cancelled" and not include_cancelled:
                continue
            if canonical is not None and not _same_merchant(r.merchant, r.merchant_name, canonical[0], needle,
                                                            session):
                continue
            items.append(TransactionItem(r.approved_at.astimezone(KST), "card", r.org_code,
                                         scope.name(r.org_code), r.merchant_name, r.merchant, r.category,
                                         r.amount, "out", r.status, numbers.get(("card", r.card_pk), "")))
    query = statement(("search_bank", by_merchant), lambda: select(
        Transaction.occurred_at, Transaction.org_code, Transaction.memo, Transaction.merchant,
        Transaction.category, Transaction.amount, Transaction.direction, Transaction.account_id).where(
        Transaction.customer_id == bindparam("cid"),
        Transaction.org_code.in_(bindparam("orgs", expanding=True)),
        Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
        Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
        Transaction.amount >= bindparam("min"), Transaction.amount <= bindparam("max"),
        *((or_(Transaction.merchant == bindparam("canonical"),
               Transaction.memo.like(bindparam("raw"), escape="\\")),) if by_merchant else ())))
    for r in session.execute(query, params):
        if direction is not None and r.direction != direction:
            continue
        items.append(TransactionItem(r.occurred_at.astimezone(KST), "bank", r.org_code,
                                     scope.name(r.org_code), r.memo, r.merchant, r.category, r.amount,
                                     r.direction, "posted", numbers.get(("account", r.account_id), "")))

    def keep(item: TransactionItem) -> bool:
        if category is not None and item.category != category:
            return False
        if min_amount is not None and item.amount < min_amount:
            return False
        if max_amount is not None and item.amount > max_amount:
            return False
        if canonical is not None:
            return _same_merchant(item.merchant, item.description, canonical[0], needle, session)
        if needle and item.merchant != merchant and needle not in squash(item.description):
            return False
        return True

    matched = sorted((i for i in items if keep(i)), key=lambda i: i.occurred_at, reverse=True)
    return TransactionSearch(customer_id, start, end, tuple(matched[:limit]), len(matched),
                             sum(i.amount for i in matched), scope.freshness)


def _same_merchant(merchant: str | None, raw: str, canonical: str, needle: str, session: Session) -> bool:
    """A row is the searched merchant when its canonical merchant is that one. A row without a canonical
    merchant counts when its raw text contains the words and does not name another merchant
    (a 쿠팡 search keeps '쿠팡 로켓배송' but not '쿠팡이츠 주문')."""
    if merchant:
        return merchant == canonical
    if needle not in squash(raw or ""):
        return False
    other = _merchant_matcher(session).match(raw)
    return other is None or other[0] == canonical


_MATCHERS: dict[str, MerchantMatcher] = {}


def _merchant_matcher(session: Session) -> MerchantMatcher:
    """The stored merchant -> category patterns, loaded once per database."""
    key = str(session.get_bind().url)
    if key not in _MATCHERS:
        rows = session.execute(select(MerchantCategory.pattern, MerchantCategory.merchant,
                                      MerchantCategory.category)).all()
        _MATCHERS[key] = MerchantMatcher({p: (m, c) for p, m, c in rows})
    return _MATCHERS[key]


def _numbers(session: Session, customer_id: str) -> dict[tuple[str, int], str]:
    """Masked account and card numbers by row id, for labelling results."""
    accounts = statement(("numbers_accounts",), lambda: select(Account.id, Account.account_masked).where(
        Account.customer_id == bindparam("cid")))
    cards = statement(("numbers_cards",), lambda: select(Card.id, Card.card_num).where(
        Card.customer_id == bindparam("cid")))
    found = {("account", r[0]): mask_number(r[1]) for r in session.execute(accounts, {"cid": customer_id})}
    found.update({("card", r[0]): mask_number(r[1]) for r in session.execute(cards, {"cid": customer_id})})
    return found
