"""Balances, linked accounts and net worth."""
from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Union

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.assistant.adapters import is_linked_in
from bot.assistant.common import Scope, label, no_kind_reply, notes, reading
from bot.assistant.reply import (
    AnswerContext,
    Query,
    Reply,
    button,
    connect_button,
    guarded,
    intent_payload,
    join,
    more_button,
    page_of,
)
from bot.korean.calendar import KST, now_kst
from bot.korean.wording import josa, won, won_approx
from bot.mydata.analytics.balances import balances, net_worth
from bot.mydata.analytics.linked import linked_assets
from bot.mydata.store.db import session_scope

BALANCE_KINDS = {"입출금": "checking", "예금": "deposit", "적금": "savings"}
ASSET_KIND_WORDS = {
    "checking": "입출금",
    "deposit": "예금",
    "savings": "적금",
    "invest": "증권",
    "loan": "대출",
    "card": "카드",
    "insurance": "보험",
}
NET_WORTH_KINDS = (("checking", "입출금"), ("deposit", "예금"), ("savings", "적금"), ("invest", "증권"))
DEBT_KINDS = (("loan", "대출"), ("card", "카드 미결제"))


def is_linked(
    store: Union[Engine, Session], customer_id: str, institution: str, now: datetime | None = None
) -> bool:
    """True when the customer has an active consent for `institution` (canonical name or synonym).

    False for an unknown institution or customer; the chat then starts the connect flow.
    """
    now = (now or now_kst()).astimezone(KST)
    if isinstance(store, Session):
        return is_linked_in(store, customer_id, institution, now)
    with session_scope(store) as session:
        return is_linked_in(session, customer_id, institution, now)


def _delegate(kind: str):
    """The answer for an account type or institution kind that is not a deposit account."""
    from bot.assistant import cards_loans

    return {
        "대출": cards_loans.loan_status,
        "capital": cards_loans.loan_status,
        "카드": cards_loans.card_bill,
        "card": cards_loans.card_bill,
        "보험": cards_loans.insurance_summary,
        "insurance": cards_loans.insurance_summary,
        "증권": cards_loans.investment_summary,
        "securities": cards_loans.investment_summary,
    }.get(kind)


@guarded
def check_balance(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Balance of one account type and/or institution, or of every deposit account, with the total."""
    delegate = _delegate(query.account_type or "")
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        delegate = delegate or _delegate(scope.kind or "")
        if delegate is None:
            kind = BALANCE_KINDS.get(query.account_type or "")
            if not scope.has_kind("bank"):
                return no_kind_reply("은행 계좌", "bank")
            found = balances(session, ctx.customer_id, org_code=scope.org_code, kind=kind, now=scope.now)
    if delegate is not None:
        return delegate(ctx, query, page=page)

    what = " ".join(w for w in (scope.institution, query.account_type if kind else None) if w)
    footnotes = notes(
        found.freshness, ctx, kinds=("bank",), orgs=[scope.org_code] if scope.org_code else None
    )
    if not found.accounts:
        where = f"{what} 계좌" if what else "예금 계좌"
        return Reply(join(f"조회할 수 있는 {josa(where, '이')} 없어요.", footnotes), (connect_button(),))
    accounts = sorted(found.accounts, key=lambda a: (-a.balance, a.institution, a.account_masked))
    shown, more = page_of(accounts, page)
    lines = [f"· {label(a.institution, a.prod_name)}({a.account_masked}, {a.kind_label}): {won(a.balance)}"
             for a in shown]
    if len(accounts) == 1:
        a = accounts[0]
        head = (
            f"{label(a.institution, a.prod_name)}({a.account_masked}) 잔액은 "
            f"{josa(won(a.balance), '이에요')}."
        )
        lines = []
    else:
        head = (
            f"{what + ' ' if what else ''}계좌 {len(accounts)}개의 잔액은 총 "
            f"{josa(won(found.total), '이에요')}."
        )
    if page:
        head = f"이어서 보여드릴게요 ({page * 5 + 1}~{page * 5 + len(shown)}번째)."
    buttons = [more_button("check_balance", query, page)] if more else []
    buttons.append(button("최근 거래내역 보기", intent_payload(
        "search_transactions", {"institution": scope.institution} if scope.institution else None)))
    buttons.append(button("이번 달 지출 보기", "/spending_summary"))
    listed = tuple(
        {
            "kind": "account",
            "label": f"{label(a.institution, a.prod_name)}({a.account_masked}, {a.kind_label})",
            "amount": a.balance,
        }
        for a in shown
    )
    return Reply(join(head, lines, footnotes), tuple(buttons), items=listed, total=found.total)


@guarded
def list_accounts(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Linked accounts, cards, loans and policies grouped by institution, numbers masked."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        found = linked_assets(session, ctx.customer_id, now=scope.now)
    wanted_kind = {v: k for k, v in ASSET_KIND_WORDS.items()}.get(query.account_type or "")
    assets = [a for a in found.assets if (scope.org_code is None or a.org_code == scope.org_code)
              and (wanted_kind is None or a.kind == wanted_kind)]
    footnotes = notes(found.freshness, ctx, orgs=[scope.org_code] if scope.org_code else None)
    if not assets:
        return Reply(
            join("연결된 계좌나 카드가 없어요. 금융기관을 연결해 볼까요?", footnotes), (connect_button(),)
        )
    groups: "OrderedDict[str, list]" = OrderedDict()
    for asset in assets:
        groups.setdefault(asset.institution, []).append(asset)
    names = list(groups)
    shown, more = page_of(names, page)
    lines = []
    for name in shown:
        items = ", ".join(
            f"{a.name.removeprefix(name).strip() or a.name} {a.number_masked}({ASSET_KIND_WORDS[a.kind]})"
            for a in groups[name]
        )
        lines.append(f"· {name}: {items}")
    head = f"연결된 금융기관은 {len(names)}곳, 계좌·카드·대출·보험은 모두 {len(assets)}개예요."
    if page:
        head = "이어서 보여드릴게요."
    buttons = [more_button("list_accounts", query, page)] if more else []
    buttons.append(connect_button())
    return Reply(join(head, lines, footnotes), tuple(buttons))


@guarded
def total_assets(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Net worth: assets (accounts, securities at evaluation) minus debts (loans, unpaid card bills),
    by kind and by institution."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        if (problem := scope.problem()) is not None:
            return problem
        worth = net_worth(session, ctx.customer_id, now=scope.now)
    head = (f"순자산은 {josa(won_approx(worth.net), '이에요')}. 자산 {won_approx(worth.assets)}에서 "
            f"부채 {josa(won_approx(worth.debts), '을')} 뺀 금액이에요.")
    assets = [f"{word} {won_approx(worth.by_kind[k])}" for k, word in NET_WORTH_KINDS if worth.by_kind.get(k)]
    debts = [f"{word} {won_approx(worth.by_kind[k])}" for k, word in DEBT_KINDS if worth.by_kind.get(k)]
    kinds = [f"자산: {', '.join(assets)}" if assets else "자산: 없음",
             f"부채: {', '.join(debts)}" if debts else "부채: 없음"]
    rows = sorted((r for r in worth.by_institution if r.assets or r.debts),
                  key=lambda r: (-(r.assets + r.debts), r.org_code))
    shown, more = page_of(rows, page)
    lines = ["기관별:"] + [
        "· "
        + r.institution
        + " "
        + ", ".join(
            part
            for part in (
                f"자산 {won_approx(r.assets)}" if r.assets else "",
                f"부채 {won_approx(r.debts)}" if r.debts else "",
            )
            if part
        )
        for r in shown
    ]
    buttons = [more_button("total_assets", query, page)] if more else []
    buttons.append(button("돈 관리 조언 받기", "/financial_advice"))
    return Reply(join(head, kinds, lines, notes(worth.freshness, ctx)), tuple(buttons))
