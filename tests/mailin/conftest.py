"""E-mail intake's fixtures: the corpus (tests/mailin/corpus, bytes as clients send them), and
an app whose intake user is the contact centre's operator, with small attachment limits."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.fixture
def intake(app, org):
    app.config.update(
        MAILIN_INTAKE_USER=org.operator.email,
        MAILIN_MAX_ATTACHMENT_BYTES=2048,
        MAILIN_MAX_ATTACHMENTS_BYTES=4096,
        MAILIN_BATCH_PAUSE_MS=0,
    )
    return org.operator
