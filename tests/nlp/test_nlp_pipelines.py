"""Pipeline loading: once per process, thread-safe use, NLPUnavailable on failure, GiNZA."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from relq import nlp
from relq.nlp import NLPUnavailable, analyse, get_pipeline, load_ja_full

pytestmark = pytest.mark.usefixtures("pipelines")


def test_pipelines_are_loaded_once() -> None:
    assert get_pipeline("ja") is get_pipeline("ja")
    assert get_pipeline("en") is get_pipeline("en")
    nlp.warm_up()  # idempotent
    assert get_pipeline("ja").nlp.pipe_names == []  # tokenizer only on the default path
    assert get_pipeline("ja").nlp.tokenizer.split_mode == nlp.JA_SPLIT_MODE
    assert get_pipeline("en").nlp.pipe_names == ["lemmatizer"]


def test_missing_model_raises_nlp_unavailable() -> None:
    with pytest.raises(NLPUnavailable, match="ja_no_such_model") as info:
        load_ja_full("ja_no_such_model")
    assert info.value.__cause__ is not None
    # the failure is not cached, and the default path is unaffected
    with pytest.raises(NLPUnavailable):
        load_ja_full("ja_no_such_model")
    assert analyse("返金してほしい").lemmas == ("返金",)


def test_unsupported_language_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        get_pipeline("fr")
    with pytest.raises(ValueError):
        get_pipeline("ja", split_mode="D")


def test_concurrent_threads_share_the_pipelines_safely() -> None:
    # SudachiPy tokenizers raise "Already borrowed" if two threads use one at once
    # (without the pipeline lock this fails within a few hundred calls).
    texts = ["電気ケトルの蓋が閉まらなかった。" * 10, "The kettle lids were broken. " * 10] * 150
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(analyse, texts))
    assert {r.lemmas for r in results} == {
        ("電気", "ケトル", "蓋", "閉まる") * 10,
        ("kettle", "lid", "break") * 10,
    }


def test_full_ginza_pipeline_parses() -> None:
    full = load_ja_full()
    assert load_ja_full() is full
    assert {"parser", "ner"} <= set(full.nlp.pipe_names)
    doc = full("電気ケトルの蓋が閉まらなかった。")
    assert {t.dep_ for t in doc} >= {"ROOT", "nsubj"}
    assert next(t for t in doc if t.dep_ == "ROOT").lemma_ == "閉まる"
