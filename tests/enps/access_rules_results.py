"""Access-matrix rows for eNPS results (gathered by tests/enps/access_rules.py).

The matrix's round is the rounds' draft round (its pages say it has not been opened) and its
department is QA: executives and admins read every results page; QA's lead reads QA's page
(the CSV without a department is the company's: not theirs); other leads are redirected from
the index to their own department's page; operators read none.
"""

from __future__ import annotations

MANAGEMENT = {"executive", "admin"}
EXPECTED = {
    "enps.results.index": {"lead_owner", "lead_intake", "lead_other", "executive", "admin"},
    "enps.results.round": MANAGEMENT,
    "enps.results.department": {"lead_owner", "executive", "admin"},
    "enps.results.download": MANAGEMENT,
    "enps.results.cx_ex": MANAGEMENT,
}
