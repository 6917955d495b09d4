"""Institutions, merchants and categories from knowledge_base/lexicons.yml, the one source of truth."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from bot.nlp.lexicon import DEFAULT_LEXICON_PATH as LEXICON_PATH
from bot.nlp.lexicon import REPO_ROOT  # noqa: F401  (other MyData modules import it from here)
from bot.nlp.lexicon import load_lexicon as shared_lexicon

INDUSTRY_OF_KIND = {"bank": "bank", "card": "card", "securities": "invest",
                    "insurance": "insu", "capital": "capital"}


@dataclass(frozen=True)
class Institution:
    org_code: str
    name: str
    kind: str  # bank | card | securities | insurance | capital

    @property
    def industry(self) -> str:
        """The API's industry group (bank, card, invest, insu, capital)."""
        return INDUSTRY_OF_KIND[self.kind]


@dataclass(frozen=True)
class Merchant:
    name: str
    category: str
    synonyms: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    institutions: tuple[Institution, ...]
    merchants: tuple[Merchant, ...]
    categories: tuple[str, ...]

    @functools.cached_property
    def by_org(self) -> dict[str, Institution]:
        return {i.org_code: i for i in self.institutions}

    @functools.cached_property
    def by_name(self) -> dict[str, Institution]:
        return {i.name: i for i in self.institutions}

    def of_kind(self, kind: str) -> list[Institution]:
        return [i for i in self.institutions if i.kind == kind]

    @functools.cached_property
    def merchant_by_name(self) -> dict[str, Merchant]:
        return {m.name: m for m in self.merchants}


@functools.lru_cache(maxsize=4)
def load_lexicon(path: str | Path = LEXICON_PATH) -> Lexicon:
    """The MyData view (org codes, kinds, merchant categories) of the one parsed lexicon."""
    source = shared_lexicon(str(path))
    institutions = tuple(
        Institution(org_code=e.attributes["org_code"], name=e.value, kind=e.attributes["kind"])
        for e in source.of_type("institution")
    )
    categories = tuple(e.value for e in source.of_type("category"))
    merchants = tuple(
        Merchant(name=e.value, category=e.attributes["category"], synonyms=e.synonyms)
        for e in source.of_type("merchant")
    )
    unknown = {m.category for m in merchants} - set(categories)
    if unknown:
        raise ValueError(f"merchant categories not in the category list: {sorted(unknown)}")
    return Lexicon(institutions=institutions, merchants=merchants, categories=categories)


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
