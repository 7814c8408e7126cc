"""Matching admin-written trigger phrases against an ``Analysis`` on normalised lemma keys."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .analysis import Analysis, analyse

__all__ = ["match_phrases"]

_Frozen = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class _Pattern:
    code: str
    index: int  # position of the phrase in its tag's list, to keep the admin's order
    phrase: str
    keys: tuple[str, ...]  # content-word keys; empty → substring fallback on `text`
    text: str  # normalize(phrase)


class _CompiledPhrases:
    """Trigger phrases compiled to key sequences, indexed by their first key.

    Equivalent to a spaCy ``PhraseMatcher`` on a lemma attribute, but over the plain
    ``Analysis.match_keys`` tuple, so matching needs no spaCy objects and no lock.
    """

    def __init__(self, frozen: _Frozen) -> None:
        self.codes = [code for code, _ in frozen]
        self.by_first_key: dict[str, list[_Pattern]] = {}
        self.substring: list[_Pattern] = []
        for code, phrases in frozen:
            for index, phrase in enumerate(phrases):
                if not phrase.strip():
                    continue
                analysis = analyse(phrase)
                keys = tuple(k for k in analysis.match_keys if k)
                pattern = _Pattern(code, index, phrase, keys, analysis.normalized)
                if keys:
                    self.by_first_key.setdefault(keys[0], []).append(pattern)
                else:
                    # Only stop words (e.g. 「ない」, "not"): fall back to a plain substring.
                    self.substring.append(pattern)

    def match(self, analysis: Analysis) -> dict[str, list[str]]:
        found: set[_Pattern] = set()
        seq = analysis.match_keys
        n = len(seq)
        for i, key in enumerate(seq):
            for pattern in self.by_first_key.get(key, ()):
                k = len(pattern.keys)
                if i + k <= n and seq[i : i + k] == pattern.keys:
                    found.add(pattern)
        for pattern in self.substring:
            if pattern.text and pattern.text in analysis.normalized:
                found.add(pattern)
        result: dict[str, list[str]] = {}
        for pattern in sorted(found, key=lambda p: (self.codes.index(p.code), p.index)):
            phrases = result.setdefault(pattern.code, [])
            if pattern.phrase not in phrases:
                phrases.append(pattern.phrase)
        return result


_CACHE_SIZE = 64
_compiled: OrderedDict[_Frozen, _CompiledPhrases] = OrderedDict()
_compiled_lock = threading.Lock()


def _freeze(phrases: Mapping[str, Sequence[str]]) -> _Frozen:
    frozen = []
    for code, items in phrases.items():
        if isinstance(items, str):  # a lone string is one phrase, not a list of characters
            items = (items,)
        frozen.append((str(code), tuple(str(p) for p in items)))
    return tuple(frozen)


def _compile(frozen: _Frozen) -> _CompiledPhrases:
    with _compiled_lock:
        compiled = _compiled.get(frozen)
        if compiled is not None:
            _compiled.move_to_end(frozen)
            return compiled
    compiled = _CompiledPhrases(frozen)  # outside the lock: it runs the NLP pipelines
    with _compiled_lock:
        _compiled[frozen] = compiled
        while len(_compiled) > _CACHE_SIZE:
            _compiled.popitem(last=False)
    return compiled


def match_phrases(analysis: Analysis, phrases: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Tag code → the trigger phrases of that tag found in ``analysis``.

    Each phrase (Japanese or English, dictionary or inflected form, one or several words)
    is analysed like a case text and reduced to its content-word keys; it matches when that
    key sequence occurs contiguously in ``analysis.match_keys`` within one sentence.
    Particles, auxiliaries and other stop words are ignored on both sides, so 「蓋が閉まら
    なかった」 matches 「閉まる」, 「蓋 閉まる」 and 「蓋が閉まらない」; 「焦げた」 matches
    「焦げる」; "refunds" matches "refund". Negation is ignored too (閉まる matches 閉まらない):
    triggers name topics, not polarity. A phrase of stop words only falls back to a substring
    test on the normalised text. Tags without a match are absent from the result; matched
    phrases keep the order given. Compiled phrase sets are cached by content (LRU of 64).
    Raises ``NLPUnavailable`` if the phrases cannot be analysed.
    """
    if not phrases:
        return {}
    return _compile(_freeze(phrases)).match(analysis)
