"""Reading an e-mail as Japanese mail really arrives: the stdlib's `email` (policy.default) for
the structure, and the text decoded the way mail clients really encode it.

- ISO-2022-JP: clients send CP50220/CP50221 (Outlook, Becky!, Thunderbird on Windows): NEC
  special characters (①, ㈱, row 13) and NEC-selected IBM extensions (髙, rows 89-92) inside
  ISO-2022-JP. Python's `iso2022_jp`, `iso2022_jp_ext`, `iso2022_jp_2` and `iso2022_jp_2004`
  all refuse ① (tests/mailin/test_parsing.py shows it); so text plain ISO-2022-JP cannot read
  has its JIS bytes mapped to Shift_JIS and read as CP932, which is what those clients meant
  (`decode_iso2022jp_as_cp932`).
- Shift_JIS is read as CP932 (〜 and ～, ①, ㈱: Windows' Shift_JIS), EUC-JP as EUC-JP then
  EUC-JIS-2004, anything undeclared by trying UTF-8, CP932 and EUC-JP strictly, then
  charset-normalizer's guess.
- RFC 2047 words are joined before decoding, so a character split between two words (which
  real clients do) comes out whole.
- format=flowed (RFC 3676) is unwrapped; HTML-only mail is reduced to text by html2text;
  quoted replies are trimmed by mail-parser-reply (Japanese 「2026年12月1日(火) 10:00 山田
  <a@b>:」 and 「-----Original Message-----」 included).
"""

from __future__ import annotations

import codecs
import email
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

import html2text
from charset_normalizer import from_bytes
from mailparser_reply import EmailReplyParser

_ESCAPES = {
    b"\x1b$B": "jis",
    b"\x1b$@": "jis",
    b"\x1b(B": "ascii",
    b"\x1b(J": "ascii",  # JIS X 0201 Roman: ASCII but for ¥ and ‾, as clients treat it
    b"\x1b(I": "kana",  # half-width katakana (CP50221)
}
_ESCAPE = re.compile(rb"\x1b(?:\$B|\$@|\(B|\(J|\(I)")
_CP932_NAMES = {
    "shift_jis",
    "shift-jis",
    "sjis",
    "x-sjis",
    "ms_kanji",
    "csshiftjis",
    "windows-31j",
    "cp932",
    "ms932",
    "x-ms-cp932",
    "ibm-943",
}
_ISO2022JP_NAMES = {
    "iso-2022-jp",
    "iso2022jp",
    "csiso2022jp",
    "iso-2022-jp-ms",
    "cp50220",
    "cp50221",
    "cp50222",
    "x-iso2022jp-cp932",
}
_EUCJP_NAMES = {
    "euc-jp",
    "eucjp",
    "x-euc-jp",
    "cseucpkdfmtjapanese",
    "eucjp-ms",
    "euc-jp-ms",
    "cp51932",
}
# What a person cannot read and a database should not hold (tab and newline are kept).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class Unreadable(ValueError):
    """The message cannot be read as an e-mail at all (the words say why)."""


def decode_iso2022jp_as_cp932(data: bytes) -> str:
    """ISO-2022-JP bytes as CP50220/CP50221 clients wrote them: each JIS X 0208 pair (rows
    1-94, NEC row 13 and the NEC-selected IBM rows 89-92 included) turned into its Shift_JIS
    pair and read as CP932. Raises UnicodeDecodeError on bytes that are not such text."""
    out = bytearray()
    mode = "ascii"
    position = 0
    for match in _ESCAPE.finditer(data):
        out += _segment(data[position : match.start()], mode, data, position)
        mode = _ESCAPES[match.group()]
        position = match.end()
    out += _segment(data[position:], mode, data, position)
    return out.decode("cp932")


def _segment(chunk: bytes, mode: str, whole: bytes, offset: int) -> bytes:
    if mode == "ascii" or not chunk:
        if any(b > 0x7F for b in chunk):
            raise UnicodeDecodeError("iso-2022-jp", whole, offset, offset + len(chunk), "8-bit")
        return chunk
    if mode == "kana":
        return bytes(b + 0x80 if 0x21 <= b <= 0x5F else b for b in chunk)
    out = bytearray()
    lines = chunk.split(b"\n")
    for index, line in enumerate(lines):
        # A line break inside a double-byte run (never sent, but seen): keep it, go on.
        trailing_cr = line.endswith(b"\r")
        body = line[:-1] if trailing_cr else line
        if len(body) % 2:
            raise UnicodeDecodeError("iso-2022-jp", whole, offset, offset + len(chunk), "odd")
        for i in range(0, len(body), 2):
            j1, j2 = body[i], body[i + 1]
            if not (0x21 <= j1 <= 0x7E and 0x21 <= j2 <= 0x7E):
                raise UnicodeDecodeError("iso-2022-jp", whole, offset + i, offset + i + 2, "jis")
            s1 = (j1 + 1) // 2 + (0x70 if j1 <= 0x5E else 0xB0)
            s2 = j2 + (0x1F if j1 % 2 else 0x7E)
            if j1 % 2 and s2 >= 0x7F:
                s2 += 1
            out += bytes((s1, s2))
        if trailing_cr:
            out += b"\r"
        if index < len(lines) - 1:
            out += b"\n"
    return bytes(out)


def _known(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_text(data: bytes, charset: str | None) -> str:
    """Bytes of a body or header as the sender meant them (see the module's docstring).
    Never raises: what no charset can read comes out with replacement characters."""
    name = (charset or "").strip().strip('"').lower()
    tries: list[tuple[str, object]] = []
    if name in _ISO2022JP_NAMES or data.count(b"\x1b$B") or data.count(b"\x1b$@"):
        # Plain ISO-2022-JP first (its JIS mapping: 〜 is WAVE DASH, as Macs and phones
        # mean it); text only CP50221 can read is a Windows client's, read as CP932.
        tries += [
            ("iso2022_jp", None),
            ("cp50221", decode_iso2022jp_as_cp932),
            ("iso2022_jp_2004", None),
            ("iso2022_jp_2", None),
        ]
    if name in _CP932_NAMES:
        tries.append(("cp932", None))
    elif name in _EUCJP_NAMES:
        tries += [("euc_jp", None), ("euc_jis_2004", None)]
    elif name and name not in ("us-ascii", "ascii", "unknown-8bit", "x-unknown") and _known(name):
        tries.append((name, None))
    tries += [("utf-8", None), ("cp932", None), ("euc_jp", None)]
    for codec, decoder in tries:
        try:
            return decoder(data) if decoder else data.decode(codec)  # type: ignore[operator]
        except (UnicodeDecodeError, LookupError):
            continue
    guess = from_bytes(data).best()
    if guess is not None:
        return str(guess)
    return data.decode("utf-8", errors="replace")


def clean(text: str) -> str:
    """Text fit to store and show: NFC, CRLF as LF, no control characters."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text)


def decode_header_value(raw: str) -> str:
    """A header's raw value (RFC 2047 words, or raw 8-bit bytes some clients send) as text.
    Adjacent words in one charset are joined before decoding (a character may be split)."""
    if raw is None:
        return ""
    unfolded = re.sub(r"\r?\n[ \t]", " ", str(raw))
    try:
        parts = decode_header(unfolded)
    except Exception:  # noqa: BLE001 (a broken word: keep the text as it came)
        parts = [(unfolded, None)]
    out = []
    for value, charset in parts:
        if isinstance(value, str):
            # Raw 8-bit header bytes come out of the parser as surrogate escapes.
            value = value.encode("utf-8", "surrogateescape")
        out.append(decode_text(value, charset))
    return clean(" ".join(s.strip() for s in out if s.strip()) if len(out) > 1 else "".join(out))


def unflow(text: str, *, delsp: bool) -> str:
    """RFC 3676 format=flowed unwrapped: a line ending in a space goes on in the next one
    (the space dropped with DelSp=yes); space-stuffing removed; quote depth respected."""
    out: list[str] = []
    current: str | None = None
    current_depth = -1
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        is_signature = content == "-- "
        soft = content.endswith(" ") and not is_signature
        if soft and delsp:
            content = content[:-1]
        if current is not None and depth == current_depth:
            current += content
        else:
            if current is not None:
                out.append(">" * current_depth + (" " if current_depth else "") + current)
            current, current_depth = content, depth
        if not soft:
            out.append(">" * depth + (" " if depth else "") + current)
            current, current_depth = None, -1
    if current is not None:
        out.append(">" * current_depth + (" " if current_depth else "") + current)
    return "\n".join(out)


def html_to_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0  # no wrapping: Japanese has no spaces to wrap at
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.unicode_snob = True
    return converter.handle(html).strip()


_REPLY_PARSER = EmailReplyParser(languages=["ja", "en"])


def trim_reply(text: str) -> str:
    """The newest part of a reply, without the quoted message below it (or the text itself
    when nothing is left once trimmed)."""
    try:
        latest = _REPLY_PARSER.parse_reply(text)
    except Exception:  # noqa: BLE001 (a library's regexes on odd text: keep it whole)
        latest = None
    return (latest or "").strip() or text.strip()


@dataclass
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_name: str
    from_address: str
    sent_at: datetime | None
    body: str  # the whole text, decoded
    reply: str  # the body without the quoted message
    attachments: list[Attachment] = field(default_factory=list)


_MSGID = re.compile(r"<([^<>\s]{1,250})>")


def message_ids(value: str | None) -> list[str]:
    return _MSGID.findall(value or "")


def message_id_of(raw: bytes) -> str | None:
    """The Message-ID as sent (without <>), read from the headers alone, or None."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        parsed = email.message_from_bytes(head + b"\n\n", policy=policy.compat32)
        found = message_ids(parsed.get("Message-ID", ""))
    except Exception:  # noqa: BLE001 (headers a parser cannot read: key by digest)
        return None
    return found[0] if found else None


def message_key(raw: bytes) -> str:
    """The stored key: the Message-ID, or the digest of the raw bytes when there is none."""
    return message_id_of(raw) or "sha256:" + hashlib.sha256(raw).hexdigest()


def _raw_header(message: EmailMessage, name: str) -> str | None:
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return value
    return None


def _part_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    text = clean(decode_text(payload, part.get_content_charset()))
    if part.get_content_subtype() == "html":
        return html_to_text(text)
    if (part.get_param("format") or "").lower() == "flowed":
        return unflow(text, delsp=(part.get_param("delsp") or "").lower() == "yes")
    return text


def _filename(part: EmailMessage, position: int) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    name = ""
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, value)
        charset, _language, value = raw
        name = decode_text(value.encode("latin-1", "surrogateescape"), charset)
    elif raw:
        name = decode_header_value(str(raw))
    name = clean(name).replace("/", "_").replace("\\", "_").strip()
    return (name or f"attachment-{position}")[:255]


def parse(raw: bytes) -> ParsedMail:
    """The message's addresses, subject, text and attachments. Raises Unreadable for bytes
    that are no e-mail (no headers, no sender)."""
    if not raw or not raw.strip():
        raise Unreadable("the message is empty")
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception as error:  # noqa: BLE001
        raise Unreadable(f"the e-mail parser could not read it: {error}") from error
    if not message.keys():
        raise Unreadable("the message has no headers")
    from_raw = _raw_header(message, "From")
    if not from_raw:
        raise Unreadable("the message has no From header")
    addresses = getaddresses([re.sub(r"\r?\n[ \t]", " ", from_raw)])
    name, address = addresses[0] if addresses else ("", "")
    address = clean(address).strip()
    if "@" not in address or len(address) > 254 or " " in address:
        raise Unreadable(f"the sender's address cannot be read: {from_raw[:80]!r}")
    sent_at = None
    date_raw = _raw_header(message, "Date")
    if date_raw:
        try:
            sent_at = parsedate_to_datetime(date_raw.strip())
            sent_at = sent_at.astimezone(UTC) if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)
        except (TypeError, ValueError, IndexError):
            sent_at = None
    body_part = message.get_body(preferencelist=("plain", "html"))
    body = _part_text(body_part) if body_part is not None else ""
    attachments = []
    for part in message.walk():
        if part.is_multipart() or part is body_part:
            continue
        if part.get_content_maintype() == "text" and not part.is_attachment():
            if body_part is None:  # no text/plain nor html body: the first text part
                body_part, body = part, _part_text(part)
            continue
        content = part.get_payload(decode=True) or b""
        attachments.append(
            Attachment(
                filename=_filename(part, len(attachments) + 1),
                content_type=part.get_content_type()[:127],
                content=content,
            )
        )
    if message.get_content_maintype() == "multipart" and body_part is None and not attachments:
        raise Unreadable("the multipart message has no parts (a missing or wrong boundary)")
    message_id = message_ids(_raw_header(message, "Message-ID"))
    return ParsedMail(
        message_id=message_id[0] if message_id else None,
        in_reply_to=message_ids(_raw_header(message, "In-Reply-To")),
        references=message_ids(_raw_header(message, "References")),
        subject=decode_header_value(_raw_header(message, "Subject") or "").strip(),
        from_name=decode_header_value(name).strip() if name else "",
        from_address=address.lower(),
        sent_at=sent_at,
        body=body.strip(),
        reply=trim_reply(body),
        attachments=attachments,
    )


def header_lines(raw: bytes, limit: int = 200) -> list[tuple[str, str]]:
    """The message's headers, raw and decoded side by side, for an admin looking at a message
    that failed (shown escaped by the template: never trusted)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    message = email.message_from_bytes(head + b"\n\n", policy=policy.compat32)
    lines = []
    for key, value in list(message.items())[:limit]:
        text = value if isinstance(value, str) else str(value)
        lines.append((clean(key)[:100], decode_header_value(text)[:2000]))
    return lines
