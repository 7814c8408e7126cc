"""Personal data removed from the customers' words before the digest quotes them: names
(GiNZA's named entities and honorifics), phone numbers, e-mail addresses and order numbers,
in realistic Japanese and English sentences; the rest of the words stay."""

from __future__ import annotations

import pytest

from relq.digest.scrub import EMAIL, NAME, ORDER, PHONE, scrub


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (
            "昨日、山田太郎様より電話。ケトルKT-200の蓋が3日で割れたとのこと。",
            ["山田", "太郎"],
            ["ケトルKT-200の蓋が3日で割れた"],
        ),
        (
            "対応した佐藤さんの説明が丁寧だったと鈴木様がおっしゃっていました。",
            ["佐藤", "鈴木"],
            ["説明が丁寧だった"],
        ),
        ("田中と申します。注文した商品が届きません。", ["田中"], ["注文した商品が届きません"]),
        (
            "折り返しは090-1234-5678、または自宅03-1234-5678までお願いします。",
            ["1234-5678", "090", "03-"],
            ["折り返しは"],
        ),
        ("携帯は０９０－１２３４－５６７８です。", ["１２３４", "５６７８"], ["携帯は"]),
        ("連絡先: +81 90-1234-5678 (平日のみ)", ["+81", "1234"], ["平日のみ"]),
        (
            "ご注文番号：AB-12345678 の件、メール yamada.taro@example.co.jp に返信ください。",
            ["AB-12345678", "yamada", "example.co.jp"],
            ["の件", "に返信ください"],
        ),
        ("注文番号は1234567890です。", ["1234567890"], ["です"]),
        (
            "Mr. Brown called about order no. 884512; please ask Jane Doe to call back.",
            ["Brown", "884512", "Jane", "Doe"],
            ["called about order no.", "to call back"],
        ),
        (
            "My name is Emily Clark, order #A9981234 arrived broken. Reach me at emily@mail.com "
            "or +81 80 1111 2222.",
            ["Emily", "Clark", "A9981234", "emily@mail.com", "1111"],
            ["arrived broken"],
        ),
        (
            "Thank you Sarah for your help with the KT-200 kettle. Regards, Tom Baker",
            ["Sarah", "Tom", "Baker"],
            ["for your help with the KT-200 kettle"],
        ),
        (
            "Dear Ms Tanaka, the tracking number 1Z999AA10123456784 shows nothing.",
            ["Tanaka", "1Z999AA1"],
            ["shows nothing"],
        ),
    ],
)
def test_personal_data_is_removed_and_the_words_stay(text, gone, kept):
    found = scrub(text)
    for part in gone:
        assert part not in found, (part, found)
    for part in kept:
        assert part in found, (part, found)


def test_what_is_not_personal_stays_word_for_word():
    for text in (
        "仕様どおりのため対応しません。同様の事例が他にもあります。",
        "お客様の様子が気になったので上長に相談しました。",
        "The lid of the KT-200 broke on 2026-11-24 after 3 days.",
        "CX-5のブレーキ音が大きい。型番ABC-12。",
    ):
        assert scrub(text) == text


def test_placeholders_say_what_was_removed():
    found = scrub("山田様 090-1234-5678 a@b.jp 注文番号 12345678", use_nlp=False)
    assert found == f"{NAME}様 {PHONE} {EMAIL} 注文番号 {ORDER}"


def test_names_by_honorific_even_without_the_nlp_pipeline():
    assert scrub("井上様と小林さんから入電", use_nlp=False) == f"{NAME}様と{NAME}さんから入電"
    assert scrub("Ms. Tanaka called", use_nlp=False) == f"Ms. {NAME} called"


def test_clipped_to_a_limit():
    assert scrub("あ" * 300, limit=10) == "あ" * 9 + "…"
    assert scrub("") == ""


def test_a_common_noun_the_ner_takes_for_a_person_stays():
    text = "KT-200 の蓋ロックの件、今週2件目。どれも製造番号が近い気がする。"
    assert scrub(text) == text
    assert scrub("担当のタナカに伝えた。") == f"担当の{NAME}に伝えた。"
