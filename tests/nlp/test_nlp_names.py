"""Model numbers and acronyms survive normalisation and lemmatisation whole, with the real
pipelines: 「CX-60」 and 「CX-5」 are different products, 「ABS」 is not "ab"."""

from __future__ import annotations

import pytest

from relq.nlp import analyse, match_phrases
from relq.nlp.text import name_spans, normalize

pytestmark = pytest.mark.usefixtures("pipelines")


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("CX-60のブレーキが効かない", ["CX-60"]),
        ("ＣＸ－５のエンジン", ["CX-5"]),  # full width, as typed on a Japanese keyboard
        ("ABSの警告灯が点灯した", ["ABS"]),
        ("ポット-X1の蓋", ["X1"]),  # the dash after katakana is a separator, not part of it
        ("エラーコードE03が出る", ["E03"]),
        ("My ATM card and PIN", ["ATM", "PIN"]),
        ("500mlのボトル", []),  # a quantity, not a model
        ("wi-fi is slow", []),
        ("abs workout", []),  # lower case: an ordinary word
        ("MY KETTLE IS BROKEN AND THE LID WILL NOT CLOSE", []),  # shouting has no acronyms
    ],
)
def test_name_spans(text: str, names: list[str]) -> None:
    cased = normalize(text, lowercase=False)
    assert [cased[s:e] for s, e in name_spans(cased)] == names


def test_model_numbers_stay_distinct_in_japanese() -> None:
    sixty = analyse("CX-60のブレーキが効かない")
    five = analyse("CX-5のブレーキが効かない")
    assert sixty.lemmas[0] == "cx-60" and five.lemmas[0] == "cx-5"
    assert "cx" not in sixty.lemmas and "cx" not in five.lemmas
    assert sixty.keyphrases[0] == "cx-60" and five.keyphrases[0] == "cx-5"
    assert "cx-60" in sixty.tokens  # one token, not cx / - / 60


def test_acronym_is_not_lemmatised_as_a_plural() -> None:
    ja = analyse("ABSの警告灯が点灯した")
    en = analyse("The ABS warning light came on")
    assert "abs" in ja.lemmas and "ab" not in ja.lemmas
    assert "abs" in en.lemmas and "ab" not in en.lemmas
    assert "abs" in en.match_keys


def test_a_model_number_joins_a_japanese_compound() -> None:
    assert analyse("KT-200蓋が閉まらない").keyphrases[0] == "kt-200蓋"


def test_trigger_on_one_model_does_not_match_the_other() -> None:
    found = match_phrases(analyse("CX-5のエンジンがかからない"), {"cx60": ["CX-60"]})
    assert found == {}
    assert match_phrases(analyse("cx-60のエンジン"), {"cx60": ["CX-60"]}) == {"cx60": ["CX-60"]}


def test_search_still_finds_the_model_by_its_parts() -> None:
    # The index keeps \w+ words, as before: a search for "CX-60" is cx AND 60.
    assert set(analyse("CX-60のブレーキ").search_text.split()) >= {"cx", "60"}
