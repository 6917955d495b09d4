"""Answers about a customer's own money, as plain functions over the store.

Every function takes a session and the customer id, reads only institutions with an active
consent (raising ConsentRequired when there is none, UnknownCustomer for an id the store does
not know), and returns frozen dataclasses with int won, aware Asia/Seoul datetimes and, for
every answer, the freshness of each institution it drew on (last good sync, last error), so the
chat can say "신한카드 data is 3 hours old" or "the last sync failed".
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, defer

from bot.mydata.audit import record_read
from bot.mydata.bulk import statement
from bot.mydata.errors import ConsentRequired, InvalidQuery, UnknownCustomer
from bot.mydata.lexicons import MerchantMatcher, squash
from bot.mydata.masking import mask_number
from bot.mydata.models import (Account, Card, CardApproval, CardBill, Consent, Customer, Holding, Institution,
                               InsurancePolicy, Loan, LoanTransaction, MerchantCategory, Transaction)
from bot.mydata.timefmt import KST, add_months, now_kst, day_start, first_of_month

ACCOUNT_KIND_LABEL = {"checking": "입출금", "deposit": "예금", "savings": "적금", "invest": "증권"}
LOAN_TYPE_LABEL = {"3100": "신용대출", "3150": "마이너스통장", "3200": "주택담보대출", "3210": "전세대출",
                   "3400": "사업자대출", "3500": "할부·오토론"}
INSURANCE_TYPE_LABEL = {"01": "종신", "02": "실손", "03": "연금", "04": "화재", "05": "자동차"}
NOT_RECURRING_CLASSES = {"카드대금", "체크카드", "대출상환", "이자"}
SAVINGS_WORDS = ("적금", "예금", "청약")
MAX_PERIOD_DAYS = 3 * 366


# ---------------------------------------------------------------- freshness and scope

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
class _Scope:
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


def _scope(session: Session, customer_id: str, now: datetime | None, org_code: str | None = None, *,
           purpose: str) -> _Scope:
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
    return _Scope(customer_id, now, orgs, freshness, rows[0].own_name)


def _period(start: date | None, end: date | None, now: datetime, default_days: int) -> tuple[date, date]:
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


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in Seoul time."""
    return day_start(start), day_start(end + timedelta(days=1))


def _month(moment: datetime) -> str:
    local = moment.astimezone(KST)
    return f"{local.year:04d}-{local.month:02d}"


# ---------------------------------------------------------------- balances and net worth

@dataclass(frozen=True)
class AccountBalance:
    org_code: str
    institution: str
    kind: str  # checking | deposit | savings
    kind_label: str
    prod_name: str
    account_masked: str
    balance: int
    withdrawable: int | None
    rate_bp: int | None
    matures_on: date | None


@dataclass(frozen=True)
class BalanceSummary:
    customer_id: str
    accounts: tuple[AccountBalance, ...]
    total: int
    by_institution: dict[str, int]
    freshness: tuple[Freshness, ...]


def balances(session: Session, customer_id: str, *, org_code: str | None = None, kind: str | None = None,
             now: datetime | None = None) -> BalanceSummary:
    """Balance of each deposit, savings and checking account, and their total."""
    if kind is not None and kind not in ("checking", "deposit", "savings"):
        raise InvalidQuery(f"kind must be checking, deposit or savings, got {kind!r}")
    scope = _scope(session, customer_id, now, org_code, purpose="balances")
    query = statement(("balances",), lambda: select(
        Account.org_code, Account.kind, Account.prod_name, Account.account_masked, Account.balance,
        Account.withdrawable, Account.rate_bp, Account.matures_on).where(
        Account.customer_id == bindparam("cid"), Account.org_code.in_(bindparam("orgs", expanding=True)),
        Account.kind != "invest", Account.closed_at.is_(None)).order_by(Account.org_code, Account.account_masked, Account.id))
    items = []
    for r in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes}):
        if kind is not None and r.kind != kind:
            continue
        items.append(AccountBalance(r.org_code, scope.name(r.org_code), r.kind, ACCOUNT_KIND_LABEL[r.kind],
                                    r.prod_name, mask_number(r.account_masked), r.balance, r.withdrawable, r.rate_bp,
                                    r.matures_on))
    by_inst: dict[str, int] = defaultdict(int)
    for item in items:
        by_inst[item.institution] += item.balance
    return BalanceSummary(customer_id, tuple(items), sum(i.balance for i in items), dict(by_inst), scope.freshness)


@dataclass(frozen=True)
class InstitutionWorth:
    org_code: str
    institution: str
    kind: str
    assets: int
    debts: int


@dataclass(frozen=True)
class NetWorth:
    customer_id: str
    assets: int
    debts: int
    net: int
    by_kind: dict[str, int]  # checking, deposit, savings, invest (assets); loan, card (debts)
    by_institution: tuple[InstitutionWorth, ...]
    freshness: tuple[Freshness, ...]


def net_worth(session: Session, customer_id: str, *, now: datetime | None = None) -> NetWorth:
    """Assets (accounts, securities at evaluation) minus debts (loans, unpaid card bills)."""
    scope = _scope(session, customer_id, now, purpose="net_worth")
    params = {"cid": customer_id, "orgs": scope.org_codes}
    assets: dict[str, int] = defaultdict(int)
    debts: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    accounts = statement(("nw_accounts",), lambda: select(Account.org_code, Account.kind, Account.balance,
                                                          Account.eval_amt).where(
        Account.customer_id == bindparam("cid"), Account.org_code.in_(bindparam("orgs", expanding=True)),
        Account.closed_at.is_(None)))
    for r in session.execute(accounts, params):
        value = r.balance + (r.eval_amt or 0 if r.kind == "invest" else 0)
        assets[r.org_code] += value
        by_kind[r.kind] += value
    loans = statement(("nw_loans",), lambda: select(Loan.org_code, Loan.balance).where(
        Loan.customer_id == bindparam("cid"), Loan.org_code.in_(bindparam("orgs", expanding=True)),
        Loan.closed_at.is_(None)))
    for r in session.execute(loans, params):
        debts[r.org_code] += r.balance
        by_kind["loan"] += r.balance
    today = scope.now.date()
    bills = statement(("nw_bills",), lambda: select(CardBill.org_code, CardBill.amount).where(
        CardBill.customer_id == bindparam("cid"), CardBill.org_code.in_(bindparam("orgs", expanding=True)),
        CardBill.paid_on.is_(None), CardBill.due_date >= bindparam("today")))
    for r in session.execute(bills, {**params, "today": today - timedelta(days=60)}):
        debts[r.org_code] += r.amount
        by_kind["card"] += r.amount
    rows = tuple(InstitutionWorth(org, scope.name(org), scope.kind(org), assets.get(org, 0), debts.get(org, 0))
                 for org in scope.org_codes)
    total_assets, total_debts = sum(assets.values()), sum(debts.values())
    return NetWorth(customer_id, total_assets, total_debts, total_assets - total_debts, dict(by_kind), rows,
                    scope.freshness)


# ---------------------------------------------------------------- spending and transactions

@dataclass(frozen=True)
class CategorySpend:
    category: str
    amount: int
    count: int
    share_pct: float


@dataclass(frozen=True)
class MonthSpend:
    month: str  # YYYY-MM (Seoul)
    total: int
    by_category: dict[str, int]


@dataclass(frozen=True)
class MerchantSpend:
    merchant: str
    amount: int
    count: int


@dataclass(frozen=True)
class SpendingSummary:
    customer_id: str
    start: date
    end: date
    total: int
    by_category: tuple[CategorySpend, ...]
    by_month: tuple[MonthSpend, ...]
    top_merchants: tuple[MerchantSpend, ...]
    freshness: tuple[Freshness, ...]


def _spending_rows(session: Session, scope: _Scope, lo: datetime, hi: datetime) -> list[tuple]:
    """(when, merchant, category, amount) of every spend: card approvals not cancelled, plus bank
    payments whose memo maps to a category (rent, utilities). Card-bill and check-card debits are
    left out: the approvals already count them."""
    params = {"cid": scope.customer_id, "orgs": scope.org_codes, "lo": lo, "hi": hi}
    cards = statement(("spend_cards",), lambda: select(
        CardApproval.approved_at, CardApproval.merchant, CardApproval.merchant_name, CardApproval.category,
        CardApproval.amount).where(
        CardApproval.customer_id == bindparam("cid"), CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
        CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
        CardApproval.approved_at < bindparam("hi", type_=CardApproval.approved_at.type),
        CardApproval.status == "approved"))
    bank = statement(("spend_bank",), lambda: select(
        Transaction.occurred_at, Transaction.merchant, Transaction.memo, Transaction.category,
        Transaction.amount).where(
        Transaction.customer_id == bindparam("cid"), Transaction.org_code.in_(bindparam("orgs", expanding=True)),
        Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
        Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
        Transaction.direction == "out", Transaction.category.isnot(None)))
    rows = [(r[0], r[1] or r[2], r[3] or "기타", r[4]) for r in session.execute(cards, params)]
    rows += [(r[0], r[1] or r[2], r[3], r[4]) for r in session.execute(bank, params)]
    return rows


def spending(session: Session, customer_id: str, start: date | None = None, end: date | None = None, *,
             category: str | None = None, now: datetime | None = None) -> SpendingSummary:
    """Spending by category, by month and by merchant over [start, end] (Seoul dates, inclusive).

    Defaults to the current month. Categories come from the merchant -> category data.
    """
    scope = _scope(session, customer_id, now, purpose="spending")
    if start is None and end is None:
        start, end = first_of_month(scope.now.date()), scope.now.date()
    start, end = _period(start, end, scope.now, 31)
    lo, hi = _bounds(start, end)
    rows = _spending_rows(session, scope, lo, hi)
    if category is not None:
        rows = [r for r in rows if r[2] == category]
    total = sum(r[3] for r in rows)
    cat_amount: dict[str, int] = defaultdict(int)
    cat_count: dict[str, int] = defaultdict(int)
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    merchants: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for when, merchant, cat, amount in rows:
        cat_amount[cat] += amount
        cat_count[cat] += 1
        months[_month(when)][cat] += amount
        merchants[merchant][0] += amount
        merchants[merchant][1] += 1
    by_category = tuple(sorted((CategorySpend(c, a, cat_count[c], round(100.0 * a / total, 1) if total else 0.0)
                                for c, a in cat_amount.items()), key=lambda x: (-x.amount, x.category)))
    by_month = tuple(MonthSpend(m, sum(cats.values()), dict(cats)) for m, cats in sorted(months.items()))
    top = tuple(sorted((MerchantSpend(m, v[0], v[1]) for m, v in merchants.items()),
                       key=lambda x: (-x.amount, x.merchant))[:10])
    return SpendingSummary(customer_id, start, end, total, by_category, by_month, top, scope.freshness)


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


def search_transactions(session: Session, customer_id: str, *, start: date | None = None, end: date | None = None,
                        merchant: str | None = None, category: str | None = None, min_amount: int | None = None,
                        max_amount: int | None = None, org_code: str | None = None, direction: str | None = None,
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
    scope = _scope(session, customer_id, now, org_code, purpose="search_transactions")
    start, end = _period(start, end, scope.now, 90)
    lo, hi = _bounds(start, end)
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
            CardApproval.approved_at, CardApproval.org_code, CardApproval.merchant_name, CardApproval.merchant,
            CardApproval.category, CardApproval.amount, CardApproval.status, CardApproval.card_pk).where(
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
            if canonical is not None and not _same_merchant(r.merchant, r.merchant_name, canonical[0], needle, session):
                continue
            items.append(TransactionItem(r.approved_at.astimezone(KST), "card", r.org_code, scope.name(r.org_code),
                                         r.merchant_name, r.merchant, r.category, r.amount, "out", r.status,
                                         numbers.get(("card", r.card_pk), "")))
    query = statement(("search_bank", by_merchant), lambda: select(
        Transaction.occurred_at, Transaction.org_code, Transaction.memo, Transaction.merchant, Transaction.category,
        Transaction.amount, Transaction.direction, Transaction.account_id).where(
        Transaction.customer_id == bindparam("cid"), Transaction.org_code.in_(bindparam("orgs", expanding=True)),
        Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
        Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
        Transaction.amount >= bindparam("min"), Transaction.amount <= bindparam("max"),
        *((or_(Transaction.merchant == bindparam("canonical"),
               Transaction.memo.like(bindparam("raw"), escape="\\")),) if by_merchant else ())))
    for r in session.execute(query, params):
        if direction is not None and r.direction != direction:
            continue
        items.append(TransactionItem(r.occurred_at.astimezone(KST), "bank", r.org_code, scope.name(r.org_code),
                                     r.memo, r.merchant, r.category, r.amount, r.direction, "posted",
                                     numbers.get(("account", r.account_id), "")))

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


# ---------------------------------------------------------------- income and recurring payments

@dataclass(frozen=True)
class IncomeStream:
    source: str  # the payer as the bank shows it
    kind: str  # salary | pension | business | regular_transfer | other
    monthly_average: int
    last_amount: int
    last_date: date
    typical_day: int | None
    months_seen: int
    count: int


@dataclass(frozen=True)
class IncomeSummary:
    customer_id: str
    start: date
    end: date
    streams: tuple[IncomeStream, ...]
    monthly_salary: int | None  # the latest salary payment, None when no salary is detected
    salary_day: int | None
    by_month: dict[str, int]  # YYYY-MM -> all income (own transfers excluded)
    freshness: tuple[Freshness, ...]


def _circular_spread(days: list[int]) -> int:
    """Largest distance of a day-of-month from the median, treating the 28th and the 2nd as close."""
    middle = sorted(days)[len(days) // 2]
    return max(min(abs(d - middle), 31 - abs(d - middle)) for d in days)


def _regular(dates: list[date], amounts: list[int], months_in_window: int, strict_amount: float,
             max_day_spread: int = 5) -> bool:
    """About monthly (at least 3 months, rarely twice a month), on about the same day, with
    amounts whose relative standard deviation stays under `strict_amount`."""
    months = {(d.year, d.month) for d in dates}
    if len(months) < min(3, months_in_window):
        return False
    if len(dates) > len(months) + max(1, len(months) // 4):
        return False
    if _circular_spread([d.day for d in dates]) > max_day_spread:
        return False
    # stdev / mean <= strict, both sides times n^2 and squared: n*sum(a^2) - sum(a)^2 is exact
    total, count = sum(amounts), len(amounts)
    return total > 0 and count * sum(a * a for a in amounts) - total * total <= (strict_amount * total) ** 2


def income(session: Session, customer_id: str, *, months: int = 6, now: datetime | None = None) -> IncomeSummary:
    """Income over the last `months` whole months and this one, grouped by payer, with salary detected
    by regularity (about monthly, same day ±5, amount within ~30%), not by labels."""
    if not isinstance(months, int) or not 1 <= months <= 24:
        raise InvalidQuery("months must be 1..24")
    return _income(session, _scope(session, customer_id, now, purpose="income"), months)


def _income(session: Session, scope: _Scope, months: int) -> IncomeSummary:
    customer_id = scope.customer_id
    today = scope.now.date()
    start = add_months(first_of_month(today), -months)
    lo, hi = _bounds(start, today)
    query = statement(("income",), lambda: select(
        Transaction.occurred_at, Transaction.memo, Transaction.amount, Transaction.trans_class).join(
        Account, Account.id == Transaction.account_id).where(
        Transaction.customer_id == bindparam("cid"), Transaction.org_code.in_(bindparam("orgs", expanding=True)),
        Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
        Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
        Transaction.direction == "in", Account.kind == "checking"))
    groups: dict[str, list[tuple[date, int, str]]] = defaultdict(list)
    by_month: dict[str, int] = defaultdict(int)
    for r in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes, "lo": lo, "hi": hi}):
        if r.memo == scope.own_name or r.trans_class == "이자":
            continue
        local = r.occurred_at.astimezone(KST)
        groups[r.memo].append((local.date(), r.amount, r.trans_class))
        by_month[_month(local)] += r.amount
    window = months + 1
    streams = []
    for memo, entries in groups.items():
        entries.sort()
        dates = [e[0] for e in entries]
        amounts = [e[1] for e in entries]
        months_seen = len({(d.year, d.month) for d in dates})
        regular = _regular(dates, amounts, window, 0.3)
        squashed = squash(memo)
        if regular and "연금" in squashed:
            kind = "pension"
        elif regular and statistics.median(amounts) >= 1_000_000:
            kind = "salary"
        elif regular:
            kind = "regular_transfer"
        elif len(entries) >= 3 * months_seen and any(w in squashed for w in ("가맹점", "매출", "정산")):
            kind = "business"
        else:
            kind = "other"
        streams.append(IncomeStream(memo, kind, sum(amounts) // max(1, months_seen), amounts[-1], dates[-1],
                                    sorted(d.day for d in dates)[len(dates) // 2] if regular else None,
                                    months_seen, len(entries)))
    streams.sort(key=lambda s: -s.monthly_average)
    salaries = [s for s in streams if s.kind == "salary"]
    salary = max(salaries, key=lambda s: s.monthly_average) if salaries else None
    return IncomeSummary(customer_id, start, today, tuple(streams), salary.last_amount if salary else None,
                         salary.typical_day if salary else None, dict(sorted(by_month.items())), scope.freshness)


@dataclass(frozen=True)
class RecurringPayment:
    name: str  # canonical merchant, or the bank memo
    raw_name: str  # as the institution last showed it
    category: str | None
    source: str  # card | bank
    org_code: str
    institution: str
    average_amount: int
    last_amount: int
    last_date: date
    typical_day: int
    next_expected: date
    months_seen: int
    is_subscription: bool


@dataclass(frozen=True)
class RecurringSummary:
    customer_id: str
    items: tuple[RecurringPayment, ...]
    monthly_total: int
    subscriptions_total: int
    freshness: tuple[Freshness, ...]


def recurring_payments(session: Session, customer_id: str, *, months: int = 6, now: datetime | None = None
                       ) -> RecurringSummary:
    """Payments that come back about monthly on about the same day: subscriptions, telecom, rent,
    utilities, insurance premiums. Loan repayments, card bills and moves to one's own savings are
    left out (the loan and card answers cover the first two)."""
    if not isinstance(months, int) or not 3 <= months <= 24:
        raise InvalidQuery("months must be 3..24")
    scope = _scope(session, customer_id, now, purpose="recurring_payments")
    today = scope.now.date()
    start = add_months(first_of_month(today), -months)
    lo, hi = _bounds(start, today)
    params = {"cid": customer_id, "orgs": scope.org_codes, "lo": lo, "hi": hi}
    groups: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    cards = statement(("recurring_cards",), lambda: select(
        CardApproval.approved_at, CardApproval.merchant, CardApproval.merchant_name, CardApproval.category,
        CardApproval.amount, CardApproval.org_code).where(
        CardApproval.customer_id == bindparam("cid"), CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
        CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
        CardApproval.approved_at < bindparam("hi", type_=CardApproval.approved_at.type),
        CardApproval.status == "approved"))
    for r in session.execute(cards, params):
        name = r.merchant or r.merchant_name
        groups[("card", name)].append((r.approved_at.astimezone(KST).date(), r.amount, r.merchant_name, r.category,
                                       r.org_code))
    bank = statement(("recurring_bank",), lambda: select(
        Transaction.occurred_at, Transaction.merchant, Transaction.memo, Transaction.category, Transaction.amount,
        Transaction.org_code, Transaction.trans_class).where(
        Transaction.customer_id == bindparam("cid"), Transaction.org_code.in_(bindparam("orgs", expanding=True)),
        Transaction.occurred_at >= bindparam("lo", type_=Transaction.occurred_at.type),
        Transaction.occurred_at < bindparam("hi", type_=Transaction.occurred_at.type),
        Transaction.direction == "out"))
    for r in session.execute(bank, params):
        if r.trans_class in NOT_RECURRING_CLASSES or r.memo == scope.own_name or any(
                w in r.memo for w in SAVINGS_WORDS):
            continue
        groups[("bank", r.merchant or squash(r.memo))].append(
            (r.occurred_at.astimezone(KST).date(), r.amount, r.memo, r.category, r.org_code))
    candidates = []
    for (source, name), entries in groups.items():
        entries.sort()
        candidates.append((source, name, entries, False))
        by_amount: dict[int, list[tuple]] = defaultdict(list)
        for entry in entries:
            by_amount[entry[1]].append(entry)
        if source == "bank" and len(by_amount) > 1:
            # two policies of one insurer share a memo; each keeps its own premium and day
            candidates.extend((source, name, same, True) for same in by_amount.values() if len(same) >= 3)
    items, whole_groups = [], set()
    for source, name, entries, is_part in candidates:
        if is_part and (source, name) in whole_groups:
            continue
        dates = [e[0] for e in entries]
        amounts = [e[1] for e in entries]
        # Card purchases must also keep their price (a subscription, a phone bill); bank auto-debits
        # such as electricity may vary with the season but keep their day.
        if source == "card" and not _regular(dates, amounts, months + 1, 0.1, 3):
            continue
        if source == "bank" and not _regular(dates, amounts, months + 1, 1.0):
            continue
        if not is_part:
            whole_groups.add((source, name))
        last = entries[-1]
        day = sorted(d.day for d in dates)[len(dates) // 2]
        following = add_months(last[0].replace(day=1), 1)
        following = following.replace(day=min(day, _month_days(following)))
        category = last[3]
        items.append(RecurringPayment(
            name=name if source == "card" or entries[-1][3] else last[2], raw_name=last[2], category=category,
            source=source, org_code=last[4], institution=scope.name(last[4]),
            average_amount=sum(amounts) // len(amounts), last_amount=last[1], last_date=last[0], typical_day=day,
            next_expected=following, months_seen=len({(d.year, d.month) for d in dates}),
            is_subscription=category == "구독" or (source == "card" and len(set(amounts)) == 1)))
    items.sort(key=lambda i: (-i.average_amount, i.name))
    monthly = sum(i.average_amount for i in items)
    subs = sum(i.average_amount for i in items if i.is_subscription)
    return RecurringSummary(customer_id, tuple(items), monthly, subs, scope.freshness)


def _month_days(day: date) -> int:
    return (add_months(day.replace(day=1), 1) - timedelta(days=1)).day


# ---------------------------------------------------------------- cards, loans, insurance, investments

@dataclass(frozen=True)
class CardBillItem:
    org_code: str
    institution: str
    charge_month: str  # YYYYMM of the spending billed
    due_date: date
    amount: int
    paid_on: date | None

    @property
    def paid(self) -> bool:
        return self.paid_on is not None


@dataclass(frozen=True)
class CardBillSummary:
    customer_id: str
    upcoming: tuple[CardBillItem, ...]  # unpaid, due today or later (or overdue)
    recent: tuple[CardBillItem, ...]  # the latest bill of each card company
    total_due: int
    next_due_date: date | None
    unbilled_by_institution: dict[str, int]  # credit-card spending since the last statement month
    freshness: tuple[Freshness, ...]


def card_bills(session: Session, customer_id: str, *, org_code: str | None = None, now: datetime | None = None
               ) -> CardBillSummary:
    """Card bills due, the latest bill per card company, and spending not billed yet."""
    scope = _scope(session, customer_id, now, org_code, purpose="card_bills")
    today = scope.now.date()
    query = statement(("card_bills",), lambda: select(
        CardBill.org_code, CardBill.charge_month, CardBill.due_date, CardBill.amount, CardBill.paid_on).where(
        CardBill.customer_id == bindparam("cid"), CardBill.org_code.in_(bindparam("orgs", expanding=True)),
        CardBill.due_date >= bindparam("since")).order_by(CardBill.due_date))
    bills = [CardBillItem(r.org_code, scope.name(r.org_code), r.charge_month, r.due_date, r.amount, r.paid_on)
             for r in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes,
                                              "since": today - timedelta(days=70)})]
    upcoming = tuple(b for b in bills if not b.paid)
    latest: dict[str, CardBillItem] = {}
    for b in bills:
        latest[b.org_code] = b
    billed_month = {org: b.charge_month for org, b in latest.items()}
    lo = day_start(add_months(first_of_month(today), -1))
    spend = statement(("unbilled",), lambda: select(
        CardApproval.org_code, CardApproval.approved_at, CardApproval.amount).join(
        Card, Card.id == CardApproval.card_pk).where(
        CardApproval.customer_id == bindparam("cid"), CardApproval.org_code.in_(bindparam("orgs", expanding=True)),
        CardApproval.approved_at >= bindparam("lo", type_=CardApproval.approved_at.type),
        CardApproval.status == "approved", Card.card_type == "credit"))
    unbilled: dict[str, int] = defaultdict(int)
    for r in session.execute(spend, {"cid": customer_id, "orgs": scope.org_codes, "lo": lo}):
        local = r.approved_at.astimezone(KST)
        if f"{local.year:04d}{local.month:02d}" > billed_month.get(r.org_code, ""):
            unbilled[scope.name(r.org_code)] += r.amount
    return CardBillSummary(customer_id, upcoming, tuple(latest.values()), sum(b.amount for b in upcoming),
                           upcoming[0].due_date if upcoming else None, dict(unbilled), scope.freshness)


@dataclass(frozen=True)
class LoanInfo:
    org_code: str
    institution: str
    institution_kind: str  # bank | capital
    prod_name: str
    loan_type: str
    loan_type_label: str
    account_masked: str
    principal: int
    balance: int
    rate_bp: int | None
    opened_on: date | None
    matures_on: date | None
    next_repay_date: date | None
    next_repay_amount: int | None
    overdue_days: int


@dataclass(frozen=True)
class LoanSummary:
    customer_id: str
    loans: tuple[LoanInfo, ...]
    total_balance: int
    total_principal: int
    next_payment: LoanInfo | None
    monthly_payment_estimate: int
    overdue: tuple[LoanInfo, ...]
    freshness: tuple[Freshness, ...]


def loan_summary(session: Session, customer_id: str, *, org_code: str | None = None, now: datetime | None = None
                 ) -> LoanSummary:
    """Every loan with balance, rate, next repayment and any overdue days."""
    scope = _scope(session, customer_id, now, org_code, purpose="loan_summary")
    query = statement(("loans",), lambda: select(Loan).options(defer(Loan.account_num)).where(
        Loan.customer_id == bindparam("cid"), Loan.org_code.in_(bindparam("orgs", expanding=True)),
        Loan.closed_at.is_(None)).order_by(Loan.org_code, Loan.account_masked, Loan.id))
    loans = tuple(LoanInfo(x.org_code, scope.name(x.org_code), scope.kind(x.org_code), x.prod_name, x.loan_type,
                           LOAN_TYPE_LABEL.get(x.loan_type, "대출"), mask_number(x.account_masked), x.principal,
                           x.balance, x.rate_bp, x.opened_on, x.matures_on, x.next_repay_date, x.next_repay_amt,
                           x.overdue_days)
                  for x in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes}).scalars())
    dated = [x for x in loans if x.next_repay_date is not None]
    return LoanSummary(customer_id, loans, sum(x.balance for x in loans), sum(x.principal for x in loans),
                       min(dated, key=lambda x: x.next_repay_date or date.max) if dated else None,
                       sum(x.next_repay_amount or 0 for x in loans), tuple(x for x in loans if x.overdue_days > 0),
                       scope.freshness)


@dataclass(frozen=True)
class PolicyInfo:
    org_code: str
    institution: str
    prod_name: str
    insu_type: str
    insu_type_label: str
    issued_on: date | None
    expires_on: date | None
    face_amount: int | None
    monthly_premium: int | None
    pay_day: int | None


@dataclass(frozen=True)
class InsuranceSummary:
    customer_id: str
    policies: tuple[PolicyInfo, ...]
    monthly_premium_total: int
    freshness: tuple[Freshness, ...]


def insurance_summary(session: Session, customer_id: str, *, now: datetime | None = None) -> InsuranceSummary:
    scope = _scope(session, customer_id, now, purpose="insurance_summary")
    query = statement(("insurance",), lambda: select(InsurancePolicy).options(defer(InsurancePolicy.insu_num)).where(
        InsurancePolicy.customer_id == bindparam("cid"),
        InsurancePolicy.org_code.in_(bindparam("orgs", expanding=True)),
        InsurancePolicy.closed_at.is_(None)).order_by(InsurancePolicy.org_code))
    policies = tuple(PolicyInfo(p.org_code, scope.name(p.org_code), p.prod_name, p.insu_type,
                                INSURANCE_TYPE_LABEL.get(p.insu_type, "보험"), p.issued_on, p.expires_on, p.face_amt,
                                p.premium_amt, p.pay_day)
                     for p in session.execute(query, {"cid": customer_id, "orgs": scope.org_codes}).scalars())
    return InsuranceSummary(customer_id, policies, sum(p.monthly_premium or 0 for p in policies), scope.freshness)


@dataclass(frozen=True)
class HoldingInfo:
    org_code: str
    institution: str
    prod_code: str
    prod_name: str
    quantity: int
    purchase_amount: int
    eval_amount: int

    @property
    def profit(self) -> int:
        return self.eval_amount - self.purchase_amount

    @property
    def return_pct(self) -> float:
        return round(100.0 * self.profit / self.purchase_amount, 2) if self.purchase_amount else 0.0


@dataclass(frozen=True)
class InvestmentSummary:
    customer_id: str
    holdings: tuple[HoldingInfo, ...]
    cash: int
    purchase_total: int
    eval_total: int
    profit: int
    return_pct: float
    freshness: tuple[Freshness, ...]


def investment_summary(session: Session, customer_id: str, *, now: datetime | None = None) -> InvestmentSummary:
    """Securities holdings at evaluation, with profit and return against the purchase amount."""
    scope = _scope(session, customer_id, now, purpose="investment_summary")
    params = {"cid": customer_id, "orgs": scope.org_codes}
    query = statement(("holdings",), lambda: select(Holding).where(
        Holding.customer_id == bindparam("cid"), Holding.org_code.in_(bindparam("orgs", expanding=True)))
        .order_by(Holding.org_code, Holding.prod_code))
    holdings = tuple(HoldingInfo(h.org_code, scope.name(h.org_code), h.prod_code, h.prod_name, h.quantity,
                                 h.purchase_amt, h.eval_amt) for h in session.execute(query, params).scalars())
    cash_query = statement(("invest_cash",), lambda: select(Account.balance).where(
        Account.customer_id == bindparam("cid"), Account.org_code.in_(bindparam("orgs", expanding=True)),
        Account.kind == "invest", Account.closed_at.is_(None)))
    cash = sum(session.execute(cash_query, params).scalars())
    bought = sum(h.purchase_amount for h in holdings)
    worth = sum(h.eval_amount for h in holdings)
    return InvestmentSummary(customer_id, holdings, cash, bought, worth, worth - bought,
                             round(100.0 * (worth - bought) / bought, 2) if bought else 0.0, scope.freshness)


@dataclass(frozen=True)
class LinkedAsset:
    org_code: str
    institution: str
    kind: str  # checking | deposit | savings | invest | loan | card | insurance
    name: str
    number_masked: str


@dataclass(frozen=True)
class LinkedAssets:
    customer_id: str
    assets: tuple[LinkedAsset, ...]
    freshness: tuple[Freshness, ...]


def linked_assets(session: Session, customer_id: str, *, now: datetime | None = None) -> LinkedAssets:
    """Which accounts, cards, loans and policies are linked (the chat's list_accounts)."""
    scope = _scope(session, customer_id, now, purpose="linked_assets")
    params = {"cid": customer_id, "orgs": scope.org_codes}
    found = []
    for model, kind_of, name_col, number_col in (
            (Account, lambda r: r.kind, Account.prod_name, Account.account_masked),
            (Loan, lambda r: "loan", Loan.prod_name, Loan.account_masked),
            (Card, lambda r: "card", Card.card_name, Card.card_num),
            (InsurancePolicy, lambda r: "insurance", InsurancePolicy.prod_name, InsurancePolicy.insu_masked)):
        extra = (Account.kind,) if model is Account else ()
        query = statement(("linked", model), lambda: select(model.org_code, name_col, number_col, *extra).where(
            model.customer_id == bindparam("cid"), model.org_code.in_(bindparam("orgs", expanding=True)),
            model.closed_at.is_(None)))
        for r in session.execute(query, params):
            found.append(LinkedAsset(r[0], scope.name(r[0]), kind_of(r), r[1], mask_number(r[2])))
    found.sort(key=lambda a: (a.org_code, a.kind, a.name))
    return LinkedAssets(customer_id, tuple(found), scope.freshness)


def loan_repayments(session: Session, customer_id: str, *, since: date | None = None, now: datetime | None = None
                    ) -> list[tuple[str, date | None, datetime, int, int]]:
    """(org_code, due date, paid at, amount, overdue days) of each repayment since `since`."""
    return _repayments(session, _scope(session, customer_id, now, purpose="loan_repayments"), since)


def _repayments(session: Session, scope: _Scope, since: date | None
                ) -> list[tuple[str, date | None, datetime, int, int]]:
    customer_id = scope.customer_id
    since = since or add_months(scope.now.date(), -24)
    query = statement(("repayments",), lambda: select(
        LoanTransaction.org_code, LoanTransaction.due_date, LoanTransaction.occurred_at, LoanTransaction.amount,
        LoanTransaction.overdue_days).where(
        LoanTransaction.customer_id == bindparam("cid"),
        LoanTransaction.org_code.in_(bindparam("orgs", expanding=True)),
        LoanTransaction.occurred_at >= bindparam("lo", type_=LoanTransaction.occurred_at.type)))
    return [(r[0], r[1], r[2].astimezone(KST), r[3], r[4]) for r in session.execute(
        query, {"cid": customer_id, "orgs": scope.org_codes, "lo": day_start(since)})]

