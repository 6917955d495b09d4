"""Detectors: pure functions from a customer's facts to the alerts worth saying first.

Each returns `AlertDraft`s with a stable `key` (the same event found by a later sync is the same
alert). Thresholds are chosen for precision: an assistant that cries wolf gets muted.
"""
from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.insights.facts import AccountFact, ApprovalFact, CustomerFacts, TxnFact
from bot.korean.calendar import KST, add_months
from bot.korean.wording import won

URGENT, IMPORTANT, INFO = 3, 2, 1
DUE_WITHIN_DAYS = 5
WATCH_DAYS = 7
DUPLICATE_WINDOW = timedelta(minutes=3)
DUPLICATE_LOOKBACK = timedelta(days=14)  # an older double charge is history, not news
CONSENT_REMINDER_DAYS = 30
PAYMENT_CLASSES = {"카드대금": "결제대금", "대출상환": "대출원리금"}
REGULAR_BANK_CLASSES = {"자동이체", "보험료"}
SUBSCRIPTION_CATEGORY = "구독"
RISE_MIN_SHARE = 0.10  # a phone bill's few thousand won of extra usage is not a price rise
SPIKE_RATIO = 2.0
SPIKE_MIN_WON = 100_000
SPIKE_MONTHS = 6
SPIKE_MIN_TYPICAL = 50_000


@dataclass(frozen=True)
class AlertDraft:
    kind: str
    severity: int
    key: str
    numbers: dict = field(hash=False)
    text: str
    button_title: str
    button_payload: str

    def numbers_json(self) -> str:
        return json.dumps(self.numbers, ensure_ascii=False, sort_keys=True, default=str)


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}" + (json.dumps(entities, ensure_ascii=False) if entities else "")


def _md(day: date) -> str:
    return f"{day.month}월 {day.day}일"


def _checking(facts: CustomerFacts) -> list[AccountFact]:
    return [a for a in facts.accounts if a.account_type == "1001"]


def pay_from_account(facts: CustomerFacts, institution: str, trans_class: str) -> AccountFact | None:
    """The account that paid this institution last time, else the checking account holding the most."""
    by_id = {a.account_id: a for a in facts.accounts}
    marker = PAYMENT_CLASSES[trans_class]
    for t in reversed(facts.transactions):
        if t.trans_class == trans_class and t.memo.startswith(institution) and marker in t.memo \
                and t.account_id in by_id:
            return by_id[t.account_id]
    checking = _checking(facts)
    return max(checking, key=lambda a: a.balance) if checking else None


@dataclass(frozen=True)
class DuePayment:
    source: str  # card_bill | loan
    org_code: str
    institution: str
    name: str
    due: date
    amount: int
    ref: str


def due_payments(facts: CustomerFacts, days: int) -> list[DuePayment]:
    """Unpaid card bills and loan instalments falling due in [today, today + days]."""
    today, last = facts.today, facts.today + timedelta(days=days)
    found = [
        DuePayment(
            "card_bill",
            b.org_code,
            b.institution,
            f"{b.institution} 카드값",
            b.due_date,
            b.amount,
            b.charge_month,
        )
        for b in facts.bills
        if b.paid_on is None and today <= b.due_date <= last and b.amount > 0
    ]
    found += [
        DuePayment(
            "loan",
            x.org_code,
            x.institution,
            x.prod_name if x.prod_name.startswith(x.institution) else f"{x.institution} {x.prod_name}",
            x.next_repay_date,
            x.next_repay_amt,
            x.last4,
        )
        for x in facts.loans
        if x.overdue_days == 0
        and x.next_repay_date is not None
        and x.next_repay_amt
        and today <= x.next_repay_date <= last
    ]
    return sorted(found, key=lambda p: (p.due, p.org_code, p.ref))


def payment_due(facts: CustomerFacts) -> list[AlertDraft]:
    """A card bill or loan payment due within 5 days: amount, the account it is paid from, and
    whether that account holds enough for it and every earlier payment from it in the window."""
    alerts: list[AlertDraft] = []
    committed: dict[int, int] = defaultdict(int)
    for p in due_payments(facts, DUE_WITHIN_DAYS):
        account = pay_from_account(
            facts, p.institution, "카드대금" if p.source == "card_bill" else "대출상환"
        )
        covered = None
        if account is not None:
            committed[account.account_id] += p.amount
            covered = account.balance >= committed[account.account_id]
        days = (p.due - facts.today).days
        when = "오늘" if days == 0 else f"{days}일 뒤({_md(p.due)})"
        sentence = f"{p.name} {won(p.amount)}이 {when} 빠져나갑니다."
        if account is not None:
            where = f"{account.institution} 계좌(끝 {account.last4})"
            sentence += (
                f" {where} 잔액 {won(account.balance)}으로 충분합니다."
                if covered
                else f" {where} 잔액이 {won(account.balance)}이라 "
                     f"{won(committed[account.account_id] - account.balance)}이 부족합니다."
            )
        intent = "card_bill" if p.source == "card_bill" else "loan_status"
        alerts.append(AlertDraft(
            "payment_due", IMPORTANT if covered or covered is None else URGENT,
            f"payment_due:{p.source}:{p.org_code}:{p.ref}:{p.due.isoformat()}",
            {"source": p.source, "org_code": p.org_code, "amount": p.amount, "due_date": p.due.isoformat(),
             "account_last4": account.last4 if account else None,
             "account_balance": account.balance if account else None, "covered": covered},
            sentence, "카드값 보기" if intent == "card_bill" else "대출 보기",
            _payload(intent, institution=p.institution)))
    return alerts


# ---------------------------------------------------------------- regular flows

def _monthly_series(txns: list[TxnFact], today: date, direction: str) -> dict[tuple[int, str], list[TxnFact]]:
    """(account, memo) groups that happened exactly once in each of the last three full months."""
    months = [add_months(today.replace(day=1), -k) for k in (1, 2, 3)]
    keys = {(m.year, m.month) for m in months}
    groups: dict[tuple[int, str], list[TxnFact]] = defaultdict(list)
    for t in txns:
        if t.direction == direction and t.trans_class not in ("카드대금", "대출상환", "체크카드"):
            groups[(t.account_id, t.memo)].append(t)
    series = {}
    for key, rows in groups.items():
        per_month: dict[tuple[int, int], int] = defaultdict(int)
        for t in rows:
            per_month[(t.at.year, t.at.month)] += 1
        if all(per_month.get(k) == 1 for k in keys):
            series[key] = rows
    return series


def _next_on_day(today: date, day_of_month: int) -> date:
    """The next date after today falling on that day of the month (clamped to short months)."""
    month = today.replace(day=1)
    for _ in range(3):
        length = (add_months(month, 1) - timedelta(days=1)).day
        candidate = month.replace(day=min(day_of_month, length))
        if candidate > today:
            return candidate
        month = add_months(month, 1)
    return today + timedelta(days=31)


def balance_watch(facts: CustomerFacts) -> list[AlertDraft]:
    """Expected outflows (bills, loan instalments, monthly debits) minus expected inflows (salary,
    pension, other monthly credits) over the next 7 days take a checking account below zero."""
    today, end = facts.today, facts.today + timedelta(days=WATCH_DAYS)
    this_month = (today.year, today.month)
    alerts = []
    dues = due_payments(facts, WATCH_DAYS)
    for account in _checking(facts):
        mine = [t for t in facts.transactions if t.account_id == account.account_id]
        flows: dict[date, int] = defaultdict(int)
        for p in dues:
            payer = pay_from_account(
                facts, p.institution, "카드대금" if p.source == "card_bill" else "대출상환"
            )
            if payer is not None and payer.account_id == account.account_id and p.due > today:
                flows[p.due] -= p.amount
        for direction, sign, pick in (("out", -1, max), ("in", 1, min)):
            for rows in _monthly_series(mine, today, direction).values():
                if any((t.at.year, t.at.month) == this_month for t in rows):
                    continue
                last3 = rows[-3:]
                day = _next_on_day(today, last3[-1].at.day)
                if day <= end:
                    flows[day] += sign * pick(t.amount for t in last3)
        balance, lowest, lowest_day = account.balance, account.balance, None
        for offset in range(1, WATCH_DAYS + 1):
            day = today + timedelta(days=offset)
            balance += flows.get(day, 0)
            if balance < lowest:
                lowest, lowest_day = balance, day
        if lowest < 0 and lowest_day is not None:
            outflow = -sum(v for d, v in flows.items() if v < 0 and d <= lowest_day)
            alerts.append(
                AlertDraft(
                    "balance_watch",
                    URGENT,
                    f"balance_watch:{account.account_id}:{lowest_day.isoformat()}",
                    {
                        "account_last4": account.last4,
                        "balance": account.balance,
                        "expected_outflows": outflow,
                        "lowest_balance": lowest,
                        "lowest_on": lowest_day.isoformat(),
                    },
                    f"{account.institution} 계좌(끝 {account.last4})에서 {_md(lowest_day)}까지 "
                    f"{won(outflow)}이 나갈 "
                    f"예정이라 잔액이 {won(-lowest)} 모자랄 수 있습니다.",
                    "잔액 보기",
                    _payload("check_balance", institution=account.institution),
                )
            )
    return alerts


@dataclass(frozen=True)
class Charge:
    at: datetime
    amount: int


def _regular_groups(facts: CustomerFacts) -> dict[str, tuple[str, str | None, list[Charge]]]:
    """Name -> (where, category, charges) of card subscriptions/regular charges and bank auto-debits."""
    groups: dict[str, tuple[str, str | None, list[Charge]]] = {}
    for a in facts.approvals:
        if a.cancelled:
            continue
        name = a.merchant or a.merchant_name
        groups.setdefault(name, ("card", a.category, []))[2].append(Charge(a.at, a.amount))
    for t in facts.transactions:
        if t.direction == "out" and t.trans_class in REGULAR_BANK_CLASSES:
            groups.setdefault(t.memo, ("bank", t.category, []))[2].append(Charge(t.at, t.amount))
    return groups


def _is_monthly(charges: list[Charge]) -> bool:
    return len(charges) >= 3 and all(25 <= (b.at.date() - a.at.date()).days <= 35
                                     for a, b in zip(charges, charges[1:]))


def regular_payment_changes(facts: CustomerFacts) -> list[AlertDraft]:
    """A subscription or regular payment that went up, a new subscription, or one that stopped."""
    today, alerts = facts.today, []
    data_start = min([a.at.date() for a in facts.approvals] + [t.at.date() for t in facts.transactions],
                     default=today)
    for name, (where, category, charges) in sorted(_regular_groups(facts).items()):
        last = charges[-1]
        age = (today - last.at.date()).days
        button = ("정기결제 보기", _payload("recurring_payments"))
        if _is_monthly(charges[-4:]) and age <= 35:
            before = charges[:-1][-6:]
            if len(before) >= 2 and len({c.amount for c in before}) == 1 \
                    and last.amount - before[-1].amount >= RISE_MIN_SHARE * before[-1].amount \
                    and _is_monthly(charges[-3:]):
                old = before[-1].amount
                alerts.append(
                    AlertDraft(
                        "recurring_up",
                        IMPORTANT,
                        f"recurring_up:{name}:{last.at.date().isoformat()}",
                        {
                            "name": name,
                            "old": old,
                            "new": last.amount,
                            "diff": last.amount - old,
                            "on": last.at.date().isoformat(),
                        },
                        f"{name} 정기결제가 {won(old)}에서 {won(last.amount)}으로 {won(last.amount - old)} "
                        "올랐습니다.",
                        *button,
                    )
                )
        elif len(charges) >= 3 and _is_monthly(charges[-3:]) and len({c.amount for c in charges[-3:]}) == 1 \
                and 38 <= age <= 75:
            alerts.append(AlertDraft(
                "recurring_stopped", INFO, f"recurring_stopped:{name}:{last.at.date().isoformat()}",
                {"name": name, "amount": last.amount, "last_on": last.at.date().isoformat()},
                f"매달 나가던 {name} {won(last.amount)}이 {_md(last.at.date())} 이후로 결제되지 않았습니다. "
                "해지하신 게 맞는지 확인해 보세요.", *button))
        first = charges[0].at.date()
        if len(charges) == 1 and age <= 35 and (first - data_start).days >= 60 and \
                (category == SUBSCRIPTION_CATEGORY or where == "bank"):
            alerts.append(AlertDraft(
                "recurring_new", INFO, f"recurring_new:{name}:{first.isoformat()}",
                {"name": name, "amount": last.amount, "first_on": first.isoformat()},
                f"{_md(first)}에 새 정기결제로 보이는 {name} {won(last.amount)}이 처음 나갔습니다.", *button))
    return alerts


def duplicate_charges(facts: CustomerFacts) -> list[AlertDraft]:
    """The same card charged the same merchant the same amount twice within 3 minutes, in the last
    two weeks."""
    alerts: list[AlertDraft] = []
    last_seen: dict[tuple[int, str, int], ApprovalFact] = {}
    since = facts.now - DUPLICATE_LOOKBACK
    for a in facts.approvals:
        if a.cancelled or a.at < since:
            continue
        key = (a.card_id, a.merchant_name, a.amount)
        prev = last_seen.get(key)
        if prev is not None and a.at - prev.at <= DUPLICATE_WINDOW:
            alerts.append(
                AlertDraft(
                    "duplicate_charge",
                    IMPORTANT,
                    f"duplicate_charge:{a.card_id}:{a.approved_num}",
                    {
                        "merchant": a.merchant_name,
                        "amount": a.amount,
                        "first_at": prev.at.isoformat(),
                        "second_at": a.at.isoformat(),
                        "org_code": a.org_code,
                    },
                    f"{a.merchant_name}에서 {won(a.amount)}이 {prev.at:%H:%M}과 {a.at:%H:%M}에 두 번 "
                    "결제되었습니다. "
                    "중복 결제인지 확인해 보세요.",
                    "결제 내역 보기",
                    _payload("search_transactions", merchant=a.merchant or a.merchant_name),
                )
            )
        last_seen[key] = a
    return alerts


def _spend_by_month(facts: CustomerFacts) -> dict[tuple[int, int], dict[str, int]]:
    months: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for a in facts.approvals:
        if not a.cancelled:
            months[(a.at.year, a.at.month)][a.category or "기타"] += a.amount
    for t in facts.transactions:
        if t.direction == "out" and t.category is not None:
            months[(t.at.year, t.at.month)][t.category] += t.amount
    return months


def spending_spike(facts: CustomerFacts) -> list[AlertDraft]:
    """This month's spending in a category already twice the highest of the last six months and
    of the same month last year (seasons), and 10만 원 above the typical (median) month; with the
    forecast to month end."""
    today = facts.today
    months = _spend_by_month(facts)
    past = [add_months(today.replace(day=1), -k) for k in range(1, SPIKE_MONTHS + 1)]
    if any((m.year, m.month) not in months for m in past):
        return []
    last_year = add_months(today.replace(day=1), -12)
    current = months.get((today.year, today.month), {})
    length = (add_months(today.replace(day=1), 1) - timedelta(days=1)).day
    alerts = []
    for category, spent in sorted(current.items()):
        history = [months[(m.year, m.month)].get(category, 0) for m in past]
        typical = int(statistics.median(history))
        season = months.get((last_year.year, last_year.month), {}).get(category, 0)
        if typical >= SPIKE_MIN_TYPICAL and spent > SPIKE_RATIO * max(history + [season]) \
                and spent - typical >= SPIKE_MIN_WON:
            forecast = spent * length // today.day
            alerts.append(AlertDraft(
                "spending_spike", INFO, f"spending_spike:{category}:{today:%Y%m}",
                {"category": category, "spent": spent, "typical": typical, "forecast": forecast,
                 "day": today.day},
                f"이번 달 {category} 지출이 벌써 {won(spent)}으로 평소 한 달({won(typical)})보다 많습니다. "
                f"이대로면 월말까지 {won(forecast)}쯤 쓰시게 됩니다.",
                "지출 보기", _payload("spending_summary", category=category)))
    return alerts


def loan_overdue(facts: CustomerFacts) -> list[AlertDraft]:
    alerts = []
    for x in facts.loans:
        name = x.prod_name if x.prod_name.startswith(x.institution) else f"{x.institution} {x.prod_name}"
        late = x.overdue_days or ((facts.today - x.next_repay_date).days
                                  if x.next_repay_date and x.next_repay_date < facts.today else 0)
        if late > 0:
            due = x.next_repay_date.isoformat() if x.next_repay_date else ""
            amount = f" {won(x.next_repay_amt)}" if x.next_repay_amt else ""
            alerts.append(
                AlertDraft(
                    "loan_overdue",
                    URGENT,
                    f"loan_overdue:{x.org_code}:{x.last4}:{due}",
                    {
                        "org_code": x.org_code,
                        "loan_last4": x.last4,
                        "overdue_days": late,
                        "amount": x.next_repay_amt,
                        "due_date": due,
                    },
                    f"{name}(끝 {x.last4}) 상환금{amount}이 {late}일 연체 중입니다. "
                    "연체가 길어지면 신용점수에 영향을 줄 수 있습니다.",
                    "대출 보기",
                    _payload("loan_status", institution=x.institution),
                )
            )
    return alerts


def consent_expiring(facts: CustomerFacts) -> list[AlertDraft]:
    alerts = []
    for c in facts.consents:
        ends = c.expires_at.astimezone(KST).date()
        days = (ends - facts.today).days
        if 0 <= days <= CONSENT_REMINDER_DAYS:
            alerts.append(
                AlertDraft(
                    "consent_expiring",
                    IMPORTANT if days <= 7 else INFO,
                    f"consent_expiring:{c.org_code}:{ends.isoformat()}",
                    {"org_code": c.org_code, "expires_on": ends.isoformat(), "days_left": days},
                    f"{c.institution} 정보 제공 동의가 {_md(ends)}에 끝납니다({days}일 남음). 계속 보시려면 "
                    "동의를 "
                    "연장해 주세요.",
                    "동의 내역 보기",
                    _payload("list_consents"),
                )
            )
    return alerts


DETECTORS = (
    payment_due,
    balance_watch,
    regular_payment_changes,
    duplicate_charges,
    spending_spike,
    loan_overdue,
    consent_expiring,
)
KINDS = (
    "payment_due",
    "balance_watch",
    "recurring_up",
    "recurring_new",
    "recurring_stopped",
    "duplicate_charge",
    "spending_spike",
    "loan_overdue",
    "consent_expiring",
)


def detect(facts: CustomerFacts) -> list[AlertDraft]:
    """Every detector's alerts, most important first."""
    found = [a for detector in DETECTORS for a in detector(facts)]
    return sorted(found, key=lambda a: (-a.severity, a.kind, a.key))
