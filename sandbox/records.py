"""What a synthetic customer's book is made of: the records the sandbox institutions serve.

Money is int won. Timestamps are 'YYYYMMDDhhmmss' strings in Seoul time, the API's own format,
which sort in time order. Records keep the generator's own truth (canonical merchant, category,
recurring flag) beside what the API serves, so tests can check analytics independently.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from bot.kb.lexicon import InstitutionEntry


class BankTxn(NamedTuple):
    dtime: str
    trans_no: str
    trans_type: str  # "01" in, "02" out
    trans_class: str
    memo: str
    amount: int
    balance_after: int
    category: str | None  # generator's truth for spending; not served
    recurring: str | None  # truth: name of the recurring payment this belongs to


class LoanPayment(NamedTuple):
    dtime: str
    trans_no: str
    due_date: str
    principal_amt: int
    interest_amt: int
    balance_after: int
    overdue_days: int


class Approval(NamedTuple):
    dtime: str
    approved_num: str
    merchant_name: str
    merchant: str  # truth: canonical lexicon merchant
    category: str  # truth
    amount: int
    installments: int
    cancel_dtime: str  # "" when never cancelled
    recurring: str | None


class Bill(NamedTuple):
    charge_month: str
    seqno: str
    charge_day: str
    charge_amt: int
    issued_dtime: str
    paid_dtime: str


class Holding(NamedTuple):
    prod_code: str
    prod_name: str
    asset_type: str
    quantity: int
    purchase_amt: int


@dataclass
class DepositAccount:
    account_num: str
    seqno: str
    prod_name: str
    account_type: str  # 1001 입출금, 1002 정기예금, 1003 적금
    opened: date
    matures: date | None
    rate_bp: int
    commit_amt: int | None = None
    monthly_paid_in: int | None = None
    opening_balance: int = 0
    txns: list[BankTxn] = field(default_factory=list)
    dtimes: list[str] = field(default_factory=list)
    pending: list[tuple] = field(default_factory=list, repr=False)

    def visible_count(self, now: str) -> int:
        return bisect.bisect_right(self.dtimes, now)

    def balance_at(self, now: str) -> int:
        count = self.visible_count(now)
        return self.txns[count - 1].balance_after if count else self.opening_balance

    def paid_in_count(self, now: str) -> int:
        return sum(1 for t in self.txns[: self.visible_count(now)] if t.trans_type == "01")


@dataclass
class Loan:
    account_num: str
    prod_name: str
    account_type: str  # 3100 신용, 3150 마이너스, 3200 주택담보, 3210 전세, 3400 사업자, 3500 할부/오토
    opened: date
    matures: date
    principal: int
    rate_bp: int
    repay_method: str  # 01 원리금균등, 03 만기일시
    repay_day: int
    schedule: list[tuple[str, int, int, int]] = field(default_factory=list)  # due, principal, interest, balance
    payments: list[LoanPayment] = field(default_factory=list)
    dtimes: list[str] = field(default_factory=list)

    def balance_at(self, now: str) -> int:
        count = bisect.bisect_right(self.dtimes, now)
        return self.payments[count - 1].balance_after if count else self.principal

    def next_due(self, now: str) -> tuple[str, int] | None:
        """Earliest scheduled due date not yet paid at `now`, with its amount."""
        paid = bisect.bisect_right(self.dtimes, now)
        if paid < len(self.schedule):
            due, principal, interest, _ = self.schedule[paid]
            return due, principal + interest
        return None

    def overdue_days(self, now: str) -> int:
        nxt = self.next_due(now)
        if nxt is None or nxt[0] >= now[:8]:
            return 0
        due = date(int(nxt[0][:4]), int(nxt[0][4:6]), int(nxt[0][6:8]))
        today = date(int(now[:4]), int(now[4:6]), int(now[6:8]))
        return (today - due).days


@dataclass
class Card:
    card_id: str
    card_num: str
    card_name: str
    card_type: str  # 01 credit, 02 check
    limit_amt: int
    issued: date
    linked_account: DepositAccount | None = None
    approvals: list[Approval] = field(default_factory=list)
    dtimes: list[str] = field(default_factory=list)


@dataclass
class InvestAccount:
    account_num: str
    account_name: str
    account_type: str
    opened: date
    cash_balance: int
    holdings: list[Holding] = field(default_factory=list)


@dataclass
class Policy:
    insu_num: str
    prod_name: str
    insu_type: str  # 01 종신, 02 실손, 03 연금, 04 화재, 05 자동차
    issued: date
    expires: date
    face_amt: int
    premium: int
    pay_day: int
    status: str = "02"


@dataclass
class InstitutionBook:
    institution: InstitutionEntry
    deposits: list[DepositAccount] = field(default_factory=list)
    loans: list[Loan] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    bills: list[Bill] = field(default_factory=list)
    invest_accounts: list[InvestAccount] = field(default_factory=list)
    policies: list[Policy] = field(default_factory=list)
    closed_at: str = ""  # the latest closure (sandbox knob) visible now; lists change then

    @property
    def org_code(self) -> str:
        return self.institution.org_code


@dataclass
class CustomerBook:
    customer_id: str
    name: str
    persona: str
    birth_year: int
    region: str
    institutions: dict[str, InstitutionBook]
    salary_memo: str | None = None
    salary_payments: list[tuple[str, int]] = field(default_factory=list)  # truth: (dtime, amount)
    recurring: set[str] = field(default_factory=set)  # truth: names of recurring payments
    delinquent: bool = False
