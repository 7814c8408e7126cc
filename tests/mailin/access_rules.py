"""Access-matrix rows for e-mail intake: admins look after stored messages; an attachment is
reached through its case, so whoever sees the case may download it (the logistics lead, for
whom the case does not exist, gets a 404)."""

from relq.db import db
from relq.mailin.models import InboundAttachment
from relq.mailin.parsing import Unreadable
from relq.mailin.services import mark_failed, receive_message
from tests.access import EVERYONE
from tests.mailin.conftest import corpus

EXPECTED = {
    "mailin.index": {"admin"},
    "mailin.message": {"admin"},
    "mailin.raw": {"admin"},
    "mailin.retry": {"admin"},
    "mailin.dismiss": {"admin"},
    "mailin.attachment": EVERYONE - {"lead_other"},
}
CASE_ROUTES = {"mailin.attachment"}


def arguments(org, case):
    failed = receive_message(corpus("broken.eml"), source="cli")
    db.session.flush()
    mark_failed(failed, Unreadable("the message has no From header"))
    carrier = receive_message(corpus("attachments.eml"), source="cli")
    db.session.flush()
    attachment = InboundAttachment(
        message_id=carrier.id,
        case_id=case.id,
        position=1,
        filename="保証書.pdf",
        content_type="application/pdf",
        size=4,
        is_stored=True,
        content=b"%PDF",
    )
    db.session.add(attachment)
    db.session.flush()
    return {"mail_id": failed.id, "attachment_id": attachment.id}
