from decimal import Decimal

import pytest

from bot.advisor.catalog import load_catalog
from bot.advisor.dsr import equal_payment
from bot.advisor.eligibility import credit_factor, indicative_rate, loan_eligibility, score_band
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import ExistingLoan, LoanRequest
from bot.credit.scale import pd_from_score

D = Decimal
LIVING = LoanRequest(10_000_000, 60, "생활자금")


def test_score_bands_and_rate_ranges():
    assert score_band(900)[0] == "1등급" and score_band(899)[0] == "2등급" and score_band(1)[0] == "10등급"
    rates = indicative_rate(780)  # 5등급: 3.00 + 3.50 ~ 5.50
    assert (rates.low, rates.high, rates.text) == (D("6.50"), D("8.50"), "연 6.50~8.50%")
    assert indicative_rate(780, lender_kind="nonbank").low == D("10.50")
    assert (indicative_rate(780, purpose="전세자금").low, indicative_rate(780, purpose="전세자금").high) == (
        D("4.40"),
        D("5.20"),
    )
    assert indicative_rate(300, lender_kind="nonbank").high == D("20.00")  # legal maximum


def test_score_700_is_a_five_percent_pd_on_the_credit_scale():
    assert pd_from_score(700) == pytest.approx(0.05)
    assert pd_from_score(760) == pytest.approx(1 / 39)  # odds doubled to 38:1


def test_approval_for_an_affordable_request_is_the_credit_part():
    # score 700 and PD 5% agree; 1 / (1 + exp(-1.5 x (logit 0.08 - logit 0.05))) = 0.680
    result = loan_eligibility(700, 0.05, 50_000_000, [], LIVING)
    assert result.approval_percent == 68
    # 6등급 8.00~11.00%: 10,000,000 at 11% over 60 months = 217,424 a month
    assert result.dsr.post_loan_annual_repayment == 217_424 * 12
    assert result.requested_fits


def test_approval_is_monotone_in_score_pd_and_headroom():
    loans = [ExistingLoan("신용대출", 15_000_000, D("6"), 36, annual_repayment=6_000_000)]
    by_score = [
        loan_eligibility(s, 0.05, 30_000_000, loans, LIVING).approval_percent for s in range(300, 1001, 50)
    ]
    assert by_score == sorted(by_score) and by_score[0] < by_score[-1]
    by_pd = [
        loan_eligibility(750, p, 30_000_000, loans, LIVING).approval_percent
        for p in (0.005, 0.02, 0.05, 0.1, 0.3)
    ]
    assert by_pd == sorted(by_pd, reverse=True) and by_pd[0] > by_pd[-1]
    by_income = [loan_eligibility(750, 0.03, i, loans, LIVING).approval_percent
                 for i in (18_000_000, 21_000_000, 24_000_000, 30_000_000, 60_000_000)]
    assert by_income == sorted(by_income) and by_income[0] < by_income[-1]
    assert max(by_score + by_pd + by_income) <= 95


def test_income_multiple_caps_a_credit_loan():
    loans = [ExistingLoan("신용대출", 25_000_000, D("6"), 36, annual_repayment=6_000_000)]
    result = loan_eligibility(780, 0.03, 40_000_000, loans, LoanRequest(20_000_000, 60, "생활자금"))
    assert result.max_limit == 15_000_000  # 40,000,000 x 1.0 - 25,000,000
    assert result.limit_basis == "연소득 100%에서 기존 신용대출을 뺀 금액"
    assert not result.requested_fits and result.approval_percent == 0
    assert "요청하신 2,000만 원은 이 한도를 넘어요" in result.reason


def test_dsr_caps_a_credit_loan():
    loans = [ExistingLoan("카드론", 8_000_000, D("14"), 24, annual_repayment=10_000_000)]
    result = loan_eligibility(780, 0.03, 30_000_000, loans, LoanRequest(5_000_000, 60, "생활자금"))
    # room 12,000,000 - 10,000,000 a year at 8.50% (top of 5등급) over 60 months
    assert result.max_limit == 8_120_000 and result.limit_basis == "DSR 40%"
    assert equal_payment(8_120_000, D("8.5"), 60) * 12 <= 2_000_000
    assert result.requested_fits and result.dsr.within_limit


def test_jeonse_is_capped_at_eighty_percent_of_the_deposit():
    request = LoanRequest(220_000_000, 24, "전세자금", jeonse_deposit=250_000_000)
    result = loan_eligibility(800, 0.02, 80_000_000, [], request, load_catalog())
    assert result.max_limit == 200_000_000 and result.limit_basis == "전세보증금 80%"
    assert not result.requested_fits
    assert any("전세자금대출은 DSR 규제 대상이 아니" in n for n in result.notes)


def test_a_refinance_frees_the_repayment_of_the_loan_it_replaces():
    card_loan = ExistingLoan("카드론", 5_000_000, D("15.9"), 12, loan_id="c1")
    request = LoanRequest(5_000_000, 60, "대환", refinance_ids=("c1",))
    result = loan_eligibility(780, 0.03, 40_000_000, [card_loan], request, load_catalog())
    assert result.dsr.post_loan_annual_repayment < result.dsr.current_annual_repayment
    assert any(fit.product.id == "loan-toss-switch" and fit.fits for fit in result.products)


def test_catalog_loans_are_matched_on_purpose_score_and_limits():
    result = loan_eligibility(
        650, 0.09, 50_000_000, [], LoanRequest(10_000_000, 36, "생활자금"), load_catalog()
    )
    fits = {fit.product.id: fit for fit in result.products}
    assert set(fits) == {"loan-kb-worker", "loan-shinhan-minus", "loan-hyundaicap-credit"}
    assert not fits["loan-kb-worker"].fits
    assert fits["loan-kb-worker"].reason == "국민 직장인 신용대출: 최소 신용점수 700점이 필요해요(현재 650점)"
    capital = fits["loan-hyundaicap-credit"]
    assert capital.fits and result.products[0] is capital
    assert D("7.90") <= capital.rate_range.low <= capital.rate_range.high <= D("19.90")
    assert capital.reason.startswith("현대캐피탈 다이렉트 신용대출: 7등급 예상 금리")


def test_bad_eligibility_inputs_are_typed_errors():
    with pytest.raises(AdvisorInputError):
        loan_eligibility(0, 0.05, 50_000_000, [], LIVING)
    with pytest.raises(AdvisorInputError):
        loan_eligibility(700, 1.5, 50_000_000, [], LIVING)
    with pytest.raises(AdvisorInputError):
        loan_eligibility(700, 0.05, 0, [], LIVING)
    with pytest.raises(AdvisorInputError, match="purpose"):
        loan_eligibility(700, 0.05, 50_000_000, [], LoanRequest(1_000_000, 12, "여행"))
    with pytest.raises(AdvisorInputError):
        LoanRequest(1_000_000, 12, "생활자금", rate_type="mixed")
    with pytest.raises(AdvisorInputError):
        loan_eligibility(700, 0.05, 50_000_000, ["신용대출"], LIVING)


def test_credit_factor_is_half_when_the_blended_pd_is_the_cutoff():
    import math

    def logit(p: float) -> float:
        return math.log(p / (1 - p))
    pd = 1 / (1 + math.exp(-(2 * logit(0.08) - logit(0.05))))  # averages with score 700's 5% to 8%
    assert credit_factor(700, pd) == pytest.approx(0.5)
    assert credit_factor(700, 0.08) < credit_factor(700, 0.05) < credit_factor(700, 0.01)
    assert credit_factor(760, 0.20, "nonbank") > credit_factor(760, 0.20, "bank")


def test_jeonse_is_not_capped_by_dsr_but_a_heavy_burden_lowers_approval():
    loans = [ExistingLoan("신용대출", 20_000_000, D("5.2"), 30, annual_repayment=9_000_000),
             ExistingLoan("마이너스통장", 2_000_000, D("6.1"), 8, repayment="한도", limit=10_000_000)]
    request = LoanRequest(150_000_000, 24, "전세자금", jeonse_deposit=250_000_000)
    heavy = loan_eligibility(780, 0.03, 48_000_000, loans, request, load_catalog())
    # 9,000,000 + 2,610,000 + 150,000,000 x 5.20% = 19,410,000 > 40% of 48,000,000
    assert heavy.dsr.post_loan_annual_repayment == 19_410_000
    assert heavy.requested_fits and heavy.max_limit == 200_000_000
    light = loan_eligibility(780, 0.03, 48_000_000, [], request, load_catalog())
    assert 0 < heavy.approval_percent < light.approval_percent


def test_no_catalog_loan_for_the_score_means_no_limit():
    result = loan_eligibility(440, 0.4, 50_000_000, [], LIVING, load_catalog())
    assert result.max_limit == 0 and result.limit_basis == "신용점수 조건에 맞는 상품 없음"
    assert not result.requested_fits and not any(fit.fits for fit in result.products)
