"""A frontend's connection to an editor core process, speaking the xi frontend protocol on stdio.

One client, shared by ``symphony edit`` and the editor benchmarks (which also drive the real
xi-core with it): line-delimited JSON-RPC out, a reader thread in.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["CoreConnection"]


class CoreConnection:
    """A core process (``symphony serve``, or any xi core in ``argv``) driven over stdio.

    Requests get their results through callbacks, notifications go to ``on_notification``
    (both on the reader thread: a callback must not block on the thread that calls
    :meth:`close`, or closing waits for it), and the core's own ``measure_width`` requests
    are answered with ``measure`` (the width of a string: terminal cells for a terminal
    frontend). The reader thread ends when the core closes its output, which :meth:`close`
    waits for before it closes the pipe.
    """

    def __init__(self, on_notification: Callable[[str, Any], None], argv: list[str] | None = None, *,
                 measure: Callable[[str], float] = len, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(argv or [sys.executable, "-m", "symphony", "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.on_notification = on_notification
        self.measure = measure
        self._next = 0
        self._waiting: dict[int, Callable[[Any, Any], None]] = {}
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="symphony-edit-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        try:
            for raw in self.proc.stdout:
                self._dispatch(raw)
        except (OSError, ValueError):  # the pipe was closed under us: the connection is over
            pass

    def _dispatch(self, raw: bytes) -> None:
        try:
            msg = json.loads(raw)
        except ValueError:
            return
        if not isinstance(msg, dict):
            return
        msg_id: Any = msg.get("id")
        if "method" in msg and "id" in msg:  # a request from the core
            result = None
            if msg["method"] == "measure_width":
                measure = self.measure
                result = [[float(measure(s)) for s in req.get("strings", [])] for req in msg.get("params") or []]
            self._write({"id": msg["id"], "result": result})
        elif "method" in msg:
            self.on_notification(msg["method"], msg.get("params"))
        else:
            with self._lock:
                callback = self._waiting.pop(msg_id, None)
            if callback is not None:
                callback(msg.get("result"), msg.get("error"))

    def _write(self, msg: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            with self._lock:
                self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
                self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    def notify(self, method: str, params: Any) -> None:
        """Send notification ``method``."""
        self._write({"method": method, "params": params})

    def request(self, method: str, params: Any, callback: Callable[[Any, Any], None] | None = None) -> None:
        """Send request ``method``; ``callback(result, error)`` gets the answer on the reader thread."""
        with self._lock:
            rid = self._next
            self._next += 1
            if callback is not None:
                self._waiting[rid] = callback
        self._write({"id": rid, "method": method, "params": params})

    def close(self) -> None:
        """End the core (closing its input; killed if it lingers) and wait for the reader thread."""
        try:
            if self.proc.stdin is not None:
                with self._lock:
                    self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(10)
        if not self._reader.is_alive() and self.proc.stdout is not None:
            self.proc.stdout.close()  # else a child of the core holds the pipe: the daemon reader keeps it
