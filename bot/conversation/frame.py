"""The conversation frame: what the last personal answer was about, so a follow-up can build on it.

A frame is the last personal intent, its query (as `Query.to_entities()`, JSON) and the items its
answer showed (transactions, categories, accounts as small dicts). The answering action writes it
to the `conversation_frame` slot; the session's end clears it (slots are not carried over).

A follow-up message is read against the frame (`resolve`) into one of:
- `Refine`: the same question with some parameters changed ("그럼 지난달은?", "신한은요?", "카페");
- `Pick`: one of the items just shown ("그 중에 제일 큰 거", "두 번째 거 자세히", "그거 언제?");
- `Explain`: a question whose meaning comes from the last answer ("왜 늘었어?", "왜 줄었어?", "어떻게 올려?");
- `NoContext`: nothing to build on; the caller asks what the message refers to.

Pure Python, no Rasa import.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Collection, Mapping, Optional, Sequence, Union

SLOT = "conversation_frame"
# The frame of a follow-up that had nothing to refer to (`그럼 지난달은?` first): what it named waits for
# the answer to "어떤 내용을 말씀하시는 건지…" (`지출` then means last month's spending).
CLARIFY = "clarify"
EACH = "each"  # [entity, [values]] when the question named several values of one entity
MAX_ITEMS = 20
# Parameters a follow-up may change; anything else in the frame is kept as it was.
PARAMETERS = ("institution", "account_type", "merchant", "category", "amount", "period_start", "period_end",
              "loan_term_months", "loan_purpose")
# Alternatives of one another: naming one drops the others (a merchant is not also a category).
EXCLUSIVE = (("merchant", "category"),)
# Answers about what one holds, one per account type: another account type asks about that one instead.
HOLDINGS_INTENTS = frozenset({"check_balance", "loan_status", "insurance_summary", "investment_summary"})
# A user intent after which the old context no longer applies: a clearly new topic.
NEW_TOPIC_INTENTS = frozenset({"greet", "goodbye", "help", "faq", "out_of_scope", "human_handoff",
                               "bot_challenge", "connect_institution", "revoke_consent", "list_consents"})


@dataclass(frozen=True)
class Frame:
    intent: str
    entities: Mapping[str, Any] = field(default_factory=dict)
    items: tuple[Mapping[str, Any], ...] = ()
    focus: Optional[int] = None  # index of the item the customer last picked

    def to_slot(self) -> dict:
        out: dict[str, Any] = {"intent": self.intent, "entities": dict(self.entities),
               "items": [dict(i) for i in self.items[:MAX_ITEMS]]}
        if self.focus is not None:
            out["focus"] = self.focus
        return out

    @classmethod
    def from_slot(cls, value: Any) -> Optional["Frame"]:
        """The frame in a slot value, or None for an empty or malformed one (never raises)."""
        if not isinstance(value, Mapping) or not isinstance(value.get("intent"), str):
            return None
        raw_entities = value.get("entities")
        entities = raw_entities if isinstance(raw_entities, Mapping) else {}
        items = tuple(i for i in value.get("items") or () if isinstance(i, Mapping))
        focus = value.get("focus")
        focus = focus if isinstance(focus, int) and 0 <= focus < len(items) else None
        return cls(value["intent"], dict(entities), items, focus)


@dataclass(frozen=True)
class Refine:
    intent: str
    entities: dict
    page: int = 0


@dataclass(frozen=True)
class Pick:
    index: int
    ask: str  # "detail" | "when"
    extreme: Optional[str] = (
        None  # "largest" | "smallest": of the whole result, where it is longer than shown
    )


@dataclass(frozen=True)
class Explain:
    kind: str  # "raise_score" | "why_grew" | "why_fell" | "total" | "price_change"


@dataclass(frozen=True)
class NoContext:
    reason: str  # "no_frame" | "no_items" | "not_understood"


Resolution = Union[Refine, Pick, Explain, NoContext]

_FILLER = re.compile(
    r"그럼|그러면|그리고|근데|그건|그거는|혹시|아니요|아뇨|아니|음|"
    r"으로|로|은요|는요|이요|요|은|는|이|가|도|만|랑|이랑|하고|과|와|기준|말고|"
    r"보면|보니까|봐|봐줘|봐주세요|보여줘|보여주세요|알려줘|알려주세요|해줘|해주세요|어때|어때요|"
    r"뭐야|얼마야|얼마|어떻게|돼|되나|나와|비|값|거|꺼|것|"
    r"[?？!.,~ㅋㅎㅠㅜ\s]")
_ORDINALS = (
    ("첫 ?번째|첫째|1번째|1번|처음", 0),
    ("두 ?번째|둘째|2번째|2번", 1),
    ("세 ?번째|셋째|3번째|3번", 2),
    ("네 ?번째|넷째|4번째|4번", 3),
    ("다섯 ?번째|5번째|5번", 4),
)
_LARGEST = re.compile(r"(제일|가장|젤) ?(큰|많이|비싼|많은|큰거|큰 거)")
_SMALLEST = re.compile(r"(제일|가장|젤) ?(작은|적은|싼|적게)")
_LATEST = re.compile(r"(제일|가장) ?(최근|마지막)|마지막")
_THAT = re.compile(r"그거|그건|그것|그 거래|그 결제|거기|그 중|그중")
_NEW_QUESTION = re.compile(r"어디|어느|무슨 ?(카드|계좌|은행)")  # `어디에 제일 많이 썼어?` asks anew
_THING = re.compile(r"거|건|것|꺼")
_WHEN = re.compile(r"언제|며칠|몇 ?일|날짜|무슨 요일")
_TOTAL = re.compile(r"합치면|합하면|합쳐(?:서|\s?줘|\s?줄래)?|더하면|더해(?:서|\s?줘)?|합계|합산|"
                    r"(둘|셋|두 ?개|세 ?개|전부|모두|다) ?해서")
_HOW_MANY = re.compile(r"둘|셋|두 ?개|세 ?개|전부|모두|다|총|해서|하면|예요|이에요|에요|인가|냐")
_RAISE = re.compile(r"(올리|올릴|올려|높이|높일|높여|올라가|좋아지|개선)")
_PRICE_CHANGED = re.compile(r"(올랐|올라|인상|비싸졌|내렸|인하|싸졌|바뀌었|달라졌|변했)")
_WHY_GREW = re.compile(
    r"(왜|뭐 ?(가|때문에)|어디서|무엇 ?때문).*(늘|많이|많아|올랐|증가|많았)|(늘어난|증가한) ?(이유|원인)"
)
_WHY_FELL = re.compile(
    r"(왜|뭐 ?(가|때문에)|어디서|무엇 ?때문).*(줄|덜|적게|적어|감소|내려)|(줄어든|감소한) ?(이유|원인)"
)
_MORE = re.compile(
    r"더 ?(보여|볼래|봐|알려)|다음 ?(거|것|페이지|목록)|나머지|^\s*(그\s*)?다음\s*(요|이요)?\s*[?.!]*\s*$"
)
_REWRITES = (
    ("반년", "최근 6개월"),
    ("일 ?년으로", "최근 1년으로"),
    (r"(?<!최근 )(?<!지난 )(?<!최근)(?<!지난)"  # `석 달로 보면?`: a length alone is the last N of it
     r"(\d+|한|두|세|석|네|넉|다섯|여섯|일곱|여덟|아홉|열) ?(개월|달|주|년)(으?로)", r"최근 \1\2\3"),
)


def rewrite_period_words(text: str) -> str:
    """Length words a follow-up uses that the period reader does not know ("반년으로 보면?")."""
    for pattern, replacement in _REWRITES:
        text = re.sub(pattern, replacement, text)
    return text


RUNNER_UP_MIN = 0.2


def runner_up(ranking: Sequence[Mapping[str, Any]], allowed: Collection[str], floor: float = RUNNER_UP_MIN
              ) -> Optional[str]:
    """The likeliest intent in `allowed` that the NLU ranked at `floor` or above: what a whole
    question read as a follow-up most likely asks when there is no answer for it to follow."""
    for entry in ranking:
        if not isinstance(entry, Mapping):
            continue
        confidence = entry.get("confidence")
        if entry.get("name") in allowed and isinstance(confidence, (int, float)) and confidence >= floor:
            return str(entry["name"])
    return None


def is_fragment(text: str, entities: Sequence[Mapping[str, Any]]) -> bool:
    """True when the message only names parameters ("그럼 지난달은?", "카페", "신한은요?"):
    nothing is left once its entities and the words around them are taken out."""
    spans = sorted((start, end) for e in entities
                   if isinstance(start := e.get("start"), int) and isinstance(end := e.get("end"), int))
    if not spans:
        return False
    rest, cursor = [], 0
    for start, end in spans:
        rest.append(text[cursor:start])
        cursor = max(cursor, end)
    rest.append(text[cursor:])
    return not _FILLER.sub("", "".join(rest))


def points_at_shown(text: str, entities: Sequence[Mapping[str, Any]]) -> bool:
    """A message naming nothing of its own that points at what was just shown (`제일 큰 거 얼마였어요`,
    `두 번째 거`, `그거 언제야`), whatever intent the NLU gave it."""
    if entities or _NEW_QUESTION.search(text):
        return False
    thing = extreme_asked(text) and _THING.search(text)  # `제일 큰 거`, not `제일 많이 쓴 데`
    return bool(thing or any(re.search(p, text) for p, _ in _ORDINALS) or _THAT.search(text))


def alive(frame: Optional[Frame], intents_since: Sequence[str]) -> Optional[Frame]:
    """The frame unless a clearly new topic came up after it (the user intents since the answer)."""
    if frame is None or any(i in NEW_TOPIC_INTENTS or i.startswith("faq") for i in intents_since):
        return None
    return frame


def several_values(entities: Mapping[str, Any]) -> Optional[tuple[str, list]]:
    """The (entity, values) a frame keeps under EACH when its question named several values, else None."""
    each = entities.get(EACH)
    if isinstance(each, list) and len(each) == 2 and isinstance(each[0], str) and isinstance(each[1], list):
        return each[0], each[1]
    return None


def refined(frame: Frame, change: Mapping[str, Any], text: str = "") -> dict:
    """The frame's entities with `change` applied: named parameters replace, the rest is kept."""
    entities = {k: v for k, v in frame.entities.items() if k != "page"}
    each = entities.get(EACH)
    if isinstance(each, list) and each and change.get(each[0]) is not None:
        entities.pop(EACH)  # a newly named value replaces the several named before
    for group in EXCLUSIVE:
        if any(change.get(k) is not None for k in group):
            for k in group:
                entities.pop(k, None)
    for name in PARAMETERS:
        if change.get(name) is not None:
            entities[name] = change[name]
    if change.get("amount") is not None and text and (names_threshold(text) or not names_threshold(
            str(entities.get("query_text") or ""))):
        # the words around the new amount say its direction (이상, 넘게…); a new amount with none of its own
        # (`8만원으로 낮춰서`) moves the threshold asked before, which the old words keep
        entities["query_text"] = text
    return entities


def names_threshold(text: str) -> bool:
    """The words make an amount a threshold (이상, 이하, 넘게, 미만…), as the search reads them."""
    from bot.assistant.spending import AT_LEAST, AT_MOST, LESS_THAN, MORE_THAN  # the search's own words
    return any(word in text for word in MORE_THAN + AT_LEAST + LESS_THAN + AT_MOST)


def asks_total(frame: Optional[Frame], text: str) -> bool:
    """`둘 합치면 얼마야` right after an answer for several values asks their total, not a new question;
    a message with words of its own (`이번 달 카드값 합치면`) is one."""
    if frame is None or several_values(frame.entities) is None or not _TOTAL.search(text):
        return False
    rest = _HOW_MANY.sub("", _TOTAL.sub("", text))
    return not _HOW_MANY.sub("", _FILLER.sub("", rest))


def resolve(frame: Optional[Frame], text: str, change: Mapping[str, Any]) -> Resolution:
    """How to answer a follow-up `text` whose parameters (canonical values) are `change`."""
    if frame is None or frame.intent == CLARIFY:
        return NoContext("no_frame")
    if asks_total(frame, text) and not any(change.get(name) is not None for name in PARAMETERS):
        return Explain("total")
    if frame.intent == "credit_score" and _RAISE.search(text):
        return Explain("raise_score")
    if frame.intent == "recurring_payments" and _PRICE_CHANGED.search(text) and not any(
            change.get(name) is not None for name in PARAMETERS):
        return Explain("price_change")  # `요금 올랐어?` after the regular payments
    for pattern, kind in ((_WHY_GREW, "why_grew"), (_WHY_FELL, "why_fell")):
        if pattern.search(text):
            return Explain(kind) if frame.intent == "spending_summary" else NoContext("not_understood")
    if any(change.get(name) is not None for name in PARAMETERS):
        intent = frame.intent
        if change.get("account_type") is not None and intent in HOLDINGS_INTENTS:
            intent = "check_balance"  # `보험은요?` after loans: the balance answer delegates by account type
        return Refine(intent, refined(frame, change, text))
    if _MORE.search(text):
        return Refine(frame.intent, refined(frame, {}), page=int(frame.entities.get("page") or 0) + 1)
    index = item_index(frame, text)
    if index is not None:
        if not frame.items:
            return NoContext("no_items")
        return Pick(index, "when" if _WHEN.search(text) else "detail", extreme_asked(text))
    return NoContext("not_understood")


def extreme_asked(text: str) -> Optional[str]:
    """`제일 큰 거` asks for the largest of everything the question found, not an ordinal of the list."""
    if any(re.search(pattern, text) for pattern, _ in _ORDINALS):
        return None
    return "largest" if _LARGEST.search(text) else "smallest" if _SMALLEST.search(text) else None


def item_index(frame: Frame, text: str) -> Optional[int]:
    """Which shown item the text points at, or None when it points at none."""
    for pattern, index in _ORDINALS:
        if re.search(pattern, text):
            return index
    amounts = [int(i.get("amount") or 0) for i in frame.items]
    if _LARGEST.search(text) and amounts:
        return max(range(len(amounts)), key=lambda k: amounts[k])
    if _SMALLEST.search(text) and amounts:
        return min(range(len(amounts)), key=lambda k: amounts[k])
    if _LATEST.search(text) and frame.items:
        latest = [i.get("date") or "" for i in frame.items]
        return max(range(len(latest)), key=lambda k: latest[k])
    if _THAT.search(text) or _WHEN.search(text):
        return frame.focus if frame.focus is not None else 0
    return None
