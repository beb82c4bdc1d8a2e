"""Fixtures of the linking tests (helpers in cluster_support.py)."""

from __future__ import annotations

import pytest
from cluster_support import ad


@pytest.fixture
def make_ad():
    return ad
