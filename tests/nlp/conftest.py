"""Fixtures for relq.nlp: the real pipelines, loaded once for the whole test session."""

from __future__ import annotations

import pytest

from relq import nlp


@pytest.fixture(scope="session")
def pipelines() -> None:
    """Load the default ja/en pipelines once (the module caches them per process)."""
    nlp.warm_up()
