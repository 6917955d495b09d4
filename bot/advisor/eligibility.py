"""Could this customer get the loan they ask for, at what rate, up to how much, and where.

Approval probability (an estimate for talking, not a credit decision), monotone by design —
higher score, lower PD or more DSR headroom never lowers it:
- the score is turned into a PD on the credit model's scale (`bot.credit.scale`: 700 points =
  PD 5%, every 60 points doubles the good:bad odds) and averaged with the model's PD in log-odds;
- credit part = 1 / (1 + exp(-1.5 × (logit(cutoff) − logit(PD)))), cutoff PD 8% for banks,
  20% for non-banks (a PD at the cutoff gives 50%);
- affordability part from u = post-loan yearly repayment ÷ the DSR ceiling: 1 while
  u ≤ 0.7, falling linearly to 0.6 at u = 1, and 0 above the limit or when the amount
  breaks the income-multiple or 전세보증금 80% rule (for 전세자금, whose limit
  is set by the guarantee rather than DSR, above u = 1 it falls as 0.6 / u instead of 0);
- approval = credit × affordability, as a whole percent, never above 95%.
Indicative rate = a base rate (default 3.00%, a funding benchmark like 금융채 6개월) + the
spread of the score band (NICE-style cut-offs); non-banks add 4.00%p; capped at the legal
maximum of 20%. For a catalog loan the band's range is clipped into the product's range.
The DSR check uses the top of that range (plus stress, see `bot.advisor.dsr`).
Maximum limit = the smallest of: the DSR maximum for the requested term; for 생활자금/대환,
income × multiple (default 1.0, the banks' 연소득 이내 guidance; a product may set its own)
minus existing unsecured credit (신용대출 balances, 마이너스통장 limits) not being
refinanced; for 전세자금, 80% of the 전세보증금 when given; and the largest catalog loan for
the purpose whose minimum score the customer meets (0 if there is none). 전세자금대출 and 사업자대출 are
outside the household DSR rule, so for them
the same arithmetic is only an affordability proxy, labelled as such: a 사업자대출 is
counted as an amortizing loan and capped by it (business income is not known here); a
전세 loan is not capped by it (the guarantee sizes it), only its approval is lowered.
전세 spreads are 40% of the band's, since a guarantee backs them. Amounts are floored to
만 원.

With a catalog that has loans for the purpose, the answer is the products' answer, so its parts
never contradict each other: the request fits exactly when some product fits; approval is that
of the best fitting product (its lender kind, DSR ceiling and rate), at least 1%, and 0 when no
product fits; the rate range and DSR shown are the best fitting product's (else the widest open
product's); the limit is the widest limit among products open to the score and the term.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import List, Optional, Sequence, Tuple

from bot.advisor.catalog import LEGAL_MAX_RATE, Catalog, LoanProduct
from bot.advisor.dsr import (
    STRESS_ADD_ON,
    DsrResult,
    ProposedLoan,
    calculate_dsr,
    limit_bp_for,
    unsecured_credit,
)
from bot.advisor.errors import AdvisorInputError
from bot.advisor.inputs import (
    ExistingLoan,
    LoanRequest,
    require_int,
    require_items,
    require_rate,
    require_won,
)
from bot.advisor.money import floor_to, round_won
from bot.credit.scale import band_from_score, pd_from_score
from bot.korean.wording import basis_points, percent, won_approx

BASE_RATE = Decimal("3.00")
NONBANK_EXTRA_SPREAD = Decimal("4.00")
DEFAULT_INCOME_MULTIPLE = Decimal("1.0")
JEONSE_DEPOSIT_RATIO = Decimal("0.80")
# band (bot.credit.scale) -> (spread low %p, spread high %p)
BAND_SPREADS = {
    "1등급": ("1.00", "1.80"),
    "2등급": ("1.30", "2.30"),
    "3등급": ("1.80", "3.00"),
    "4등급": ("2.50", "4.00"),
    "5등급": ("3.50", "5.50"),
    "6등급": ("5.00", "8.00"),
    "7등급": ("7.50", "11.00"),
    "8등급": ("10.00", "14.00"),
    "9등급": ("13.00", "16.00"),
    "10등급": ("15.00", "16.90"),
}
PD_CUTOFF = {"bank": 0.08, "nonbank": 0.20}
CREDIT_SLOPE = 1.5
AFFORDABLE_SHARE = 0.70
APPROVAL_AT_LIMIT = 0.60
MAX_APPROVAL_PERCENT = 95
AMOUNT_UNIT = 10_000
# purpose -> (DSR kind, repayment) of the loan that serves it
PURPOSE_LOANS = {
    "생활자금": ("신용대출", "원리금균등"),
    "대환": ("신용대출", "원리금균등"),
    "전세자금": ("전세자금대출", "만기일시"),
    "사업자금": ("사업자대출", "원리금균등"),
}
INCOME_MULTIPLE_PURPOSES = ("생활자금", "대환")
# Guaranteed 전세 loans price on the guarantee more than on the score.
PURPOSE_SPREAD_FACTOR = {"전세자금": Decimal("0.4")}
# Kinds the household DSR rule does not cap; their DSR-style figure is only an affordability proxy.
DSR_EXEMPT_KINDS = ("전세자금대출", "사업자대출")
PROXY_BASIS = "상환능력 참고 계산(DSR 방식)"
# 전세 loans are sized by the guarantee (보증금 ratio, product limit), so the proxy does not cap them.
SOFT_DSR_KINDS = ("전세자금대출",)


@dataclass(frozen=True)
class RateRange:
    low: Decimal
    high: Decimal

    @property
    def text(self) -> str:
        return f"연 {self.low:.2f}~{self.high:.2f}%"


@dataclass(frozen=True)
class ProductFit:
    """A catalog loan for the request's purpose, whether this customer's request fits it, and why."""

    product: LoanProduct
    fits: bool
    rate_range: RateRange
    max_amount: int
    reason: str
    limit_basis: str  # the rule that sets max_amount
    dsr: DsrResult  # with the requested amount at this product's top rate and term


@dataclass(frozen=True)
class LoanEligibility:
    score: int
    band: str
    approval_percent: int
    rate_range: RateRange
    max_limit: int
    limit_basis: str  # the rule that sets max_limit
    requested_fits: bool
    dsr: DsrResult  # with the requested amount at the top of the rate range
    products: Tuple[ProductFit, ...]  # fitting ones first
    reason: str
    notes: Tuple[str, ...]


def score_band(score: int) -> Tuple[str, Decimal, Decimal]:
    """Band name and spread range (%p) for a 1-1000 score."""
    require_int("score", score, 1, 1000)
    band = band_from_score(score)
    low, high = BAND_SPREADS[band]
    return band, Decimal(low), Decimal(high)


def indicative_rate(score: int, *, lender_kind: str = "bank", base_rate: Decimal = BASE_RATE,
                    purpose: str = "생활자금") -> RateRange:
    _, low, high = score_band(score)
    factor = PURPOSE_SPREAD_FACTOR.get(purpose, Decimal(1))
    low, high = low * factor, high * factor
    extra = NONBANK_EXTRA_SPREAD if lender_kind == "nonbank" else Decimal(0)
    cent = Decimal("0.01")
    return RateRange(min(base_rate + low + extra, LEGAL_MAX_RATE).quantize(cent),
                     min(base_rate + high + extra, LEGAL_MAX_RATE).quantize(cent))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def credit_factor(score: int, pd: float, lender_kind: str = "bank") -> float:
    blended = (_logit(pd) + _logit(pd_from_score(score))) / 2
    return 1 / (1 + math.exp(-CREDIT_SLOPE * (_logit(PD_CUTOFF[lender_kind]) - blended)))


def affordability_factor(post_annual: int, ceiling: int, *, hard: bool = True) -> float:
    """1 with room to spare, 0.6 at the limit; above it 0, or for a soft limit 0.6 x ceiling / repayment."""
    if post_annual <= 0:
        return 1.0
    if post_annual > ceiling:
        return 0.0 if hard or ceiling <= 0 else APPROVAL_AT_LIMIT * ceiling / post_annual
    used = post_annual / ceiling
    if used <= AFFORDABLE_SHARE:
        return 1.0
    return 1.0 - (used - AFFORDABLE_SHARE) / (1 - AFFORDABLE_SHARE) * (1 - APPROVAL_AT_LIMIT)


def _clip(rates: RateRange, product: LoanProduct) -> RateRange:
    def clip(value: Decimal) -> Decimal:
        return min(max(value, product.min_rate), product.max_rate)
    return RateRange(clip(rates.low), clip(rates.high))


@dataclass(frozen=True)
class _Cap:
    amount: int
    basis: str
    hard: bool = True  # False: reported, but does not limit the amount


def _caps(
    annual_income: int,
    loans: Sequence[ExistingLoan],
    request: LoanRequest,
    *,
    rate: Decimal,
    term: int,
    kind: str,
    repayment: str,
    rate_type: str,
    lender_kind: str,
    stress_add_on: Decimal,
    income_multiple: Optional[Decimal],
    deposit_ratio: Optional[Decimal],
) -> Tuple[List[_Cap], DsrResult]:
    """Every rule that limits the amount, and the DSR with the requested amount."""
    affordability_proxy = kind in DSR_EXEMPT_KINDS
    proposed = ProposedLoan(amount=request.amount, rate=rate, term_months=term,
                            kind="신용대출" if kind == "사업자대출" else kind, repayment=repayment,
                            rate_type=rate_type, replaces=request.refinance_ids)
    dsr = calculate_dsr(annual_income, loans, proposed, lender_kind=lender_kind, stress_add_on=stress_add_on)
    caps = [_Cap(dsr.max_loan_amount or 0, PROXY_BASIS if affordability_proxy
                 else f"DSR {basis_points(dsr.limit_bp, 0)}", hard=kind not in SOFT_DSR_KINDS)]
    if income_multiple is not None and request.purpose in INCOME_MULTIPLE_PURPOSES:
        kept = [loan for loan in loans if not (loan.loan_id and loan.loan_id in request.refinance_ids)]
        room = round_won(Decimal(annual_income) * income_multiple) - unsecured_credit(kept)
        caps.append(
            _Cap(max(room, 0), f"연소득 {percent(income_multiple * 100, 0)}에서 기존 신용대출을 뺀 금액")
        )
    if deposit_ratio is not None and request.jeonse_deposit is not None:
        caps.append(_Cap(round_won(Decimal(request.jeonse_deposit) * deposit_ratio),
                         f"전세보증금 {percent(deposit_ratio * 100, 0)}"))
    return caps, dsr


def _binding(caps: Sequence[_Cap]) -> _Cap:
    cap = min([c for c in caps if c.hard] or caps, key=lambda c: c.amount)
    return _Cap(floor_to(cap.amount, AMOUNT_UNIT), cap.basis)


def _product_fit(
    product: LoanProduct,
    score: int,
    band: str,
    annual_income: int,
    loans: Sequence[ExistingLoan],
    request: LoanRequest,
    base_rate: Decimal,
    stress_add_on: Decimal,
) -> ProductFit:
    rates = _clip(indicative_rate(score, lender_kind=product.lender_kind, base_rate=base_rate,
                                  purpose=request.purpose), product)
    term = min(max(request.term_months, product.min_term), product.max_term)
    caps, dsr = _caps(annual_income, loans, request, rate=rates.high, term=term, kind=product.dsr_kind,
                    repayment=product.repayment, rate_type=product.rate_type, lender_kind=product.lender_kind,
                    stress_add_on=stress_add_on, income_multiple=product.max_income_multiple,
                    deposit_ratio=product.max_deposit_ratio)
    cap = _binding([*caps, _Cap(product.max_amount, "상품 한도")])
    asked = won_approx(request.amount)
    if score < product.min_score:
        reason = f"{product.name}: 최소 신용점수 {product.min_score}점이 필요해요(현재 {score}점)"
    elif product.repayment != "한도" and not product.min_term <= request.term_months <= product.max_term:
        terms = (f"{product.min_term}개월" if product.min_term == product.max_term
                 else f"{product.min_term}~{product.max_term}개월")
        reason = f"{product.name}: 대출기간은 {terms}만 가능해요(요청 {request.term_months}개월)"
    elif request.amount < product.min_amount:
        reason = f"{product.name}: 최소 {won_approx(product.min_amount)}부터 빌릴 수 있어요(요청 {asked})"
    elif request.amount > cap.amount:
        reason = (
            f"{product.name}: {cap.basis} 기준 최대 {won_approx(cap.amount)}이라 요청하신 {asked}보다 적어요"
        )
    else:
        reason = (f"{product.name}: {band} 예상 금리 {rates.text}, 최대 {won_approx(cap.amount)}까지 가능해 "
                  f"요청하신 {asked}이 들어가요")
        return ProductFit(product, True, rates, cap.amount, reason, cap.basis, dsr)
    return ProductFit(
        product, False, rates, cap.amount if score >= product.min_score else 0, reason, cap.basis, dsr
    )


def _open_to(fit: ProductFit, score: int, term: int) -> bool:
    """The customer's score and the requested term are allowed: only the amount decides."""
    product = fit.product
    return score >= product.min_score and (
        product.repayment == "한도" or product.min_term <= term <= product.max_term
    )


def loan_eligibility(score: int, pd: float, annual_income: int, existing_loans: Sequence[ExistingLoan],
                     request: LoanRequest, catalog: Optional[Catalog] = None, *, lender_kind: str = "bank",
                     base_rate: Decimal = BASE_RATE, stress_add_on: Decimal = STRESS_ADD_ON,
                     income_multiple: Decimal = DEFAULT_INCOME_MULTIPLE) -> LoanEligibility:
    """Approval chance, rate range, maximum limit and fitting catalog loans for one request."""
    require_int("score", score, 1, 1000)
    if isinstance(pd, bool) or not isinstance(pd, (int, float, Decimal)) or not 0 <= float(pd) <= 1 \
            or math.isnan(float(pd)):
        raise AdvisorInputError(f"pd must be a probability between 0 and 1, got {pd!r}")
    require_won("annual_income", annual_income, minimum=1)
    if not isinstance(request, LoanRequest):
        raise AdvisorInputError("request must be a LoanRequest")
    if request.purpose not in PURPOSE_LOANS:
        raise AdvisorInputError(
            f"LoanRequest.purpose must be one of {', '.join(PURPOSE_LOANS)}; got {request.purpose!r}"
        )
    limit_bp_for(lender_kind)
    base_rate = require_rate("base_rate", base_rate, maximum=LEGAL_MAX_RATE)
    income_multiple = require_rate("income_multiple", income_multiple, maximum=Decimal(10))
    if catalog is not None and not isinstance(catalog, Catalog):
        raise AdvisorInputError("catalog must be a Catalog")
    loans = require_items("existing_loans", existing_loans, ExistingLoan)

    band, _, _ = score_band(score)
    rates = indicative_rate(score, lender_kind=lender_kind, base_rate=base_rate, purpose=request.purpose)
    kind, repayment = PURPOSE_LOANS[request.purpose]
    caps, dsr = _caps(annual_income, loans, request, rate=rates.high, term=request.term_months, kind=kind,
                      repayment=repayment, rate_type=request.rate_type, lender_kind=lender_kind,
                      stress_add_on=stress_add_on, income_multiple=income_multiple,
                      deposit_ratio=JEONSE_DEPOSIT_RATIO if request.purpose == "전세자금" else None)
    hard_ok = all(request.amount <= cap.amount for cap in caps if cap.hard)
    ceiling = annual_income * dsr.limit_bp // 10_000
    credit = credit_factor(score, float(pd), lender_kind)
    afford = affordability_factor(dsr.post_loan_annual_repayment, ceiling,
                                  hard=kind not in SOFT_DSR_KINDS) if hard_ok else 0.0
    approval = min(round_won(Decimal(repr(credit * afford)) * 100), MAX_APPROVAL_PERCENT)

    fits: Tuple[ProductFit, ...] = ()
    if catalog is not None:
        found = [_product_fit(p, score, band, annual_income, loans, request, base_rate, stress_add_on)
                 for p in catalog.loans if request.purpose in p.purposes]
        fits = tuple(sorted(found, key=lambda f: (not f.fits, f.rate_range.low, f.product.name)))
        for_purpose = [p for p in catalog.loans if request.purpose in p.purposes]
        open_to_score = [p.max_amount for p in for_purpose if p.min_score <= score]
        if open_to_score:
            caps.append(_Cap(max(open_to_score), "상품 한도"))
        elif for_purpose:
            caps.append(_Cap(0, "신용점수 조건에 맞는 상품 없음"))
    cap = _binding(caps)
    requested_fits = request.amount <= cap.amount
    if fits:
        # With products to offer, the verdict, limit, rate, DSR and approval are those of the products,
        # so the answer can never say "fits" beside "no product fits", or list a product at 0%.
        fitting = [f for f in fits if f.fits]
        open_ = [f for f in fits if _open_to(f, score, request.term_months)]
        widest = max(open_, key=lambda f: (f.max_amount, -f.rate_range.low), default=None)
        if widest is not None:
            cap = _Cap(widest.max_amount, widest.limit_basis)
        else:
            cap = _Cap(0, "신용점수 조건에 맞는 상품 없음" if all(f.product.min_score > score for f in fits)
                       else "신용점수·기간 조건에 맞는 상품 없음")
        requested_fits = bool(fitting)
        if fitting:
            best = fitting[0]
            rates, dsr = best.rate_range, best.dsr
            soft = best.product.dsr_kind in SOFT_DSR_KINDS
            afford = affordability_factor(dsr.post_loan_annual_repayment,
                                          annual_income * dsr.limit_bp // 10_000, hard=not soft)
            credit = credit_factor(score, float(pd), best.product.lender_kind)
            approval = max(1, min(round_won(Decimal(repr(credit * afford)) * 100), MAX_APPROVAL_PERCENT))
        else:
            approval = 0
            if widest is not None:
                rates, dsr = widest.rate_range, widest.dsr

    burden = "상환 부담(DSR 방식 참고)" if kind in DSR_EXEMPT_KINDS else "DSR"
    reason = (
        f"신용점수 {score}점({band}) 기준 승인 가능성 약 {approval}%, 예상 금리 {rates.text}, "
        f"{burden} {basis_points(dsr.current_ratio_bp)} → 대출 후 {basis_points(dsr.post_loan_ratio_bp)}"
        f"(한도 {basis_points(dsr.limit_bp, 0)}), 최대 {won_approx(cap.amount)}({cap.basis} 기준)"
    )
    if not requested_fits:
        reason += f" — 요청하신 {won_approx(request.amount)}은 " + (
            "이 한도를 넘어요" if request.amount > cap.amount else "맞는 상품의 최소 금액에 못 미쳐요")
    notes = list(dsr.notes)
    if kind == "사업자대출":
        notes.append("사업자대출은 가계 DSR 대상이 아니어서, 같은 방식으로 상환 부담만 참고로 계산했어요")
    if kind == "전세자금대출":
        notes.append("전세자금대출은 DSR 규제 대상이 아니지만 이자는 다른 대출의 DSR에 반영돼요. "
                     "상환 부담은 같은 방식으로 참고로 계산했어요")
    if request.purpose == "전세자금" and request.jeonse_deposit is None:
        notes.append("전세보증금을 알려주시면 보증금의 80% 한도도 함께 확인할게요")
    return LoanEligibility(
        score=score, band=band, approval_percent=approval, rate_range=rates, max_limit=cap.amount,
        limit_basis=cap.basis, requested_fits=requested_fits, dsr=dsr, products=fits, reason=reason,
        notes=tuple(notes),
    )
