"""Product suggestions from the catalog, each with one line of why, in the customer's own numbers.

- 카드: every catalog card replayed on the customer's card spending of the last 3 whole months
  (`bot.advisor.cards`), ranked by benefit net of the annual fee; "체크" in the message keeps
  check cards only, "신용카드" credit cards only.
- 적금 / 예금: sized to the monthly surplus of the one cash flow (`bot.assistant.cash_flow`: regular
  income − living spending − fixed obligations, last 6 whole months) and to idle cash in 입출금
  accounts (`bot.advisor.savings`), 12-month term, 급여이체 우대 at the salary bank.
- 대출: the catalog loans for the purpose (default 생활자금), for the amount asked (default
  1,000만 원) over the term asked (default 36 months), checked against the model's score and DSR
  (`bot.advisor.eligibility`); fitting loans first.
"""
from __future__ import annotations

from bot.advisor.cards import rank_cards
from bot.advisor.cashflow import CashFlow
from bot.advisor.inputs import MonthFlow
from bot.advisor.savings import suggest_savings
from bot.assistant.adapters import (
    card_spending_lines,
    deposit_accounts,
    income_facts,
    salary_bank,
    whole_months,
)
from bot.assistant.cash_flow import cash_flow_of
from bot.assistant.common import Scope, no_kind_reply, notes, reading
from bot.assistant.credit import (
    CAVEAT,
    CREDIT_KINDS,
    NO_MODEL,
    amount_problem,
    assess_loan,
    assumed_words,
    catalog_for,
    no_income_reply,
    rate_words,
)
from bot.assistant.reply import (
    AnswerContext,
    Query,
    Reply,
    button,
    guarded,
    intent_payload,
    join,
    more_button,
    page_of,
)
from bot.korean.wording import basis_points, josa, won, won_approx
from bot.mydata.analytics.balances import balances
from bot.mydata.analytics.linked import linked_assets

PRODUCT_TYPES = ("예금", "적금", "카드", "대출")
COMPARE_MONTHS = 3
SAVINGS_TERM_MONTHS = 12
DEFAULT_LOAN_AMOUNT = 10_000_000
TOP = 3


def level_flows(cash: CashFlow) -> list[MonthFlow]:
    """The cash flow's monthly averages as months, so the savings advisor's surplus is exactly the cash
    flow's."""
    return [MonthFlow(month.month, cash.monthly_income, cash.outgo) for month in cash.by_month]


def _ask_type() -> Reply:
    return Reply(
        "어떤 상품을 찾으세요? 예금, 적금, 카드, 대출 중에서 골라 주세요.",
        tuple(button(t, intent_payload("recommend_product", {"product_type": t})) for t in PRODUCT_TYPES),
    )


@guarded
def recommend_product(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Ranked suggestions for `query.product_type`, each with one line of why."""
    kind = query.product_type or (query.account_type if query.account_type in PRODUCT_TYPES else None)
    if kind not in PRODUCT_TYPES:
        return _ask_type()
    if kind == "대출":
        return _loans(ctx, query)
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        today = scope.now.date()
        compared = whole_months(today, COMPARE_MONTHS)
        if kind == "카드":
            if not scope.has_kind("card"):
                return no_kind_reply("카드", "card")
            lines = card_spending_lines(session, ctx.customer_id, compared, scope.now)
            freshness = list(linked_assets(session, ctx.customer_id, now=scope.now).freshness)
        else:
            if not scope.has_kind("bank"):
                return no_kind_reply("은행 계좌", "bank")
            facts = income_facts(session, ctx.customer_id, scope.now)
            cash, freshness = cash_flow_of(session, ctx.customer_id, scope.now)
            account_balances = balances(session, ctx.customer_id, now=scope.now)
            bank = salary_bank(session, ctx.customer_id, facts, scope.now)
    if kind == "카드":
        return _cards(ctx, query, lines, page, notes(freshness, ctx, kinds=("card",)))
    advice = suggest_savings(level_flows(cash), deposit_accounts(account_balances), catalog_for(ctx),
                             term_months=SAVINGS_TERM_MONTHS, salary_bank=bank, top=TOP)
    plans = advice.installment_plans if kind == "적금" else advice.deposit_plans
    footnotes = [
        cash.counted(),
        *cash.caveats(),
        *notes(freshness, ctx, kinds=("bank", "card", "capital", "insurance")),
    ]
    if not plans:
        if kind == "적금":
            why = f"{cash.summary()}. " + (
                "적금보다 지출 점검이 먼저예요."
                if advice.monthly_surplus <= 0
                else "적금을 시작하기엔 여유가 적거나 조건에 맞는 적금 상품을 찾지 못했어요."
            )
        else:
            why = (
                f"입출금 통장의 여윳돈이 {won_approx(max(advice.idle_cash, 0))}이라, 생활비 3개월치를 빼면 "
                "예금에 넣기엔 적어요. 매달 모으는 적금이 더 맞아요."
            )
        buttons: tuple[dict, ...] = (
            button("적금 추천 받기", intent_payload("recommend_product", {"product_type": "적금"})),
            button("돈 모으는 방법", "/financial_advice"),
        )
        return Reply(join(why, footnotes), buttons if kind == "예금" else buttons[1:])
    head = f"{cash.summary()}." if kind == "적금" else \
        f"입출금 통장에서 생활비 3개월치를 빼고 {josa(won_approx(advice.idle_cash), '이')} 여유 있어요."
    lines_ = [f"{n}. {p.product.name}({p.product.issuer}): {p.reason}" for n, p in enumerate(plans, start=1)]
    buttons = (button("돈 모으는 방법", "/financial_advice"),)
    return Reply(
        join(
            head,
            [f"추천 {josa(kind, '이에요')}:", *lines_],
            "금리는 상품 안내 기준이며 가입 시점에 달라질 수 있어요.",
            footnotes,
        ),
        buttons,
    )


def _cards(ctx: AnswerContext, query: Query, lines, page: int, footnotes: list[str]) -> Reply:
    if not lines:
        return Reply("최근 3개월 카드 사용 내역이 없어 비교할 수 없어요. 카드를 쓰신 뒤 다시 물어봐 주세요.")
    card_type = "check" if "체크" in query.text else "credit" if "신용카드" in query.text else None
    ranked = rank_cards(lines, catalog_for(ctx), months=COMPARE_MONTHS, card_type=card_type)
    total = sum(line.amount for line in lines)
    head = (
        f"최근 {COMPARE_MONTHS}개월 카드 지출 {josa(won(total), '을')} 그대로 새 카드에 썼다고 보고 혜택을 "
        "계산했어요."
    )
    shown, more = page_of(list(ranked), page, TOP)
    items = [f"{n}. {s.card.name}({s.card.issuer}): {s.reason}"
             for n, s in enumerate(shown, start=page * TOP + 1)]
    buttons = [more_button("recommend_product", query, page)] if more else []
    buttons.append(button("이번 달 지출 요약 보기", "/spending_summary"))
    return Reply(join(head, items, "혜택은 상품 안내 기준 추정이에요.", footnotes), tuple(buttons))


def _loans(ctx: AnswerContext, query: Query) -> Reply:
    """Catalog loans for the purpose, fitting ones first, each with the customer's rate and limit."""
    problem = amount_problem(query)
    if problem is not None:
        return problem
    amount = query.amount if query.amount and query.amount > 0 else DEFAULT_LOAN_AMOUNT
    found = assess_loan(ctx, query, amount)
    if found is None:
        return Reply(NO_MODEL)
    assumed = list(found.assumed) + ([] if query.amount else [f"금액은 {won_approx(amount)}"])
    lead = (
        f"신용점수 {found.result.score}점({found.result.band})과 DSR을 기준으로 {found.purpose} 대출 상품을 "
        "골라봤어요."
    )
    if assumed:
        lead += f" {assumed_words(assumed)}"
    if found.advice is None:
        return no_income_reply(found, lead, ctx)
    advice = found.advice
    lender = "은행" if advice.dsr.lender_kind == "bank" else "2금융권"
    dsr = (
        f"지금 DSR은 {basis_points(advice.dsr.current_ratio_bp)}이고, {lender} 한도 "
        f"{basis_points(advice.dsr.limit_bp, 0)} 안에서 최대 {won_approx(advice.max_limit)}까지 빌릴 수 "
        "있어요."
    )
    fits = [f for f in advice.products if f.fits][:TOP]
    if fits:
        items = [f"{n}. {f.product.name}({f.product.issuer}): 예상 금리 {rate_words(f.rate_range)}, 최대 "
                 f"{won_approx(f.max_amount)}까지 가능해 요청 금액 {josa(won_approx(amount), '이')} 들어가요"
                 for n, f in enumerate(fits, start=1)]
    else:
        items = ["지금 조건에 맞는 상품은 없어요."] + [f"· {f.reason}" for f in advice.products[:2]]
    buttons = (button("대출 가능성 자세히 보기", intent_payload("loan_eligibility", {
        "amount": amount, "loan_purpose": found.purpose, "loan_term_months": found.term})),
               button("신용점수 보기", "/credit_score"))
    return Reply(join(lead, dsr, items, CAVEAT, notes(found.freshness, ctx, kinds=CREDIT_KINDS)), buttons)
