"""Turning a text into plain data: tokens, content lemmas, keyphrases, match keys, search text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from .pipelines import en_lemma_lookup, get_pipeline
from .text import detect_language, lowercase_ascii, name_spans, normalize, normalize_token

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = ["LANGUAGES", "Analysis", "analyse", "search_terms", "segment_for_search"]

LANGUAGES = ("ja", "en")

# Sudachi refuses inputs over 49,149 UTF-8 bytes; 8,000 characters stay under it even at
# 4 bytes a character, and split on a sentence end or a space where one is near.
_CHUNK_CHARS = 8000
_WORD = re.compile(r"\w+")
_ASCII_WORD = re.compile(r"[a-z][a-z0-9'\-]*")
_CLAUSE_END = frozenset("。．.!?！？;；")


@dataclass(frozen=True, slots=True)
class Analysis:
    """What relq keeps from a text. Plain data: safe to pickle, cache or store as JSON.

    - ``language``: ``"ja"`` or ``"en"``.
    - ``normalized``: ``normalize(text)``; every other field is derived from it.
    - ``tokens``: surface forms of all tokens (punctuation included, whitespace excluded).
    - ``lemmas``: dictionary forms of content words (nouns, proper nouns, verbs, adjectives),
      in text order with repeats; stop words, particles, auxiliaries, numbers, punctuation
      removed. Model numbers and acronyms are one lemma each, as written (lower-cased):
      ``cx-60``, ``abs``; see ``text.name_spans``.
    - ``keyphrases``: short noun phrases, deduplicated, in order of first appearance
      (ja: compounds such as 電気ケトル, single nouns such as 熱湯 / 返金; en: lower-cased
      noun chunks with a singular head, e.g. ``kettle lid``).
    - ``match_keys``: normalised lemma key of each content word (Sudachi's normalised form
      for ja, e.g. ふた → 蓋; the lookup lemma for en), ``""`` marking a sentence boundary.
      ``match_phrases`` matches trigger phrases against this sequence.
    - ``search_text``: ``segment_for_search(text)``.
    """

    language: str
    normalized: str
    tokens: tuple[str, ...]
    lemmas: tuple[str, ...]
    keyphrases: tuple[str, ...]
    match_keys: tuple[str, ...] = ()
    search_text: str = ""


class _Tok(NamedTuple):
    surface: str
    lemma: str  # normalised dictionary form
    key: str  # normalised matching key (ja: Sudachi normalised form; en: lemma)
    kind: str  # one of the kinds below
    content: bool
    tag: str = ""  # Sudachi part of speech (ja only)


# Token kinds
_PUNCT = "punct"
_SPACE = "space"
_NOUN = "noun"  # noun or proper noun (compound head material)
_NUM = "num"  # numeral, or a counter right after one
_PREFIX = "prefix"
_SUFFIX = "suffix"
_OTHER = "other"
_COMPOUND_KINDS = frozenset({_NOUN, _NUM, _PREFIX, _SUFFIX})


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


# --- Japanese ----------------------------------------------------------------------------
# Content-word filter on top of Sudachi's POS: light verbs, formal nouns and fillers that
# are nouns/verbs grammatically but carry no topic. Checked against the dictionary form and
# Sudachi's normalised form.
JA_STOP_LEMMAS = _wordset(
    """
    する 為る ある 有る いる 居る なる 成る おる できる 出来る いう 言う 思う 存じる
    くださる 下さる いただく 頂く 戴く もらう 貰う くれる 呉れる 致す いたす 申す
    ござる 御座る られる れる せる
    こと 事 もの 物 ため 為 よう 様 ところ 所 とき 時 ほう 方 うち 内 ほか 他 まま 儘
    際 中 上 下 前 後 頃 ごろ 感じ 気 の ん さ 等 など 達 たち 皆 みな
    私 わたし 僕 俺 自分 あなた 貴方 皆様 皆さん 今回 前回 今日 昨日 先日 本日 以前
    以上 以下 場合 状況 点 件 旨 訳 わけ はず 筈 つもり
    """
)
_JA_DEPENDENT_VERB_AFTER = ("助詞-接続助詞", "動詞", "助動詞")


def _ja_kind_and_content(
    tag: str, lemma: str, key: str, prev_kind: str, prev_tag: str
) -> tuple[str, bool]:
    pos = tag.split("-")
    head = pos[0]
    sub = pos[1] if len(pos) > 1 else ""
    stop = lemma in JA_STOP_LEMMAS or key in JA_STOP_LEMMAS
    if head in ("補助記号", "記号"):
        return _PUNCT, False
    if head == "空白":
        return _SPACE, False
    if head == "名詞":
        if sub == "数詞":
            return _NUM, False
        if "助数詞" in tag and prev_kind == _NUM:
            return _NUM, False
        if "副詞可能" in tag:  # 先月, 毎回, 全部: a lemma, but not part of a compound
            return _OTHER, not stop
        return _NOUN, not stop
    if head == "接頭辞":
        return _PREFIX, False
    if head == "接尾辞":
        return (_SUFFIX if sub == "名詞的" else _OTHER), False
    if head == "動詞":
        if stop:
            return _OTHER, False
        if "非自立可能" in tag and prev_tag.startswith(_JA_DEPENDENT_VERB_AFTER):
            return _OTHER, False  # 〜てしまう, 〜ている, 〜てくる: auxiliary use
        return _OTHER, True
    if head == "形容詞":
        return _OTHER, not stop and "非自立可能" not in tag  # drop ない, ほしい, にくい
    if head == "形状詞":
        return _OTHER, not stop and sub in ("一般", "タリ")  # 不便, 丁寧; not そう/よう
    return _OTHER, False  # particles, auxiliaries, adverbs, pronouns, conjunctions...


# The part of speech a model number or acronym gets in Japanese text: a proper noun, so that
# it joins a compound (cx-60ブレーキ) like any product name.
_NAME_TAG = "名詞-固有名詞-一般"


def _names(doc: Doc, spans: dict[int, int]) -> dict[int, tuple[int, str]]:
    """Token index → (index after the last token, text) of each name span that starts and
    ends on token boundaries (Sudachi splits cx-60 into cx / - / 60)."""
    found: dict[int, tuple[int, str]] = {}
    if not spans:
        return found
    for t in doc:
        end = spans.get(t.idx)
        if end is None:
            continue
        stop = t.i
        while stop < len(doc) and doc[stop].idx + len(doc[stop].text) < end:
            stop += 1
        if stop < len(doc) and doc[stop].idx + len(doc[stop].text) == end:
            found[t.i] = (stop + 1, doc.text[t.idx : end])
    return found


def _ja_tokens(doc: Doc, out: list[_Tok], spans: dict[int, int]) -> None:
    en_table = None
    prev_kind = _SPACE
    prev_tag = ""
    names = _names(doc, spans)
    skip_to = 0
    for t in doc:
        if t.i < skip_to:
            continue
        if t.i in names:
            skip_to, name = names[t.i]
            out.append(_Tok(name, name, name, _NOUN, True, _NAME_TAG))
            prev_kind, prev_tag = _NOUN, _NAME_TAG
            continue
        surface = t.text
        tag = t.tag_
        if surface.isspace():
            out.append(_Tok(surface, surface, surface, _SPACE, False))
            prev_kind, prev_tag = _SPACE, "空白"
            continue
        lemma = normalize_token(t.lemma_) or surface
        key = normalize_token(t.norm_) or lemma
        if surface.isascii() and _ASCII_WORD.fullmatch(surface):
            # An English word inside Japanese text: lemmatise it the English way.
            if en_table is None:
                en_table = en_lemma_lookup() or {}
            lemma = key = en_table.get(surface, surface)
            if surface in EN_STOP or lemma in EN_STOP:
                kind, content = _OTHER, False
            else:
                kind, content = _NOUN, len(surface) > 1
        else:
            kind, content = _ja_kind_and_content(tag, lemma, key, prev_kind, prev_tag)
        out.append(_Tok(surface, lemma, key, kind, content, tag))
        prev_kind, prev_tag = kind, tag


def _ja_keyphrases(toks: list[_Tok]) -> list[str]:
    phrases: list[str] = []
    run: list[_Tok] = []
    for tok in [*toks, _Tok("", "", "", _OTHER, False)]:
        if tok.kind in _COMPOUND_KINDS:
            run.append(tok)
            continue
        if run:
            while run and run[0].kind == _SUFFIX:
                run.pop(0)
            while run and run[-1].kind == _PREFIX:
                run.pop()
            # A lone adjectival noun (不便, 最悪, 危険) describes; it is not a topic.
            lone_adjectival = len(run) == 1 and "形状詞可能" in run[0].tag
            if any(t.content for t in run) and not lone_adjectival:
                phrases.append("".join(t.surface for t in run))
            run = []
    return phrases


# --- English -----------------------------------------------------------------------------
# Deliberately smaller than spaCy's list: spaCy's English stop words include content words
# that matter in complaints (top, bottom, side, back, front, empty, full, fire, call...).
EN_STOP = _wordset(
    """
    a an the this that these those there here it its it's itself i me my mine myself we us
    our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself they them their theirs themselves one ones someone something anything nothing
    everything anyone everyone who whom whose which what when where why how whatever
    be am is are was were been being have has had having do does did doing done
    will would shall should can could may might must ca wo sha ought
    not no nor never n't none neither either
    and or but if then else so than because as while until unless although though whether
    of at by for with about against between into through during before after above below
    to from up down in out on off over under again further once upon within without via per
    all any both each few more most other some such own same much many several very too
    only just also even still already yet ever really quite rather almost enough
    now today yesterday tomorrow soon later ago
    please thanks thank hi hello dear regards sir madam ok okay yes
    'm 're 's 've 'd 'll m re s ve d ll t etc
    get got gets getting let lets make made
    """
)
_EN_DETERMINERS = _wordset(
    "a an the this that these those my your our his her their its some any no every each "
    "another new old"
)
# A word right after one of these is a verb (or an adverb), not the start of a noun phrase.
_EN_VERB_CUES = _wordset(
    """
    to not n't never i we you they he she it please do does did will would can could should
    shall may might must ca wo cannot
    """
)
# Entries of the lookup table that are wrong for complaint text (does → doe).
_EN_LEMMA_FIXES = {"does": "do", "'s": "'s", "ca": "can", "wo": "will", "sha": "shall"}
# -ly adverbs (completely, properly, suddenly) without catching supply/family/assembly.
_EN_ADVERB_ENDS = ("ally", "ely", "fully", "ously", "edly", "erly", "enly", "tly")
_EN_IRREGULAR_PLURALS = _wordset(
    "children feet teeth men women people mice geese knives wives lives leaves halves "
    "shelves data criteria"
)


def _en_tokens(doc: Doc, out: list[_Tok], spans: dict[int, int]) -> None:
    names = _names(doc, spans)
    skip_to = 0
    for t in doc:
        if t.i < skip_to:
            continue
        if t.i in names:
            skip_to, name = names[t.i]
            out.append(_Tok(name, name, name, _NOUN, True))
            continue
        surface = t.text
        if surface.isspace():
            out.append(_Tok(surface, surface, surface, _SPACE, False))
            continue
        lemma = _EN_LEMMA_FIXES.get(surface) or t.lemma_.lower() or surface
        if t.is_punct or not any(ch.isalnum() for ch in surface):
            out.append(_Tok(surface, lemma, lemma, _PUNCT, False))
        elif not any(ch.isalpha() for ch in surface):
            out.append(_Tok(surface, lemma, lemma, _NUM, False))
        elif surface in EN_STOP or lemma in EN_STOP or len(surface) < 2:
            out.append(_Tok(surface, lemma, lemma, _OTHER, False))
        else:
            out.append(_Tok(surface, lemma, lemma, _NOUN, True))


def _en_looks_inflected_verb(tok: _Tok) -> bool:
    """broken → break, leaked → leak, working → work (but lids → lid is a plural noun)."""
    s, lemma = tok.surface, tok.lemma
    if lemma == s or s in _EN_IRREGULAR_PLURALS:
        return False  # thing, ceiling, morning: the lookup table keeps nouns as they are
    if s.endswith("ing"):
        return True
    return not (s.endswith("s") and not s.endswith("ss"))


def _en_keyphrases(toks: list[_Tok]) -> list[str]:
    words = [t for t in toks if t.kind != _SPACE]
    phrases: list[str] = []
    run: list[_Tok] = []

    def flush() -> None:
        if run:
            *mods, head = run[-4:]
            phrases.append(" ".join([*(m.surface for m in mods), head.lemma]))
            run.clear()

    for i, tok in enumerate(words):
        prev = words[i - 1].surface if i else ""
        nxt = words[i + 1] if i + 1 < len(words) else None
        if tok.kind != _NOUN or prev in _EN_VERB_CUES or tok.surface.endswith(_EN_ADVERB_ENDS):
            flush()
            continue
        if _en_looks_inflected_verb(tok):
            # "the damaged box", "a heating element": a participle modifying a noun.
            modifier = (not run and prev in _EN_DETERMINERS) or (
                tok.surface.endswith("ing") and not run
            )
            if modifier and nxt is not None and nxt.kind == _NOUN:
                run.append(tok)
                continue
            flush()
            continue
        run.append(tok)
    flush()
    return phrases


# --- Shared ------------------------------------------------------------------------------
def _chunks(text: str) -> Iterator[str]:
    while len(text) > _CHUNK_CHARS:
        window = text[:_CHUNK_CHARS]
        cut = max(window.rfind(ch) for ch in ("。", "!", "?", "！", "？", ". ", "\n"))
        if cut < _CHUNK_CHARS // 2:
            cut = window.rfind(" ")
        if cut < _CHUNK_CHARS // 2:
            cut = _CHUNK_CHARS - 1
        yield text[: cut + 1]
        text = text[cut + 1 :]
    if text:
        yield text


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(i for i in items if i))


def _match_keys(toks: list[_Tok]) -> tuple[str, ...]:
    keys: list[str] = []
    for tok in toks:
        if tok.content:
            keys.append(tok.key)
        elif tok.kind == _PUNCT and tok.surface in _CLAUSE_END and keys and keys[-1]:
            keys.append("")
    while keys and not keys[-1]:
        keys.pop()
    return tuple(keys)


def _words(form: str) -> list[str]:
    return _WORD.findall(form)


@lru_cache(maxsize=65536)
def _index_words(surface: str, lemma: str, key: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(w for f in (surface, lemma, key) for w in _words(f)))


def _search_text(toks: list[_Tok]) -> str:
    parts: list[str] = []
    for tok in toks:
        if tok.kind not in (_PUNCT, _SPACE):
            parts.extend(_index_words(tok.surface, tok.lemma, tok.key))
    return " ".join(parts)


def _resolve_language(text: str, language: str | None) -> str:
    if language is None:
        return detect_language(text)
    code = language.strip().lower().replace("_", "-").split("-")[0]
    if code not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}: expected 'ja' or 'en'")
    return code


def _tokens_of(
    normalized: str, language: str, spans: list[tuple[int, int]] | None = None
) -> list[_Tok]:
    """Tokens of the normalised text; each of `spans` (model numbers, acronyms: see
    ``name_spans``) becomes one content token whose lemma is its own text."""
    pipeline = get_pipeline(language)
    toks: list[_Tok] = []
    offset = 0
    for chunk in _chunks(normalized):
        doc = pipeline(chunk)
        end = offset + len(chunk)
        here = {s - offset: e - offset for s, e in spans or () if offset <= s and e <= end}
        if language == "ja":
            _ja_tokens(doc, toks, here)
        else:
            _en_tokens(doc, toks, here)
        offset = end
    return toks


def analyse(text: str, *, language: str | None = None) -> Analysis:
    """Analyse ``text`` with the fast default pipeline of its language.

    ``language`` (``"ja"``/``"en"``, also ``"ja-JP"`` etc.) skips detection. Raises
    ``NLPUnavailable`` if the pipeline cannot be loaded or fails, ``ValueError`` for an
    unsupported language.
    """
    cased = normalize(text, lowercase=False)
    normalized = lowercase_ascii(cased)
    lang = _resolve_language(normalized, language)
    if not normalized:
        return Analysis(lang, "", (), (), (), (), "")
    toks = _tokens_of(normalized, lang, name_spans(cased))
    keyphrases = _ja_keyphrases(toks) if lang == "ja" else _en_keyphrases(toks)
    return Analysis(
        language=lang,
        normalized=normalized,
        tokens=tuple(t.surface for t in toks if t.kind != _SPACE),
        lemmas=tuple(t.lemma for t in toks if t.content),
        keyphrases=_dedupe(keyphrases),
        match_keys=_match_keys(toks),
        search_text=_search_text(toks),
    )


def segment_for_search(text: str, *, language: str | None = None) -> str:
    """``text`` as space-separated words for a full-text index (SQLite FTS5, PostgreSQL).

    Each token contributes its normalised surface, dictionary form and normalised key
    (deduplicated per token), split into ``\\w+`` words so that the index tokenizer
    (FTS5 ``unicode61``, PostgreSQL ``simple``) keeps them intact: 「返金してほしい」 →
    ``返金 し する 為る て ほしい 欲しい``. Pair with ``search_terms`` on the query side.
    """
    return analyse(text, language=language).search_text


def search_terms(query: str, *, language: str | None = None) -> list[str]:
    """The words to look up for a user's query, segmented like ``segment_for_search``.

    Content words as their normalised lemma key (返金したい → ``["返金"]``,
    "refunds" → ``["refund"]``); if the query has no content word, every word's key.
    Each term matches ``\\w+``; AND them, quoting each for FTS5 (``"返金"``).
    """
    analysis = analyse(query, language=language)
    terms = [w for k in analysis.match_keys for w in _words(k)]
    if not terms:
        toks = _tokens_of(analysis.normalized, analysis.language) if analysis.normalized else []
        terms = [w for t in toks if t.kind not in (_PUNCT, _SPACE) for w in _words(t.key)]
    return list(dict.fromkeys(terms))
