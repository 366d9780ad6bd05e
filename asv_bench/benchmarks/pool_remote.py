"""A pool on another node: remote acquire-and-call of a small ONNX model, against a local
call plus one raw transport round trip, in the same run.

The model is ``mul_1.onnx`` from onnxruntime's bundled datasets (a 3x2 float input times a
constant), served by ``symphony pool serve`` in a separate process on tcp loopback with
every frame signed. ``PoolClient.call("mul", x)`` sends the input, the pool acquires the
model (a hit), calls it, releases it, and answers with the output as lists.

- ``symphony``: p50/p99 of ``client.call("mul", x)``.
- ``local+raw``, the yardstick the issue names: p50 of the same model called in this
  process (an ONNX Runtime session on the same input) plus p50 of one raw pyzmq
  DEALER/ROUTER round trip of the same input packed with msgpack, to an echo process.
  The two are measured in turns with ours.

Target (issue 17): ours at most 1.5x local+raw.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Any

import msgpack

_HERE = os.path.dirname(os.path.abspath(__file__))
_ROUNDS = 2000
_TURNS = 4
_X = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
_SECRET = b"benchmark-secret-pool-remote-0123"


def _mul_path() -> str:
    import onnxruntime

    return os.path.join(os.path.dirname(onnxruntime.__file__), "datasets", "mul_1.onnx")


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(int(q * len(values)), len(values) - 1)]


class _Setup:
    """The pool process, the raw echo process, a client node and a local session."""

    def __init__(self) -> None:
        import numpy as np
        import onnxruntime as ort
        import zmq

        from symphony import Node
        from symphony.pool import PoolClient

        self.tmp = tempfile.mkdtemp(prefix="symphony-pool-remote-")
        repo = os.path.join(self.tmp, "models", "mul", "1")
        os.makedirs(repo)
        with open(_mul_path(), "rb") as src, open(os.path.join(repo, "mul_1.onnx"), "wb") as dst:
            dst.write(src.read())
        with open(os.path.join(repo, "model.toml"), "w") as f:
            f.write('loader = "onnx"\nfile = "mul_1.onnx"\n')
        secret = os.path.join(self.tmp, "secret")
        with open(secret, "wb") as f:
            f.write(_SECRET)
        self.pool_proc = subprocess.Popen(
            [sys.executable, "-m", "symphony", "pool", "serve", os.path.join(self.tmp, "models"),
             "--listen", "tcp://127.0.0.1:0", "--secret-file", secret, "--no-prewarm"],
            stdout=subprocess.PIPE, text=True)
        self.pool_proc.stdout.readline()  # type: ignore[union-attr]
        address = self.pool_proc.stdout.readline().split("pool: ", 1)[1].strip()  # type: ignore[union-attr]
        self.raw_proc = subprocess.Popen([sys.executable, os.path.join(_HERE, "_peers.py"), "raw",
                                          "tcp://127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
        raw_address = self.raw_proc.stdout.readline().split("listening on ", 1)[1].strip()  # type: ignore[union-attr]
        self.node = Node("bench-pool-client", secret=_SECRET)
        self.client = PoolClient(self.node.ref(address), timeout=60)
        self.client.load("mul", timeout=60)
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.connect(raw_address)
        so = ort.SessionOptions()
        so.intra_op_num_threads = so.inter_op_num_threads = 1
        self.session = ort.InferenceSession(_mul_path(), so, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.np = np

    def remote(self, n: int) -> list[float]:
        call, perf, times = self.client.call, time.perf_counter, []
        for _ in range(n):
            t0 = perf()
            call("mul", _X)
            times.append(perf() - t0)
        return times

    def local(self, n: int) -> list[float]:
        run, name, asarray, f32 = self.session.run, self.input_name, self.np.asarray, self.np.float32
        perf, times = time.perf_counter, []
        for _ in range(n):
            t0 = perf()
            run(None, {name: asarray(_X, dtype=f32)})[0].tolist()
            times.append(perf() - t0)
        return times

    def raw(self, n: int) -> list[float]:
        send, recv, packb, unpackb = self.sock.send, self.sock.recv, msgpack.packb, msgpack.unpackb
        perf, times = time.perf_counter, []
        for _ in range(n):
            t0 = perf()
            send(b"E" + packb({"kind": "call", "payload": {"name": "mul", "args": [_X]}}))
            unpackb(recv()[1:])
            times.append(perf() - t0)
        return times

    def close(self) -> None:
        self.sock.send(b"stop")
        self.sock.close(1000)
        self.ctx.term()
        self.node.stop()
        for proc in (self.pool_proc, self.raw_proc):
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()  # type: ignore[union-attr]
        import shutil

        shutil.rmtree(self.tmp, ignore_errors=True)


_CACHE: dict[str, Any] = {}


def _measure() -> dict[str, list[float]]:
    if "times" in _CACHE:
        return _CACHE["times"]  # type: ignore[no-any-return]
    setup = _Setup()
    try:
        for f in (setup.remote, setup.local, setup.raw):
            f(200)  # warm up
        times: dict[str, list[float]] = {"remote": [], "local": [], "raw": []}
        for _ in range(_TURNS):
            times["remote"] += setup.remote(_ROUNDS // _TURNS)
            times["local"] += setup.local(_ROUNDS // _TURNS)
            times["raw"] += setup.raw(_ROUNDS // _TURNS)
    finally:
        setup.close()
    _CACHE["times"] = times
    return times


class RemoteCall:
    """Remote acquire-and-call of a small ONNX model, us; target <= 1.5x local call + raw round trip."""

    params = [["symphony", "local+raw"]]
    param_names = ["impl"]
    unit = "us"
    timeout = 300.0

    def track_p50(self, impl: str) -> float:
        t = _measure()
        if impl == "symphony":
            return _percentile(t["remote"], 0.5) * 1e6
        return (_percentile(t["local"], 0.5) + _percentile(t["raw"], 0.5)) * 1e6

    track_p50.target = 1.5  # type: ignore[attr-defined]

    def track_p99(self, impl: str) -> float:
        t = _measure()
        if impl == "symphony":
            return _percentile(t["remote"], 0.99) * 1e6
        return (_percentile(t["local"], 0.99) + _percentile(t["raw"], 0.99)) * 1e6


if __name__ == "__main__":
    t = _measure()
    for k, v in t.items():
        print(k, "p50 us", round(_percentile(v, 0.5) * 1e6, 1), "p99 us", round(_percentile(v, 0.99) * 1e6, 1))
