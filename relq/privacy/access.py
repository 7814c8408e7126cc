"""The privacy officer's named permissions. Admins act as the privacy officer (a separate
role would be one more line here)."""

from __future__ import annotations

from relq.org.models import User


def can_handle_privacy(user: User) -> bool:
    """Find customers, read and export their data, correct and erase it, track their
    requests, read the personal-data read log, set the retention periods."""
    return bool(user.is_active and user.role == "admin")


def can_read_purpose(user: User) -> bool:
    """The purpose of use: everyone who takes customer data in reads it to the customer."""
    return bool(user.is_active)
