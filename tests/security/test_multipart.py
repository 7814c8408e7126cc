"""A multipart body is refused: relq takes no files, and werkzeug would silently turn invalid
UTF-8 in one into U+FFFD, so that what is saved is not what was sent."""

from __future__ import annotations

import sqlalchemy as sa

from relq.cases.models import Case
from tests.cases.test_intake import _form

BOUNDARY = "relqboundary"


def _multipart(fields: dict[str, bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value
        for name, value in fields.items()
    ]
    return b"\r\n".join(parts) + f"\r\n--{BOUNDARY}--\r\n".encode()


def test_invalid_utf8_in_a_multipart_intake_is_refused(org, login_as, session):
    client = login_as(org.operator)
    fields = {name: value.encode() for name, value in _form(client).items()}
    fields["subject"] = b"\xff\xfe\xff\xfe"
    response = client.http.post(
        "/cases/new",
        data=_multipart(fields),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 415
    assert "その形式で送られたフォームを受け付けません" in response.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_the_same_intake_urlencoded_is_saved(org, login_as, session):
    client = login_as(org.operator)
    assert client.post("/cases/new", _form(client)).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
