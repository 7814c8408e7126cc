"""Writes tests/mailin/corpus/*.eml: e-mails byte for byte as Japanese mail clients send them
(run `python -m tests.mailin.make_corpus` to write them again; the files are committed, and
the tests read the files, not this script).

Each message is assembled as bytes the way its client does: headers in ASCII with RFC 2047
words, bodies in the declared charset and transfer encoding. ISO-2022-JP with NEC and IBM
characters is what Outlook/Becky! send (CP50221): JIS bytes of rows 13 and 89-92, which
Python's own iso2022_jp codec cannot write, so they are written here from their CP932 bytes.
"""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

HERE = Path(__file__).parent / "corpus"
CRLF = b"\r\n"


def sjis_to_jis(data: bytes) -> bytes:
    """CP932 double-byte text as ISO-2022-JP (CP50221): ESC $ B ... ESC ( B."""
    out = bytearray()
    in_jis = False
    i = 0
    while i < len(data):
        b = data[i]
        if b < 0x80:
            if in_jis:
                out += b"\x1b(B"
                in_jis = False
            out.append(b)
            i += 1
            continue
        s1, s2 = b, data[i + 1]
        if not in_jis:
            out += b"\x1b$B"
            in_jis = True
        j1 = (s1 - (0x70 if s1 <= 0x9F else 0xB0)) * 2
        if s2 < 0x9F:
            j1 -= 1
            j2 = s2 - (0x20 if s2 >= 0x80 else 0x1F)
        else:
            j2 = s2 - 0x7E
        out += bytes((j1, j2))
        i += 2
    if in_jis:
        out += b"\x1b(B"
    return bytes(out)


def iso2022jp(text: str) -> bytes:
    """Text as a Windows client writes ISO-2022-JP (line by line, each line back to ASCII)."""
    return CRLF.join(sjis_to_jis(line.encode("cp932")) for line in text.split("\n"))


def b64lines(data: bytes) -> bytes:
    """Base64 in lines of 76, each ended by CRLF as on the wire."""
    return base64.encodebytes(data).replace(b"\n", CRLF)


def qplines(data: bytes) -> bytes:
    return quopri.encodestring(data).replace(b"\r\n", b"\n").replace(b"\n", CRLF)


def word(data: bytes, charset: str, encoding: str = "B") -> bytes:
    if encoding == "B":
        return b"=?" + charset.encode() + b"?B?" + base64.b64encode(data) + b"?="
    encoded = b"".join(bytes([c]) if c < 0x80 and chr(c).isalnum() else b"=%02X" % c for c in data)
    return b"=?" + charset.encode() + b"?Q?" + encoded + b"?="


def message(headers: list[tuple[str, bytes | str]], body: bytes) -> bytes:
    lines = [
        name.encode() + b": " + (value if isinstance(value, bytes) else value.encode())
        for name, value in headers
    ]
    return CRLF.join(lines) + CRLF + CRLF + body


def common(n: str, sender: bytes = b"customer@example.jp", subject: bytes = b"") -> list:
    return [
        ("Return-Path", b"<" + sender + b">"),
        ("Received", b"from mx.example.jp by mail.relq.example; Tue, 1 Dec 2026 10:00:00 +0900"),
        ("Date", "Tue, 1 Dec 2026 10:00:00 +0900"),
        ("From", sender),
        ("To", "support@relq.example"),
        ("Message-ID", f"<{n}@mail.example.jp>"),
        ("Subject", subject),
        ("MIME-Version", "1.0"),
    ]


def corpus() -> dict[str, bytes]:
    found: dict[str, bytes] = {}

    # Outlook (CP50221): ① ㈱ 髙 in ISO-2022-JP, From with a name in ISO-2022-JP.
    name = word(sjis_to_jis("髙橋 太郎".encode("cp932")), "ISO-2022-JP")
    body = "㈱髙島屋で買った商品について①と②の点で問題がありました。\n至急ご連絡ください。\n"
    found["iso2022jp_nec.eml"] = message(
        [
            *common(
                "iso2022jp-nec",
                subject=word(sjis_to_jis("㈱髙島屋の件①".encode("cp932")), "ISO-2022-JP"),
            ),
            ("Content-Type", 'text/plain; charset="ISO-2022-JP"'),
            ("Content-Transfer-Encoding", "7bit"),
        ],
        iso2022jp(body),
    )
    found["iso2022jp_nec.eml"] = found["iso2022jp_nec.eml"].replace(
        b"From: customer@example.jp", b"From: " + name + b" <takahashi@example.jp>"
    )

    # A Mac or phone: plain JIS X 0208 ISO-2022-JP with 〜 (WAVE DASH).
    found["iso2022jp_plain.eml"] = message(
        [
            *common(
                "iso2022jp-plain", subject=word("配送について".encode("iso2022_jp"), "ISO-2022-JP")
            ),
            ("Content-Type", "text/plain; charset=ISO-2022-JP"),
            ("Content-Transfer-Encoding", "7bit"),
        ],
        "10時〜12時の配達指定が守られませんでした。\r\n".encode("iso2022_jp"),
    )

    # Declared Shift_JIS, written by Windows (CP932): 0x8160 (〜 in JIS, ～ in CP932), the
    # fullwidth tilde ～ (0x8160 again in CP932), ① (NEC 0x8740) and 髙 (IBM 0xFBFC).
    sjis_body = (
        "受付時間は9時".encode("cp932")
        + b"\x81\x60"
        + "18時と書いてありますが、①電話がつながらない ㈱の窓口に".encode("cp932")
        + b"\xfb\xfc"
        + "橋さんがいない。\r\n".encode("cp932")
    )
    found["shift_jis_cp932.eml"] = message(
        [
            *common(
                "sjis-cp932", subject=word("電話がつながらない〜".encode("shift_jis"), "Shift_JIS")
            ),
            ("Content-Type", "text/plain; charset=Shift_JIS"),
            ("Content-Transfer-Encoding", "8bit"),
        ],
        sjis_body,
    )

    # EUC-JP (old Unix mailers), quoted-printable.
    found["euc_jp.eml"] = message(
        [
            *common("euc-jp", subject=word("返品の手続き".encode("euc_jp"), "EUC-JP")),
            ("Content-Type", "text/plain; charset=EUC-JP"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        qplines("返品の手続きを教えてください。レシートはあります。\r\n".encode("euc_jp")),
    )

    # UTF-8, base64 (Gmail) and quoted-printable (Apple Mail).
    found["utf8_base64.eml"] = message(
        [
            *common("utf8-b64", subject=word("冷凍餃子に異物".encode(), "UTF-8")),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Transfer-Encoding", "base64"),
        ],
        b64lines("冷凍餃子の中に金属片が入っていました。写真もあります。\r\n".encode()),
    )
    found["utf8_qp.eml"] = message(
        [
            *common("utf8-qp", subject=word("パッケージが開けにくい".encode(), "UTF-8", "Q")),
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ],
        qplines("高齢の母にはパッケージが開けにくいようです。\r\n".encode()),
    )

    # A subject whose UTF-8 characters are split between two encoded words (RFC 2047 forbids
    # it; real clients do it): 「電池が発熱」 cut inside 発.
    subject = "電池が発熱しました".encode()
    cut = len("電池が".encode()) + 1
    found["split_subject.eml"] = message(
        [
            *common(
                "split-subject",
                subject=word(subject[:cut], "UTF-8") + b"\r\n " + word(subject[cut:], "UTF-8"),
            ),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Transfer-Encoding", "8bit"),
        ],
        "充電中に電池が熱くなりました。\r\n".encode(),
    )

    # format=flowed; delsp=yes (Thunderbird): a long line cut into soft-broken lines.
    found["flowed.eml"] = message(
        [
            *common("flowed", subject=word("説明書について".encode(), "UTF-8")),
            ("Content-Type", "text/plain; charset=UTF-8; format=flowed; delsp=yes"),
            ("Content-Transfer-Encoding", "8bit"),
        ],
        "説明書の12ページに書いてある手順の通りに \r\n操作しても電源が入りません。\r\n"
        "よろしくお願いします。\r\n".encode(),
    )

    # HTML only (a web mailer), with a script that must never run or show.
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<p>注文番号 <b>A-1234</b> の商品が<br>まだ届きません。</p>"
        "<script>alert('x')</script><p>確認をお願いします &amp; 返信ください。</p>"
        "</body></html>"
    )
    found["html_only.eml"] = message(
        [
            *common("html-only", subject=word("商品が届かない".encode(), "UTF-8")),
            ("Content-Type", "text/html; charset=UTF-8"),
            ("Content-Transfer-Encoding", "base64"),
        ],
        b64lines(html.encode()),
    )

    # multipart/alternative: the plain text is the body.
    found["alternative.eml"] = message(
        [
            *common("alternative", subject=word("ポイントの付与".encode(), "UTF-8")),
            ("Content-Type", 'multipart/alternative; boundary="alt-b"'),
        ],
        b"--alt-b\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit"
        b"\r\n\r\n"
        + "ポイントが付与されていません。\r\n".encode()
        + b"--alt-b\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
        + "<p>HTML版: ポイントが付与されていません。</p>\r\n".encode()
        + b"--alt-b--\r\n",
    )

    # The customer answers relq's case about their first message (In-Reply-To), quoting it
    # under a Japanese reply header (Gmail's Japanese form).
    reply = (
        "お返事ありがとうございます。\n写真を添付しました。\n\n"
        "2026年12月1日(火) 10:00 山田 <customer@example.jp>:\n"
        "> 冷凍餃子の中に金属片が入っていました。\n"
    )
    found["reply_gmail_ja.eml"] = message(
        [
            *common("reply-gmail", subject=word("Re: 冷凍餃子に異物".encode(), "UTF-8")),
            ("In-Reply-To", "<utf8-b64@mail.example.jp>"),
            ("References", "<utf8-b64@mail.example.jp>"),
            ("Content-Type", "text/plain; charset=ISO-2022-JP"),
            ("Content-Transfer-Encoding", "7bit"),
        ],
        iso2022jp(reply),
    )

    # Outlook's reply: -----Original Message----- and no In-Reply-To, the case's ref in the
    # subject ({ref} is filled in by the test with the case's own).
    outlook = (
        "承知しました。来週まで待ちます。\n\n-----Original Message-----\n"
        "From: relq <support@relq.example>\nSent: Tuesday, December 1, 2026 10:00 AM\n"
        "To: customer@example.jp\nSubject: {ref}\n\nご連絡ありがとうございます。\n"
    )
    found["reply_outlook_ref.eml"] = message(
        [
            *common(
                "reply-outlook", subject=b"RE: {ref} " + word("お問い合わせ".encode(), "UTF-8")
            ),
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Transfer-Encoding", "8bit"),
        ],
        outlook.replace("\n", "\r\n").encode(),
    )

    # Attachments: a small PDF, a large file (over the tests' 2 KB limit), and a name in
    # RFC 2231 (Thunderbird) and one in an RFC 2047 word (Outlook).
    pdf = b"%PDF-1.4\n% tiny\n" + b"0" * 200 + b"\n%%EOF\n"
    big = bytes(range(256)) * 16  # 4 KiB
    found["attachments.eml"] = message(
        [
            *common("attachments", subject=word("写真を送ります".encode(), "UTF-8")),
            ("Content-Type", 'multipart/mixed; boundary="mix-b"'),
        ],
        b"--mix-b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n"
        + "写真と保証書を添付します。\r\n".encode()
        + b"--mix-b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        b"Content-Disposition: attachment; filename*=UTF-8''%E4%BF%9D%E8%A8%BC%E6%9B%B8.pdf"
        b"\r\n\r\n"
        + b64lines(pdf)
        + b'--mix-b\r\nContent-Type: application/octet-stream; name="'
        + word("写真.raw".encode(), "UTF-8")
        + b'"\r\nContent-Transfer-Encoding: base64\r\n'
        b"Content-Disposition: attachment\r\n\r\n"
        + b64lines(big)
        + b"--mix-b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; "
        b'filename="page.html"\r\n\r\n<script>alert(1)</script>\r\n' + b"--mix-b--\r\n",
    )

    # No Message-ID (some ticket forms): keyed by the digest of its bytes.
    no_id = message(
        [h for h in common("x", subject=word("IDなし".encode(), "UTF-8")) if h[0] != "Message-ID"]
        + [("Content-Type", "text/plain; charset=UTF-8")],
        "メッセージIDのないメールです。\r\n".encode(),
    )
    found["no_message_id.eml"] = no_id

    # Broken: no From, and a multipart without its boundary: kept, failed, shown to admins.
    found["broken.eml"] = (
        b"Message-ID: <broken@mail.example.jp>\r\nSubject: =?UTF-8?B?5aOK44KM44Gf?=\r\n"
        b"Content-Type: multipart/mixed\r\n\r\n\xff\xfe garbage \x00\x01 <script>x</script>\r\n"
    )
    return found


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
