"""The types every answer uses: what the customer asked (`Query`), what we say (`Reply`), and for
whom and when (`AnswerContext`), plus the small helpers all answer modules share (buttons,
paging, the error → Korean reply guard).
"""
from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from sqlalchemy.engine import Engine

from bot.kb.lexicon import load_lexicon
from bot.korean.calendar import KST, DateRange, now_kst
from bot.korean.wording import josa

log = logging.getLogger(__name__)

PAGE_SIZE = 5
MORE_TITLE = "더 보기"
# Set by tests: bugs (unexpected exceptions, advisor input errors) propagate instead of becoming the apology.
RAISE_UNEXPECTED = False


@dataclass(frozen=True)
class Query:
    """What the NLU understood from the customer's message (canonical lexicon values)."""

    text: str = ""
    institution: str | None = None  # canonical lexicon name, e.g. "KB국민은행"
    account_type: str | None = None  # 입출금/예금/적금/대출/카드/보험/증권
    merchant: str | None = None  # canonical, e.g. "스타벅스"
    category: str | None = None  # lexicon category, e.g. "카페"
    period: DateRange | None = None  # inclusive, Asia/Seoul
    amount: int | None = None  # won
    product_type: str | None = None  # 예금/적금/카드/대출
    loan_purpose: str | None = None
    loan_term_months: int | None = None
    compare_period: DateRange | None = None  # the other period, when two are named to compare

    def to_entities(self) -> dict[str, Any]:
        """Flat JSON-able entities (only the set ones) for a `/intent{...}` button payload."""
        out: dict[str, Any] = {}
        for name in ("institution", "account_type", "merchant", "category", "amount", "product_type",
                     "loan_purpose", "loan_term_months"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.period is not None:
            out.update(period_entities(self.period))
        if self.text:
            out["query_text"] = self.text
        return out

    @classmethod
    def from_entities(cls, entities: Mapping[str, Any], text: str = "") -> "Query":
        """The inverse of `to_entities`, which also takes a message's checked values
        (`bot.conversation.message`: the period as a `DateRange` under `period`).

        Unknown keys (e.g. "page") are ignored; `query_text` wins over `text` so a 더 보기 button
        keeps the original wording (the amount direction is read from it).
        """
        def pick(name: str):
            value = entities.get(name)
            return value if value not in ("", None) else None

        period = pick("period")
        start, end = pick("period_start"), pick("period_end")
        if not isinstance(period, DateRange):
            period = DateRange(_as_date(start), _as_date(end)) if start and end else None
        amount, term = pick("amount"), pick("loan_term_months")
        return cls(text=str(pick("query_text") or text or ""), institution=pick("institution"),
                   account_type=pick("account_type"), merchant=pick("merchant"), category=pick("category"),
                   period=period, amount=int(amount) if amount is not None else None,
                   product_type=pick("product_type"), loan_purpose=pick("loan_purpose"),
                   loan_term_months=int(term) if term is not None else None)


COMPARING_INTENTS = frozenset({"spending_summary"})


def with_two_periods(query: Query, intent: str, periods: Sequence[DateRange]) -> Query:
    """Two periods named (`9월이랑 10월 식비`): a spending question compares the later with the
    earlier; any other question covers both, from the earlier's start to the later's end."""
    if len(periods) != 2:
        return query
    earlier, later = sorted(periods)
    if intent in COMPARING_INTENTS:
        return replace(query, period=later, compare_period=earlier)
    return replace(query, period=DateRange(earlier.start, max(earlier.end, later.end)))


def period_entities(period: DateRange) -> dict[str, str]:
    """A period as button payloads and the conversation frame carry it (JSON, two entities)."""
    return {"period_start": period.start.isoformat(), "period_end": period.end.isoformat()}


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.astimezone(KST).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[dict, ...] = ()  # {"title": ..., "payload": ...}; payloads are user texts or "/intent..."
    chart: dict | None = (
        None  # {"type": "category_breakdown", "period": [iso, iso], "items": [{"label", "amount"}]}
    )
    # What the answer listed, for follow-ups ("두 번째 거", "제일 큰 거"): JSON dicts with "kind", "label",
    # "amount" and, per kind, "date" (transaction), "previous" (category), "follow" ({"intent", "entities"}).
    items: tuple[dict, ...] = ()
    total: int | None = None  # the one sum the answer reports (balance, spending), for a multi-value total


@dataclass(frozen=True)
class AnswerContext:
    """For whom and when an answer is given.

    - `engine`: the MyData store (`bot.mydata.store.db.get_engine()` in the action server); each answer
      opens one short read-only session on it.
    - `customer_id`: the only customer whose data is read.
    - `now`: aware datetime (Asia/Seoul); None means the wall clock at call time.
    - `scorer`: a loaded `bot.credit.CreditScorer`; None loads `model_dir` (default
      `models/credit`) once per process.
    - `catalog`: a `bot.advisor.catalog.Catalog`; None loads `knowledge_base/products.yml`.
    """

    engine: Engine
    customer_id: str
    now: datetime | None = None
    scorer: Any = None
    model_dir: Path | None = None
    catalog: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.customer_id, str) or not self.customer_id:
            raise ValueError("customer_id must be a non-empty string")
        if self.now is not None and (self.now.tzinfo is None or self.now.utcoffset() is None):
            raise ValueError("AnswerContext.now must be timezone-aware")

    def moment(self) -> datetime:
        """`now` in Seoul time (the wall clock when none was given)."""
        return (self.now or now_kst()).astimezone(KST)

    def today(self) -> date:
        return self.moment().date()

    def at(self, now: datetime) -> "AnswerContext":
        return replace(self, now=now)


def button(title: str, payload: str) -> dict:
    return {"title": title, "payload": payload}


def intent_payload(intent: str, entities: Mapping[str, Any] | None = None) -> str:
    """A Rasa button payload `/intent{"entity": value}` (entities omitted when empty)."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(dict(entities), ensure_ascii=False, separators=(",", ":"))


def more_button(intent: str, query: Query, page: int, extra: Mapping[str, Any] | None = None) -> dict:
    """The 더 보기 button: the same intent and query, next page."""
    return button(
        MORE_TITLE, intent_payload(intent, {**query.to_entities(), **(extra or {}), "page": page + 1})
    )


def connect_button(institution: str | None = None) -> dict:
    if institution:
        return button(
            f"{institution} 연결하기", intent_payload("connect_institution", {"institution": institution})
        )
    return button("금융기관 연결하기", "/connect_institution")


T = TypeVar("T")


def page_of(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> tuple[list[T], bool]:
    """The items of one page and whether more follow."""
    page = max(0, int(page or 0))
    start = page * size
    return list(items[start:start + size]), len(items) > start + size


def join(*parts: str | None | Iterable[str]) -> str:
    """Paragraphs (skipping empty ones) separated by a blank line; iterables become lines."""
    out = []
    for part in parts:
        if part is None:
            continue
        if not isinstance(part, str):
            part = "\n".join(p for p in part if p)
        if part.strip():
            out.append(part.strip())
    return "\n\n".join(out)


APOLOGY = "죄송해요, 지금은 이 질문에 답변드리기 어려워요. 잠시 후 다시 시도해 주세요."


def guarded(function: Callable[..., Reply]) -> Callable[..., Reply]:
    """Every public answer: typed errors become a clear Korean reply, never an exception."""
    from bot.advisor.errors import AdvisorError
    from bot.mydata.errors import ConsentRequired, InvalidQuery, MyDataError, StoreNotReady, UnknownCustomer

    @functools.wraps(function)
    def wrapper(ctx: AnswerContext, *args, **kwargs) -> Reply:
        try:
            return function(ctx, *args, **kwargs)
        except UnknownCustomer:
            return Reply("아직 연결된 금융 정보가 없어요. 마이데이터로 은행이나 카드사를 연결해 볼까요?",
                         (connect_button(),))
        except ConsentRequired as exc:
            named = load_lexicon().by_org.get(exc.org_code or "")
            return not_linked_reply(named.name if named else None)
        except InvalidQuery as exc:
            log.info("invalid query for %s: %s", function.__name__, exc)
            return Reply("조회 조건을 이해하지 못했어요. 기간이나 금액을 다시 알려주시겠어요? "
                         "(조회 기간은 최대 3년, 시작일이 종료일보다 앞서야 해요)")
        except StoreNotReady:
            return Reply("지금은 금융 정보를 불러올 수 없어요. 잠시 후 다시 시도해 주세요.")
        except (MyDataError, AdvisorError) as exc:
            if RAISE_UNEXPECTED and isinstance(exc, AdvisorError):
                raise  # the adapters gave the advisor something it refuses: a bug here
            log.warning("%s could not answer: %s", function.__name__, exc)
            return Reply(APOLOGY)
        except Exception:
            if RAISE_UNEXPECTED:
                raise
            log.exception("%s failed", function.__name__)
            return Reply(APOLOGY)

    return wrapper


def not_linked_words(institution: str) -> str:
    """How every answer says an institution has no active consent: "신한카드는 아직 연결되지 않았어요."."""
    return f"{josa(institution, '은')} 아직 연결되지 않았어요."


def not_linked_reply(institution: str | None) -> Reply:
    """The institution asked about has no active consent: offer the connect flow."""
    if institution:
        return Reply(f"{not_linked_words(institution)} 연결하면 바로 확인해 드릴게요. 연결할까요?",
                     (connect_button(institution),))
    return Reply(
        "연결된 금융기관이 없어요. 마이데이터로 은행이나 카드사를 연결해 볼까요?", (connect_button(),)
    )
