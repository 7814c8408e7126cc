"""Routing rules as observers: a rule routes a case when it arrives unrouted, and again once
its analysis has suggested tags (a rule may name a tag)."""

from __future__ import annotations

from relq.routing.services import route_by_rules
from relq.tags.services import tag_codes_by_case


def on_case_created(case, **_):
    if case.status == "received" and case.responsible_department_id is None:
        route_by_rules(case)


def on_case_analysed(case, **_):
    if case.status == "received" and case.responsible_department_id is None:
        route_by_rules(case, tag_codes=tag_codes_by_case([case.id]).get(case.id, set()))
