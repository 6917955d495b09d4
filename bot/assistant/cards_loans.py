"""Card bills, loans, insurance and investments."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from bot.assistant.common import Scope, label, no_kind_reply, notes, reading
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
from bot.korean.wording import josa, korean_date, percent, rate, won
from bot.mydata.analytics import insurance, investments
from bot.mydata.analytics.cards import card_bills
from bot.mydata.analytics.loans import loan_summary


def _signed(amount: int) -> str:
    return f"+{won(amount)}" if amount > 0 else f"-{won(-amount)}" if amount < 0 else won(0)


def _signed_pct(profit: int, base: int) -> str:
    if not base:
        return "0%"
    value = Decimal(profit) * 100 / base
    return ("+" if value > 0 else "") + percent(value, 2)


@guarded
def card_bill(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Card bills due (per card company or total) with due dates, the latest bill of each company
    and credit-card spending not billed yet."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        if scope.institution is not None and scope.kind != "card":
            return Reply(
                f"{josa(scope.institution, '은')} 카드사가 아니에요. 카드값은 카드사별로 알려드릴 수 있어요."
            )
        if not scope.has_kind("card"):
            return no_kind_reply("카드", "card")
        bills = card_bills(session, ctx.customer_id, org_code=scope.org_code, now=scope.now)
    today = scope.now.date()
    footnotes = notes(bills.freshness, ctx, kinds=("card",))
    who = f"{scope.institution} " if scope.institution else ""
    lines: list[str] = []
    if bills.upcoming and bills.next_due_date is not None:
        overdue = [b for b in bills.upcoming if b.due_date < today]
        head = (f"{who}결제하실 카드값은 총 {josa(won(bills.total_due), '이에요')}. "
                f"가장 가까운 결제일은 {korean_date(bills.next_due_date)}이에요.")
        shown, more = page_of(list(bills.upcoming), page)
        for b in shown:
            state = " (결제일 지남)" if b.due_date < today else ""
            lines.append(f"· {b.institution} {korean_date(b.due_date)} 결제 예정 {won(b.amount)}{state}")
        if overdue:
            lines.append("결제일이 지난 카드값이 있어요. 연체되지 않게 바로 결제해 주세요.")
    else:
        more = False
        head = f"{who}지금 결제할 카드값은 없어요."
        for b in bills.recent:
            state = f"{korean_date(b.paid_on)} 결제 완료" if b.paid_on else "미결제"
            lines.append(
                f"· {b.institution} 최근 청구서: {korean_date(b.due_date)} 결제일, {won(b.amount)} ({state})"
            )
    unbilled = [
        f"{name} {won(amount)}" for name, amount in sorted(bills.unbilled_by_institution.items()) if amount
    ]
    if unbilled:
        lines.append(f"아직 청구되지 않은 이용금액: {', '.join(unbilled)}")
    if not bills.upcoming and not bills.recent and not unbilled:
        lines.append("청구된 카드값이 없어요. 체크카드는 쓸 때 바로 통장에서 빠져나가요.")
    buttons = [more_button("card_bill", query, page)] if more else []
    buttons.append(button("카드 이용내역 보기", intent_payload("search_transactions", {
        "institution": scope.institution} if scope.institution else None)))
    return Reply(join(head, lines, footnotes), tuple(buttons), total=bills.total_due if bills.upcoming else 0)


@guarded
def loan_status(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Each loan's balance, rate and next repayment (date and amount), overdue loans first."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        if not scope.has_kind("bank", "capital"):
            return no_kind_reply("은행이나 캐피탈", "bank")
        if scope.org_code is not None and scope.kind not in ("bank", "capital"):
            return Reply(f"{scope.institution}에서 받은 대출 정보는 없어요.")
        found = loan_summary(session, ctx.customer_id, org_code=scope.org_code, now=scope.now)
    footnotes = notes(found.freshness, ctx, kinds=("bank", "capital"))
    who = f"{scope.institution}에 " if scope.institution else ""
    if not found.loans:
        return Reply(join(f"{who}갚고 있는 대출이 없어요.", footnotes),
                     (button("대출 가능한지 알아보기", "/loan_eligibility"),))
    head = f"{who}대출 {len(found.loans)}건, 남은 금액은 총 {josa(won(found.total_balance), '이에요')}."
    nxt = found.next_payment
    if nxt is not None and nxt.next_repay_date is not None:
        head += (f" 다음 상환은 {korean_date(nxt.next_repay_date)} {label(nxt.institution, nxt.prod_name)} "
                 f"{josa(won(nxt.next_repay_amount or 0), '이에요')}.")
    loans = sorted(found.loans, key=lambda x: (-x.overdue_days, x.next_repay_date or date.max, x.org_code))
    shown, more = page_of(loans, page)
    lines = []
    for x in shown:
        parts = [f"잔액 {won(x.balance)}"]
        if x.rate_bp is not None:
            parts.append(rate(Decimal(x.rate_bp) / 100))
        if x.next_repay_date is not None:
            parts.append(f"다음 상환 {korean_date(x.next_repay_date)} {won(x.next_repay_amount or 0)}")
        if x.matures_on is not None:
            parts.append(f"만기 {korean_date(x.matures_on, with_year=True)}")
        name = label(x.institution, x.prod_name)
        lines.append(f"· {name}({x.account_masked}, {x.loan_type_label}): {', '.join(parts)}")
    warnings = [f"{label(x.institution, x.prod_name)} 상환이 {x.overdue_days}일 연체 중이에요. "
                "연체가 길어지면 신용점수가 크게 떨어지니 먼저 상환해 주세요." for x in found.overdue]
    buttons = [more_button("loan_status", query, page)] if more else []
    buttons.append(
        button("대출 갈아타기 알아보기", intent_payload("loan_eligibility", {"loan_purpose": "대환"}))
    )
    return Reply(join(head, lines, warnings, footnotes), tuple(buttons))


@guarded
def insurance_summary(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Insurance policies held: type, monthly premium, payment day, expiry; the monthly total."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        if not scope.has_kind("insurance"):
            return no_kind_reply("보험사", "insurance")
        found = insurance.insurance_summary(session, ctx.customer_id, now=scope.now)
    policies = [p for p in found.policies if scope.org_code is None or p.org_code == scope.org_code]
    footnotes = notes(found.freshness, ctx, kinds=("insurance",))
    if not policies:
        return Reply(join("연결된 보험사에 가입된 보험이 없어요.", footnotes))
    monthly = sum(p.monthly_premium or 0 for p in policies)
    head = f"가입하신 보험은 {len(policies)}건, 보험료는 매달 총 {josa(won(monthly), '이에요')}."
    shown, more = page_of(policies, page)
    lines = []
    for p in shown:
        parts = [f"{p.insu_type_label}보험"]
        if p.monthly_premium:
            day = f"매달 {p.pay_day}일 " if p.pay_day else "매달 "
            parts.append(f"{day}{won(p.monthly_premium)}")
        if p.face_amount:
            parts.append(f"보장금액 {won(p.face_amount)}")
        if p.expires_on:
            parts.append(f"만기 {korean_date(p.expires_on, with_year=True)}")
        lines.append(f"· {label(p.institution, p.prod_name)}: {', '.join(parts)}")
    buttons = [more_button("insurance_summary", query, page)] if more else []
    buttons.append(button("매달 나가는 돈 보기", "/recurring_payments"))
    return Reply(join(head, lines, footnotes), tuple(buttons))


@guarded
def investment_summary(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Securities holdings: purchase vs evaluation, return in % and won, and cash."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        if not scope.has_kind("securities"):
            return no_kind_reply("증권 계좌", "securities")
        found = investments.investment_summary(session, ctx.customer_id, now=scope.now)
    footnotes = notes(found.freshness, ctx, kinds=("securities",))
    if not found.holdings:
        cash = f" 예수금은 {josa(won(found.cash), '이에요')}." if found.cash else ""
        return Reply(join(f"보유 중인 주식이나 펀드가 없어요.{cash}", footnotes))
    head = (
        f"투자 평가금액은 {won(found.eval_total)}, 매입금액은 {josa(won(found.purchase_total), '이에요')}. "
        f"수익은 {_signed(found.profit)}, 수익률 {_signed_pct(found.profit, found.purchase_total)}예요."
    )
    if found.cash:
        head += f" 예수금 {josa(won(found.cash), '이')} 따로 있어요."
    holdings = sorted(found.holdings, key=lambda h: (-h.eval_amount, h.prod_name))
    shown, more = page_of(holdings, page)
    lines = [
        f"· {h.prod_name} {h.quantity}주({h.institution}): 평가 {won(h.eval_amount)}, 매입 "
        f"{won(h.purchase_amount)}, "
        f"{_signed(h.profit)}({_signed_pct(h.profit, h.purchase_amount)})"
        for h in shown
    ]
    buttons = [more_button("investment_summary", query, page)] if more else []
    buttons.append(button("내 총자산 보기", "/total_assets"))
    return Reply(join(head, lines, footnotes), tuple(buttons))
