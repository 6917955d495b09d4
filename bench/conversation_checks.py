"""What a turn of a benchmark conversation must say, checked against the reply and the MyData store.

Written from the conversation contract and issue #11 only, as an outside tester would: expected
numbers come from SQL on the store at run time, never from the assistant's analytics, and periods
("지난달", "최근 3개월") from the same fixed clock the stack runs on (`ASSISTANT_CLOCK`), in Seoul.

A turn's `expect` is a list of checks, each a mapping with one of these keys:
  has / lacks          text (or list of texts) that must / must not appear
  any                  list of texts, at least one must appear
  re / lacks_re        a regular expression that must / must not match
  sql                  a named query (or literal SQL); its value, formatted with `fmt` (default
                       "{:,}원"), must appear, or must not with `absent: true`; `rows: all` wants
                       every row's value; parameters :cid, :lo, :hi (the `period`'s bounds), :clo,
                       :chi (those of `compare`) and `args`; a nil amount may also be said as "없어요"
  per_value            list of names: each on a line of its own with an amount or a reason
                       (연결/없) — "every value the customer named"
  shown_item           N: the first amount of the N-th listed item of the previous reply appears
  new_items            true: the reply lists items, none of them listed in the previous reply
  buttons              true (any button) or a list of titles, one of which must be offered
Every turn also fails on a fallback phrase unless it says `fallback_ok: true`.
"""
from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Dict, List, Mapping, Optional, Sequence
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")
AMOUNT = re.compile(r"\d[\d,]*원")
LIST_ITEM = re.compile(r"^\s*(?:[·•\-*]|\d+[.)])\s*")
REASON_WORDS = ("연결", "없", "아직", "확인할 수")
NONE_WORDS = ("없어요", "없습니다", "없었어요")  # how a reply says an amount is nil instead of "0원"
# The institutions a customer has an active consent for: the only ones an answer may draw on.
LINKED = "(SELECT org_code FROM consents WHERE customer_id = :cid AND revoked_at IS NULL)"


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: Sequence[str]


def _months_back(day: date, months: int) -> date:
    """Same day `months` earlier, clamped to the month's length."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _month(year: int, month: int) -> tuple[date, date]:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, 1), nxt - timedelta(days=1)


def period_dates(name: str, today: date) -> tuple[date, date]:
    """The contract's meaning of a period word, inclusive: a period containing today ends today,
    past ones are whole, `최근 N개월` is today minus N months plus one day .. today. Written apart
    from bot/nlp/period.py on purpose: a yardstick must not share the code it measures."""
    if name == "이번 달":
        return today.replace(day=1), today
    if name == "지난달":
        return _previous_month(today)
    if name == "지난달 같은 기간":
        start, end = _previous_month(today)
        return start, start.replace(day=min(today.day, end.day))
    if name == "지지난달":
        return _previous_month(_previous_month(today)[0])
    if name == "이번 주":
        return today - timedelta(days=today.weekday()), today
    if name == "지난주":
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if name == "올해":
        return date(today.year, 1, 1), today
    rolling = re.fullmatch(r"최근 (\d+)개월", name)
    if rolling:
        return _months_back(today, int(rolling.group(1))) + timedelta(days=1), today
    days = re.fullmatch(r"최근 (\d+)일", name)
    if days:
        return today - timedelta(days=int(days.group(1)) - 1), today
    month = re.fullmatch(r"(\d{1,2})월", name)
    if month:
        number = int(month.group(1))
        year = today.year if number <= today.month else today.year - 1
        start, end = _month(year, number)
        return start, min(end, today)
    raise ValueError(f"unknown period {name!r}")


def _previous_month(today: date) -> tuple[date, date]:
    first = today.replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), last


def utc_bound(day: date) -> str:
    """Seoul midnight of `day` as the store writes instants: naive UTC text."""
    moment = datetime.combine(day, time(0), SEOUL).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class Store:
    """Read-only SQL on the MyData store, with the benchmark's named queries."""

    def __init__(self, path: str, queries: Mapping[str, str], today: date) -> None:
        self.path, self.queries, self.today = path, dict(queries), today

    def params(self, customer: str, period: Optional[str], args: Mapping[str, Any],
               compare: Optional[str] = None) -> Dict[str, Any]:
        """:cid, the `args`, and the bounds of `period` (:lo, :hi) and of `compare` (:clo, :chi)."""
        values: Dict[str, Any] = {"cid": customer, **args}
        for prefix, name in (("", period), ("c", compare)):
            if name:
                start, end = period_dates(name, self.today)
                values.update(
                    {f"{prefix}lo": utc_bound(start), f"{prefix}hi": utc_bound(end + timedelta(days=1))}
                )
        return values

    def rows(self, query: str, params: Mapping[str, Any]) -> List[tuple]:
        sql = self.queries.get(query, query).replace("{linked}", LINKED)
        wanted = set(re.findall(r":(\w+)", sql))
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as db:
            return db.execute(sql, {k: v for k, v in params.items() if k in wanted}).fetchall()

    def scalar(self, query: str, customer: str, args: Mapping[str, Any] | None = None) -> Any:
        rows = self.rows(query, self.params(customer, None, args or {}))
        return rows[0][0] if rows else None


def _list(value: Any) -> List[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _format(value: Any, fmt: str) -> str:
    return fmt.format(0 if value is None else value)


def list_items(text: str) -> List[str]:
    return [line for line in text.splitlines() if LIST_ITEM.match(line)]


def _sql_check(check: Mapping[str, Any], reply: Reply, store: Store, customer: str) -> List[str]:
    params = store.params(customer, check.get("period"), check.get("args") or {}, check.get("compare"))
    rows = store.rows(check["sql"], params)
    values = [r[0] for r in rows] if check.get("rows") == "all" else [rows[0][0] if rows else None]
    fmt = check.get("fmt", "{:,}원")
    failures = []
    for value in values:
        shown = _format(value, fmt)
        if (
            not value
            and fmt == "{:,}원"
            and not check.get("absent")
            and any(w in reply.text for w in NONE_WORDS)
        ):
            continue
        if check.get("absent"):
            if shown in reply.text:
                failures.append(f"must not show {shown} ({check['sql']})")
        elif shown not in reply.text:
            failures.append(f"missing {shown} ({check['sql']}, {check.get('period') or 'no period'})")
    if check.get("rows") == "all" and not values:
        failures.append(f"{check['sql']} returned no rows: the script is wrong")
    return failures


def _per_value(names: Sequence[str], reply: Reply) -> List[str]:
    failures = []
    lines = reply.text.splitlines()
    for name in names:
        if not any(name in line and (AMOUNT.search(line) or any(w in line for w in REASON_WORDS))
                   for line in lines):
            failures.append(f"no line answers for {name}")
    return failures


def _shown_item(index: int, reply: Reply, previous: Optional[Reply]) -> List[str]:
    items = list_items(previous.text) if previous else []
    if len(items) < index:
        return [f"the previous reply listed {len(items)} items, wanted item {index}"]
    amounts = AMOUNT.findall(items[index - 1])
    if not amounts:
        return [f"item {index} of the previous reply has no amount: {items[index - 1]!r}"]
    return [] if amounts[0] in reply.text else [f"missing {amounts[0]} of item {index}: {items[index - 1]!r}"]


def check_turn(expect: Sequence[Mapping[str, Any]], reply: Reply, previous: Optional[Reply], store: Store,
               customer: str, fallbacks: Sequence[str], fallback_ok: bool = False) -> List[str]:
    """Every way the reply misses what the turn expects; empty when it passes."""
    failures: List[str] = []
    if not reply.text.strip():
        failures.append("empty reply")
    if not fallback_ok:
        failures += [f"fallback: {p!r}" for p in fallbacks if p in reply.text]
    for check in expect:
        if "has" in check:
            failures += [f"missing {t!r}" for t in _list(check["has"]) if t not in reply.text]
        if "any" in check and not any(t in reply.text for t in _list(check["any"])):
            failures.append(f"none of {_list(check['any'])}")
        if "lacks" in check:
            failures += [f"must not say {t!r}" for t in _list(check["lacks"]) if t in reply.text]
        if "re" in check and not re.search(check["re"], reply.text):
            failures.append(f"no match for /{check['re']}/")
        if "lacks_re" in check and re.search(check["lacks_re"], reply.text):
            failures.append(f"must not match /{check['lacks_re']}/")
        if "sql" in check:
            failures += _sql_check(check, reply, store, customer)
        if "per_value" in check:
            failures += _per_value(_list(check["per_value"]), reply)
        if "shown_item" in check:
            failures += _shown_item(int(check["shown_item"]), reply, previous)
        if check.get("new_items"):
            shown = set(list_items(previous.text)) if previous else set()
            items = list_items(reply.text)
            if not items or shown & set(items):
                failures.append(f"wanted new items: {len(items)} listed, {len(shown & set(items))} repeated")
        if "buttons" in check:
            wanted = check["buttons"]
            if wanted is True and not reply.buttons:
                failures.append("no buttons")
            elif isinstance(wanted, list) and not any(w in b for w in wanted for b in reply.buttons):
                failures.append(f"no button among {wanted}: {list(reply.buttons)}")
    return failures


STATE_CHECKS = ("unchanged", "zero", "nonzero")


def _state_query(check: Mapping[str, Any]) -> str:
    return next(check[k] for k in STATE_CHECKS if k in check)


def state_snapshot(after: Sequence[Mapping[str, Any]], store: Store, customer: str) -> Dict[int, Any]:
    """The value of each state check's query before the script's first turn."""
    return {i: store.scalar(_state_query(c), customer, c.get("args")) for i, c in enumerate(after)}


def check_state(after: Sequence[Mapping[str, Any]], before: Mapping[int, Any], store: Store,
                customer: str) -> List[str]:
    """After the script: `unchanged` (same value as before the first turn), `zero`, `nonzero`."""
    failures = []
    for i, check in enumerate(after):
        kind = next(k for k in STATE_CHECKS if k in check)
        value = store.scalar(_state_query(check), customer, check.get("args"))
        if kind == "unchanged" and value != before[i]:
            failures.append(f"{check[kind]} changed: {before[i]} -> {value}")
        elif kind == "zero" and value:
            failures.append(f"{check[kind]} is {value}, wanted 0")
        elif kind == "nonzero" and not value:
            failures.append(f"{check[kind]} is {value}, wanted > 0")
    return failures
