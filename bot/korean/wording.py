"""Korean wording: how money, dates and rates read, and the particle (조사) after any word.

The one place the product decides how numbers read. Rules for `won_approx` (what a person
hears, not what a statement shows):
- under 1만 원: to the nearest 100원 ("약 8,800원");
- 1만 원 up to 1억 원: to the nearest 만 원 ("85만 원", "3,500만 원");
- 1억 원 and above: to the nearest 0.1억, a trailing ".0" dropped ("1.2억 원", "12.3억 원");
- "약 " is prefixed exactly when rounding changed the amount; a value that rounds up into
  the next unit moves to it (99,995,000 → "약 1억 원"). Rounding is half up throughout.
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.korean.calendar import seoul_date

WEEKDAYS = "월화수목금토일"
MAN = 10_000
EOK = 100_000_000


def _int(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} takes an int, got {type(value).__name__} {value!r}")
    return value


def _whole_won(amount: object) -> int:
    return _int(amount, "won amounts (int won)")


def _decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise TypeError(f"{what} takes Decimal or int (never float), got {type(value).__name__} {value!r}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} needs a finite number, got {value!r}")
    return number


def _half_up(value: Decimal, places: int = 0) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def won(amount: int) -> str:
    """Exact amount: 1234560 → "1,234,560원"."""
    return f"{_whole_won(amount):,}원"


def won_approx(amount: int) -> str:
    """Rounded amount for speech: 123456789 → "약 1.2억 원", 854000 → "약 85만 원"."""
    size = abs(_whole_won(amount))
    sign = "-" if amount < 0 else ""
    hundreds = int(_half_up(Decimal(size) / 100))
    if hundreds * 100 < MAN:
        text, shown = f"{hundreds * 100:,}원", hundreds * 100
    else:
        manwon = int(_half_up(Decimal(size) / MAN))
        if manwon * MAN < EOK:
            text, shown = f"{manwon:,}만 원", manwon * MAN
        else:
            tenths = int(_half_up(Decimal(size) / (EOK // 10)))
            whole, tenth = divmod(tenths, 10)
            text = f"{whole:,}.{tenth}억 원" if tenth else f"{whole:,}억 원"
            shown = tenths * (EOK // 10)
    prefix = "" if shown == size else "약 "
    return f"{prefix}{sign}{text}"


def korean_date(moment: date, *, with_year: bool = False) -> str:
    """date(2026, 11, 25) → "11월 25일(수)"; an aware datetime is read in Seoul time."""
    if not isinstance(moment, date):
        raise TypeError(f"korean_date takes a date or datetime, got {type(moment).__name__}")
    moment = seoul_date(moment)
    year = f"{moment.year}년 " if with_year else ""
    return f"{year}{moment.month}월 {moment.day}일({WEEKDAYS[moment.weekday()]})"


def rate(value: Decimal) -> str:
    """Yearly interest rate as banks print it: Decimal("3.55") → "연 3.55%", 4 → "연 4.00%"."""
    return f"연 {_half_up(_decimal(value, 'rate'), 2)}%"


def _trimmed(value: Decimal, places: int) -> str:
    if places < 0:
        raise ValueError("places must be >= 0")
    text = f"{_half_up(value, places):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def percent(value: Decimal, places: int = 1) -> str:
    """A share in percent, half up to `places`, trailing zeros dropped: 35.25 → "35.3%", 40 → "40%"."""
    return f"{_trimmed(_decimal(value, 'percent'), places)}%"


def percent_points(value: Decimal, places: int = 2) -> str:
    """A difference of rates: Decimal("1.5") → "1.5%p"."""
    return f"{_trimmed(_decimal(value, 'percent_points'), places)}%p"


def basis_points(bp: int, places: int = 1) -> str:
    """A ratio kept in basis points (DSR): 3525 → "35.3%"."""
    return percent(Decimal(_int(bp, 'basis_points')) / 100, places)


# ---------------------------------------------------------------- particles (조사)
# 은/는, 이/가, 을/를, 과/와, 으로/로 depend on the word before them: an institution, a merchant,
# or a formatted amount such as "1,234원".

# particle written after a final consonant -> after a vowel
_PAIRS = {"은": "는", "이": "가", "을": "를", "과": "와", "으로": "로", "이에요": "예요", "이라": "라"}
_PAIRS.update({v: v for v in _PAIRS.values()})
_AFTER_CONSONANT = {v: k for k, v in _PAIRS.items() if k != v}
_AFTER_CONSONANT.update({k: k for k in ("은", "이", "을", "과", "으로", "이에요", "이라")})
# Latin letters and digits read aloud in Korean: does the reading end in a consonant (받침)?
_LATIN_BATCHIM = set("LMNRlmnr")
_DIGIT_BATCHIM = set("013678")  # 영 일 삼 육 칠 팔 end in a consonant
_DIGIT_RIEUL = set("178")  # 일 칠 팔 end in ㄹ: "으로" becomes "로"


def _final(word: str) -> tuple[bool, bool]:
    """(ends in a consonant, that consonant is ㄹ) for the last readable character."""
    for char in reversed(word.strip()):
        code = ord(char)
        if 0xAC00 <= code <= 0xD7A3:
            jong = (code - 0xAC00) % 28
            return jong != 0, jong == 8
        if char.isdigit():
            return char in _DIGIT_BATCHIM, char in _DIGIT_RIEUL
        if char.isalpha():
            return char in _LATIN_BATCHIM, char in "Ll"
        if char == "%":
            return False, False  # 퍼센트
        # punctuation and spaces: look further left
    return False, False


def josa(word: str, particle: str) -> str:
    """`word` followed by the right form of `particle`: josa("현대카드", "은") → "현대카드는"."""
    return word + particle_after(word, particle)


def particle_after(word: str, particle: str) -> str:
    """The right form of `particle` alone, for text between the word and it ("'우리'는"):
    particle_after("현대카드", "은") → "는"."""
    if particle not in _PAIRS and particle not in _AFTER_CONSONANT:
        raise ValueError(f"unknown particle {particle!r}")
    consonant, rieul = _final(word)
    after_consonant = _AFTER_CONSONANT.get(particle, particle)
    after_vowel = _PAIRS.get(after_consonant, particle)
    if after_consonant == "으로" and rieul:
        return "로"
    return after_consonant if consonant else after_vowel
