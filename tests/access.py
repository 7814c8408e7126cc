"""The actors of the access matrix (tests/test_access_matrix.py), shared with the capabilities'
`access_rules.py`.

The case under test was taken in by the contact centre (cs) and routed to quality assurance
(qa): lead_owner owns it, lead_intake leads the department that took it in, lead_other leads an
unrelated department (for whom the case does not exist).
"""

ANON = "anonymous"
ACTORS = ("operator", "lead_owner", "lead_intake", "lead_other", "executive", "admin")
EVERYONE = set(ACTORS)
CASE_WORKERS = {"operator", "lead_owner", "lead_intake"}
