"""Pure-Python text helpers: normalisation and language detection (no spaCy import)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["detect_language", "name_spans", "normalize", "normalize_token"]

# Kana that survive NFKC but have a modern equivalent customers and admins actually type.
_KANA_VARIANTS = str.maketrans(
    {
        "ゐ": "い",
        "ゑ": "え",
        "ヰ": "イ",
        "ヱ": "エ",
        "ヷ": "ヴァ",
        "ヸ": "ヴィ",
        "ヹ": "ヴェ",
        "ヺ": "ヴォ",
    }
)
# A–Z only: "lowercase ASCII letters" (NFKC has already folded full-width Ａ to A).
_ASCII_LOWER = str.maketrans({chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)})
# Zero-width characters that NFKC keeps and that break tokenisation and search.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")
# Everything people type for a long-vowel mark or a wave: ー and its look-alikes after NFKC.
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc"
_WAVES = "~\u301c\u3030"
_KATAKANA = "\u30a1-\u30fa\u30fc"
_HIRAGANA = "\u3041-\u3096"
# After katakana (or ー) any run of dashes/waves is a long-vowel mark: コ-ヒ- → コーヒー.
# (A dash followed by a digit or ASCII letter stays a separator: ポット-X1.)
_AFTER_KATAKANA = re.compile(f"(?<=[{_KATAKANA}])[{_DASHES}{_WAVES}]+(?![0-9A-Za-z])")
# Between hiragana and kana a wave or dash is a stretched vowel: すご〜い → すごーい.
_HIRAGANA_STRETCH = re.compile(
    f"(?<=[{_HIRAGANA}])[{_DASHES}{_WAVES}]+(?=[{_HIRAGANA}{_KATAKANA}])"
)
_OTHER_WAVES = re.compile(f"[{_WAVES}]")
_OTHER_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]")
# 一ヵ月 / 一ケ月 / 3カ所 → ヶ (the form Sudachi's dictionary knows best).
_COUNTER_KE = re.compile("(?<=[0-9一二三四五六七八九十百千何数])[ヵケカ箇](?=[月所国年])")


def normalize(text: str, *, lowercase: bool = True) -> str:
    """Canonical form used for display-independent processing, search and matching.

    NFKC (half-width katakana → full-width, full-width ASCII → ASCII, ideographic space →
    space), zero-width characters removed, whitespace runs collapsed to one space, long-vowel
    look-alikes after kana unified to ー (and repeated ー collapsed), remaining wave dashes /
    tildes → ``~`` and dash variants → ``-``, archaic kana (ゐ ゑ ヰ ヱ ヷ…) modernised,
    ヵ/ケ/カ counters (一ヵ月) → ヶ, and ASCII letters lowercased (``lowercase=False`` keeps
    their case). Example: ``ｹﾄﾙ`` → ``ケトル``, ``ＡＢＣ１２３`` → ``abc123``.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = text.translate(_KANA_VARIANTS)
    text = _AFTER_KATAKANA.sub("ー", text)
    text = _HIRAGANA_STRETCH.sub("ー", text)
    if "ーー" in text:
        text = re.sub("ー{2,}", "ー", text)
    text = _OTHER_WAVES.sub("~", text)
    text = _OTHER_DASHES.sub("-", text)
    text = _COUNTER_KE.sub("ヶ", text)
    text = _WHITESPACE.sub(" ", text).strip()
    if lowercase:
        text = lowercase_ascii(text)
    return text


def lowercase_ascii(text: str) -> str:
    """A–Z lowercased, nothing else: ``normalize(t) == lowercase_ascii(normalize(t,
    lowercase=False))``, at the same offsets."""
    return text.translate(_ASCII_LOWER)


# Model numbers and codes: letters, an optional dash, then a digit (CX-60, KT-200, E03, PS5),
# with further dash-joined parts (ABC-12-X). Letters alone (wi-fi) or digits first (500ml,
# 2nd) are not names.
_MODEL_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,8}-?[0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9])"
)
# Acronyms as the writer capitalised them: ABS, ATM, USB (not "Abs", not "abs").
_ACRONYM = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2,6}(?![A-Za-z0-9])")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def name_spans(cased: str) -> list[tuple[int, int]]:
    """(start, end) of the model numbers and acronyms in ``normalize(text, lowercase=False)``,
    in order, not overlapping: the words a lemmatiser must keep whole, because 「CX-60」 and
    「CX-5」 are different products and 「ABS」 is not the plural of "ab". The offsets are also
    those of ``normalize(text)``, which only lowercases the same string.

    Acronyms need the writer's capitals, so a text written all in capitals (shouting, or a
    form that upper-cases everything) has model numbers but no acronyms.
    """
    spans = [m.span() for m in _MODEL_NUMBER.finditer(cased)]
    letters = _ASCII_LETTER.findall(cased)
    upper = sum(1 for ch in letters if ch <= "Z")
    if upper and (upper <= len(letters) // 2 or upper <= 12):
        taken = {i for start, end in spans for i in range(start, end)}
        spans += [m.span() for m in _ACRONYM.finditer(cased) if m.start() not in taken]
        spans.sort()
    return spans


@lru_cache(maxsize=65536)
def normalize_token(token: str) -> str:
    """``normalize`` for single tokens, cached (tokens repeat a lot across documents)."""
    return normalize(token)


def _is_japanese_char(code: int) -> bool:
    return (
        0x3040 <= code <= 0x30FF  # hiragana, katakana
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF66 <= code <= 0xFF9D  # half-width katakana
        or 0x31F0 <= code <= 0x31FF  # katakana phonetic extensions
        or code == 0x3005  # 々
    )


def _is_latin_letter(ch: str) -> bool:
    code = ord(ch)
    return (
        ("a" <= ch <= "z")
        or ("A" <= ch <= "Z")
        or (0xFF21 <= code <= 0xFF3A)  # full-width A-Z
        or (0xFF41 <= code <= 0xFF5A)  # full-width a-z
        or (0x00C0 <= code <= 0x024F and ch.isalpha())  # accented Latin
    )


# Share of Japanese characters among (Japanese + Latin letters) from which text counts as
# Japanese. One kana/kanji carries roughly what 2–3 Latin letters do, so 15% already means
# a real Japanese clause, not a stray 「様」 in an English e-mail.
JA_SHARE_THRESHOLD = 0.15


def detect_language(text: str) -> str:
    """Return ``"ja"`` or ``"en"`` from the script mix, without any model.

    Mixed text is ``"ja"`` when kana/kanji make up at least ``JA_SHARE_THRESHOLD`` of the
    letters (the Japanese pipeline handles embedded English words; the reverse is not true).
    Text with no letters at all (digits, emoji, empty) is ``"ja"``: relq is Japanese-first.
    """
    ja = latin = 0
    for ch in text:
        code = ord(ch)
        if code < 0x80:
            if ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
                latin += 1
        elif _is_japanese_char(code):
            ja += 1
        elif _is_latin_letter(ch):
            latin += 1
    if ja == 0:
        return "en" if latin else "ja"
    return "ja" if ja / (ja + latin) >= JA_SHARE_THRESHOLD else "en"
