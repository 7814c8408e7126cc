"""Tag rules: suggestions from trigger phrases and from the model, decisions by people.
Services never commit; every decision is an audit event."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased

from relq import access, nlp
from relq.audit.services import record
from relq.cache import cached
from relq.cases.models import Case
from relq.db import db, transaction_cache, utcnow
from relq.errors import CodedError
from relq.learning import current_model, predict
from relq.org.models import User
from relq.tags.defaults import DEMO_INDUSTRIES, starter_list
from relq.tags.models import CaseTag, Tag


class TagError(CodedError):
    """A refused change; `code` names why ("not_allowed" answers 403)."""


# ---- the list ---------------------------------------------------------------------------------


def all_tags() -> list[Tag]:
    """Every tag, categories first in each group. Read once per transaction: the analysis of a
    batch of cases asks for the list for every case."""
    tags = transaction_cache(
        "tags",
        lambda: list(
            db.session.scalars(select(Tag).order_by(func.coalesce(Tag.parent_id, Tag.id), Tag.id))
        ),
    )
    return list(tags)


def taggable_tags() -> list[Tag]:
    """Active tags a case can carry: the tags inside categories, and categories without any."""
    tags = [t for t in all_tags() if t.is_active]
    parents = {t.parent_id for t in tags if t.parent_id}
    return [t for t in tags if t.id not in parents]


def tag_choices(locale: str) -> list[tuple[str, str]]:
    """(code, "Category › Tag") of the taggable tags (list filters)."""
    return [(code, label) for _, code, label in tag_options(locale)]


@cached("tags")
def tag_options(locale: str) -> list[tuple[int, str, str]]:
    """(id, code, "Category › Tag") of the taggable tags, from one light query, cached: every
    case page and list page shows them."""
    parent = aliased(Tag)
    rows = db.session.execute(
        select(
            Tag.id,
            Tag.code,
            Tag.name_ja,
            Tag.name_en,
            Tag.parent_id,
            parent.name_ja,
            parent.name_en,
        )
        .outerjoin(parent, parent.id == Tag.parent_id)
        .where(Tag.is_active.is_(True))
        .order_by(func.coalesce(Tag.parent_id, Tag.id), Tag.id)
    ).all()
    parents = {r.parent_id for r in rows if r.parent_id}
    en = locale == "en"
    choices = []
    for r in rows:
        if r.id in parents:
            continue
        name = r.name_en if en else r.name_ja
        if r.parent_id:
            name = f"{r[6] if en else r[5]} › {name}"
        choices.append((r.id, r.code, name))
    return choices


def trigger_phrases() -> dict[str, list[str]]:
    return {t.code: list(t.triggers or []) for t in taggable_tags() if t.triggers}


def seed_default_tags(industries: Iterable[str] = DEMO_INDUSTRIES) -> int:
    """Load the starter list of `industries` (relq.tags.defaults.INDUSTRIES, merged; the
    demo's by default) into an empty tag table; returns how many tags were added."""
    categories, tags = starter_list(industries)
    if db.session.scalar(select(func.count(Tag.id))):
        return 0
    parents = {}
    for code, name_ja, name_en in categories:
        parents[code] = Tag(code=code, name_ja=name_ja, name_en=name_en, triggers=[])
        db.session.add(parents[code])
    db.session.flush()
    for code, name_ja, name_en, triggers in tags:
        parent = parents[code.split(".")[0]]
        db.session.add(
            Tag(code=code, parent_id=parent.id, name_ja=name_ja, name_en=name_en, triggers=triggers)
        )
    db.session.flush()
    return len(categories) + len(tags)


@dataclass
class TagInput:
    code: str
    name_ja: str
    name_en: str
    parent_id: int | None
    triggers: list[str]
    is_active: bool = True


def _check_parent(parent_id: int | None, tag: Tag | None = None) -> None:
    if parent_id is None:
        return
    parent = db.session.get(Tag, parent_id)
    # Two levels: a category holds tags; a tag holds nothing.
    if parent is None or parent.parent_id is not None or (tag is not None and parent.id == tag.id):
        raise TagError("parent_not_a_category")
    if tag is not None and db.session.scalar(select(Tag.id).where(Tag.parent_id == tag.id)):
        raise TagError("category_has_tags")


def save_tag(data: TagInput, *, actor: User, tag: Tag | None = None) -> Tag:
    """Create a tag (tag None) or change one; the code of an existing tag never changes."""
    if not access.can_manage_org(actor):
        raise TagError("not_allowed")
    _check_parent(data.parent_id, tag)
    triggers = [t.strip() for t in data.triggers if t.strip()]
    if tag is None:
        code = data.code.strip().lower()
        if db.session.scalar(select(Tag.id).where(Tag.code == code)):
            raise TagError("code_taken")
        tag = Tag(code=code)
        db.session.add(tag)
        action, before = "tag.created", None
    else:
        action = "tag.updated"
        before = {
            "name_ja": tag.name_ja,
            "name_en": tag.name_en,
            "parent_id": tag.parent_id,
            "triggers": tag.triggers,
            "is_active": tag.is_active,
        }
    tag.name_ja, tag.name_en = data.name_ja.strip(), data.name_en.strip()
    tag.parent_id, tag.triggers, tag.is_active = data.parent_id, triggers, data.is_active
    db.session.flush()
    record(
        action,
        actor=actor,
        entity_type="tag",
        entity_id=tag.id,
        before=before,
        after={
            "code": tag.code,
            "name_ja": tag.name_ja,
            "triggers": triggers,
            "is_active": tag.is_active,
        },
    )
    return tag


# ---- suggestions ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TagChip:
    """A tag of a case as the case page shows it (see tag_chips)."""

    tag_id: int
    code: str
    label: str
    state: str
    source: str
    confidence: float | None
    reasons: list


_PARENT_TAG = aliased(Tag)
# Built once, with the case as a parameter: SQLAlchemy then finds its compiled form by the
# statement's own memoised cache key, instead of building and hashing the query every view.
_TAG_CHIPS = (
    select(
        CaseTag.tag_id,
        Tag.code,
        Tag.name_ja,
        Tag.name_en,
        _PARENT_TAG.name_ja,
        _PARENT_TAG.name_en,
        CaseTag.state,
        CaseTag.source,
        CaseTag.confidence,
        CaseTag.reasons,
    )
    .join(Tag, Tag.id == CaseTag.tag_id)
    .outerjoin(_PARENT_TAG, _PARENT_TAG.id == Tag.parent_id)
    .where(CaseTag.case_id == bindparam("case_id"))
    .order_by(CaseTag.state, CaseTag.id)
)


def tag_chips(case_id: int, locale: str) -> list[TagChip]:
    """The case's tags as `tags_of` orders them, with their labels ("Category › Tag"), read
    as plain rows in one query: the case page shows them on every view."""
    rows = db.session.execute(_TAG_CHIPS, {"case_id": case_id})
    en = locale == "en"
    chips = []
    for tag_id, code, ja, en_, parent_ja, parent_en, state, source, confidence, reasons in rows:
        label = en_ if en else ja
        parent_name = parent_en if en else parent_ja
        if parent_name is not None:
            label = f"{parent_name} › {label}"
        chips.append(TagChip(tag_id, code, label, state, source, confidence, reasons or []))
    return chips


def tags_of(case_id: int) -> list[CaseTag]:
    return list(
        db.session.scalars(
            select(CaseTag).where(CaseTag.case_id == case_id).order_by(CaseTag.state, CaseTag.id)
        )
    )


def suggest_tags(
    case: Case, analysis: nlp.Analysis, predictions: list | None = None
) -> list[CaseTag]:
    """Suggest the tags whose trigger phrases occur in the case's voice, and those the learned
    model is confident about. A tag a person already decided on is never suggested again, nor
    a tag whose suggestions people have mostly rejected (its track record, taken when the model
    was last trained: relq.learning.untrusted_tags)."""
    decided = {ct.tag_id: ct for ct in tags_of(case.id)}
    model = current_model("tags")
    untrusted = getattr(model, "untrusted", frozenset())
    by_code = {t.code: t for t in taggable_tags() if t.code not in untrusted}
    added = []
    for code, phrases in nlp.match_phrases(analysis, trigger_phrases()).items():
        tag = by_code.get(code)
        if tag is None:
            continue
        existing = decided.get(tag.id)
        if existing is None:
            existing = CaseTag(case_id=case.id, tag_id=tag.id, state="suggested", source="rule")
            db.session.add(existing)
            decided[tag.id] = existing
            added.append(existing)
        if existing.state == "suggested":
            existing.source, existing.confidence, existing.reasons = "rule", 1.0, phrases
    if predictions is None:
        predictions = predict(analysis, case)
    for suggestion in predictions:
        tag = by_code.get(suggestion.code)
        if tag is None or tag.id in decided:
            continue
        row = CaseTag(
            case_id=case.id,
            tag_id=tag.id,
            state="suggested",
            source="model",
            confidence=round(suggestion.confidence, 3),
            reasons=suggestion.reasons,
        )
        db.session.add(row)
        decided[tag.id] = row
        added.append(row)
    db.session.flush()
    return added


# ---- decisions --------------------------------------------------------------------------------

DECISIONS = ("accept", "reject", "add", "remove")


def decide_tag(case: Case, tag_id: int, *, actor: User, decision: str) -> CaseTag:
    """accept / reject a suggestion, add a tag by hand, or remove an accepted one (which
    records it as rejected, so it is not suggested again). Raises TagError."""
    if not access.can_tag_case(actor, case):
        raise TagError("not_allowed")
    tag = db.session.get(Tag, tag_id)
    if tag is None or tag not in taggable_tags():
        raise TagError("unknown_tag")
    row = db.session.scalar(
        select(CaseTag).where(CaseTag.case_id == case.id, CaseTag.tag_id == tag_id)
    )
    before = {"state": row.state} if row else None
    if decision == "add":
        if row is None:
            row = CaseTag(case_id=case.id, tag_id=tag_id, source="manual", state="accepted")
            db.session.add(row)
        row.state = "accepted"
    elif decision in ("accept", "reject"):
        if row is None or row.state != "suggested":
            raise TagError("not_suggested")
        row.state = "accepted" if decision == "accept" else "rejected"
    elif decision == "remove":
        if row is None or row.state != "accepted":
            raise TagError("not_on_case")
        row.state = "rejected"
    else:
        raise TagError("unknown_decision")
    row.decided_by_id, row.decided_at = actor.id, utcnow()
    db.session.flush()
    record(
        f"tag.{decision}",
        actor=actor,
        entity_type="case_tag",
        entity_id=row.id,
        case_id=case.id,
        before=before,
        after={"state": row.state, "tag": tag.code},
    )
    return row


def decide_all_suggestions(case: Case, *, actor: User, decision: str) -> list[CaseTag]:
    """Accept or reject every tag still suggested on the case, in one go (each decision
    audited as if made alone). Raises TagError("not_allowed", "unknown_decision")."""
    if decision not in ("accept", "reject"):
        raise TagError("unknown_decision")
    suggested = [ct for ct in tags_of(case.id) if ct.state == "suggested"]
    return [decide_tag(case, ct.tag_id, actor=actor, decision=decision) for ct in suggested]


@dataclass
class TagStats:
    tag: Tag
    suggested: int
    accepted: int
    rejected: int
    manual: int

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


def tag_statistics() -> list[TagStats]:
    """Per tag: suggestions still open, and of the decided suggestions how many were accepted
    (the acceptance rate admins tune triggers with); tags added by hand counted apart."""
    suggested = CaseTag.source != "manual"
    rows = db.session.execute(
        select(
            CaseTag.tag_id,
            func.sum(sql_case((suggested & (CaseTag.state == "suggested"), 1), else_=0)),
            func.sum(sql_case((suggested & (CaseTag.state == "accepted"), 1), else_=0)),
            func.sum(sql_case((suggested & (CaseTag.state == "rejected"), 1), else_=0)),
            func.sum(sql_case((CaseTag.source == "manual", 1), else_=0)),
        ).group_by(CaseTag.tag_id)
    ).all()
    counts = {r[0]: r[1:] for r in rows}
    return [TagStats(t, *(int(x or 0) for x in counts.get(t.id, (0, 0, 0, 0)))) for t in all_tags()]


def tag_codes_by_case(case_ids: list[int]) -> dict[int, set[str]]:
    """The tags (accepted or suggested) of each case, by code."""
    found: dict[int, set[str]] = {}
    for start in range(0, len(case_ids), 500):
        rows = db.session.execute(
            select(CaseTag.case_id, Tag.code)
            .join(Tag, Tag.id == CaseTag.tag_id)
            .where(CaseTag.case_id.in_(case_ids[start : start + 500]), CaseTag.state != "rejected")
        )
        for case_id, code in rows:
            found.setdefault(case_id, set()).add(code)
    return found
