"""One family of domain errors (relq/errors.py), answered in one place: a page for people,
JSON for programs, with the status the error names; no view needs to catch them."""

from __future__ import annotations

import pytest

from relq.access import ANONYMOUS, allow
from relq.cases.services import EditConflict, IllegalTransition, MissingInput
from relq.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from relq.org.services import OrgError


class _Case:
    id, status = 7, "closed"


@pytest.mark.parametrize(
    "error, status",
    [
        (NotAllowed(), 403),
        (NotFound("no_such_case"), 404),
        (Conflict("changed"), 409),
        (Invalid("missing"), 422),
        (OrgError("not_allowed"), 403),
        (OrgError("code_taken"), 422),
        (IllegalTransition(_Case(), "reopen"), 409),
        (EditConflict(_Case(), None), 409),
        (MissingInput("reason"), 422),
    ],
)
def test_a_domain_error_is_answered_with_its_status_as_a_page_or_as_json(app, error, status):
    @app.get("/raise-for-test")
    @allow(ANONYMOUS)
    def raise_for_test():
        raise error

    http = app.test_client()
    page = http.get("/raise-for-test")
    assert page.status_code == status
    assert page.mimetype == "text/html" and f"<h1>{status}</h1>" in page.get_data(as_text=True)
    data = http.get("/raise-for-test", headers={"Accept": "application/json"})
    assert data.status_code == status
    assert data.get_json() == {"error": error.code, "status": status}
    assert isinstance(error, DomainError)
