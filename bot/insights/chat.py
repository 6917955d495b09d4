"""What the assistant says for "알림 보여줘" and "매일 업데이트해줘" (pure Python over the store;
the Rasa actions only pass the verified customer in and the messages out)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.insights.inbox import inbox, mark_read
from bot.insights.models import ensure_tables
from bot.insights.preferences import GROUPS, describe, parse, set_enabled
from bot.mydata.store.db import session_scope
from bot.tasks.lifecycle import record_conversation
from bot.tasks.schedule import MAX_CYCLE_DAYS, MIN_CYCLE_DAYS, set_cycle

SHOWN_AT_ONCE = 5
SEVERITY_MARK = {3: "[긴급] ", 2: "", 1: ""}


@dataclass(frozen=True)
class Message:
    text: str
    buttons: list[dict] = field(default_factory=list)


def show_alerts(engine: Engine, customer_id: str, now: datetime) -> list[Message]:
    """Unread alerts, most important first, each with the button to its explanation; those shown
    are marked read (kept, never deleted). Asking counts as a conversation for the MyData rules."""
    ensure_tables(engine)
    with session_scope(engine) as session:
        record_conversation(session, customer_id, now)
        items = inbox(session, customer_id, limit=100)
        if not items:
            return [
                Message(
                    "새 알림이 없습니다. 결제일이 다가오거나 평소와 다른 지출이 보이면 먼저 알려 드릴게요."
                )
            ]
        shown = items[:SHOWN_AT_ONCE]
        mark_read(session, customer_id, [i.alert_id for i in shown], now)
    head = f"새 알림 {len(items)}건입니다." + (
        f" 중요한 {len(shown)}건부터 보여 드릴게요." if len(items) > len(shown) else ""
    )
    messages = [Message(head)]
    for item in shown:
        messages.append(Message(SEVERITY_MARK.get(item.severity, "") + item.text,
                                [{"title": item.button_title, "payload": item.button_payload}]))
    if len(items) > len(shown):
        messages.append(
            Message("나머지 알림도 볼까요?", [{"title": "알림 더 보기", "payload": "/show_alerts"}])
        )
    return messages


def greeting_news(engine: Engine, customer_id: str) -> Message | None:
    """"새 알림 N건" for a new session's greeting, the most important first; None when there is none.
    Nothing is marked read: the customer has not seen the alerts until they open them."""
    ensure_tables(engine)
    with session_scope(engine) as session:
        items = inbox(session, customer_id, limit=100)
    if not items:
        return None
    first = items[0]
    more = f" 가장 중요한 알림이에요: {SEVERITY_MARK.get(first.severity, '')}{first.text}"
    return Message(f"새 알림 {len(items)}건이 있어요.{more}",
                   [{"title": "알림 모두 보기", "payload": "/show_alerts"},
                    {"title": first.button_title, "payload": first.button_payload}])


_WORD_DAYS = (("매일", 1), ("하루", 1), ("daily", 1), ("격주", 14), ("2주", 14), ("이주", 14), ("매주", 7),
              ("일주일", 7), ("1주", 7), ("한주", 7), ("한 주", 7), ("매달", 30), ("매월", 30), ("한 달", 30),
              ("한달", 30), ("1달", 30), ("1개월", 30))


def cycle_days_from_text(text: str) -> int | None:
    """'매일' → 1, '매주' → 7, '2주마다' → 14, '한 달에 한 번' → 30, '3일마다' → 3; None when unsaid."""
    found = re.search(r"(\d+)\s*일\s*(마다|에 한 ?번|간격|주기)", text or "")
    if found:
        return int(found.group(1))
    for word, days in _WORD_DAYS:
        if word in (text or ""):
            return days
    return None


CYCLE_BUTTONS = [{"title": "매일", "payload": "/set_sync_cycle{\"sync_cycle_days\": 1}"},
                 {"title": "매주", "payload": "/set_sync_cycle{\"sync_cycle_days\": 7}"},
                 {"title": "매월", "payload": "/set_sync_cycle{\"sync_cycle_days\": 30}"}]


def _cycle_words(days: int) -> str:
    return {1: "매일", 7: "매주", 14: "2주마다", 30: "매월"}.get(days, f"{days}일마다")


def change_cycle(engine: Engine, customer_id: str, days: int | None, now: datetime) -> Message:
    """Sets the customer's periodic transmission cycle for every linked institution."""
    ensure_tables(engine)
    if days is None:
        return Message("연결된 금융사 정보를 얼마나 자주 업데이트할까요?", CYCLE_BUTTONS)
    if not MIN_CYCLE_DAYS <= days <= MAX_CYCLE_DAYS:
        return Message(f"업데이트 주기는 하루에서 {MAX_CYCLE_DAYS}일 사이로 정할 수 있어요. 어떻게 할까요?",
                       CYCLE_BUTTONS)
    with session_scope(engine) as session:
        record_conversation(session, customer_id, now)
        count = set_cycle(session, customer_id, days, now)
    if count == 0:
        return Message("아직 연결된 금융사가 없어 업데이트할 정보가 없어요. 먼저 금융사를 연결해 주세요.",
                       [{"title": "금융사 연결하기", "payload": "/connect_institution"}])
    return Message(f"네, 이제 연결된 금융사 {count}곳의 정보를 {_cycle_words(days)} 업데이트할게요.")


def change_preferences(engine: Engine, customer_id: str, text: str, now: datetime) -> Message:
    """Turns kinds of alert off or on as the words say; asks which, or on or off, when unsaid."""
    ensure_tables(engine)
    request = parse(text)
    if not request.groups:
        verb = "끌" if request.enable is False else ("켤" if request.enable else "바꿀")
        payload = "켜기" if request.enable else "끄기"
        return Message(f"어떤 알림을 {verb}까요?",
                       [{"title": label, "payload": f"{label} 알림 {payload}"} for label, _, _ in
                        list(GROUPS.values())[:6]])
    what = describe(request.groups)
    if request.enable is None:
        return Message(
            f"{what} 알림을 끌까요, 켤까요?",
            [
                {"title": "끄기", "payload": f"{what} 알림 꺼줘"},
                {"title": "켜기", "payload": f"{what} 알림 켜줘"},
            ],
        )
    with session_scope(engine) as session:
        record_conversation(session, customer_id, now)
        set_enabled(session, customer_id, request.groups, request.enable, now)
    if request.enable:
        return Message(f"네, {what} 알림을 다시 보내 드릴게요.")
    return Message(
        f'네, 이제 {what} 알림은 보내지 않을게요. 다시 받으시려면 "{what} 알림 켜줘"라고 말씀해 주세요.'
    )
