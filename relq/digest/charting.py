"""The digest's charts, drawn by relq.charts from a snapshot's numbers only (never from the
live tables), with labels in the reader's language: the web page shows their SVG, the e-mail
their PNG, beside tables holding the same numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from relq import charts
from relq.cases.models import CHANNELS, KINDS
from relq.deadlines.models import DEADLINE_KINDS


def _department(names: dict, department_id: int, locale: str) -> str:
    found = names.get(str(department_id)) or {}
    return found.get(locale) or found.get("ja") or str(department_id)


def charts_for(data: dict[str, Any], locale: str) -> dict[str, charts.Chart]:
    with force_locale(locale):
        return _charts(data, locale)


def _charts(data: dict[str, Any], locale: str) -> dict[str, charts.Chart]:
    sections = data.get("sections", {})
    found: dict[str, charts.Chart] = {}
    cases = sections.get("cases") or {}
    unit = _("cases")
    if cases.get("available"):
        volume = cases["volume"]
        days = [date.fromisoformat(d).strftime("%m/%d") for d in data.get("days", [])]
        if len(days) == 7:
            found["volume_days"] = charts.bar(
                days,
                {str(KINDS[k]): volume["kinds_by_day"][k] for k in KINDS},
                stacked=True,
                unit=unit,
                title=_("Cases received per day, by kind"),
            )
        weeks = [_("%(n)d weeks before", n=n) for n in range(len(volume["weeks_before"]), 0, -1)]
        found["volume_weeks"] = charts.bar(
            [*weeks, _("This week")],
            {_("Cases"): [*reversed(volume["weeks_before"]), volume["total"]]},
            unit=unit,
            reference=volume["baseline"],
            reference_label=_("Average of the weeks before"),
            title=_("This week against the weeks before"),
        )
        found["channels"] = charts.bar(
            [str(CHANNELS[c]) for c in CHANNELS],
            {
                _("This week"): [volume["by_channel"][c] for c in CHANNELS],
                _("Average of the weeks before"): [
                    volume["baseline_by_channel"][c] for c in CHANNELS
                ],
            },
            horizontal=True,
            unit=unit,
            title=_("Cases by channel"),
        )
        rows = cases["products"]["rows"]
        if rows:
            found["products"] = charts.bar(
                [r["product"] or _("(no product)") for r in rows],
                {
                    _("This week"): [r["per_1000"] for r in rows],
                    _("Weeks before"): [r["per_1000_before"] for r in rows],
                },
                horizontal=True,
                unit=_("per 1,000 cases"),
                title=_("Complaints per 1,000 cases, by product"),
            )
    deadlines = sections.get("deadlines") or {}
    if deadlines.get("available") and deadlines.get("departments"):
        names = deadlines.get("department_names") or {}
        rows = deadlines["departments"]
        found["deadlines"] = charts.bar(
            [_department(names, r["department_id"], locale) for r in rows],
            {
                str(DEADLINE_KINDS[k]): [
                    round(100 * r["kinds"][k]["rate"]) if k in r["kinds"] else None for r in rows
                ]
                for k in ("acknowledge", "resolution")
            },
            unit="%",
            reference=100 * deadlines["target"],
            reference_label=_("Target"),
            title=_("Deadlines met on time, by department"),
        )
    enps = sections.get("enps") or {}
    shown = [r for r in enps.get("departments") or [] if r.get("shown")]
    if enps.get("available") and shown:
        names = enps.get("department_names") or {}
        found["enps"] = charts.bar(
            [_department(names, r["department_id"], locale) for r in shown],
            {"eNPS": [r["enps"] for r in shown]},
            horizontal=True,
            title=_("eNPS by department (departments above the anonymity threshold)"),
        )
    return found
