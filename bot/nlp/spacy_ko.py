"""A spaCy `ko` pipeline on Komoran segments, with an EntityRuler from the lexicon.

spaCy's own Korean tokenizer needs mecab-ko; ours reuses the same Komoran
analysis as the Rasa tokenizer, so a lexicon phrase and a user's sentence are
cut into pieces the same way and phrase patterns match. Each pattern's `id`
is the canonical value, so `국민`, `KB` and `국민은행` all come out as
`KB국민은행`.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import List, Optional

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc

from bot.kb.lexicon import Lexicon, load_lexicon
from bot.nlp.morphology import KoreanAnalyzer, default_analyzer


class KomoranSpacyTokenizer:
    """spaCy tokenizer protocol (`__call__(text) -> Doc`) over Komoran segments."""

    def __init__(self, vocab, analyzer: KoreanAnalyzer) -> None:
        self.vocab = vocab
        self.analyzer = analyzer

    def __call__(self, text: str) -> Doc:
        segments = self.analyzer.segments(text)
        if not segments:
            return Doc(self.vocab, words=[], spaces=[])
        words, spaces = [], []
        for i, seg in enumerate(segments):
            next_start = segments[i + 1].start if i + 1 < len(segments) else len(text)
            words.append(seg.text)
            spaces.append(next_start > seg.end)
        doc = Doc(self.vocab, words=words, spaces=spaces)
        for token, seg in zip(doc, segments):
            token.tag_ = seg.tag
            token.lemma_ = seg.lemma
        return doc


@dataclass(frozen=True)
class LexiconMatch:
    entity: str
    value: str
    start: int
    end: int
    text: str


def build_pipeline(
    lexicon: Optional[Lexicon] = None, analyzer: Optional[KoreanAnalyzer] = None
) -> Language:
    lexicon = lexicon or load_lexicon()
    nlp = spacy.blank(
        "ko", config={"nlp": {"tokenizer": {"@tokenizers": "spacy.Tokenizer.v1"}}}
    )
    nlp.tokenizer = KomoranSpacyTokenizer(nlp.vocab, analyzer or default_analyzer())
    ruler = nlp.add_pipe(
        "entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True}
    )
    assert isinstance(ruler, EntityRuler)  # spaCy types add_pipe as any component; this factory makes a ruler
    ruler.add_patterns(
        [
            {"label": entry.entity, "pattern": form, "id": entry.value}
            for form, entry in lexicon.surface_forms()
        ]
    )
    return nlp


# 카드사, 보험사, 증권사별 (a company), 예금자 (a depositor) and 카드형 (card-
# shaped) contain an account-type word without being one.
_TYPE_ENTITIES = ("account_type", "product_type")
_COMPOUND_TAIL = re.compile(r"[사자형](?=$|[\s은는이가도별를을의에와과랑로만들보])")


class LexiconMatcher:
    """Finds lexicon words in text; every match carries its canonical value.

    A word that is both an account type and a product type (적금, 카드…) can
    only get one label from the ruler; `match(text)` reports it under each
    entity type whose lexicon lists it, and the caller picks by context.
    """

    def __init__(self, lexicon: Optional[Lexicon] = None, nlp: Optional[Language] = None) -> None:
        self.lexicon = lexicon or load_lexicon()
        self.nlp = nlp or build_pipeline(self.lexicon)

    def match(self, text: str) -> List[LexiconMatch]:
        doc = self.nlp(text)
        matches = []
        for ent in doc.ents:
            compound = _COMPOUND_TAIL.match(text, ent.end_char) is not None
            for entity in self.lexicon.entity_types():
                if compound and entity in _TYPE_ENTITIES:
                    continue
                value = self.lexicon.canonical(entity, ent.text)
                if value is None and entity == ent.label_:
                    value = ent.ent_id_
                if value is not None:
                    matches.append(
                        LexiconMatch(entity, value, ent.start_char, ent.end_char, ent.text)
                    )
        return matches


@functools.lru_cache(maxsize=1)
def default_matcher() -> LexiconMatcher:
    return LexiconMatcher()
