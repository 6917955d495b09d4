"""Korean particles (조사) that depend on the word before them: 은/는, 이/가, 을/를, 과/와, 으로/로.

Money and dates are worded by `bot.advisor.format`; this only picks the particle after any word
(an institution, a merchant, or a formatted amount such as "1,234원").
"""
from __future__ import annotations

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
    if particle not in _PAIRS and particle not in _AFTER_CONSONANT:
        raise ValueError(f"unknown particle {particle!r}")
    consonant, rieul = _final(word)
    after_consonant = _AFTER_CONSONANT.get(particle, particle)
    after_vowel = _PAIRS.get(after_consonant, particle)
    if after_consonant == "으로" and rieul:
        return word + "로"
    return word + (after_consonant if consonant else after_vowel)
