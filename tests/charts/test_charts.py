"""relq.charts: Japanese text in SVG and PNG, determinism, missing values, empty charts,
escaping, unique ids, the bounded cache and rendering from several threads."""

from __future__ import annotations

import io
import re
import threading
import warnings

import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from PIL import Image

from relq import charts
from relq.charts import render

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JAPANESE = ["苦情", "問い合わせ", "称賛・お礼"]


def fresh():
    """Forget rendered charts, so a test measures a real render."""
    render.svg.cache_clear()
    render.png.cache_clear()


def sample(title="種別ごとの件数"):
    return charts.bar(JAPANESE, {"今週": [12, 30, 4], "前週": [10, 25, 3]}, title=title, unit="件")


def texts(svg: str) -> list[str]:
    return re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)


def test_svg_is_inline_scalable_and_labelled():
    svg = str(sample().svg())
    assert svg.startswith("<svg ")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg
    head = svg.split(">", 1)[0]
    assert 'role="img"' in head
    assert 'aria-label="種別ごとの件数"' in head
    assert 'width="100%"' in head
    assert re.search(r'viewBox="0 0 [\d.]+ [\d.]+"', head)
    assert "<title>種別ごとの件数</title>" in svg


def test_svg_has_no_inline_style_the_content_security_policy_would_drop():
    svg = str(sample().svg())
    assert "style=" not in svg and "<style" not in svg
    assert 'fill="#0072b2"' in svg.lower()  # Okabe-Ito blue, as an attribute


def test_japanese_labels_are_svg_text_with_japanese_fonts():
    svg = str(sample().svg())
    drawn = texts(svg)
    for label in JAPANESE + ["今週", "前週", "件", "種別ごとの件数"]:
        assert label in drawn
    # the numbers are written on the bars
    for value in ("12", "30", "4", "10", "25", "3"):
        assert value in drawn
    head = svg.split(">", 1)[0]
    family = re.search(r'font-family="([^"]+)"', head).group(1)
    assert family.startswith("'IPAexGothic'")
    for fallback in ("'Hiragino Sans'", "'Noto Sans JP'", "'Yu Gothic'"):
        assert fallback in family
    assert family.endswith("sans-serif")


def test_the_png_font_has_every_glyph_of_japanese_labels():
    label_text = "".join(JAPANESE) + "今週前週件種別ごとの件数"
    path = font_manager.findfont(
        font_manager.FontProperties(family=render.RC["font.sans-serif"]), fallback_to_default=False
    )
    assert path == str(render.FONT_PATH)
    charmap = FT2Font(path).get_charmap()
    assert [c for c in label_text if ord(c) not in charmap] == []

    fresh()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = sample().png()
    assert [str(w.message) for w in caught if "missing" in str(w.message).lower()] == []
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    assert image.size == (int(render.WIDTH * 144), int(3.6 * 144))


def test_the_missing_glyph_check_can_fail():
    """Without the bundled font matplotlib's default font has no kana: the warning the test
    above looks for is really raised, so its absence there means something."""
    fig = Figure()
    fig.text(0.5, 0.5, "苦情", family="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.savefig(io.BytesIO(), format="png")
    assert any("missing" in str(w.message).lower() for w in caught)


def test_png_resolution_follows_dpi():
    image = Image.open(io.BytesIO(sample().png(dpi=72)))
    assert image.size == (int(render.WIDTH * 72), int(3.6 * 72))


def test_same_inputs_give_the_same_bytes():
    fresh()
    first_svg, first_png = str(sample().svg()), sample().png()
    fresh()
    assert str(sample().svg()) == first_svg
    assert sample().png() == first_png
    assert "<metadata>" not in first_svg and "<dc:date>" not in first_svg
    other = str(charts.bar(JAPANESE, {"今週": [12, 30, 5]}).svg())
    assert other != first_svg


def test_another_process_draws_the_same_bytes():
    """What a cache on another node (or an archived digest) relies on: no hash seed, date or
    process state in the output."""
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, sys; sys.path.insert(0, '.');"
        "from tests.charts.test_charts import sample;"
        "c = sample(); print(hashlib.sha256(str(c.svg()).encode() + c.png()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(  # noqa: S603 (our own fixed code)
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    here = hashlib.sha256(str(sample().svg()).encode() + sample().png()).hexdigest()
    assert out.stdout.strip() == here


def test_rendered_charts_are_cached_and_the_cache_is_bounded():
    fresh()
    sample().svg()
    sample().svg()
    info = render.svg.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (1, 1, charts.CACHE_SIZE)
    sample().png()
    sample().png()
    assert render.png.cache_info().hits == 1
    for n in range(charts.CACHE_SIZE + 5):
        key = (
            "bar",
            ((), (), "", False, False, "{:g}", None, "", (), None, None),
            str(n),
            "x",
            False,
        )
        render.svg(key, "d", "x")
    assert render.svg.cache_info().currsize == charts.CACHE_SIZE


def test_two_charts_on_one_page_share_no_id():
    one, two = str(sample().svg()), str(charts.line(["a", "b"], {"x": [1, 2]}).svg())
    ids_one = set(re.findall(r'id="([^"]+)"', one))
    ids_two = set(re.findall(r'id="([^"]+)"', two))
    assert ids_one and ids_two and not ids_one & ids_two
    # every reference points at an id of its own chart
    for svg, ids in ((one, ids_one), (two, ids_two)):
        assert set(re.findall(r"url\(#([^)]+)\)", svg)) <= ids


def test_none_is_a_missing_value_not_zero():
    svg = str(charts.bar(["a", "b", "c"], {"n": [1, None, 0]}).svg())
    drawn = texts(svg)
    assert "–" in drawn and "0" in drawn and "1" in drawn

    # a line breaks at a missing value: two separate runs
    line = str(charts.line(["w1", "w2", "w3", "w4", "w5"], {"n": [1, 2, None, 4, 5]}).svg())
    runs = [
        m.group(1).count("M ")
        for m in re.finditer(r'<path d="([^"]+)"[^>]*stroke="#0072b2" stroke-width="1.8"', line)
    ]
    assert runs == [2]


def test_counts_start_at_zero_with_whole_ticks():
    zeros = texts(str(charts.bar(["W1", "W2"], {"n": [0, 0]}, compact=True).svg()))
    assert "-0" not in zeros and "−0" not in zeros and "1" in zeros  # a 0-1 axis
    ticks = texts(str(charts.bar(["W1", "W2", "W3"], {"n": [1, 3, 2]}).svg()))
    assert not any("." in t for t in ticks)  # no "2.5 cases"
    assert "0" in ticks and not any(t.startswith(("-", "−")) for t in ticks)


def test_empty_series_give_an_explicit_no_data_chart():
    for chart in (
        charts.bar([], {}),
        charts.bar(["a", "b"], {"n": [None, None]}),
        charts.line(["w1"], {}),
        charts.scatter([], x_label="x", y_label="y"),
    ):
        svg = str(chart.svg())
        assert "No data" in texts(svg)
        assert 'aria-label="No data"' in svg
        assert chart.png().startswith(PNG_SIGNATURE)
    titled = str(charts.bar([], {}, title="苦情").svg())
    assert 'aria-label="苦情: No data"' in titled


def test_no_data_is_said_in_the_readers_language(app):
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("ja"):
            ja = charts.bar([], {})
        with force_locale("en"):
            en = charts.bar([], {})
    assert "データなし" in texts(str(ja.svg()))
    assert "No data" in texts(str(en.svg()))


def test_labels_are_escaped():
    evil = "<script>alert(1)</script>"
    chart = charts.bar([evil, "b"], {evil: [1, 2], "other": [2, 1]}, title=evil, unit=evil)
    svg = str(chart.svg())
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    head = svg.split(">", 1)[0]
    assert 'aria-label="&lt;script&gt;alert(1)&lt;/script&gt;"' in head
    quote = str(charts.bar(['"><img src=x>'], {"n": [1]}, title='"><img src=x>').svg())
    assert "<img" not in quote


def test_a_dollar_sign_is_drawn_as_written():
    svg = str(charts.bar(["$5 未満", "$5 以上"], {"n": [1, 2]}).svg())
    assert "$5 未満" in texts(svg) and "$5 以上" in texts(svg)


def test_long_labels_are_shortened_but_the_aria_label_is_whole():
    long = "カスタマーサポート部の長い名前の部署です"
    svg = str(charts.bar([long], {"n": [1]}, horizontal=True, title=long).svg())
    assert long[: render.MAX_LABEL - 1] + "…" in texts(svg)
    assert f'aria-label="{long}"' in svg


def test_stacked_bars_show_the_totals_and_a_reference_line():
    chart = charts.bar(
        ["1月", "2月"],
        {"暴言": [2, 1], "長時間拘束": [1, None]},
        stacked=True,
        reference=2.5,
        reference_label="目標",
    )
    drawn = texts(str(chart.svg()))
    assert "3" in drawn and "1" in drawn
    assert "目標" in drawn and "暴言" in drawn and "長時間拘束" in drawn


def test_stacked_bars_may_carry_given_totals():
    chart = charts.bar(
        ["1月", "2月"], {"暴言": [2, 1], "脅迫": [2, 0]}, stacked=True, totals=[3, 1]
    )
    size = f'font-size="{render.VALUE_SIZE}px"'
    above = re.findall(rf"<text {size}[^>]*>([^<]*)</text>", str(chart.svg()))
    assert above == ["3", "1"]  # the cases, not the sum of behaviours named (4, 1)
    with pytest.raises(ValueError):
        charts.bar(["1月"], {"暴言": [1]}, stacked=True, totals=[1, 2])


def test_scatter_draws_a_label_beside_each_point():
    chart = charts.scatter(
        [(1.0, 2.0, "営業部"), (3.0, 1.5, "品質保証部")], x_label="件数", y_label="eNPS"
    )
    drawn = texts(str(chart.svg()))
    assert {"営業部", "品質保証部", "件数", "eNPS"} <= set(drawn)


def test_series_must_match_the_categories():
    with pytest.raises(ValueError):
        charts.bar(["a", "b"], {"n": [1]})
    with pytest.raises(ValueError):
        charts.line(["a"], {"n": [1, 2]})


def test_rendering_from_several_threads_gives_the_serial_result():
    inputs = [charts.bar([f"部署{i}", "b"], {"n": [i, i + 1]}) for i in range(6)]
    fresh()
    serial = [str(c.svg()) + c.png(dpi=50).hex()[:200] for c in inputs]
    fresh()
    results: dict[int, str] = {}

    def work(i):
        results[i] = str(inputs[i].svg()) + inputs[i].png(dpi=50).hex()[:200]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(6)] == serial


def test_a_template_writes_the_chart_as_svg(app):
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string("<div>{{ chart.svg() }}</div>", chart=sample())
    assert html.startswith('<div><svg xmlns="http://www.w3.org/2000/svg"')
    assert "&lt;svg" not in html
