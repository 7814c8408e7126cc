"""The indexes the relationship map reads through (no tables of its own).

Its medians walk each edge's values in order (a window function on SQLite, percentile_cont on
PostgreSQL). Measured over 50,000 handoffs on SQLite, the median of every edge's turnaround took
0.44 s reading the table and sorting, and 0.06 s walking a covering index in edge and value
order (bench/README.md, "Relationship map"); the period's filter on requested_at is read from
the same index. Maintained aggregates were not needed: an exact median cannot be kept
incrementally without keeping every value anyway.
"""

from sqlalchemy import Index

from relq.handoffs.models import Handoff

EDGE_TURNAROUND = Index(
    "ix_handoffs_edge_turnaround",
    Handoff.requester_department_id,
    Handoff.provider_department_id,
    Handoff.turnaround_minutes,
    Handoff.requested_at,
)
EDGE_ACCEPT = Index(
    "ix_handoffs_edge_accept",
    Handoff.requester_department_id,
    Handoff.provider_department_id,
    Handoff.accept_minutes,
    Handoff.requested_at,
)
