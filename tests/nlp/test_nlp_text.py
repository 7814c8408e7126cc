"""normalize() and detect_language(): pure Python, no pipeline."""

from __future__ import annotations

import pytest

from relq.nlp import detect_language, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｹﾄﾙ", "ケトル"),  # half-width katakana
        ("ｶﾞｽｺﾝﾛ", "ガスコンロ"),  # half-width dakuten composes
        ("ＡＢＣ１２３", "abc123"),  # full-width letters/digits, lowercased
        ("Ｅｍａｉｌ：ｓｕｐｐｏｒｔ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email:support@example.com"),
        ("電気　ケトル  の\n\t蓋", "電気 ケトル の 蓋"),  # ideographic space, runs collapsed
        ("  前後の空白  ", "前後の空白"),
        ("コ－ヒ－メ―カ―", "コーヒーメーカー"),  # dash look-alikes after katakana
        ("ｺｰﾋｰ", "コーヒー"),  # half-width long-vowel mark
        ("すご〜い", "すごーい"),  # wave dash stretching hiragana
        ("すごーーーい", "すごーい"),  # repeated marks collapse
        ("3〜5日", "3~5日"),  # wave dash between digits is a range
        ("ポット-X1", "ポット-x1"),  # a dash before a model number stays a dash
        ("一ヵ月前", "一ヶ月前"),
        ("ゐる", "いる"),
        ("ゼロ\u200b幅", "ゼロ幅"),
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_can_keep_ascii_case() -> None:
    assert normalize("ＡＢＣ ｹﾄﾙ", lowercase=False) == "ABC ケトル"


def test_normalize_is_idempotent() -> None:
    text = "ｹﾄﾙのﾌﾀが閉まらない！ＡＢＣ－１２３　すご〜い"
    once = normalize(text)
    assert normalize(once) == once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("電気ケトルの蓋が閉まらない", "ja"),
        ("ｹﾄﾙが壊れた", "ja"),
        ("The kettle lid does not close", "en"),
        ("Ｔｈｅ ｋｅｔｔｌｅ", "en"),
        # mixed: a real Japanese clause makes it Japanese
        ("先週買ったiPhoneケースがすぐ壊れました", "ja"),
        ("My kettle 壊れた", "ja"),
        # mixed: a stray honorific in an English e-mail stays English
        ("Dear 様, the kettle I bought last week leaks from the bottom every time", "en"),
        ("12345", "ja"),  # no letters at all: Japanese-first default
        ("", "ja"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected
