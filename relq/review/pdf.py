"""The review pack as a PDF, through WeasyPrint (on the system's Pango), in the Japanese font
the charts already ship (IPAexGothic from japanize-matplotlib, embedded as a subset), so the
PDF has its glyphs, and its text can be selected and searched, on a machine without any CJK
font.

Kept: the PDF of a given HTML document, in a small in-process LRU keyed on the document's
sha256. The document holds every figure of the pack (and the review's minutes), so a key
cannot outlive its data: a changed figure is a different document, a different key. Nothing
to invalidate, on any process (the same reasoning as relq.charts' caches).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

from relq.charts.render import FONT_PATH

CACHE_SIZE = 16  # PDFs of ~100-300 kB
_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def font_url() -> str:
    return FONT_PATH.resolve().as_uri()


def render_pdf(html: str) -> bytes:
    key = hashlib.sha256(html.encode()).hexdigest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    from weasyprint import HTML  # imported when first needed: it loads Pango

    pdf = HTML(string=html).write_pdf()
    with _lock:
        _cache[key] = pdf
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return pdf


def forget() -> None:
    with _lock:
        _cache.clear()
