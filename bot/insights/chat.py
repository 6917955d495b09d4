"""What the assistant says for "알림 보여줘", "매일 업데이트해줘", "중복결제 알림 꺼줘", "알림 밤에는
보내지 마", "새로고침", and an alert pushed into an open chat (pure Python over the store;
the Rasa actions only pass the verified customer in and the messages out)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Sequence

from sqlalchemy.engine import Engine

from bot.insights.inbox import InboxItem, inbox, mark_read
from bot.insights.models import ensure_tables
from bot.insights.preferences import GROUPS, PreferenceRequest, describe, parse, set_enabled
from bot.insights.quiet_hours import (
    QuietHours,
    QuietHoursRequest,
    hour_words,
    parse_quiet_hours,
    quiet_hours_of,
    set_quiet_hours,
)
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


def change_preferences(engine: Engine, customer_id: str, text: str, now: datetime,
                       earlier: Sequence[str] = ()) -> Message:
    """Turns kinds of alert off or on, or sets the quiet hours, as the words say; asks which, or on or
    off, when unsaid. `earlier` are the customer's previous settings messages in this conversation,
    newest first: "다시 켜줘" switches what the last of them named."""
    ensure_tables(engine)
    quiet = parse_quiet_hours(text)
    request = parse(text)
    if quiet is None and not request.groups and request.enable is not None:
        for previous in earlier:
            before_quiet, before = parse_quiet_hours(previous), parse(previous)
            if before_quiet is not None:
                quiet = before_quiet.again(request.enable)
                break
            if before.groups:
                request = PreferenceRequest(before.groups, request.enable)
                break
    if quiet is not None:
        return change_quiet_hours(engine, customer_id, quiet, now)
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


QUIET_BUTTONS = [{"title": "밤에는 보내지 않기", "payload": "알림 밤에는 보내지 마"},
                 {"title": "밤에도 받기", "payload": "밤에도 알림 보내줘"}]


def change_quiet_hours(
    engine: Engine, customer_id: str, request: QuietHoursRequest, now: datetime
) -> Message:
    """Quiet hours on (with the hours said, or the ones set before), off, or a question when unclear."""
    if request.impossible:
        return Message("없는 시각이 있어요. \"밤 10시부터 아침 8시\"처럼 0시에서 24시 사이로 말씀해 주세요.")
    if request.quiet is None:
        return Message("밤에는 급하지 않은 알림을 보내지 말까요?", QUIET_BUTTONS)
    with session_scope(engine) as session:
        current = quiet_hours_of(session, customer_id)
        wanted = QuietHours(current.start_hour if request.start_hour is None else request.start_hour,
                            current.end_hour if request.end_hour is None else request.end_hour, request.quiet)
        if wanted.start_hour == wanted.end_hour:
            return Message(f"조용한 시간의 시작과 끝이 모두 {hour_words(wanted.start_hour)}예요. "
                           "\"밤 10시부터 아침 8시\"처럼 시작과 끝을 다르게 말씀해 주세요.")
        record_conversation(session, customer_id, now)
        set_quiet_hours(session, customer_id, wanted, now)
    if not wanted.enabled:
        return Message("네, 이제 밤에도 알림을 바로 보내 드릴게요. 다시 조용한 시간을 두시려면 "
                       "\"알림 밤에는 보내지 마\"라고 말씀해 주세요.")
    return Message(f"네, {wanted.words()}는 급하지 않은 알림을 보내지 않고 {hour_words(wanted.end_hour)}에 "
                   "모아서 보내 드릴게요. 연체처럼 급한 알림은 바로 보내 드려요.")


def pushed(item: InboxItem) -> Message:
    """An alert as it appears unasked in an open chat: marked as new, with its button."""
    return Message(f"[새 알림] {SEVERITY_MARK.get(item.severity, '')}{item.text}",
                   [{"title": item.button_title, "payload": item.button_payload}])


def after_refresh(synced: Sequence[str], failed: Sequence[str], new_alerts: int) -> Message:
    """The answer to "새로고침": what came in, what did not, and how many new alerts it raised (the
    alerts themselves reach the customer as every new alert does: an open chat, KakaoTalk, the inbox)."""
    if not synced and not failed:
        return Message("아직 연결된 금융사가 없어 새로 받아올 정보가 없어요. 먼저 금융사를 연결해 주세요.",
                       [{"title": "금융사 연결하기", "payload": "/connect_institution"}])
    parts = []
    if synced:
        parts.append(f"연결된 금융사 {len(synced)}곳의 정보를 새로 받아왔어요.")
    if failed:
        parts.append(f"{'·'.join(failed)}의 정보는 지금 받아오지 못해 마지막으로 받은 정보로 답변드리고, "
                     "다음 정기 업데이트 때 다시 받아올게요.")
    if new_alerts:
        parts.append(f"새 알림 {new_alerts}건이 생겼어요.")
        return Message(" ".join(parts), [{"title": "알림 보기", "payload": "/show_alerts"}])
    return Message(" ".join(parts))
