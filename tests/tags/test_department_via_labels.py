"""The department suggestion also routes through the fine labels (tags): P(department | text)
= (1 − w) × the direct model + w × Σ_tag P(tag | text) × P(department | tag), with w chosen on
held-out cases and 0 unless the route beats the direct model there. On a small labelled
fixture written for this, with the real NLP."""

from __future__ import annotations

import numpy as np
import pytest

from relq import learning, nlp
from relq.learning import _fine_matrix, _fit, _mix, _routes, fit_text_model

# Two fine labels go to one department: the route through them is a department's two topics.
FIXTURE = {
    ("lid", "qa"): ["ケトルの蓋が閉まらない", "蓋のロックが壊れた", "蓋のパッキンが外れた"],
    ("smell", "qa"): ["変なにおいがする", "焦げたような臭いがした", "開けたら異臭がした"],
    ("late", "logistics"): ["荷物が届かない", "配達が遅れている", "宅配便がまだ来ない"],
    ("refund", "accounting"): ["返金してほしい", "代金を返してほしい", "返金はいつですか"],
}
ENDINGS = ["", "。よろしくお願いします", "。困っています", "。至急", "。確認してください"]


@pytest.fixture(scope="module")
def history():
    texts, lemmas, departments, tags = [], [], [], []
    for (tag, department), items in FIXTURE.items():
        for ending in ENDINGS:
            for text in items:
                texts.append(nlp.normalize(text + ending))
                lemmas.append(" ".join(nlp.analyse(text + ending).lemmas))
                departments.append({department})
                tags.append({tag})
    return texts, lemmas, departments, tags


def test_routes_are_each_fine_labels_share_of_cases_per_department():
    fine = np.array([[1, 0], [1, 0], [1, 0], [0, 1]])
    departments = np.array([[1, 0], [1, 0], [0, 1], [0, 1]])
    routes = _routes(fine, departments, smoothing=0.0)
    assert routes.tolist() == [[2 / 3, 1 / 3], [0.0, 1.0]]
    direct = np.array([[0.6, 0.4]])
    # The route: the first fine label almost surely (softmax of 10 vs 0) -> 2/3, 1/3.
    mixed = _mix(direct, np.array([[10.0, 0.0]]), routes, 0.5, 1.0)
    assert mixed.sum() == pytest.approx(1.0)
    assert mixed[0, 0] == pytest.approx(0.5 * 0.6 + 0.5 * (2 / 3), abs=1e-3)


def test_training_tries_the_route_and_keeps_it_only_when_held_out_cases_say_so(history):
    texts, lemmas, departments, tags = history
    _, metrics = fit_text_model(texts, lemmas, departments, fine_labels=tags)
    tried = metrics["via_labels_tried"]
    assert set(tried) == {str(s) for s in learning.VIA_SHARES}
    best = max(tried.values())
    # The share kept is one that scored best on the held-out cases (0 on a tie).
    assert tried[str(metrics["via_labels_share"])] == best
    assert metrics["via_labels_share"] == 0.0 or tried["0.0"] < best
    _, without = fit_text_model(texts, lemmas, departments)
    assert "via_labels_share" not in without


def test_a_model_that_routes_through_labels_suggests_what_its_probabilities_say(history):
    texts, lemmas, departments, tags = history
    model, _ = fit_text_model(texts, lemmas, departments)
    # Give it the route as training would when the held-out cases ask for it.
    x = model.features(texts, lemmas)
    every = range(len(texts))
    _, fine = _fine_matrix(tags, every)
    y = np.array([[int(model.codes[k] in d) for k in range(len(model.codes))] for d in departments])
    model.via_weights, model.via_intercepts = _fit(x, fine, 4.0)
    model.via_routes, model.via_share, model.via_temperature = _routes(fine, y), 0.5, 0.5
    direct = learning._scale(
        np.asarray(x @ model.weights, dtype=np.float64) + model.intercepts, model.temperature
    )
    probabilities = model.probabilities(x)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert not np.allclose(probabilities, direct)  # the route counts
    # The one-case path (the case page) says exactly what the matrix path says.
    text = nlp.normalize("ポットの蓋が閉まらなくなった")
    lemma = " ".join(nlp.analyse("ポットの蓋が閉まらなくなった").lemmas)
    found = model.predict(text, lemma, limit=1, threshold=0.0)[0]
    row = model.probabilities(model.features([text], [lemma]))[0]
    assert found.code == model.codes[int(row.argmax())] == "qa"
    assert found.confidence == pytest.approx(float(row.max()), abs=1e-6)
