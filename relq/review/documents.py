"""The pack's PDF, off the request path: a person asks for it (POST), the job renders it (the
figures, the charts as PNG, WeasyPrint: seconds on a large office, see bench/README.md) and
stores it; the page links the stored PDF, which GET serves as it is.

Where the job runs follows relq.background (an RQ worker, a thread of the web process); when
the installation runs no background work, the request renders it itself.

Current or not: the document keeps the versions of relq.cache's topics that the pack reads
("cases" holds the cases, their clocks, escalations, surges, surveys and the reviews
themselves; "tags", "deadlines" and "org" the rest), read in the same transaction before the
figures. A write to any of them replaces its version when it commits, so a document whose
versions are still the current ones was rendered from the figures as they are now; otherwise
the page says it is out of date and offers to render it again. No time-to-live is involved.

The documents' own rows are written with SQL text, which relq.cache does not watch (its
module says so): no cached read depends on them, and an ORM write would bump "cases" (the
topic of every table it does not list) and so make every document, this one included, out of
date the moment it was stored.
"""

from __future__ import annotations

import logging

from flask import current_app, g
from flask_babel import force_locale
from sqlalchemy import JSON, LargeBinary, bindparam, select, text

from relq.cache import versions
from relq.db import UTCDateTime, db, transaction, utcnow
from relq.errors import NotAllowed
from relq.org.models import User
from relq.review.models import ManagementReview, ReviewDocument
from relq.review.pack import review_pack
from relq.review.pdf import pack_html, render_pdf
from relq.review.periods import of_review

log = logging.getLogger(__name__)
TOPICS = ("cases", "tags", "deadlines", "org")
LOCALES = ("ja", "en")


def _versions() -> dict[str, int]:
    found = versions()
    return {topic: found.get(topic) for topic in TOPICS}


def document_of(review: ManagementReview, locale: str) -> ReviewDocument | None:
    return db.session.scalar(
        select(ReviewDocument)
        .where(ReviewDocument.review_id == review.id, ReviewDocument.locale == locale)
        .execution_options(populate_existing=True)
    )


def is_current(document: ReviewDocument) -> bool:
    """Whether the figures are unchanged since the document's were read."""
    return document.status == "ready" and document.topic_versions == _versions()


_REQUEST_NEW = text(
    "INSERT INTO review_documents "
    "(review_id, locale, status, requested_by_id, requested_at, topic_versions, error) "
    "VALUES (:review_id, :locale, 'pending', :user_id, :at, :versions, '')"
).bindparams(bindparam("at", type_=UTCDateTime()), bindparam("versions", type_=JSON()))
_REQUEST_AGAIN = text(
    "UPDATE review_documents SET status = 'pending', error = '', "
    "requested_by_id = :user_id, requested_at = :at WHERE id = :id"
).bindparams(bindparam("at", type_=UTCDateTime()))
_READY = text(
    "UPDATE review_documents SET status = 'ready', pdf = :pdf, rendered_at = :at, "
    "topic_versions = :versions WHERE id = :id AND status = 'pending'"
).bindparams(
    bindparam("pdf", type_=LargeBinary()),
    bindparam("at", type_=UTCDateTime()),
    bindparam("versions", type_=JSON()),
)
_FAILED = text(
    "UPDATE review_documents SET status = 'failed', error = :error "
    "WHERE id = :id AND status = 'pending'"
)


def request_document(actor: User, review: ManagementReview, locale: str) -> None:
    """Ask for the pack's PDF in `locale` (rendered again if there is one). Raises NotAllowed.
    Not audited: a rendering changes nothing the review says."""
    from relq.review.services import can_read_reviews

    if not can_read_reviews(actor):
        raise NotAllowed("not_allowed")
    locale = locale if locale in LOCALES else LOCALES[0]
    document = document_of(review, locale)
    values = {"user_id": actor.id, "at": utcnow()}
    if document is None:
        db.session.execute(
            _REQUEST_NEW, values | {"review_id": review.id, "locale": locale, "versions": {}}
        )
    else:
        db.session.execute(_REQUEST_AGAIN, values | {"id": document.id})


def render_document(document_id: int) -> None:
    """Render one document as its requester sees the pack: read in one read transaction (the
    topic versions, then the figures), written in a short transaction of its own (on SQLite
    the write lock is not held while WeasyPrint works)."""
    app = current_app._get_current_object()
    db.session.rollback()  # a fresh snapshot
    document = db.session.scalar(
        select(ReviewDocument)
        .where(ReviewDocument.id == document_id)
        .execution_options(populate_existing=True)
    )
    if document is None or document.status != "pending":
        db.session.rollback()
        return
    seen = _versions()  # before the figures: a later write makes the document stale
    review = db.session.get(ManagementReview, document.review_id)
    reader = document.requested_by
    try:
        with app.test_request_context(f"/reviews/{review.id}"), force_locale(document.locale):
            g._login_user = reader  # the pack is read as its requester sees it
            pack = review_pack(reader, of_review(review), locale=document.locale)
            pack.actions = list(review.actions)
            pdf = render_pdf(pack_html(review, pack))
    except Exception as error:  # noqa: BLE001 (kept on the document, shown on the page)
        log.exception("review document %s failed", document_id)
        db.session.rollback()
        with transaction():
            db.session.execute(_FAILED, {"id": document_id, "error": type(error).__name__[:200]})
        return
    db.session.rollback()
    with transaction():
        db.session.execute(
            _READY, {"id": document_id, "pdf": pdf, "at": utcnow(), "versions": seen}
        )


def render_pending_documents() -> None:
    """The job: render every document asked for and not rendered yet."""
    pending = list(
        db.session.scalars(
            select(ReviewDocument.id)
            .where(ReviewDocument.status == "pending")
            .order_by(ReviewDocument.requested_at)
        )
    )
    for document_id in pending:
        render_document(document_id)
