"""Notifications are personal: every logged-in role has its own list and settings. Reading
someone else's notification is a 404 (tests/notify/test_pages.py); the matrix posts no id, which
is a malformed request (400) for everyone."""

from tests.access import EVERYONE

EXPECTED = {
    "notify.index": EVERYONE,
    "notify.read": EVERYONE,
    "notify.read_all": EVERYONE,
    "notify.preferences": EVERYONE,
}
