"""The four personas' scripts: what a salaried worker, a student, a shop owner and a retiree hold and
how their money moves, told to the builder through its public methods.

A generated customer's script draws every choice from the builder's RNG; a demo customer's
`institutions` (`sandbox.demo`) fix where they bank instead, and the rest is drawn the same way.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Callable, Mapping

from bot.kb.lexicon import InstitutionEntry, load_lexicon
from bot.korean.calendar import add_months
from sandbox.builder import BookBuilder
from sandbox.records import CustomerBook
from sandbox.reference import COMPANIES, SEASON, SEOUL_AREAS, SUBSCRIPTIONS, SUPPLIERS, SURNAMES, TELECOMS


def _by_name(name: str) -> InstitutionEntry:
    return load_lexicon().by_name[name]


def _choose(b: BookBuilder, demo: Mapping, key: str, kind: str, exclude: set[str] = frozenset(),
            names: tuple[str, ...] = ()) -> InstitutionEntry:
    if key in demo:
        return _by_name(demo[key])
    return b.pick(kind, exclude, names)


BIG_BANKS = ("KB국민은행", "신한은행", "우리은행", "하나은행", "NH농협은행", "IBK기업은행")
NET_BANKS = ("카카오뱅크", "토스뱅크", "케이뱅크")


def salaried(b: BookBuilder, book: CustomerBook, demo: Mapping) -> None:
    rng, first, as_of = b.rng, b.first, b.config.as_of
    main_bank = _choose(b, demo, "main", "bank", names=BIG_BANKS)
    main = b.deposit(main_bank, "1001", first - timedelta(days=rng.randrange(400, 4000)), 10,
                     prod_name=f"{main_bank.name} 급여통장")
    b.pay_card_bills_from(main)
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
        b.set_charge_day(inst, rng.choice([1, 5, 12, 14, 15, 25]))
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


def student(b: BookBuilder, book: CustomerBook, demo: Mapping) -> None:
    rng, first = b.rng, b.first
    main_bank = _choose(b, demo, "main", "bank", names=NET_BANKS)
    main = b.deposit(main_bank, "1001", first - timedelta(days=rng.randrange(60, 900)), 10)
    b.pay_card_bills_from(main)
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
    card_inst = _by_name(demo["cards"][0]) if demo else _check_card_issuer(check_bank)
    card = b.card(card_inst, "02", 0, first - timedelta(days=rng.randrange(30, 700)), linked=pocket)
    b.spending([(card, 1.0)], "student", rng.sample(SEOUL_AREAS, 2), scale=0.4)
    for merchant in rng.sample(["유튜브 프리미엄", "멜론", "넷플릭스"], rng.randrange(1, 3)):
        b.subscription(card, merchant, SUBSCRIPTIONS[merchant][0], rng.randrange(1, 28))
    carrier = rng.choice(TELECOMS)
    b.monthly_debit(main, 20, "자동이체", f"{carrier} 통신요금", rng.randrange(33, 55) * 1000, "통신")
    if "securities" in demo or rng.random() < 0.3:
        sec = _choose(b, demo, "securities", "securities", names=("토스증권", "키움증권"))
        b.invest(sec, add_months(b.config.as_of, -rng.randrange(3, 12)), rng.randrange(1, 20) * 10000, 2)


def _check_card_issuer(bank: InstitutionEntry) -> InstitutionEntry:
    """A check card comes from the bank's own card company when it has one."""
    lex = load_lexicon()
    pairs = {"KB국민은행": "KB국민카드", "신한은행": "신한카드", "우리은행": "우리카드", "하나은행": "하나카드",
             "NH농협은행": "NH농협카드", "IBK기업은행": "BC카드"}
    return lex.by_name[pairs.get(bank.name, "BC카드")]


def shop(b: BookBuilder, book: CustomerBook, demo: Mapping) -> None:
    rng, first, as_of = b.rng, b.first, b.config.as_of
    biz_bank = _choose(b, demo, "main", "bank", names=("IBK기업은행", "NH농협은행", "BNK부산은행", "iM뱅크", "KB국민은행"))
    biz = b.deposit(biz_bank, "1001", first - timedelta(days=rng.randrange(700, 5000)), 10,
                    prod_name=f"{biz_bank.name} 사업자통장")
    personal_bank = _choose(b, demo, "second", "bank", exclude={biz_bank.org_code}, names=BIG_BANKS)
    personal = b.deposit(personal_bank, "1001", first - timedelta(days=rng.randrange(700, 5000)), 10)
    b.pay_card_bills_from(biz)
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
        b.set_charge_day(inst, rng.choice([5, 12, 14, 25]))
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


def retiree(b: BookBuilder, book: CustomerBook, demo: Mapping) -> None:
    rng, first, as_of = b.rng, b.first, b.config.as_of
    main_bank = _choose(b, demo, "main", "bank", names=BIG_BANKS)
    main = b.deposit(main_bank, "1001", first - timedelta(days=rng.randrange(3000, 9000)), 10,
                     prod_name=f"{main_bank.name} 연금통장")
    b.pay_card_bills_from(main)
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
    b.set_charge_day(card_inst, rng.choice([14, 15, 25]))
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


PERSONA_SCRIPTS: dict[str, Callable[[BookBuilder, CustomerBook, Mapping], None]] = {
    "salaried": salaried, "student": student, "shop": shop, "retiree": retiree}
