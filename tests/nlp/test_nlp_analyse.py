"""analyse() on fixed Japanese and English texts, with the real pipelines."""

from __future__ import annotations

import dataclasses
import json

import pytest

from relq.nlp import Analysis, analyse

pytestmark = pytest.mark.usefixtures("pipelines")


def test_refund_request() -> None:
    a = analyse("返金してほしい")
    assert a.language == "ja"
    assert a.tokens == ("返金", "し", "て", "ほしい")
    assert a.lemmas == ("返金",)  # する / て / ほしい are not content words
    assert "返金" in a.keyphrases


def test_lid_would_not_close() -> None:
    a = analyse("蓋が閉まらなかった")
    assert a.lemmas == ("蓋", "閉まる")
    assert "閉まら" in a.tokens
    assert "が" not in a.lemmas and "ない" not in a.lemmas


def test_burnt_auxiliary_verb_is_dropped() -> None:
    a = analyse("焦げてしまった")
    assert a.lemmas == ("焦げる",)  # しまう after て is auxiliary


def test_japanese_keyphrases_join_compounds() -> None:
    a = analyse("電気ケトルの蓋が閉まらず、熱湯がこぼれました。返金してほしいです。")
    assert a.keyphrases == ("電気ケトル", "蓋", "熱湯", "返金")
    assert set(a.lemmas) >= {"電気", "ケトル", "蓋", "閉まる", "熱湯", "こぼれる", "返金"}
    assert "。" in a.tokens and "。" not in a.lemmas


def test_japanese_compound_from_prompt_example() -> None:
    assert analyse("電気ケトルの蓋が").keyphrases == ("電気ケトル", "蓋")


def test_prefix_and_suffix_stay_in_compounds() -> None:
    a = analyse("未使用の状態で再発送してほしい。お客様サポートに電話しても繋がらない")
    assert {"未使用", "再発送", "お客様サポート"} <= set(a.keyphrases)
    assert "未" not in a.lemmas and "様" not in a.lemmas


def test_numbers_and_temporal_nouns_are_not_keyphrases() -> None:
    a = analyse("一ヶ月前に買ったコーヒーメーカー")
    assert a.keyphrases == ("コーヒーメーカー",)
    assert "前" not in a.lemmas and "一" not in a.lemmas


def test_half_width_input_is_normalised_before_analysis() -> None:
    a = analyse("ｹﾄﾙのﾌﾀが閉まらない")
    assert a.normalized == "ケトルのフタが閉まらない"
    assert a.tokens[0] == "ケトル"
    assert "ケトル" in a.lemmas and "閉まる" in a.lemmas


def test_auxiliary_use_of_kuru_is_dropped() -> None:
    assert analyse("商品が届いてこない").lemmas == ("商品", "届く")
    assert "来る" in analyse("商品が来ない").match_keys


def test_english_lemmas() -> None:
    a = analyse("The kettle lids were broken")
    assert a.language == "en"
    assert a.lemmas == ("kettle", "lid", "break")
    assert a.tokens == ("the", "kettle", "lids", "were", "broken")
    assert a.keyphrases == ("kettle lid",)


def test_english_noun_phrases() -> None:
    a = analyse(
        "I want a refund for the burnt kettle. The heating element stopped working "
        "and hot water leaked from the damaged lid."
    )
    assert a.keyphrases == ("refund", "burnt kettle", "heating element", "hot water", "damaged lid")
    assert {"refund", "kettle", "leak", "water", "lid", "stop"} <= set(a.lemmas)
    assert not {"i", "a", "the", "and", "from", "want"} & set(a.keyphrases)


def test_english_keeps_complaint_words_spacy_calls_stop_words() -> None:
    a = analyse("The bottom of the kettle is empty and the top is cracked")
    assert {"bottom", "empty", "top", "crack"} <= set(a.lemmas)


def test_mixed_text_uses_japanese_pipeline_with_english_lemmas() -> None:
    a = analyse("先週買ったiPhoneケースがすぐ壊れた。refundsしてほしい")
    assert a.language == "ja"
    assert "iphoneケース" in a.keyphrases
    assert "refund" in a.lemmas and "壊れる" in a.lemmas


def test_language_override_and_validation() -> None:
    assert analyse("返金", language="ja-JP").language == "ja"
    assert analyse("refund", language="en").lemmas == ("refund",)
    with pytest.raises(ValueError, match="unsupported language"):
        analyse("bonjour", language="fr")


def test_empty_text() -> None:
    a = analyse("   ")
    assert a == Analysis("ja", "", (), (), (), (), "")


def test_match_keys_use_sudachi_normalised_form_and_sentence_boundaries() -> None:
    a = analyse("ふたが閉まらない。やけどした")
    assert a.match_keys == ("蓋", "閉まる", "", "火傷")
    assert a.lemmas == ("ふた", "閉まる", "やけど")  # lemmas keep the dictionary form


def test_analysis_is_frozen_plain_data() -> None:
    a = analyse("電気ケトルの蓋が閉まらない")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.language = "en"  # type: ignore[misc]
    data = json.loads(json.dumps(dataclasses.asdict(a), ensure_ascii=False))
    restored = Analysis(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
    assert restored == a
    assert all(isinstance(x, str) for x in (*a.tokens, *a.lemmas, *a.keyphrases))


def test_text_longer_than_sudachi_limit_is_chunked() -> None:
    # Sudachi rejects inputs over 49,149 bytes; 20,000 kana are 60,000 bytes.
    sentence = "電気ケトルの蓋が閉まらない。"
    a = analyse(sentence * 1500)
    assert a.lemmas.count("ケトル") == 1500
    assert a.keyphrases == ("電気ケトル", "蓋")


def test_lone_adjectival_nouns_are_lemmas_but_not_keyphrases() -> None:
    a = analyse("とても不便で、安全性に問題がある")
    assert {"不便", "安全", "問題"} <= set(a.lemmas)
    assert a.keyphrases == ("安全性", "問題")


def test_english_contractions_do_not_leak_lookup_artefacts() -> None:
    a = analyse("The lid doesn't close, can't use it!!")
    assert a.lemmas == ("lid", "close", "use")
    assert "doe" not in a.search_text.split()
