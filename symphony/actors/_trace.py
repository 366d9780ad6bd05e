"""An opt-in trace of message spans, written in the Chrome trace-event format.

Like xi-editor's xi-trace: open the file in a browser's trace viewer (chrome://tracing or
Perfetto) to see, per actor and thread, when each message was enqueued and how long its
handling took. Off by default; when off, the runtime pays one attribute check per message.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

__all__ = ["Tracer"]

_now_ns = time.perf_counter_ns
_get_ident = threading.get_ident


class Tracer:
    """Collects trace events (bounded to ``capacity``; the oldest are dropped beyond it)."""

    def __init__(self, capacity: int = 1_000_000) -> None:
        from collections import deque

        self._events: deque[dict[str, Any]] = deque(maxlen=capacity)
        self._pid = os.getpid()
        self._origin = _now_ns()

    def now(self) -> int:
        """A timestamp for ``span``: nanoseconds on the performance counter."""
        return _now_ns()

    def instant(self, name: str, actor: str, kind: str) -> None:
        """Record a point event, such as a message entering ``actor``'s mailbox."""
        self._events.append({"name": f"{name} {kind}", "cat": actor, "ph": "i", "s": "t",
                             "ts": (_now_ns() - self._origin) / 1000.0, "pid": self._pid, "tid": _get_ident()})

    def span(self, actor: str, kind: str, start_ns: int) -> None:
        """Record that ``actor`` handled a ``kind`` message from ``start_ns`` until now."""
        end = _now_ns()
        self._events.append({"name": kind, "cat": actor, "ph": "X",
                             "ts": (start_ns - self._origin) / 1000.0, "dur": (end - start_ns) / 1000.0,
                             "pid": self._pid, "tid": _get_ident(), "args": {"actor": actor}})

    def events(self) -> list[dict[str, Any]]:
        """A snapshot of the recorded events."""
        return list(self._events)

    def to_chrome(self) -> dict[str, Any]:
        """The trace as a Chrome trace-event JSON object."""
        return {"traceEvents": self.events(), "displayTimeUnit": "ms"}

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the trace as Chrome trace-event JSON to ``path``."""
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_chrome(), fh)
