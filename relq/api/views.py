"""/api/v1: the resources beside the cases (relq/api/cases.py), the OpenAPI document and its
browsable page. Reads go through each package's own door: visible_handoffs,
visible_escalations, compute_themes (scoped by visible_cases), the eNPS anonymity gate."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint, abort, g, jsonify, render_template, send_from_directory
from flask_login import current_user
from sqlalchemy import select

from relq import access
from relq.access import ANONYMOUS, EVERYONE, allow
from relq.api import paging
from relq.api.models import ApiToken
from relq.api.schemas import (
    DepartmentList,
    DepartmentOut,
    EnpsResults,
    EnpsResultsQuery,
    EnpsRoundList,
    EnpsRoundOut,
    EnpsScore,
    EscalationOut,
    EscalationPage,
    EscalationQuery,
    HandoffOut,
    HandoffPage,
    PageQuery,
    SurgeList,
    SurgeOut,
    TagList,
    TagOut,
    ThemeList,
    ThemeOut,
    ThemeQuery,
    WhoAmI,
)
from relq.api.spec import answers, document, spec
from relq.db import db
from relq.enps import access as enps_access
from relq.enps import results as enps_results
from relq.enps.gate import Score
from relq.errors import NotAllowed, NotFound
from relq.escalations.models import Escalation
from relq.escalations.services import get_escalation_or_404, visible_escalations
from relq.handoffs.models import Handoff
from relq.handoffs.services import get_handoff_or_404, visible_handoffs
from relq.org.models import Department
from relq.tags.models import Tag
from relq.themes.services import compute_themes, open_alerts

bp = Blueprint("views", __name__)

HANDOFF_READERS = ("operator", "lead", "executive")
ESCALATION_READERS = ("lead", "executive", "admin")
ENPS_READERS = ("lead", "executive", "admin")
BY_ID = (((Handoff.id, paging.DESC),), ((Escalation.id, paging.DESC),))


@bp.get("/me")
@allow(EVERYONE)
@spec.validate(resp=answers(HTTP_200=WhoAmI), tags=("tokens",))
def me():
    """Who the token acts as."""
    scope = db.session.scalar(select(ApiToken.scope).where(ApiToken.id == g.api_token_id))
    return WhoAmI(
        user_id=current_user.id,
        name=current_user.name,
        role=current_user.role,
        department_id=current_user.department_id,
        token_scope=scope,
        is_active=current_user.is_active,
    )


@bp.get("/tags")
@allow(EVERYONE)
@spec.validate(resp=answers(HTTP_200=TagList), tags=("vocabularies",))
def tags():
    """The active tags (the case list's `tag` filter takes their code)."""
    parent = db.aliased(Tag)
    rows = db.session.execute(
        select(Tag.id, Tag.code, Tag.name_ja, Tag.name_en, parent.code)
        .outerjoin(parent, parent.id == Tag.parent_id)
        .where(Tag.is_active.is_(True))
        .order_by(Tag.code)
    ).all()
    return TagList(
        items=[
            TagOut(id=i, code=c, name_ja=ja, name_en=en, parent_code=p) for i, c, ja, en, p in rows
        ]
    )


@bp.get("/departments")
@allow(EVERYONE)
@spec.validate(resp=answers(HTTP_200=DepartmentList), tags=("vocabularies",))
def departments():
    """The active departments (a case is routed to one by its id)."""
    rows = db.session.scalars(
        select(Department).where(Department.is_active.is_(True)).order_by(Department.id)
    ).all()
    return DepartmentList(
        items=[
            DepartmentOut(
                id=d.id,
                code=d.code,
                name_ja=d.name_ja,
                name_en=d.name_en,
                is_customer_contact=d.is_customer_contact,
            )
            for d in rows
        ]
    )


def _handoff(h: Handoff) -> HandoffOut:
    return HandoffOut(
        id=h.id,
        case_id=h.case_id,
        requester_department_id=h.requester_department_id,
        provider_department_id=h.provider_department_id,
        status=h.status,
        ask=h.ask,
        why=h.why,
        requested_at=h.requested_at,
        due_at=h.due_at,
        accepted_at=h.accepted_at,
        answered_at=h.answered_at,
        closed_at=h.closed_at,
        bounces=h.bounces,
        version=h.version,
    )


def _by_id_page(statement, keys, query: PageQuery, kind: str):
    """Newest first by id, cursor-paged."""
    if query.cursor:
        statement = statement.where(paging.after(keys, paging.decode(query.cursor, kind, [int])))
    found = db.session.scalars(statement.order_by(keys[0][0].desc()).limit(query.limit + 1)).all()
    more = len(found) > query.limit
    found = found[: query.limit]
    return found, (paging.encode(kind, [found[-1].id]) if more else None)


@bp.get("/handoffs")
@allow(*HANDOFF_READERS)
@spec.validate(query=PageQuery, resp=answers(HTTP_200=HandoffPage), tags=("handoffs",))
def list_handoffs(query: PageQuery):
    """The handoffs you may read (your department's, and the hops on your cases), newest
    first."""
    found, cursor = _by_id_page(visible_handoffs(current_user), BY_ID[0], query, "handoffs")
    return HandoffPage(items=[_handoff(h) for h in found], next_cursor=cursor)


@bp.get("/handoffs/<int:handoff_id>")
@allow(*HANDOFF_READERS)
@spec.validate(resp=answers(HTTP_200=HandoffOut), tags=("handoffs",))
def get_handoff(handoff_id: int):
    """One handoff (404 outside your scope)."""
    handoff = get_handoff_or_404(handoff_id, current_user)
    if not access.can_read_handoff(current_user, handoff):
        raise NotFound("handoff")
    return _handoff(handoff)


def _escalation(e: Escalation) -> EscalationOut:
    return EscalationOut(
        id=e.id,
        case_id=e.case_id,
        handoff_id=e.handoff_id,
        surge_alert_id=e.surge_alert_id,
        reason=e.reason,
        level=e.level,
        department_id=e.department_id,
        detail=e.detail,
        opened_at=e.opened_at,
        closed_at=e.closed_at,
        outcome=e.outcome,
        decision=e.decision,
    )


@bp.get("/escalations")
@allow(*ESCALATION_READERS)
@spec.validate(query=EscalationQuery, resp=answers(HTTP_200=EscalationPage), tags=("escalations",))
def list_escalations(query: EscalationQuery):
    """The escalations you may see (open by default), newest first."""
    statement = visible_escalations(current_user)
    if query.state == "open":
        statement = statement.where(Escalation.closed_at.is_(None))
    elif query.state == "closed":
        statement = statement.where(Escalation.closed_at.is_not(None))
    found, cursor = _by_id_page(statement, BY_ID[1], query, f"escalations-{query.state}")
    return EscalationPage(items=[_escalation(e) for e in found], next_cursor=cursor)


@bp.get("/escalations/<int:escalation_id>")
@allow(*ESCALATION_READERS)
@spec.validate(resp=answers(HTTP_200=EscalationOut), tags=("escalations",))
def get_escalation(escalation_id: int):
    """One escalation (404 outside your scope)."""
    return _escalation(get_escalation_or_404(escalation_id, current_user))


@bp.get("/themes")
@allow(EVERYONE)
@spec.validate(query=ThemeQuery, resp=answers(HTTP_200=ThemeList), tags=("themes",))
def themes(query: ThemeQuery):
    """The recurring themes among the cases you may see received in [start, end)."""
    found = compute_themes(
        current_user,
        start=query.start,
        end=query.end,
        department_id=query.department_id,
        kind=query.kind,
        source=query.source,
    )
    return ThemeList(
        items=[
            ThemeOut(
                key=t.key,
                label=t.label,
                phrases=t.phrases,
                count=t.count,
                case_ids=sorted(t.case_ids),
                change=t.change,
            )
            for t in found
        ]
    )


@bp.get("/surges")
@allow("executive", "admin")
@spec.validate(resp=answers(HTTP_200=SurgeList), tags=("themes",))
def surges():
    """Surge alerts (a theme or product rising past its usual weeks): management's."""
    if not access.can_see_alerts(current_user):
        raise NotAllowed("surge_alert")
    return SurgeList(
        items=[
            SurgeOut(
                id=a.id,
                label=a.label,
                kind=a.kind,
                week_end=a.week_end,
                observed=a.observed,
                expected=a.expected,
                p_value=a.p_value,
                case_ids=list(a.case_ids or []),
                created_at=a.created_at,
            )
            for a in open_alerts(limit=100)
        ]
    )


@bp.get("/enps/rounds")
@allow(*ENPS_READERS)
@spec.validate(resp=answers(HTTP_200=EnpsRoundList), tags=("enps",))
def enps_rounds():
    """Closed survey rounds (only a closed round's results are shown)."""
    if not enps_access.can_read_any_results(current_user):
        raise NotAllowed("enps_results")
    return EnpsRoundList(
        items=[
            EnpsRoundOut(
                id=r.id,
                name=r.name,
                status=r.status,
                period_start=r.period_start,
                period_end=r.period_end,
            )
            for r in reversed(enps_results.closed_rounds())
        ]
    )


def _score(score, *, department_id=None, band=None, band_id=None, change=None):
    """A score the gate shows, or None: a suppressed group is not returned at all."""
    if not isinstance(score, Score):
        return None
    return EnpsScore(
        department_id=department_id,
        band=band,
        band_id=band_id,
        n=score.n,
        enps=round(score.enps, 1),
        promoters=score.promoters,
        passives=score.passives,
        detractors=score.detractors,
        change=None if change is None else round(change, 1),
    )


@bp.get("/enps/rounds/<int:round_id>/results")
@allow(*ENPS_READERS)
@spec.validate(query=EnpsResultsQuery, resp=answers(HTTP_200=EnpsResults), tags=("enps",))
def enps_round_results(round_id: int, query: EnpsResultsQuery):
    """A closed round's eNPS through the anonymity gate: the company (management), or one
    department (its lead, management). A group the gate hides is left out, never shown as a
    number."""
    department_id = query.department_id
    if not enps_access.can_read_results(current_user, department_id):
        raise NotAllowed("enps_results")
    survey_round = enps_results.get_round_or_404(round_id)
    if survey_round.status != "closed":
        raise NotFound("enps_round")
    department = enps_results.get_department_or_404(department_id) if department_id else None
    found = enps_results.round_results(survey_round, department)
    company = found.company if department is None else None
    bands = [
        s
        for dimension, rows in found.cuts.items()
        for row in rows
        if (
            s := _score(
                row.score,
                department_id=department_id,
                band=dimension,
                band_id=row.group.band[1] if row.group.band else None,
            )
        )
    ]
    return EnpsResults(
        round_id=survey_round.id,
        department_id=department_id,
        company=_score(company),
        focus=_score(found.focus, department_id=department_id, change=found.change_vs_previous),
        departments=[
            s
            for row in found.departments
            if (s := _score(row.score, department_id=row.department_id, change=row.change))
        ],
        bands=bands,
    )


# ---- the document and its page ----------------------------------------------------------------

SWAGGER_FILES = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")


@bp.get("/openapi.json")
@allow(ANONYMOUS)
def openapi():
    """The OpenAPI 3.1 document, written by SpecTree from the views and their models."""
    return jsonify(document())


@bp.get("/docs")
@allow(ANONYMOUS)
def docs():
    """Swagger UI, served from the swagger-ui-bundle package (no CDN: the CSP allows 'self')."""
    return render_template("api/docs.html", files=SWAGGER_FILES)


@bp.get("/docs/<name>")
@allow(ANONYMOUS)
def docs_asset(name: str):
    if name not in SWAGGER_FILES:
        abort(404)
    folder = Path(swagger_ui_bundle.swagger_ui_path)
    return send_from_directory(folder, name, max_age=86400)
