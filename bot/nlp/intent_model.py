"""Intent and FAQ topic from character n-grams, without Rasa.

One logistic regression over TF-IDF character n-grams (1-3, inside word
boundaries) of the raw text and of the text with its entities replaced by
one symbol per type (`② ① 넘게 쓴 내역`), with every FAQ topic as its own
label (`faq/lost_card` next to `check_balance`). Character n-grams of the
raw text survive what users do to words: dropped spaces (`잔액알려줘`),
typos (`잔엑`), particles and endings glued on, ㅋㅋ/ㅠㅠ; the placeholders
let a bare amount (`①이요`, an answer) differ from a query around one.
Measured on a dev split of the training data (bench/nlu_eval.py --dev): raw
n-grams alone beat DIET plus a ResponseSelector by about 0.05 macro-F1, the
placeholders added 0.02. It trains in seconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlp.entities import entity_placeholders

RETRIEVAL_SEPARATOR = "/"


@dataclass(frozen=True)
class Prediction:
    """Full-label probabilities of one text, most likely first."""

    ranking: List[Tuple[str, float]]

    def collapsed(self) -> List[Tuple[str, float]]:
        """Intent ranking where a retrieval intent takes its best topic's
        probability (`faq` as likely as `faq/otp`, its likeliest topic), most
        likely first; so the top intent is the top label's. Summing the
        topics instead let many weak FAQ topics outvote a clear intent, and
        scored 0.02 lower on the dev split."""
        best: Dict[str, float] = {}
        for label, p in self.ranking:
            best.setdefault(label.split(RETRIEVAL_SEPARATOR, 1)[0], p)
        return sorted(best.items(), key=lambda kv: -kv[1])

    def topics(self, intent: str) -> List[Tuple[str, float]]:
        """The topics of one retrieval intent, with probabilities that sum to 1."""
        prefix = intent + RETRIEVAL_SEPARATOR
        found = [(label, p) for label, p in self.ranking if label.startswith(prefix)]
        total = sum(p for _, p in found) or 1.0
        return [(label, p / total) for label, p in found]


class CharNgramIntentModel:
    """TF-IDF character n-grams and a multinomial logistic regression."""

    def __init__(self, min_ngram: int = 1, max_ngram: int = 3, C: float = 100.0,
                 max_iter: int = 5000, random_state: int = 42) -> None:
        self.min_ngram = min_ngram
        self.max_ngram = max_ngram
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state

    def _vectorizer(self) -> TfidfVectorizer:
        return TfidfVectorizer(
            analyzer="char_wb", ngram_range=(self.min_ngram, self.max_ngram),
            sublinear_tf=True, lowercase=True,
        )

    def _features(self, texts: Sequence[str], fit: bool = False):
        texts = list(texts)
        placeholders = [entity_placeholders(t) for t in texts]
        if fit:
            self.text_vectorizer_ = self._vectorizer().fit(texts)
            self.placeholder_vectorizer_ = self._vectorizer().fit(placeholders)
        return hstack([
            self.text_vectorizer_.transform(texts),
            self.placeholder_vectorizer_.transform(placeholders),
        ]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "CharNgramIntentModel":
        if len(set(labels)) < 2:
            raise ValueError("need examples of at least two intents")
        features = self._features(texts, fit=True)
        self.classifier_ = LogisticRegression(
            C=self.C, max_iter=self.max_iter, random_state=self.random_state
        ).fit(features, list(labels))
        self.classes_ = list(self.classifier_.classes_)
        return self

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        probabilities = self.classifier_.predict_proba(self._features(texts))
        predictions = []
        for row in probabilities:
            order = np.argsort(-row)
            predictions.append(Prediction([(self.classes_[i], float(row[i])) for i in order]))
        return predictions
