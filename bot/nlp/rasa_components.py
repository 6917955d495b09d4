"""Rasa 3.6 graph components over the Korean NLP in this package.

This is the one module of `bot.nlp` that imports Rasa: the analysis itself
lives in Rasa-free modules (morphology, spacy_ko, money, period, loan_term),
so the action server, the benchmarks and the tests use it without Rasa.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.entities import extract_lexicon_entities, extract_value_entities
from bot.nlp.morphology import default_analyzer


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class KoreanTokenizer(Tokenizer):
    """Morpheme tokens with POS tags (`pos`) and dictionary-form lemmas."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "KoreanTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [
            Token(seg.text, seg.start, seg.end, data={"pos": seg.tag}, lemma=seg.lemma)
            for seg in default_analyzer().segments(text)
        ]
        return self._apply_token_pattern(tokens)


class _RuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Shared plumbing: append rule-found entities to each message."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "_RuleEntityExtractor":
        return cls()

    def _extract(self, message: Message) -> Iterable[Dict[Text, Any]]:
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not message.get(TEXT):
                continue
            found = self.add_extractor_name([dict(e) for e in self._extract(message)])
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LexiconEntityExtractor(_RuleEntityExtractor):
    """Institutions, merchants, categories and product words from the lexicon,
    through the spaCy EntityRuler, each normalized to its canonical value.
    Place it after the intent classifier: the intent decides whether 적금 is
    an account type or a product type."""

    def _extract(self, message: Message) -> Iterable[Dict[Text, Any]]:
        intent = (message.get(INTENT) or {}).get("name")
        return extract_lexicon_entities(message.get(TEXT), intent)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class MoneyPeriodExtractor(_RuleEntityExtractor):
    """Amounts as integer won, periods as Asia/Seoul date ranges, loan terms
    in months: values a form or a query can use as they are."""

    def _extract(self, message: Message) -> Iterable[Dict[Text, Any]]:
        return extract_value_entities(message.get(TEXT))
