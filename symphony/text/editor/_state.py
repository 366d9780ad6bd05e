"""``BufferState``: what every group of a buffer's commands reads and writes, and the
parameter and line helpers they share.

``Buffer`` is assembled from one class per concept (``_editing``, ``_selecting``,
``_movement``, ``_finding``, ``_recording``, ``_scrolling``), each a subclass of this one:
the attributes are declared here once, and the few methods one group calls in another
(``apply``, ``text``, ``_target``, ...) are named here and defined where they belong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...errors import RpcError
from .._delta import Delta
from .._rope import Rope
from ._files import FileInfo
from ._selection import Region
from ._undo import History
from ._view import View
from ._wrap import WrapIndex

__all__ = ["INVALID_PARAMS", "MAX_SCROLL_HEIGHT", "METHOD_NOT_FOUND", "BufferState", "Edit", "Request", "Send",
           "line_len", "merge_edits", "pair", "param"]

INVALID_PARAMS = -32602
#: Most lines a scroll window may span (a larger ``scroll`` is cut to this).
MAX_SCROLL_HEIGHT = 1000
METHOD_NOT_FOUND = -32601

Send = Callable[[str, dict[str, Any]], None]
#: ``request(method, params, on_result)``: ask the frontend; ``on_result(result)`` runs
#: later in the buffer's own context (``None`` result when the frontend answered an error).
Request = Callable[[str, Any, Callable[[Any], None]], None]
#: ``(start, end, text)``: replace ``[start, end)`` by ``text`` (offsets before the edit).
Edit = tuple[int, int, str]


def param(params: Any, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    """Parameter ``key`` of type ``kind``, or ``RpcError(-32602)``."""
    if not isinstance(params, dict):
        if default is not ...:
            return default
        raise RpcError(INVALID_PARAMS, f"params must be an object with {key!r}")
    if key not in params:
        if default is ...:
            raise RpcError(INVALID_PARAMS, f"missing parameter {key!r}")
        return default
    value = params[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RpcError(INVALID_PARAMS, f"parameter {key!r} has the wrong type")
    return value


def pair(params: Any) -> tuple[int, int]:
    if (not isinstance(params, (list, tuple)) or len(params) < 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in params[:2])):
        raise RpcError(INVALID_PARAMS, "expected [int, int]")
    return int(params[0]), int(params[1])


def line_len(rope: Rope, line: int) -> int:
    """Length of ``line`` without its newline, in O(log n) (no copy of a long line)."""
    start = rope.offset_of_line(line)
    if line + 1 < rope.line_count:
        return rope.offset_of_line(line + 1) - 1 - start
    return len(rope) - start


def merge_edits(edits: list[Edit]) -> list[Edit]:
    """Sort deletions and join overlapping ones (two carets deleting the same character)."""
    out: list[Edit] = []
    for s, e, t in sorted(edits):
        if out and s < out[-1][1] or (out and s == out[-1][1] and s == e and not t):
            ps, pe, pt = out[-1]
            out[-1] = (ps, max(pe, e), pt + t)
        else:
            out.append((s, e, t))
    return out


class BufferState:
    """The state of one document (see ``Buffer``) and the methods its command groups share."""

    send: Send
    request: Request | None
    config: dict[str, Any]
    info: FileInfo | None
    path: str | None
    rope: Rope
    saved: Rope
    views: dict[str, View]
    history: History
    wrap: WrapIndex | None
    kill_ring: str
    recordings: dict[str, list[tuple[str, Any]]]
    recording: str | None
    _commands: dict[str, Callable[[View, Any], Any]]

    # defined by Buffer
    def text(self) -> str:
        raise NotImplementedError

    def apply(self, view: View | None, edits: list[Edit], kind: str,
              carets: Callable[[list[int]], list[Region]] | None = None, *, author: str = "user",
              priority: int = 0x10000, after_cursor: bool = False, join: bool = False) -> None:
        raise NotImplementedError

    def replace_selections(self, view: View, texts: list[str] | str, kind: str) -> None:
        raise NotImplementedError

    def configure_wrap(self) -> None:
        raise NotImplementedError

    def _restore(self, rope: Rope, sels: dict[str, list[Region]], first_line: int, tail: int,
                 delta: Delta | None = None, kind: str = "undo", group: int | None = None) -> None:
        raise NotImplementedError

    # defined by MovementCommands
    def _target(self, view: View, region: Region, movement: str, extend: bool) -> Region:
        raise NotImplementedError
