"""A minimal xi frontend for the editor benchmarks: start a core, open a file, time keystrokes.

It works with ``symphony serve`` and with a real ``xi-core`` alike (the same messages), so
``python -m asv_bench.editor_latency --xi-core /tmp/xi/xi-core`` puts both side by side.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from typing import Any

from symphony.cli.editor._core_client import CoreConnection

__all__ = ["Core", "big_file", "json_line_file", "lines_file", "long_line_file", "middle_line", "percentile", "read_decode_seconds",
           "xi_core_path"]

#: Where the coordinator builds the real xi-core (``shared/xi-core``), unless
#: ``$SYMPHONY_XI_CORE`` names another binary.
XI_CORE_DEFAULT = "/tmp/xi/xi-core"


def xi_core_path() -> str | None:
    """The xi-core binary to measure beside ours, or None when there is none."""
    path = os.environ.get("SYMPHONY_XI_CORE") or XI_CORE_DEFAULT
    return path if os.path.isfile(path) and os.access(path, os.X_OK) else None

LINE = "The quick brown fox jumps over the lazy dog; 0123456789 abcdefghij\n"


def big_file(megabytes: int | None = None) -> str:
    """A file of about ``megabytes`` MB (default ``$SYMPHONY_BENCH_MB`` or 100), made once."""
    mb = megabytes or int(os.environ.get("SYMPHONY_BENCH_MB", "100"))
    path = os.path.join(tempfile.gettempdir(), f"symphony-bench-{mb}mb.txt")
    if not os.path.exists(path) or os.path.getsize(path) < mb * 1_000_000 * 0.99:
        tmp = path + ".part"
        with open(tmp, "w") as f:
            block = LINE * 10_000
            for _ in range(mb * 1_000_000 // len(block) + 1):
                f.write(block)
        os.replace(tmp, path)
    return path


def lines_file(megabytes: int = 10, width: int = 86) -> str:
    """A file of about ``megabytes`` MB of ``width``-character lines (newline included) of
    words, made once: the keystroke benchmarks' document (the issue's 10MB of 86)."""
    path = os.path.join(tempfile.gettempdir(), f"symphony-bench-{megabytes}mb-{width}col.txt")
    if not os.path.exists(path):
        words = (LINE[:-1] + " ") * (width // len(LINE) + 2)
        line = words[:width - 1].rstrip().ljust(width - 1, ".") + "\n"
        with open(path + ".part", "w") as f:
            block = line * 10_000
            for _ in range(megabytes * 1_000_000 // len(block) + 1):
                f.write(block)
        os.replace(path + ".part", path)
    return path


def middle_line(path: str) -> int:
    """The line in the middle of a file of equal lines."""
    with open(path, "rb") as f:
        width = len(f.readline())
    return os.path.getsize(path) // max(1, width) // 2


def long_line_file(megabytes: int = 10) -> str:
    """A file holding one line of ``megabytes`` MB of words (and a final newline), made once."""
    path = os.path.join(tempfile.gettempdir(), f"symphony-bench-{megabytes}mb-line.txt")
    if not os.path.exists(path):
        words = "lorem ipsum dolor sit amet consectetur adipiscing elit "
        with open(path + ".part", "w") as f:
            f.write((words * (megabytes * 1_000_000 // len(words) + 1))[:megabytes * 1_000_000] + "\n")
        os.replace(path + ".part", path)
    return path


def json_line_file(megabytes: int = 10) -> str:
    """A file holding one line of ``megabytes`` MB of minified JSON (and a final newline)."""
    path = os.path.join(tempfile.gettempdir(), f"symphony-bench-{megabytes}mb-json.txt")
    if not os.path.exists(path):
        records = [{"id": i, "name": f"item {i}", "tags": ["alpha", "beta"], "price": i * 1.25, "ok": i % 3 == 0}
                   for i in range(1000)]
        unit = json.dumps(records, separators=(",", ":"))[1:-1] + ","
        body = (unit * (megabytes * 1_000_000 // len(unit) + 1))[:megabytes * 1_000_000 - 2].rstrip(",")
        with open(path + ".part", "w") as f:
            f.write("[" + body + "]\n")
        os.replace(path + ".part", path)
    return path


def read_decode_seconds(path: str) -> float:
    """What Python takes to read and decode ``path`` (the open target's yardstick)."""
    t = time.perf_counter()
    with open(path, "rb") as f:
        f.read().decode("utf-8")
    return time.perf_counter() - t


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Core:
    """A core process driven over stdio (through the editor's own ``CoreConnection``); every
    ``update`` is counted on arrival so keystrokes can be timed to their update."""

    def __init__(self, argv: list[str] | None = None) -> None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self._cond = threading.Condition()
        self._notifications = 0
        self._updates = 0
        self._config: dict[str, Any] = {}
        self.view_id = ""
        # plugins off, as for xi-core beside it (which runs none here): the core's own latency
        argv = argv or [sys.executable, "-m", "symphony", "serve", "--no-plugins"]
        self.conn = CoreConnection(self._on_notification, argv, env=env)
        self.proc = self.conn.proc
        self.conn.notify("client_started", {})  # a notification in xi
        with self._cond:  # ready once it has said something (available_themes, in both cores)
            self._cond.wait_for(lambda: self._notifications > 0, 60)

    def _on_notification(self, method: str, params: Any) -> None:
        with self._cond:
            self._notifications += 1
            if method == "update":
                self._updates += 1
            elif method == "config_changed" and isinstance(params, dict) and params.get("view_id") == self.view_id:
                self._config.update(params.get("changes") or {})
            self._cond.notify_all()

    def request(self, method: str, params: Any, timeout: float = 600) -> Any:
        """Send a request and wait for its result."""
        box: list[Any] = []
        done = threading.Event()

        def answered(result: Any, error: Any) -> None:
            box.append(result)
            done.set()

        self.conn.request(method, params, answered)
        if not done.wait(timeout):
            raise TimeoutError(method)
        return box[0]

    def open(self, path: str) -> float:
        """Open ``path``; seconds until the first ``update`` (the first screen) arrived."""
        t = time.perf_counter()
        before = self._updates
        self.view_id = self.request("new_view", {"file_path": path})
        self.edit("scroll", [0, 50])
        with self._cond:
            self._cond.wait_for(lambda: self._updates > before, 600)
        return time.perf_counter() - t

    def configure(self, changes: dict[str, Any], timeout: float = 60) -> None:
        """Change this view's settings and wait until the core says they took effect.

        ``modify_user_config`` is a notification in xi's protocol: xi-core answers it sent
        as a request with "unknown variant" and changes nothing (so a benchmark that asked
        for wrapping measured xi-core unwrapped). Both cores send ``config_changed``."""
        self.conn.notify("modify_user_config", {"domain": {"user_override": self.view_id}, "changes": changes})
        with self._cond:
            if not self._cond.wait_for(lambda: all(self._config.get(k) == v for k, v in changes.items()), timeout):
                raise TimeoutError(f"the core did not take {changes}")

    def edit(self, method: str, params: Any = None) -> None:
        body: dict[str, Any] = {"method": method, "view_id": self.view_id}
        body["params"] = params if params is not None else []
        self.conn.notify("edit", body)

    def keystroke(self, chars: str = "x") -> float:
        """Seconds from sending ``insert`` to receiving its ``update``."""
        with self._cond:
            before = self._updates
        t = time.perf_counter()
        self.edit("insert", {"chars": chars})
        with self._cond:
            self._cond.wait_for(lambda: self._updates > before, 60)
        return time.perf_counter() - t

    def settle(self, seconds: float = 0.2) -> None:
        """Wait until no update has come for ``seconds`` (background work drained)."""
        while True:
            with self._cond:
                seen = self._updates
            time.sleep(seconds)
            with self._cond:
                if self._updates == seen:
                    return

    def peak_rss(self) -> int:
        """Peak resident memory of the core process in bytes (Linux)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
        return 0

    def close(self) -> None:
        self.conn.close()
