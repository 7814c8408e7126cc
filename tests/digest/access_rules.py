"""Access-matrix rows for the weekly digest.

Executives and admins read every digest, a lead their own department's (a lead's page opens on
their department); operators have none. Only admins archive a week by hand (POST). The
delivery's pages (relq/digest/delivery_views.py): anyone logged in chooses their own
subscription; admins see who receives what.
"""

from relq.db import utcnow
from relq.digest.week import IsoWeek

READERS = {"lead_owner", "lead_intake", "lead_other", "executive", "admin"}
EXPECTED = {
    "digest.index": READERS,
    "digest.week": READERS,
    "digest.archive_list": READERS,
    "digest.archive": {"admin"},
    "digest.delivery.subscription": {
        "operator",
        "lead_owner",
        "lead_intake",
        "lead_other",
        "executive",
        "admin",
    },
    "digest.delivery.readers": {"admin"},
}


def arguments(org, case):
    return {"week": str(IsoWeek.last_complete(utcnow()))}
