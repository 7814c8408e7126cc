"""A chart in Debian's chromium, under relq's content security policy, at phone width: its
colours survive the policy (no inline style), it fits the screen, and its Japanese labels are
drawn with a Japanese font when the reader's system has one under a name in the font list."""

from __future__ import annotations

import base64

import pytest

from relq import charts
from relq.charts import render
from relq.security import CSP

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    """A bare page at phone width (no live server: the chart is set as the page's content),
    from the session's one chromium (tests/browser/conftest.py): a second Playwright in the
    same process cannot start beside it."""
    context = browser.new_context(viewport={"width": 390, "height": 800})
    yield context.new_page()
    context.close()


def test_a_chart_keeps_its_colours_under_the_csp_and_fits_a_phone(page):
    chart = charts.bar(
        ["苦情", "問い合わせ", "要望"], {"今週": [12, 30, None], "前週": [10, 25, 3]}, unit="件"
    )
    # The reader's own Japanese font, played here by the bundled file loaded under a name
    # the list has ("Noto Sans JP"), for a machine without a CJK font of its own.
    font = base64.b64encode(render.FONT_PATH.read_bytes()).decode()
    style_src = CSP.split("style-src ")[1].split(";")[0]
    html = (
        f'<html><head><meta http-equiv="Content-Security-Policy" content="style-src {style_src}">'
        "</head><body>"
        f"<div id=c>{chart.svg()}</div></body></html>"
    )
    page.set_content(html)
    page.evaluate(
        """async (data) => {
        const face = new FontFace('Noto Sans JP', `url(data:font/ttf;base64,${data})`);
        document.fonts.add(await face.load());
    }""",
        font,
    )
    box = page.locator("#c svg").bounding_box()
    assert 0 < box["width"] <= 390 and box["height"] > 100
    fills = page.evaluate(
        "() => [...document.querySelectorAll('#c svg path')].map(p => getComputedStyle(p).fill)"
    )
    assert "rgb(0, 114, 178)" in fills and "rgb(230, 159, 0)" in fills  # Okabe-Ito
    # a grid line's fill stays "none": with the style dropped it would be a black shape
    assert "none" in fills
    assert page.locator("#c svg text", has_text="問い合わせ").count() == 1
    # which font chromium really drew the label with, as its devtools report it
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    texts = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "#c svg text"})
    used = {}
    for node in texts["nodeIds"]:
        for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]:
            used[font["familyName"]] = used.get(font["familyName"], 0) + font["glyphCount"]
    # Devtools name the file's own family: the face loaded as "Noto Sans JP" is IPAexGothic;
    # a machine with Noto CJK installed (`make browser` installs it) draws with that, which
    # comes first in the chart's font list. Either way a Japanese font, never boxes.
    japanese = sum(n for name, n in used.items() if name in ("IPAexGothic", "Noto Sans CJK JP"))
    assert japanese >= len("苦情問い合わせ要望今週前週件"), used
