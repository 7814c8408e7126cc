"""match_phrases(): tag triggers against analyses, both languages."""

from __future__ import annotations

import pytest

from relq.nlp import analyse, match_phrases, matching

pytestmark = pytest.mark.usefixtures("pipelines")

TAGS = {
    "LID": ["閉まる", "蓋 閉まる", "lid close"],
    "BURN": ["焦げる", "やけど", "burn"],
    "REFUND": ["返金", "refund", "money back"],
    "RETURN": ["返品", "return"],
}


def test_japanese_inflected_text_matches_dictionary_forms() -> None:
    a = analyse("蓋が閉まらなかったし、底が焦げてしまった。返金してほしい")
    assert match_phrases(a, TAGS) == {
        "LID": ["閉まる", "蓋 閉まる"],
        "BURN": ["焦げる"],
        "REFUND": ["返金"],
    }


def test_inflected_trigger_matches_and_kana_spelling_is_normalised() -> None:
    a = analyse("ふたが閉まらない")
    assert match_phrases(a, {"LID": ["蓋が閉まりません"], "X": ["焦げた"]}) == {
        "LID": ["蓋が閉まりません"]
    }


def test_sequence_must_be_contiguous_and_in_one_sentence() -> None:
    assert match_phrases(analyse("蓋は大丈夫。閉まらないのは扉"), {"LID": ["蓋 閉まる"]}) == {}
    assert match_phrases(analyse("閉まる蓋"), {"LID": ["蓋 閉まる"]}) == {}


def test_return_does_not_match_refund() -> None:
    assert match_phrases(analyse("返金してほしい"), {"RETURN": ["返品"]}) == {}


def test_english_plural_and_inflection() -> None:
    a = analyse("I want refunds. The kettle lid won't close and the base burned.")
    assert match_phrases(a, TAGS) == {
        "LID": ["lid close"],
        "BURN": ["burn"],
        "REFUND": ["refund"],
    }
    assert match_phrases(analyse("Please give me my money back"), TAGS) == {
        "REFUND": ["money back"]
    }


def test_english_trigger_inside_japanese_text() -> None:
    assert match_phrases(analyse("refundsしてください"), TAGS) == {"REFUND": ["refund"]}


def test_stop_word_only_trigger_falls_back_to_substring() -> None:
    a = analyse("電源が入らない")
    assert match_phrases(a, {"NEG": ["ない"], "X": ["ありません"]}) == {"NEG": ["ない"]}


def test_edge_cases() -> None:
    a = analyse("返金してほしい")
    assert match_phrases(a, {}) == {}
    assert match_phrases(a, {"REFUND": "返金"}) == {"REFUND": ["返金"]}  # lone string
    assert match_phrases(a, {"REFUND": ["", "  ", "返金", "返金"]}) == {"REFUND": ["返金"]}
    assert match_phrases(analyse(""), TAGS) == {}


def test_compiled_matchers_are_cached_by_content() -> None:
    frozen = matching._freeze(TAGS)
    first = matching._compile(frozen)
    assert matching._compile(matching._freeze({k: list(v) for k, v in TAGS.items()})) is first
    changed = dict(TAGS, RETURN=["返品", "exchange"])
    assert matching._compile(matching._freeze(changed)) is not first
