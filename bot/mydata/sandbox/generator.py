"""Seeded synthetic customers for the sandbox institutions.

Each customer's whole book (accounts, loans, cards, holdings, policies and their history) is a
pure function of (seed, customer id, as-of date), so every process serves the same data and
100,000 customers cost no storage: a book is built when first asked for. History runs from the
first day of the month 13 months before `as_of` to 92 days after it; the sandbox's clock decides
how much of it is visible, which is what makes incremental sync testable.

Money is int won. Timestamps are 'YYYYMMDDhhmmss' strings in Seoul time, the API's own format,
which sort in time order. Records keep the generator's own truth (canonical merchant, category,
recurring flag) beside what the API serves, so tests can check analytics independently.
"""
from __future__ import annotations

import bisect
import functools
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import AbstractSet, NamedTuple

from bot.mydata.lexicons import Institution, load_lexicon
from bot.mydata.timefmt import add_months

DEMO_CUSTOMERS = ("demo-salaried", "demo-student", "demo-shop", "demo-retiree")
HISTORY_MONTHS = 13
HORIZON_DAYS = 62


@dataclass(frozen=True)
class SandboxConfig:
    """What fixes the sandbox's data: the seed, how many generated customers, and 'today'."""

    seed: int = 20240601
    customers: int = 100
    as_of: date = date(2025, 6, 30)

    @property
    def history_start(self) -> date:
        return add_months(self.as_of.replace(day=1), -HISTORY_MONTHS)

    @property
    def horizon_end(self) -> date:
        return self.as_of + timedelta(days=HORIZON_DAYS)

    def generated_ids(self) -> list[str]:
        return [f"cust-{n:06d}" for n in range(1, self.customers + 1)]

    def customer_ids(self) -> list[str]:
        return list(DEMO_CUSTOMERS) + self.generated_ids()

    def has_customer(self, customer_id: str) -> bool:
        if customer_id in DEMO_CUSTOMERS:
            return True
        if customer_id.startswith("cust-") and customer_id[5:].isdigit() and len(customer_id) == 11:
            return 1 <= int(customer_id[5:]) <= self.customers
        return False


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
    institution: Institution
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


# ---------------------------------------------------------------- reference tables

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["지훈", "서연", "민준", "지민", "현우", "수빈", "도윤", "하은", "준호", "예린", "성민", "지아",
         "영수", "순자", "정숙", "상철", "미경", "재원", "은지", "태현", "소연", "동현", "유진", "승우"]
SEOUL_AREAS = ["강남", "역삼", "홍대입구", "신촌", "잠실", "여의도", "마포", "성수", "건대입구", "사당",
               "노원", "목동", "왕십리", "합정", "을지로", "종로", "서초", "구로디지털"]
REGIONS = {"salaried": ["서울 마포구", "서울 강서구", "서울 송파구", "경기 성남시", "서울 관악구"],
           "student": ["서울 서대문구", "서울 관악구", "서울 성북구", "경기 수원시"],
           "shop": ["부산 해운대구", "서울 은평구", "대구 수성구", "경기 부천시", "인천 부평구"],
           "retiree": ["서울 노원구", "경기 고양시", "대전 서구", "광주 북구", "서울 강동구"]}
COMPANIES = ["(주)한빛소프트", "삼성전자(주)", "네이버(주)", "(주)카카오", "현대자동차(주)", "LG전자(주)",
             "서울특별시청", "(주)대한물산", "CJ제일제당(주)", "(주)우리정보통신", "한국전력기술(주)"]
SUPPLIERS = ["(주)대성식자재", "한결유통", "(주)미래포장", "동원도매상사", "신선농산"]
ONLINE = {"쿠팡", "11번가", "G마켓", "무신사", "배달의민족", "요기요", "쿠팡이츠", "마켓컬리", "넷플릭스",
          "유튜브 프리미엄", "멜론", "티빙", "쿠팡와우", "SK텔레콤", "KT", "LG유플러스", "대한항공",
          "야놀자", "카카오T", "티머니", "코레일", "한국전력공사"}
PRICE = {
    "스타벅스": (4500, 12000), "이디야커피": (3000, 8000), "투썸플레이스": (5000, 15000),
    "메가MGC커피": (2000, 6000), "빽다방": (1500, 5000), "쿠팡": (8000, 120000), "11번가": (10000, 150000),
    "G마켓": (10000, 150000), "무신사": (30000, 200000), "올리브영": (10000, 60000),
    "배달의민족": (15000, 42000), "요기요": (15000, 38000), "쿠팡이츠": (14000, 40000),
    "GS25": (1500, 15000), "CU": (1500, 15000), "세븐일레븐": (1500, 12000), "이마트": (25000, 150000),
    "홈플러스": (25000, 140000), "롯데마트": (25000, 140000), "마켓컬리": (30000, 100000),
    "카카오T": (4800, 25000), "티머니": (10000, 50000), "코레일": (20000, 60000),
    "SK에너지": (50000, 90000), "GS칼텍스": (50000, 90000), "CGV": (14000, 30000),
    "교보문고": (12000, 45000), "맥도날드": (6000, 15000), "김밥천국": (4000, 12000),
    "버거킹": (7000, 16000), "본죽": (9000, 15000), "대한항공": (150000, 900000), "야놀자": (60000, 300000),
}
HOURS = {"카페": (8, 9, 12, 13, 15, 16, 19), "식비": (11, 12, 12, 13, 18, 19), "배달": (12, 18, 19, 20, 21, 22),
         "편의점": (7, 8, 12, 18, 21, 22, 23), "마트": (11, 14, 16, 17, 19), "쇼핑": (10, 13, 21, 22, 23),
         "교통": (8, 9, 18, 22, 23), "주유": (8, 12, 17, 19), "문화": (14, 17, 19, 20), "뷰티": (13, 15, 18, 19),
         "여행": (10, 14, 21)}
SEASON = {1: 1.05, 2: 0.9, 3: 0.95, 4: 1.0, 5: 1.05, 6: 1.0, 7: 1.1, 8: 1.1, 9: 1.05, 10: 1.0, 11: 1.1, 12: 1.25}
CATEGORY_SEASON = {"카페": {6: 1.2, 7: 1.3, 8: 1.3}, "배달": {12: 1.3, 1: 1.3, 2: 1.2}, "쇼핑": {11: 1.4, 12: 1.3}}
WEEKEND_BOOST = {"배달": 1.8, "마트": 2.2, "문화": 2.5, "식비": 0.7, "카페": 0.9, "교통": 0.7, "쇼핑": 1.2}
SUBSCRIPTIONS = {"넷플릭스": (13500, 17000), "유튜브 프리미엄": (14900,), "멜론": (10900,), "티빙": (13900,),
                 "쿠팡와우": (7890,)}
TELECOMS = ("SK텔레콤", "KT", "LG유플러스")
STOCKS = [("005930", "삼성전자", "01", 72000), ("000660", "SK하이닉스", "01", 180000),
          ("035420", "NAVER", "01", 190000), ("035720", "카카오", "01", 45000),
          ("005380", "현대차", "01", 240000), ("373220", "LG에너지솔루션", "01", 380000),
          ("069500", "KODEX 200", "02", 35000), ("360750", "TIGER 미국S&P500", "02", 18000)]
MERCHANTS_BY_PERSONA = {
    "salaried": {"카페": (["스타벅스", "투썸플레이스", "메가MGC커피", "이디야커피"], 2.2),
                 "식비": (["김밥천국", "맥도날드", "버거킹", "본죽"], 1.8),
                 "배달": (["배달의민족", "쿠팡이츠", "요기요"], 0.9),
                 "편의점": (["GS25", "CU", "세븐일레븐"], 1.0),
                 "마트": (["이마트", "홈플러스", "마켓컬리"], 0.5),
                 "쇼핑": (["쿠팡", "11번가", "무신사", "G마켓"], 0.8),
                 "교통": (["카카오T", "코레일"], 0.9), "문화": (["CGV", "교보문고"], 0.2),
                 "뷰티": (["올리브영"], 0.25)},
    "student": {"카페": (["메가MGC커피", "빽다방", "이디야커피", "스타벅스"], 1.8),
                "식비": (["김밥천국", "맥도날드", "버거킹"], 1.2), "배달": (["배달의민족", "요기요"], 0.6),
                "편의점": (["GS25", "CU", "세븐일레븐"], 1.6), "쇼핑": (["쿠팡", "무신사"], 0.4),
                "교통": (["티머니"], 0.8), "문화": (["CGV", "교보문고"], 0.3), "뷰티": (["올리브영"], 0.3)},
    "shop": {"식비": (["김밥천국", "본죽", "맥도날드"], 0.8), "마트": (["이마트", "홈플러스", "롯데마트"], 1.2),
             "주유": (["SK에너지", "GS칼텍스"], 0.8), "편의점": (["GS25", "CU"], 0.6),
             "쇼핑": (["쿠팡", "G마켓"], 0.6), "카페": (["메가MGC커피", "이디야커피"], 0.6),
             "배달": (["배달의민족"], 0.3)},
    "retiree": {"마트": (["이마트", "홈플러스", "롯데마트"], 1.0), "식비": (["본죽", "김밥천국"], 0.8),
                "편의점": (["GS25", "CU"], 0.3), "카페": (["이디야커피", "스타벅스"], 0.4),
                "문화": (["CGV", "교보문고"], 0.2), "교통": (["코레일", "카카오T"], 0.3),
                "쇼핑": (["쿠팡", "G마켓"], 0.3)},
}
PERSONA_WEIGHTS = (("salaried", 45), ("student", 20), ("shop", 15), ("retiree", 20))
DEPOSIT_NAMES = {"1001": ["입출금통장", "급여통장", "생활비통장", "자유입출금예금"], "1002": ["정기예금", "회전정기예금"],
                 "1003": ["자유적금", "정기적금", "26주적금"]}


def _kind_map() -> dict[str, list[Institution]]:
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


def security_price(seed: int, prod_code: str, base: int, day: date) -> int:
    """Deterministic daily closing price: a slow cycle plus day-to-day wiggle, same for everyone."""
    phase = (int(prod_code) * 7919 + seed) % 360
    n = day.toordinal()
    cycle = 0.12 * math.sin(2 * math.pi * (n + phase) / 210.0)
    wiggle = 0.02 * math.sin(n * 12.9898 + phase * 78.233)
    trend = 0.00015 * (n - 738000)
    price = base * (1.0 + cycle + wiggle + trend)
    step = 5 if price < 5000 else 50 if price < 50000 else 100 if price < 200000 else 500
    return max(step, int(price / step) * step)


# ---------------------------------------------------------------- building one customer

class _Builder:
    """Builds one customer's book; every random draw comes from one RNG seeded by (seed, id)."""

    def __init__(self, config: SandboxConfig, customer_id: str):
        self.config = config
        self.rng = random.Random(f"{config.seed}:{customer_id}")
        self.customer_id = customer_id
        self.days, self.day_strs = _calendar(config.history_start, config.horizon_end)
        self._day_str = _day_strings(config.history_start, config.horizon_end)
        self.first, self.last = self.days[0], self.days[-1]
        self.kinds = _kind_map()
        self.books: dict[str, InstitutionBook] = {}
        self.serial = 0
        self.recurring: set[str] = set()
        self._months: list[tuple[date, int]] | None = None

    # -- small helpers
    def book(self, inst: Institution) -> InstitutionBook:
        if inst.org_code not in self.books:
            self.books[inst.org_code] = InstitutionBook(institution=inst)
        return self.books[inst.org_code]

    def pick(self, kind: str, exclude: AbstractSet[str] = frozenset(), names: tuple[str, ...] = ()) -> Institution:
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

    # -- accounts
    def deposit(self, inst: Institution, account_type: str, opened: date, rate_bp: int, *,
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

    def loan(self, inst: Institution, account_type: str, prod_name: str, opened: date, months: int,
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

    def card(self, inst: Institution, card_type: str, limit_amt: int, issued: date,
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

    def invest(self, inst: Institution, opened: date, cash: int, picks: int) -> InvestAccount:
        account = InvestAccount(account_num=self.number((3, 2, 6)), account_name="종합매매계좌",
                                account_type="01", opened=opened, cash_balance=cash)
        for code, name, asset_type, base in self.rng.sample(STOCKS, picks):
            quantity = self.rng.randrange(5, 150) if base < 100000 else self.rng.randrange(1, 30)
            bought_at = int(base * self.rng.uniform(0.8, 1.15)) // 10 * 10
            account.holdings.append(Holding(code, name, asset_type, quantity, quantity * bought_at))
        self.book(inst).invest_accounts.append(account)
        return account

    def policy(self, inst: Institution, insu_type: str, prod_name: str, issued: date, years: int,
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
            charge_day = self._charge_day.get(book.org_code, 14)
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

    _bill_account: DepositAccount | None
    _charge_day: dict


def _month_len(month: date) -> int:
    return (add_months(month.replace(day=1), 1) - timedelta(days=1)).day


# ---------------------------------------------------------------- personas

def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _persona_for(config: SandboxConfig, customer_id: str) -> str:
    if customer_id in DEMO_CUSTOMERS:
        return customer_id.split("-", 1)[1]
    rng = random.Random(f"{config.seed}:persona:{customer_id}")
    total = sum(w for _, w in PERSONA_WEIGHTS)
    x = rng.random() * total
    for persona, weight in PERSONA_WEIGHTS:
        x -= weight
        if x < 0:
            return persona
    return PERSONA_WEIGHTS[-1][0]


DEMO_INSTITUTIONS = {
    "demo-salaried": {"main": "KB국민은행", "second": "카카오뱅크", "cards": ("현대카드", "신한카드"),
                      "securities": "키움증권", "insurers": ("삼성생명",), "capital": "현대캐피탈"},
    "demo-student": {"main": "토스뱅크", "second": "KB국민은행", "cards": ("KB국민카드",), "securities": "토스증권"},
    "demo-shop": {"main": "IBK기업은행", "second": "NH농협은행", "cards": ("BC카드", "삼성카드"),
                  "insurers": ("현대해상",), "capital": "KB캐피탈"},
    "demo-retiree": {"main": "우리은행", "second": "NH농협은행", "cards": ("롯데카드",), "securities": "미래에셋증권",
                     "insurers": ("교보생명", "삼성화재")},
}
DEMO_NAMES = {"demo-salaried": ("김지훈", 1991, "서울 마포구"), "demo-student": ("이서연", 2004, "서울 서대문구"),
              "demo-shop": ("박영수", 1973, "부산 해운대구"), "demo-retiree": ("최순자", 1957, "서울 노원구")}


def generate_customer(config: SandboxConfig, customer_id: str) -> CustomerBook:
    """The whole book of one customer; the same inputs always give the same book."""
    if not config.has_customer(customer_id):
        raise KeyError(customer_id)
    persona = _persona_for(config, customer_id)
    b = _Builder(config, customer_id)
    b._charge_day = {}
    b._bill_account = None
    rng = b.rng
    demo = DEMO_INSTITUTIONS.get(customer_id)
    if demo:
        name, birth_year, region = DEMO_NAMES[customer_id]
    else:
        name = _name(rng)
        birth_year = {"salaried": rng.randrange(1975, 1999), "student": rng.randrange(2001, 2007),
                      "shop": rng.randrange(1962, 1990), "retiree": rng.randrange(1945, 1962)}[persona]
        region = rng.choice(REGIONS[persona])
    book = CustomerBook(customer_id=customer_id, name=name, persona=persona, birth_year=birth_year,
                        region=region, institutions=b.books)
    builder = {"salaried": _salaried, "student": _student, "shop": _shop, "retiree": _retiree}[persona]
    builder(b, book, demo or {})
    b.finish_cards()
    for inst_book in b.books.values():
        for account in inst_book.deposits:
            b.finish_deposit(account, floor=rng.randrange(2, 30) * 10000 if account.account_type == "1001" else 0)
    book.recurring = b.recurring
    return book


def _by_name(name: str) -> Institution:
    return load_lexicon().by_name[name]


def _choose(b: _Builder, demo: dict, key: str, kind: str, exclude: AbstractSet[str] = frozenset(),
            names: tuple[str, ...] = ()) -> Institution:
    if key in demo:
        return _by_name(demo[key])
    return b.pick(kind, exclude, names)


BIG_BANKS = ("KB국민은행", "신한은행", "우리은행", "하나은행", "NH농협은행", "IBK기업은행")
NET_BANKS = ("카카오뱅크", "토스뱅크", "케이뱅크")


def _salaried(b: _Builder, book: CustomerBook, demo: dict) -> None:
    rng, first, as_of = b.rng, b.first, b.config.as_of
    main_bank = _choose(b, demo, "main", "bank", names=BIG_BANKS)
    main = b.deposit(main_bank, "1001", first - timedelta(days=rng.randrange(400, 4000)), 10,
                     prod_name=f"{main_bank.name} 급여통장")
    b._bill_account = main
    net = rng.randrange(280, 650) * 10000
    company = rng.choice(COMPANIES)
    book.salary_memo = company
    book.salary_payments = b.salary(main, company, net, rng.choice([10, 21, 25, 25]),
                                    rng.choice(["급여", "타행입금"]), bonus_months=(2, 9))
    area = rng.sample(SEOUL_AREAS, 3)
    renting = demo.get("main") is not None or rng.random() < 0.6
    if renting:
        rent = rng.randrange(55, 95) * 10000
        b.monthly_debit(main, rng.choice([1, 5, 10]), "이체", f"월세 {rng.choice(SURNAMES)}OO", rent, "주거")
    b.monthly_debit(main, 10, "자동이체", "관리비 " + rng.choice(["래미안", "푸르지오", "오피스텔", "e편한세상"]),
                    lambda d: rng.randrange(12, 25) * 10000, "주거")
    b.utilities(main, rng.randrange(25, 45) * 1000)
    # second (internet) bank: savings instalments and a parking account
    if demo.get("second") or rng.random() < 0.6:
        second = _choose(b, demo, "second", "bank", names=NET_BANKS)
        monthly = rng.randrange(20, 60) * 10000
        opened = add_months(first, rng.randrange(-6, 3))
        savings = b.deposit(second, "1003", opened, rng.randrange(300, 420), matures=add_months(opened, 24),
                            monthly_paid_in=monthly)
        parking = b.deposit(second, "1001", opened, 180, prod_name=f"{second.name} 파킹통장")
        for day in b.monthly_days(26, start=opened):
            dt = b.dtime(day, 9)
            b.bank_event(main, dt, "이체", f"{second.name} 적금", -monthly)
            b.bank_event(savings, dt, "입금", "자동이체", monthly)
        for day in b.monthly_days(27, start=opened):
            amount = rng.randrange(5, 30) * 10000
            dt = b.dtime(day, 20)
            b.bank_event(main, dt, "이체", book.name, -amount)
            b.bank_event(parking, dt, "입금", book.name, amount)
        for day in b.monthly_days(28, start=opened):
            if day.month % 3 == 0:
                b.bank_event(parking, b.dtime(day, 3), "이자", "예금이자", rng.randrange(1, 30) * 1000)
    # cards: one main and maybe a second credit card
    card_names = demo.get("cards") or tuple(i.name for i in rng.sample(b.kinds["card"], rng.choice([1, 2, 2])))
    cards = []
    for k, card_name in enumerate(card_names):
        inst = _by_name(card_name)
        b._charge_day[inst.org_code] = rng.choice([1, 5, 12, 14, 15, 25])
        cards.append((b.card(inst, "01", rng.randrange(5, 20) * 1000000,
                             first - timedelta(days=rng.randrange(300, 2500))), 0.75 if k == 0 else 0.25))
    main_card = cards[0][0]
    b.spending(cards, "salaried", area, scale=0.45)
    for merchant in rng.sample(sorted(SUBSCRIPTIONS), rng.randrange(1, 4)):
        b.subscription(main_card, merchant, rng.choice(SUBSCRIPTIONS[merchant]), rng.randrange(1, 28))
    b.telecom(main_card, rng.choice(TELECOMS), rng.randrange(45, 90) * 1000, rng.randrange(18, 26))
    for month in (7, 8, 12):
        if rng.random() < 0.5:
            day = date(as_of.year - (month > as_of.month), month, rng.randrange(1, 25))
            b.trip(main_card, day, "salaried")
    # loans
    if "capital" in demo or rng.random() < 0.45:
        opened = add_months(as_of, -rng.randrange(6, 30))
        late = {}
        if rng.random() < 0.08:
            late = {rng.randrange(2, 8): rng.randrange(6, 35)}
            book.delinquent = True
        b.loan(main_bank, "3100", f"{main_bank.name} 직장인신용대출", opened, rng.choice([36, 48, 60]),
               rng.randrange(10, 50) * 1000000, rng.randrange(420, 720), "01", main, late)
    if "capital" in demo or (not demo and rng.random() < 0.2):
        cap = _choose(b, demo, "capital", "capital")
        opened = add_months(as_of, -rng.randrange(10, 36))
        b.loan(cap, "3500", f"{cap.name} 오토할부", opened, 60, rng.randrange(15, 40) * 1000000,
               rng.randrange(490, 890), "01", main)
    if "securities" in demo or rng.random() < 0.5:
        sec = _choose(b, demo, "securities", "securities")
        b.invest(sec, first - timedelta(days=rng.randrange(100, 2000)), rng.randrange(1, 300) * 10000,
                 rng.randrange(2, 5))
    insurers = demo.get("insurers") or tuple(i.name for i in rng.sample(b.kinds["insurance"], rng.choice([0, 1, 1, 2])))
    for insurer in insurers:
        inst = _by_name(insurer)
        b.policy(inst, "02", f"{inst.name} 실손의료보험", first - timedelta(days=rng.randrange(200, 3000)), 15,
                 50000000, rng.randrange(20, 45) * 1000, main)
        if rng.random() < 0.5 or demo:
            b.policy(inst, "01", f"{inst.name} 종신보험", first - timedelta(days=rng.randrange(200, 3000)), 30,
                     100000000, rng.randrange(80, 160) * 1000, main)


def _student(b: _Builder, book: CustomerBook, demo: dict) -> None:
    rng, first = b.rng, b.first
    main_bank = _choose(b, demo, "main", "bank", names=NET_BANKS)
    main = b.deposit(main_bank, "1001", first - timedelta(days=rng.randrange(60, 900)), 10)
    b._bill_account = main
    check_bank = _choose(b, demo, "second", "bank", names=BIG_BANKS)
    pocket = b.deposit(check_bank, "1001", first - timedelta(days=rng.randrange(60, 900)), 10,
                       prod_name=f"{check_bank.name} 용돈통장")
    parent = rng.choice(SURNAMES) + rng.choice(["정숙", "미경", "상철", "영수"])
    for day in b.monthly_days(1):
        b.bank_event(main, b.dtime(day, 10), "입금", parent, rng.randrange(30, 50) * 10000)
    for day in b.days:
        if day.weekday() == 4 and rng.random() < 0.35:
            b.bank_event(main, b.dtime(day, 18), "입금", "카페알바 급여", rng.randrange(8, 30) * 10000)
    for day in b.monthly_days(3):
        amount = rng.randrange(15, 35) * 10000
        dt = b.dtime(day, 12)
        b.bank_event(main, dt, "이체", book.name, -amount)
        b.bank_event(pocket, dt, "입금", book.name, amount)
    card_inst = _by_name(demo["cards"][0]) if demo else _check_card_issuer(b, check_bank)
    card = b.card(card_inst, "02", 0, first - timedelta(days=rng.randrange(30, 700)), linked=pocket)
    b.spending([(card, 1.0)], "student", rng.sample(SEOUL_AREAS, 2), scale=0.4)
    for merchant in rng.sample(["유튜브 프리미엄", "멜론", "넷플릭스"], rng.randrange(1, 3)):
        b.subscription(card, merchant, SUBSCRIPTIONS[merchant][0], rng.randrange(1, 28))
    carrier = rng.choice(TELECOMS)
    b.monthly_debit(main, 20, "자동이체", f"{carrier} 통신요금", rng.randrange(33, 55) * 1000, "통신")
    if "securities" in demo or rng.random() < 0.3:
        sec = _choose(b, demo, "securities", "securities", names=("토스증권", "키움증권"))
        b.invest(sec, add_months(b.config.as_of, -rng.randrange(3, 12)), rng.randrange(1, 20) * 10000, 2)


def _check_card_issuer(b: _Builder, bank: Institution) -> Institution:
    """A check card comes from the bank's own card company when it has one."""
    lex = load_lexicon()
    pairs = {"KB국민은행": "KB국민카드", "신한은행": "신한카드", "우리은행": "우리카드", "하나은행": "하나카드",
             "NH농협은행": "NH농협카드", "IBK기업은행": "BC카드"}
    return lex.by_name[pairs.get(bank.name, "BC카드")]


def _shop(b: _Builder, book: CustomerBook, demo: dict) -> None:
    rng, first, as_of = b.rng, b.first, b.config.as_of
    biz_bank = _choose(b, demo, "main", "bank", names=("IBK기업은행", "NH농협은행", "BNK부산은행", "iM뱅크", "KB국민은행"))
    biz = b.deposit(biz_bank, "1001", first - timedelta(days=rng.randrange(700, 5000)), 10,
                    prod_name=f"{biz_bank.name} 사업자통장")
    personal_bank = _choose(b, demo, "second", "bank", exclude={biz_bank.org_code}, names=BIG_BANKS)
    personal = b.deposit(personal_bank, "1001", first - timedelta(days=rng.randrange(700, 5000)), 10)
    b._bill_account = biz
    daily_sales = rng.randrange(25, 90) * 10000
    acquirers = rng.sample(["BC카드", "신한카드", "KB국민카드", "삼성카드"], 2)
    for day in b.days:
        if day.weekday() == 6:
            continue
        season = SEASON[day.month]
        for acquirer in acquirers:
            if rng.random() < 0.2:
                amount = int(daily_sales * season * rng.uniform(0.5, 1.3) / 2) // 10 * 10
                b.bank_event(biz, b.dtime(day, 11), "입금", f"{acquirer} 가맹점대금", amount)
        if day.weekday() in (0, 3):
            b.bank_event(biz, b.dtime(day, 15), "이체", rng.choice(SUPPLIERS),
                         -(int(daily_sales * rng.uniform(1.0, 2.2)) // 1000 * 1000))
    b.monthly_debit(biz, 5, "이체", f"월세 상가 {rng.choice(SURNAMES)}OO", rng.randrange(120, 300) * 10000, "주거")
    b.utilities(biz, rng.randrange(60, 120) * 1000)
    for day in b.monthly_days(10):
        amount = rng.randrange(200, 450) * 10000
        dt = b.dtime(day, 19)
        b.bank_event(biz, dt, "이체", book.name, -amount)
        b.bank_event(personal, dt, "입금", book.name, amount)
    b.monthly_debit(personal, 15, "자동이체", f"{rng.choice(TELECOMS)} 통신요금", rng.randrange(50, 95) * 1000, "통신")
    card_names = demo.get("cards") or tuple(i.name for i in rng.sample(b.kinds["card"], rng.choice([1, 2])))
    cards = []
    for k, card_name in enumerate(card_names):
        inst = _by_name(card_name)
        b._charge_day[inst.org_code] = rng.choice([5, 12, 14, 25])
        cards.append((b.card(inst, "01", rng.randrange(3, 15) * 1000000,
                             first - timedelta(days=rng.randrange(300, 3000))), 0.7 if k == 0 else 0.3))
    b.spending(cards, "shop", rng.sample(SEOUL_AREAS, 2), scale=0.45)
    troubled = bool(demo) or rng.random() < 0.3
    opened = add_months(as_of, -rng.randrange(14, 40))
    late = {}
    if troubled:
        months_in = (as_of.year - opened.year) * 12 + as_of.month - opened.month
        for k in rng.sample(range(max(1, months_in - 20), max(2, months_in - 2)), 2):
            late[k] = rng.randrange(7, 40)
        late[months_in - 2] = 10**4  # the last due payment is still outstanding
        book.delinquent = True
    b.loan(biz_bank, "3400", f"{biz_bank.name} 소상공인 운영자금대출", opened, 60, rng.randrange(30, 150) * 1000000,
           rng.randrange(480, 790), "01", biz, late)
    if "capital" in demo or rng.random() < 0.5:
        cap = _choose(b, demo, "capital", "capital")
        cap_opened = add_months(as_of, -rng.randrange(8, 24))
        cap_late = {}
        if troubled:
            months_in = (as_of.year - cap_opened.year) * 12 + as_of.month - cap_opened.month
            cap_late = {max(0, months_in - 4): rng.randrange(15, 45)}
        b.loan(cap, "3100", f"{cap.name} 사업자 신용대출", cap_opened, 36, rng.randrange(10, 40) * 1000000,
               rng.randrange(990, 1690), "01", biz, cap_late)
    insurers = demo.get("insurers") or tuple(i.name for i in rng.sample(b.kinds["insurance"], rng.choice([0, 1])))
    for insurer in insurers:
        inst = _by_name(insurer)
        b.policy(inst, "04", f"{inst.name} 상가화재보험", first - timedelta(days=rng.randrange(100, 1500)), 5,
                 300000000, rng.randrange(30, 90) * 1000, biz)


def _retiree(b: _Builder, book: CustomerBook, demo: dict) -> None:
    rng, first, as_of = b.rng, b.first, b.config.as_of
    main_bank = _choose(b, demo, "main", "bank", names=BIG_BANKS)
    main = b.deposit(main_bank, "1001", first - timedelta(days=rng.randrange(3000, 9000)), 10,
                     prod_name=f"{main_bank.name} 연금통장")
    b._bill_account = main
    pension = rng.randrange(70, 180) * 10000
    for day in b.monthly_days(25, weekend_back=True):
        b.bank_event(main, b.dtime(day, 9), "입금", "국민연금공단", pension)
    for day in b.monthly_days(20, weekend_back=True):
        b.bank_event(main, b.dtime(day, 9), "입금", "기초연금", 334810)
    b.utilities(main, rng.randrange(20, 35) * 1000)
    b.monthly_debit(main, 10, "자동이체", "관리비 " + rng.choice(["주공아파트", "현대아파트", "한신아파트"]),
                    lambda d: rng.randrange(15, 28) * 10000, "주거")
    b.monthly_debit(main, 21, "자동이체", f"{rng.choice(TELECOMS)} 통신요금", rng.randrange(25, 45) * 1000, "통신")
    for day in b.days:
        if day.weekday() == 1 and rng.random() < 0.5:
            b.bank_event(main, b.dtime(day, 11), "ATM출금", "ATM 출금", -rng.randrange(5, 30) * 10000)
    opened = add_months(as_of, -rng.randrange(2, 11))
    b.deposit(main_bank, "1002", opened, rng.randrange(300, 390), matures=add_months(opened, 12),
              commit_amt=rng.randrange(30, 200) * 1000000)
    if demo.get("second") or rng.random() < 0.5:
        second = _choose(b, demo, "second", "bank", exclude={main_bank.org_code}, names=BIG_BANKS)
        opened = add_months(as_of, -rng.randrange(1, 11))
        b.deposit(second, "1002", opened, rng.randrange(300, 390), matures=add_months(opened, 12),
                  commit_amt=rng.randrange(20, 100) * 1000000)
    card_inst = _choose(b, demo, "cards_0", "card") if not demo else _by_name(demo["cards"][0])
    b._charge_day[card_inst.org_code] = rng.choice([14, 15, 25])
    card = b.card(card_inst, "01", rng.randrange(2, 8) * 1000000, first - timedelta(days=rng.randrange(1000, 5000)))
    b.spending([(card, 1.0)], "retiree", rng.sample(SEOUL_AREAS, 2), scale=0.55)
    if rng.random() < 0.7:
        b.trip(card, date(as_of.year - (5 > as_of.month), 5, rng.randrange(1, 25)), "retiree")
    if "securities" in demo or rng.random() < 0.4:
        sec = _choose(b, demo, "securities", "securities")
        b.invest(sec, first - timedelta(days=rng.randrange(500, 4000)), rng.randrange(100, 3000) * 10000, 3)
    insurers = demo.get("insurers") or tuple(i.name for i in rng.sample(b.kinds["insurance"], rng.choice([1, 2])))
    for k, insurer in enumerate(insurers):
        inst = _by_name(insurer)
        if k == 0:
            b.policy(inst, "03", f"{inst.name} 연금저축보험", first - timedelta(days=rng.randrange(3000, 7000)), 30,
                     50000000, rng.randrange(100, 300) * 1000, main)
        else:
            b.policy(inst, "02", f"{inst.name} 노후실손보험", first - timedelta(days=rng.randrange(300, 2000)), 10,
                     30000000, rng.randrange(60, 120) * 1000, main)


# ---------------------------------------------------------------- the directory

def customer_orgs(book: CustomerBook) -> list[Institution]:
    """Institutions where the customer holds something, in a stable order."""
    return [b.institution for b in sorted(book.institutions.values(), key=lambda x: x.org_code)]
