"""Conversation repair inside a form, decided without Rasa: what a turn is, and what comes next.

CALM's repair patterns in plain rules. A form turn is one of:

- ANSWER: a value for the slot the form just asked, in a bare answer
  (`5년이요`) or in a message whose intent is an answer (inform, the form's
  own intent). A value inside an unrelated question never counts.
- CORRECTION: a new value for a slot of this form, marked as a change
  (`3년 말고 5년`, `6개월로 바꿔주세요`, `금액 2천으로`). The value after
  `말고` wins.
- CANCEL / RESTART: `취소`, `그만`, `됐어요`, `안 할래요`, `나중에 할게요`,
  a bare 아니요 outside a yes/no question; `처음부터 다시`.
- DONT_KNOW / ANY: `몰라요` explains the choices and offers the default;
  `아무거나` or skipping (`건너뛸게요`) takes the default where choosing one
  is harmless, and explains the choices where it is not.
- DIGRESSION: a question of its own (balance, FAQ, spending); answered, then
  the form re-asks. OTHER_FORM: another form's request, which cannot run
  inside this one. HANDOFF: a human agent. SMALLTALK: greet, thanks, help;
  answered, but it is no answer either, so it counts as a miss.
- UNUSABLE: anything else (a reading the NLU is unsure of included); the second in a row adds buttons, the
  third
  leaves the form (MISSES_BEFORE_LEAVING). Two values for the asked slot
  (`3년이나 5년`) ask which one, with a button for each (clarification).

A yes at a destructive or consent step counts only if it is an explicit yes
(`explicit_yes`) right after a question that named the institution and what
happens (`confirmation_was_asked`).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any, Collection, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from bot.korean.wording import josa

MISSES_BEFORE_BUTTONS = 2
MISSES_BEFORE_LEAVING = 3


class Turn(str, enum.Enum):
    ANSWER = "answer"
    CORRECTION = "correction"
    CANCEL = "cancel"
    RESTART = "restart"
    DONT_KNOW = "dont_know"
    ANY = "any"
    DIGRESSION = "digression"
    OTHER_FORM = "other_form"
    HANDOFF = "handoff"
    SMALLTALK = "smalltalk"
    UNUSABLE = "unusable"


@dataclass(frozen=True)
class Value:
    """A value for one slot of the form, where it stands in the message."""

    slot: str
    value: Any
    start: int
    end: int = -1  # -1: unknown, the value is not counted as the message's own words


@dataclass(frozen=True)
class SlotSpec:
    label: str
    help: str
    buttons: Tuple[Tuple[str, str], ...] = ()
    default: Any = None
    default_button: Optional[Tuple[str, str]] = None  # accepts the default: ("3년으로 할게요", "3년")
    # `아무거나` takes the default only where choosing it for the customer is harmless
    any_takes_default: bool = False
    # the question itself shows the choices as buttons: a reply before it must not show them twice
    asked_with_buttons: bool = False


@dataclass(frozen=True)
class FormSpec:
    name: str
    label: str  # what the customer was doing: "대출 가능 여부 확인"
    own_intent: str
    come_back: str  # how to start it again
    slots: Mapping[str, SlotSpec]
    confirm_slot: Optional[str] = None  # the yes/no step, if any
    confirm_words: Tuple[str, ...] = ()  # what the confirm question must say besides the institution


YES_NO = (("네", "/affirm"), ("아니요", "/deny"))

FORMS: Dict[str, FormSpec] = {
    "loan_form": FormSpec(
        name="loan_form",
        label="대출 가능 여부 확인",
        own_intent="loan_eligibility",
        come_back="'대출 받을 수 있을까?'라고 말씀해 주세요",
        slots={
            "loan_amount": SlotSpec(
                "금액",
                "빌리실 금액을 '천만 원', '3천만원'처럼 말씀해 주세요. 정하기 어려우시면 1,000만 원으로 먼저 "
                "알아볼 수 있어요.",
                (("500만 원", "500만 원"), ("1,000만 원", "1000만 원"), ("3,000만 원", "3000만 원")),
                10_000_000,
                ("1,000만 원으로 할게요", "1000만 원"),
            ),
            "loan_term": SlotSpec(
                "상환 기간",
                "상환 기간이 길수록 매달 갚는 돈은 줄고 전체 이자는 늘어요. 많이들 1~5년 사이로 정하세요. "
                "정하기 어려우시면 3년으로 볼게요.",
                (("1년", "1년"), ("3년", "3년"), ("5년", "5년")),
                36,
                ("3년으로 할게요", "3년"),
                any_takes_default=True,
                asked_with_buttons=True,
            ),
            "loan_purpose": SlotSpec(
                "용도",
                "용도는 생활자금, 전세자금, 사업자금, 대환(다른 대출 갈아타기) 중 하나예요. 정하기 "
                "어려우시면 생활자금으로 볼게요.",
                (
                    ("생활자금", "생활자금"),
                    ("전세자금", "전세자금"),
                    ("사업자금", "사업자금"),
                    ("대환", "대환"),
                ),
                "생활자금",
                ("생활자금으로 할게요", "생활자금"),
                any_takes_default=True,
                asked_with_buttons=True,
            ),
        },
    ),
    "connect_form": FormSpec(
        name="connect_form",
        label="금융사 연결",
        own_intent="connect_institution",
        come_back="'신한카드 연결해줘'처럼 말씀해 주세요",
        slots={
            "connect_institution": SlotSpec(
                "금융사",
                "연결할 은행·카드·증권·보험·캐피탈사 이름을 말씀해 주세요. (예: 신한카드, 삼성증권)",
                (("신한카드", "신한카드"), ("KB국민은행", "KB국민은행"), ("삼성증권", "삼성증권")),
            ),
            "connect_scope": SlotSpec(
                "받아올 정보",
                "전체 정보는 거래·청구·상세 내역까지, 기본 정보는 계좌·카드 목록만 받아와요.",
                (("전체 정보", "전체 정보"), ("기본 정보(목록)만", "기본 정보(목록)만")),
                asked_with_buttons=True,
            ),
            "connect_months": SlotSpec(
                "동의 기간",
                "동의 기간은 1개월부터 최대 1년까지 정할 수 있고, 언제든 철회할 수 있어요.",
                (("3개월", "3개월"), ("6개월", "6개월"), ("1년", "1년")),
                asked_with_buttons=True,
            ),
            "connect_agreed": SlotSpec(
                "동의",
                "위 내용에 동의하시면 '동의합니다', 아니면 '동의하지 않아요'를 눌러 주세요.",
                (("동의합니다", "/affirm"), ("동의하지 않아요", "/deny")),
                asked_with_buttons=True,
            ),
        },
        confirm_slot="connect_agreed",
        confirm_words=("동의",),
    ),
    "revoke_form": FormSpec(
        name="revoke_form",
        label="금융사 연결 해지",
        own_intent="revoke_consent",
        come_back="'하나은행 연결 끊어줘'처럼 말씀해 주세요",
        slots={
            "revoke_institution": SlotSpec(
                "해지할 금융사",
                "연결되어 있는 금융사 이름으로 말씀해 주세요. 어디가 연결되어 있는지 보시려면 아래 버튼을 "
                "눌러 주세요.",
                (("동의 내역 보기", "/list_consents"),),
            ),
            "revoke_confirmed": SlotSpec(
                "해지 확인",
                "연결을 끊고 정보를 삭제하시려면 '네, 끊어주세요', 그대로 두시려면 '아니요'를 눌러 주세요.",
                (("네, 끊어주세요", "/affirm"), ("아니요", "/deny")),
                asked_with_buttons=True,
            ),
        },
        confirm_slot="revoke_confirmed",
        confirm_words=("삭제",),
    ),
    "transaction_search_form": FormSpec(
        name="transaction_search_form",
        label="거래내역 검색",
        own_intent="search_transactions",
        come_back="'지난달 스타벅스 내역 찾아줘'처럼 말씀해 주세요",
        slots={
            "search_period": SlotSpec(
                "기간",
                "찾을 기간을 '지난달', '최근 3개월', '3월'처럼 말씀해 주세요.",
                (("이번 달", "이번 달"), ("지난달", "지난달"), ("최근 3개월", "최근 3개월")),
                asked_with_buttons=True,
            ),
        },
    ),
}

ANSWER_INTENTS = frozenset({"inform", "follow_up", "affirm", "deny", "correct", "nlu_fallback"})
SMALLTALK_INTENTS = frozenset({"greet", "thank", "help", "bot_challenge", "out_of_scope"})
FORM_INTENTS = frozenset(spec.own_intent for spec in FORMS.values())
NON_DIGRESSION_INTENTS = ANSWER_INTENTS | SMALLTALK_INTENTS | FORM_INTENTS | frozenset(
    {"cancel", "start_over", "dont_know", "goodbye", "human_handoff"})

_SPACES = re.compile(r"[\s.,!~…ㅠㅜㅎㅋ]+")
_RESTART = re.compile(r"처음\s*부터|다시\s*시작|처음으로")
_CANCEL = re.compile(
    r"취소|그만|됐(?:어|습니다)|됐다|안\s*할(?:래|게|거)|안\s*하(?:고|려고)|나중에|관둘|관둘래|관두|멈춰|중단|스톱|stop|cancel|필요\s*없",
    re.IGNORECASE)
_DONT_KNOW = re.compile(r"몰라|모르겠|모름|글쎄|잘\s*모르|고민\s*중|생각\s*안\s*해|정하지\s*못|뭐가\s*좋")
# skipping a question is choosing nothing: the default where harmless, else the choices again
_ANY = re.compile(
    r"아무거나|아무\s*거나|상관\s*없|알아서|아무래도\s*좋|뭐든|건너\s*뛰|건너\s*뛸|넘어가|넘어갈|스킵|skip|패스",
    re.IGNORECASE,
)
_CORRECTION = re.compile(r"말고|바꿔|바꿀|바꾸|변경|수정|고쳐|고칠|정정|잘못\s*말")
_NEGATION = re.compile(r"아니|않|안\s*해|안\s*할|싫|말고|잠깐|취소|그만")
# words that ask for something ("카드값 얼마야", "내역 보여줘"): a message with them and more than its
# values is a question of its own, whatever answer-like intent the NLU gave it
_ASKS_ABOUT = re.compile(r"얼마|알려|보여|뭐야|뭐예|언제|어디|찾아|내역|조회")
_QUESTION = re.compile(r"\?|얼마|알려|보여|뭐야|뭐예|뭔가|어떻게|언제|왜|어디|있어|있나|되나|돼\?|인가")
_YES_WORDS = (
    r"(?:동의(?:합니다|해요|할게요|할께요|함)?|진행(?:해|해요|해주세요|해 주세요|할게요|합니다)?|"
    r"끊어(?:요|주세요| 주세요)?|해지(?:해|해요|해주세요|해 주세요|할게요)?|삭제(?:해|해요|해주세요|해 "
    r"주세요)?|"
    r"좋아요|좋습니다|맞아요|맞습니다)"
)
# a bare yes, a yes phrase, or 네 followed by a yes phrase (`네 동의할게요`, `네, 끊어주세요`)
_YES = re.compile(
    r"^(?:네+|넵|넹|예|응+|ㅇㅇ|어|그래요?|좋아|맞아|/affirm|(?:(?:네+|예|넵|응)\s*)?" + _YES_WORDS + r")$"
)


def normalize(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


_FILLER = re.compile(
    r"^(?:\s|음|아|어|그|저|네|예|그냥|일단|대충|한|약|동안|이요|요|예요|이에요|에요|입니다|이|가|은|는|을|를|으로|로|에서|만|정도|쯤|"
    r"할게요|할께요|할래요|해요|해주세요|해 주세요|주세요|부탁해요|부탁드려요|이요ㅎ|해줘|할게|할래|"
    r"괜찮아요|좋아요|거요|걸로|것으로|으로요|로요)*$"
)


def _is_bare(text: str, values: Sequence[Value]) -> bool:
    """A message that is only its values and filler (`5년이요`, `농협으로 할게요`), not a question of its
    own."""
    if not values or any(v.end < 0 for v in values) or _QUESTION.search(text):
        return False
    covered: set[int] = set()
    for value in values:
        covered.update(range(value.start, value.end))
    rest = "".join(" " if i in covered else char for i, char in enumerate(text))
    return bool(_FILLER.match(normalize(rest)))


def classify(intent: Optional[str], text: str, values: Sequence[Value], requested_slot: Optional[str],
             form: FormSpec) -> Turn:
    """What this turn is for the form that asked `requested_slot`."""
    clean = normalize(text)
    intent = intent or "nlu_fallback"
    if intent == "start_over" or _RESTART.search(clean):
        return Turn.RESTART
    if intent == "human_handoff":
        return Turn.HANDOFF
    cancel_words = _CANCEL.search(clean) and not values and not _QUESTION.search(clean)
    skip_words = _ANY.search(clean) and not _CANCEL.search(clean)  # `넘어갈게요` reads as goodbye, means skip
    # `음 그냥 2천` read as cancel: with no cancel word, the asked value and filler alone are an answer
    bare_answer = any(v.slot == requested_slot for v in values) and _is_bare(text, values)
    if cancel_words or (intent in ("cancel", "goodbye") and not skip_words and not bare_answer):
        return Turn.CANCEL
    if (
        values
        and (_CORRECTION.search(clean) or intent == "correct")
        and correction(text, values, requested_slot)
    ):
        return Turn.CORRECTION
    asks_own_question = _ASKS_ABOUT.search(clean) is not None and not _is_bare(text, values)
    answers_here = (intent in ANSWER_INTENTS and not asks_own_question) or intent in (
        form.own_intent,
        "dont_know",
    )
    if any(v.slot == requested_slot for v in values) and (answers_here or _is_bare(text, values)):
        return Turn.ANSWER
    if requested_slot == form.confirm_slot and (intent in ("affirm", "deny") or explicit_yes(text)):
        return Turn.ANSWER
    if intent == "dont_know" or _DONT_KNOW.search(clean):
        return Turn.ANY if _ANY.search(clean) else Turn.DONT_KNOW
    if _ANY.search(clean):
        return Turn.ANY
    if intent == "deny" and requested_slot != form.confirm_slot:
        return Turn.CANCEL
    if intent in FORM_INTENTS and intent != form.own_intent:
        return Turn.OTHER_FORM
    if intent in SMALLTALK_INTENTS and intent != "out_of_scope":  # out of scope here is no answer
        return Turn.SMALLTALK
    if intent not in NON_DIGRESSION_INTENTS:
        return Turn.DIGRESSION
    return Turn.UNUSABLE


def pick(text: str, values: Sequence[Value], slot: str) -> Optional[Any]:
    """The one value for `slot`: the one after `말고` when there is one, else the only one."""
    mine = [v for v in values if v.slot == slot]
    marker = text.rfind("말고")
    if marker >= 0:
        after = [v for v in mine if v.start > marker]
        return after[-1].value if after else None
    distinct = {repr(v.value) for v in mine}
    return mine[0].value if len(distinct) == 1 else None


def answered_in_same_breath(form: FormSpec, requested: Optional[str], text: str, values: Sequence[Value],
                            filled: Collection[str]) -> List[Tuple[str, Any]]:
    """`3천만원 5년이요` asked for the amount, `전체 정보 1년` for the scope: the form's other open questions
    that a bare answer answers too. Never the confirmation, never a slot already filled (changing one is
    a correction), never from a message that asks something of its own."""
    if not _is_bare(text, values):
        return []
    found = []
    for slot in form.slots:
        if slot in (requested, form.confirm_slot) or slot in filled:
            continue
        value = pick(text, values, slot)
        if value is not None:
            found.append((slot, value))
    return found


def clarification_options(text: str, values: Sequence[Value], slot: str) -> List[str]:
    """The words of each different value given for the asked slot (`3년이나 5년` → 3년, 5년), to ask which."""
    options: List[str] = []
    seen = set()
    for v in values:
        if v.slot == slot and v.end > v.start and repr(v.value) not in seen:
            seen.add(repr(v.value))
            options.append(text[v.start:v.end])
    return options if len(options) > 1 else []


def correction(
    text: str, values: Sequence[Value], requested_slot: Optional[str]
) -> Optional[Tuple[str, Any]]:
    """The slot a correction changes and its new value; a value for another slot wins over the asked one."""
    slots = []
    for v in sorted(values, key=lambda v: v.start):
        if v.slot not in slots:
            slots.append(v.slot)
    for slot in sorted(slots, key=lambda s: s == requested_slot):
        value = pick(text, values, slot)
        if value is not None:
            return slot, value
    return None


def explicit_yes(text: str) -> bool:
    """A plain, unqualified yes: not `네?`, not `네 근데…`, not `아니 네`."""
    clean = normalize(text)
    if "?" in (text or "") or _NEGATION.search(clean):
        return False
    return bool(_YES.match(clean))


def confirmation_was_asked(last_bot_text: Optional[str], institution: Optional[str], form: FormSpec) -> bool:
    """The question right before the yes named the institution and what happens."""
    if not last_bot_text or not institution or institution not in last_bot_text:
        return False
    return all(word in last_bot_text for word in form.confirm_words)


@dataclass(frozen=True)
class MissReply:
    """What to say after an unusable answer, and whether the form goes on."""

    text: str
    buttons: Tuple[Tuple[str, str], ...]
    leave: bool


def after_miss(form: FormSpec, slot: str, misses: int, problem: Optional[str] = None,
               dont_know: bool = False) -> MissReply:
    """1st: say why and explain; 2nd: the choices as buttons (left to the question that follows where it shows
    them); 3rd: leave, say how to come back, offer 상담원."""
    spec = form.slots[slot]
    if misses >= MISSES_BEFORE_LEAVING:
        return MissReply(
            f"{josa(form.label, '을')} 여기서 멈출게요. 입력하신 내용은 저장하지 않았어요. "
            f"다시 하시려면 {form.come_back}. 상담원과 이야기하시겠어요?",
            (("상담원 연결", "/human_handoff"), ("다시 해볼게요", f"/{form.own_intent}")),
            leave=True,
        )
    lead = problem or (
        "괜찮아요, 도와드릴게요." if dont_know else f"{josa(spec.label, '을')} 알아듣지 못했어요."
    )
    buttons: Tuple[Tuple[str, str], ...] = ()
    if misses >= MISSES_BEFORE_BUTTONS or dont_know:
        buttons = () if spec.asked_with_buttons else spec.buttons
        if spec.default_button and dont_know:
            buttons = (spec.default_button,) + tuple(b for b in buttons if b[1] != spec.default_button[1])
    if misses >= MISSES_BEFORE_BUTTONS and not dont_know:
        lead += " 아래에서 골라 주세요."
    return MissReply(f"{lead} {spec.help}", buttons, leave=False)


def with_linked_choices(reply: MissReply, linked: Sequence[str]) -> MissReply:
    """Which institution to unlink, when the customer does not know: the linked ones, each a button."""
    if reply.leave or not linked:
        return reply
    names = ", ".join(linked)
    text = f"지금 연결되어 있는 곳은 {josa(names, '이에요')}. 연결을 끊을 곳을 골라 주세요."
    return MissReply(text, tuple((name, name) for name in linked) + reply.buttons, leave=False)


def count_misses(previous: Optional[Mapping[str, Any]], slot: str) -> int:
    """Unusable answers in a row to the same question, this one included."""
    if isinstance(previous, Mapping) and previous.get("slot") == slot:
        return int(previous.get("count") or 0) + 1
    return 1


def cancel_text(form: FormSpec, filled: Mapping[str, Any], shown: Mapping[str, str]) -> str:
    """Says what was dropped, and that nothing was done."""
    institution = filled.get("connect_institution") or filled.get("revoke_institution")
    if form.name == "connect_form":
        what = f"{institution} 연결" if institution else "금융사 연결"
        done = "동의는 저장되지 않았고 정보도 받아오지 않았어요."
    elif form.name == "revoke_form":
        what = f"{institution} 연결 해지" if institution else "금융사 연결 해지"
        done = "연결과 받아온 정보는 그대로 유지돼요."
    else:
        query = filled.get("search_query") or {}
        subject = query.get("merchant") or query.get("category") if isinstance(query, Mapping) else None
        what = f"{subject} {form.label}" if subject else form.label
        said = ", ".join(f"{form.slots[s].label} {shown[s]}" for s in form.slots if s in shown)
        done = f"말씀하신 내용({said})은 저장하지 않았어요." if said else "아무것도 저장하지 않았어요."
    return f"{josa(what, '을')} 취소했어요. {done} 다른 도움이 필요하시면 말씀해 주세요."


def internal_error_reply(form: FormSpec) -> MissReply:
    """Something failed on our side: stop cleanly, say nothing was saved, offer the way back and 상담원."""
    return MissReply(
        f"죄송해요, 처리 중 문제가 생겨 {josa(form.label, '을')} 멈췄어요. 입력하신 내용은 저장하지 "
        "않았어요. "
        f"다시 하시려면 {form.come_back}.",
        (("상담원 연결", "/human_handoff"), ("다시 해볼게요", f"/{form.own_intent}")),
        leave=True,
    )


def other_form_text(form: FormSpec) -> str:
    return (
        f"지금은 {josa(form.label, '을')} 진행하고 있어요. 이것부터 마치거나 '취소'라고 말씀해 주시면 바로 "
        "도와드릴게요."
    )


def corrected_text(form: FormSpec, slot: str, shown: str) -> str:
    label = form.slots[slot].label
    return f"{josa(label, '을')} {josa(shown, '으로')} 바꿨어요."


def filled_slots(form: FormSpec, slots: Mapping[str, Any]) -> Dict[str, Any]:
    return {name: slots.get(name) for name in form.slots if slots.get(name) is not None}


def form_for(name: Optional[str]) -> Optional[FormSpec]:
    return FORMS.get(name or "")


def slots_to_clear(form: FormSpec) -> List[str]:
    extra = {"connect_form": ["pending_question"], "transaction_search_form": ["search_query"]}
    return list(form.slots) + extra.get(form.name, [])


def last_bot_text(events: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The last thing the bot said before the latest user message."""
    seen_user = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif kind == "bot" and seen_user:
            return event.get("text")
    return None


def answered_just_now(events: Sequence[Mapping[str, Any]], form_name: str) -> bool:
    """The form runs right after the customer spoke, not after a digression or a repair."""
    actions = [e.get("name") for e in events if e.get("event") == "action"]
    actions = [a for a in actions if a != "action_extract_slots"]
    if len(actions) < 2 or actions[-1] != form_name:
        return False
    return actions[-2] == "action_listen"
