"""Calling an out-of-process extension through the extension host, against a hand-written
JSON-lines round trip to the same program, in the same run.

The extension is an operator written in Python (``_OPERATOR``: it answers ``operator/call``
with the length of its ``text`` input) in a temporary extension directory.

- ``symphony``: ``ExtensionManager.call_operator("length", {"text": ...})``: the operator's
  signature checked, a message to the extension's actor, ``ProcessExtension`` (JSON-RPC on
  the process's stdio, its answer matched to the call, the supervision's bookkeeping), the
  answer back to the caller. The process runs sandboxed, 10 steps nicer than the host.
- ``raw pipe``: what one would write without a host: the same program started with
  ``subprocess.Popen`` (10 steps nicer too, so both compete for the CPU alike), one JSON
  request line written and one answer line read per call.

The two are measured in turns. No target is set for this; it says what the host costs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any

_ROUNDS = 2000
_TURNS = 4
_TEXT = "def f(x):\n    return 2 * x\n" * 4

_OPERATOR = r'''
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    method, rid = msg.get("method"), msg.get("id")
    if method == "operator/call":
        result = {"length": len(msg["params"]["inputs"]["text"])}
    elif method == "shutdown":
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": rid, "result": None}) + "\n")
        sys.stdout.flush()
        break
    else:
        result = {}
    if rid is not None:
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}) + "\n")
        sys.stdout.flush()
'''

_MANIFEST = '''id = "bench.length"
version = "1.0.0"
kind = "operator"
api = ">=1.0,<2"
exec = ["python3", "main.py"]
[operator]
name = "length"
inputs = {text = "str"}
output = "dict"
'''


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(int(q * len(values)), len(values) - 1)]


class _Setup:
    """The extension host with the operator, and the same program driven by hand."""

    def __init__(self) -> None:
        from symphony import Node
        from symphony.extensions import ExtensionManager

        self.tmp = tempfile.mkdtemp(prefix="symphony-bench-ext-")
        ext = os.path.join(self.tmp, "extensions", "length")
        os.makedirs(ext)
        with open(os.path.join(ext, "main.py"), "w") as f:
            f.write(_OPERATOR)
        with open(os.path.join(ext, "extension.toml"), "w") as f:
            f.write(_MANIFEST)
        self.node = Node("bench-extensions")
        self.manager = ExtensionManager(self.node, home=os.path.join(self.tmp, "home"),
                                        dirs=[os.path.join(self.tmp, "extensions")], entry_points=False)
        self.manager.call_operator("length", {"text": "warm"})  # activated: the process is running
        self.proc = subprocess.Popen([sys.executable, os.path.join(ext, "main.py")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, preexec_fn=lambda: os.nice(10))
        self._next = 0

    def ours(self, n: int) -> list[float]:
        call, perf, times = self.manager.call_operator, time.perf_counter, []
        inputs = {"text": _TEXT}
        for _ in range(n):
            t0 = perf()
            call("length", inputs)
            times.append(perf() - t0)
        return times

    def raw(self, n: int) -> list[float]:
        stdin, stdout = self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        dumps, loads, perf, times = json.dumps, json.loads, time.perf_counter, []
        for _ in range(n):
            t0 = perf()
            self._next += 1
            stdin.write(dumps({"jsonrpc": "2.0", "id": self._next, "method": "operator/call",
                               "params": {"inputs": {"text": _TEXT}}}).encode() + b"\n")
            stdin.flush()
            loads(stdout.readline())
            times.append(perf() - t0)
        return times

    def close(self) -> None:
        self.manager.close()
        self.node.stop()
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        self.proc.wait(30)
        self.proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


_CACHE: dict[str, Any] = {}


def _measure() -> dict[str, list[float]]:
    if "times" in _CACHE:
        return _CACHE["times"]  # type: ignore[no-any-return]
    setup = _Setup()
    try:
        setup.ours(200)
        setup.raw(200)
        times: dict[str, list[float]] = {"ours": [], "raw": []}
        for _ in range(_TURNS):
            times["ours"] += setup.ours(_ROUNDS // _TURNS)
            times["raw"] += setup.raw(_ROUNDS // _TURNS)
    finally:
        setup.close()
    _CACHE["times"] = times
    return times


class OperatorCall:
    """A call to an out-of-process operator extension, us (no target: what the host costs)."""

    params = [["symphony", "raw pipe"]]
    param_names = ["impl"]
    unit = "us"
    timeout = 300.0

    def track_p50(self, impl: str) -> float:
        t = _measure()
        return _percentile(t["ours" if impl == "symphony" else "raw"], 0.5) * 1e6

    def track_p99(self, impl: str) -> float:
        t = _measure()
        return _percentile(t["ours" if impl == "symphony" else "raw"], 0.99) * 1e6


if __name__ == "__main__":
    t = _measure()
    for k, v in t.items():
        print(k, "p50 us", round(_percentile(v, 0.5) * 1e6, 1), "p99 us", round(_percentile(v, 0.99) * 1e6, 1))
