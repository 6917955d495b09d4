"""Credit score (our IEFSVM model) and loan eligibility (score + DSR + catalog).

The score is our own estimate from MyData (see `bot.credit.scorer`), never a KCB/NICE score,
and every reply says so. The model artifact is `models/credit/` (`python -m bot.credit train`),
loaded once per process and directory unless the context carries a scorer.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bot.advisor.catalog import load_catalog
from bot.advisor.eligibility import PURPOSE_LOANS, LoanEligibility, indicative_rate
from bot.advisor.eligibility import loan_eligibility as advise_loan
from bot.advisor.format import basis_points, rate, won_approx
from bot.advisor.inputs import LoanRequest as AdvisorLoanRequest
from bot.assistant.adapters import CreditInputs, credit_inputs, existing_loans
from bot.assistant.common import Scope, notes, reading
from bot.assistant.korean import josa
from bot.assistant.reply import AnswerContext, Query, Reply, button, guarded, intent_payload, join
from bot.credit.artifact import ArtifactError
from bot.credit.profile import LoanRequest as CreditLoanRequest
from bot.credit.scorer import MISSING_WORDS, CreditResult, CreditScorer
from bot.credit.train import DEFAULT_MODEL_DIR

log = logging.getLogger(__name__)

CAVEAT = "이 점수는 마이데이터를 바탕으로 저희가 추정한 점수로, KCB·NICE 같은 신용평가사 점수와 달라요."
NO_MODEL = "신용점수 모델이 아직 준비되지 않아 지금은 점수를 계산할 수 없어요. 잠시 후 다시 시도해 주세요."
DEFAULT_PURPOSE = "생활자금"
DEFAULT_TERM_MONTHS = {"생활자금": 36, "대환": 36, "전세자금": 24, "사업자금": 36}
CREDIT_KINDS = ("bank", "card", "capital")
ASK_AMOUNTS = (5_000_000, 10_000_000, 30_000_000)


@functools.lru_cache(maxsize=4)
def _load_scorer(directory: str) -> CreditScorer:
    return CreditScorer.load(directory)


def scorer_for(ctx: AnswerContext) -> Optional[CreditScorer]:
    """The context's scorer, else the artifact in `ctx.model_dir` (default models/credit); None if absent."""
    if ctx.scorer is not None:
        return ctx.scorer
    try:
        return _load_scorer(str(Path(ctx.model_dir or DEFAULT_MODEL_DIR).resolve()))
    except (FileNotFoundError, ArtifactError) as exc:
        log.warning("credit model unavailable: %s", exc)
        return None


def catalog_for(ctx: AnswerContext):
    return ctx.catalog if ctx.catalog is not None else load_catalog()


def score_customer(ctx: AnswerContext, request: Optional[CreditLoanRequest] = None
                   ) -> tuple[Optional[CreditResult], CreditInputs, list]:
    """(model result or None without a model, the inputs, freshness) for the context's customer."""
    with reading(ctx) as session:
        Scope(session, ctx, Query())  # UnknownCustomer / no consent → guarded replies
        inputs = credit_inputs(session, ctx.customer_id, ctx.moment())
    scorer = scorer_for(ctx)
    result = scorer.score(inputs.profile, request) if scorer is not None else None
    return result, inputs, list(inputs.mydata.freshness)


def _missing(result: CreditResult) -> list[str]:
    return [m for m in result.missing if m != MISSING_WORDS["request"]]


@guarded
def credit_score(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """The model's score 1-1000 and band, the top 3 factors in plain Korean, what was missing,
    and the caveat that it is our estimate."""
    result, inputs, freshness = score_customer(ctx)
    if result is None:
        return Reply(NO_MODEL)
    head = f"고객님의 예상 신용점수는 {result.score}점({result.band})이에요."
    factors = ["점수에 가장 큰 영향을 준 요인이에요:"] + [
        f"{n}. {f.label}: {f.sentence}" for n, f in enumerate(result.factors[:3], start=1)] if result.factors else []
    missing = _missing(result)
    missing_line = (f"확인하지 못한 정보({', '.join(missing)})는 평균적인 값으로 계산했어요."
                    if missing else None)
    buttons = (button("대출 가능 금액 알아보기", "/loan_eligibility"),
               button("신용점수 올리는 법", "신용점수 올리는 법 알려줘"))
    return Reply(join(head, factors, missing_line, CAVEAT, notes(freshness, ctx, kinds=CREDIT_KINDS)), buttons)


def _ask_amount(query: Query) -> Reply:
    buttons = tuple(button(won_approx(a), intent_payload("loan_eligibility", {**query.to_entities(), "amount": a}))
                    for a in ASK_AMOUNTS)
    return Reply("얼마를 빌리고 싶으신가요? 금액과 기간(예: 1,000만 원, 3년)을 알려주시면 가능성을 알려드릴게요.", buttons)


@dataclass(frozen=True)
class Eligibility:
    purpose: str
    term: int
    assumed: tuple[str, ...]  # what was not asked and was assumed, in Korean
    result: Optional[CreditResult]  # None without a model
    inputs: CreditInputs
    freshness: list
    advice: Optional[LoanEligibility]  # None without a model or without income


def assess_loan(ctx: AnswerContext, query: Query, amount: int) -> Eligibility:
    """Score the customer for this request and run the advisor's eligibility (DSR, catalog)."""
    purpose = query.loan_purpose if query.loan_purpose in PURPOSE_LOANS else DEFAULT_PURPOSE
    term = query.loan_term_months or DEFAULT_TERM_MONTHS[purpose]
    assumed = []
    if not query.loan_purpose:
        assumed.append(f"용도는 {purpose}")
    if not query.loan_term_months:
        assumed.append(f"기간은 {term}개월")
    result, inputs, freshness = score_customer(ctx, CreditLoanRequest(amount, term, purpose))
    advice = None
    if result is not None and inputs.income.monthly:
        loans = existing_loans(inputs.loans, ctx.today()) if inputs.loans is not None else []
        advice = advise_loan(result.score, result.pd, inputs.income.monthly * 12, loans,
                             AdvisorLoanRequest(amount, term, purpose), catalog_for(ctx))
    return Eligibility(purpose, term, tuple(assumed), result, inputs, freshness, advice)


def rate_words(rates) -> str:
    """"연 7.80%" for a single rate, "연 6.50~8.50%" for a range."""
    return rate(rates.low) if rates.low == rates.high else rates.text


def assumed_words(assumed) -> str:
    """("용도는 생활자금", "기간은 36개월") → "(용도는 생활자금, 기간은 36개월로 가정했어요)"."""
    items = list(assumed)
    items[-1] = josa(items[-1], "으로")
    return f"({', '.join(items)} 가정했어요)"


def no_income_reply(found: Eligibility, lead: str, ctx: AnswerContext) -> Reply:
    rates = indicative_rate(found.result.score, purpose=found.purpose)
    return Reply(join(lead, f"예상 금리는 {rate_words(rates)} 정도예요. 다만 확인되는 소득이 없어 DSR(연소득 대비 원리금 "
                            "40% 규칙)로 한도를 계산할 수 없어요. 급여나 사업 수입이 들어오는 통장을 연결해 주세요.",
                      score_line(found.result), notes(found.freshness, ctx, kinds=CREDIT_KINDS)),
                 (button("통장 연결하기", "/connect_institution"), button("신용점수 자세히 보기", "/credit_score")))


def score_line(result: CreditResult) -> str:
    return f"예상 신용점수 {result.score}점({result.band}) 기준이에요. {CAVEAT}"


@guarded
def loan_eligibility(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """For the amount, term and purpose asked: estimated approval probability, indicative rate
    range, the limit from score, income and DSR (40% at banks), and which catalog loans fit.

    Without an amount the reply asks for one; the term defaults to 36 months (전세 24) and the
    purpose to 생활자금, and the reply says so.
    """
    if not query.amount or query.amount <= 0:
        return _ask_amount(query)
    found = assess_loan(ctx, query, query.amount)
    if found.result is None:
        return Reply(NO_MODEL)
    asked = f"{josa(won_approx(query.amount), '을')} {found.term}개월 {josa(found.purpose, '으로')} 빌리는 경우예요."
    if found.assumed:
        asked += f" {assumed_words(found.assumed)}"
    if found.advice is None:
        return no_income_reply(found, asked, ctx)
    advice = found.advice
    verdict = "요청하신 금액이 한도 안에 들어가요." if advice.requested_fits else "요청하신 금액은 이 한도를 넘어요."
    body = [f"승인 가능성은 약 {advice.approval_percent}%, 예상 금리는 {rate_words(advice.rate_range)}예요.",
            f"최대 한도는 {josa(f'{won_approx(advice.max_limit)}({advice.limit_basis} 기준)', '으로')}, {verdict}",
            f"DSR은 지금 {basis_points(advice.dsr.current_ratio_bp)}에서 대출 후 "
            f"{basis_points(advice.dsr.post_loan_ratio_bp)}가 돼요(한도 {basis_points(advice.dsr.limit_bp, 0)})."]
    fitting = [f for f in advice.products if f.fits][:3]
    if fitting:
        products = ["조건에 맞는 상품:"] + [f"· {f.product.name}({f.product.issuer}): {rate_words(f.rate_range)}, "
                                         f"최대 {won_approx(f.max_amount)}" for f in fitting]
    elif advice.products:
        products = ["지금 조건에 딱 맞는 상품은 없어요:"] + [f"· {f.reason}" for f in advice.products[:2]]
    else:
        products = []
    buttons = (button("신용점수 자세히 보기", "/credit_score"),
               button("대출 상품 추천 받기", intent_payload("recommend_product", {
                   "product_type": "대출", "amount": query.amount, "loan_purpose": found.purpose})))
    return Reply(join(asked, " ".join(body), products, score_line(found.result), advice.notes[-1:],
                      notes(found.freshness, ctx, kinds=CREDIT_KINDS)), buttons)
