"""What is shared with whom, until when."""
from __future__ import annotations

from datetime import timedelta

from bot.assistant.common import Scope, notes, reading
from bot.assistant.reply import (
    AnswerContext,
    Query,
    Reply,
    button,
    connect_button,
    guarded,
    join,
    more_button,
    page_of,
)
from bot.korean.wording import korean_date
from bot.mydata.analytics.scope import Freshness
from bot.mydata.consent import list_consents as mydata_list_consents

SCOPE_WORDS = {
    "bank.list": "계좌 목록", "bank.deposit": "예적금 거래내역", "bank.loan": "대출",
    "card.list": "카드 목록", "card.approval": "카드 승인내역", "card.bill": "청구서",
    "invest.list": "증권 계좌", "invest.holding": "보유 종목",
    "insu.list": "보험 계약", "insu.premium": "보험료 납입",
    "capital.list": "대출 목록", "capital.loan": "대출 상세",
}
EXPIRING_WITHIN = timedelta(days=30)


def linked_institutions(ctx: AnswerContext) -> list[str]:
    """The institutions this customer shares data from now, for a choice of which one to unlink."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, Query())
        return [c.institution for c in mydata_list_consents(session, ctx.customer_id, scope.now)]


@guarded
def list_consents(ctx: AnswerContext, query: Query = Query(), *, page: int = 0) -> Reply:
    """Each active consent: institution, what is shared and until when (expiring ones flagged)."""
    with reading(ctx) as session:
        scope = Scope(session, ctx, query)
        consents = mydata_list_consents(session, ctx.customer_id, scope.now)
    if scope.org_code is not None:
        consents = [c for c in consents if c.org_code == scope.org_code]
        if not consents:
            return scope.problem() or Reply(
                "그 기관에는 정보 제공 동의가 없어요.", (connect_button(scope.institution),)
            )
    if not consents:
        return Reply("정보 제공에 동의한 금융기관이 없어요. 연결해 볼까요?", (connect_button(),))
    head = f"정보 제공에 동의한 곳은 {len(consents)}곳이에요."
    shown, more = page_of(consents, page)
    lines = []
    for c in shown:
        what = "·".join(SCOPE_WORDS.get(s, s) for s in c.scopes)
        soon = " (곧 만료돼요)" if c.expires_at - scope.now <= EXPIRING_WITHIN else ""
        lines.append(f"· {c.institution}: {what}, {korean_date(c.expires_at, with_year=True)}까지{soon}")
    buttons = [more_button("list_consents", query, page)] if more else []
    buttons += [connect_button(), button("동의 철회하기", "/revoke_consent")]
    footnotes = notes([Freshness(c.org_code, c.institution, c.kind, c.last_success_at, None, c.last_error)
                       for c in consents], ctx)
    return Reply(
        join(
            head, lines, "동의는 언제든 철회할 수 있고, 철회하면 그 기관의 정보는 바로 삭제돼요.", footnotes
        ),
        tuple(buttons),
    )

