"""relq.nlp: Japanese-first text analysis behind a small, plain-data interface.

The rest of relq never imports spaCy; it calls these functions and gets strings, tuples,
dicts and the frozen ``Analysis`` dataclass back::

    normalize(text) -> str
    detect_language(text) -> "ja" | "en"
    analyse(text, *, language=None) -> Analysis
    segment_for_search(text) -> str          # index side (FTS5 / PostgreSQL)
    search_terms(query) -> list[str]          # query side, segmented the same way
    match_phrases(analysis, {code: [phrase, ...]}) -> {code: [matched phrase, ...]}
    warm_up(), load_ja_full(), NLPUnavailable

Pipelines, and why
------------------
Speed decides. Measured on the project's 2-core machine, one process, one complaint of
60–150 characters at a time (``bench/nlp_throughput.py``; the earlier measurements gave the
same order): full ``ja_ginza`` ≈ 15–20 docs/s; ``ja_ginza`` without parser/NER ≈ 45–70
docs/s; Sudachi tokenizer alone (``spacy.blank("ja")``) ≈ 800–1,200 docs/s, of which the
whole ``analyse`` keeps ≈ 600–750 docs/s. Themes, tags and search run on every case and must
reach ≥ 300 Japanese docs/s per core, so the default Japanese path of ``analyse`` is
``spacy.blank("ja")``: SudachiPy with
SudachiDict-core. It uses Sudachi's own part of speech (``token.tag_``, e.g.
``名詞-普通名詞-サ変可能``) to pick content words and to build noun compounds, Sudachi's
dictionary form for ``lemmas`` and its normalised form (ふた → 蓋, ほしい → 欲しい) as the
key for matching and search. GiNZA's neural components add dependency parses and entities
that none of these tasks need. ``load_ja_full()`` keeps the full ``ja_ginza`` pipeline
(installed from PyPI, never downloaded) for later features that need the parser; nothing
on the default path loads it.

Split mode A (shortest units) rather than C: search needs the short units — with A,
電気ケトル is indexed as 電気 ケトル so a search for ケトル finds it, and 返金 / 返品 stay
distinct words — and keyphrases do not need C because consecutive noun units are joined
back into compounds (電気 + ケトル → 電気ケトル, 未 + 使用 → 未使用) using the POS tags. One
A-mode pass therefore serves search, lemmas, keyphrases and tag matching. Mode A is also the
cheapest (≈ 15% faster than C here): for B/C spaCy re-splits every morpheme into sub-tokens.

English uses ``spacy.blank("en")`` plus the lookup lemmatizer (``mode="lookup"``, table
from spacy-lookups-data; needs no POS tagger), a stop-word list smaller than spaCy's (which
lists complaint words such as *top*, *bottom*, *empty*), and a heuristic noun-phrase chunker.

Each pipeline is loaded once per process, lazily and under a lock; ``warm_up()`` loads them
eagerly. SudachiPy tokenizers are not thread-safe, so calls into a pipeline are serialised
per process (~1 ms per case on the default path): scale with processes, not threads.
Anything that goes wrong loading or running a pipeline raises ``NLPUnavailable``: callers
save the case and analyse it later.
"""

from __future__ import annotations

from .analysis import LANGUAGES, Analysis, analyse, search_terms, segment_for_search
from .matching import match_phrases
from .pipelines import (
    JA_FULL_MODEL,
    JA_SPLIT_MODE,
    NLPUnavailable,
    Pipeline,
    get_pipeline,
    load_ja_full,
    warm_up,
)
from .text import detect_language, normalize

__all__ = [
    "JA_FULL_MODEL",
    "JA_SPLIT_MODE",
    "LANGUAGES",
    "Analysis",
    "NLPUnavailable",
    "Pipeline",
    "analyse",
    "detect_language",
    "get_pipeline",
    "load_ja_full",
    "match_phrases",
    "normalize",
    "search_terms",
    "segment_for_search",
    "warm_up",
]
