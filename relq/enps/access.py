"""Who may read eNPS results (the numbers themselves always pass relq/enps/gate.py).

Executives and admins read every department's results and the company's; a lead reads the
results of their own department (with the company's headline beside it, which every employee
sees on the published page once a round closes); operators read only the published page.
"""

from __future__ import annotations

from relq.org.models import User

READERS = ("lead", "executive", "admin")


def can_read_results(user: User, department_id: int | None) -> bool:
    """The results of one department (or, with None, the company's cuts and department
    table)."""
    if not user.is_active:
        return False
    if user.role in ("executive", "admin"):
        return True
    return user.role == "lead" and department_id is not None and user.department_id == department_id


def can_read_any_results(user: User) -> bool:
    """Whether the menu shows the results pages at all."""
    return user.is_active and user.role in READERS


def can_read_cx_ex(user: User) -> bool:
    """eNPS beside every department's customer and internal-customer record: management's
    page (a lead reads their own department's results and scorecard)."""
    return user.is_active and user.role in ("executive", "admin")


def can_manage_rounds(user: User) -> bool:
    """Admins run survey rounds: create, edit while draft, open, close, invite, import."""
    return bool(user.is_active and user.role == "admin")
