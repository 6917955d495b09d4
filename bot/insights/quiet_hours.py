"""Quiet hours: when a customer's non-urgent alerts wait. 22:00-08:00 KST for everyone until the
customer says otherwise in chat ("알림 밤에는 보내지 마", "조용한 시간 밤 11시부터 아침 7시", "밤에도
알림 보내줘"). Urgent alerts go at any hour. Every channel that pushes (KakaoTalk, an open web chat)
asks `may_send`; what the customer asks for ("알림 보여줘", the greeting) is shown at any hour.
What waited goes out in the first delivery round after the quiet hours end (beat's hourly round).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.insights.detectors import URGENT
from bot.insights.models import AlertQuietHours
from bot.insights.preferences import OFF_WORDS, ON_WORDS, switch_said
from bot.korean.calendar import KST
from bot.nlp.time_of_day import find_hours


@dataclass(frozen=True)
class QuietHours:
    start_hour: int = 22
    end_hour: int = 8
    enabled: bool = True

    def holds(self, moment: datetime) -> bool:
        """Whether `moment` (aware) falls in the quiet hours, read on the Seoul clock."""
        if not self.enabled:
            return False
        hour = moment.astimezone(KST).hour
        if self.start_hour < self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour

    def may_send(self, severity: int, moment: datetime) -> bool:
        return severity >= URGENT or not self.holds(moment)

    def words(self) -> str:
        return f"{hour_words(self.start_hour)}부터 {hour_words(self.end_hour)}까지"


DEFAULT = QuietHours()


def hour_words(hour: int) -> str:
    """22 → '밤 10시', 8 → '아침 8시', 0 → '자정', 12 → '낮 12시', 15 → '오후 3시'."""
    if hour == 0:
        return "자정"
    if hour == 12:
        return "낮 12시"
    if hour < 6:
        return f"새벽 {hour}시"
    if hour < 12:
        return f"아침 {hour}시"
    if hour < 18:
        return f"오후 {hour - 12}시"
    return f"{'저녁' if hour < 21 else '밤'} {hour - 12}시"


def quiet_hours_of(session: Session, customer_id: str) -> QuietHours:
    row = session.get(AlertQuietHours, customer_id)
    return DEFAULT if row is None else QuietHours(row.start_hour, row.end_hour, bool(row.enabled))


def set_quiet_hours(session: Session, customer_id: str, hours: QuietHours, now: datetime) -> None:
    row = session.get(AlertQuietHours, customer_id)
    if row is None:
        session.add(
            AlertQuietHours(
                customer_id=customer_id,
                start_hour=hours.start_hour,
                end_hour=hours.end_hour,
                enabled=int(hours.enabled),
                updated_at=now,
            )
        )
    else:
        row.start_hour, row.end_hour, row.enabled, row.updated_at = (hours.start_hour, hours.end_hour,
                                                                     int(hours.enabled), now)


# -- what the customer said ------------------------------------------------------------------------

PERIOD_WORDS = (
    "조용한 시간",
    "조용한시간",
    "방해 금지",
    "방해금지",
    "무음 시간",
    "알림 금지 시간",
    "에티켓 시간",
)
NIGHT_WORDS = (
    "밤",
    "야간",
    "심야",
    "새벽",
    "잘 때",
    "잘때",
    "자는 동안",
    "자는동안",
    "자는 시간",
    "수면",
    "취침",
    "늦은 시간",
)
ANY_TIME_WORDS = ("밤에도", "새벽에도", "언제든", "아무 때나", "아무때나", "24시간", "밤낮", "시간 상관없이")
STOP_WORDS = OFF_WORDS + ("보내지 말", "울리지", "않게", "오지 않", "오지 마", "안 왔", "안 오", "싫어")
START_WORDS = ON_WORDS + ("보내주", "와도 돼", "받을게")
PERIOD_OFF_WORDS = ("해제", "없애", "취소", "꺼", "끄", "끈", "끌", "그만", "필요 없", "필요없")
PERIOD_ON_WORDS = ("켜", "설정", "정해", "맞춰", "만들어")
AFTER_WORDS = ("이후", "부터", "넘어", "지나", "넘으면", "후에", "후엔")
BEFORE_WORDS = ("전에", "전엔", "전까지", "까지", "이전")


@dataclass(frozen=True)
class QuietHoursRequest:
    about_period: bool  # on/off words named the quiet period itself ("조용한 시간 꺼줘"), not night alerts
    quiet: bool | None  # quiet hours wanted on, off, or not said
    start_hour: int | None = None
    end_hour: int | None = None
    impossible: bool = False  # an hour that does not exist was named ("25시")

    def again(self, enable: bool) -> "QuietHoursRequest":
        """"다시 켜줘" / "다시 꺼줘" after this request: the same subject switched on or off."""
        return QuietHoursRequest(self.about_period, enable if self.about_period else not enable)


def _start_or_end(text: str, end_of_mention: int) -> str:
    after = text[end_of_mention:end_of_mention + 6]
    if any(w in after for w in BEFORE_WORDS) and not any(after.lstrip().startswith(w) for w in AFTER_WORDS):
        return "end"
    return "start"


def _evening(hour: int, explicit: bool) -> int:
    """A bare hour as said of the night: "10시" is 22시 unless 오전/오후 was said or it is before 6."""
    if explicit or hour < 6:
        return hour
    return 0 if hour == 12 else hour + 12


def parse_quiet_hours(text: str) -> QuietHoursRequest | None:
    """What a message says about quiet hours; None when it says nothing about them."""
    text = text or ""
    hours = find_hours(text)
    about_period = any(w in text for w in PERIOD_WORDS)
    if not (about_period or hours or any(w in text for w in NIGHT_WORDS + ANY_TIME_WORDS)):
        return None
    if any(h.hour is None for h in hours):
        return QuietHoursRequest(about_period, None, impossible=True)
    if any(w in text for w in ANY_TIME_WORDS):
        return QuietHoursRequest(about_period, False)
    if about_period:
        quiet = switch_said(text, PERIOD_OFF_WORDS, PERIOD_ON_WORDS)
    else:
        night_alerts = switch_said(text, STOP_WORDS, START_WORDS)
        quiet = None if night_alerts is None else not night_alerts
    if quiet is False:
        return QuietHoursRequest(about_period, False)
    start = end = None
    said = [h.hour for h in hours if h.hour is not None]  # all of them: an unknown hour returned above
    if len(hours) >= 2:
        start = _evening(said[0], hours[0].explicit)
        end = said[1]
    elif hours:
        if _start_or_end(text, hours[0].end) == "end":
            end = said[0]
        else:
            start = _evening(said[0], hours[0].explicit)
    if start is not None or end is not None:
        quiet = True
    return QuietHoursRequest(about_period, quiet, start, end)
