"""Rasa 3.6 graph components over the Korean NLP of `bot.nlp`.

Named in config.yml by import path. The analysis itself lives in `bot.nlp`'s
Rasa-free modules (morphology, spacy_ko, money, period, loan_term,
intent_model), so the action server, the benchmarks and the tests use it
without Rasa.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Text

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.constants import UTTER_PREFIX
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.entities import extract_lexicon_entities, extract_value_entities
from bot.nlp.intent_model import CharNgramIntentModel
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


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class CharNgramIntentClassifier(GraphComponent, IntentClassifier):
    """Intent and FAQ topic in one step (see `bot.nlp.intent_model`).

    Every FAQ topic is a label of its own; the intent ranking sums a
    retrieval intent's topics (`faq`), and the topic ranking is written where
    a ResponseSelector writes it, so `utter_faq` and the fallback's options
    work unchanged. It replaces DIET and the ResponseSelector.
    """

    MODEL_FILE = "char_ngram_intent_model.joblib"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "min_ngram": 1,
            "max_ngram": 3,
            "C": 100.0,
            "nonsense_examples": 0,
            "random_seed": 42,
            "ranking_length": 10,
            "retrieval_intent": "faq",
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[CharNgramIntentModel] = None,
        responses: Optional[Dict[Text, List[Dict[Text, Any]]]] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._responses = responses or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CharNgramIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        if examples:
            self._model = CharNgramIntentModel(
                min_ngram=self._config["min_ngram"],
                max_ngram=self._config["max_ngram"],
                C=self._config["C"],
                nonsense_examples=self._config["nonsense_examples"],
                random_state=self._config["random_seed"],
            ).fit([e.get(TEXT) for e in examples], [e.get_full_intent() for e in examples])
            self._responses = dict(training_data.responses or {})
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump((self._model, self._responses), directory / self.MODEL_FILE)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "CharNgramIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model, responses = joblib.load(directory / cls.MODEL_FILE)
        except (ValueError, FileNotFoundError):
            model, responses = None, {}
        return cls(config, model_storage, resource, model, responses)

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        texts = [m.get(TEXT) or "" for m in messages]
        for message, prediction in zip(messages, self._model.predict(texts)):
            if not message.get(TEXT):
                continue
            length = self._config["ranking_length"]
            ranking = [
                {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: p}
                for name, p in prediction.collapsed()[:length]
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            self._set_response_selection(message, prediction.topics(self._config["retrieval_intent"]))
        return messages

    def _set_response_selection(self, message: Message, topics: List) -> None:
        if not topics:
            return
        retrieval_intent = self._config["retrieval_intent"]
        key, confidence = topics[0]
        utter_action = f"{UTTER_PREFIX}{key}"
        selection = {
            RESPONSE_SELECTOR_PREDICTION_KEY: {
                RESPONSE_SELECTOR_RESPONSES_KEY: self._responses.get(utter_action, []),
                PREDICTED_CONFIDENCE_KEY: confidence,
                INTENT_RESPONSE_KEY: key,
                RESPONSE_SELECTOR_UTTER_ACTION_KEY: utter_action,
            },
            RESPONSE_SELECTOR_RANKING_KEY: [
                {PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: k}
                for k, p in topics[: self._config["ranking_length"]]
            ],
        }
        properties = message.get(RESPONSE_SELECTOR_PROPERTY_NAME, {})
        properties[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = [retrieval_intent]
        properties[retrieval_intent] = selection
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, properties, add_to_output=True)


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
    in months: values a form or a query can use as they are. Place it after
    the intent classifier: small talk gets none, and only loan questions and
    form answers get loan terms."""

    def _extract(self, message: Message) -> Iterable[Dict[Text, Any]]:
        intent = (message.get(INTENT) or {}).get("name")
        return extract_value_entities(message.get(TEXT), intent=intent)
