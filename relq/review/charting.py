"""The pack's charts, drawn by relq.charts from the pack's figures (the same numbers as the
tables beside them): SVG on the page, PNG in the PDF."""

from __future__ import annotations

from flask_babel import gettext as _

from relq import charts
from relq.deadlines.attainment import ATTAINMENT_TARGET
from relq.deadlines.models import DEADLINE_KINDS
from relq.review.pack import CURRENT, PREVIOUS, Pack, Row

CATEGORIES_DRAWN = 10


def _compare(rows: list[Row], pack: Pack, title: str, *, horizontal: bool = False) -> charts.Chart:
    return charts.bar(
        [r.label for r in rows],
        {
            pack.previous.label(): [r.previous for r in rows],
            pack.period.label(): [r.current for r in rows],
        },
        title=title,
        unit=_("cases"),
        horizontal=horizontal,
    )


def pack_charts(pack: Pack) -> dict[str, charts.Chart]:
    on_time = {
        label: [pack.clocks[p][kind].on_time_percent for kind in DEADLINE_KINDS]
        for p, label in ((PREVIOUS, pack.previous.label()), (CURRENT, pack.period.label()))
    }
    return {
        "kind": _compare(pack.by_kind, pack, _("Cases received by kind")),
        "channel": _compare(pack.by_channel, pack, _("Complaints by channel")),
        "category": _compare(
            pack.by_category[:CATEGORIES_DRAWN],
            pack,
            _("Complaints by category"),
            horizontal=True,
        ),
        "on_time": charts.bar(
            [str(label) for label in DEADLINE_KINDS.values()],
            on_time,
            title=_("Share met on time"),
            unit="%",
            value_format="{:.0f}",
            value_range=(0, 100),
            reference=100 * ATTAINMENT_TARGET,
            reference_label=_("Target"),
        ),
        "escalations": _compare(pack.escalations_by_reason, pack, _("Escalations raised")),
    }
