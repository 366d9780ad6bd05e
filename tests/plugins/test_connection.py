"""``MeteredReader``: the flood budget of a plugin's or an extension's output, against a clock
the test moves (the budget is about message counts in time, not about this machine's speed)."""

from __future__ import annotations

import io
import types

import pytest

from symphony.plugins import _connection
from symphony.plugins._connection import MeteredReader


@pytest.fixture
def clock(monkeypatch):
    now = types.SimpleNamespace(t=100.0)
    monkeypatch.setattr(_connection, "time", types.SimpleNamespace(monotonic=lambda: now.t))
    return now


def reader(lines: int, budget: int, tripped: list[str], max_line: int = 1024) -> MeteredReader:
    data = b"".join(b'{"method": "log", "params": {"n": %d}}\n' % i for i in range(lines))
    return MeteredReader(io.BytesIO(data), max_line, budget, tripped.append)


def test_a_burst_straddling_a_second_boundary_trips_the_budget(clock):
    tripped: list[str] = []
    r = reader(20, 10, tripped)
    clock.t = 100.95
    served = [r.readline() for _ in range(6)]
    clock.t = 101.05  # a fixed one-second window would start afresh here
    served += [r.readline() for _ in range(6)]
    assert tripped == ["sent more than 10 messages in a second"]
    assert sum(line != b"\n" for line in served) == 10  # the 11th and after are never served


def test_the_budget_spread_over_seconds_is_not_a_flood(clock):
    tripped: list[str] = []
    r = reader(40, 10, tripped)
    for _ in range(40):
        assert r.readline() != b"\n"
        clock.t += 0.11  # under 10 a second, forever
    assert tripped == [] and not r.tripped


def test_expected_answers_do_not_count(clock):
    tripped: list[str] = []
    r = reader(30, 10, tripped)
    r.expect(25)
    assert all(r.readline() != b"\n" for _ in range(30))
    assert tripped == []


def test_a_line_over_max_line_is_skipped_and_counted(clock):
    tripped: list[str] = []
    r = MeteredReader(io.BytesIO(b"x" * 5000 + b"\nok\n"), 1024, 10, tripped.append)
    assert r.readline() == b"\n"
    assert r.oversized == 1
    assert r.readline() == b"ok\n"
    assert r.readline() == b""
