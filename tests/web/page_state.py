"""Reading a ``symphony web`` page's state in a test, through its ``window.symphony`` hooks,
each after ``symphony.whenIdle()`` (no request pending, the last update painted): never a
duration."""

from __future__ import annotations

from typing import Any


def idle(page: Any) -> None:
    """Wait until the page has nothing in flight and has painted its last update."""
    page.evaluate("symphony.whenIdle()")


def lines(page: Any) -> list[str | None]:
    """The texts of the painted lines (None: a line not yet sent by the core)."""
    idle(page)
    return page.evaluate("symphony.visibleLines()")


def cursors(page: Any) -> list[list[int]]:
    """``[line, col]`` of each painted caret."""
    idle(page)
    return page.evaluate("symphony.cursors()")


def contents(page: Any) -> str:
    """The active view's whole text, from the core."""
    idle(page)
    return page.evaluate("symphony.contents()")
