"""Consents, the credit score, loan eligibility, product suggestions and advice, checked against
numbers computed from the institutions' own records."""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from bot.advisor.catalog import load_catalog
from bot.assistant import (
    Query,
    credit_score,
    financial_advice,
    list_consents,
    loan_eligibility,
    recommend_product,
)
from bot.assistant.adapters import credit_inputs
from bot.assistant.credit import CAVEAT, NO_MODEL
from bot.korean.wording import basis_points, korean_date, rate, won, won_approx
from bot.mydata.store.db import session_scope

from .conftest import NOW
from .expected import approvals, bank_txns, expected_cash_flow, loans, stamp
from .helpers import parse_payload

N = stamp(NOW)


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def inflows(book, orgs, months: list[str]) -> list[int]:
    """Money into 입출금 accounts per month, own transfers and interest left out."""
    return [sum(t.amount for _, a, t in bank_txns(book, orgs, N)
                if a.account_type == "1001" and t.trans_type == "01" and t.dtime[:6] == m
                and t.memo != book.name and t.trans_class != "이자") for m in months]


def score_of(text: str) -> int:
    return int(text.split("예상 신용점수는 ")[1].split("점")[0])


def test_list_consents(store, books, ctx_for):
    _, linked, *_ = store
    reply = list_consents(ctx_for("demo-salaried"))
    names = [books["demo-salaried"].institutions[o].institution.name for o in linked["demo-salaried"]]
    assert f"정보 제공에 동의한 곳은 {len(names)}곳이에요" in reply.text
    until = korean_date(NOW + timedelta(days=365), with_year=True)
    text = "\n".join(r.text for r in [reply, list_consents(ctx_for("demo-salaried"), page=1)])
    assert all(f"· {name}: " in text for name in names)
    assert text.count(f"{until}까지") == len(names)
    assert "신한카드" not in text  # the demo customer's unlinked company
    assert "현대카드: 카드 목록·카드 승인내역·청구서" in text


def test_credit_inputs_from_mydata(store, books, ctx_for):
    engine, linked, *_ = store
    with session_scope(engine) as session:
        shop = credit_inputs(session, "demo-shop", NOW)
        student = credit_inputs(session, "demo-student", NOW)
        salaried = credit_inputs(session, "demo-salaried", NOW)
    held = loans(books["demo-shop"], linked["demo-shop"], N)
    late = sum(1 for _, x in held for p in x.payments
               if "20230703" <= p.dtime[:8] and p.dtime <= N and p.overdue_days >= 30)
    assert shop.profile.delinquencies_24m == late and late > 0
    assert sorted(x.delinquent_days for x in shop.profile.loans) == sorted(x.overdue_days(N) for _, x in held)
    months = [f"2025{m:02d}" for m in range(1, 7)]
    assert (
        student.profile.monthly_salary
        == sum(inflows(books["demo-student"], linked["demo-student"], months)) // 6
    )
    assert student.profile.loans == () and student.profile.employment_months is None
    last_salary = [a for d, a in books["demo-salaried"].salary_payments if d <= N][-1]
    assert salaried.profile.monthly_salary == last_salary and salaried.profile.employment_months >= 12
    spent = [sum(a.amount for _, _, a, c in approvals(books["demo-salaried"], linked["demo-salaried"], N)
                 if not c and a.dtime[:6] == m) for m in ("202504", "202505", "202506")]
    assert list(salaried.profile.card_spending_3m) == spent


def test_credit_score_ordering_factors_and_caveat(store, ctx_for):
    replies = {c: credit_score(ctx_for(c)) for c in ("demo-salaried", "demo-student", "demo-shop")}
    scores = {c: score_of(r.text) for c, r in replies.items()}
    # a current 30+ day arrear puts the shop owner lowest; the thin-file student below the salaried
    assert scores["demo-shop"] < scores["demo-student"] < scores["demo-salaried"], scores
    for reply in replies.values():
        assert CAVEAT in reply.text and "등급)" in reply.text
        factors = [line for line in reply.text.splitlines() if line[:2] in ("1.", "2.", "3.")]
        assert 1 <= len(factors) <= 3
        assert "신용조회 건수" in reply.text  # MyData has no inquiries: listed as missing
    assert "연체" in replies["demo-shop"].text
    assert "재직 기간" in replies["demo-student"].text


def test_without_a_model_the_answer_says_so(store, ctx_for, tmp_path):
    ctx = ctx_for("demo-salaried", scorer=None, model_dir=tmp_path)
    assert credit_score(ctx).text == NO_MODEL
    assert loan_eligibility(ctx, Query(amount=10_000_000)).text == NO_MODEL


def test_loan_eligibility_dsr_and_products(store, books, ctx_for):
    _, linked, *_ = store
    held = loans(books["demo-salaried"], linked["demo-salaried"], N)
    annual = 12 * sum(x.next_due(N)[1] for _, x in held)
    income = 12 * expected_cash_flow(books["demo-salaried"], linked["demo-salaried"], N)["income"]
    reply = loan_eligibility(ctx_for("demo-salaried"), Query(text="천만 원 대출 가능해?", amount=10_000_000))
    assert f"DSR은 지금 {basis_points(half_up(Decimal(annual) * 10_000 / income))}에서" in reply.text
    assert "(한도 40%)" in reply.text and "승인 가능성은 약 " in reply.text
    assert "1,000만 원을 36개월 생활자금으로 빌리는 경우예요" in reply.text and "가정했어요" in reply.text
    assert "국민 직장인 신용대출" in reply.text and CAVEAT in reply.text
    approval = int(reply.text.split("승인 가능성은 약 ")[1].split("%")[0])
    assert 0 <= approval <= 95
    big = loan_eligibility(ctx_for("demo-salaried"), Query(amount=900_000_000, loan_term_months=60))
    assert "요청하신 금액은 이 한도를 넘어요" in big.text and "가정했어요" in big.text  # purpose assumed


def test_loan_eligibility_asks_for_the_amount(store, ctx_for):
    reply = loan_eligibility(
        ctx_for("demo-salaried"), Query(text="대출 받을 수 있을까", loan_purpose="전세자금")
    )
    assert "얼마를 빌리고 싶으신가요" in reply.text and len(reply.buttons) == 3
    intent, entities = parse_payload(reply.buttons[1]["payload"])
    assert (
        intent == "loan_eligibility"
        and entities["amount"] == 10_000_000
        and entities["loan_purpose"] == "전세자금"
    )


def test_recommend_cards_from_the_last_three_months(store, books, ctx_for):
    _, linked, *_ = store
    spent = sum(a.amount for _, _, a, c in approvals(books["demo-salaried"], linked["demo-salaried"], N)
                if not c and "202504" <= a.dtime[:6] <= "202506")
    reply = recommend_product(ctx_for("demo-salaried"), Query(text="카드 추천해줘", product_type="카드"))
    assert f"최근 3개월 카드 지출 {won(spent)}" in reply.text
    ranked = [line for line in reply.text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(ranked) == 3 and all("최근 3개월" in line for line in ranked)
    check = recommend_product(ctx_for("demo-salaried"), Query(text="체크카드 추천", product_type="카드"))
    check_cards = {c.name for c in load_catalog().cards if c.card_type == "check"}
    named = [line[3:].split("(")[0] for line in check.text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert named and set(named) <= check_cards


def test_recommend_savings_from_the_monthly_surplus(store, books, ctx_for):
    _, linked, *_ = store
    book, orgs = books["demo-salaried"], linked["demo-salaried"]
    cash = expected_cash_flow(book, orgs, N)
    reply = recommend_product(ctx_for("demo-salaried"), Query(product_type="적금"))
    assert (f"월 소득 {won_approx(cash['income'])}에서 생활비 {won_approx(cash['living'])}과 고정지출 "
            f"{won_approx(sum(cash['fixed'].values()))}을 빼면 매달 약 "
            f"{won_approx(cash['surplus']).removeprefix('약 ')}이 남아요") in reply.text
    assert f"월평균 여유자금 {won_approx(cash['surplus'])}의 40%" in reply.text
    assert reply.text.count("세후 이자") == 3
    retiree = recommend_product(ctx_for("demo-retiree"), Query(product_type="예금"))
    checking = sum(a.balance_at(N) for org in linked["demo-retiree"]
                   for a in books["demo-retiree"].institutions[org].deposits if a.account_type == "1001")
    outgo = (lambda c: c["living"] + sum(c["fixed"].values()))(expected_cash_flow(books["demo-retiree"],
                                                                               linked["demo-retiree"], N))
    if checking - 3 * outgo >= 1_000_000:
        assert f"입출금 통장 {won_approx(checking)} 중" in retiree.text
    else:  # three months of living and fixed costs are kept back first
        assert "생활비 3개월치를 빼면 예금에 넣기엔 적어요" in retiree.text


def test_recommend_loans_and_asking_the_type(store, ctx_for):
    loans_reply = recommend_product(ctx_for("demo-salaried"), Query(product_type="대출"))
    assert "국민 직장인 신용대출" in loans_reply.text and "금액은 1,000만 원으로" in loans_reply.text
    assert "은행 한도 40% 안에서 최대" in loans_reply.text
    ask = recommend_product(ctx_for("demo-salaried"), Query(text="상품 추천해줘"))
    assert [parse_payload(b["payload"])[1]["product_type"] for b in ask.buttons] == [
        "예금",
        "적금",
        "카드",
        "대출",
    ]


def test_financial_advice(store, books, ctx_for):
    _, linked, *_ = store
    book, orgs = books["demo-shop"], linked["demo-shop"]
    cash = expected_cash_flow(book, orgs, N)
    reply = financial_advice(ctx_for("demo-shop"), Query(text="돈 모으려면 어떻게 해야 해?"))
    assert (
        f"저축률은 {basis_points(half_up(Decimal(cash['surplus']) * 10_000 / cash['income']))}" in reply.text
    )
    assert f"매달 {won_approx(-cash['surplus'])}씩 모자라요" in reply.text  # loan repayments counted
    expensive = max((x for _, x in loans(book, orgs, N)), key=lambda x: x.rate_bp)
    assert expensive.rate_bp > 1000 and rate(Decimal(expensive.rate_bp) / 100) in reply.text
    steps = [line for line in reply.text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert 2 <= len(steps) <= 3
    student = financial_advice(ctx_for("demo-student"))
    assert "멜론" in student.text  # the student's subscription
