"""eNPS: Survey rounds, invitations and the respondent's page (skeleton)."""

from __future__ import annotations

from flask import Blueprint

from relq.nav import NavItem

bp = Blueprint("rounds", __name__)

# What this part adds to the eNPS capability (relq/enps/capability.py gathers them).
MENU: tuple[NavItem, ...] = ()
AUDIT_LABELS: dict = {}
AUDIT_OBJECTS: dict = {}
