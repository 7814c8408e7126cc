"""segment_for_search() / search_terms(), checked against a real SQLite FTS5 index."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator

import pytest

from relq.nlp import analyse, search_terms, segment_for_search

pytestmark = pytest.mark.usefixtures("pipelines")

DOCS = {
    1: "返金してほしいです。",
    2: "返品の手続きを教えてください",
    3: "電気ケトルの蓋が閉まらなかった",
    4: "ふたがしっかり閉まりません",
    5: "I want a full refund for the broken kettle",
    6: "The lids keep breaking",
}


@pytest.fixture(scope="module")
def fts() -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE cases USING fts5(body)")
    except sqlite3.OperationalError:  # pragma: no cover - sqlite built without FTS5
        pytest.skip("SQLite without FTS5")
    db.executemany(
        "INSERT INTO cases(rowid, body) VALUES (?, ?)",
        [(i, segment_for_search(text)) for i, text in DOCS.items()],
    )
    yield db
    db.close()


def search(db: sqlite3.Connection, query: str) -> set[int]:
    terms = search_terms(query)
    assert terms, query
    match = " AND ".join(f'"{t}"' for t in terms)
    return {row[0] for row in db.execute("SELECT rowid FROM cases WHERE cases MATCH ?", [match])}


def test_segmentation_contains_surfaces_and_lemmas() -> None:
    words = segment_for_search("返金してほしい").split()
    assert words[0] == "返金"
    assert {"し", "する", "ほしい"} <= set(words)
    assert "返金してほしい" not in words
    assert set(segment_for_search("蓋が閉まらなかった").split()) >= {"蓋", "閉まら", "閉まる"}


def test_segmented_words_survive_index_tokenizers() -> None:
    text = segment_for_search("Ｅメール：support@example.com、don't「返金」！ｹﾄﾙ")
    assert all(re.fullmatch(r"\w+", w) for w in text.split())


def test_search_terms() -> None:
    assert search_terms("返金したい") == ["返金"]
    assert search_terms("返品") == ["返品"]
    assert search_terms("蓋が閉まらない") == ["蓋", "閉まる"]
    assert search_terms("Refunds") == ["refund"]
    # a query of stop words only still yields something to search for
    assert search_terms("しない")
    assert search_terms("  ") == []
    assert segment_for_search("") == ""


def test_refund_matches_inflected_text_and_return_does_not(fts: sqlite3.Connection) -> None:
    assert search(fts, "返金") == {1}
    assert search(fts, "返品") == {2}


def test_inflected_query_matches_other_inflection(fts: sqlite3.Connection) -> None:
    assert search(fts, "閉まる") == {3, 4}
    assert search(fts, "蓋が閉まらない") == {3, 4}  # ふた is normalised to 蓋 on both sides
    assert search(fts, "ケトル") == {3}  # split mode A: 電気ケトル is indexed as 電気 ケトル


def test_english_search_uses_lemmas(fts: sqlite3.Connection) -> None:
    assert search(fts, "refunds") == {5}
    assert search(fts, "lid") == {6}
    assert search(fts, "break") == {5, 6}


def test_search_text_is_on_the_analysis() -> None:
    assert analyse("返金してほしい").search_text == segment_for_search("返金してほしい")
