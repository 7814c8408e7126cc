"""Learned suggestions (tags, departments): a linear model over character n-grams and lemmas,
retrained from what people decided, with a confidence and the words that drove it.

Why this model: complaints are short, Japanese has no spaces, and operators write the same
thing many ways (蓋が閉まらない / ふたがしまらない / フタ ロック不良). Character 1–3-grams of
the normalised text catch spelling and script variants and words the dictionary does not
know; lemmas (from relq.nlp) catch inflection (閉まらない → 閉まる) and give readable reasons.
One logistic regression per tag (one-vs-rest, balanced classes) is fast to train on a few
thousand cases, calibrated enough to show as a confidence, and explainable: a suggestion's
reasons are its features with the largest weight × value. C and each tag's threshold are
chosen on a held-out fifth of the history (best F1), then the model is refitted on all of it.
"""

from __future__ import annotations

import io
import logging
import pickle  # noqa: S403  (our own models, written and read by relq through its database)
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON as JSONType
from sqlalchemy import CheckConstraint, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, mapped_column

from relq.db import UTCDateTime, db, utcnow

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
C_GRID = (0.5, 1.0, 2.0, 4.0, 8.0)
DEFAULT_THRESHOLD = 0.5
MAX_SUGGESTIONS = 3


@dataclass
class Suggestion:
    code: str
    confidence: float
    reasons: list[str] = field(default_factory=list)


def _lemma_analyzer(lemmas: str) -> list[str]:
    """Lemma unigrams and bigrams from a space-joined lemma string (module-level: pickled)."""
    words = lemmas.split()
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass
class TextModel:
    codes: list[str]
    chars: Any
    lemmas: Any
    classifier: Any
    thresholds: dict[str, float]
    single_label: bool = False

    def features(self, texts: list[str], lemma_texts: list[str]):
        from scipy.sparse import hstack

        return hstack([self.chars.transform(texts), self.lemmas.transform(lemma_texts)]).tocsr()

    def predict(
        self,
        text: str,
        lemma_text: str,
        *,
        limit: int = MAX_SUGGESTIONS,
        threshold: float | None = None,
    ) -> list[Suggestion]:
        """The labels above their tuned threshold (or above `threshold`), most probable first.
        For a single-label model (departments), probabilities are renormalised over labels."""
        x = self.features([text], [lemma_text])
        probabilities = self.classifier.predict_proba(x)[0]
        if self.single_label and probabilities.sum() > 0:
            probabilities = probabilities / probabilities.sum()
        names = list(self.chars.get_feature_names_out()) + list(self.lemmas.get_feature_names_out())
        n_chars = len(self.chars.vocabulary_)
        found = []
        for k, code in enumerate(self.codes):
            p = float(probabilities[k])
            floor = self.thresholds.get(code, DEFAULT_THRESHOLD) if threshold is None else threshold
            if p < floor:
                continue
            found.append(Suggestion(code, p, self._reasons(x, k, names, n_chars)))
        return sorted(found, key=lambda s: -s.confidence)[:limit]

    def _reasons(self, x, k: int, names: list[str], n_chars: int) -> list[str]:
        coef = self.classifier.estimators_[k].coef_[0]
        row = x.getrow(0)
        weights = sorted(
            ((row.data[i] * coef[j], j) for i, j in enumerate(row.indices)), reverse=True
        )
        words: list[str] = []
        for weight, j in weights:
            if weight <= 0 or len(words) >= 5:
                break
            name = names[j].strip()
            # Lemmas read best; a character n-gram only when it says something on its own.
            readable = j >= n_chars or len(name) >= 2
            if readable and name and not any(name in w for w in words):
                words.append(name)
        return words


def _fit(x, y, c: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    model = OneVsRestClassifier(
        # The dual problem: far fewer cases than n-gram features (25× faster than the primal).
        LogisticRegression(
            C=c,
            class_weight="balanced",
            solver="liblinear",
            dual=True,
            max_iter=500,
            random_state=0,
        )
    )
    return model.fit(x, y)


THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def _best_threshold(truth, probability) -> float:
    """The threshold with the best F1 on held-out cases (the higher one on a tie: fewer
    wrong suggestions for the same F1)."""
    import numpy as np

    best = (-1.0, DEFAULT_THRESHOLD)
    for t in THRESHOLDS:
        predicted = probability >= t
        tp = float(np.sum(predicted & (truth == 1)))
        denominator = float(np.sum(predicted)) + float(np.sum(truth))
        f1 = 2 * tp / denominator if denominator else 0.0
        if f1 >= best[0]:
            best = (f1, t)
    return best[1]


def _vectorizers():
    from sklearn.feature_extraction.text import TfidfVectorizer

    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    lemmas = TfidfVectorizer(analyzer=_lemma_analyzer, min_df=2, sublinear_tf=True)
    return chars, lemmas


def fit_text_model(
    texts: list[str], lemma_texts: list[str], labels: list[set[str]], *, seed: int = 13
) -> tuple[TextModel, dict[str, Any]]:
    """Choose C and thresholds on a held-out fifth, then refit on everything.
    Returns the model and its held-out metrics (micro precision, recall, F1; per tag F1)."""
    import numpy as np
    from scipy.sparse import hstack
    from sklearn.metrics import f1_score, precision_score, recall_score
    from sklearn.preprocessing import MultiLabelBinarizer

    counts: dict[str, int] = {}
    for tags in labels:
        for code in tags:
            counts[code] = counts.get(code, 0) + 1
    codes = sorted(c for c, n in counts.items() if n >= MIN_PER_TAG)
    binarizer = MultiLabelBinarizer(classes=codes)
    y = binarizer.fit_transform([{c for c in tags if c in codes} for tags in labels])
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    cut = max(1, len(texts) // 5)
    test, train = order[:cut], order[cut:]

    def matrix(chars, lemmas, idx, fit=False):
        t = [texts[i] for i in idx]
        lt = [lemma_texts[i] for i in idx]
        if fit:
            return hstack([chars.fit_transform(t), lemmas.fit_transform(lt)]).tocsr()
        return hstack([chars.transform(t), lemmas.transform(lt)]).tocsr()

    chars, lemmas = _vectorizers()
    x_train = matrix(chars, lemmas, train, fit=True)
    x_test = matrix(chars, lemmas, test)
    # Every tag needs both classes in the training part; drop the ones that do not.
    present = y[train].sum(axis=0)
    usable = [k for k in range(len(codes)) if 0 < present[k] < len(train)]
    best = None
    for c in C_GRID:
        model = _fit(x_train, y[train][:, usable], c)
        probabilities = model.predict_proba(x_test)
        thresholds = {}
        for col, k in enumerate(usable):
            candidates = [
                (f1_score(y[test][:, k], probabilities[:, col] >= t, zero_division=0), -t)
                for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
            ]
            thresholds[codes[k]] = -max(candidates)[1]
        predicted = np.zeros((len(test), len(codes)), dtype=int)
        for col, k in enumerate(usable):
            predicted[:, k] = probabilities[:, col] >= thresholds[codes[k]]
        score = f1_score(y[test], predicted, average="micro", zero_division=0)
        if best is None or score > best[0]:
            best = (score, c, thresholds, usable, predicted)
    score, c, thresholds, usable, predicted = best
    metrics = {
        "examples": len(texts),
        "held_out": int(len(test)),
        "C": c,
        "micro_f1": round(float(score), 3),
        "micro_precision": round(
            float(precision_score(y[test], predicted, average="micro", zero_division=0)), 3
        ),
        "micro_recall": round(
            float(recall_score(y[test], predicted, average="micro", zero_division=0)), 3
        ),
        "per_tag_f1": {
            codes[k]: round(float(f1_score(y[test][:, k], predicted[:, k], zero_division=0)), 3)
            for k in usable
        },
    }
    chars, lemmas = _vectorizers()
    x_all = hstack([chars.fit_transform(texts), lemmas.fit_transform(lemma_texts)]).tocsr()
    usable_codes = [codes[k] for k in usable]
    classifier = _fit(x_all, y[:, usable], c)
    single = all(len(found) <= 1 for found in labels)
    return TextModel(usable_codes, chars, lemmas, classifier, thresholds, single), metrics


# ---- history, storage, use ------------------------------------------------------------------


def _voice_rows(where) -> list:
    """(case, lemma text) of analysed cases matching `where`, oldest first."""
    from relq.analysis.models import CaseAnalysis
    from relq.cases.models import Case

    return db.session.execute(
        select(Case, CaseAnalysis.lemmas)
        .join(CaseAnalysis, CaseAnalysis.case_id == Case.id)
        .where(CaseAnalysis.state == "done", where)
        .order_by(Case.id)
    ).all()


def _texts(rows) -> tuple[list[str], list[str]]:
    from relq.analysis.services import voice_of
    from relq.nlp import normalize

    return [normalize(voice_of(case)) for case, _ in rows], [lemmas for _, lemmas in rows]


def training_history() -> tuple[list[str], list[str], list[set[str]]]:
    """Cases whose tags people decided on, with their analysed voice and accepted tags."""
    from relq.cases.models import Case
    from relq.tags.models import CaseTag, Tag

    rows = _voice_rows(Case.id.in_(select(CaseTag.case_id).where(CaseTag.state != "suggested")))
    accepted: dict[int, set[str]] = {}
    for case_id, code in db.session.execute(
        select(CaseTag.case_id, Tag.code).join(Tag).where(CaseTag.state == "accepted")
    ):
        accepted.setdefault(case_id, set()).add(code)
    texts, lemmas = _texts(rows)
    return texts, lemmas, [accepted.get(case.id, set()) for case, _ in rows]


def routing_history() -> tuple[list[str], list[str], list[set[str]]]:
    """Cases a department owns (routed and acknowledged or later: the owner took it), with
    the department's code as their one label."""
    from relq.cases.models import Case
    from relq.org.models import Department

    codes = dict(db.session.execute(select(Department.id, Department.code)).all())
    rows = _voice_rows(
        Case.responsible_department_id.is_not(None) & Case.status.not_in(("received", "routed"))
    )
    texts, lemmas = _texts(rows)
    return texts, lemmas, [{codes[case.responsible_department_id]} for case, _ in rows]


HISTORIES = {"tags": training_history, "departments": routing_history}


def train_model(kind: str) -> LearnedModel | None:
    """Retrain one kind of model from history and store it; None with too little history."""
    texts, lemmas, labels = HISTORIES[kind]()
    if sum(1 for found in labels if found) < MIN_EXAMPLES:
        return None
    started = time.perf_counter()
    model, metrics = fit_text_model(texts, lemmas, labels)
    metrics["seconds"] = round(time.perf_counter() - started, 2)
    buffer = io.BytesIO()
    pickle.dump(model, buffer)
    row = LearnedModel(kind=kind, examples=len(texts), metrics=metrics, blob=buffer.getvalue())
    db.session.add(row)
    db.session.flush()
    return row


def train_tag_model() -> LearnedModel | None:
    return train_model("tags")


_cache: dict[str, tuple[int | None, float, TextModel | None]] = {}
_cache_lock = threading.Lock()
RELOAD_SECONDS = 60


def current_model(kind: str) -> TextModel | None:
    """The newest stored model of a kind, loaded once per process, re-checked every minute."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(kind)
        if cached and now - cached[1] < RELOAD_SECONDS:
            return cached[2]
        newest = db.session.scalar(
            select(LearnedModel.id)
            .where(LearnedModel.kind == kind)
            .order_by(LearnedModel.id.desc())
        )
        if cached and cached[0] == newest:
            _cache[kind] = (newest, now, cached[2])
            return cached[2]
        model = None
        if newest is not None:
            blob = db.session.get(LearnedModel, newest).blob
            model = pickle.loads(blob)  # noqa: S301  (written by train_model)
        _cache[kind] = (newest, now, model)
        return model


def forget_cached_models() -> None:
    with _cache_lock:
        _cache.clear()


def predict(analysis, case) -> list[Suggestion]:
    """The tag model's suggestions for one case's voice (none before a model is trained)."""
    from relq.analysis.services import voice_of
    from relq.nlp import normalize

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
    from relq.analysis.models import CaseAnalysis
    from relq.analysis.services import voice_of
    from relq.nlp import normalize

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
