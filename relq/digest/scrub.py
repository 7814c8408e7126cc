"""Removing personal data from the customers' own words before they leave a case: names,
phone numbers, e-mail addresses and order numbers, in Japanese and English text.

Names come from GiNZA's named entities (Person, relq.nlp.load_ja_full, which reads the Latin
names inside Japanese text as well) and from honorifics around a word (山田様, 佐藤さん,
Mr. Brown, Ms Tanaka) and "my name is ..." phrases; numbers and addresses from patterns,
full-width digits included. When the NLP pipeline cannot be loaded the patterns still run:
a verbatim is then scrubbed by honorifics only, which the tests make sure still catches the
usual ways customers name people.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections import OrderedDict

log = logging.getLogger(__name__)

NAME = "［氏名］"
PHONE = "［電話番号］"
EMAIL = "［メール］"
ORDER = "［注文番号］"
NUMBER = "［番号］"
PLACEHOLDERS = (NAME, PHONE, EMAIL, ORDER, NUMBER)

_DIGIT = r"[0-9０-９]"
_DASH = r"[-‐‑‒–—―ー－−\s]?"
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-－＿]+[@＠][A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Japanese numbers: 090-1234-5678, 03-1234-5678, 0120-123-456, (03)1234-5678, +81 90 1234 5678,
# full-width or half-width digits, dashes or spaces or none.
_PHONE = re.compile(
    rf"(?:(?:\+|＋)\s?(?:8|８)(?:1|１)[\s\-‐－]?\(?{_DIGIT}{{1,4}}\)?|[(（]?(?:0|０){_DIGIT}{{0,4}}[)）]?)"
    rf"{_DASH}{_DIGIT}{{1,4}}{_DASH}{_DIGIT}{{3,4}}(?!{_DIGIT})"
)
# 注文番号 12345678, ご注文番号：AB-1234-5678, order no. 1234, Order #A12345, order number 99.
_ORDER = re.compile(
    r"(?:(?:ご)?注文(?:番号|No\.?|ＮＯ|№)?|受注番号|伝票番号|お問い合わせ番号|会員番号|"
    r"(?i:order|invoice|tracking|account|customer)\s*(?:no\.?|number|#|id)?)"
    r"\s*[:：#＃は、]?\s*(?:は\s*)?"
    r"([A-Za-z0-9Ａ-Ｚａ-ｚ０-９][A-Za-z0-9Ａ-Ｚａ-ｚ０-９\-－‐]{3,})"
)
# Any other run of six or more digits (card, member, parcel numbers); model numbers are short.
_LONG_DIGITS = re.compile(rf"(?<![0-9０-９]){_DIGIT}(?:[\s\-－]?{_DIGIT}){{5,}}(?![0-9０-９])")
_DATE = re.compile(r"^[12][0-9]{3}[-－][01]?[0-9][-－][0-3]?[0-9]$")
# Names by their honorific: 山田様, 山田 太郎さま, 佐藤さん, タナカ様, 鈴木氏, 田中殿.
_JA_HONORIFIC = re.compile(
    r"([一-龥々〆ヶァ-ヴーｦ-ﾟ]{1,6}(?:[\s　][一-龥々〆ヶァ-ヴー]{1,6})?)"
    r"(様(?![子式相々])|さま|さん|サン|氏|殿|くん|ちゃん)"
)
# Words that end in 様 or 氏 without being an honorific (仕様どおり, 同様に, 模様替え).
_WORDS_WITH_HONORIFIC_CHARACTER = ("仕", "同", "模", "異", "各", "左", "王", "神", "彼", "某")
# Words that take an honorific without naming anyone: お客様, 皆様, 担当者様, ...
_NOT_NAMES = frozenset(
    [
        "客",
        "お客",
        "顧客",
        "皆",
        "みな",
        "担当",
        "担当者",
        "ご担当者",
        "お母",
        "母",
        "お父",
        "父",
        "奥",
        "奥さ",
        "旦那",
        "息子",
        "娘",
        "子供",
        "店員",
        "社長",
        "部長",
        "課長",
        "係長",
        "店長",
        "運転手",
        "配達員",
        "業者",
        "相手",
        "先方",
        "当方",
        "弊社",
        "御社",
        "貴社",
        "皆さん",
        "神",
        "お疲れ",
        "ご苦労",
        "お世話",
        "お客さ",
        "会員",
        "利用者",
        "購入者",
        "ご家族",
        "家族",
        "主人",
        "ご主人",
        "奥様",
        "お隣",
        "隣",
        "近所",
        "窓口",
        "方",
        "他",
        "同僚",
        "上司",
        "職員",
        "スタッフ",
        "係",
        "オペレーター",
        "営業",
        "サポート",
    ]
)
_EN_HONORIFIC = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam)\.?\s+[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?"
)
_EN_SELF = re.compile(
    r"\b(?:[Mm]y name is|[Tt]his is|I am|I'm|[Ss]igned|[Rr]egards,?|[Ss]incerely,?|"
    r"[Tt]hanks,?|[Tt]hank you,?|[Aa]sk(?: for)?|[Tt]ell|[Tt]hank|[Dd]ear|[Cc]ontact|[Cc]all|"
    r"[Ss]poke (?:to|with)|[Tt]alked to|named|called)\s+"
    r"([A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?)"
)
_JA_SELF = re.compile(r"([一-龥々ァ-ヴー]{1,6}(?:[\s　][一-龥々ァ-ヴー]{1,6})?)と申します")
# English words that follow "this is" / "I am" without being a name.
_EN_NOT_NAMES = frozenset(
    [
        "The",
        "A",
        "An",
        "It",
        "This",
        "That",
        "Not",
        "Very",
        "So",
        "Really",
        "Just",
        "Still",
        "Also",
        "Your",
        "My",
        "Our",
        "Their",
        "His",
        "Her",
        "Customer",
        "Service",
        "Support",
        "Order",
        "Japan",
        "English",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)


def scrub(text: str, *, limit: int | None = None, use_nlp: bool = True) -> str:
    """`text` without names, phone numbers, e-mail addresses and order numbers (each replaced
    by a bracketed placeholder), whitespace collapsed, clipped to `limit` characters."""
    return scrub_many([text], limit=limit, use_nlp=use_nlp)[0]


def scrub_many(texts: list[str], *, limit: int | None = None, use_nlp: bool = True) -> list[str]:
    """`scrub` for several texts: the NER reads the ones it has not read yet in one batch
    (a digest quotes some fifty texts; GiNZA costs tens of milliseconds each, less batched).
    A long text is cut before the NER reads it (only `limit` characters are shown), at a
    boundary, never inside a number."""
    prepared = [_patterns(_cut(t or "", limit)) for t in texts]
    if use_nlp:
        _entities_into_cache([t for t in prepared if t])
    found = []
    for text in prepared:
        if not text:
            found.append("")
            continue
        if use_nlp:
            text = _entity_cache.get(_key(text), text)
        text = _JA_SELF.sub(lambda m: m.group(0).replace(m.group(1), NAME), text)
        text = _JA_HONORIFIC.sub(_ja_name, text)
        text = _EN_HONORIFIC.sub(lambda m: _keep_title(m.group(0)), text)
        text = _EN_SELF.sub(_en_self, text)
        text = re.sub(rf"{re.escape(NAME)}(?:\s*{re.escape(NAME)})+", NAME, text)
        text = " ".join(text.split())
        if limit is not None and len(text) > limit:
            text = text[: limit - 1] + "…"
        found.append(text)
    return found


# Characters of slack kept beyond `limit` before scrubbing: placeholders are shorter or longer
# than what they replace, so the shown part is cut again afterwards.
_SLACK = 80
_NUMBERISH = re.compile(r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ@＠.\-－‐+＋()（）#＃_]+$")


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit + _SLACK:
        return text
    text = text[: limit + _SLACK]
    # Never leave half a phone number, address or order number at the cut.
    return _NUMBERISH.sub("", text)


def _patterns(text: str) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _EMAIL.sub(EMAIL, text)
    text = _ORDER.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + ORDER, text)
    text = _PHONE.sub(PHONE, text)
    return _LONG_DIGITS.sub(lambda m: m.group(0) if _DATE.match(m.group(0)) else NUMBER, text)


# What the NER made of a text, by the text's digest: a pure function of the text, so it is
# never stale (no cache topic needed) and bounded; the department digests built after the
# company's quote the same words and find them here.
_ENTITY_CACHE_SIZE = 4096
_entity_cache: OrderedDict[str, str] = OrderedDict()
_entity_lock = threading.Lock()


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _ja_name(match: re.Match) -> str:
    word, honorific = match.group(1), match.group(2)
    bare = word.strip()
    if bare in _NOT_NAMES or bare.endswith(("お客", "客")) or NAME in bare:
        return match.group(0)
    if honorific in ("様", "氏") and bare.endswith(_WORDS_WITH_HONORIFIC_CHARACTER):
        return match.group(0)
    # 「お客様」「皆様」 and words ending in a common noun stay; a name before 様/さん goes.
    if any(bare.endswith(w) for w in ("担当者", "担当", "家族", "主人", "社長", "店長", "部長")):
        return match.group(0)
    return NAME + honorific


def _keep_title(found: str) -> str:
    title = found.split()[0]
    return f"{title} {NAME}"


def _en_self(match: re.Match) -> str:
    name = match.group(1)
    if name.split()[0] in _EN_NOT_NAMES:
        return match.group(0)
    return match.group(0)[: match.start(1) - match.start(0)] + NAME


_LATIN_NAME = re.compile(r"^[A-Z][A-Za-z'\-.]*(?:\s+[A-Z][A-Za-z'\-.]*)*$")
# What the NER sometimes takes for a person and is not: model numbers and codes (KT, CX-5).
_CODE = re.compile(r"^[A-Z0-9Ａ-Ｚ０-９\-\s.]+$")


def _named(text: str) -> bool:
    """A Latin-script name is capitalised (the NER sometimes takes "shows nothing" for one)."""
    words = re.findall(r"[A-Za-z][A-Za-z'\-]*", text)
    return all(w[0].isupper() for w in words)


def _entities_into_cache(texts: list[str]) -> None:
    """Replace GiNZA's Person entities (any script) by the placeholder, for the texts not in
    the cache yet, read in one batch."""
    with _entity_lock:
        todo = list(dict.fromkeys(t for t in texts if _key(t) not in _entity_cache))
    if not todo:
        return
    try:
        from relq.nlp.pipelines import NLPUnavailable, load_ja_full

        pipeline = load_ja_full(exclude=("parser", "bunsetu_recognizer"))
        docs = pipeline.pipe(todo)
    except NLPUnavailable as error:
        log.warning("names left to the honorific patterns: %s", error)
        return
    with _entity_lock:
        for text, doc in zip(todo, docs, strict=True):
            _entity_cache[_key(text)] = _without_people(text, doc)
            while len(_entity_cache) > _ENTITY_CACHE_SIZE:
                _entity_cache.popitem(last=False)


def _without_people(text: str, doc) -> str:
    """`text` with the people `doc` finds replaced: GiNZA's Person entities that are names
    (a token the dictionary knows as a proper noun, or a capitalised Latin name: the NER alone
    took 製造番号 for a person), and the tokens Sudachi's dictionary tags as personal names
    (人名) that the NER missed."""
    spans = [
        (e.start_char, e.end_char)
        for e in doc.ents
        if e.label_ in ("Person", "PERSON")
        and not _CODE.match(e.text)
        and _named(e.text)
        and (_LATIN_NAME.match(e.text) or any("固有名詞" in t.tag_ for t in e))
    ]
    spans += [(t.idx, t.idx + len(t.text)) for t in doc if "人名" in t.tag_]
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        if any(p in text[start:end] for p in PLACEHOLDERS):
            continue
        text = text[:start] + NAME + text[end:]
    return text


# ---- quotes gathered from every section, scrubbed at once -----------------------------------

QUOTE = "__quote__"


def quote(text: str | None, limit: int | None = None) -> dict:
    """A text a digest section quotes: relq.digest.services.gather scrubs every section's
    quotes in one batch (scrub_quotes) before anything is stored or shown."""
    return {QUOTE: text or "", "limit": limit}


def scrub_quotes(data):
    """`data` with every quote() replaced by its scrubbed text (one NER batch per limit)."""
    found: list[dict] = []

    def walk(value):
        if isinstance(value, dict):
            if QUOTE in value:
                found.append(value)
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    by_limit: dict = {}
    for item in found:
        by_limit.setdefault(item["limit"], []).append(item)
    done: dict[int, str] = {}
    for limit, items in by_limit.items():
        for item, text in zip(
            items, scrub_many([i[QUOTE] for i in items], limit=limit), strict=True
        ):
            done[id(item)] = text

    def replace(value):
        if isinstance(value, dict):
            if QUOTE in value:
                return done[id(value)]
            return {key: replace(item) for key, item in value.items()}
        if isinstance(value, list):
            return [replace(item) for item in value]
        return value

    return replace(data)
