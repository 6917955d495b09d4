"""Hours of the day as Koreans say them, as 0-23: `밤 10시` → 22, `아침 8시` → 8, `오후 3시` → 15,
`새벽 1시` → 1, `22시` → 22, `자정` → 0, `정오` → 12, `열한 시` → 11 (native numerals too).

The word before the hour says which half of the day it is in (`오전`, `아침`, `새벽` the morning;
`오후`, `저녁`, `밤` the afternoon or night, but `밤 1시` is one at night, `밤 12시` midnight; `낮`
noon to the afternoon). Without one, 13-24 are unambiguous and 0-12 are left for the caller to
read in context (`explicit` is False). Minutes (`10시 반`, `10시 30분`) are not read: only hours.
`3시간` (a duration) is not an hour of the day.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

from bot.nlp.period import NATIVE_COUNTS

_AM = ("오전", "아침", "새벽")
_PM = ("오후", "저녁", "밤")
_NOON = ("낮",)
_NUMBER = "|".join(sorted(NATIVE_COUNTS, key=len, reverse=True))
_HOUR = re.compile(
    rf"(?:(?P<half>{'|'.join(_AM + _PM + _NOON)})\s*)?"
    rf"(?:(?<![0-9])(?P<digits>[0-9]{{1,2}})|(?<![가-힣])(?P<native>{_NUMBER}))\s*시(?![간작장험적기청도계])"
)
_NAMED = {"자정": 0, "정오": 12}
_NAMED_PATTERN = re.compile("|".join(_NAMED))


@dataclass(frozen=True)
class HourMention:
    hour: int | None  # 0-23; None for an hour that does not exist (`25시`, `오후 13시`)
    start: int
    end: int
    explicit: bool  # the half of the day was said (or the hour needs none)


def _hour(number: int, half: str | None) -> tuple[int, bool] | None:
    if half is None:
        if 13 <= number <= 24:
            return number % 24, True
        return (number, False) if 0 <= number <= 12 else None
    if not 1 <= number <= 12:
        return None
    if half in _AM:
        return number % 12, True
    if half == "밤" and number <= 4:  # 밤 1시: one at night
        return number, True
    if half in _NOON:
        return (12 if number == 12 else number + 12) if number <= 6 or number == 12 else number, True
    return (0 if number == 12 and half == "밤" else (number % 12) + 12), True


def find_hours(text: str) -> List[HourMention]:
    """Every hour of the day named in the text, in order; an impossible one (`25시`, `오후 13시`) has hour
    None."""
    text = text or ""
    found: list[HourMention] = []
    for match in _HOUR.finditer(text):
        number = int(match.group("digits")) if match.group("digits") else NATIVE_COUNTS[match.group("native")]
        read = _hour(number, match.group("half")) or (None, True)
        found.append(HourMention(read[0], match.start(), match.end(), read[1]))
    for match in _NAMED_PATTERN.finditer(text):
        found.append(HourMention(_NAMED[match.group()], match.start(), match.end(), True))
    return sorted(found, key=lambda m: m.start)
