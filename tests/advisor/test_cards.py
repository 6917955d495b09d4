from datetime import date, datetime
from decimal import Decimal

import pytest

from bot.advisor.cards import comparison_months, evaluate_card, rank_cards
from bot.advisor.catalog import CardBenefit, CardProduct, load_catalog
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import SpendingLine


def benefit(label, *, rate=None, per_transaction=None, merchants=(), categories=(), all_merchants=False,
            min_amount=0, monthly_cap=None, monthly_count=None, kind="할인"):
    return CardBenefit(label, kind, Decimal(rate) if rate else None, per_transaction, tuple(merchants),
                       tuple(categories), all_merchants, min_amount, monthly_cap, monthly_count)


def card(*benefits, fee=0, requirement=0, performance_excludes=(), excluded=(), total_cap=None):
    return CardProduct(
        "test-card",
        "테스트 카드",
        "신한카드",
        "credit",
        fee,
        requirement,
        tuple(performance_excludes),
        tuple(excluded),
        total_cap,
        tuple(benefits),
    )


def line(y, m, d, merchant, category, amount):
    return SpendingLine(date(y, m, d), merchant, category, amount)


CAFE_10 = card(benefit("카페 10% 할인", rate="10", categories=["카페"], monthly_cap=10_000), fee=12_000,
               requirement=300_000)
THREE_MONTHS = [
    line(2026, 8, 3, "스타벅스", "카페", 50_000), line(2026, 8, 10, "이디야커피", "카페", 30_000),
    line(2026, 8, 15, "이마트", "마트", 250_000),
    line(2026, 9, 5, "스타벅스", "카페", 40_000), line(2026, 9, 20, "빽다방", "카페", 70_000),
    line(2026, 9, 21, "이마트", "마트", 100_000),
    line(2026, 10, 2, "스타벅스", "카페", 20_000), line(2026, 10, 9, "이마트", "마트", 400_000),
]


def test_cafe_discount_respects_the_monthly_cap_and_previous_month_spending():
    # Aug: no July data, so August's own 330,000 stands in -> 5,000 + 3,000 = 8,000
    # Sep: August 330,000 >= 300,000 -> 4,000 + 7,000 capped at 10,000
    # Oct: September 210,000 < 300,000 -> nothing
    result = evaluate_card(CAFE_10, THREE_MONTHS)
    assert result.months == (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
    assert result.benefit == 18_000
    assert result.qualified_months == 2
    assert result.annual_fee_share == 3_000  # 12,000 x 3 / 12
    assert result.net == 15_000 and result.monthly_net == 5_000 and result.monthly_benefit == 6_000
    assert result.earned[0].spend == 210_000
    assert result.reason == (
        "최근 3개월 카페 지출 21만 원 기준 월 평균 6,000원 할인, 연회비 12,000원을 빼면 월 5,000원, "
        "전월실적 30만 원 미달 1개월은 혜택 없음"
    )


def test_merchant_benefit_wins_over_category_and_does_not_spill_over():
    starbucks = card(benefit("스타벅스 50%", rate="50", merchants=["스타벅스"], monthly_cap=10_000),
                     benefit("카페 10%", rate="10", categories=["카페"], monthly_cap=5_000))
    lines = [line(2026, 10, d, "스타벅스", "카페", 6_000) for d in (1, 2, 3, 4)]
    lines.append(line(2026, 10, 5, "이디야커피", "카페", 4_000))
    result = evaluate_card(starbucks, lines, months=1)
    # 3,000 x 3 + 1,000 (cap reached) on Starbucks; 400 on 이디야
    assert result.benefit == 10_400
    assert [(e.scope, e.benefit, e.spend) for e in result.earned] == [
        ("스타벅스", 10_000, 24_000),
        ("카페", 400, 4_000),
    ]


def test_per_transaction_discount_needs_the_minimum_and_counts_uses():
    phone = card(
        benefit(
            "통신비 7천 원", per_transaction=7_000, categories=["통신"], min_amount=50_000, monthly_count=1
        )
    )
    lines = [line(2026, 10, 1, "KT", "통신", 45_000), line(2026, 10, 2, "KT", "통신", 65_000),
             line(2026, 10, 3, "SK텔레콤", "통신", 80_000)]
    assert evaluate_card(phone, lines, months=1).benefit == 7_000


def test_the_card_wide_monthly_cap_stops_all_benefits_together():
    capped = card(
        benefit("배달 10%", rate="10", categories=["배달"], monthly_cap=8_000),
        benefit("편의점 10%", rate="10", categories=["편의점"], monthly_cap=8_000),
        total_cap=10_000,
    )
    lines = [line(2026, 10, 1, "배달의민족", "배달", 60_000), line(2026, 10, 2, "GS25", "편의점", 50_000)]
    result = evaluate_card(capped, lines, months=1)
    assert result.benefit == 10_000  # 6,000 + 4,000 of the 5,000


def test_excluded_categories_earn_nothing_and_rates_round_half_up():
    everywhere = card(benefit("1% 적립", rate="1", all_merchants=True, kind="적립"), excluded=["공과금"])
    lines = [line(2026, 10, 1, "한국전력공사", "공과금", 100_000), line(2026, 10, 2, "본죽", "식비", 55_550)]
    assert evaluate_card(everywhere, lines, months=1).benefit == 556  # 555.5 -> 556


def test_performance_excludes_do_not_count_toward_the_requirement():
    rent_heavy = card(benefit("식비 5%", rate="5", categories=["식비"]), requirement=300_000,
                      performance_excludes=["주거"])
    lines = [line(2026, 9, 1, "", "주거", 500_000), line(2026, 9, 2, "본죽", "식비", 100_000),
             line(2026, 10, 2, "본죽", "식비", 100_000)]
    result = evaluate_card(rent_heavy, lines, months=1)
    assert result.months == (date(2026, 10, 1),)
    assert result.benefit == 0 and result.qualified_months == 0
    assert result.reason == "최근 1개월 모두 전월실적 30만 원에 못 미쳐 받을 수 있는 혜택이 없어요"


def test_the_window_is_the_last_months_of_the_data():
    lines = [line(2026, 5, 1, "", "식비", 1), line(2026, 10, 31, "", "식비", 1)]
    assert comparison_months(lines, 3) == (date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1))
    assert comparison_months(lines[1:], 3) == (date(2026, 10, 1),)


def test_a_starbucks_regular_is_pointed_to_the_starbucks_card():
    lines = [line(2026, m, d, "스타벅스", "카페", 20_000) for m in (8, 9, 10) for d in range(1, 16)]
    ranked = rank_cards(lines, load_catalog())
    assert ranked[0].card.id == "card-shinhan-cafe"
    assert ranked[0].benefit == 30_000 and ranked[0].net == 26_250  # 1만/월 x 3 - 15,000 x 3/12
    assert ranked[0].reason.startswith("최근 3개월 스타벅스 지출 90만 원 기준 월 평균 1만 원 할인")
    assert [s.net for s in ranked] == sorted((s.net for s in ranked), reverse=True)
    assert all(s.card.card_type == "check" for s in rank_cards(lines, load_catalog(), card_type="check"))


def test_bad_spending_input_is_a_typed_error():
    with pytest.raises(AdvisorInputError):
        SpendingLine(date(2026, 10, 1), "스타벅스", "카페", 4500.0)
    with pytest.raises(AdvisorInputError):
        SpendingLine(datetime(2026, 10, 1, 9), "스타벅스", "카페", 4500)
    with pytest.raises(AdvisorInputError):
        rank_cards([{"amount": 4500}], load_catalog())
    with pytest.raises(AdvisorInputError):
        rank_cards([], load_catalog(), card_type="debit")
    assert evaluate_card(CAFE_10, []).reason == "비교할 지출 내역이 없어요"
