"""Charts drawn by one library: bar, line and scatter charts as inline SVG for pages and PNG
for e-mail, the same picture from the same numbers in both.

    chart = charts.bar(["W47", "W48"], {"苦情": [12, 9], "問い合わせ": [40, None]}, unit="件")
    chart.svg()   # Markup: <svg role="img" aria-label=... width="100%" viewBox=...>
    chart.png()   # bytes of a PNG (144 dpi by default)

Views build a Chart from rows and hand it to the template, which writes `{{ chart.svg() }}`
beside the table that holds the same numbers; no Jinja filter or app registration is needed.

How it draws (relq/charts/render.py): matplotlib with the Agg backend, never pyplot (a
`matplotlib.figure.Figure` per chart, so no global figure state is shared between threads),
and the Japanese font IPAexGothic that the PyPI package japanize-matplotlib ships. Its TTF is
registered with matplotlib's font manager by path; the package's own module is not imported
(it changes matplotlib's global settings on import and uses distutils, which Python 3.12 has
not). So Japanese labels have glyphs on a machine without any CJK font: a PNG always uses the
bundled font.

SVG text stays text (`svg.fonttype: none`) with the font list 'IPAexGothic', 'Hiragino Sans',
'Hiragino Kaku Gothic ProN', 'Noto Sans CJK JP', 'Noto Sans JP', 'Yu Gothic', 'Meiryo',
sans-serif: every reader's browser draws it with the Japanese font it already uses for the
page around the chart, so the chart is exactly as legible as the page's own text. Checked in
Debian's chromium at 390 and 1000 px: with a Japanese font present under one of those names
the labels are crisp at both widths; on that machine without any CJK font, text as paths
stayed legible but the page's own Japanese text (headings, tables) was tofu, so paths would
not make the page usable there, while they weigh 2.2x more (30 kB against 13.5 kB for a
six-bar chart) and cannot be selected, searched, zoomed as text or read by the browser's
translation. The e-mail uses the PNG, which always has the bundled font's glyphs. Layout is
measured with IPAexGothic, whose full-width CJK glyphs (1 em) match every Japanese system
font's; Latin digits differ by a few per cent, which the margins absorb.

No inline style: relq's content security policy (style-src 'self') would drop matplotlib's
`style="..."` attributes and its <style> element (bars and text turning black), so they are
rewritten as SVG presentation attributes (fill=, stroke=, font-size=), and the font list is
said once on the root <svg>. Pages size the chart with `svg.chart` in relq.css.

Palette: Okabe-Ito, safe for the common colour-vision deficiencies; values are written on the
bars so colour is never the only sign. The SVG has width 100% and a viewBox, so it scales to a
390 px phone screen.

Output is deterministic (fixed svg.hashsalt, no date in the metadata; element ids are prefixed
by a digest of the inputs so two charts on one page never share an id): the same inputs give
the same bytes. Rendered SVG and PNG are kept in small bounded in-process LRU caches keyed on
the inputs (CACHE_SIZE SVGs, render.PNG_CACHE_SIZE PNGs: ~20 MB at most). They need no
invalidation topic (relq/cache.py): a chart is a pure function of its inputs (numbers,
labels, the locale's "no data" text), so an entry can never be stale on any process or node.

Rendering cost (bench/charts_bench.py, bench/README.md "Charts"; medians of 15 uncached
renders on the shared 2-core machine at load 7): 110-230 ms of CPU per chart for an SVG and
about the same for a PNG (0.2-0.65 s wall clock there; 88 ms / 110 ms for a six-bar chart at
load 4); a cache hit costs 0.04 ms.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from markupsafe import Markup

from relq.charts import render

__all__ = ["Chart", "bar", "line", "scatter", "OKABE_ITO", "CACHE_SIZE"]

OKABE_ITO = render.OKABE_ITO
CACHE_SIZE = render.CACHE_SIZE


def _no_data_text() -> str:
    # The locale is resolved when the chart is built (in the request or the recipient's
    # locale for an e-mail) and becomes part of the chart's inputs, so the cache stays pure.
    try:
        from flask_babel import gettext

        return str(gettext("No data"))
    except Exception:  # outside an app context: English source string
        return "No data"


def _numbers(values) -> tuple[float | None, ...]:
    return tuple(None if v is None else float(v) for v in values)


@dataclass(frozen=True)
class Chart:
    """A chart's inputs; `svg()` and `png()` draw it (cached). Build one with bar(), line()
    or scatter()."""

    kind: str
    spec: tuple
    title: str = ""
    compact: bool = False
    no_data: str = field(default_factory=_no_data_text)

    @property
    def key(self) -> tuple:
        return (self.kind, self.spec, self.title, self.no_data, self.compact)

    @property
    def digest(self) -> str:
        return hashlib.sha256(repr(self.key).encode()).hexdigest()[:10]

    @property
    def label(self) -> str:
        """The accessible name: the title, or the series names when there is none."""
        return render.aria_label(self.kind, self.spec, self.title, self.no_data)

    def svg(self) -> Markup:
        """Inline <svg role="img"> with an aria-label and a <title>, width 100%."""
        # matplotlib escapes every text it writes; the label is escaped in render.svg
        return Markup(render.svg(self.key, self.digest, self.label))  # noqa: S704

    def png(self, dpi: int = 144) -> bytes:
        return render.png(self.key, int(dpi))

    def __html__(self) -> str:  # `{{ chart }}` in a template is the SVG
        return str(self.svg())


def bar(
    categories: list[str],
    series: dict[str, list[float | None]],
    *,
    title: str = "",
    unit: str = "",
    stacked: bool = False,
    horizontal: bool = False,
    value_format: str = "{:g}",
    reference: float | None = None,
    reference_label: str = "",
    colors: dict[str, str] | None = None,
    value_range: tuple[float, float] | None = None,
    totals: list[float | None] | None = None,
    compact: bool = False,
) -> Chart:
    """Bars per category, one colour per series (grouped, or stacked). None is a missing
    value (no bar; "–" where values are written). `reference` draws a dashed line at that
    value (a target). `colors` may fix a series' colour (default: Okabe-Ito in series
    order); `value_range` fixes the value axis (e.g. (0, 100) for shares). Stacked bars
    carry their sum above them, or `totals` when given (e.g. cases, when a case may count in
    several series). `compact` draws it small (about 260 by 160 units) for small multiples
    laid side by side, with the same text size."""
    cats = tuple(str(c) for c in categories)
    ser = tuple((str(name), _numbers(values)) for name, values in series.items())
    for name, values in ser:
        if len(values) != len(cats):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(cats)} categories")
    spec = (
        cats,
        ser,
        str(unit),
        bool(stacked),
        bool(horizontal),
        str(value_format),
        None if reference is None else float(reference),
        str(reference_label),
        tuple(sorted((colors or {}).items())),
        None if value_range is None else (float(value_range[0]), float(value_range[1])),
        None if totals is None else _numbers(totals),
    )
    if totals is not None and len(totals) != len(cats):
        raise ValueError(f"{len(totals)} totals for {len(cats)} categories")
    return Chart("bar", spec, str(title), bool(compact))


def line(
    x: list[str],
    series: dict[str, list[float | None]],
    *,
    title: str = "",
    unit: str = "",
    y_range: tuple[float, float] | None = None,
    reference: float | None = None,
    reference_label: str = "",
    value_format: str = "{:g}",
    compact: bool = False,
) -> Chart:
    """Lines over ordered categories `x`; None leaves a gap in the line. `compact`: as bar's."""
    xs = tuple(str(v) for v in x)
    ser = tuple((str(name), _numbers(values)) for name, values in series.items())
    for name, values in ser:
        if len(values) != len(xs):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(xs)} points")
    spec = (
        xs,
        ser,
        str(unit),
        None if y_range is None else (float(y_range[0]), float(y_range[1])),
        None if reference is None else float(reference),
        str(reference_label),
        str(value_format),
    )
    return Chart("line", spec, str(title), bool(compact))


def scatter(
    points: list[tuple[float, float, str]], *, x_label: str, y_label: str, title: str = ""
) -> Chart:
    """Points with their label drawn beside each."""
    pts = tuple((float(x), float(y), str(label)) for x, y, label in points)
    return Chart("scatter", (pts, str(x_label), str(y_label)), str(title))
