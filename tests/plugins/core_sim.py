"""A plugin's core, written for the tests: it starts a plugin process, speaks xi's plugin
protocol to it in raw JSON lines, keeps every revision of each buffer's text (in bytes) and
answers ``get_data`` from them the way xi-core's ``plugin_get_data`` does.

Deliberately independent of the SDK: it knows only the wire.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from typing import Any, Callable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_SIZE_LIMIT = 1024 * 1024


def _not_json(token: str) -> Any:
    raise ValueError(f"{token} is not JSON")


def strict_loads(raw: bytes | str) -> Any:
    return json.loads(raw, parse_constant=_not_json)


def _boundary(data: bytes, i: int) -> bool:
    return i <= 0 or i >= len(data) or not 0x80 <= data[i] <= 0xBF


def get_data(text: bytes, start: int, unit: str, max_size: int) -> dict[str, Any] | None:
    """xi-core's ``Editor::plugin_get_data`` on ``text`` (UTF-8 bytes)."""
    if unit == "utf8":
        if start > len(text):
            return None
        offset = start
        while not _boundary(text, offset):
            offset -= 1
    else:
        starts = [0] + [i + 1 for i, b in enumerate(text) if b == 0x0A]
        if start >= len(starts):
            return None
        offset = starts[start]
    end = offset + min(max_size, MAX_SIZE_LIMIT)
    if end >= len(text):
        end = len(text)
    else:
        while not _boundary(text, end):
            end -= 1
    first_line = text[:offset].count(b"\n")
    line_start = text.rfind(b"\n", 0, offset) + 1
    return {"chunk": text[offset:end].decode("utf-8"), "offset": offset, "first_line": first_line,
            "first_line_offset": offset - line_start}


def replace_delta(old: bytes, start: int, end: int, insert: str) -> dict[str, Any]:
    """xi's wire delta replacing bytes ``start..end`` of ``old`` with ``insert``."""
    els: list[dict[str, Any]] = []
    if start > 0:
        els.append({"copy": [0, start]})
    if insert:
        els.append({"insert": insert})
    if end < len(old):
        els.append({"copy": [end, len(old)]})
    return {"base_len": len(old), "els": els}


def plugin_env() -> dict[str, str]:
    path = ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")
    bindir = os.path.dirname(sys.executable)
    return dict(os.environ, PYTHONPATH=path, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))


def sdk_argv(spec: str) -> list[str]:
    return [sys.executable, "-m", "symphony.plugins.sdk", spec]


class Core:
    """Runs the plugin ``argv`` and plays xi-core to it."""

    def __init__(self, argv: list[str], *, plugin_id: int = 7, answer_get_data: bool = True) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=plugin_env(), cwd=ROOT)
        self.plugin_id = plugin_id
        self.answer_get_data = answer_get_data
        self.texts: dict[tuple[Any, int], bytes] = {}  # (view, rev) -> text
        self.rev: dict[Any, int] = {}
        self.log: list[dict[str, Any]] = []  # every message from the plugin, in order
        self.bad_lines: list[bytes] = []
        self.raw_lines: list[bytes] = []
        self._cond = threading.Condition()
        self._responses: dict[Any, queue.Queue[dict[str, Any]]] = {}
        self._next_id = 0
        self._stderr: list[bytes] = []
        self._out = threading.Thread(target=self._read, daemon=True)
        self._out.start()
        self._err = threading.Thread(target=lambda: self._stderr.extend(self.proc.stderr), daemon=True)
        self._err.start()

    # -- reading ----------------------------------------------------------------------------

    def _read(self) -> None:
        for raw in self.proc.stdout:
            self.raw_lines.append(raw)
            try:
                raw.decode("utf-8")
                msg = strict_loads(raw)
            except ValueError:
                self.bad_lines.append(raw)
                continue
            if "method" in msg and "id" in msg and msg["method"] == "get_data" and self.answer_get_data:
                self._answer_get_data(msg)
            if "method" not in msg and "id" in msg and msg["id"] in self._responses:
                self._responses[msg["id"]].put(msg)
            with self._cond:
                self.log.append(msg)
                self._cond.notify_all()

    def _answer_get_data(self, msg: dict[str, Any]) -> None:
        p = msg["params"]
        text = self.texts.get((p["view_id"], p["rev"]))
        result = None if text is None else get_data(text, p["start"], p["unit"], p["max_size"])
        self.send({"id": msg["id"], "result": result})

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], start: int = 0, timeout: float = 30.0) -> dict[str, Any]:
        """The first message from index ``start`` of the log that ``pred`` accepts (waiting for it)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            i = start
            while True:
                while i < len(self.log):
                    if pred(self.log[i]):
                        return self.log[i]
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._out.is_alive():
                    raise AssertionError(f"no such message; log: {self.log[start:]!r}\nstderr: {self.stderr()}")
                self._cond.wait(left)

    def method(self, name: str, start: int = 0, **match: Any) -> dict[str, Any]:
        """The first ``name`` message from the plugin from log index ``start`` whose params hold ``match``."""
        return self.wait_for(lambda m: m.get("method") == name and all(
            (m.get("params") or {}).get(k) == v for k, v in match.items()), start)

    def report(self, hook: str, start: int = 0) -> dict[str, Any]:
        """The next ``report:`` alert of ``hook`` from log index ``start``, decoded."""
        msg = self.wait_for(lambda m: m.get("method") == "alert"
                            and m["params"]["msg"].startswith("report:")
                            and json.loads(m["params"]["msg"][7:]).get("hook") == hook, start)
        return json.loads(msg["params"]["msg"][7:])  # type: ignore[no-any-return]

    def mark(self) -> int:
        with self._cond:
            return len(self.log)

    def stderr(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")

    # -- sending ----------------------------------------------------------------------------

    def send_raw(self, line: bytes) -> None:
        self.proc.stdin.write(line)
        self.proc.stdin.flush()

    def send(self, msg: Any) -> None:
        self.send_raw(json.dumps(msg).encode() + b"\n")

    def notify(self, method: str, params: Any) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: Any, timeout: float = 30.0) -> dict[str, Any]:
        """Send a request; the plugin's whole response object."""
        rid = self._next_id
        self._next_id += 1
        q: queue.Queue[dict[str, Any]] = queue.Queue()
        self._responses[rid] = q
        self.send({"id": rid, "method": method, "params": params})
        try:
            return q.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer to {method}; stderr: {self.stderr()}") from None

    # -- the protocol -------------------------------------------------------------------------

    def buffer_info(self, view: str, text: str, *, rev: int = 0, path: str | None = None, syntax: str = "Plain Text",
                    config: dict[str, Any] | None = None) -> dict[str, Any]:
        data = text.encode()
        self.texts[(view, rev)] = data
        self.rev[view] = rev
        info = {"buffer_id": len(self.rev), "views": [view], "rev": rev, "buf_size": len(data),
                "nb_lines": data.count(b"\n") + 1, "syntax": syntax, "config": config or {"tab_size": 4}}
        if path is not None:
            info["path"] = path
        return info

    def initialize(self, view: str = "view-id-1", text: str = "", **kw: Any) -> None:
        self.notify("ping", [])
        self.notify("initialize", {"plugin_id": self.plugin_id, "buffer_info": [self.buffer_info(view, text, **kw)]})

    def new_buffer(self, view: str, text: str = "", **kw: Any) -> None:
        self.notify("new_buffer", {"buffer_info": [self.buffer_info(view, text, **kw)]})

    def text(self, view: str) -> bytes:
        return self.texts[(view, self.rev[view])]

    def update(self, view: str, new_text: str, delta: Any = "auto", *, author: str = "user",
               edit_type: str = "insert", undo_group: int | None = 3) -> dict[str, Any]:
        """Move ``view`` to ``new_text`` (the next revision) and send the ``update`` request:
        ``delta`` is the wire delta, ``None`` for null, ``"auto"`` for a one-range replacement."""
        old = self.text(view)
        new = new_text.encode()
        if delta == "auto":
            start = 0
            while start < min(len(old), len(new)) and old[start] == new[start]:
                start += 1
            while not _boundary(old, start):
                start -= 1
            tail = 0
            while tail < min(len(old), len(new)) - start and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
                tail += 1
            while not _boundary(old, len(old) - tail):
                tail -= 1
            delta = replace_delta(old, start, len(old) - tail, new[start:len(new) - tail].decode())
        rev = self.rev[view] + 1
        self.rev[view] = rev
        self.texts[(view, rev)] = new
        return self.request("update", {"view_id": view, "delta": delta, "new_len": len(new),
                                       "new_line_count": new.count(b"\n") + 1, "rev": rev, "undo_group": undo_group,
                                       "edit_type": edit_type, "author": author})

    def command(self, view: str, method: str, params: Any = None) -> None:
        self.notify("custom_command", {"view_id": view, "method": method, "params": params or {}})

    def alive(self) -> bool:
        """The plugin still answers (a ping costs nothing; a command it reports on proves it)."""
        return self.proc.poll() is None

    def shutdown(self, timeout: float = 30.0) -> int:
        """Send ``shutdown`` and wait for the exit status."""
        try:
            self.notify("shutdown", {})
        except (BrokenPipeError, OSError):
            pass
        return self.wait(timeout)

    def wait(self, timeout: float = 30.0) -> int:
        try:
            code = self.proc.wait(timeout)
        finally:
            self.stop()
        return code

    def stop(self) -> None:
        """Kill the process if it still runs, and close its pipes."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)
        self._out.join(10)
        self._err.join(10)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
