"""Removing personal data while keeping the statistics.

A case's **free text** — the customer's words, the subject, the remedy asked for, notes, the
departments' answers, handoff asks and messages, escalation decisions and comments, the
compliment shared, the harassment record's facts and quotes, the survey comment, tag
suggestions' words, the search index, and the same values inside its audit events,
notifications and the weekly digests' archive — is replaced ("—" where a value is required,
"" elsewhere). What counts stays: kind, channel, severity, status, every date, departments,
tags, key phrases (themes), deadlines, escalation reasons, ratings and scores. The case is
recorded in `case_anonymisations` (when, why, on whose request).

A customer's **contact data** (name, e-mail, phone) is emptied; the row stays, so repeat
customers are still counted once, and is recorded in `customer_erasures`.

Everything is written by plain UPDATE statements over a batch of ids, so the clock's step
(`retention_step`) works through 100k old cases in batches, each its own transaction, and
resumes where it stopped: a case already recorded is never picked again (idempotent).

Where free text lives is the list FREE_TEXT below; a capability that stores more of a case's
text adds its table there (a table that is not installed is skipped). Mail attachments
(relq/mailin) also have a period of their own: past it their content is dropped (and the raw
message they came in, whose text the case and its notes already hold), the file's size and type
kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, exists, insert, not_, or_, select, text, update

from relq.audit.models import AuditEvent
from relq.cases.models import Case, Customer
from relq.db import db, utcnow
from relq.org.models import User
from relq.privacy.models import CaseAnonymisation, CustomerErasure, PrivacyRequest
from relq.privacy.policy import current_policy, is_saved

BLANK = "—"
BATCH = 500


@dataclass(frozen=True)
class FreeText:
    """Text columns of `table` that belong to a case: reached by `case_column`, or through a
    parent table (`through` = (parent table, the child's key to it, the parent's case column))."""

    table: str
    blanks: dict[str, Any]
    case_column: str = "case_id"
    through: tuple[str, str, str] | None = None


FREE_TEXT: tuple[FreeText, ...] = (
    FreeText(
        "cases",
        {"subject": BLANK, "customer_words": BLANK, "remedy_requested": ""},
        case_column="id",
    ),
    FreeText("notes", {"body": BLANK}),
    FreeText("department_answers", {"body": BLANK}),
    FreeText("compliments", {"quote": BLANK}),
    FreeText(
        "harassment_reports",
        {
            name: ""
            for name in (
                "fact_when",
                "fact_where",
                "fact_who",
                "fact_what",
                "fact_why",
                "fact_how",
                "quotes",
                "evidence",
            )
        },
    ),
    FreeText("handoffs", {"ask": BLANK, "why": "", "rating_comment": "", "thanks": ""}),
    FreeText("handoff_messages", {"body": BLANK}, through=("handoffs", "handoff_id", "case_id")),
    FreeText("escalations", {"decision": "", "detail": ""}),
    FreeText(
        "escalation_comments", {"body": BLANK}, through=("escalations", "escalation_id", "case_id")
    ),
    FreeText("case_tags", {"reasons": []}),
    FreeText("case_analyses", {"lemmas": "", "search_text": ""}),
    FreeText("csat_surveys", {"comment": ""}),
    # E-mail intake (relq/mailin): the message as received, and its attachments.
    FreeText("inbound_messages", {"raw": b"", "subject": "", "from_address": ""}),
    FreeText("inbound_attachments", {"content": None, "is_stored": False, "filename": BLANK}),
)

# Keys of audit before/after values and notification parameters that hold free text.
TEXT_KEYS = frozenset(
    {
        "subject",
        "customer_words",
        "remedy_requested",
        "body",
        "quote",
        "quotes",
        "evidence",
        "ask",
        "why",
        "thanks",
        "rating_comment",
        "decision",
        "detail",
        "comment",
        "text",
        "reason",
        "fact_when",
        "fact_where",
        "fact_who",
        "fact_what",
        "fact_why",
        "fact_how",
    }
)
# Where "reason" is a stored code (an escalation's trigger), not words.
CODED_REASON = frozenset({"escalation"})


@dataclass
class RetentionRun:
    cases: int = 0
    customers: int = 0
    details: dict[str, int] = field(default_factory=dict)


def _table(name: str) -> Table | None:
    return db.metadata.tables.get(name)


def _redact(values: dict | None, *, keep_reason: bool) -> dict | None:
    if not values:
        return values
    return {
        key: (BLANK if value not in (None, "", []) else value)
        if key in TEXT_KEYS and not (key == "reason" and keep_reason)
        else value
        for key, value in values.items()
    }


def anonymise_cases(
    case_ids: Iterable[int],
    *,
    reason: str,
    actor: User | None = None,
    request: PrivacyRequest | None = None,
    now: datetime | None = None,
) -> int:
    """Remove the free text of these cases (see the module's doc) and record them as
    anonymised. Cases already anonymised are left as they are. Returns how many were done.
    Flushes, never commits."""
    session = db.session
    session.flush()
    ids = sorted(set(case_ids))
    if not ids:
        return 0
    done = set(
        session.scalars(select(CaseAnonymisation.case_id).where(CaseAnonymisation.case_id.in_(ids)))
    )
    ids = [i for i in ids if i not in done]
    if not ids:
        return 0
    now = now or utcnow()
    # The record first: the audit trail's trigger lets these cases' events be redacted.
    session.execute(
        insert(CaseAnonymisation.__table__),
        [
            {
                "case_id": i,
                "anonymised_at": now,
                "reason": reason,
                "request_id": request.id if request else None,
                "actor_id": actor.id if actor else None,
            }
            for i in ids
        ],
    )
    cases = Case.__table__
    for part in FREE_TEXT:
        table = _table(part.table)
        if table is None:
            continue
        if part.through is None:
            where = table.c[part.case_column].in_(ids)
        else:
            parent_name, key, parent_case = part.through
            parent = _table(parent_name)
            where = table.c[key].in_(select(parent.c.id).where(parent.c[parent_case].in_(ids)))
        values = dict(part.blanks)
        if table is cases:
            # A person's open form must not save the old text back; the dates stay as they were.
            values |= {"version": cases.c.version + 1, "updated_at": cases.c.updated_at}
        session.execute(update(table).where(where).values(values))
    if db.engine.dialect.name == "sqlite":
        # The FTS5 index holds the words themselves (PostgreSQL's vector follows search_text).
        session.execute(
            text("DELETE FROM case_search WHERE rowid IN (SELECT value FROM json_each(:ids))"),
            {"ids": "[" + ",".join(str(i) for i in ids) + "]"},
        )
    _redact_audit(ids)
    _redact_notifications(ids)
    _redact_digests(ids)
    # Objects loaded earlier in this session hold the old text: they are read anew.
    session.expire_all()
    return len(ids)


def _redact_audit(case_ids: list[int]) -> None:
    events = AuditEvent.__table__
    rows = db.session.execute(
        select(events.c.id, events.c.entity_type, events.c.before, events.c.after).where(
            events.c.case_id.in_(case_ids)
        )
    ).all()
    changes = []
    for row in rows:
        keep = row.entity_type in CODED_REASON
        before, after = _redact(row.before, keep_reason=keep), _redact(row.after, keep_reason=keep)
        if before != row.before or after != row.after:
            changes.append({"event_id": row.id, "new_before": before, "new_after": after})
    if changes:
        db.session.execute(
            update(events)
            .where(events.c.id == bindparam("event_id"))
            .values(
                before=bindparam("new_before", type_=events.c.before.type),
                after=bindparam("new_after", type_=events.c.after.type),
            ),
            changes,
        )


def _redact_notifications(case_ids: list[int]) -> None:
    table = _table("notifications")
    if table is None:
        return
    rows = db.session.execute(
        select(table.c.id, table.c.event, table.c.params).where(table.c.case_id.in_(case_ids))
    ).all()
    changes = []
    for row in rows:
        params = _redact(row.params, keep_reason=row.event in CODED_REASON)
        if params != row.params:
            changes.append({"row_id": row.id, "new_params": params})
    if changes:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(params=bindparam("new_params", type_=table.c.params.type)),
            changes,
        )


def _redact_digests(case_ids: list[int]) -> None:
    """The weekly digests' archive quotes cases (verbatims, observations, escalations' subjects)
    beside their case_id: those of these cases are redacted (a snapshot otherwise never changes).
    The archive is small (a row per week and scope), so it is read whole."""
    table = _table("digest_snapshots")
    if table is None:
        return
    wanted = set(case_ids)

    def walk(value: Any) -> Any:
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            if value.get("case_id") in wanted:
                # In a digest "reason" is an escalation's code, never words.
                value = _redact(value, keep_reason=True)
            return {key: walk(item) for key, item in value.items()}
        return value

    changes = []
    for row in db.session.execute(select(table.c.id, table.c.data)).all():
        data = walk(row.data)
        if data != row.data:
            changes.append({"row_id": row.id, "new_data": data})
    if changes:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(data=bindparam("new_data", type_=table.c.data.type)),
            changes,
        )


def erase_customers(
    customer_ids: Iterable[int],
    *,
    reason: str,
    actor: User | None = None,
    request: PrivacyRequest | None = None,
    now: datetime | None = None,
) -> int:
    """Empty these customers' name, e-mail and phone and record them as erased (already
    erased ones are left). Returns how many. Flushes, never commits."""
    session = db.session
    session.flush()
    ids = sorted(set(customer_ids))
    done = set(
        session.scalars(
            select(CustomerErasure.customer_id).where(CustomerErasure.customer_id.in_(ids))
        )
    )
    ids = [i for i in ids if i not in done]
    if not ids:
        return 0
    now = now or utcnow()
    session.execute(
        insert(CustomerErasure.__table__),
        [
            {
                "customer_id": i,
                "erased_at": now,
                "reason": reason,
                "request_id": request.id if request else None,
                "actor_id": actor.id if actor else None,
            }
            for i in ids
        ],
    )
    values: dict[str, Any] = {"name": None, "email": None, "phone": None}
    if "survey_opt_out" in Customer.__table__.c:
        values["survey_opt_out"] = True  # nobody to ask any more, and they asked us to stop
    session.execute(update(Customer.__table__).where(Customer.id.in_(ids)).values(values))
    session.expire_all()
    return len(ids)


# ---- the clock's step ------------------------------------------------------------------------


def cases_past_text_retention(now: datetime, limit: int = BATCH, after: int = 0) -> list[int]:
    """Closed cases untouched since before the text period, not yet anonymised, oldest id
    first. "Untouched" (updated_at) is never earlier than the closing, so nothing goes early."""
    days = current_policy().text_days
    if days is None or not is_saved():
        return []
    cutoff = now - timedelta(days=days)
    return list(
        db.session.scalars(
            select(Case.id)
            .where(
                Case.id > after,
                Case.status == "closed",
                Case.updated_at < cutoff,
                not_(exists().where(CaseAnonymisation.case_id == Case.id)),
            )
            .order_by(Case.id)
            .limit(limit)
        )
    )


def customers_past_contact_retention(
    now: datetime, limit: int = BATCH, after: int = 0
) -> list[int]:
    """Customers not yet erased whose every case is closed and untouched since before the
    contact period (and who were recorded before it)."""
    days = current_policy().contact_days
    if days is None or not is_saved():
        return []
    cutoff = now - timedelta(days=days)
    recent_or_open = exists().where(
        Case.customer_id == Customer.id,
        or_(Case.status != "closed", Case.updated_at >= cutoff),
    )
    return list(
        db.session.scalars(
            select(Customer.id)
            .where(
                Customer.id > after,
                Customer.created_at < cutoff,
                not_(recent_or_open),
                not_(exists().where(CustomerErasure.customer_id == Customer.id)),
                # Nothing left to erase: not worth a row.
                or_(
                    Customer.name.is_not(None),
                    Customer.email.is_not(None),
                    Customer.phone.is_not(None),
                ),
            )
            .order_by(Customer.id)
            .limit(limit)
        )
    )


def drop_old_attachments(now: datetime, limit: int = BATCH) -> int:
    """Drop the content of up to `limit` stored mail attachments of cases closed and untouched
    since before the attachment period, and the raw messages they came in. Returns how many
    attachments; one already dropped is never picked again (it is no longer stored)."""
    days = current_policy().attachment_days if is_saved() else None
    attachments, messages = _table("inbound_attachments"), _table("inbound_messages")
    if days is None or attachments is None or messages is None:
        return 0
    cutoff = now - timedelta(days=days)
    rows = db.session.execute(
        select(attachments.c.id, attachments.c.message_id)
        .join(Case.__table__, Case.id == attachments.c.case_id)
        .where(
            attachments.c.is_stored.is_(True),
            Case.status == "closed",
            Case.updated_at < cutoff,
        )
        .order_by(attachments.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    db.session.execute(
        update(attachments)
        .where(attachments.c.id.in_([r.id for r in rows]))
        .values(content=None, is_stored=False)
    )
    db.session.execute(
        update(messages)
        .where(messages.c.id.in_({r.message_id for r in rows}), messages.c.case_id.is_not(None))
        .values(raw=b"")
    )
    db.session.expire_all()
    return len(rows)


def retention_step(
    now: datetime, *, limit: int = BATCH, cursor: dict[str, int] | None = None
) -> dict[str, int]:
    """One batch of the retention job (the clock's step, in the tick's transaction): up to
    `limit` cases past the text period, `limit` customers past the contact period and `limit`
    attachments past theirs. Idempotent; the next tick takes the next batch. `cursor` (the
    last ids done, updated here) lets a run of many batches start each where the last ended
    instead of passing over what is done again."""
    cursor = cursor if cursor is not None else {}
    case_ids = cases_past_text_retention(now, limit, after=cursor.get("case", 0))
    cases = anonymise_cases(case_ids, reason="retention", now=now)
    customer_ids = customers_past_contact_retention(now, limit, after=cursor.get("customer", 0))
    customers = erase_customers(customer_ids, reason="retention", now=now)
    attachments = drop_old_attachments(now, limit)
    if case_ids:
        cursor["case"] = case_ids[-1]
    if customer_ids:
        cursor["customer"] = customer_ids[-1]
    return {
        "cases_anonymised": cases,
        "customers_erased": customers,
        "attachments_dropped": attachments,
    }


def run_retention(
    now: datetime | None = None, *, limit: int = BATCH, progress=None
) -> RetentionRun:
    """Every batch until nothing is left, each batch its own transaction (the CLI, the bench)."""
    from relq.db import transaction

    run = RetentionRun()
    cursor: dict[str, int] = {}
    while True:
        with transaction():
            done = retention_step(now or utcnow(), limit=limit, cursor=cursor)
        run.cases += done["cases_anonymised"]
        run.customers += done["customers_erased"]
        if progress is not None:
            progress(done["cases_anonymised"] + done["customers_erased"])
        run.details["attachments_dropped"] = (
            run.details.get("attachments_dropped", 0) + done["attachments_dropped"]
        )
        if max(done.values()) < limit:
            return run
