"""Property test: over many customers, amounts, terms and purposes, the eligibility verdict, the
approval likelihood, the limit and the products listed never contradict each other."""
import random
import re
from decimal import Decimal

from bot.advisor.catalog import load_catalog
from bot.advisor.eligibility import PURPOSE_LOANS, SOFT_DSR_KINDS, loan_eligibility
from bot.advisor.inputs import ExistingLoan, LoanRequest

AMOUNTS = (500_000, 3_000_000, 10_000_000, 30_000_000, 50_000_000, 100_000_000, 200_000_000, 500_000_000)
TERMS = (6, 12, 24, 36, 48, 60, 120, 360)
CASES = 700


def _loans(rng: random.Random) -> list:
    out = []
    for k in range(rng.choice((0, 0, 1, 2, 3))):
        kind = rng.choice(("신용대출", "마이너스통장", "주택담보대출", "할부금융", "카드론"))
        balance = rng.randrange(1, 300) * 1_000_000
        limit = balance + rng.randrange(0, 50) * 1_000_000 if kind == "마이너스통장" else None
        out.append(ExistingLoan(kind, balance, Decimal(rng.randrange(300, 1800)) / 100, rng.randrange(1, 360),
                                repayment="한도" if kind == "마이너스통장" else "원리금균등", limit=limit,
                                loan_id=f"L{k}"))
    return out


def _case(rng: random.Random):
    score = rng.randrange(300, 1000)
    pd = rng.uniform(0.005, 0.6)
    income = rng.randrange(5, 200) * 1_000_000
    purpose = rng.choice(tuple(PURPOSE_LOANS))
    loans = _loans(rng)
    refinance = (loans[0].loan_id,) if purpose == "대환" and loans else ()
    deposit = rng.randrange(5, 60) * 10_000_000 if purpose == "전세자금" and rng.random() < 0.6 else None
    request = LoanRequest(rng.choice(AMOUNTS), rng.choice(TERMS), purpose, refinance_ids=refinance,
                          jeonse_deposit=deposit)
    return score, pd, income, loans, request


def test_verdict_approval_limit_and_products_agree():
    catalog = load_catalog()
    rng = random.Random(20251203)
    fitted = refused = 0
    for _ in range(CASES):
        score, pd, income, loans, request = _case(rng)
        result = loan_eligibility(score, pd, income, loans, request, catalog)
        case = (score, round(pd, 3), income, request)
        fitting = [f for f in result.products if f.fits]
        if result.products:
            assert result.requested_fits == bool(fitting), case
        assert (result.approval_percent > 0) == result.requested_fits, case
        if result.requested_fits:
            fitted += 1
            assert request.amount <= result.max_limit, case
            assert result.rate_range == fitting[0].rate_range, case
            if fitting[0].product.dsr_kind not in SOFT_DSR_KINDS:
                assert result.dsr.within_limit, case
        else:
            refused += 1
            if request.amount <= result.max_limit:  # only a product minimum can stand in the way
                open_ = [f for f in result.products if f.product.min_score <= score
                         and (f.product.repayment == "한도"  # a credit line has no term to match
                              or f.product.min_term <= request.term_months <= f.product.max_term)]
                assert open_ and all(request.amount < f.product.min_amount for f in open_), case
        for fit in fitting:
            product = fit.product
            assert product.min_score <= score and product.min_amount <= request.amount <= fit.max_amount, case
            assert fit.max_amount <= result.max_limit, case
            assert product.min_rate <= fit.rate_range.low <= fit.rate_range.high <= product.max_rate, case
        for fit in result.products:
            for quoted in re.findall(r"\(현재 (\d+)점\)", fit.reason):
                assert int(quoted) == score, case
        assert (
            f"신용점수 {score}점" in result.reason
            and f"승인 가능성 약 {result.approval_percent}%" in result.reason
        )
    assert fitted > 50 and refused > 100  # both sides of the verdict were exercised
