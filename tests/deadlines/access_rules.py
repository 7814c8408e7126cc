"""The deadline pages in the access matrix (tests/test_access_matrix.py)."""

EXPECTED = {
    # Attainment: leads for their own department, management for all.
    "deadlines.index": {"lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    "deadlines.policies": {"admin"},
    "deadlines.edit_policy": {"admin"},
}


def arguments(org, case) -> dict:
    return {"severity": 2}
