"""Merchant texts as card approvals and bank memos write them ('스타벅스 역삼역점') read as the
lexicon's canonical merchant and its category."""
from __future__ import annotations

import re

from bot.kb.lexicon import Lexicon

_SQUASH = re.compile(r"[\s()（）㈜·.\-_/]+")


def squash(text: str) -> str:
    """Lower-case, drop spaces and punctuation: the form merchant patterns are matched in."""
    return _SQUASH.sub("", text).lower().replace("주식회사", "")


class MerchantMatcher:
    """Maps a raw merchant or memo text ('스타벅스 역삼역점') to (canonical merchant, category).

    Longest pattern wins, so '쿠팡이츠 주문' is 쿠팡이츠 (배달), not 쿠팡 (쇼핑). Patterns are the
    lexicon's merchant values and synonyms, matched at the start of the squashed text.
    """

    def __init__(self, patterns: dict[str, tuple[str, str]]):
        self._patterns = sorted(patterns.items(), key=lambda kv: -len(kv[0]))
        self._first: dict[str, list[tuple[str, tuple[str, str]]]] = {}
        for pattern, target in self._patterns:
            self._first.setdefault(pattern[:1], []).append((pattern, target))
        self._cache: dict[str, tuple[str, str] | None] = {}

    @classmethod
    def from_rows(cls, rows: list[tuple[str, str, str]]) -> "MerchantMatcher":
        """rows: (pattern, canonical merchant, category)."""
        return cls({squash(p): (m, c) for p, m, c in rows if squash(p)})

    def match(self, text: str | None) -> tuple[str, str] | None:
        if not text:
            return None
        if text in self._cache:
            return self._cache[text]
        key = squash(text)
        hit: tuple[str, str] | None = None
        for pattern, target in self._first.get(key[:1], ()):
            if key.startswith(pattern):
                hit = target
                break
        if len(self._cache) < 50_000:
            self._cache[text] = hit
        return hit


def merchant_pattern_rows(lexicon: Lexicon) -> list[tuple[str, str, str]]:
    """(pattern, merchant, category) for every merchant value and synonym in the lexicon."""
    rows = []
    for merchant in lexicon.merchants:
        for pattern in (merchant.name, *merchant.synonyms):
            if len(squash(pattern)) >= 2:
                rows.append((pattern, merchant.name, merchant.category))
    return rows
