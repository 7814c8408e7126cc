"""Drawing a chart's inputs with matplotlib (see relq/charts/__init__.py for the choices).

Every render runs under one lock inside `matplotlib.rc_context`: the settings below apply to
relq's charts only, never change matplotlib's defaults for anything else in the process, and
font objects (shared by matplotlib's font cache) are never used by two threads at once.
Rendering is CPU-bound Python, so the lock costs no parallelism the GIL would have allowed.
"""

from __future__ import annotations

import functools
import importlib.util
import io
import math
import re
import threading
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything could import pyplot; relq never does

from markupsafe import escape  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow (last: weak contrast on white)
    "#000000",
)
INK = "#333333"
GRID = "#dddddd"
CACHE_SIZE = 256  # SVGs (10-40 kB each: at most ~10 MB)
PNG_CACHE_SIZE = 64  # PNGs are for e-mail (20-120 kB each: at most ~8 MB)
VALUE_SIZE = 10  # the numbers written on bars and beside points
MAX_LABEL = 14  # characters of a category label drawn; the table beside has the whole

FONT_NAME = "IPAexGothic"
# The browser's choice for SVG text: the bundled font where installed, then each platform's
# Japanese sans-serif (macOS/iOS, Android/Linux, Windows), then the generic family.
SVG_FONTS = [
    FONT_NAME,
    "Hiragino Sans",
    "Hiragino Kaku Gothic ProN",
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "Yu Gothic",
    "Meiryo",
]

FONT_FAMILY_CSS = ", ".join([repr(name) for name in SVG_FONTS] + ["sans-serif"])


def _bundled_font() -> Path:
    """IPAexGothic's TTF inside the japanize-matplotlib package, found without importing it."""
    spec = importlib.util.find_spec("japanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("relq.charts needs the japanize-matplotlib package (requirements.txt)")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"
    if not path.is_file():
        raise RuntimeError(f"bundled Japanese font missing: {path}")
    return path


FONT_PATH = _bundled_font()
font_manager.fontManager.addfont(str(FONT_PATH))

RC = {
    "font.family": ["sans-serif"],
    # matplotlib's raster text uses the first family it has (always IPAexGothic: registered
    # above); the others are only written into the SVG for the browser.
    "font.sans-serif": [FONT_NAME],
    "font.size": 12,  # ~10 px on a 390 px phone, where the chart is drawn at ~0.8
    "svg.fonttype": "none",
    "svg.hashsalt": "relq.charts",
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "axes.titlesize": 13,
    "axes.titleweight": "normal",  # IPAexGothic has one weight
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
    "legend.frameon": False,
    "figure.dpi": 72,
    "savefig.dpi": 72,
}
WIDTH = 5.6  # inches: a viewBox 403 units wide, drawn ~1:1 on a 390 px phone; it scales
COMPACT = (3.6, 2.2)  # small multiples: 259 by 158 units
_lock = threading.Lock()


def _plain(text: str) -> str:
    """A label drawn as written: `$` would start matplotlib's mathtext."""
    return text.replace("$", r"\$")


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _fmt(value_format: str, value: float) -> str:
    try:
        return value_format.format(value)
    except (ValueError, IndexError, KeyError):
        return f"{value:g}"


def aria_label(kind: str, spec: tuple, title: str, no_data: str) -> str:
    if not _has_data(kind, spec):
        return f"{title}: {no_data}" if title else no_data
    if title:
        return title
    if kind == "scatter":
        return f"{spec[2]} / {spec[1]}"
    return ", ".join(name for name, _ in spec[1]) or kind


def _has_data(kind: str, spec: tuple) -> bool:
    if kind == "scatter":
        return bool(spec[0])
    return bool(spec[0]) and any(v is not None for _, values in spec[1] for v in values)


def _colors(names: list[str], fixed: dict[str, str]) -> dict[str, str]:
    free = iter(c for c in OKABE_ITO if c not in fixed.values())
    return {n: fixed.get(n) or next(free, INK) for n in names}


def _reference(ax, value, label, horizontal=False):
    if value is None:
        return
    draw = ax.axvline if horizontal else ax.axhline
    draw(
        value,
        color=INK,
        linestyle=(0, (4, 3)),
        linewidth=1,
        label=_plain(label) or None,
        zorder=3,
        gid="reference",
    )


def _legend(fig, ax, n_entries: int, *, always: bool = False):
    """A legend when there is more than one thing to tell apart, or `always` (a stack's
    colours name its parts even when one part is shown)."""
    handles, labels = ax.get_legend_handles_labels()
    # the series in their order, then the reference line
    order = sorted(
        range(len(handles)),
        key=lambda i: getattr(handles[i], "get_gid", lambda: None)() == "reference",
    )
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    if len(handles) > 1 or (handles and (n_entries > 1 or always)):
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 4))


def _draw_bar(fig, spec, title):
    (
        cats,
        ser,
        unit,
        stacked,
        horizontal,
        value_format,
        ref,
        ref_label,
        fixed,
        value_range,
        totals,
    ) = spec
    ax = fig.add_subplot()
    names = [name for name, _ in ser]
    colors = _colors(names, dict(fixed))
    n = len(cats)
    positions = list(range(n))
    group = 0.8
    width = group if stacked or len(ser) == 1 else group / len(ser)
    bottoms = [0.0] * n
    label_bars = n * (1 if stacked else len(ser)) <= 40
    for i, (name, values) in enumerate(ser):
        offset = 0.0 if stacked or len(ser) == 1 else (i - (len(ser) - 1) / 2) * width
        pos = [p + offset for p in positions]
        heights = [0.0 if v is None else v for v in values]
        base = list(bottoms) if stacked else [0.0] * n
        kwargs = dict(color=colors[name], label=_plain(name), zorder=2)
        if horizontal:
            bars = ax.barh(pos, heights, height=width, left=base, **kwargs)
        else:
            bars = ax.bar(pos, heights, width=width, bottom=base, **kwargs)
        if label_bars and not stacked:
            labels = ["–" if v is None else _fmt(value_format, v) for v in values]
            ax.bar_label(bars, labels=labels, padding=2, fontsize=VALUE_SIZE)
        if stacked:
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    if stacked and label_bars:  # the total above each stack
        columns = zip(*(v for _, v in ser), strict=True)
        shown = totals or [None] * n
        for p, total, column, given in zip(positions, bottoms, columns, shown, strict=True):
            if given is None and all(v is None for v in column):
                continue
            text = _fmt(value_format, total if given is None else given)
            if horizontal:
                ax.annotate(
                    text,
                    (total, p),
                    xytext=(2, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=VALUE_SIZE,
                )
            else:
                ax.annotate(
                    text,
                    (p, total),
                    xytext=(0, 2),
                    textcoords="offset points",
                    ha="center",
                    fontsize=VALUE_SIZE,
                )
    _reference(ax, ref, ref_label, horizontal)
    tick_labels = [_plain(_short(c)) for c in cats]
    value_axis = ax.xaxis if horizontal else ax.yaxis
    if horizontal:
        ax.set_yticks(positions, tick_labels)
        ax.invert_yaxis()  # first category on top, as in the table
        ax.set_xlabel(_plain(unit))
        ax.grid(axis="x", color=GRID, zorder=0)
        ax.margins(x=0.12)
    else:
        ax.set_xticks(positions, tick_labels)
        _unit_label(ax.set_ylabel, unit)
        ax.grid(axis="y", color=GRID, zorder=0)
        ax.margins(y=0.12)
        widest = max((len(part) for c in cats for part in c.split("\n")), default=0)
        if widest * n > 56:  # labels would touch: turn them
            for t in ax.get_xticklabels():
                t.set_rotation(40)
                t.set_horizontalalignment("right")
                t.set_rotation_mode("anchor")
    value_axis.set_major_formatter(_formatter(value_format))
    _integer_ticks(value_axis, ser)
    _value_limits(ax, horizontal, ser, value_range)
    ax.set_axisbelow(True)
    ax.tick_params(length=0, axis="y" if horizontal else "x")
    _legend(fig, ax, len(ser) + (ref is not None), always=stacked)
    _title(fig, title)


def _title(fig, title):
    if title:
        fig.suptitle(_plain(title), x=0.01, ha="left", fontsize=13)


def _unit_label(axis_label, unit: str):
    # a short unit (件, %, 日) reads upright above the axis; a longer one runs along it
    if len(unit) <= 3:
        axis_label(_plain(unit), rotation=0, ha="right", va="bottom", y=1.0, labelpad=4)
    else:
        axis_label(_plain(unit))


def _value_limits(ax, horizontal: bool, series, value_range) -> None:
    """Non-negative values start at zero, and all zeros get a 0-1 axis (not -0.05 to 0.05)."""
    set_limits = ax.set_xlim if horizontal else ax.set_ylim
    if value_range is not None:
        set_limits(*value_range)
        return
    values = [v for _name, vs in series for v in vs if v is not None]
    if values and min(values) >= 0:
        low, high = ax.get_xlim() if horizontal else ax.get_ylim()
        set_limits(0, 1 if max(values) == 0 else high)


def _integer_ticks(axis, series) -> None:
    """Counts get whole-number ticks (no "2.5 cases")."""
    from matplotlib.ticker import MaxNLocator

    values = [v for _name, vs in series for v in vs if v is not None]
    if values and all(float(v).is_integer() for v in values):
        axis.set_major_locator(MaxNLocator(integer=True))


def _formatter(value_format):
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(
        lambda v, _pos: _fmt(value_format, v) if value_format != "{:g}" else f"{v:g}"
    )


def _draw_line(fig, spec, title):
    xs, ser, unit, y_range, ref, ref_label, value_format = spec
    ax = fig.add_subplot()
    colors = _colors([name for name, _ in ser], {})
    markers = ("o", "s", "^", "D", "v", "P", "X", "*")
    positions = list(range(len(xs)))
    for i, (name, values) in enumerate(ser):
        ys = [math.nan if v is None else v for v in values]
        ax.plot(
            positions,
            ys,
            color=colors[name],
            marker=markers[i % len(markers)],
            markersize=4,
            linewidth=1.8,
            label=_plain(name),
            zorder=2,
        )
    _reference(ax, ref, ref_label)
    step = max(1, math.ceil(len(xs) / 12))
    ticks = positions[::step]
    ax.set_xticks(ticks, [_plain(_short(xs[p])) for p in ticks])
    if len(ticks) > 6:
        for t in ax.get_xticklabels():
            t.set_rotation(40)
            t.set_horizontalalignment("right")
            t.set_rotation_mode("anchor")
    _value_limits(ax, False, ser, y_range)
    ax.yaxis.set_major_formatter(_formatter(value_format))
    _integer_ticks(ax.yaxis, ser)
    _unit_label(ax.set_ylabel, unit)
    ax.grid(axis="y", color=GRID, zorder=0)
    ax.set_axisbelow(True)
    _legend(fig, ax, len(ser) + (ref is not None))
    _title(fig, title)


def _draw_scatter(fig, spec, title):
    points, x_label, y_label = spec
    ax = fig.add_subplot()
    ax.scatter([p[0] for p in points], [p[1] for p in points], color=OKABE_ITO[0], s=24, zorder=2)
    for x, y, label in points:
        ax.annotate(
            _plain(_short(label)),
            (x, y),
            xytext=(4, 3),
            textcoords="offset points",
            fontsize=VALUE_SIZE,
        )
    ax.set_xlabel(_plain(x_label))
    ax.set_ylabel(_plain(y_label))
    ax.grid(color=GRID, zorder=0)
    ax.set_axisbelow(True)
    ax.margins(0.12)
    _title(fig, title)


def _draw_empty(fig, title, no_data):
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        _plain(no_data),
        ha="center",
        va="center",
        fontsize=14,
        color="#767676",
        transform=ax.transAxes,
    )
    _title(fig, title)


def _height(kind: str, spec: tuple) -> float:
    if kind == "bar" and spec[4]:  # horizontal: a row per category
        per_row = 0.32 if spec[3] else 0.2 + 0.12 * max(1, len(spec[1]))
        return max(2.4, per_row * len(spec[0]) + 1.4)
    return 3.6


def _figure(key: tuple) -> Figure:
    kind, spec, title, no_data, compact = key
    empty = not _has_data(kind, spec)
    size = COMPACT if compact else (WIDTH, 2.4 if empty else _height(kind, spec))
    fig = Figure(figsize=size, layout="constrained")
    if empty:
        _draw_empty(fig, title, no_data)
    else:
        {"bar": _draw_bar, "line": _draw_line, "scatter": _draw_scatter}[kind](fig, spec, title)
    return fig


_HEAD = re.compile(r"\A.*?<svg\b[^>]*>", re.S)
_STYLE_ELEMENT = re.compile(r"\s*<defs>\s*<style[^>]*>.*?</style>\s*</defs>", re.S)
_STYLE_ATTRIBUTE = re.compile(r' style="([^"]*)"')


def _as_attributes(match: re.Match) -> str:
    """`style="fill: #fff; stroke-width: 0.8"` as presentation attributes: relq's content
    security policy (style-src 'self') ignores inline style, never SVG's own attributes.
    matplotlib writes only properties that SVG has as attributes (fill, stroke*, opacity,
    font-*, text-anchor)."""
    pairs = (decl.split(":", 1) for decl in match.group(1).split(";") if ":" in decl)
    return "".join(f' {name.strip()}="{value.strip()}"' for name, value in pairs)


_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_IDS = re.compile(r'(id="|url\(#|xlink:href="#|href="#)')


@functools.lru_cache(maxsize=CACHE_SIZE)
def svg(key: tuple, digest: str, label: str) -> str:
    with _lock, matplotlib.rc_context(RC):
        fig = _figure(key)
        buf = io.StringIO()
        # the font list is written as given: put the browsers' Japanese fonts after ours
        with matplotlib.rc_context({"font.sans-serif": SVG_FONTS}):
            FigureCanvasSVG(fig)
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    width, height = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', text).groups()
    # Ids made unique per chart (several charts share a page), the xml prolog dropped (the
    # SVG is inline HTML), and the size given by the page: the viewBox keeps the aspect.
    text = _IDS.sub(lambda m: f"{m.group(1)}c{digest}-", text)
    text = _METADATA.sub("", text)
    text = _STYLE_ELEMENT.sub("", text, count=1)
    text = _STYLE_ATTRIBUTE.sub(_as_attributes, text)
    text = text.replace(f' font-family="{FONT_FAMILY_CSS}"', "")  # said once, on the root
    label = str(escape(label))
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'class="chart" role="img" aria-label="{label}" width="100%" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" '
        f'stroke-linejoin="round" stroke-linecap="butt" font-family="{FONT_FAMILY_CSS}">\n'
        f" <title>{label}</title>"
    )
    return _HEAD.sub(lambda _m: head, text, count=1)


@functools.lru_cache(maxsize=PNG_CACHE_SIZE)
def png(key: tuple, dpi: int) -> bytes:
    with _lock, matplotlib.rc_context(RC):
        fig = _figure(key)
        buf = io.BytesIO()
        FigureCanvasAgg(fig)
        fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
