"""Learned suggestions (tags, departments): a linear model over character n-grams and lemmas,
retrained from what people decided, with a confidence and the words that drove it.

Why this model: complaints are short, Japanese has no spaces, and operators write the same
thing many ways (蓋が閉まらない / ふたがしまらない / フタ ロック不良). Character 1–3-grams of
the normalised text catch spelling and script variants and words the dictionary does not
know; lemmas (from relq.nlp) catch inflection (閉まらない → 閉まる) and give readable reasons;
word 1–2-grams of the text itself, with no stop words removed, keep what carries an English
question's intent (why / how / not / can't: "why was my refund not paid" is not "how do I get
a refund") and keep model numbers whole (cx-60).
One logistic regression per label (one-vs-rest, balanced classes) is fast to train on a few
thousand cases and explainable: a suggestion's reasons are its features with the largest
weight × value, worded from the feature names stored with the model at training.

On a held-out fifth of the history the trainer chooses C (from 0.25 up to 256: a tuned
baseline on real complaint history picks 64–256), then each label's threshold, then refits
on all of it. Single-label kinds (a department, or tags when no case has two) turn the
labels' scores into one probability distribution, a softmax whose temperature is fitted on
the held-out cases by log-loss (so the confidence shown is calibrated), and C is chosen by
the held-out accuracy of the top choice; multi-label kinds keep each label's own
probability and choose C by micro F1 at the tuned thresholds.
Either way a threshold is tuned and applied on the same numbers, by the same function
(`TextModel.probabilities`).

A department model may also route through the fine labels (the cases' tags): with the tags'
own scorers, (1 − w) × its distribution + w × Σ P(tag | text) × P(department | tag), w chosen
on the held-out cases from VIA_SHARES and kept at 0 unless the route beats the direct model
there. Last, on the same held-out cases, the trainer measures what share of suggestions were
right at each confidence (`held_out_reliability`): the table the tag admin page shows, so
that an admin can choose the confidence from which a suggestion may be trusted.
"""

from __future__ import annotations

import io
import logging
import pickle  # noqa: S403  (our own models, written and read by relq through its database)
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON as JSONType
from sqlalchemy import CheckConstraint, Integer, LargeBinary, String, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Mapped, mapped_column

from relq.analysis.models import CaseAnalysis
from relq.cache import cached, forget_all
from relq.cases.models import Case, voice_of
from relq.db import UTCDateTime, db, utcnow
from relq.nlp import normalize
from relq.org.models import Department
from relq.tags.models import CaseTag, Tag

log = logging.getLogger(__name__)


class LearnedModel(db.Model):
    """A trained model (tags now, departments later), kept in the database so that every
    app process and worker uses the same one. The newest row of a kind is the one in use."""

    __tablename__ = "learned_models"
    __table_args__ = (CheckConstraint("kind IN ('tags', 'departments')", name="kind_known"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    examples: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


MIN_EXAMPLES = 20  # fewer accepted examples than this: no model, rules only
MIN_PER_TAG = 3
# Tried in this order (`choose_c`); the search stops once two in a row did not beat the
# best: the score rarely recovers, and each step up costs more time than the one before.
C_GRID = (0.25, 1.0, 4.0, 16.0, 64.0, 256.0)
DEFAULT_THRESHOLD = 0.5
MAX_SUGGESTIONS = 3
MAX_REASONS = 5


@dataclass
class Suggestion:
    code: str
    confidence: float
    reasons: list[str] = field(default_factory=list)


def _lemma_analyzer(lemmas: str) -> list[str]:
    """Lemma unigrams and bigrams from a space-joined lemma string (module-level: pickled)."""
    words = lemmas.split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


# Latin-script words of a normalised text, contractions and model numbers whole (can't,
# cx-60); one-letter words (i, a) say nothing.
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’\-][a-z0-9]+)*")


def _word_analyzer(text: str) -> list[str]:
    """Word unigrams and bigrams of the normalised text with every word kept: no stop-word
    list, since why / how / not / can't carry a question's intent (module-level: pickled).
    Japanese text gives only the Latin words inside it (model numbers, English terms); its
    words come from the lemmas and the character n-grams."""
    words = [w.replace("’", "'") for w in _LATIN_WORD.findall(text) if len(w) > 1]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass
class TextModel:
    """A trained suggester: its vectorizers, one linear scorer per label (columns of
    `weights`), each label's threshold and the feature names its reasons are worded from.

    Models stored before the word features, weights and names were kept (`words`, `weights`
    and `feature_names` are None) still load: they get weights and names from their
    classifier once, on first use, and keep their raw probabilities (`temperature` None),
    the scale their thresholds were tuned on."""

    codes: list[str]
    chars: Any
    lemmas: Any
    classifier: Any  # old models only: the fitted one-vs-rest classifier
    thresholds: dict[str, float]
    single_label: bool = False
    words: Any = None
    weights: Any = None  # features × labels, float32
    intercepts: Any = None  # one per label
    feature_names: list[str] | None = None
    readable_from: int = 0  # features from here on are words or lemmas, not character n-grams
    temperature: float | None = None  # softmax(score / T) for single-label models; None: raw
    # Tags whose suggestions people rejected more often than they accepted, when it was
    # trained: relq stops suggesting them (rules and model alike) until history says otherwise.
    untrusted: frozenset[str] = frozenset()
    # Routing through the fine labels (a department model only, see `_fit_via_labels`): the
    # tags' scorers, each tag's share of cases per department, and the weight of this path.
    via_weights: Any = None  # features × fine labels, float32
    via_intercepts: Any = None
    via_routes: Any = None  # fine labels × labels: P(label | fine label)
    via_share: float = 0.0
    via_temperature: float = 1.0

    def features(self, texts: list[str], lemma_texts: list[str]):
        """The feature matrix of many texts, by sklearn's transform (`vector` is one text's
        row, faster)."""
        from scipy.sparse import hstack

        blocks = [self.chars.transform(texts)]
        if self.words is not None:
            blocks.append(self.words.transform(texts))
        blocks.append(self.lemmas.transform(lemma_texts))
        return hstack(blocks).tocsr()

    def vector(self, text: str, lemma_text: str):
        """(feature indices, values) of one text: the row `features` would give, computed
        directly from each vectorizer's vocabulary and idf. sklearn's transform validates
        its input on every call, which costs more than the rest of a suggestion."""
        import numpy as np

        indices, values = [], []
        blocks = self._blocks()
        for n, (analyze, vocabulary, idf, offset) in enumerate(blocks):
            counts: dict[int, int] = {}
            for term in analyze(lemma_text if n == len(blocks) - 1 else text):
                j = vocabulary.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            index = np.fromiter(counts, dtype=np.int64, count=len(counts))
            # As the vectorizers are configured: sublinear tf × idf, L2-normalised.
            value = (1.0 + np.log(np.fromiter(counts.values(), float, len(counts)))) * idf[index]
            indices.append(index + offset)
            values.append(value / np.sqrt(value @ value))
        if not indices:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(indices), np.concatenate(values)

    def _blocks(self) -> list[tuple]:
        """(analyzer, vocabulary, idf, first feature) of each vectorizer, built once per
        process and kept out of the pickle (`__getstate__`)."""
        blocks = self.__dict__.get("_fast_blocks")
        if blocks is None:
            blocks, offset = [], 0
            for vectorizer in (self.chars, self.words, self.lemmas):
                if vectorizer is not None:
                    blocks.append(
                        (
                            vectorizer.build_analyzer(),
                            vectorizer.vocabulary_,
                            vectorizer.idf_,
                            offset,
                        )
                    )
                    offset += len(vectorizer.vocabulary_)
            self.__dict__["_fast_blocks"] = blocks
        return blocks

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_fast_blocks", None)
        return state

    def _prepare(self) -> None:
        """Weights and feature names of a model stored without them (built once, then kept
        on the object the process's model cache holds)."""
        import numpy as np

        if self.weights is None:
            estimators = self.classifier.estimators_
            self.intercepts = np.array([float(e.intercept_[0]) for e in estimators])
            self.weights = np.ascontiguousarray(
                np.vstack([e.coef_[0] for e in estimators]).T, dtype=np.float32
            )
        if self.feature_names is None:
            self.readable_from = len(self.chars.vocabulary_)
            self.feature_names = [
                *self.chars.get_feature_names_out().tolist(),
                *self.lemmas.get_feature_names_out().tolist(),
            ]

    def probabilities(self, x):
        """cases × labels: each label's probability (multi-label), or one distribution over
        the labels (single-label, calibrated by the temperature). Thresholds are tuned on
        these numbers and applied to them."""
        import numpy as np

        self._prepare()
        scores = np.asarray(x @ self.weights, dtype=np.float64) + self.intercepts
        probabilities = _scale(scores, self.temperature)
        if self.via_share:
            fine = np.asarray(x @ self.via_weights, dtype=np.float64) + self.via_intercepts
            probabilities = _mix(
                probabilities, fine, self.via_routes, self.via_share, self.via_temperature
            )
        return probabilities

    def predict(
        self,
        text: str,
        lemma_text: str,
        *,
        limit: int = MAX_SUGGESTIONS,
        threshold: float | None = None,
    ) -> list[Suggestion]:
        """The labels at or above their tuned threshold (or above `threshold`), most
        probable first, each with the words that weighed most for it."""
        import numpy as np

        self._prepare()
        indices, values = self.vector(text, lemma_text)
        scores = values @ self.weights[indices].astype(np.float64) + self.intercepts
        probabilities = _scale(scores[np.newaxis, :], self.temperature)
        if self.via_share:
            fine = values @ self.via_weights[indices].astype(np.float64) + self.via_intercepts
            probabilities = _mix(
                probabilities,
                fine[np.newaxis, :],
                self.via_routes,
                self.via_share,
                self.via_temperature,
            )
        probabilities = probabilities[0]
        found = []
        for k, code in enumerate(self.codes):
            p = float(probabilities[k])
            floor = self.thresholds.get(code, DEFAULT_THRESHOLD) if threshold is None else threshold
            if p >= floor:
                found.append((p, k))
        found.sort(reverse=True)
        return [
            Suggestion(self.codes[k], p, self._reasons(indices, values, k))
            for p, k in found[:limit]
        ]

    def _reasons(self, indices, values, k: int) -> list[str]:
        import numpy as np

        names = self.feature_names
        weight = values * self.weights[indices, k]
        words: list[str] = []
        for i in np.argsort(-weight):
            if weight[i] <= 0 or len(words) >= MAX_REASONS:
                break
            j = int(indices[i])
            name = names[j].strip()
            # Words and lemmas read best; a character n-gram only when it says something.
            readable = j >= self.readable_from or len(name) >= 2
            if readable and name and not any(name in w for w in words):
                words.append(name)
        return words


def _scale(scores, temperature: float | None):
    """Linear scores → probabilities: a logistic per label, or a softmax at `temperature`."""
    import numpy as np

    if temperature is None:
        return 1.0 / (1.0 + np.exp(-np.clip(scores, -35.0, 35.0)))
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _mix(direct, fine_scores, routes, share: float, temperature: float):
    """(1 − share) × the direct distribution + share × the route through the fine labels:
    each fine label's probability (a softmax of their scores at `temperature`) times the
    share of its cases each label had."""
    return (1.0 - share) * direct + share * (_scale(fine_scores, temperature) @ routes)


VIA_SHARES = (0.0, 0.25, 0.5, 0.75)


def _routes(fine, y, smoothing: float = 0.5):
    """fine labels × labels: of the cases with each fine label, the share each label had
    (smoothed, so that a label no case of a fine label had keeps a little)."""
    import numpy as np

    counts = np.asarray(fine.T @ y, dtype=np.float64) + smoothing
    return counts / counts.sum(axis=1, keepdims=True)


def _fine_matrix(fine_labels: list[set[str]], rows) -> tuple[list[str], Any]:
    """(codes, cases × codes 0/1) of the fine labels that MIN_PER_TAG of `rows` carry."""
    import numpy as np

    counts: dict[str, int] = {}
    for i in rows:
        for code in fine_labels[i]:
            counts[code] = counts.get(code, 0) + 1
    codes = sorted(c for c, n in counts.items() if MIN_PER_TAG <= n < len(rows))
    index = {c: k for k, c in enumerate(codes)}
    matrix = np.zeros((len(fine_labels), len(codes)), dtype=np.int64)
    for i, found in enumerate(fine_labels):
        for code in found:
            if code in index:
                matrix[i, index[code]] = 1
    return codes, matrix


def _fit(x, y, c: float):
    """(weights features × labels, intercepts): one balanced logistic regression per column
    of the 0/1 matrix `y`."""
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    weights = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    intercepts = np.zeros(y.shape[1])
    for k in range(y.shape[1]):
        # The dual problem: far fewer cases than n-gram features (25× faster than the
        # primal). At the largest C it may stop at max_iter short of the optimum, which
        # costs nothing measurable on held-out scores; the warning would only be noise.
        model = LogisticRegression(
            C=c,
            class_weight="balanced",
            solver="liblinear",
            dual=True,
            max_iter=500,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, y[:, k])
        weights[:, k] = model.coef_[0]
        intercepts[k] = model.intercept_[0]
    return weights, intercepts


THRESHOLDS = (0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
TEMPERATURES = tuple(round(0.05 * 1.25**i, 4) for i in range(25))  # 0.05 … ~11


def _best_threshold(truth, probability) -> float:
    """The threshold with the best F1 on held-out cases. When several tie (a small or
    cleanly separated held-out part), the middle one of them: the edge of the tied range
    only fits the few cases held out, and the next case is as likely to fall on either side.
    """
    import numpy as np

    scored = []
    for t in THRESHOLDS:
        predicted = probability >= t
        tp = float(np.sum(predicted & (truth == 1)))
        denominator = float(np.sum(predicted)) + float(np.sum(truth))
        scored.append((round(2 * tp / denominator, 9) if denominator else 0.0, t))
    best = max(f1 for f1, _ in scored)
    tied = [t for f1, t in scored if f1 == best]
    return tied[(len(tied) - 1) // 2]


def _log_loss(truth, probabilities) -> float:
    """Mean negative log-probability of each labelled case's own label (single-label)."""
    import numpy as np

    labelled = truth.sum(axis=1) > 0
    if not labelled.any():
        return 0.0
    own = (probabilities[labelled] * truth[labelled]).sum(axis=1)
    return float(-np.mean(np.log(np.clip(own, 1e-12, 1.0))))


def _best_temperature(truth, scores) -> tuple[float, float]:
    """(temperature, held-out log-loss) of the softmax that fits the held-out cases best.

    The temperature is fitted against slightly smoothed labels: n held-out cases all right
    do not show that the next one will be (rule of succession: it is wrong with a chance of
    about 1 / (n + 2)). Without this a small, cleanly separated held-out part drives the
    temperature to its minimum and every suggestion to a confidence of 100 %."""
    import numpy as np

    labelled = truth.sum(axis=1) > 0
    n, k = int(labelled.sum()), truth.shape[1]
    if n == 0 or k < 2:
        return 1.0, 0.0
    epsilon = 1.0 / (n + 2)
    target = truth[labelled] * (1.0 - epsilon) + (1 - truth[labelled]) * epsilon / (k - 1)

    def smoothed_loss(t: float) -> float:
        p = np.clip(_scale(scores[labelled], t), 1e-12, 1.0)
        return float(-np.mean((target * np.log(p)).sum(axis=1)))

    t = min(TEMPERATURES, key=smoothed_loss)
    return t, _log_loss(truth, _scale(scores, t))


def _vectorizers():
    from sklearn.feature_extraction.text import TfidfVectorizer

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    words = TfidfVectorizer(analyzer=_word_analyzer, min_df=2, sublinear_tf=True)
    lemmas = TfidfVectorizer(analyzer=_lemma_analyzer, min_df=2, sublinear_tf=True)
    return [chars, words, lemmas]


def choose_c(evaluate: Callable[[float], tuple[tuple, Any]]) -> tuple[float, Any, dict[str, float]]:
    """Walk C_GRID from the strongest regularisation up; `evaluate(c)` gives (score, result)
    with scores compared as tuples, higher better. Returns the best C, its result and the
    first part of every score tried. Stops once two C in a row did not beat the best."""
    tried: dict[str, float] = {}
    best: tuple | None = None
    stale = 0
    for c in C_GRID:
        score, result = evaluate(c)
        tried[str(c)] = round(float(score[0]), 4)
        if best is None or score > best[0]:
            best, stale = (score, c, result), 0
        else:
            stale += 1
            if stale >= 2:
                break
    assert best is not None  # C_GRID is not empty
    return best[1], best[2], tried


def _matrix(vectorizers: list, texts: list[str], lemma_texts: list[str], *, fit: bool = False):
    """The feature matrix of characters, words and lemmas. Fitting a history with no Latin
    word at all (only Japanese) sets the word vectorizer to None: it has nothing to learn."""
    from scipy.sparse import hstack

    chars, words, lemmas = vectorizers
    blocks = [chars.fit_transform(texts) if fit else chars.transform(texts)]
    if fit and words is not None:
        try:
            blocks.append(words.fit_transform(texts))
        except ValueError:  # empty vocabulary
            vectorizers[1] = None
    elif words is not None:
        blocks.append(words.transform(texts))
    blocks.append(lemmas.fit_transform(lemma_texts) if fit else lemmas.transform(lemma_texts))
    return hstack(blocks).tocsr()


def fit_text_model(
    texts: list[str],
    lemma_texts: list[str],
    labels: list[set[str]],
    *,
    fine_labels: list[set[str]] | None = None,
    seed: int = 13,
) -> tuple[TextModel, dict[str, Any]]:
    """Choose C (and, for a single-label kind, the softmax temperature), then each label's
    threshold, on a held-out fifth of the history; refit on all of it with them.
    Returns the model and its held-out metrics: micro precision, recall and F1 at the
    thresholds, F1 per label, `coverage` (the share of cases that get a suggestion), the
    score of every C tried and, for a single-label kind, top-choice `accuracy` and
    `log_loss` of the labelled cases."""
    import numpy as np
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.preprocessing import MultiLabelBinarizer

    counts: dict[str, int] = {}
    for tags in labels:
        for code in tags:
            counts[code] = counts.get(code, 0) + 1
    codes = sorted(c for c, n in counts.items() if n >= MIN_PER_TAG)
    binarizer = MultiLabelBinarizer(classes=codes)
    y = binarizer.fit_transform([{c for c in tags if c in codes} for tags in labels])
    single = all(len(found) <= 1 for found in labels)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    cut = max(1, len(texts) // 5)
    test, train = order[:cut], order[cut:]

    vectorizers = _vectorizers()
    x_train = _matrix(
        vectorizers, [texts[i] for i in train], [lemma_texts[i] for i in train], fit=True
    )
    x_test = _matrix(vectorizers, [texts[i] for i in test], [lemma_texts[i] for i in test])
    # Every label needs both classes in the training part; drop the ones that do not.
    present = y[train].sum(axis=0)
    usable = [k for k in range(len(codes)) if 0 < present[k] < len(train)]
    y_train, y_test = y[train][:, usable], y[test][:, usable]

    def thresholds_for(probabilities) -> np.ndarray:
        return np.array(
            [_best_threshold(y_test[:, col], probabilities[:, col]) for col in range(len(usable))]
        )

    labelled = y_test.sum(axis=1) > 0

    def accuracy(probabilities) -> float:
        """Share of the labelled held-out cases whose top choice is their label."""
        if not labelled.any():
            return 0.0
        top = probabilities[labelled].argmax(axis=1)
        return float((top == y_test[labelled].argmax(axis=1)).mean())

    # Single-label: the top choice's held-out accuracy decides; multi-label: micro F1 at
    # the tuned thresholds; log-loss breaks a tie, then the smaller C wins. Log-loss alone
    # prefers too small a C on a history with a few mislabelled cases: it punishes a
    # confident mistake on a wrong label more than it rewards the right answers.
    def evaluate(c: float) -> tuple[tuple[float, float], tuple]:
        weights, intercepts = _fit(x_train, y_train, c)
        scores = np.asarray(x_test @ weights, dtype=np.float64) + intercepts
        if single:
            temperature, loss = _best_temperature(y_test, scores)
            return (accuracy(_scale(scores, temperature)), -loss), (temperature, scores)
        probabilities = _scale(scores, None)
        predicted = probabilities >= thresholds_for(probabilities)
        f1 = float(f1_score(y_test, predicted, average="micro", zero_division=0))
        p = np.clip(probabilities, 1e-12, 1 - 1e-12)
        loss = float(-np.mean(y_test * np.log(p) + (1 - y_test) * np.log(1 - p)))
        return (f1, -loss), (None, scores)

    c, (temperature, scores), tried = choose_c(evaluate)
    probabilities = _scale(scores, temperature)
    share, via_tried = 0.0, {}
    if single and fine_labels is not None and labelled.any():
        fine_codes, fine = _fine_matrix(fine_labels, train)
        if fine_codes:
            # The fine labels' scorers learn on the training part only, so that the held-out
            # cases judge the route through them as fairly as the direct one.
            fine_weights, fine_intercepts = _fit(x_train, fine[train][:, : len(fine_codes)], c)
            routes = _routes(fine[train], y_train)
            fine_scores = np.asarray(x_test @ fine_weights, dtype=np.float64) + fine_intercepts
            # The fine labels' own calibration, fitted like the direct path's (a case can
            # carry none of them: those count for nothing here).
            fine_temperature, _ = _best_temperature(fine[test], fine_scores)

            def mixed_score(s: float) -> tuple[float, float]:
                mixed = _mix(probabilities, fine_scores, routes, s, fine_temperature)
                return accuracy(mixed), -_log_loss(y_test, mixed)

            # A share only when it beats the direct path on the held-out cases.
            best = mixed_score(0.0)
            via_tried = {"0.0": round(best[0], 4)}
            for candidate in VIA_SHARES[1:]:
                score = mixed_score(candidate)
                via_tried[str(candidate)] = round(score[0], 4)
                if score > best:
                    share, best = candidate, score
            probabilities = _mix(probabilities, fine_scores, routes, share, fine_temperature)
    floors = thresholds_for(probabilities)
    predicted = (probabilities >= floors).astype(int)
    metrics: dict[str, Any] = {
        "examples": len(texts),
        "held_out": int(len(test)),
        "C": c,
        "C_tried": tried,
        "micro_f1": round(float(f1_score(y_test, predicted, average="micro", zero_division=0)), 3),
        "micro_precision": round(
            float(precision_score(y_test, predicted, average="micro", zero_division=0)), 3
        ),
        "micro_recall": round(
            float(recall_score(y_test, predicted, average="micro", zero_division=0)), 3
        ),
        "coverage": round(float(predicted.any(axis=1).mean()), 3) if len(test) else 0.0,
        "per_tag_f1": {
            codes[k]: round(float(f1_score(y_test[:, col], predicted[:, col], zero_division=0)), 3)
            for col, k in enumerate(usable)
        },
    }
    metrics["reliability"] = held_out_reliability(y_test, probabilities, floors)
    if single:
        metrics["accuracy"] = round(accuracy(probabilities), 3)
        metrics["log_loss"] = round(_log_loss(y_test, probabilities), 3)
        metrics["temperature"] = temperature
    if fine_labels is not None:
        metrics["via_labels_share"] = share
        metrics["via_labels_tried"] = via_tried  # held-out accuracy at each share

    vectorizers = _vectorizers()
    x_all = _matrix(vectorizers, texts, lemma_texts, fit=True)
    weights, intercepts = _fit(x_all, y[:, usable], c)
    chars, words, lemmas = vectorizers
    metrics["features"] = int(x_all.shape[1])
    names = chars.get_feature_names_out().tolist()
    if words is not None:
        names += words.get_feature_names_out().tolist()
    names += lemmas.get_feature_names_out().tolist()
    model = TextModel(
        codes=[codes[k] for k in usable],
        chars=chars,
        lemmas=lemmas,
        classifier=None,
        thresholds={codes[k]: float(floors[col]) for col, k in enumerate(usable)},
        single_label=single,
        words=words,
        weights=weights,
        intercepts=intercepts,
        # Kept with the model, so that wording a suggestion's reasons is a list lookup,
        # not a rebuild of every n-gram's name (70–110 ms at 100k features).
        feature_names=names,
        readable_from=len(chars.vocabulary_),
        temperature=temperature,
    )
    if share:
        every = range(len(texts))
        fine_codes, fine = _fine_matrix(fine_labels, every)
        model.via_weights, model.via_intercepts = _fit(x_all, fine, c)
        model.via_routes = _routes(fine, y[:, usable])
        model.via_share, model.via_temperature = share, fine_temperature
    return model, metrics


# ---- honest confidence -----------------------------------------------------------------------

# Confidence buckets of the reliability table: below 0.5, then tenths.
RELIABILITY_EDGES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def reliability_buckets(confidences, right) -> list[dict[str, float | int]]:
    """How many suggestions fell in each confidence bucket (RELIABILITY_EDGES; a bucket holds
    its lower edge, the last one 1.0 too) and how many of them were right."""
    import numpy as np

    confidences = np.asarray(confidences, dtype=float)
    right = np.asarray(right, dtype=bool)
    buckets = []
    edges = RELIABILITY_EDGES
    for n, (low, high) in enumerate(zip(edges, edges[1:], strict=False)):
        inside = (confidences >= low) & (
            (confidences <= high) if n == len(edges) - 2 else (confidences < high)
        )
        buckets.append(
            {"low": low, "high": high, "n": int(inside.sum()), "right": int(right[inside].sum())}
        )
    return buckets


def held_out_reliability(truth, probabilities, floors) -> dict[str, list]:
    """What share of suggestions were right at each confidence, on cases held out from
    training (the model that made them never saw them). Two readings of "a suggestion":
    `top`, each labelled case's most probable label (what the department suggestion shows,
    and what would route by itself); `suggested`, every label shown as a suggestion (at or
    above its threshold, at most MAX_SUGGESTIONS a case, as `TextModel.predict` shows them),
    right when people gave the case that label."""
    import numpy as np

    n = probabilities.shape[0]
    if n == 0 or probabilities.shape[1] == 0:
        return {"top": reliability_buckets([], []), "suggested": reliability_buckets([], [])}
    rows = np.arange(n)
    top = probabilities.argmax(axis=1)
    labelled = truth.sum(axis=1) > 0
    top_right = truth[rows, top] == 1
    confidences, right = [], []
    for i in range(n):
        shown = [k for k in np.argsort(-probabilities[i]) if probabilities[i, k] >= floors[k]]
        for k in shown[:MAX_SUGGESTIONS]:
            confidences.append(float(probabilities[i, k]))
            right.append(bool(truth[i, k]))
    return {
        "top": reliability_buckets(probabilities[rows, top][labelled], top_right[labelled]),
        "suggested": reliability_buckets(confidences, right),
    }


@dataclass(frozen=True)
class ReliabilityRow:
    """One confidence bucket as the admin page shows it: its suggestions, the share right,
    and what a floor at its lower edge would give: the share of all suggestions at or above
    it (`reach`) and the share of those that were right (`right_above`)."""

    low: float
    high: float
    suggestions: int
    right: int
    share_right: float | None
    reach: float | None
    right_above: float | None


# Which reading of the reliability table each kind's page shows (see held_out_reliability).
RELIABILITY_READING = {"departments": "top", "tags": "suggested"}


def reliability_table(model: LearnedModel | None) -> list[ReliabilityRow]:
    """The stored model's reliability table, most confident bucket first ([] for a model
    trained before it was measured, or none)."""
    if model is None:
        return []
    buckets = (model.metrics or {}).get("reliability", {}).get(RELIABILITY_READING[model.kind])
    if not buckets:
        return []
    total = sum(b["n"] for b in buckets)
    rows, above, right_above = [], 0, 0
    for b in reversed(buckets):
        above += b["n"]
        right_above += b["right"]
        rows.append(
            ReliabilityRow(
                low=b["low"],
                high=b["high"],
                suggestions=b["n"],
                right=b["right"],
                share_right=b["right"] / b["n"] if b["n"] else None,
                reach=above / total if total else None,
                right_above=right_above / above if above else None,
            )
        )
    return rows


def latest_models() -> dict[str, LearnedModel | None]:
    """The model in use of each kind (its row: when, on how many cases, its metrics)."""
    return {
        kind: db.session.scalar(
            select(LearnedModel)
            .where(LearnedModel.kind == kind)
            .order_by(LearnedModel.id.desc())
            .limit(1)
        )
        for kind in HISTORIES
    }


# ---- history, storage, use ------------------------------------------------------------------


def _voice_rows(where) -> list:
    """(case, lemma text) of analysed cases matching `where`, oldest first."""

    return db.session.execute(
        select(Case, CaseAnalysis.lemmas)
        .join(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(CaseAnalysis.state == "done", where)
        .order_by(Case.id)
    ).all()


def _texts(rows) -> tuple[list[str], list[str]]:

    return [normalize(voice_of(case)) for case, _ in rows], [lemmas for _, lemmas in rows]


def _accepted_tags() -> dict[int, set[str]]:
    accepted: dict[int, set[str]] = {}
    for case_id, code in db.session.execute(
        select(CaseTag.case_id, Tag.code).join(Tag).where(CaseTag.state == "accepted")
    ):
        accepted.setdefault(case_id, set()).add(code)
    return accepted


def training_history() -> tuple[list[str], list[str], list[set[str]], None]:
    """Cases whose tags people decided on, with their analysed voice and accepted tags."""

    rows = _voice_rows(Case.id.in_(select(CaseTag.case_id).where(CaseTag.state != "suggested")))
    accepted = _accepted_tags()
    texts, lemmas = _texts(rows)
    return texts, lemmas, [accepted.get(case.id, set()) for case, _ in rows], None


def routing_history() -> tuple[list[str], list[str], list[set[str]], list[set[str]]]:
    """Cases a department owns (routed and acknowledged or later: the owner took it), with
    the department's code as their one label, and their accepted tags: the fine labels a
    department suggestion may also route through."""

    codes = dict(db.session.execute(select(Department.id, Department.code)).all())
    rows = _voice_rows(
        Case.responsible_department_id.is_not(None) & Case.status.not_in(("received", "routed"))
    )
    texts, lemmas = _texts(rows)
    accepted = _accepted_tags()
    return (
        texts,
        lemmas,
        [{codes[case.responsible_department_id]} for case, _ in rows],
        [accepted.get(case.id, set()) for case, _ in rows],
    )


HISTORIES = {"tags": training_history, "departments": routing_history}


def train_model(kind: str) -> LearnedModel | None:
    """Retrain one kind of model from history and store it; None with too little history."""
    texts, lemmas, labels, fine_labels = HISTORIES[kind]()
    if sum(1 for found in labels if found) < MIN_EXAMPLES:
        return None
    started = time.perf_counter()
    model, metrics = fit_text_model(texts, lemmas, labels, fine_labels=fine_labels)
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    if kind == "tags":
        model.untrusted = untrusted_tags()
        metrics["untrusted_tags"] = sorted(model.untrusted)
    buffer = io.BytesIO()
    pickle.dump(model, buffer)
    row = LearnedModel(kind=kind, examples=len(texts), metrics=metrics, blob=buffer.getvalue())
    db.session.add(row)
    db.session.flush()
    return row


# A tag needs this many decided suggestions before its track record can silence it.
MIN_DECIDED_SUGGESTIONS = 5


def untrusted_tags() -> frozenset[str]:
    """The tags whose suggestions (by a rule or the model) people rejected more often than they
    accepted, over at least MIN_DECIDED_SUGGESTIONS decisions."""
    suggested = CaseTag.source != "manual"
    accepted = func.sum(sql_case((CaseTag.state == "accepted", 1), else_=0))
    rejected = func.sum(sql_case((CaseTag.state == "rejected", 1), else_=0))
    rows = db.session.execute(
        select(Tag.code, accepted, rejected)
        .join(Tag, Tag.id == CaseTag.tag_id)
        .where(suggested, CaseTag.state != "suggested")
        .group_by(Tag.code)
    )
    return frozenset(
        code for code, yes, no in rows if yes + no >= MIN_DECIDED_SUGGESTIONS and no > yes
    )


def train_tag_model() -> LearnedModel | None:
    return train_model("tags")


def retrain_tag_model() -> None:
    """A background job (relq/background.py): retrain the tag model in a transaction of its
    own. Training on tens of thousands of cases takes minutes, longer than any request."""
    from relq.db import transaction

    with transaction():
        model = train_tag_model()
    log.info("tag model retrained: %s", "not enough history" if model is None else model.id)


@cached("models")
def current_model(kind: str) -> TextModel | None:
    """The newest stored model of a kind, loaded once per process and kept until a model is
    trained anywhere (the "models" cache topic)."""
    blob = db.session.scalar(
        select(LearnedModel.blob)
        .where(LearnedModel.kind == kind)
        .order_by(LearnedModel.id.desc())
        .limit(1)
    )
    return None if blob is None else pickle.loads(blob)  # noqa: S301  (written by train_model)


def forget_cached_models() -> None:
    """Empty this process's kept values: never needed for correctness (a new model changes
    the "models" topic), only to free memory."""
    forget_all()


def predict(analysis, case) -> list[Suggestion]:
    """The tag model's suggestions for one case's voice (none before a model is trained)."""

    model = current_model("tags")
    if model is None:
        return []
    try:
        return model.predict(normalize(voice_of(case)), " ".join(analysis.lemmas))
    except Exception:  # a broken model must not stop the analysis; rules still apply
        log.exception("tag model failed on case %s", case.id)
        return []


def suggest_department(case) -> Suggestion | None:
    """The department that handled cases like this one, with its probability and the words
    that weighed most (None before a model is trained, or before the case is analysed)."""

    model = current_model("departments")
    analysis = db.session.get(CaseAnalysis, case.id)
    if model is None or analysis is None or analysis.state != "done":
        return None
    try:
        found = model.predict(normalize(voice_of(case)), analysis.lemmas, limit=1, threshold=0.0)
    except Exception:
        log.exception("department model failed on case %s", case.id)
        return None
    return found[0] if found else None
