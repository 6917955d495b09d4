from decimal import Decimal

import pytest

from bot.advisor.dsr import ProposedLoan, annual_repayment, calculate_dsr, equal_payment, max_loan_amount
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import ExistingLoan

D = Decimal


def test_equal_payment_matches_the_annuity_formula():
    # 10,000,000 x 0.005 / (1 - 1.005^-12) = 860,664.03
    assert equal_payment(10_000_000, D("6"), 12) == 860_664
    assert equal_payment(12_000_000, D("0"), 24) == 500_000


def test_each_kind_of_loan_counts_by_its_rule():
    installment = ExistingLoan("신용대출", 10_000_000, D("6"), 12)
    assert annual_repayment(installment).annual == 10_327_968  # 860,664 x 12
    equal_principal = ExistingLoan("신용대출", 12_000_000, D("6"), 24, repayment="원금균등")
    # 12 x 500,000 + 0.5% x (12 x 12,000,000 - 500,000 x 66) = 6,000,000 + 555,000
    assert annual_repayment(equal_principal).annual == 6_555_000
    minus = ExistingLoan("마이너스통장", 5_000_000, D("6"), 12, repayment="한도", limit=20_000_000)
    assert annual_repayment(minus).annual == 5_200_000  # 20,000,000 / 5 + 6% of the limit
    jeonse = ExistingLoan("전세자금대출", 150_000_000, D("4"), 20, repayment="만기일시")
    assert annual_repayment(jeonse).annual == 6_000_000  # interest only
    bullet = ExistingLoan("신용대출", 10_000_000, D("5"), 6, repayment="만기일시")
    assert annual_repayment(bullet).annual == 2_500_000  # / 5 years + interest, whatever the maturity
    mortgage = ExistingLoan("주택담보대출", 120_000_000, D("4"), 240, repayment="만기일시")
    assert annual_repayment(mortgage).annual == 16_800_000  # / 10 years at most + interest
    reported = ExistingLoan("카드론", 3_000_000, D("14"), 10, annual_repayment=2_400_000)
    assert annual_repayment(reported).annual == 2_400_000
    business = annual_repayment(ExistingLoan("사업자대출", 50_000_000, D("5"), 36))
    assert business.annual == 0 and not business.included


LOANS = (
    ExistingLoan("신용대출", 10_000_000, D("6"), 12, loan_id="k1"),
    ExistingLoan("마이너스통장", 5_000_000, D("6"), 12, repayment="한도", limit=20_000_000, loan_id="m1"),
    ExistingLoan("전세자금대출", 150_000_000, D("4"), 20, repayment="만기일시", loan_id="j1"),
    ExistingLoan("사업자대출", 50_000_000, D("5"), 36, loan_id="b1"),
    ExistingLoan("카드론", 3_000_000, D("14"), 10, annual_repayment=2_400_000, loan_id="c1"),
)


def test_dsr_of_a_known_loan_set():
    result = calculate_dsr(50_000_000, LOANS)
    # 10,327,968 + 5,200,000 + 6,000,000 + 0 + 2,400,000 = 23,927,968 / 50,000,000 = 47.86%
    assert result.current_annual_repayment == 23_927_968
    assert result.current_ratio_bp == 4786
    assert result.current_ratio == D("47.86")
    assert result.limit_bp == 4000 and not result.within_limit
    assert result.max_additional_annual_repayment == 0
    assert result.max_loan_amount is None
    assert any("사업자대출" in note for note in result.notes)
    assert "바뀌" in result.notes[-1]


def test_non_banks_allow_fifty_percent():
    loans = [ExistingLoan("카드론", 3_000_000, D("14"), 10, annual_repayment=4_500_000)]
    assert not calculate_dsr(10_000_000, loans).within_limit
    result = calculate_dsr(10_000_000, loans, lender_kind="nonbank")
    assert result.within_limit and result.max_additional_annual_repayment == 500_000


JEONSE_ONLY = [ExistingLoan("전세자금대출", 100_000_000, D("3.6"), 20, repayment="만기일시")]


def test_a_new_loan_and_the_most_that_fits_under_forty_percent():
    proposed = ProposedLoan(30_000_000, D("0"), 60, rate_type="fixed")
    result = calculate_dsr(60_000_000, JEONSE_ONLY, proposed)
    assert result.current_annual_repayment == 3_600_000
    assert result.post_loan_annual_repayment == 9_600_000  # + 500,000 x 12
    assert result.post_loan_ratio_bp == 1600 and result.within_limit
    assert result.max_additional_annual_repayment == 20_400_000  # 24,000,000 - 3,600,000
    assert result.max_loan_amount == 102_000_000  # 1,700,000 a month x 60
    assert result.stress_add_on == 0


def test_max_loan_amount_at_a_real_rate_is_the_largest_that_fits():
    loans = [ExistingLoan("카드론", 1, D("10"), 10, annual_repayment=10_000_000)]
    amount = max_loan_amount(30_000_000, loans, D("8.5"), 60, rate_type="fixed")
    assert amount == 8_120_000  # 166,594 x 12 = 1,999,128 <= 2,000,000; 8,130,000 would be 2,001,588
    assert (
        equal_payment(amount, D("8.5"), 60) * 12
        <= 2_000_000
        < equal_payment(amount + 10_000, D("8.5"), 60) * 12
    )


def test_stress_rate_is_added_to_new_variable_mortgages_only():
    variable = ProposedLoan(300_000_000, D("4.0"), 360, kind="주택담보대출", rate_type="variable")
    fixed = ProposedLoan(300_000_000, D("4.0"), 360, kind="주택담보대출", rate_type="fixed")
    stressed = calculate_dsr(100_000_000, [], variable)
    assert stressed.stress_add_on == D("1.50")
    assert stressed.post_loan_annual_repayment == 1_703_367 * 12  # at 5.5%
    assert calculate_dsr(100_000_000, [], fixed).post_loan_annual_repayment == 1_432_246 * 12  # at 4.0%
    assert (
        calculate_dsr(100_000_000, [], variable, stress_add_on=D("0")).post_loan_annual_repayment
        == 1_432_246 * 12
    )
    assert any("스트레스 DSR" in note for note in stressed.notes)


def test_stress_applies_to_credit_loans_only_above_one_eok_in_total():
    existing = [ExistingLoan("신용대출", 90_000_000, D("5"), 60, annual_repayment=20_000_000)]
    at_threshold = ProposedLoan(10_000_000, D("5"), 60)
    above = ProposedLoan(20_000_000, D("5"), 60)
    assert calculate_dsr(200_000_000, existing, at_threshold).stress_add_on == 0
    assert calculate_dsr(200_000_000, existing, above).stress_add_on == D("1.50")


def test_jeonse_and_revolving_new_loans_use_their_own_rules():
    jeonse = calculate_dsr(50_000_000, [], ProposedLoan(200_000_000, D("4"), 24, kind="전세자금대출",
                                                       repayment="만기일시"))
    assert jeonse.post_loan_annual_repayment == 8_000_000 and jeonse.stress_add_on == 0
    minus = calculate_dsr(
        50_000_000, [], ProposedLoan(10_000_000, D("5"), 12, kind="마이너스통장", repayment="한도")
    )
    assert minus.post_loan_annual_repayment == 2_500_000


def test_a_refinance_removes_the_loans_it_pays_off():
    proposed = ProposedLoan(3_000_000, D("0"), 12, rate_type="fixed", replaces=("c1",))
    result = calculate_dsr(50_000_000, LOANS, proposed)
    assert result.post_loan_annual_repayment == 23_927_968 - 2_400_000 + 3_000_000
    with pytest.raises(AdvisorInputError, match="not given"):
        calculate_dsr(50_000_000, LOANS, ProposedLoan(3_000_000, D("5"), 12, replaces=("nope",)))


def test_bad_dsr_inputs_are_typed_errors():
    with pytest.raises(AdvisorInputError):
        calculate_dsr(0, [])
    with pytest.raises(AdvisorInputError):
        calculate_dsr(50_000_000, [], lender_kind="savings bank")
    with pytest.raises(AdvisorInputError):
        ExistingLoan("신용대출", 1_000_000, 5.5, 12)
    with pytest.raises(AdvisorInputError):
        ExistingLoan("마이너스통장", 1_000_000, D("5"), 12, repayment="한도")  # no limit
    with pytest.raises(AdvisorInputError):
        ProposedLoan(1_000_000, D("5"), 0)
    assert ExistingLoan("신용대출", 1_000_000, "5.5", 12).rate == D("5.5")
