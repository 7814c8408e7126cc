"""The digest's summary: five to eight sentences written from the snapshot's numbers by fixed
templates (no external service), in Japanese and in English, each linking to the section that
holds its evidence. The same numbers always give the same sentences.

Which sentence says what, in order: the week's volume (rising, falling, flat, new or empty),
the kind of case that moved most, what is new (a surge or a new theme), what waits for a
management decision, the most stuck department pair, deadlines kept, compliments, and the front
line's observations; those without data say so where silence would mislead (escalations, stuck
pairs, surges, deadlines), the others are left out, so that there are never fewer than five.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from relq.cases.models import KINDS
from relq.deadlines.calendar import WORKDAY_MINUTES

LOCALES = ("ja", "en")
# A change smaller than this share of the weeks before reads as "about the same".
FLAT_SHARE = 0.10
# A kind of case is named as the mover only from this many cases a week (this or before).
MIN_MOVER_CASES = 3
MAX_SENTENCES = 8
# A rise of this share or more reads "N times as many" (not "+5100%").
TIMES_FROM = 2.0


@dataclass(frozen=True)
class Fact:
    kind: str  # rising, falling, flat, new, empty, waiting, stuck, ... (for tests and styling)
    anchor: str  # the id of the evidence's section on the page
    words: Callable[[str], str]  # locale -> the sentence (called inside force_locale)


def summarise(data: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    facts = facts_of(data)[:MAX_SENTENCES]
    found: dict[str, list[dict[str, str]]] = {}
    for locale in LOCALES:
        with force_locale(locale):
            found[locale] = [
                {"kind": f.kind, "anchor": f.anchor, "text": f.words(locale)} for f in facts
            ]
    return found


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _name(names: dict, department_id: int | None, locale: str) -> str:
    found = names.get(str(department_id)) if department_id is not None else None
    if not found:
        return "?"
    return found.get(locale) or found.get("ja") or "?"


def facts_of(data: dict[str, Any]) -> list[Fact]:
    sections = data.get("sections", {})
    found: list[Fact] = []
    cases = sections.get("cases") or {}
    if cases.get("available"):
        found += _volume(cases["volume"])
    themes = sections.get("themes") or {}
    if themes.get("available"):
        found.append(_news(themes))
    escalations = sections.get("escalations") or {}
    if escalations.get("available"):
        found.append(_waiting(escalations))
    relations = sections.get("relations") or {}
    if relations.get("available"):
        found.append(_stuck(relations))
    deadlines = sections.get("deadlines") or {}
    if deadlines.get("available"):
        found.append(_deadlines(deadlines))
    thanks = sections.get("thanks") or {}
    if thanks.get("available") and thanks.get("total"):
        found.append(_thanks(thanks))
    observations = cases.get("observations") if cases.get("available") else None
    if observations and observations.get("count"):
        n = observations["count"]
        found.append(
            Fact(
                "new",
                "observations",
                lambda _l: _(
                    "The front line wrote %(count)d observations (気づき) this week.", count=n
                ),
            )
        )
    return found


def _volume(volume: dict[str, Any]) -> list[Fact]:
    total, baseline = volume["total"], volume["baseline"]
    weeks = len(volume.get("weeks_before") or []) or 4
    facts: list[Fact] = []
    if total == 0 and baseline == 0:
        facts.append(
            Fact(
                "empty",
                "volume",
                lambda _l: _(
                    "No cases were received this week, nor in the %(weeks)d weeks before.",
                    weeks=weeks,
                ),
            )
        )
        return facts
    if total == 0:
        facts.append(
            Fact(
                "empty",
                "volume",
                lambda _l: _(
                    "No cases were received this week (%(baseline)s a week in the %(weeks)d "
                    "weeks before).",
                    baseline=_number(baseline),
                    weeks=weeks,
                ),
            )
        )
    elif baseline == 0:
        facts.append(
            Fact(
                "new",
                "volume",
                lambda _l: _(
                    "%(count)d cases were received this week; there were none in the %(weeks)d "
                    "weeks before.",
                    count=total,
                    weeks=weeks,
                ),
            )
        )
    else:
        change = (total - baseline) / baseline
        percent = round(abs(change) * 100)
        if abs(change) < FLAT_SHARE:
            facts.append(
                Fact(
                    "flat",
                    "volume",
                    lambda _l: _(
                        "%(count)d cases were received this week, about as many as in the "
                        "%(weeks)d weeks before (%(baseline)s a week).",
                        count=total,
                        weeks=weeks,
                        baseline=_number(baseline),
                    ),
                )
            )
        elif change >= TIMES_FROM:
            facts.append(
                Fact(
                    "rising",
                    "volume",
                    lambda _l: _(
                        "%(count)d cases were received this week, %(times)s times as many as in "
                        "the %(weeks)d weeks before (%(baseline)s a week).",
                        count=total,
                        times=_number(round(total / baseline, 1)),
                        weeks=weeks,
                        baseline=_number(baseline),
                    ),
                )
            )
        elif change > 0:
            facts.append(
                Fact(
                    "rising",
                    "volume",
                    lambda _l: _(
                        "%(count)d cases were received this week, %(percent)d%% more than in the "
                        "%(weeks)d weeks before (%(baseline)s a week).",
                        count=total,
                        percent=percent,
                        weeks=weeks,
                        baseline=_number(baseline),
                    ),
                )
            )
        else:
            facts.append(
                Fact(
                    "falling",
                    "volume",
                    lambda _l: _(
                        "%(count)d cases were received this week, %(percent)d%% fewer than in "
                        "the %(weeks)d weeks before (%(baseline)s a week).",
                        count=total,
                        percent=percent,
                        weeks=weeks,
                        baseline=_number(baseline),
                    ),
                )
            )
    mover = _mover(volume)
    if mover is not None:
        kind, now, before = mover
        if now > before:
            facts.append(
                Fact(
                    "rising",
                    "volume",
                    lambda _l: _(
                        "%(kind)s rose to %(count)d from %(baseline)s a week.",
                        kind=str(KINDS[kind]),
                        count=now,
                        baseline=_number(before),
                    ),
                )
            )
        else:
            facts.append(
                Fact(
                    "falling",
                    "volume",
                    lambda _l: _(
                        "%(kind)s fell to %(count)d from %(baseline)s a week.",
                        kind=str(KINDS[kind]),
                        count=now,
                        baseline=_number(before),
                    ),
                )
            )
    return facts


def _mover(volume: dict[str, Any]) -> tuple[str, int, float] | None:
    """The kind of case that changed most against its weeks before (enough cases, a change
    beyond FLAT_SHARE), or None."""
    best = None
    for kind in KINDS:
        now = volume["by_kind"].get(kind, 0)
        before = volume["baseline_by_kind"].get(kind, 0)
        if max(now, before) < MIN_MOVER_CASES:
            continue
        if before and abs(now - before) / before < FLAT_SHARE:
            continue
        score = abs(now - before)
        if best is None or score > best[0]:
            best = (score, kind, now, before)
    return None if best is None else best[1:]


def _news(themes: dict[str, Any]) -> Fact:
    surges = themes.get("surges") or []
    if surges:
        first, n = surges[0], themes.get("surge_count", len(surges))
        return Fact(
            "new",
            "themes",
            lambda _l: _(
                "%(count)d surges were found; the strongest: %(label)s, %(observed)d cases "
                "against %(expected)s expected.",
                count=n,
                label=first["label"],
                observed=first["observed"],
                expected=_number(first["expected"]),
            ),
        )
    new = [t for t in themes.get("themes") or [] if t.get("is_new")]
    if new:
        return Fact(
            "new",
            "themes",
            lambda _l: _(
                "A new theme appeared: %(label)s (%(count)d cases).",
                label=new[0]["label"],
                count=new[0]["count"],
            ),
        )
    top = (themes.get("themes") or [None])[0]
    if top:
        return Fact(
            "flat",
            "themes",
            lambda _l: _(
                "No surge this week; the most frequent theme was %(label)s (%(count)d cases).",
                label=top["label"],
                count=top["count"],
            ),
        )
    return Fact("flat", "themes", lambda _l: _("No surge and no new theme this week."))


def _waiting(escalations: dict[str, Any]) -> Fact:
    waiting = escalations["open"]["waiting_for_decision"]
    decided = escalations["decided"]["total"]
    if waiting:
        days = escalations["open"]["oldest_days"]
        return Fact(
            "waiting",
            "escalations",
            lambda _l: _(
                "%(count)d escalations wait for a management decision, the oldest for "
                "%(days)s days.",
                count=waiting,
                days=_number(days),
            ),
        )
    if decided:
        return Fact(
            "flat",
            "escalations",
            lambda _l: _(
                "%(count)d escalations were decided this week; none waits for management.",
                count=decided,
            ),
        )
    return Fact(
        "flat", "escalations", lambda _l: _("No escalation waits for a management decision.")
    )


def _stuck(relations: dict[str, Any]) -> Fact:
    stalls = relations.get("stalls") or []
    names = relations.get("department_names") or {}
    if not stalls:
        return Fact("flat", "departments", lambda _l: _("No pair of departments is stuck."))
    edge = stalls[0]
    minutes = edge.get("median_turnaround_minutes")
    days = _number(None if minutes is None else round(minutes / WORKDAY_MINUTES, 1))
    bounced = round(100 * (edge.get("bounce_rate") or 0))

    def words(locale: str) -> str:
        asking = _name(names, edge["requester_id"], locale)
        answering = _name(names, edge["provider_id"], locale)
        if not bounced:
            return _(
                "Handoffs from %(asking)s to %(answering)s are stuck: a median of %(days)s "
                "business days.",
                asking=asking,
                answering=answering,
                days=days,
            )
        return _(
            "Handoffs from %(asking)s to %(answering)s are stuck: a median of %(days)s "
            "business days, %(bounced)d%% sent back.",
            asking=asking,
            answering=answering,
            days=days,
            bounced=bounced,
        )

    return Fact("stuck", "departments", words)


def _deadlines(deadlines: dict[str, Any]) -> Fact:
    totals = deadlines.get("totals") or {}
    target = round(100 * deadlines.get("target", 0.9))
    ack = totals.get("acknowledge") or {}
    done = totals.get("resolution") or {}
    if ack.get("rate") is None and done.get("rate") is None:
        return Fact("flat", "departments", lambda _l: _("No deadline fell due this week."))
    rates = {k: v["rate"] for k, v in (("ack", ack), ("done", done)) if v.get("rate") is not None}
    below = any(rate * 100 < target for rate in rates.values())
    return Fact(
        "falling" if below else "flat",
        "departments",
        lambda _l: _(
            "On time: %(acknowledged)s of acknowledgements and %(resolved)s of resolutions "
            "(target %(target)d%%).",
            acknowledged=_percent(rates.get("ack")),
            resolved=_percent(rates.get("done")),
            target=target,
        ),
    )


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"


def _thanks(thanks: dict[str, Any]) -> Fact:
    n = thanks["total"]
    top = (thanks.get("by_department") or [{}])[0]
    names = thanks.get("department_names") or {}
    return Fact(
        "new",
        "thanks",
        lambda locale: _(
            "%(count)d compliments were passed on, most of them to %(department)s.",
            count=n,
            department=_name(names, top.get("department_id"), locale),
        ),
    )
