"""Plumbing shared by the answer modules: a read-only session, the institution a query names,
and the freshness footnote."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterable, Iterator, Optional

from sqlalchemy.orm import Session

from bot.assistant.adapters import linked_kinds
from bot.assistant.freshness import freshness_notes
from bot.assistant.reply import AnswerContext, Query, Reply, connect_button, not_linked_reply
from bot.kb.lexicon import load_lexicon
from bot.korean.wording import josa
from bot.mydata.store.db import session_scope

KIND_WORDS = {
    "bank": "은행",
    "card": "카드사",
    "securities": "증권사",
    "insurance": "보험사",
    "capital": "캐피탈",
}


@contextmanager
def reading(ctx: AnswerContext) -> Iterator[Session]:
    """One short unit of work on the customer's store (nothing is written)."""
    with session_scope(ctx.engine) as session:
        yield session


class Scope:
    """The institution a query names, checked against the customer's active consents."""

    def __init__(self, session: Session, ctx: AnswerContext, query: Query):
        self.now = ctx.moment()
        self.linked = linked_kinds(session, ctx.customer_id, self.now)  # raises UnknownCustomer
        named = load_lexicon().institution(query.institution)
        self.institution = named.name if named else None
        self.org_code = named.org_code if named else None
        self.kind = named.kind if named else None
        self.unknown_institution = bool(query.institution) and named is None

    def problem(self) -> Optional[Reply]:
        """A reply when the named institution is unknown or not linked, else None."""
        if self.unknown_institution:
            return Reply("말씀하신 금융기관을 찾지 못했어요. 기관 이름을 다시 알려주시겠어요?")
        if self.org_code is not None and self.org_code not in self.linked:
            return not_linked_reply(self.institution)
        return None

    def has_kind(self, *kinds: str) -> bool:
        return any(kind in kinds for kind in self.linked.values())


def no_kind_reply(what: str, kind: str) -> Reply:
    """no_kind_reply("카드", "card") → "연결된 카드가 없어요. 카드사를 연결해 볼까요?" with the connect
    button."""
    return Reply(f"연결된 {josa(what, '이')} 없어요. {josa(KIND_WORDS[kind], '을')} 연결해 볼까요?",
                 (connect_button(),))


def label(institution: str, name: str) -> str:
    """"KB국민은행 급여통장" whether or not the product name already starts with the institution."""
    return name if name.startswith(institution) else f"{institution} {name}"


def notes(freshness: Iterable, ctx: AnswerContext, *, kinds: Iterable[str] | None = None,
          orgs: Iterable[str] | None = None) -> list[str]:
    return freshness_notes(freshness, ctx.moment(), kinds=kinds, orgs=orgs)
