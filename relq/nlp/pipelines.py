"""Loading spaCy pipelines once per process, lazily and thread-safely.

Every loader turns any failure (missing package, missing model, broken dictionary) into
``NLPUnavailable``; failures are not cached, so a later call retries. Nothing here downloads
anything: ``spacy.blank`` needs only spaCy + SudachiPy/SudachiDict-core (ja) or
spacy-lookups-data (en), and ``spacy.load`` only loads installed packages (ja_ginza).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # spaCy is imported lazily so that importing relq.nlp stays cheap.
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "JA_FULL_MODEL",
    "JA_SPLIT_MODE",
    "NLPUnavailable",
    "Pipeline",
    "en_lemma_lookup",
    "get_pipeline",
    "load_ja_full",
    "warm_up",
]

# Sudachi split mode of the default Japanese path; see the package docstring for why "A".
JA_SPLIT_MODE = "A"
JA_FULL_MODEL = "ja_ginza"


class NLPUnavailable(Exception):
    """A pipeline could not be loaded or failed on a text; save the case and analyse later."""


class Pipeline:
    """A loaded spaCy ``Language`` plus the lock that serialises calls into it.

    SudachiPy tokenizers must not be used from two threads at once (SudachiPy ≥ 0.6.9 raises
    "Already borrowed"), so every call goes through ``self.lock``. A call costs about a
    millisecond on the default paths; use processes, not threads, for parallel throughput.
    """

    __slots__ = ("lock", "name", "nlp")

    def __init__(self, name: str, nlp: Language) -> None:
        self.name = name
        self.nlp = nlp
        self.lock = threading.Lock()

    def __call__(self, text: str) -> Doc:
        with self.lock:
            try:
                return self.nlp(text)
            except Exception as exc:  # noqa: BLE001 - anything from spaCy/Sudachi
                raise NLPUnavailable(f"pipeline {self.name!r} failed: {exc}") from exc

    def pipe(self, texts: Iterable[str], *, batch_size: int = 64) -> list[Doc]:
        """Process several texts under one lock acquisition (returns a list, not a generator)."""
        with self.lock:
            try:
                return list(self.nlp.pipe(texts, batch_size=batch_size))
            except Exception as exc:  # noqa: BLE001
                raise NLPUnavailable(f"pipeline {self.name!r} failed: {exc}") from exc

    def __repr__(self) -> str:
        return f"Pipeline({self.name!r}, pipes={self.nlp.pipe_names})"


_cache: dict[tuple[Any, ...], Pipeline] = {}
_load_lock = threading.Lock()


def _cached(key: tuple[Any, ...], name: str, factory: Callable[[], Language]) -> Pipeline:
    pipeline = _cache.get(key)
    if pipeline is not None:
        return pipeline
    with _load_lock:
        pipeline = _cache.get(key)
        if pipeline is None:
            try:
                nlp = factory()
            except Exception as exc:  # noqa: BLE001 - ImportError, OSError, SudachiError...
                raise NLPUnavailable(f"cannot load NLP pipeline {name!r}: {exc}") from exc
            pipeline = _cache[key] = Pipeline(name, nlp)
    return pipeline


def _blank_ja(split_mode: str) -> Language:
    import spacy

    return spacy.blank("ja", config={"nlp": {"tokenizer": {"split_mode": split_mode}}})


def _blank_en() -> Language:
    import spacy

    nlp = spacy.blank("en")
    # Lookup mode needs no POS tags; its table comes from the installed spacy-lookups-data.
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def get_pipeline(language: str, *, split_mode: str = JA_SPLIT_MODE) -> Pipeline:
    """The default, fast pipeline for ``"ja"`` (Sudachi tokenizer only) or ``"en"``.

    ``split_mode`` (``"A"``, ``"B"`` or ``"C"``) only applies to Japanese.
    """
    if language == "ja":
        if split_mode not in ("A", "B", "C"):
            raise ValueError(f"split_mode must be 'A', 'B' or 'C', not {split_mode!r}")
        return _cached(
            ("blank", "ja", split_mode), f"blank ja ({split_mode})", _blank_ja_of(split_mode)
        )
    if language == "en":
        return _cached(("blank", "en"), "blank en + lookup lemmatizer", _blank_en)
    raise ValueError(f"unsupported language {language!r}: expected 'ja' or 'en'")


def _blank_ja_of(split_mode: str) -> Callable[[], Language]:
    return lambda: _blank_ja(split_mode)


def load_ja_full(model: str = JA_FULL_MODEL, *, exclude: Sequence[str] = ()) -> Pipeline:
    """The full GiNZA pipeline (parser, NER, bunsetu) for tasks that need syntax.

    Not used by ``analyse``. ``exclude`` drops components, e.g.
    ``("parser", "ner", "bunsetu_recognizer")`` keeps only the tagger path. ``model`` may
    name any installed spaCy package or path; a missing one raises ``NLPUnavailable``.
    """
    excluded = tuple(sorted(exclude))

    def factory() -> Language:
        import spacy

        return spacy.load(model, exclude=list(excluded))

    label = model if not excluded else f"{model} (without {', '.join(excluded)})"
    return _cached(("load", model, excluded), label, factory)


_en_table_lock = threading.Lock()
_en_table: Any = None


def en_lemma_lookup() -> Any:
    """The English lemma lookup table (dict-like ``.get``), or ``None`` if unavailable.

    Used to lemmatise Latin-script words inside Japanese text; failure here is not fatal.
    """
    global _en_table
    if _en_table is None:
        with _en_table_lock:
            if _en_table is None:
                try:
                    lemmatizer = get_pipeline("en").nlp.get_pipe("lemmatizer")
                    _en_table = lemmatizer.lookups.get_table("lemma_lookup")
                except Exception:  # noqa: BLE001
                    _en_table = False
    return _en_table or None


def warm_up(languages: Sequence[str] = ("ja", "en"), *, full: bool = False) -> None:
    """Load the default pipelines (and GiNZA if ``full``) and run a tiny text through each.

    Call it at worker start-up so the first request does not pay ~1 s of loading.
    Raises ``NLPUnavailable`` if a pipeline cannot be loaded.
    """
    samples = {"ja": "電気ケトルの蓋が閉まらない。", "en": "The kettle lid does not close."}
    for language in languages:
        get_pipeline(language)(samples[language])
    if "ja" in languages:
        en_lemma_lookup()
    if full:
        load_ja_full()(samples["ja"])
