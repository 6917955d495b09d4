"""Each detector on hand-built facts: it fires on its event with the right numbers, and stays quiet
on the ordinary case next to it."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.insights import detectors as d
from bot.insights.facts import (
    AccountFact,
    ApprovalFact,
    BillFact,
    ConsentFact,
    CustomerFacts,
    LoanFact,
    TxnFact,
)
from bot.korean.calendar import KST

NOW = datetime(2025, 6, 16, 12, 0, tzinfo=KST)
MAIN = AccountFact(1, "B0010001", "KB국민은행", "1001", "급여통장", "1234", 500_000)


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=KST)


def facts(**parts) -> CustomerFacts:
    return CustomerFacts("c1", parts.pop("now", NOW), **parts)


def bill(due: date, amount: int, paid: date | None = None) -> BillFact:
    return BillFact("C0020003", "현대카드", "202505", due, amount, paid)


def paid_bill_txn(day: date, amount: int) -> TxnFact:
    return TxnFact(1, at(day), "out", "카드대금", "현대카드 결제대금", amount, None)


def test_payment_due_within_five_days_says_amount_account_and_shortfall():
    found = d.payment_due(facts(accounts=[MAIN], bills=[bill(date(2025, 6, 19), 700_000)],
                                transactions=[paid_bill_txn(date(2025, 5, 19), 650_000)]))
    assert [a.kind for a in found] == ["payment_due"]
    alert = found[0]
    assert alert.numbers["amount"] == 700_000 and alert.numbers["covered"] is False
    assert alert.numbers["account_last4"] == "1234" and alert.severity == d.URGENT
    assert "700,000원" in alert.text and "200,000원이 부족" in alert.text and "3일 뒤(6월 19일)" in alert.text
    assert alert.button_payload == '/card_bill{"institution": "현대카드"}'


def test_payment_due_covered_and_outside_window_or_paid():
    covered = d.payment_due(facts(accounts=[MAIN], bills=[bill(date(2025, 6, 21), 300_000)]))
    assert covered[0].numbers["covered"] is True and covered[0].severity == d.IMPORTANT
    assert d.payment_due(facts(accounts=[MAIN], bills=[bill(date(2025, 6, 22), 300_000)])) == []
    assert (
        d.payment_due(facts(accounts=[MAIN], bills=[bill(date(2025, 6, 18), 300_000, date(2025, 6, 16))]))
        == []
    )


def test_two_payments_from_one_account_are_covered_together():
    loan = LoanFact(
        "B0010001", "KB국민은행", "KB국민은행 직장인신용대출", "9876", date(2025, 6, 20), 300_000, 0
    )
    found = d.payment_due(facts(accounts=[MAIN], bills=[bill(date(2025, 6, 18), 300_000)], loans=[loan]))
    assert [a.numbers["covered"] for a in found] == [True, False]


def _monthly(memo: str, amount: int, day: int, months: int, direction: str = "out", cls: str = "자동이체",
             end: date = date(2025, 5, 1)) -> list[TxnFact]:
    rows = []
    for k in range(months, 0, -1):
        month = date(end.year, end.month, 1)
        y, m = divmod(month.month - 1 - (k - 1), 12)
        rows.append(TxnFact(1, at(date(month.year + y, m + 1, day)), direction, cls, memo, amount, None))
    return rows


def test_balance_watch_projects_bills_and_monthly_debits_against_salary():
    rent = _monthly("월세 김OO", 600_000, 20, 4)
    salary = _monthly("(주)한빛소프트", 3_000_000, 25, 4, "in", "급여")
    found = d.balance_watch(facts(accounts=[MAIN], transactions=rent + salary))
    assert [a.kind for a in found] == ["balance_watch"]
    assert found[0].numbers["lowest_balance"] == -100_000 and found[0].numbers["lowest_on"] == "2025-06-20"
    rich = AccountFact(1, "B0010001", "KB국민은행", "1001", "급여통장", "1234", 700_000)
    assert d.balance_watch(facts(accounts=[rich], transactions=rent + salary)) == []


def test_balance_watch_counts_salary_arriving_before_the_debit():
    rent = _monthly("월세 김OO", 600_000, 22, 4)
    salary = _monthly("(주)한빛소프트", 3_000_000, 20, 4, "in", "급여")
    assert d.balance_watch(facts(accounts=[MAIN], transactions=rent + salary)) == []


def card(merchant: str, amount: int, when: datetime, num: str, category: str = "구독",
         cancelled: bool = False) -> ApprovalFact:
    return ApprovalFact(7, "C0020003", when, num, merchant, merchant, category, amount, cancelled)


def _subscription(amounts: list[int], first: date = date(2025, 1, 5)) -> list[ApprovalFact]:
    out = []
    for k, amount in enumerate(amounts):
        y, m = divmod(first.month - 1 + k, 12)
        out.append(card("넷플릭스", amount, at(date(first.year + y, m + 1, first.day), 4), f"n{k}"))
    return out


def test_subscription_price_rise():
    found = d.regular_payment_changes(facts(approvals=_subscription([13_500] * 5 + [17_000])))
    assert [(a.kind, a.numbers["old"], a.numbers["new"]) for a in found] == [("recurring_up", 13_500, 17_000)]
    assert "13,500원에서 17,000원" in found[0].text


def test_varying_phone_bill_is_not_a_price_rise():
    amounts = [55_000, 55_000, 55_000, 57_200]
    bills = [
        card("SK텔레콤", a, at(date(2025, 2 + k, 20), 5), f"t{k}", "통신") for k, a in enumerate(amounts)
    ]
    assert d.regular_payment_changes(facts(approvals=bills)) == []


def test_subscription_stopped_and_new():
    stopped = _subscription([13_500] * 4, first=date(2025, 1, 5))  # last on 4/5, nothing since
    assert [a.kind for a in d.regular_payment_changes(facts(approvals=stopped))] == ["recurring_stopped"]
    history = [card("스타벅스", 5_000, at(date(2025, 1, 3)), "s1", "카페")]
    new = history + [card("티빙", 13_900, at(date(2025, 6, 2), 4), "v1")]
    assert [a.kind for a in d.regular_payment_changes(facts(approvals=new))] == ["recurring_new"]
    ongoing = _subscription([13_500] * 6)
    assert d.regular_payment_changes(facts(approvals=ongoing)) == []


def test_duplicate_charge_within_three_minutes_of_the_last_two_weeks_only():
    one = card("쿠팡", 45_000, at(date(2025, 6, 15), 21, 0), "a1", "쇼핑")
    twin = card("쿠팡", 45_000, at(date(2025, 6, 15), 21, 2), "a2", "쇼핑")
    later = card("쿠팡", 45_000, at(date(2025, 6, 15), 21, 6), "a3", "쇼핑")
    old = [card("쿠팡", 45_000, at(date(2025, 5, 20), 21, k), f"o{k}", "쇼핑") for k in (0, 1)]
    assert d.duplicate_charges(facts(approvals=old)) == []
    found = d.duplicate_charges(facts(approvals=[one, twin, later]))
    assert [a.key for a in found] == ["duplicate_charge:7:a2"] and found[0].numbers["amount"] == 45_000
    cancelled = card("쿠팡", 45_000, at(date(2025, 6, 15), 21, 2), "a2", "쇼핑", cancelled=True)
    assert d.duplicate_charges(facts(approvals=[one, cancelled])) == []


def _months_of(category: str, amounts: list[int], this_month: int) -> list[ApprovalFact]:
    out = []
    for k, amount in enumerate(amounts):  # oldest first, ending last month
        y, m = divmod(6 - 1 - (len(amounts) - k), 12)
        out.append(card("쿠팡", amount, at(date(2025 + y, m + 1, 10)), f"m{k}", category))
    out.append(card("쿠팡", this_month, at(date(2025, 6, 10)), "now", category))
    return out


def test_spending_spike_with_forecast():
    found = d.spending_spike(facts(approvals=_months_of("쇼핑", [200_000] * 12, 500_000)))
    assert [a.kind for a in found] == ["spending_spike"]
    assert found[0].numbers == {"category": "쇼핑", "spent": 500_000, "typical": 200_000,
                                "forecast": 937_500, "day": 16}
    assert d.spending_spike(facts(approvals=_months_of("쇼핑", [200_000] * 12, 390_000))) == []


def test_spending_spike_respects_the_season_of_last_year():
    amounts = [200_000] * 12
    amounts[0] = 450_000  # June last year was high too
    assert d.spending_spike(facts(approvals=_months_of("쇼핑", amounts, 500_000))) == []


def test_loan_overdue_and_consent_expiring():
    late = LoanFact(
        "B0010004", "IBK기업은행", "소상공인 운영자금대출", "6376", date(2025, 6, 1), 1_339_857, 15
    )
    found = d.loan_overdue(facts(loans=[late]))
    assert found[0].numbers["overdue_days"] == 15 and "15일 연체" in found[0].text
    on_time = replace(late, overdue_days=0, next_repay_date=date(2025, 6, 20))
    assert d.loan_overdue(facts(loans=[on_time])) == []
    unpaid_past_due = replace(late, overdue_days=0, next_repay_date=date(2025, 6, 13))
    assert d.loan_overdue(facts(loans=[unpaid_past_due]))[0].numbers["overdue_days"] == 3
    soon = ConsentFact("C0020003", "현대카드", NOW + timedelta(days=10))
    far = ConsentFact("B0010001", "KB국민은행", NOW + timedelta(days=200))
    found = d.consent_expiring(facts(consents=[soon, far]))
    assert [a.numbers["org_code"] for a in found] == ["C0020003"] and found[0].numbers["days_left"] == 10


def test_detect_orders_most_important_first():
    late = LoanFact("B0010004", "IBK기업은행", "소상공인 운영자금대출", "6376", date(2025, 6, 1), 100_000, 15)
    soon = ConsentFact("C0020003", "현대카드", NOW + timedelta(days=20))
    kinds = [a.kind for a in d.detect(facts(loans=[late], consents=[soon]))]
    assert kinds == ["loan_overdue", "consent_expiring"]
