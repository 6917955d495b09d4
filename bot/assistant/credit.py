"""Credit score (our IEFSVM model) and loan eligibility (score + DSR + catalog).

The score is our own estimate from MyData (see `bot.credit.scorer`), never a KCB/NICE score,
and every reply says so. The model artifact is `models/credit/` (`python -m bot.credit train`),
loaded once per process and directory unless the context carries a scorer.
"""
from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Optional

from bot.advisor.cashflow import CashFlow, left_words
from bot.advisor.catalog import load_catalog
from bot.advisor.eligibility import DSR_EXEMPT_KINDS, PURPOSE_LOANS, LoanEligibility, indicative_rate
from bot.advisor.eligibility import loan_eligibility as advise_loan
from bot.advisor.inputs import LoanRequest
from bot.assistant.adapters import CreditInputs, credit_inputs, existing_loans
from bot.assistant.cash_flow import cash_flow_of
from bot.assistant.common import Scope, notes, reading
from bot.assistant.reply import AnswerContext, Query, Reply, button, guarded, intent_payload, join
from bot.credit.artifact import ArtifactError
from bot.credit.levers import overdue_loans
from bot.credit.levers import score_levers as score_levers_of
from bot.credit.profile import CreditProfile, LoanApplication, LoanRecord
from bot.credit.scorer import MISSING_WORDS, CreditResult, CreditScorer
from bot.credit.train import DEFAULT_MODEL_DIR
from bot.korean.wording import basis_points, josa, rate, won, won_approx

log = logging.getLogger(__name__)

LEVERS_TEXT = "어떻게 하면 올릴 수 있어?"
CAVEAT = "이 점수는 마이데이터를 바탕으로 저희가 추정한 점수로, KCB·NICE 같은 신용평가사 점수와 달라요."
NO_MODEL = "신용점수 모델이 아직 준비되지 않아 지금은 점수를 계산할 수 없어요. 잠시 후 다시 시도해 주세요."
DEFAULT_PURPOSE = "생활자금"
DEFAULT_TERM_MONTHS = {"생활자금": 36, "대환": 36, "전세자금": 24, "사업자금": 36}
CREDIT_KINDS = ("bank", "card", "capital")
ASK_AMOUNTS = (5_000_000, 10_000_000, 30_000_000)
MIN_LOAN_AMOUNT = 10_000
MAX_LOAN_AMOUNT = 10_000_000_000


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


def score_customer(ctx: AnswerContext) -> tuple[Optional[CreditResult], CreditInputs, list, CashFlow]:
    """(today's score or None without a model, the inputs, freshness, the cash flow).

    This is the customer's one score: every answer quotes it, scored without a loan request, on
    today's MyData facts (whole months, so it stays the same all day between syncs). Its income is
    the cash flow's regular monthly income, the same figure the DSR and the savings answers use
    (the MyData figure is kept when the cash flow sees no regular income).
    """
    with reading(ctx) as session:
        Scope(session, ctx, Query())  # UnknownCustomer / no consent → guarded replies
        inputs = credit_inputs(session, ctx.customer_id, ctx.moment())
        cash, _ = cash_flow_of(session, ctx.customer_id, ctx.moment())
    if cash.monthly_income:
        inputs = replace(inputs, profile=replace(inputs.profile, monthly_salary=cash.monthly_income))
    scorer = scorer_for(ctx)
    result = scorer.score(inputs.profile) if scorer is not None else None
    return result, inputs, list(inputs.facts.freshness), cash


def with_new_loan(profile: CreditProfile, amount: int) -> CreditProfile:
    """The profile as it would be the day the requested loan is paid out (a new installment loan)."""
    opened = profile.as_of or date.today()  # the profile's own default for "today"
    loans = list(profile.loans or ()) + [LoanRecord(opened=opened, principal=amount, balance=amount)]
    return replace(profile, loans=tuple(loans))


def _missing(result: CreditResult) -> list[str]:
    return [m for m in result.missing if m != MISSING_WORDS["request"]]


@guarded
def credit_score(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """The model's score 1-1000 and band, the top 3 factors in plain Korean, what was missing,
    and the caveat that it is our estimate."""
    result, inputs, freshness, _ = score_customer(ctx)
    scorer = scorer_for(ctx) if result is not None else None  # cached: the one that scored
    if result is None or scorer is None:
        return Reply(NO_MODEL)
    head = f"고객님의 예상 신용점수는 {result.score}점({result.band})이에요."
    factors = (
        ["점수에 가장 큰 영향을 준 요인이에요:"]
        + [f"{n}. {f.label}: {f.sentence}" for n, f in enumerate(result.factors[:3], start=1)]
        if result.factors
        else []
    )
    missing = _missing(result)
    missing_line = (f"확인하지 못한 정보({', '.join(missing)})는 평균적인 값으로 계산했어요."
                    if missing else None)
    levers = score_levers_of(scorer, inputs.profile)
    best = (f"점수를 가장 많이 올릴 방법: {levers[0].sentence}({levers[0].score_before} → "
            f"{levers[0].score_after}점, +{levers[0].gain}점)" if levers else None)
    buttons = (button("대출 가능 금액 알아보기", "/loan_eligibility"),
               button("신용점수 올리는 법", LEVERS_TEXT))
    return Reply(
        join(head, factors, best, missing_line, CAVEAT, notes(freshness, ctx, kinds=CREDIT_KINDS)), buttons
    )


@guarded
def score_levers(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """"어떻게 하면 올릴 수 있어?": the few changes this customer can make that raise the model's score
    most, each with the points it gains (`bot.credit.levers`: the model re-scores each change)."""
    result, inputs, freshness, _ = score_customer(ctx)
    scorer = scorer_for(ctx) if result is not None else None  # cached: the one that scored
    if result is None or scorer is None:
        return Reply(NO_MODEL)
    levers = score_levers_of(scorer, inputs.profile)
    if not levers:
        head = (f"지금 예상 신용점수는 {result.score}점이에요. 지금 바로 바꿀 수 있는 것(카드 사용액, 연체, "
                "대출 잔액) 중 저희 모델에서 점수를 올리는 건 찾지 못했어요.")
        overdue = overdue_loans(inputs.profile)
        advice = (
            f"다만 지금 연체 중인 대출이 {len(overdue)}건 있어요. 밀린 상환금을 가장 먼저 갚으세요. "
            "늦게 갚은 기록은 최근 2년 연체로 남아서 점수가 바로 오르지는 않지만, 연체가 이어지는 "
            "동안은 새 대출 심사에서 거절되고 늦은 상환 기록이 더 쌓여요."
            if overdue else "연체 없이 지금처럼 관리하시면 돼요."
        )
        text = f"{head} {advice}"
        return Reply(join(text, CAVEAT, notes(freshness, ctx, kinds=CREDIT_KINDS)),
                     (button("신용점수 자세히 보기", "/credit_score"),))
    items = [f"{n}. {lever.sentence}: +{lever.gain}점({lever.score_before} → {lever.score_after}점)"
             for n, lever in enumerate(levers, start=1)]
    head = f"지금 예상 신용점수는 {result.score}점이에요. 점수를 가장 많이 올릴 수 있는 방법이에요:"
    tail = (
        "각 점수는 저희 모델에 그 변화만 넣어 다시 계산한 값이에요. 여러 개를 함께 하면 합과 다를 수 있어요."
    )
    return Reply(
        join(head, items, tail, CAVEAT, notes(freshness, ctx, kinds=CREDIT_KINDS)),
        (
            button("신용점수 자세히 보기", "/credit_score"),
            button("대출 가능 금액 알아보기", "/loan_eligibility"),
        ),
    )


def amount_problem(query: Query) -> Optional[Reply]:
    """A Korean answer for an amount no personal loan could be (under 1만 원 or over 100억 원), else None."""
    if query.amount is None or MIN_LOAN_AMOUNT <= query.amount <= MAX_LOAN_AMOUNT:
        return None
    return Reply(
        f"대출 금액은 {won_approx(MIN_LOAN_AMOUNT)}에서 {won_approx(MAX_LOAN_AMOUNT)} 사이로 알려주세요. "
        f"말씀하신 금액({won(query.amount)})으로는 계산할 수 없어요.",
        _ask_amount(query).buttons,
    )


def _ask_amount(query: Query) -> Reply:
    buttons = tuple(
        button(won_approx(a), intent_payload("loan_eligibility", {**query.to_entities(), "amount": a}))
        for a in ASK_AMOUNTS
    )
    return Reply(
        "얼마를 빌리고 싶으신가요? 금액과 기간(예: 1,000만 원, 3년)을 알려주시면 가능성을 알려드릴게요.",
        buttons,
    )


@dataclass(frozen=True)
class Eligibility:
    purpose: str
    term: int
    assumed: tuple[str, ...]  # what was not asked and was assumed, in Korean
    result: CreditResult  # today's score
    after: CreditResult  # the expected score with this loan taken
    inputs: CreditInputs
    cash: CashFlow
    freshness: list
    advice: Optional[LoanEligibility]  # None without a model or without income


def assess_loan(ctx: AnswerContext, query: Query, amount: int) -> Optional[Eligibility]:
    """Score the customer for this request and run the advisor's eligibility (DSR, catalog); None without
    a credit model."""
    purpose = query.loan_purpose if query.loan_purpose in PURPOSE_LOANS else DEFAULT_PURPOSE
    term = query.loan_term_months or DEFAULT_TERM_MONTHS[purpose]
    assumed = []
    if not query.loan_purpose:
        assumed.append(f"용도는 {purpose}")
    if not query.loan_term_months:
        assumed.append(f"기간은 {term}개월")
    result, inputs, freshness, cash = score_customer(ctx)
    scorer = scorer_for(ctx) if result is not None else None  # cached: the one that scored
    if result is None or scorer is None:
        return None
    after = scorer.score(with_new_loan(inputs.profile, amount), LoanApplication(amount, term, purpose))
    advice = None
    if cash.monthly_income:
        loans = existing_loans(inputs.loans, ctx.today()) if inputs.loans is not None else []
        advice = advise_loan(result.score, after.pd, cash.monthly_income * 12, loans,
                             LoanRequest(amount, term, purpose), catalog_for(ctx))
    return Eligibility(purpose, term, tuple(assumed), result, after, inputs, cash, freshness, advice)


def score_change(found: Eligibility) -> str:
    """"이 대출을 받으면 예상 점수 705 → 692점이에요." (today's score, then with this loan)."""
    before, after = found.result.score, found.after.score
    if before == after:
        return f"이 대출을 받아도 예상 점수는 {before}점 그대로예요."
    return f"이 대출을 받으면 예상 점수 {before} → {after}점이에요."


def repayment_room(found: Eligibility, annual_repayment: int) -> str:
    """What the new loan's monthly repayment leaves of the cash flow's monthly surplus."""
    monthly = annual_repayment // 12
    return (f"{found.cash.summary()}. 새 대출을 월 {won_approx(monthly)}씩 갚으면 "
            f"{left_words(found.cash.surplus - monthly)}.")


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
    return Reply(
        join(
            lead,
            f"예상 금리는 {rate_words(rates)} 정도예요. 다만 확인되는 소득이 없어 DSR(연소득 대비 원리금 "
            "40% 규칙)로 한도를 계산할 수 없어요. 급여나 사업 수입이 들어오는 통장을 연결해 주세요.",
            score_line(found.result),
            notes(found.freshness, ctx, kinds=CREDIT_KINDS),
        ),
        (button("통장 연결하기", "/connect_institution"), button("신용점수 자세히 보기", "/credit_score")),
    )


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
    problem = amount_problem(query)
    if problem is not None:
        return problem
    found = assess_loan(ctx, query, query.amount)
    if found is None:
        return Reply(NO_MODEL)
    asked = (
        f"{josa(won_approx(query.amount), '을')} {found.term}개월 {josa(found.purpose, '으로')} 빌리는 "
        "경우예요."
    )
    if found.assumed:
        asked += f" {assumed_words(found.assumed)}"
    if found.advice is None:
        return no_income_reply(found, asked, ctx)
    advice = found.advice
    body = [f"승인 가능성은 약 {advice.approval_percent}%, 예상 금리는 {rate_words(advice.rate_range)}예요.",
            f"최대 한도는 {josa(f'{won_approx(advice.max_limit)}({advice.limit_basis} 기준)', '으로')}, "
            f"{verdict_words(advice, query.amount)}", dsr_words(advice, found.purpose)]
    fitting = [f for f in advice.products if f.fits][:3]
    if fitting:
        products = ["조건에 맞는 상품:"] + [
            f"· {f.product.name}({f.product.issuer}): {rate_words(f.rate_range)}, "
            f"최대 {won_approx(f.max_amount)}"
            for f in fitting
        ]
    elif advice.products:
        products = ["지금 조건에 딱 맞는 상품은 없어요:"] + [f"· {f.reason}" for f in advice.products[:2]]
    else:
        products = []
    buttons = (button("신용점수 자세히 보기", "/credit_score"),
               button("대출 상품 추천 받기", intent_payload("recommend_product", {
                   "product_type": "대출", "amount": query.amount, "loan_purpose": found.purpose})))
    proposed = advice.dsr.proposed_repayment
    room = repayment_room(found, proposed.annual) if proposed is not None else None
    return Reply(join(asked, " ".join(body), products, room, [found.cash.counted(), *found.cash.caveats()],
                      f"{score_change(found)} {score_line(found.result)}", advice.notes[-1:],
                      notes(found.freshness, ctx, kinds=CREDIT_KINDS)), buttons)


def verdict_words(advice: LoanEligibility, amount: int) -> str:
    if advice.requested_fits:
        return "요청하신 금액이 한도 안에 들어가요."
    if amount > advice.max_limit:
        return "요청하신 금액은 이 한도를 넘어요."
    return "요청하신 금액은 맞는 상품의 최소 금액에 못 미쳐요."


def dsr_words(advice: LoanEligibility, purpose: str) -> str:
    """The DSR line; for 전세·사업자 loans, which the household DSR rule does not cap, a labelled proxy."""
    dsr = advice.dsr
    now, after = basis_points(dsr.current_ratio_bp), basis_points(dsr.post_loan_ratio_bp)
    if PURPOSE_LOANS[purpose][0] in DSR_EXEMPT_KINDS:
        return (f"이 대출은 DSR 규제 대상이 아니라, 같은 방식으로 본 상환 부담만 참고로 알려드려요: "
                f"지금 {now}에서 대출 후 {after}.")
    return f"DSR은 지금 {now}에서 대출 후 {after}가 돼요(한도 {basis_points(dsr.limit_bp, 0)})."
