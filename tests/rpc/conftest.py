"""Fixtures of the frontend-protocol tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .xi_client import XiClient


@pytest.fixture(scope="module")
def xi() -> Iterator[XiClient]:
    """One real ``symphony serve`` process per test module, driven by the test frontend; it
    must exit 0 on stdin's close, and every line it wrote must have been strict JSON with no
    traceback on stderr."""
    client = XiClient()
    client.request("client_started", {})
    yield client
    assert client.close() == 0, client.stderr()
    assert client.bad_lines == []
    assert "Traceback" not in client.stderr(), client.stderr()
