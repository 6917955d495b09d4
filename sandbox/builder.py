"""Builds one synthetic customer's book: accounts, loans, cards, holdings and policies, and the
money that moves between them, drawn from one RNG seeded by (seed, customer id).

The persona scripts (`sandbox.personas`) say what a customer has; this module says how each thing
is made: numbers, schedules, card approvals and bills, and the bank transactions they cause.
"""
from __future__ import annotations

import bisect
import functools
import math
import random
from datetime import date, timedelta

from bot.kb.lexicon import InstitutionEntry, load_lexicon
from bot.korean.calendar import add_months
from sandbox.config import SandboxConfig
from sandbox.records import (Approval, BankTxn, Bill, Card, DepositAccount, Holding, InstitutionBook, InvestAccount,
                             Loan, LoanPayment, Policy)
from sandbox.reference import (CATEGORY_SEASON, DEPOSIT_NAMES, HOURS, MERCHANTS_BY_PERSONA, ONLINE, PRICE, SEASON,
                               STOCKS, WEEKEND_BOOST)


def _kind_map() -> dict[str, list[InstitutionEntry]]:
    lex = load_lexicon()
    return {kind: lex.of_kind(kind) for kind in ("bank", "card", "securities", "insurance", "capital")}


TWO_DIGITS = tuple(f"{n:02d}" for n in range(100))


@functools.lru_cache(maxsize=8)
def _calendar(start: date, end: date) -> tuple[list[date], list[str]]:
    days, strs = [], []
    day = start
    while day <= end:
        days.append(day)
        strs.append(f"{day.year:04d}{day.month:02d}{day.day:02d}")
        day += timedelta(days=1)
    return days, strs


@functools.lru_cache(maxsize=8)
def _day_strings(start: date, end: date) -> dict[date, str]:
    """'YYYYMMDD' of every calendar day, looked up instead of formatted: a book formats ~400 of them."""
    days, strs = _calendar(start, end)
    return dict(zip(days, strs))


@functools.lru_cache(maxsize=8)
def _month_and_weekend(start: date, end: date) -> list[tuple[int, bool]]:
    return [(day.month, day.weekday() >= 5) for day in _calendar(start, end)[0]]


class BookBuilder:
    """Builds one customer's book; every random draw comes from one RNG seeded by (seed, id), so the
    order of the calls decides the book: a persona script calls these methods, then `finish`."""

    def __init__(self, config: SandboxConfig, customer_id: str):
        self.config = config
        self.rng = random.Random(f"{config.seed}:{customer_id}")
        self.customer_id = customer_id
        self.days = _calendar(config.history_start, config.horizon_end)[0]
        self._day_str = _day_strings(config.history_start, config.horizon_end)
        self.first, self.last = self.days[0], self.days[-1]
        self.kinds = _kind_map()
        self.books: dict[str, InstitutionBook] = {}
        self.recurring: set[str] = set()
        self._months: list[tuple[date, int]] | None = None
        self._bill_account: DepositAccount | None = None
        self._charge_days: dict[str, int] = {}

    # -- small helpers
    def book(self, inst: InstitutionEntry) -> InstitutionBook:
        if inst.org_code not in self.books:
            self.books[inst.org_code] = InstitutionBook(institution=inst)
        return self.books[inst.org_code]

    def pick(self, kind: str, exclude: set[str] = frozenset(), names: tuple[str, ...] = ()) -> InstitutionEntry:
        pool = [i for i in self.kinds[kind] if i.org_code not in exclude and (not names or i.name in names)]
        return self.rng.choice(pool)

    def number(self, groups: tuple[int, ...]) -> str:
        rng = self.rng
        return "-".join("".join(str(rng.randrange(10)) for _ in range(g)) for g in groups)

    def dtime(self, day: date, hour: int, minute: int | None = None) -> str:
        rnd = self.rng.random
        minute = int(rnd() * 60) if minute is None else minute
        day_str = self._day_str.get(day) or f"{day.year:04d}{day.month:02d}{day.day:02d}"
        return day_str + TWO_DIGITS[hour] + TWO_DIGITS[minute] + TWO_DIGITS[int(rnd() * 60)]

    def in_range(self, day: date) -> bool:
        return self.first <= day <= self.last

    def months(self) -> list[tuple[date, int]]:
        """First day and length of every month the history touches."""
        if self._months is None:
            self._months = []
            month = self.first.replace(day=1)
            while month <= self.last:
                self._months.append((month, _month_len(month)))
                month = add_months(month, 1)
        return self._months

    def monthly_days(self, day_of_month: int, weekend_back: bool = False, start: date | None = None,
                     end: date | None = None):
        for month, length in self.months():
            day = month.replace(day=min(day_of_month, length))
            if weekend_back:
                while day.weekday() >= 5:
                    day -= timedelta(days=1)
            if self.in_range(day) and (start is None or day >= start) and (end is None or day <= end):
                yield day

    # -- where bills are paid from
    def pay_card_bills_from(self, account: DepositAccount) -> None:
        """Every card company's credit-card bills are debited from `account` (from none until set)."""
        self._bill_account = account

    def set_charge_day(self, inst: InstitutionEntry, day_of_month: int) -> None:
        """The day of the month `inst`'s card bill is due (14th unless set)."""
        self._charge_days[inst.org_code] = day_of_month

    # -- accounts
    def deposit(self, inst: InstitutionEntry, account_type: str, opened: date, rate_bp: int, *,
                prod_name: str | None = None, matures: date | None = None, commit_amt: int | None = None,
                monthly_paid_in: int | None = None) -> DepositAccount:
        book = self.book(inst)
        account = DepositAccount(
            account_num=self.number((3, 2, 6)) if inst.kind == "bank" else self.number((4, 4, 4)),
            seqno=f"{len(book.deposits) + 1:02d}",
            prod_name=prod_name or f"{inst.name} {self.rng.choice(DEPOSIT_NAMES[account_type])}",
            account_type=account_type, opened=opened, matures=matures, rate_bp=rate_bp,
            commit_amt=commit_amt, monthly_paid_in=monthly_paid_in)
        book.deposits.append(account)
        return account

    def bank_event(self, account: DepositAccount, dtime: str, trans_class: str, memo: str, signed: int,
                   category: str | None = None, recurring: str | None = None) -> None:
        account.pending.append((dtime, trans_class, memo, signed, category, recurring))
        if recurring:
            self.recurring.add(recurring)

    def finish_deposit(self, account: DepositAccount, floor: int) -> None:
        """Sort the account's events and choose an opening balance that keeps it above `floor`."""
        events = sorted(account.pending)
        running, lowest = 0, 0
        for event in events:
            running += event[3]
            lowest = min(lowest, running)
        account.opening_balance = (account.commit_amt or 0) if account.account_type == "1002" else floor - lowest
        balance = account.opening_balance
        txns = []
        for n, (dtime, trans_class, memo, signed, category, recurring) in enumerate(events, 1):
            balance += signed
            txns.append(BankTxn(dtime, f"{dtime[:8]}{n:06d}", "01" if signed > 0 else "02", trans_class, memo,
                                abs(signed), balance, category, recurring))
        account.txns = txns
        account.dtimes = [t.dtime for t in txns]
        account.pending = []

    def loan(self, inst: InstitutionEntry, account_type: str, prod_name: str, opened: date, months: int,
             principal: int, rate_bp: int, repay_method: str, pay_from: DepositAccount | None,
             late: dict[int, int] | None = None) -> Loan:
        """A loan with its full monthly schedule; `late` maps schedule index to days paid late."""
        book = self.book(inst)
        loan = Loan(account_num=self.number((3, 4, 6)) if inst.kind == "bank" else self.number((4, 6, 4)),
                    prod_name=prod_name, account_type=account_type, opened=opened,
                    matures=add_months(opened, months), principal=principal, rate_bp=rate_bp,
                    repay_method=repay_method, repay_day=opened.day)
        monthly_rate = rate_bp / 10000 / 12
        balance = principal
        if repay_method == "01":
            payment = int(principal * monthly_rate / (1 - (1 + monthly_rate) ** -months))
        for k in range(1, months + 1):
            due = add_months(opened, k)
            interest = int(balance * monthly_rate)
            if repay_method == "01":
                part = balance if k == months else min(balance, payment - interest)
            else:
                part = balance if k == months else 0
            balance -= part
            loan.schedule.append((f"{due.year:04d}{due.month:02d}{due.day:02d}", part, interest, balance))
        late = late or {}
        for k, (due_str, part, interest, after) in enumerate(loan.schedule):
            due = date(int(due_str[:4]), int(due_str[4:6]), int(due_str[6:8]))
            paid_day = due + timedelta(days=late.get(k, 0))
            if paid_day > self.last:
                break
            dtime = self.dtime(paid_day, 9, 10)
            loan.payments.append(LoanPayment(dtime, f"L{k + 1:04d}", due_str, part, interest, after, late.get(k, 0)))
            if pay_from is not None and paid_day >= self.first:
                self.bank_event(pay_from, dtime, "대출상환", f"{inst.name} 대출원리금", -(part + interest))
        loan.dtimes = [p.dtime for p in loan.payments]
        book.loans.append(loan)
        return loan

    def card(self, inst: InstitutionEntry, card_type: str, limit_amt: int, issued: date,
             linked: DepositAccount | None = None) -> Card:
        book = self.book(inst)
        bin_ = self.number((4,))
        tail = self.number((4,))
        kind = "체크" if card_type == "02" else self.rng.choice(["Deep Dream", "The More", "My WAY", "Point Plan", "M"])
        card = Card(card_id=f"{inst.org_code[-4:]}{len(book.cards) + 1:02d}{self.number((6,))}",
                    card_num=f"{bin_}-{self.number((2,))}**-****-{tail}",
                    card_name=f"{inst.name} {kind}", card_type=card_type, limit_amt=limit_amt,
                    issued=issued, linked_account=linked)
        book.cards.append(card)
        return card

    def invest(self, inst: InstitutionEntry, opened: date, cash: int, picks: int) -> InvestAccount:
        account = InvestAccount(account_num=self.number((3, 2, 6)), account_name="종합매매계좌",
                                account_type="01", opened=opened, cash_balance=cash)
        for code, name, asset_type, base in self.rng.sample(STOCKS, picks):
            quantity = self.rng.randrange(5, 150) if base < 100000 else self.rng.randrange(1, 30)
            bought_at = int(base * self.rng.uniform(0.8, 1.15)) // 10 * 10
            account.holdings.append(Holding(code, name, asset_type, quantity, quantity * bought_at))
        self.book(inst).invest_accounts.append(account)
        return account

    def policy(self, inst: InstitutionEntry, insu_type: str, prod_name: str, issued: date, years: int,
               face_amt: int, premium: int, pay_from: DepositAccount) -> Policy:
        policy = Policy(insu_num=self.number((4, 7)), prod_name=prod_name, insu_type=insu_type, issued=issued,
                        expires=add_months(issued, 12 * years), face_amt=face_amt, premium=premium,
                        pay_day=self.rng.choice([5, 10, 15, 20, 25]))
        self.book(inst).policies.append(policy)
        name = f"{inst.name} 보험료"
        for day in self.monthly_days(policy.pay_day, start=issued):
            self.bank_event(pay_from, self.dtime(day, 6), "보험료", name, -premium, recurring=name)
        return policy

    # -- flows
    def salary(self, account: DepositAccount, company: str, net: int, pay_day: int, trans_class: str,
               bonus_months: tuple[int, ...] = ()) -> list[tuple[str, int]]:
        paid = []
        raise_day = date(self.config.as_of.year, 3, 1)
        for day in self.monthly_days(pay_day, weekend_back=True):
            amount = net + (int(net * 0.035) // 10 * 10 if day >= raise_day else 0)
            dtime = self.dtime(day, 8, 30)
            self.bank_event(account, dtime, trans_class, company, amount)
            paid.append((dtime, amount))
            if day.month in bonus_months:
                self.bank_event(account, self.dtime(day, 8, 40), "상여", f"{company} 상여", net)
        return paid

    def monthly_debit(self, account: DepositAccount, day_of_month: int, trans_class: str, memo: str,
                      amount, category: str | None, recurring: bool = True, hour: int = 7) -> None:
        for day in self.monthly_days(day_of_month):
            value = amount(day) if callable(amount) else amount
            self.bank_event(account, self.dtime(day, hour), trans_class, memo, -value, category,
                            memo if recurring else None)

    def utilities(self, account: DepositAccount, base: int) -> None:
        def electricity(day: date) -> int:
            factor = {7: 1.9, 8: 2.1, 12: 1.4, 1: 1.6, 2: 1.4}.get(day.month, 1.0)
            return int(base * factor * self.rng.uniform(0.9, 1.1)) // 10 * 10
        self.monthly_debit(account, 25, "자동이체", "한국전력공사 전기요금", electricity, "공과금")

        def gas(day: date) -> int:
            factor = {12: 3.0, 1: 3.5, 2: 3.0, 3: 1.8, 11: 1.8}.get(day.month, 0.7)
            return int(base * 0.8 * factor * self.rng.uniform(0.9, 1.1)) // 10 * 10
        self.monthly_debit(account, 22, "자동이체", "도시가스요금", gas, "공과금")

    def spending(self, cards: list[tuple[Card, float]], persona: str, neighbourhood: list[str], scale: float,
                 until: date | None = None) -> None:
        """Everyday card spending: a Poisson count per day, merchant by persona, season and weekday."""
        rng = self.rng
        profile = MERCHANTS_BY_PERSONA[persona]
        tables = {}
        preference = {m: rng.random() + 0.3 for merchants, _ in profile.values() for m in merchants}
        for month in range(1, 13):
            for weekend in (False, True):
                names, weights = [], []
                for category, (merchants, rate) in profile.items():
                    w = rate * CATEGORY_SEASON.get(category, {}).get(month, 1.0)
                    if weekend:
                        w *= WEEKEND_BOOST.get(category, 1.0)
                    norm = sum(preference[m] for m in merchants)
                    for merchant in merchants:
                        names.append((merchant, category))
                        weights.append(w * preference[merchant] / norm)
                total = sum(weights)
                cum, acc = [], 0.0
                for w in weights:
                    acc += w
                    cum.append(acc)
                lam = total / 7.0 * scale * SEASON[month]
                tables[(month, weekend)] = (names, cum, lam, math.exp(-lam))
        card_cum, acc, card_list = [], 0.0, []
        for card, share in cards:
            acc += share
            card_cum.append(acc)
            card_list.append(card)
        end = until or self.last
        random_, choice, bisect_left = rng.random, rng.choice, bisect.bisect_left
        day_keys = _month_and_weekend(self.config.history_start, self.config.horizon_end)
        for day, key in zip(self.days, day_keys):
            if day > end:
                break
            names, cum, lam, p = tables[key]
            count, s, u = 0, p, random_()
            while u > s and count < 20:
                count += 1
                p *= lam / count
                s += p
            for _ in range(count):
                merchant, category = names[bisect_left(cum, random_() * cum[-1])]
                lo, hi = PRICE[merchant]
                amount = (lo + int(random_() ** 1.6 * (hi - lo))) // 100 * 100
                raw = merchant if merchant in ONLINE else f"{merchant} {choice(neighbourhood)}점"
                hour = choice(HOURS[category])
                card = card_list[bisect_left(card_cum, random_() * card_cum[-1])] if len(card_list) > 1 \
                    else card_list[0]
                self.approval(card, day, hour, raw, merchant, category, amount)

    def approval(self, card: Card, day: date, hour: int, raw: str, merchant: str, category: str, amount: int,
                 installments: int = 0, recurring: str | None = None, minute: int | None = None) -> None:
        rng = self.rng
        dtime = self.dtime(day, hour, minute)
        cancel = ""
        if recurring is None and hour < 22 and rng.random() < 0.01:
            cancel = dtime[:8] + f"{hour + 1:02d}{rng.randrange(60):02d}{rng.randrange(60):02d}"
        card.approvals.append(Approval(dtime, "", raw, merchant, category, amount, installments, cancel, recurring))
        if recurring:
            self.recurring.add(recurring)

    def subscription(self, card: Card, merchant: str, price: int, day_of_month: int, start: date | None = None):
        category = load_lexicon().merchant_by_name[merchant].category
        for day in self.monthly_days(day_of_month, start=start):
            self.approval(card, day, 4, merchant, merchant, category, price, recurring=merchant, minute=10)

    def telecom(self, card: Card, carrier: str, base: int, day_of_month: int) -> None:
        for day in self.monthly_days(day_of_month):
            amount = base + self.rng.choice([0, 0, 0, 1100, 2200, 3300])
            self.approval(card, day, 5, f"{carrier} 통신요금", carrier, "통신", amount, recurring=carrier,
                          minute=20)

    def trip(self, card: Card, day: date, persona: str) -> None:
        if not self.in_range(day):
            return
        if persona == "retiree":
            self.approval(card, day, 10, "코레일", "코레일", "교통", self.rng.randrange(60, 180) * 1000)
        else:
            flight = self.rng.randrange(25, 90) * 10000
            self.approval(card, day, 21, "대한항공", "대한항공", "여행", flight, installments=3)
        stay = self.rng.randrange(8, 40) * 10000
        self.approval(card, day + timedelta(days=1), 14, "야놀자", "야놀자", "여행", stay)

    def finish_cards(self) -> None:
        """Number approvals in time order, build monthly bills, and debit bills and check-card spending."""
        for book in self.books.values():
            credit_by_month: dict[str, int] = {}
            pay_account = self._bill_account
            for card in book.cards:
                card.approvals.sort()
                prefix = card.card_id[-4:]
                card.approvals = [Approval(a.dtime, f"{prefix}{n:07d}", *a[2:])
                                  for n, a in enumerate(card.approvals, 1)]
                card.dtimes = [a.dtime for a in card.approvals]
                for a in card.approvals:
                    if a.cancel_dtime:
                        continue
                    if card.card_type == "02":
                        if card.linked_account is not None:
                            self.bank_event(card.linked_account, a.dtime, "체크카드", a.merchant_name, -a.amount)
                        continue
                    if not a.installments:
                        key = a.dtime[:6]
                        credit_by_month[key] = credit_by_month.get(key, 0) + a.amount
                        continue
                    parts = a.installments
                    share = a.amount // parts
                    first_month = date(int(a.dtime[:4]), int(a.dtime[4:6]), 1)
                    for k in range(parts):
                        month = add_months(first_month, k)
                        key = f"{month.year:04d}{month.month:02d}"
                        credit_by_month[key] = credit_by_month.get(key, 0) + share + (a.amount - share * parts if k == 0 else 0)
            if not credit_by_month:
                continue
            charge_day = self._charge_days.get(book.org_code, 14)
            for key in sorted(credit_by_month):
                month = date(int(key[:4]), int(key[4:6]), 1)
                statement = add_months(month, 1)
                due = statement.replace(day=charge_day)
                while due.weekday() >= 5:
                    due += timedelta(days=1)
                issued = f"{statement.year:04d}{statement.month:02d}01060000"
                paid = f"{due.year:04d}{due.month:02d}{due.day:02d}070000"
                book.bills.append(Bill(key, "01", paid[:8], credit_by_month[key], issued, paid))
                if pay_account is not None and self.first <= due <= self.last:
                    self.bank_event(pay_account, paid, "카드대금", f"{book.institution.name} 결제대금",
                                    -credit_by_month[key])

    def finish(self) -> set[str]:
        """Bills the cards, then settles every deposit account's events and opening balance (a current
        account keeps a random floor); returns the names of the recurring payments made."""
        self.finish_cards()
        for inst_book in self.books.values():
            for account in inst_book.deposits:
                self.finish_deposit(account, floor=self.rng.randrange(2, 30) * 10000
                                    if account.account_type == "1001" else 0)
        return self.recurring


def _month_len(month: date) -> int:
    return (add_months(month.replace(day=1), 1) - timedelta(days=1)).day
