"""A frontend written for the tests: it speaks the xi protocol over a pipe and keeps a line
cache from ``update`` ops alone, the way a real frontend must.

Deliberately independent of the server's classes: it knows only the wire format.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is not a finite number")
    return value


def strict_loads(raw: bytes | str) -> Any:
    """``json.loads`` that refuses what JSON does not have (``NaN``, ``Infinity``, ``1e999``)."""
    return json.loads(raw, parse_constant=_not_json, parse_float=_finite)


@dataclass
class Line:
    text: str
    cursor: list[int] = field(default_factory=list)
    styles: list[int] = field(default_factory=list)


class LineCache:
    """A frontend's cache: one entry per document line, ``None`` where invalid."""

    def __init__(self) -> None:
        self.lines: list[Line | None] = []

    def apply(self, ops: list[dict[str, Any]]) -> None:
        new: list[Line | None] = []
        old_ix = 0
        for op in ops:
            kind, n = op["op"], op["n"]
            assert n > 0, op
            if kind == "copy":
                assert old_ix + n <= len(self.lines), (op, old_ix, len(self.lines))
                new.extend(self.lines[old_ix:old_ix + n])
                old_ix += n
            elif kind == "skip":
                old_ix += n
            elif kind == "invalidate":
                new.extend([None] * n)
            elif kind == "ins":
                assert len(op["lines"]) == n
                for line in op["lines"]:
                    new.append(Line(line["text"], list(line.get("cursor", [])), list(line.get("styles", []))))
            elif kind == "update":
                for line in op["lines"]:
                    prev = self.lines[old_ix]
                    old_ix += 1
                    if prev is None:
                        new.append(None)
                    else:
                        new.append(Line(prev.text, list(line.get("cursor", prev.cursor)),
                                        list(line.get("styles", prev.styles))))
            else:
                raise AssertionError(f"unknown op {kind}")
        self.lines = new

    def check(self, text: str) -> None:
        """Every valid line equals the same line of ``text`` (terminator included); counts agree."""
        expected = text.split("\n")
        assert len(self.lines) == len(expected), (len(self.lines), len(expected))
        for i, line in enumerate(self.lines):
            if line is None:
                continue
            want = expected[i] + ("\n" if i < len(expected) - 1 else "")
            assert line.text == want, (i, line.text, want)

    def valid(self) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line is not None]

    def cursors(self) -> list[tuple[int, int]]:
        """``(line, utf8 col)`` of every cursor in valid lines."""
        return [(i, c) for i, line in enumerate(self.lines) if line is not None for c in line.cursor]

    def selections(self, style: int = 0) -> list[tuple[int, int, int]]:
        """``(line, start, end)`` in UTF-8 columns of every span of ``style``."""
        out = []
        for i, line in enumerate(self.lines):
            if line is None:
                continue
            end = 0
            st = line.styles
            for k in range(0, len(st), 3):
                start = end + st[k]
                end = start + st[k + 1]
                if st[k + 2] == style:
                    out.append((i, start, end))
        return out


class XiClient:
    """Start ``symphony serve`` (or use the given streams) and talk to it."""

    def __init__(self, argv: list[str] | None = None) -> None:
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(argv or [sys.executable, "-m", "symphony", "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
        self.caches: dict[str, LineCache] = {}
        self.notifications: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.char_width_px = 8.0
        self.responses: dict[Any, queue.Queue[dict[str, Any]]] = {}
        self.errors: list[dict[str, Any]] = []  # error responses with id null
        self.log: list[dict[str, Any]] = []  # every message from the core, in arrival order
        self.bad_lines: list[bytes] = []  # output lines that are not strict JSON
        self.scroll_to: dict[str, tuple[int, int]] = {}
        self.pristine: dict[str, bool] = {}
        self._next = 0
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._stderr: list[bytes] = []
        self._err_reader = threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr), daemon=True)
        self._err_reader.start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            try:
                msg = strict_loads(raw)
            except ValueError:
                self.bad_lines.append(raw)
                continue
            self.log.append(msg)
            if "method" in msg and "id" in msg:  # a request from the core
                self.requests.append(msg)
                result = self.char_width_px if msg["method"] == "measure_width" else None
                if msg["method"] == "measure_width":
                    result = [[self.char_width_px * len(s) for s in req["strings"]] for req in msg["params"]]
                self.raw(json.dumps({"id": msg["id"], "result": result}).encode() + b"\n")
            elif "method" in msg:
                self.notifications.append(msg)
                params = msg.get("params") or {}
                if msg["method"] == "update":
                    vid = params["view_id"]
                    self.caches.setdefault(vid, LineCache()).apply(params["update"]["ops"])
                    self.pristine[vid] = params["update"]["pristine"]
                elif msg["method"] == "scroll_to":
                    self.scroll_to[params["view_id"]] = (params["line"], params["col"])
            else:
                rid = msg.get("id")
                if rid is None:
                    self.errors.append(msg)
                    continue
                with self._lock:
                    q = self.responses.setdefault(rid, queue.Queue())
                q.put(msg)

    # -- sending --------------------------------------------------------------------------

    def raw(self, line: bytes) -> None:
        self.proc.stdin.write(line)
        self.proc.stdin.flush()

    def notify(self, method: str, params: Any = None) -> None:
        msg: dict[str, Any] = {"method": method}
        if params is not None:
            msg["params"] = params
        self.raw(json.dumps(msg).encode() + b"\n")

    def request_raw(self, method: str, params: Any = None, timeout: float = 30) -> dict[str, Any]:
        with self._lock:
            rid = self._next
            self._next += 1
            q = self.responses.setdefault(rid, queue.Queue())
        msg: dict[str, Any] = {"id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.raw(json.dumps(msg).encode() + b"\n")
        return q.get(timeout=timeout)

    def request(self, method: str, params: Any = None) -> Any:
        answer = self.request_raw(method, params)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["result"]

    # -- helpers --------------------------------------------------------------------------

    def new_view(self, path: str | None = None) -> str:
        params = {"file_path": path} if path else {}
        return self.request("new_view", params)

    def edit(self, view: str, method: str, params: Any = None) -> None:
        body: dict[str, Any] = {"view_id": view, "method": method}
        if params is not None:
            body["params"] = params
        self.notify("edit", body)

    def edit_request(self, view: str, method: str, params: Any = None) -> Any:
        body: dict[str, Any] = {"view_id": view, "method": method}
        if params is not None:
            body["params"] = params
        return self.request("edit", body)

    def contents(self, view: str) -> str:
        """The server's whole text (a request, so every earlier update has been read)."""
        return self.edit_request(view, "debug_get_contents")

    def sync_check(self, view: str, expected: str | None = None) -> str:
        """Wait for the server, then check the line cache of ``view`` against its text."""
        text = self.contents(view)
        if expected is not None:
            assert text == expected, (text, expected)
        self.caches[view].check(text)
        return text

    def last(self, method: str) -> dict[str, Any] | None:
        for msg in reversed(self.notifications):
            if msg["method"] == method:
                return msg["params"]
        return None

    def close(self) -> int:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self._reader.join(5)
            self._err_reader.join(5)
            self.proc.stdout.close()
            self.proc.stderr.close()

    def stderr(self) -> str:
        return b"".join(self._stderr).decode(errors="replace")
