"""The privacy officer's use cases: the policy, finding a customer, a customer's requests,
disclosure, correction and erasure. Services take the acting user, check the named permission,
audit, flush and never commit (the caller's `transaction()` does)."""

from __future__ import annotations

import csv
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from relq.access import visible_cases
from relq.audit.models import AuditEvent
from relq.audit.services import record
from relq.cases.models import Case, Customer, Note
from relq.cases.services import normalise_phone
from relq.db import db, utcnow
from relq.errors import Conflict, Invalid, NotAllowed, NotFound
from relq.org.models import User
from relq.privacy.access import can_handle_privacy
from relq.privacy.models import (
    REQUEST_DUE_DAYS,
    REQUEST_KINDS,
    CaseAnonymisation,
    CustomerErasure,
    PrivacyPolicy,
    PrivacyRequest,
)
from relq.privacy.policy import current_policy
from relq.privacy.retention import anonymise_cases, erase_customers

SEARCH_LIMIT = 50
SEARCH_MAX = 120


class PrivacyError(Invalid):
    """A privacy request or setting refused; `code` says why."""


def _require(actor: User) -> None:
    if not can_handle_privacy(actor):
        raise NotAllowed("privacy")


# ---- the policy ------------------------------------------------------------------------------


@dataclass
class PolicyInput:
    purpose_ja: str
    purpose_en: str
    contact_days: int | None
    text_days: int | None
    attachment_days: int | None


def save_policy(actor: User, data: PolicyInput) -> PrivacyPolicy:
    """Save the purpose of use and the retention periods (audited). Raises NotAllowed or
    PrivacyError("purpose_missing")."""
    _require(actor)
    if not data.purpose_ja.strip():
        raise PrivacyError("purpose_missing")
    policy = db.session.get(PrivacyPolicy, 1)
    before: dict[str, Any] = {}
    if policy is None:
        policy = current_policy()
        db.session.add(policy)
    else:
        before = _policy_values(policy)
    policy.purpose_ja = data.purpose_ja.strip()
    policy.purpose_en = data.purpose_en.strip()
    policy.contact_days = data.contact_days
    policy.text_days = data.text_days
    policy.attachment_days = data.attachment_days
    policy.updated_at = utcnow()
    policy.updated_by_id = actor.id
    db.session.flush()
    after = _policy_values(policy)
    changed = {k for k in after if before.get(k, object()) != after[k]}
    record(
        "privacy.policy_saved",
        actor=actor,
        entity_type="privacy_policy",
        entity_id=1,
        before={k: before[k] for k in changed if k in before} or None,
        after={k: after[k] for k in changed},
    )
    return policy


def _policy_values(policy: PrivacyPolicy) -> dict[str, Any]:
    return {
        "contact_days": policy.contact_days,
        "text_days": policy.text_days,
        "attachment_days": policy.attachment_days,
        # The texts are long: the trail says that they changed, the page shows them.
        "purpose_ja": f"{len(policy.purpose_ja)}",
        "purpose_en": f"{len(policy.purpose_en)}",
    }


# ---- finding a customer ----------------------------------------------------------------------


def mask(value: str | None) -> str | None:
    """A value as the audit trail may keep it: enough to recognise, not to contact.
    山田太郎 → 山***, taro@example.com → t***@example.com, 09012345678 → 090*****678."""
    if not value:
        return value
    if "@" in value:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if value.isdigit() and len(value) > 6:
        return value[:3] + "*" * (len(value) - 6) + value[-3:]
    return value[:1] + "***"


def _masked(value: Any) -> Any:
    return mask(value) if isinstance(value, str) else value


def find_customers(actor: User, query: str) -> list[Customer]:
    """Customers whose e-mail or phone is the query, or whose name contains it (newest first,
    at most SEARCH_LIMIT). Raises NotAllowed or PrivacyError("query_too_short"/"_long").
    The caller logs the search (relq.privacy.reads)."""
    _require(actor)
    query = unicodedata.normalize("NFKC", query or "").strip()
    if len(query) < 2:
        raise PrivacyError("query_too_short")
    if len(query) > SEARCH_MAX:
        raise PrivacyError("query_too_long")
    conditions = [Customer.email == query.lower()]
    phone = normalise_phone(query)
    if len(phone) >= 6:
        conditions.append(Customer.phone == phone)
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    conditions.append(Customer.name.ilike(f"%{escaped}%", escape="\\"))
    return list(
        db.session.scalars(
            select(Customer)
            .where(or_(*conditions))
            .order_by(Customer.id.desc())
            .limit(SEARCH_LIMIT)
        )
    )


def get_customer(actor: User, customer_id: int) -> Customer:
    """Raises NotAllowed, or NotFound for an unknown id."""
    _require(actor)
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("customer")
    return customer


def customer_cases(actor: User, customer: Customer) -> list[Case]:
    """The customer's cases, through the one door (visible_cases), oldest first."""
    return list(
        db.session.scalars(
            visible_cases(actor).where(Case.customer_id == customer.id).order_by(Case.id)
        )
    )


def erasure_of(customer: Customer) -> CustomerErasure | None:
    return db.session.get(CustomerErasure, customer.id)


def anonymisation_of(case: Case) -> CaseAnonymisation | None:
    return db.session.get(CaseAnonymisation, case.id)


# ---- requests --------------------------------------------------------------------------------


def open_request(
    actor: User, customer: Customer, *, kind: str, received_on: date, note: str = ""
) -> PrivacyRequest:
    """Record a request of the customer, due REQUEST_DUE_DAYS after it was received. Raises
    NotAllowed or PrivacyError("kind_unknown"/"received_in_future")."""
    _require(actor)
    if kind not in REQUEST_KINDS:
        raise PrivacyError("kind_unknown")
    if received_on > utcnow().date() + timedelta(days=1):
        raise PrivacyError("received_in_future")
    found = PrivacyRequest(
        customer_id=customer.id,
        kind=kind,
        status="open",
        received_on=received_on,
        due_on=received_on + timedelta(days=REQUEST_DUE_DAYS),
        note=note.strip(),
        created_by_id=actor.id,
        created_at=utcnow(),
    )
    db.session.add(found)
    db.session.flush()
    record(
        "privacy.request_opened",
        actor=actor,
        entity_type="privacy_request",
        entity_id=found.id,
        after={"kind": kind, "received_on": received_on, "due_on": found.due_on},
    )
    return found


def close_request(
    actor: User, request: PrivacyRequest, *, status: str, outcome: str = ""
) -> PrivacyRequest:
    """Mark a request done or refused (a refusal needs its reason). Raises NotAllowed,
    Conflict("request_closed") or PrivacyError("status_unknown"/"outcome_missing")."""
    _require(actor)
    if request.status != "open":
        raise Conflict("request_closed")
    if status not in ("done", "refused"):
        raise PrivacyError("status_unknown")
    outcome = outcome.strip()
    if status == "refused" and not outcome:
        raise PrivacyError("outcome_missing")
    request.status, request.outcome = status, outcome
    request.handled_by_id, request.handled_at = actor.id, utcnow()
    db.session.flush()
    record(
        "privacy.request_closed",
        actor=actor,
        entity_type="privacy_request",
        entity_id=request.id,
        before={"status": "open"},
        after={"status": status},
    )
    return request


def get_request(actor: User, request_id: int) -> PrivacyRequest:
    _require(actor)
    found = db.session.get(PrivacyRequest, request_id)
    if found is None:
        raise NotFound("privacy_request")
    return found


def requests_of(customer: Customer) -> list[PrivacyRequest]:
    return list(
        db.session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.customer_id == customer.id)
            .order_by(PrivacyRequest.id.desc())
        )
    )


def open_requests(actor: User, limit: int = 200) -> list[PrivacyRequest]:
    """Requests still open, the most urgent first, then the latest closed ones."""
    _require(actor)
    pending = select(PrivacyRequest).where(PrivacyRequest.status == "open")
    closed = select(PrivacyRequest).where(PrivacyRequest.status != "open")
    return list(
        db.session.scalars(pending.order_by(PrivacyRequest.due_on, PrivacyRequest.id))
    ) + list(db.session.scalars(closed.order_by(PrivacyRequest.id.desc()).limit(limit)))


# ---- correction and erasure ------------------------------------------------------------------


@dataclass
class CorrectionInput:
    name: str
    email: str
    phone: str
    # 利用停止: no more satisfaction surveys (the one use beyond answering the customer).
    survey_opt_out: bool = False


def correct_customer(
    actor: User, customer: Customer, data: CorrectionInput, *, request: PrivacyRequest | None
) -> dict[str, Any]:
    """Change the customer's name, e-mail and phone; the audit event keeps them masked.
    Raises NotAllowed, Conflict("customer_erased") or PrivacyError("email_taken"...).
    Returns the fields changed (masked)."""
    _require(actor)
    if erasure_of(customer) is not None:
        raise Conflict("customer_erased")
    new: dict[str, Any] = {
        "name": data.name.strip() or None,
        "email": unicodedata.normalize("NFKC", data.email).strip().lower() or None,
        "phone": normalise_phone(data.phone) or None,
        "survey_opt_out": data.survey_opt_out,
    }
    changed = {k: v for k, v in new.items() if getattr(customer, k) != v}
    if not changed:
        return {}
    before = {k: _masked(getattr(customer, k)) for k in changed}
    for key, value in changed.items():
        setattr(customer, key, value)
    db.session.flush()
    after = {k: _masked(v) for k, v in changed.items()}
    record(
        "privacy.customer_corrected",
        actor=actor,
        entity_type="customer",
        entity_id=customer.id,
        before=before,
        after=after | ({"request_id": request.id} if request else {}),
    )
    return after


def erase_customer(
    actor: User, customer: Customer, *, reason: str, request: PrivacyRequest | None
) -> int:
    """On the customer's request: empty their contact data and the free text of every case
    of theirs (kept as anonymised records). Raises NotAllowed, Conflict("customer_erased") or
    PrivacyError("reason_missing"). Returns the number of cases anonymised."""
    _require(actor)
    reason = reason.strip()
    if not reason:
        raise PrivacyError("reason_missing")
    if erasure_of(customer) is not None:
        raise Conflict("customer_erased")
    case_ids = [c.id for c in customer_cases(actor, customer)]
    cases = anonymise_cases(case_ids, reason="request", actor=actor, request=request)
    erase_customers([customer.id], reason="request", actor=actor, request=request)
    record(
        "privacy.customer_erased",
        actor=actor,
        entity_type="customer",
        entity_id=customer.id,
        after={"cases": cases, "reason": reason} | ({"request_id": request.id} if request else {}),
    )
    return cases


# ---- disclosure ------------------------------------------------------------------------------

CASE_FIELDS = (
    "id",
    "kind",
    "channel",
    "received_at",
    "product",
    "subject",
    "customer_words",
    "remedy_requested",
    "severity",
    "status",
    "created_at",
    "updated_at",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def disclosure(actor: User, customer: Customer) -> dict[str, Any]:
    """Everything relq holds on the customer, as plain data: their row, their cases' fields,
    references and notes, their survey answers, their requests and the audit events about
    them and their cases (what was done, when; not which colleague did it)."""
    _require(actor)
    cases = customer_cases(actor, customer)
    case_ids = [c.id for c in cases]
    notes: dict[int, list[Note]] = {}
    if case_ids:
        for note in db.session.scalars(
            select(Note).where(Note.case_id.in_(case_ids)).order_by(Note.case_id, Note.id)
        ):
            notes.setdefault(note.case_id, []).append(note)
    surveys = _surveys(case_ids)
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.case_id.in_(case_ids) if case_ids else False,
                    (AuditEvent.entity_type == "customer") & (AuditEvent.entity_id == customer.id),
                    (AuditEvent.entity_type == "privacy_request")
                    & AuditEvent.entity_id.in_(
                        select(PrivacyRequest.id).where(PrivacyRequest.customer_id == customer.id)
                    ),
                )
            )
            .order_by(AuditEvent.id)
        )
    )
    customer_values = {
        name: _plain(getattr(customer, name))
        for name in ("id", "name", "email", "phone", "created_at", "language", "survey_opt_out")
        if hasattr(customer, name)
    }
    return {
        "generated_at": utcnow().isoformat(),
        "customer": customer_values,
        "cases": [
            {name: _plain(getattr(case, name)) for name in CASE_FIELDS}
            | {
                "ref": case.ref,
                "notes": [
                    {"kind": n.kind, "created_at": _plain(n.created_at), "body": n.body}
                    for n in notes.get(case.id, [])
                ],
                "survey": surveys.get(case.id),
            }
            for case in cases
        ],
        "requests": [
            {
                "id": r.id,
                "kind": r.kind,
                "status": r.status,
                "received_on": _plain(r.received_on),
                "due_on": _plain(r.due_on),
                "handled_at": _plain(r.handled_at),
            }
            for r in requests_of(customer)
        ],
        "audit_events": [
            {
                "at": _plain(e.at),
                "action": e.action,
                "object": e.entity_type,
                "case_id": e.case_id,
                "before": e.before,
                "after": e.after,
            }
            for e in events
        ],
    }


def _surveys(case_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The customer's satisfaction answers (relq/csat), when that capability is installed."""
    table = db.metadata.tables.get("csat_surveys")
    if table is None or not case_ids:
        return {}
    rows = db.session.execute(
        select(
            table.c.case_id,
            table.c.state,
            table.c.sent_at,
            table.c.answered_at,
            table.c.score,
            table.c.comment,
        ).where(table.c.case_id.in_(case_ids))
    ).all()
    return {
        row.case_id: {
            "state": row.state,
            "sent_at": _plain(row.sent_at),
            "answered_at": _plain(row.answered_at),
            "score": row.score,
            "comment": row.comment,
        }
        for row in rows
    }


def disclosure_zip(data: dict[str, Any]) -> bytes:
    """The disclosure as a zip: customer.json (everything) and cases.csv, notes.csv (UTF-8
    with a BOM, which Excel opens in Japanese)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr(
            "cases.csv",
            _csv(
                ["ref", *CASE_FIELDS],
                [[case["ref"], *(case[name] for name in CASE_FIELDS)] for case in data["cases"]],
            ),
        )
        archive.writestr(
            "notes.csv",
            _csv(
                ["ref", "kind", "created_at", "body"],
                [
                    [case["ref"], n["kind"], n["created_at"], n["body"]]
                    for case in data["cases"]
                    for n in case["notes"]
                ],
            ),
        )
    return buffer.getvalue()


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        # A cell that a spreadsheet would read as a formula is kept as text.
        writer.writerow(
            ["'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v for v in row]
        )
    return "\ufeff" + out.getvalue()


def record_disclosure(actor: User, customer: Customer, *, request: PrivacyRequest | None) -> None:
    """Audit that the customer's data was exported (the export itself is the response)."""
    _require(actor)
    record(
        "privacy.disclosed",
        actor=actor,
        entity_type="customer",
        entity_id=customer.id,
        after={"request_id": request.id} if request else None,
    )
