"""Income by payer, with salary, pensions and regular transfers told apart by their regularity."""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.kb.merchants import squash
from bot.korean.calendar import KST, add_months, first_of_month, month_key
from bot.mydata.analytics.regularity import is_regular
from bot.mydata.analytics.scope import Freshness, Scope, consented_scope, day_bounds
from bot.mydata.errors import InvalidQuery
from bot.mydata.store.bulk import statement
from bot.mydata.store.models import Account, Transaction


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


def income(session: Session, customer_id: str, *, months: int = 6, now: datetime | None = None
           ) -> IncomeSummary:
    """Income over the last `months` whole months and this one, grouped by payer, with salary detected
    by regularity (about monthly, same day ±5, amount within ~30%), not by labels."""
    if not isinstance(months, int) or not 1 <= months <= 24:
        raise InvalidQuery("months must be 1..24")
    return scoped_income(session, consented_scope(session, customer_id, now, purpose="income"), months)


def scoped_income(session: Session, scope: Scope, months: int) -> IncomeSummary:
    """`income` within a scope already taken (the credit profile's), so the read is recorded once."""
    customer_id = scope.customer_id
    today = scope.now.date()
    start = add_months(first_of_month(today), -months)
    lo, hi = day_bounds(start, today)
    query = statement(("income",), lambda: select(
        Transaction.occurred_at, Transaction.memo, Transaction.amount, Transaction.trans_class).join(
        Account, Account.id == Transaction.account_id).where(
        Transaction.customer_id == bindparam("cid"),
        Transaction.org_code.in_(bindparam("orgs", expanding=True)),
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
        by_month[month_key(local)] += r.amount
    window = months + 1
    streams = []
    for memo, entries in groups.items():
        entries.sort()
        dates = [e[0] for e in entries]
        amounts = [e[1] for e in entries]
        months_seen = len({(d.year, d.month) for d in dates})
        regular = is_regular(dates, amounts, window, 0.3)
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
                         salary.typical_day if salary else None, dict(sorted(by_month.items())),
                         scope.freshness)
