"""Korean time-period expressions (`지난달`, `최근 3개월`, `3월부터 5월까지`) as dates.

Dates are inclusive and computed for "today" in Asia/Seoul, never the
machine's local date. Weeks start on Monday.

Span convention (the NLU annotations follow it):
  * the span is the expression only; particles and suffixes after it are
    outside: `[지난달](period)에`, `[올해](period)는`, `[3월](period)부터`
    (an open `부터` is not a range), `[최근 3개월](period) 동안`,
    `[최근 3개월](period)간`, `[3개월](period)간`, `[한 달](period) 동안`;
  * a range keeps its connectors: `[3월부터 5월까지](period)`,
    `[3월~5월](period)`, `[3~5월](period)`, `[3월부터 지금까지](period)`;
  * prefixes that change the meaning are inside: `[최근 3개월](period)`,
    `[지난 3월](period)`, `[작년 12월](period)`, `[올 상반기](period)`;
  * `3월달` is one word: `[3월달](period)에`.

Meaning:
  * a calendar period that contains today ends today (`이번 달`, `이번 주`,
    `올해`, `3월` in March, `상반기` in May), because the questions are about
    spending so far; past ones are whole (`지난달` = the previous calendar
    month); ones explicitly in the future (`2027년`, `올해 12월` in May) are
    returned whole;
  * a month, day, half or quarter without a year is the most recent one that
    has begun: `3월` in February 2026 is March 2025;
  * `최근 N개월` (and `지난 N개월`, `N개월간`, `N개월 동안`, `N달`) is
    today minus N months plus one day .. today, the day clamped to the
    month's length (on 2026-05-31 `최근 3개월` is 2026-03-01..2026-05-31);
    `N년` likewise with 12N months; `N주` is 7N days and `N일` N days, both
    ending today. Its grain is the unit (month/year/week/day);
  * a bare count (`3개월`, `36개월 할부`) is not a period, nor is `N년 동안`
    (a loan term);
  * future words are whole periods: `내일`, `모레`, `다음 주`, `다음 달`
    (`담달`, `내달`, `익월`), `다다음 달`, `다음 분기`, `내년`, `내후년`,
    `내년 3월`;
  * a part of a month is its first, middle or last ten days (the Korean
    초순/중순/하순): `이번 달 초` = 1-10, `3월 중순` = 11-20, `이번 달 말`,
    `월말`, `지난달 말`, `다음 달 말` = 21 to the month's end; `연초` is
    January and `연말` December. Parts are not cut at today: `이번 달 말`
    names days that may be ahead;
  * impossible dates (`13월`, `2099년 13월`, `2월 30일`, `2025년 2월 29일`,
    `3월 32일`, `최근 0개월`, `5분기`, `5~3월`) are no period, not even the
    valid part (`2월 30일` does not give February); `find_impossible_periods`
    reports them with a reason (`month`, `day`, `quarter`, `count`, `range`),
    so the answer can say the date does not exist instead of answering for
    this month. `13월의 월급` (the year-end tax refund) is no date at all.

Not supported: `요 며칠`, `최근` alone, `이월`/`일월` (common words), `N일`
without a month.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, Dict, List, Match, Optional, Tuple, Union

from bot.korean.calendar import DateRange, add_months, now_kst, seoul_date

Span = Tuple[date, date, str]
Resolved = Union[Span, "Impossible", None]


@dataclass(frozen=True)
class Impossible:
    """Why a date-shaped expression names no date: `month`, `day`, `quarter`, `count` or `range`."""

    reason: str


@dataclass(frozen=True)
class ImpossiblePeriod:
    start: int
    end: int
    text: str
    reason: str


@dataclass(frozen=True)
class PeriodMatch:
    start: int
    end: int
    text: str
    start_date: date
    end_date: date
    grain: str

    @property
    def dates(self) -> DateRange:
        return DateRange(self.start_date, self.end_date)


def _utc_now() -> datetime:
    return now_kst()


def seoul_today(now: Optional[datetime] = None) -> date:
    """The date in Seoul at `now` (an aware datetime; default: the current time)."""
    return seoul_date(_utc_now() if now is None else now)


_KOREAN_MONTHS = {
    "삼": 3, "사": 4, "오": 5, "유": 6, "칠": 7, "팔": 8, "구": 9, "시": 10, "십일": 11, "십이": 12,
}
NATIVE_COUNTS = {
    "한": 1, "두": 2, "세": 3, "석": 3, "네": 4, "넉": 4, "다섯": 5, "여섯": 6, "일곱": 7,
    "여덟": 8, "아홉": 9, "열": 10, "열한": 11, "열두": 12,
}
_SINO_DIGITS = {"일": 1, "이": 2, "삼": 3, "사": 4, "오": 5, "육": 6, "칠": 7, "팔": 8, "구": 9}
_RELATIVE_YEARS = {
    "재작년": -2, "지지난해": -2, "작년": -1, "지난해": -1, "전년": -1, "올해": 0, "금년": 0, "올": 0,
    "내년": 1, "명년": 1, "다음해": 1, "내후년": 2,
}
_MAX_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MAX_COUNT = {"month": 600, "year": 50, "week": 520, "day": 3660}

_PARTICLES = (
    "에", "엔", "은", "는", "이", "가", "의", "도", "부터", "까지", "동안", "간", "내", "중", "만", "치",
    "분", "거", "꺼", "것", "껏", "랑", "하고", "과", "와", "로", "으로", "보다", "대비", "기준", "께",
    "를", "을", "요", "건", "걸", "뿐", "사이", "쯤", "경", "전", "후", "인", "라", "이랑",
)


def _alternation(words) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_YEAR_WORD = r"재작년|지지난 ?해|작년|지난 ?해|전년|올 ?해|금년|내후년|내년|명년|다음 ?해"
_MONTH_NUMBER = rf"[0-9]{{1,2}}|{_alternation(_KOREAN_MONTHS)}"
_COUNT = rf"[0-9]{{1,3}}|{_alternation(NATIVE_COUNTS)}|[일이삼사오육칠팔구십]{{1,3}}"
_RELATIVE_WORDS = {
    "오늘": ("day", 0), "금일": ("day", 0), "어제": ("day", 1), "어저께": ("day", 1),
    "그저께": ("day", 2), "그제": ("day", 2),
    "이번주": ("week", 0), "금주": ("week", 0), "지난주": ("week", 1), "저번주": ("week", 1),
    "지지난주": ("week", 2),
    "이번달": ("month", 0), "이달": ("month", 0), "당월": ("month", 0), "금월": ("month", 0),
    "지난달": ("month", 1), "저번달": ("month", 1), "전월": ("month", 1), "지지난달": ("month", 2),
    "이번분기": ("quarter", 0), "지난분기": ("quarter", 1), "저번분기": ("quarter", 1),
    "전분기": ("quarter", 1),
    # the future: a negative number of steps back
    "내일": ("day", -1), "모레": ("day", -2), "내일모레": ("day", -2),
    "다음주": ("week", -1), "담주": ("week", -1), "차주": ("week", -1), "다다음주": ("week", -2),
    "다음달": ("month", -1), "담달": ("month", -1), "내달": ("month", -1), "익월": ("month", -1),
    "다다음달": ("month", -2), "다음분기": ("quarter", -1), "담분기": ("quarter", -1),
}
_RELATIVE = (
    r"오늘|금일|어저께|어제|그저께|그제|내일 ?모레|내일|모레|"
    r"(?:이번|지지난|지난|저번|다다음|다음|담) ?(?:주|달|분기)|금주|차주|이달|당월|금월|전월|내달|익월|전 "
    r"?분기"
)


def _point(p: str) -> str:
    """A single calendar period; group names carry the prefix `p` so two can be combined."""
    year = (
        rf"(?:(?P<{p}y4>(?:19|20)[0-9]{{2}})년|(?P<{p}y2>[0-9]{{2}})년(?= ?[0-9]{{1,2}}월)"
        rf"|(?P<{p}yw>{_YEAR_WORD}|올(?= ?(?:[0-9]|[상하]반기))))"
    )
    month = rf"(?P<{p}m>{_MONTH_NUMBER})월(?:달)?(?: ?(?P<{p}d>[0-9]{{1,2}})일)?"
    last_month = rf"(?:지난|저번) ?(?P<{p}lm>{_MONTH_NUMBER})월(?:달)?"
    half = rf"(?P<{p}h>[상하])반기"
    quarter = rf"(?P<{p}q>[0-9])(?:/4)? ?분기"
    year_only = rf"(?:(?P<{p}oy4>(?:19|20)[0-9]{{2}})년|(?P<{p}oyw>{_YEAR_WORD}))"
    iso = (
        rf"(?P<{p}iy>(?:19|20)[0-9]{{2}})[-./](?P<{p}im>[0-9]{{1,2}})[-./](?P<{p}id>[0-9]{{1,2}})"
    )
    return (
        rf"(?:{iso}|{last_month}|(?:{year} ?)?(?:{month}|{half}|{quarter})"
        rf"|{year_only}|(?P<{p}rel>{_RELATIVE}))"
    )


_POINT = re.compile(_point(""))
_RANGE = re.compile(
    rf"{_point('a_')}(?: ?부터 ?| ?~ ?)"
    rf"(?:{_point('b_')}|(?P<b_day>[0-9]{{1,2}})일|(?P<b_now>지금|현재))(?: ?까지)?"
)
_MONTH_RANGE = re.compile(
    rf"(?:(?:(?P<y4>(?:19|20)[0-9]{{2}})년|(?P<yw>{_YEAR_WORD}|올)) ?)?"
    rf"(?P<m1>[0-9]{{1,2}}) ?~ ?(?P<m2>[0-9]{{1,2}})월"
)
_ROLLING_AFTER_PREFIX = re.compile(
    rf"(?:최근|지난|직전) ?(?P<count>{_COUNT}) ?(?P<unit>개월|달|주일|주|일|년)"
)
_ROLLING_BEFORE_SUFFIX = re.compile(
    rf"(?P<count>{_COUNT}) ?(?P<unit>개월|달|주일|주|일)(?=간| ?동안)"
)


def _month_span(year: int, month: int) -> Tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _quarter_span(year: int, quarter: int) -> Tuple[date, date]:
    first = 3 * quarter - 2
    return date(year, first, 1), _month_span(year, first + 2)[1]


def _half_span(year: int, first_half: bool) -> Tuple[date, date]:
    return (date(year, 1, 1), date(year, 6, 30)) if first_half else (date(year, 7, 1), date(year, 12, 31))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _relative_span(word: str, today: date) -> Span:
    grain, steps_back = _RELATIVE_WORDS[word.replace(" ", "")]
    if grain == "day":
        day = today - timedelta(days=steps_back)
        return day, day, grain
    if grain == "week":
        start = _monday(today) - timedelta(weeks=steps_back)
        return start, start + timedelta(days=6), grain
    if grain == "month":
        first = add_months(today.replace(day=1), -steps_back)
        return (*_month_span(first.year, first.month), grain)
    quarter_index = today.year * 4 + (today.month - 1) // 3 - steps_back
    return (*_quarter_span(quarter_index // 4, quarter_index % 4 + 1), grain)


def _year_of(groups: Dict[str, Optional[str]], p: str, today: date) -> Optional[int]:
    if year4 := groups.get(p + "y4"):
        return int(year4)
    if year2 := groups.get(p + "y2"):
        return 2000 + int(year2)
    if year_word := groups.get(p + "yw"):
        return today.year + _RELATIVE_YEARS[year_word.replace(" ", "")]
    return None


def _month_number(word: str) -> int:
    return int(word) if word.isdigit() else _KOREAN_MONTHS[word]


def _latest_begun(
    make: Callable[[int], Optional[Tuple[date, date]]], anchor: date
) -> Optional[Tuple[date, date]]:
    """The first period built for a year, from `anchor`'s year back, that starts by `anchor`."""
    for year in range(anchor.year, anchor.year - 9, -1):
        span = make(year)
        if span is not None and span[0] <= anchor:
            return span
    return None


def _earliest_from(
    make: Callable[[int], Optional[Tuple[date, date]]], anchor: date
) -> Optional[Tuple[date, date]]:
    """The first period built for a year, from `anchor`'s year on, that ends after `anchor`."""
    for year in range(anchor.year, anchor.year + 9):
        span = make(year)
        if span is not None and span[1] >= anchor:
            return span
    return None


def _resolve_point(
    groups: Dict[str, Optional[str]], p: str, today: date, after: Optional[date] = None
) -> Resolved:
    """Dates of one calendar period; without a year it is the latest begun, or the first after `after`."""
    iso_year, iso_month, iso_day = groups.get(p + "iy"), groups.get(p + "im"), groups.get(p + "id")
    if iso_year and iso_month and iso_day:
        month = int(iso_month)
        if not 1 <= month <= 12:
            return Impossible("month")
        try:
            day = date(int(iso_year), month, int(iso_day))
        except ValueError:
            return Impossible("day")
        return day, day, "day"
    if relative := groups.get(p + "rel"):
        return _relative_span(relative, today)
    if only_year4 := groups.get(p + "oy4"):
        year = int(only_year4)
        return date(year, 1, 1), date(year, 12, 31), "year"
    if only_year_word := groups.get(p + "oyw"):
        year = today.year + _RELATIVE_YEARS[only_year_word.replace(" ", "")]
        return date(year, 1, 1), date(year, 12, 31), "year"
    if last_month_word := groups.get(p + "lm"):
        month = _month_number(last_month_word)
        if not 1 <= month <= 12:
            return Impossible("month")
        year = today.year if month < today.month else today.year - 1
        return (*_month_span(year, month), "month")

    make: Callable[[int], Optional[Tuple[date, date]]]
    if month_word := groups.get(p + "m"):
        month = _month_number(month_word)
        if not 1 <= month <= 12:
            return Impossible("month")
        if day_text := groups.get(p + "d"):
            day_of_month = int(day_text)
            if not 1 <= day_of_month <= _MAX_DAYS[month - 1]:
                return Impossible("day")

            def make(year: int) -> Optional[Tuple[date, date]]:
                if day_of_month > calendar.monthrange(year, month)[1]:
                    return None
                return date(year, month, day_of_month), date(year, month, day_of_month)

            grain = "day"
        else:

            def make(year: int) -> Optional[Tuple[date, date]]:
                return _month_span(year, month)

            grain = "month"
    elif groups.get(p + "h"):
        first_half = groups[p + "h"] == "상"

        def make(year: int) -> Optional[Tuple[date, date]]:
            return _half_span(year, first_half)

        grain = "half"
    elif quarter_text := groups.get(p + "q"):
        quarter = int(quarter_text)
        if not 1 <= quarter <= 4:
            return Impossible("quarter")

        def make(year: int) -> Optional[Tuple[date, date]]:
            return _quarter_span(year, quarter)

        grain = "quarter"
    else:
        return None

    given_year = _year_of(groups, p, today)
    if given_year is not None:
        span = make(given_year)
        if span is None:
            return Impossible("day")  # 2월 29일 of a year that has none
    elif after is not None:
        span = _earliest_from(make, after)
    else:
        span = _latest_begun(make, today)
    return None if span is None else (span[0], span[1], grain)


def _resolve_single(m: Match[str], today: date) -> Resolved:
    return _resolve_point(m.groupdict(), "", today)


def _resolve_range(m: Match[str], today: date) -> Resolved:
    groups = m.groupdict()
    first = _resolve_point(groups, "a_", today)
    if not isinstance(first, tuple):
        return first
    if groups["b_now"]:
        last_day = today
    elif groups["b_day"]:
        if first[2] != "day":
            return None
        try:
            last_day = first[0].replace(day=int(groups["b_day"]))
        except ValueError:
            return Impossible("day")
    else:
        last = _resolve_point(groups, "b_", today, after=first[0])
        if not isinstance(last, tuple):
            return last
        last_day = last[1]
    if last_day < first[0]:
        return Impossible("range")
    return first[0], last_day, "range"


def _resolve_month_range(m: Match[str], today: date) -> Resolved:
    first_month, last_month = int(m["m1"]), int(m["m2"])
    if not (1 <= first_month <= 12 and 1 <= last_month <= 12):
        return Impossible("month")
    if first_month > last_month:
        return Impossible("range")
    groups = {"y4": m["y4"], "yw": m["yw"]}
    year = _year_of(groups, "", today)
    if year is None:
        year = today.year if first_month <= today.month else today.year - 1
    return date(year, first_month, 1), _month_span(year, last_month)[1], "range"


def _count(word: str, unit: str) -> Optional[int]:
    if word.isdigit():
        return int(word)
    if word in NATIVE_COUNTS:
        return NATIVE_COUNTS[word] if unit in ("달", "주") else None
    if unit not in ("개월", "주일", "년"):
        return None
    tens, _, ones = word.rpartition("십")
    if "십" not in word:
        return _SINO_DIGITS.get(word) if len(word) == 1 else None
    if (tens and tens not in _SINO_DIGITS) or (ones and ones not in _SINO_DIGITS):
        return None
    return (_SINO_DIGITS[tens] if tens else 1) * 10 + (_SINO_DIGITS[ones] if ones else 0)


def _resolve_rolling(m: Match[str], today: date) -> Resolved:
    unit = m["unit"]
    count = _count(m["count"], unit)
    grain = {"개월": "month", "달": "month", "년": "year", "주": "week", "주일": "week", "일": "day"}[unit]
    if count is None:
        return None
    if not count or count > _MAX_COUNT[grain]:
        return Impossible("count")
    if grain == "month":
        start = add_months(today, -count) + timedelta(days=1)
    elif grain == "year":
        start = add_months(today, -12 * count) + timedelta(days=1)
    else:
        start = today - timedelta(days=count * (7 if grain == "week" else 1) - 1)
    return start, today, grain


# 초/중순/말 of a month (`이번 달 말`, `3월 중순`, `월말`), of a year
# (`내년 초`, `연말`), and a week's end (`이번 주말`).
_PART_WORDS = {
    "초": "early", "초순": "early", "상순": "early", "초반": "early", "중순": "mid", "중반": "mid",
    "하순": "late", "말": "late", "후반": "late", "말일": "last_day",
}
_PART = re.compile(
    rf"(?:{_point('c_')} ?(?:연(?=[초말]))?|(?P<c_bare>[월연]))"
    r"(?P<part>말일|초순|상순|중순|하순|초반|중반|후반|초(?!과)|말(?![고구씀]))"
)


def _resolve_part(m: Match[str], today: date) -> Resolved:
    part = _PART_WORDS[m["part"]]
    if m["c_bare"] == "월":
        base: Resolved = (*_month_span(today.year, today.month), "month")
    elif m["c_bare"] == "연":
        base = date(today.year, 1, 1), date(today.year, 12, 31), "year"
    else:
        base = _resolve_point(m.groupdict(), "c_", today)
    if not isinstance(base, tuple):
        return base
    first, last, grain = base
    if grain == "month":
        if part == "last_day":
            return last, last, "day"
        start_day, end_day = {"early": (1, 10), "mid": (11, 20), "late": (21, last.day)}[part]
        return first.replace(day=start_day), first.replace(day=end_day), "range"
    if grain == "year" and part in ("early", "late"):
        month = 1 if part == "early" else 12
        return (*_month_span(first.year, month), "month")
    if grain == "week" and part == "late":
        return first + timedelta(days=5), first + timedelta(days=6), "range"
    return None


_RULES: Tuple[Tuple[re.Pattern, Callable[[Match[str], date], Resolved], bool], ...] = (
    (_RANGE, _resolve_range, True),
    (_MONTH_RANGE, _resolve_month_range, True),
    (_PART, _resolve_part, False),
    (_ROLLING_AFTER_PREFIX, _resolve_rolling, False),
    (_ROLLING_BEFORE_SUFFIX, _resolve_rolling, False),
    (_POINT, _resolve_single, True),
)
# `13월의 월급` is the year-end tax refund, not an impossible month.
_NOT_A_DATE_AFTER = re.compile(r"의 ?월급")


def _is_hangul(ch: str) -> bool:
    return "가" <= ch <= "힣"


def _stands_alone(text: str, start: int, end: int) -> bool:
    """The match is a whole word: not glued to a preceding word/number, followed by a particle at most."""
    if start > 0:
        before = text[start - 1]
        if _is_hangul(before) or ("0" <= before <= "9") or (before in ".,-/~" and "0" <= text[start] <= "9"):
            return False
    following = text[end:]
    if following:
        after = following[0]
        if _is_hangul(after) and not following.startswith(_PARTICLES):
            return False
        if "0" <= after <= "9" and "0" <= text[end - 1] <= "9":
            return False
    return True


def _scan(text: str, today: date) -> List[Tuple[int, int, Resolved]]:
    """Non-overlapping date expressions, longest first at each position, with what each names."""
    candidates = []
    for pattern, resolve, clamp in _RULES:
        for m in pattern.finditer(text):
            if not _stands_alone(text, m.start(), m.end()):
                continue
            span = resolve(m, today)
            if isinstance(span, Impossible) and _NOT_A_DATE_AFTER.match(text, m.end()):
                span = None
            if isinstance(span, tuple) and clamp and span[0] <= today <= span[1]:
                span = (span[0], today, span[2])
            candidates.append((m.start(), m.end(), span))
    candidates.sort(key=lambda c: (c[0], c[0] - c[1]))
    taken: List[Tuple[int, int, Resolved]] = []
    taken_until = 0
    for start, end, span in candidates:
        if start >= taken_until:
            taken.append((start, end, span))
            taken_until = end
    return taken


def find_periods(text: str, today: Optional[date] = None) -> List[PeriodMatch]:
    """Every period in `text`, left to right; `today` defaults to the current date in Seoul."""
    if today is None:
        today = seoul_today()
    return [
        PeriodMatch(start, end, text[start:end], span[0], span[1], span[2])
        for start, end, span in _scan(text, today)
        if isinstance(span, tuple)
    ]


def find_impossible_periods(text: str, today: Optional[date] = None) -> List[ImpossiblePeriod]:
    """Date expressions that name no date (`2월 30일`, `13월`), with the reason."""
    if today is None:
        today = seoul_today()
    return [
        ImpossiblePeriod(start, end, text[start:end], span.reason)
        for start, end, span in _scan(text, today)
        if isinstance(span, Impossible)
    ]


def parse_period(text: str, today: Optional[date] = None) -> Optional[PeriodMatch]:
    """The one period in a bare answer (`지난달이요`), or None if none or several."""
    periods = find_periods(text, today)
    return periods[0] if len(periods) == 1 else None
