"""The pool's memory budget against the process's real memory, with real models.

The models are the ONNX graphs the ``onnx`` package ships for its backend tests
(``backend/test/data/light``: Inception v1/v2, ResNet-50, AlexNet, DenseNet-121,
ShuffleNet, SqueezeNet, ZFNet-512, with generated weights), run by ONNX Runtime: 10 MB to
400 MB each, 0.02 to 0.5 s to load.

Each model's memory is first measured alone, in a fresh process (the peak growth of its
resident set while it loads and answers one 224x224 image), and written into its
``model.toml``, as a user would declare it. Then 60 requests in a seeded random order,
each an image through the model, run with a budget of half of all the models together
(so about half of them fit at once), while a thread samples the process's resident set
every 2 ms.

- ``symphony``: ``Pool(node, repository, budget=...)``, ``with pool.acquire(name) as m: m(x)``.
- ``lru_cache``, what a user would write instead: ``functools.lru_cache(maxsize=k)``
  around a function making the ONNX Runtime session, with ``k`` the number of models of
  average size the budget holds.

``track_peak_over_budget``: the peak growth of the resident set above what it was before
the first request, divided by the budget. Target (issue 17): at most 1.1 (the budget +10%).
``track_cold_starts``: loads made for the 60 requests.
"""

from __future__ import annotations

import functools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

MODELS = ["light_inception_v1", "light_inception_v2", "light_resnet50", "light_bvlc_alexnet",
          "light_densenet121", "light_shufflenet", "light_squeezenet", "light_zfnet512"]
REQUESTS = 60
SEED = 5

_MEASURE = r"""
import json, resource, sys
import numpy as np, onnxruntime as ort
def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
tiny = ort.InferenceSession(sys.argv[2], providers=["CPUExecutionProvider"])  # the runtime's own code
base = rss()
so = ort.SessionOptions(); so.intra_op_num_threads = 1; so.inter_op_num_threads = 1
so.enable_cpu_mem_arena = False
s = ort.InferenceSession(sys.argv[1], so, providers=["CPUExecutionProvider"])
s.run(None, {s.get_inputs()[0].name: np.zeros((1, 3, 224, 224), np.float32)})
print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base))
"""


def _light_dir() -> str:
    import onnx

    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")


def _tiny() -> str:
    import onnxruntime

    return os.path.join(os.path.dirname(onnxruntime.__file__), "datasets", "sigmoid.onnx")


def build_repository(root: str) -> dict[str, int]:
    """Write the repository (one version per model, its measured memory declared); the sizes."""
    sizes = {}
    for name in MODELS:
        source = os.path.join(_light_dir(), name + ".onnx")
        out = subprocess.run([sys.executable, "-c", _MEASURE, source, _tiny()], capture_output=True, text=True,
                             check=True)
        sizes[name] = max(int(json.loads(out.stdout.strip().splitlines()[-1])), 1 << 20)
        directory = os.path.join(root, name, "1")
        os.makedirs(directory)
        shutil.copy(source, os.path.join(directory, "model.onnx"))
        with open(os.path.join(directory, "model.toml"), "w") as f:
            f.write(f'loader = "onnx"\nfile = "model.onnx"\nmemory = {sizes[name]}\n')
    return sizes


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class _Sampler:
    """The peak resident set above its value at start, sampled every 2 ms on a thread."""

    def __init__(self) -> None:
        self.base = _rss()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss() - self.base)
            time.sleep(0.002)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return max(self.peak, _rss() - self.base)


def run(impl: str, root: str, sizes: dict[str, int]) -> dict[str, float]:
    """Peak growth over budget and loads for ``impl`` on the repository at ``root``."""
    import numpy as np
    import onnxruntime as ort

    budget = sum(sizes.values()) // 2
    order = random.Random(SEED).choices(MODELS, k=REQUESTS)
    image = np.zeros((1, 3, 224, 224), np.float32)
    ort.InferenceSession(_tiny(), providers=["CPUExecutionProvider"])  # the runtime's code, before the base
    loads = 0
    if impl == "symphony":
        from symphony import Node
        from symphony.pool import Pool

        with Node("bench-pool-budget") as node, Pool(node, root, budget=budget, prewarm=False) as pool:
            sampler = _Sampler()
            for name in order:
                with pool.acquire(name, timeout=120) as model:
                    model(image)
            peak = sampler.stop()
            loads = sum(m["loads"] for m in pool.statistics()["models"])
    else:
        k = max(1, budget // (sum(sizes.values()) // len(sizes)))

        @functools.lru_cache(maxsize=k)
        def session(name: str) -> Any:
            nonlocal loads
            loads += 1
            so = ort.SessionOptions()
            so.intra_op_num_threads = so.inter_op_num_threads = 1
            so.enable_cpu_mem_arena = False
            return ort.InferenceSession(os.path.join(root, name, "1", "model.onnx"), so,
                                        providers=["CPUExecutionProvider"])

        sampler = _Sampler()
        for name in order:
            s = session(name)
            s.run(None, {s.get_inputs()[0].name: image})
        peak = sampler.stop()
        session.cache_clear()
    return {"over": peak / budget, "loads": float(loads)}


class PoolBudget:
    """Peak resident-set growth over the budget, real ONNX models, 60 requests."""

    params = [["symphony", "lru_cache"]]
    param_names = ["impl"]
    timeout = 600.0
    repeat = 1
    number = 1

    def setup(self, impl: str) -> None:
        self.root = tempfile.mkdtemp(prefix="symphony-pool-budget-")
        self.sizes = build_repository(self.root)
        self.result = _in_fresh_process(impl, self.root, self.sizes)

    def teardown(self, impl: str) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def track_peak_over_budget(self, impl: str) -> float:
        return self.result["over"]

    track_peak_over_budget.unit = "x budget"  # type: ignore[attr-defined]
    track_peak_over_budget.limit = 1.1  # type: ignore[attr-defined]

    def track_cold_starts(self, impl: str) -> float:
        return self.result["loads"]

    track_cold_starts.unit = "loads"  # type: ignore[attr-defined]


def _in_fresh_process(impl: str, root: str, sizes: dict[str, int]) -> dict[str, float]:
    """``run`` in a new interpreter, so neither impl inherits the other's heap."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); import pool_budget as b; "
            "print(json.dumps(b.run(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))))")
    out = subprocess.run([sys.executable, "-c", code, os.path.dirname(os.path.abspath(__file__)), impl, root,
                          json.dumps(sizes)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]
