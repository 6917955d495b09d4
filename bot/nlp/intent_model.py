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
# The label of generated keyboard mashes (`ㅁㄴㅇㄹ`, `asdf qwer`, `뷁쀍`): with
# no class for them, a message of characters the model never saw got the
# label that short or odd examples lean to (`inform` at 0.99). The class
# takes their probability; it is left out of every ranking, so the real
# intents of nonsense are all unlikely and the fallback asks to rephrase.
NONSENSE = "__nonsense__"
JAMO = "ㄱㄴㄷㄹㅁㅂㅅㅇㅈㅊㅋㅌㅍㅎㅏㅑㅓㅕㅗㅛㅜㅠㅡㅣㅐㅔ"
LATIN = "abcdefghijklmnopqrstuvwxyz"


def keyboard_mashes(count: int, seed: int) -> List[str]:
    """`count` strings of one to three runs of random jamo, Latin letters or
    Hangul syllables: what a hand on a keyboard types, not what a customer
    means. Runs of one repeated jamo (ㅋㅋ, ㅇㅇ, ㄱㄱ) mean something and are
    never made."""
    rng = np.random.default_rng(seed)
    mashes: List[str] = []
    while len(mashes) < count:
        words = []
        for _ in range(rng.integers(1, 4)):
            kind = rng.integers(3)
            length = int(rng.integers(2, 7))
            if kind == 0:
                word = "".join(rng.choice(list(JAMO), length))
                if len(set(word)) == 1:
                    continue
            elif kind == 1:
                word = "".join(rng.choice(list(LATIN), length))
            else:
                word = "".join(chr(0xAC00 + int(c)) for c in rng.integers(0, 11172, min(length, 4)))
            words.append(word)
        if words:
            mashes.append(" ".join(words))
    return mashes


@dataclass(frozen=True)
class Prediction:
    """Full-label probabilities of one text, most likely first; they sum to
    less than 1 by the probability that the text is nonsense."""

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
                 max_iter: int = 5000, random_state: int = 42, nonsense_examples: int = 0) -> None:
        self.min_ngram = min_ngram
        self.max_ngram = max_ngram
        self.C = C
        self.max_iter = max_iter
        self.random_state = random_state
        self.nonsense_examples = nonsense_examples

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
        mashes = keyboard_mashes(self.nonsense_examples, self.random_state)
        texts, labels = [*texts, *mashes], [*labels, *[NONSENSE] * len(mashes)]
        features = self._features(texts, fit=True)
        self.classifier_ = LogisticRegression(
            C=self.C, max_iter=self.max_iter, random_state=self.random_state
        ).fit(features, list(labels))
        # predict multiplies by coef_.T; laid out column-major, that transpose
        # is contiguous and scipy need not copy the whole matrix per message
        # (4.6 ms -> 0.3 ms a message).
        self.classifier_.coef_ = np.asfortranarray(self.classifier_.coef_)
        self.classes_ = list(self.classifier_.classes_)
        return self

    def _knows_any_of(self, text: str) -> bool:
        """Whether any character n-gram of `text`, spaces aside, was seen in training."""
        vocabulary = self.text_vectorizer_.vocabulary_
        return any(g.strip() and g in vocabulary for g in self.text_vectorizer_.build_analyzer()(text))

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        texts = list(texts)
        probabilities = self.classifier_.predict_proba(self._features(texts))
        predictions = []
        for text, row in zip(texts, probabilities):
            if not self._knows_any_of(text):
                # nothing to go on but the intercepts: no intent is likely
                row = np.zeros_like(row)
            order = np.argsort(-row)
            predictions.append(Prediction(
                [(self.classes_[i], float(row[i])) for i in order if self.classes_[i] != NONSENSE]
            ))
        return predictions
