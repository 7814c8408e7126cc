"""The review pack as a PDF, through WeasyPrint (on the system's Pango), in the Japanese font
the charts already ship (IPAexGothic from japanize-matplotlib, embedded as a subset), so the
PDF has its glyphs, and its text can be selected and searched, on a machine without any CJK
font. The charts go in as PNG (the same pictures as the page's SVG)."""

from __future__ import annotations

import base64

from flask import render_template

from relq.charts.render import FONT_PATH
from relq.review.charting import pack_charts
from relq.review.models import ManagementReview
from relq.review.pack import WORDS, Pack


def font_url() -> str:
    return FONT_PATH.resolve().as_uri()


def pack_html(review: ManagementReview, pack: Pack) -> str:
    """The PDF's HTML document (rendered in the current request's or forced locale)."""
    images = {
        name: "data:image/png;base64," + base64.b64encode(chart.png()).decode()
        for name, chart in pack_charts(pack).items()
    }
    return render_template(
        "review/pack_pdf.html",
        review=review,
        pack=pack,
        images=images,
        font_url=font_url(),
        **WORDS,
    )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported when first needed: it loads Pango

    return HTML(string=html).write_pdf()
