"""Institution names that only context can read: `우리`, `하나`, `삼성`, `신한 카드값`.

`우리` and `하나` are everyday words (우리 가족, 하나만) and `삼성`, `현대`
name a group of companies; the lexicon's `institution_brand` section lists
them with their members by kind (bank, card, securities, insurance, capital).
A brand word is an institution when:

  * a kind word follows it, glued or after a space (`우리 통장`, `하나적금`,
    `삼성 카드값`, `현대 캐피탈`): the member of that kind;
  * another institution stands beside it, joined by `이랑`, `하고`, `,`…
    (`신한이랑 우리`, `우리, 하나 잔액`): the member of the other's kind, or
    the brand's default kind;
  * for a brand that is no everyday word, the intent names a kind
    (`현대 결제일` asked as card_bill, `삼성은 보험 뭐 있어` as
    insurance_summary). Securities are never taken from the intent alone:
    `삼성 주가` is about a share, not 삼성증권.

A plain lexicon synonym that is also a brand (`신한`, `국민`, `농협`) stays its
bank unless the same context names another kind (`신한 카드값` -> 신한카드).
A brand the context does not settle is left out rather than guessed.
"""
from __future__ import annotations

import functools
import re
from dataclasses import replace
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bot.kb.lexicon import InstitutionBrand, Lexicon
from bot.nlp.spacy_ko import LexiconMatch

# A word right after a brand, and the kinds it points to, most likely first.
_KIND_WORDS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("체크카드|신용카드|카드|결제일|결제 ?대금|명세서|청구서?", ("card",)),
    ("할부", ("capital", "card")),
    ("은행|통장|계좌|예금|적금|입출금|뱅킹|파킹|이체", ("bank", "securities")),
    ("대출|마통|마이너스", ("bank", "capital", "card")),
    ("증권|증권사|CMA|펀드|주식 ?계좌", ("securities",)),
    ("보험|생명|화재|해상|손보|실손|실비", ("insurance",)),
    ("캐피탈|오토론|리스", ("capital",)),
)
_KIND_AFTER = re.compile(
    r"\s?(?:" + "|".join(f"(?P<k{i}>{words})" for i, (words, _) in enumerate(_KIND_WORDS)) + ")",
    re.IGNORECASE,
)
# What may follow a brand that stands alone: a particle, then a break.
_PARTICLE_AFTER = re.compile(
    r"(?:이랑|랑|하고|에서|에는|은|는|이|가|을|를|의|도|에|과|와|로|으로|꺼|거|것)?(?=$|[\s,.?!/~ㅋㅎㅠㅜ])"
)
_JOIN = re.compile(r"\s?(?:이랑|랑|하고|과|와|이나|나|도|,|/|및|\s아니면|\s말고|\s그리고)\s?")
# The member of a kind with several (삼성: 생명, 화재) named by a word in the text.
_MEMBER_WORDS = {"삼성생명": "생명|종신|연금", "삼성화재": "화재|자동차|실손|실비|운전자|해상"}
INTENT_KINDS = {"card_bill": "card", "insurance_summary": "insurance"}


def _kinds_after(text: str, end: int) -> Tuple[str, ...]:
    m = _KIND_AFTER.match(text, end)
    if m is None:
        return ()
    for i, (_, kinds) in enumerate(_KIND_WORDS):
        if m.group(f"k{i}"):
            return kinds
    return ()


def _member(brand: InstitutionBrand, kind: Optional[str], text: str) -> Optional[str]:
    members = brand.members.get(kind or "", ())
    for member in members:
        words = _MEMBER_WORDS.get(member)
        if words and re.search(words, text):
            return member
    return members[0] if members else None


def _first_member(brand: InstitutionBrand, kinds: Iterable[str], text: str) -> Optional[str]:
    for kind in kinds:
        member = _member(brand, kind, text)
        if member:
            return member
    return None


def _kind_of(value: str, lexicon: Lexicon) -> Optional[str]:
    entry = lexicon.entry("institution", value)
    return entry.attributes.get("kind") if entry else None


def _beside(text: str, start: int, end: int, institutions: Sequence[LexiconMatch]) -> Optional[LexiconMatch]:
    """Another institution joined to text[start:end] by a connector (`신한이랑 우리`)."""
    for other in institutions:
        if other.end <= start:
            join = _JOIN.fullmatch(text, other.end, start)
        elif other.start >= end:
            join = _JOIN.fullmatch(text, end, other.start)
        else:
            continue
        if join is not None:
            return other
    return None


def _read(
    brand: InstitutionBrand, text: str, start: int, end: int, intent: Optional[str],
    institutions: Sequence[LexiconMatch], lexicon: Lexicon,
) -> Optional[str]:
    """The member `text[start:end]` names in context, or None."""
    after = _kinds_after(text, end)
    if after:
        return _first_member(brand, after, text)
    if not _PARTICLE_AFTER.match(text, end):
        return None
    other = _beside(text, start, end, institutions)
    if other is not None:
        kind = _kind_of(other.value, lexicon)
        return _member(brand, kind, text) or _member(brand, brand.default_kind, text)
    if not brand.common_word and intent in INTENT_KINDS:
        return _member(brand, INTENT_KINDS[intent], text)
    return None


@functools.lru_cache(maxsize=4)
def _brand_pattern(lexicon: Lexicon) -> re.Pattern:
    words = sorted((re.escape(b.word) for b in lexicon.brands), key=len, reverse=True)
    return re.compile(r"(?<![가-힣A-Za-z0-9])(?:" + "|".join(words) + ")", re.IGNORECASE)


def resolve_institutions(
    text: str, matches: Sequence[LexiconMatch], intent: Optional[str], lexicon: Lexicon
) -> List[LexiconMatch]:
    """`matches` with brand words read in context: new institutions for
    `우리 통장` or `삼성 카드값`, another member for `신한 카드값`."""
    if not lexicon.brands:
        return list(matches)
    brands: Dict[str, InstitutionBrand] = {b.word.lower(): b for b in lexicon.brands}
    found = list(matches)
    for i, m in enumerate(found):
        brand = brands.get(m.text.lower()) if m.entity == "institution" else None
        if brand is None:
            continue
        others = [o for o in found if o.entity == "institution" and o is not m]
        member = _read(brand, text, m.start, m.end, intent, others, lexicon)
        if member and member != m.value:
            found[i] = replace(m, value=member)
    covered = [(m.start, m.end) for m in found]
    # twice, so that a brand beside a brand just read (`국민, 하나, 우리`) is read too
    for _ in range(2):
        for hit in _brand_pattern(lexicon).finditer(text):
            start, end = hit.span()
            if any(s < end and start < e for s, e in covered):
                continue
            brand = brands[hit.group().lower()]
            institutions = [o for o in found if o.entity == "institution"]
            member = _read(brand, text, start, end, intent, institutions, lexicon)
            if member:
                found.append(LexiconMatch("institution", member, start, end, hit.group()))
                covered.append((start, end))
    return sorted(found, key=lambda m: (m.start, m.entity))
