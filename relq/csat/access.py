"""Who reads CSAT results, and what: the one door to cases decides.

Everyone who works cases reads /csat/ (operators, leads, executives, admins), and every figure
and comment there counts only the surveys of cases the reader may open
(relq.access.case_scope): a lead sees the cases routed to their department (and, for the
contact centre's lead, the cases it took in), executives and admins all, operators the cases
their customer-contact departments took in, wherever they were routed (the front line closes
the cases and hears how it went). A customer's comment is free text: shown only beside a case
the reader may open, so to nobody else.
"""

from __future__ import annotations

from relq.org.models import User

READERS = ("operator", "lead", "executive", "admin")


def can_read_results(user: User) -> bool:
    return bool(user.is_active and user.role in READERS)
