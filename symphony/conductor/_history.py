"""Finished tasks, as feedback needs them: which agents did each routed step, and the features
the router chose them on.

The last ``size`` tasks a conductor finished are kept in memory (by task id and by the digest
of each step's output). Any other result in the store is found through its artifacts: a
step's output names its task in its metadata, its ancestors include the task's other step
outputs and its input, and the input gives the features back (``featurize`` is deterministic).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

from ..errors import SymphonyError
from ._features import featurize
from ._tasks import parse_task

__all__ = ["Record", "TaskHistory"]

_DIGEST = re.compile(r"[0-9a-f]{32}\Z")


class Record:
    """A finished task: its kind, features, routed steps ``(key, agent, cost, latency)`` and
    the digest its score is rated on."""

    __slots__ = ("kind", "x", "steps", "digest")

    def __init__(self, kind: str, x: np.ndarray, steps: list[tuple[str, str, float, float]], digest: str) -> None:
        self.kind, self.x, self.steps, self.digest = kind, x, steps, digest


class TaskHistory:
    """The finished tasks feedback can score (thread-safe)."""

    def __init__(self, store: Any, size: int, *, n_features: int, max_input: int) -> None:
        self.store = store
        self.size = int(size)
        self.n_features = n_features
        self.max_input = max_input
        self._lock = threading.Lock()
        self._records: OrderedDict[str, Record] = OrderedDict()
        self._by_digest: dict[str, str] = {}
        self._digests: dict[str, list[str]] = {}

    def add(self, task_id: str, record: Record, digests: list[str]) -> None:
        """Keep ``record`` (findable by ``task_id`` and each of ``digests``); forget the oldest
        task beyond ``size``."""
        with self._lock:
            self._records[task_id] = record
            for digest in digests:
                self._by_digest[digest] = task_id
            self._digests[task_id] = digests
            while len(self._records) > self.size:
                old_id, _ = self._records.popitem(last=False)
                for digest in self._digests.pop(old_id, ()):
                    if self._by_digest.get(digest) == old_id:
                        del self._by_digest[digest]

    def __len__(self) -> int:
        return len(self._records)

    def find(self, task: Any) -> Record | None:
        """The record of a task id kept in memory, or of a step output's digest (in memory or
        rebuilt from the store); None if there is none."""
        if not isinstance(task, str):
            return None
        with self._lock:
            record = self._records.get(task)
            if record is None and task in self._by_digest:
                record = self._records.get(self._by_digest[task])
        if record is None and _DIGEST.match(task):
            try:
                record = self._from_store(task)
            except (SymphonyError, ValueError, KeyError, TypeError):
                return None  # not a step output of a task, or damaged: nothing to score
        return record

    def _from_store(self, digest: str) -> Record | None:
        if not self.store.has(digest):
            return None
        meta = self.store.stat(digest).metadata
        task_id = meta.get("task_id")
        if not task_id or "step" not in meta:
            return None
        found: list[dict[str, Any]] = []
        task: dict[str, Any] | None = None
        for ancestor in self.store.lineage(digest):
            info = self.store.stat(ancestor).metadata
            if info.get("task_id") != task_id:
                continue
            if "step" in info:
                found.append(info)
            else:
                task = json.loads(self.store.get(ancestor))
        if task is None:
            return None
        spec = parse_task({"kind": task["kind"], "input": task["input"], "context": task["context"]},
                          max_input=max(self.max_input, len(task["input"])))
        steps = [(f"{spec.kind}/{info['step']}", str(info["agent"]), float(info["cost"]), float(info["latency"]))
                 for info in found if not str(info["agent"]).startswith("operator:")]
        return Record(spec.kind, featurize(spec.kind, spec.input, spec.context, self.n_features), steps, digest)
