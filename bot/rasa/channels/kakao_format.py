"""Rasa bot messages -> a Kakao i Open Builder skill response (version 2.0).

Pure functions, no I/O. Kakao's limits are named constants below and every
response built here respects them:

* adjacent text messages are merged into one simpleText (Rasa splits a text
  on blank lines into several messages; Kakao allows only 3 outputs);
* a simpleText longer than ``SIMPLE_TEXT_MAX`` is split across outputs while
  there is room, otherwise truncated with ``MORE_SUFFIX``;
* a message with buttons becomes a basicCard (description = text, buttons =
  the Rasa buttons) when its text fits a card description and it has at most
  ``CARD_BUTTONS_MAX`` buttons; otherwise the text becomes simpleText and the
  buttons become quickReplies, so a set of choices is never split;
* every button is action "message" with ``messageText`` = the Rasa payload:
  plain text is parsed as text, ``/intent{...}`` payloads are parsed by Rasa
  as an intent (no Kakao block needed);
* labels are cut to ``LABEL_MAX`` characters, quickReplies to
  ``QUICK_REPLIES_MAX``;
* the spending chart (custom JSON ``{"chart": ...}``) becomes a listCard of the
  ``LIST_ITEMS_MAX`` largest categories with amount and share, since Kakao
  cannot draw it.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Dict, Iterable, List, Optional

from bot.korean.wording import won

VERSION = "2.0"
OUTPUTS_MAX = 3
SIMPLE_TEXT_MAX = 1000
CARD_DESCRIPTION_MAX = 230
CARD_BUTTONS_MAX = 3
QUICK_REPLIES_MAX = 10
LABEL_MAX = 14
LIST_ITEMS_MAX = 5
LIST_TITLE = "분야별 지출"
MORE_SUFFIX = "…(더 보기)"
ELLIPSIS = "…"

APOLOGY = "죄송해요, 메시지를 이해하지 못했어요. 다시 한 번 보내 주시겠어요?"
ERROR_APOLOGY = "죄송해요, 지금은 답변을 드리기 어려워요. 잠시 후 다시 시도해 주세요."
LATE_TEXT = "답변이 늦어지고 있어요. 잠시 후 같은 질문을 한 번 더 보내 주세요."
CALLBACK_WAIT_TEXT = "답변을 준비하고 있어요. 잠시만 기다려 주세요."
EMPTY_TEXT = "죄송해요, 드릴 답변을 찾지 못했어요. 조금 다르게 말씀해 주시겠어요?"


def simple_text(text: str) -> Dict[str, Any]:
    return {"simpleText": {"text": truncate(text, SIMPLE_TEXT_MAX, MORE_SUFFIX)}}


def truncate(text: str, limit: int, suffix: str = ELLIPSIS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(suffix)] + suffix


def label(title: Any) -> str:
    return truncate(str(title or "").strip(), LABEL_MAX)


def _message_button(button: Dict[str, Any]) -> Optional[Dict[str, str]]:
    title = str(button.get("title") or "").strip()
    payload = str(button.get("payload") or title).strip()
    if not title or not payload:
        return None
    return {"label": label(title), "action": "message", "messageText": payload}


def quick_replies(buttons: Iterable[Dict[str, Any]]) -> List[Dict[str, str]]:
    replies = [r for r in (_message_button(b) for b in buttons) if r]
    return replies[:QUICK_REPLIES_MAX]


def split_text(text: str, limit: int = SIMPLE_TEXT_MAX) -> List[str]:
    """Chunks of at most `limit` characters, cut at a line break when possible."""
    chunks, rest = [], text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def skill_response(
    outputs: List[Dict[str, Any]], replies: Optional[List[Dict[str, str]]] = None
) -> Dict[str, Any]:
    template: Dict[str, Any] = {"outputs": outputs[:OUTPUTS_MAX]}
    if replies:
        template["quickReplies"] = replies[:QUICK_REPLIES_MAX]
    return {"version": VERSION, "template": template}


def text_response(text: str) -> Dict[str, Any]:
    return skill_response([simple_text(text)])


def chart_list_card(chart: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """A category-breakdown chart as a listCard; None for any other or a malformed chart."""
    try:
        rows = [(str(item["label"]), int(item["amount"])) for item in chart["items"]]
    except (KeyError, TypeError, ValueError):
        return None
    total = sum(amount for _, amount in rows)
    if chart.get("type") != "category_breakdown" or not rows or total <= 0:
        return None
    title = LIST_TITLE if len(rows) <= LIST_ITEMS_MAX else f"{LIST_TITLE} 상위 {LIST_ITEMS_MAX}개"
    items = []
    for name, amount in rows[:LIST_ITEMS_MAX]:
        share = (Decimal(amount) * 100 / total).quantize(Decimal("0.1"), ROUND_HALF_UP)
        items.append({"title": name, "description": f"{won(amount)} · {share}%"})
    return {"listCard": {"header": {"title": title}, "items": items}}


def render(messages: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The skill response for the bot messages Rasa collected for one turn."""
    items: List[Dict[str, Any]] = []  # {"text": str} or an output dict
    replies: List[Dict[str, Any]] = []

    def add_text(text: str) -> None:
        if items and "text" in items[-1]:
            items[-1]["text"] += "\n\n" + text
        else:
            items.append({"text": text})

    for message in messages:
        text = str(message.get("text") or "").strip()
        buttons = [b for b in message.get("buttons") or [] if isinstance(b, dict)]
        card_buttons = [b for b in (_message_button(b) for b in buttons) if b]
        if card_buttons and len(card_buttons) <= CARD_BUTTONS_MAX and len(text) <= CARD_DESCRIPTION_MAX:
            items.append({"basicCard": {"description": text, "buttons": card_buttons}})
            continue
        if text:
            add_text(text)
        if card_buttons:
            replies.extend(buttons)
        if message.get("image"):
            items.append({"simpleImage": {"imageUrl": str(message["image"]), "altText": "이미지"}})
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("chart"), dict):
            card = chart_list_card(custom["chart"])
            if card is not None:
                items.append(card)

    outputs = _fit(items)
    if not outputs:
        outputs = [simple_text(EMPTY_TEXT)]
    return skill_response(outputs, quick_replies(replies))


def _fit(items: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Turn the items into at most OUTPUTS_MAX outputs, texts within SIMPLE_TEXT_MAX."""
    dropped = len(items) > OUTPUTS_MAX
    items = items[:OUTPUTS_MAX]
    outputs: List[Dict[str, Any]] = []
    for index, item in enumerate(items):
        if "text" not in item:
            outputs.append(item)
            continue
        room = OUTPUTS_MAX - len(outputs) - (len(items) - index - 1)  # slots this text may use
        chunks = split_text(item["text"])
        if len(chunks) > room:  # the last slot takes the rest, truncated by simple_text
            chunks = chunks[: room - 1] + ["\n".join(chunks[room - 1:])]
        outputs.extend(simple_text(chunk) for chunk in chunks)
    if dropped:
        _mark_more(outputs)
    return outputs


def _mark_more(outputs: List[Dict[str, Any]]) -> None:
    for output in reversed(outputs):
        if "simpleText" in output:
            text = output["simpleText"]["text"]
            if not text.endswith(MORE_SUFFIX):
                output["simpleText"]["text"] = text[: SIMPLE_TEXT_MAX - len(MORE_SUFFIX)] + MORE_SUFFIX
            return
