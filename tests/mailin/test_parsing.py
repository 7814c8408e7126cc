"""Japanese mail as it really arrives, read from the corpus's bytes (no database)."""

from __future__ import annotations

import pytest

from relq.mailin.parsing import (
    Unreadable,
    decode_header_value,
    decode_iso2022jp_as_cp932,
    decode_text,
    message_key,
    parse,
    trim_reply,
    unflow,
)
from tests.mailin.conftest import CORPUS, corpus

# ① and ㈱ in JIS (NEC row 13) and 髙 (NEC-selected IBM row 92), as CP50221 clients send them.
NEC_JIS = b"\x1b$B-!-j|b\x1b(B"


@pytest.mark.parametrize(
    "codec", ["iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004"]
)
def test_pythons_iso2022jp_codecs_refuse_what_windows_clients_send(codec):
    """Why relq maps the JIS bytes to CP932 itself: none of Python's codecs reads ①."""
    with pytest.raises(UnicodeDecodeError):
        NEC_JIS.decode(codec)


def test_nec_and_ibm_characters_in_iso2022jp():
    assert decode_iso2022jp_as_cp932(NEC_JIS) == "①㈱髙"
    assert decode_text(NEC_JIS, "ISO-2022-JP") == "①㈱髙"
    # Half-width katakana (ESC ( I, CP50221) and JIS X 0201 Roman.
    assert decode_iso2022jp_as_cp932(b"\x1b(I\x31\x32\x1b(Jabc\x1b(B") == "ｱｲabc"


def test_the_cp932_mapping_agrees_with_pythons_codec_on_jis_x_0208():
    """Every JIS X 0208 character Python's codec reads, the CP932 mapping reads the same,
    except the six CP932 maps to its own (〜 is ～ on Windows), which plain ISO-2022-JP
    text keeps (decode_text tries Python's codec first)."""
    differ = []
    for j1 in range(0x21, 0x7F):
        for j2 in range(0x21, 0x7F):
            data = b"\x1b$B" + bytes((j1, j2)) + b"\x1b(B"
            try:
                expected = data.decode("iso2022_jp")
            except UnicodeDecodeError:
                continue
            if decode_iso2022jp_as_cp932(data) != expected:
                differ.append(expected)
            assert decode_text(data, "iso-2022-jp") == expected
    assert sorted(differ) == sorted("〜‖−¢£¬")


def test_iso2022jp_from_outlook():
    mail = parse(corpus("iso2022jp_nec.eml"))
    assert mail.subject == "㈱髙島屋の件①"
    assert mail.from_name == "髙橋 太郎"
    assert mail.from_address == "takahashi@example.jp"
    assert mail.body.startswith("㈱髙島屋で買った商品について①と②の点で問題がありました。")


def test_iso2022jp_from_a_phone_keeps_the_wave_dash():
    mail = parse(corpus("iso2022jp_plain.eml"))
    assert "10時〜12時" in mail.body  # U+301C, as the sender's codec meant it


def test_shift_jis_is_read_as_cp932():
    mail = parse(corpus("shift_jis_cp932.eml"))
    # 0x8160 is 〜 in JIS and ～ in CP932: Windows' meaning; ① and 髙 only CP932 has.
    assert "9時～18時" in mail.body
    assert "①電話がつながらない" in mail.body
    assert "髙橋さん" in mail.body
    assert mail.subject == "電話がつながらない～"
    with pytest.raises(UnicodeDecodeError):
        "①".encode("cp932").decode("shift_jis")


@pytest.mark.parametrize(
    ("name", "subject", "words"),
    [
        ("euc_jp.eml", "返品の手続き", "返品の手続きを教えてください。レシートはあります。"),
        ("utf8_base64.eml", "冷凍餃子に異物", "冷凍餃子の中に金属片が入っていました。"),
        ("utf8_qp.eml", "パッケージが開けにくい", "高齢の母にはパッケージが開けにくいようです。"),
        ("split_subject.eml", "電池が発熱しました", "充電中に電池が熱くなりました。"),
        ("alternative.eml", "ポイントの付与", "ポイントが付与されていません。"),
    ],
)
def test_charsets_and_transfer_encodings(name, subject, words):
    mail = parse(corpus(name))
    assert mail.subject == subject
    assert words in mail.body
    assert "HTML版" not in mail.body  # multipart/alternative: the plain part


def test_encoded_word_split_inside_a_character():
    raw = "電池が発熱".encode()
    cut = len("電池が".encode()) + 1
    import base64

    header = (
        f"=?UTF-8?B?{base64.b64encode(raw[:cut]).decode()}?=\r\n"
        f" =?UTF-8?B?{base64.b64encode(raw[cut:]).decode()}?="
    )
    assert decode_header_value(header) == "電池が発熱"
    # Each half alone is no text: the words must be joined before decoding.
    with pytest.raises(UnicodeDecodeError):
        raw[:cut].decode()


def test_raw_8bit_header_in_shift_jis():
    header = "配送の件".encode("cp932").decode("ascii", "surrogateescape")
    assert decode_header_value(header) == "配送の件"


def test_format_flowed():
    mail = parse(corpus("flowed.eml"))
    assert "手順の通りに操作しても電源が入りません。\nよろしくお願いします。" in mail.body
    assert unflow("a \nb\n> q \n> r\nc", delsp=False) == "a b\n> q r\nc"
    assert unflow("日本 \n語", delsp=True) == "日本語"


def test_html_only_mail_reduced_to_text():
    mail = parse(corpus("html_only.eml"))
    assert "注文番号 A-1234 の商品が" in mail.body
    assert "確認をお願いします & 返信ください。" in mail.body
    assert "alert" not in mail.body and "<" not in mail.body and "color" not in mail.body


def test_quoted_replies_trimmed():
    mail = parse(corpus("reply_gmail_ja.eml"))
    assert mail.reply == "お返事ありがとうございます。\n写真を添付しました。"
    assert "金属片" in mail.body and "金属片" not in mail.reply
    assert mail.in_reply_to == ["utf8-b64@mail.example.jp"]
    outlook = parse(corpus("reply_outlook_ref.eml"))
    assert outlook.reply == "承知しました。来週まで待ちます。"
    assert trim_reply("> only quoted\n") == "> only quoted"  # nothing left: kept whole


def test_attachments_and_their_names():
    mail = parse(corpus("attachments.eml"))
    assert [(a.filename, a.content_type) for a in mail.attachments] == [
        ("保証書.pdf", "application/pdf"),
        ("写真.raw", "application/octet-stream"),
        ("page.html", "text/html"),
    ]
    assert mail.attachments[0].content.startswith(b"%PDF-1.4")
    assert len(mail.attachments[1].content) == 4096
    assert mail.body == "写真と保証書を添付します。"


def test_broken_message_is_unreadable():
    with pytest.raises(Unreadable, match="From"):
        parse(corpus("broken.eml"))
    with pytest.raises(Unreadable, match="empty"):
        parse(b"  \r\n")


def test_message_key():
    assert message_key(corpus("utf8_base64.eml")) == "utf8-b64@mail.example.jp"
    raw = corpus("no_message_id.eml")
    assert message_key(raw).startswith("sha256:") and len(message_key(raw)) == 71
    assert message_key(raw) != message_key(raw + b"x")


def test_every_corpus_message_is_read_or_refused_in_words():
    for path in sorted(CORPUS.glob("*.eml")):
        try:
            mail = parse(path.read_bytes())
        except Unreadable as error:
            assert str(error)
            continue
        assert mail.from_address and "\ufffd" not in mail.body + mail.subject, path.name
