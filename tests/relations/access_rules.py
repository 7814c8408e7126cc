"""Access-matrix rows for the relationship map and the scorecards: leads and executives read
the map (reads only, no POST); a scorecard is its own lead's (qa: lead_owner) and management's."""

MAP_READERS = {"lead_owner", "lead_intake", "lead_other", "executive"}

EXPECTED = {
    "relations.index": MAP_READERS,
    "relations.edge": MAP_READERS,
    "relations.scorecards": MAP_READERS,
    "relations.department": {"lead_owner", "executive"},
}


def arguments(org, case) -> dict:
    return {"requester_id": org.cs.id, "provider_id": org.qa.id}
