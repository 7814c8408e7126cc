"""eNPS: Results through the anonymity gate, drivers, comment themes, CX x EX (skeleton)."""

from __future__ import annotations

from flask import Blueprint

from relq.nav import NavItem

bp = Blueprint("results", __name__)

# What this part adds to the eNPS capability (relq/enps/capability.py gathers them).
MENU: tuple[NavItem, ...] = ()
AUDIT_LABELS: dict = {}
AUDIT_OBJECTS: dict = {}
