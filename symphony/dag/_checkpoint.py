"""Durable records of completed workflow tasks (one LMDB environment per checkpoint path).

A task is *done* only once its result is committed here (fsync). The tracker releases a
task's dependents only after that, so after a crash or kill -9 every task recorded as done
is restored, never run again, and everything it fed was computed from recorded results.
Only tasks in flight at the crash (running, or finished but not yet committed) run again.

Records are keyed by ``workflow name + NUL + task name``; each holds the task's
fingerprint (its function's identity and its dependencies) and its pickled result. A
record whose fingerprint no longer matches the task (the workflow was edited) is ignored.
Completions arriving together are committed in one transaction by the checkpoint actor.
"""

from __future__ import annotations

import os
import pickle
import time
from collections import deque
from typing import Any, Callable

import struct

import lmdb

from ..actors import Actor, Node, Ref

__all__ = ["Checkpoint", "CheckpointActor", "read_checkpoint"]

#: A record: completed-at (f64), fingerprint length (u16), fingerprint, pickled result.
_HEAD = struct.Struct(">dH")


def _pack(fingerprint: str, result: Any) -> bytes:
    fp = fingerprint.encode()
    return _HEAD.pack(time.time(), len(fp)) + fp + pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack_head(value: bytes) -> tuple[float, str, int]:
    when, n = _HEAD.unpack_from(value)
    return when, bytes(value[_HEAD.size:_HEAD.size + n]).decode(), _HEAD.size + n


class Checkpoint:
    """The checkpoint at ``path``: read what is recorded, record completions durably."""

    def __init__(self, path: str | os.PathLike[str], workflow: str) -> None:
        self.path = os.fspath(path)
        self.workflow = workflow
        os.makedirs(self.path, exist_ok=True)
        self.env = lmdb.open(self.path, map_size=64 << 20, max_dbs=4, sync=True, metasync=True)
        self.env.reader_check()
        self.results = self.env.open_db(b"results")
        self.prefix = workflow.encode() + b"\0"
        self.pending: deque[tuple[str, bytes]] = deque()
        self.waking = False
        self.ref: Ref | None = None
        self.on_recorded: Callable[[list[str]], None] | None = None

    def restore(self, fingerprints: dict[str, str]) -> dict[str, Any]:
        """The recorded results of this workflow whose fingerprint still matches its task."""
        out: dict[str, Any] = {}
        with self.env.begin(db=self.results) as txn:
            cursor = txn.cursor()
            if cursor.set_range(self.prefix):
                for key, value in cursor:
                    if not key.startswith(self.prefix):
                        break
                    name = key[len(self.prefix):].decode()
                    _, fingerprint, start = _unpack_head(value)
                    if fingerprints.get(name) == fingerprint:
                        out[name] = pickle.loads(value[start:])
        return out

    def record(self, name: str, fingerprint: str, result: Any) -> None:
        """Queue a completion; ``on_recorded([names])`` is called once it is committed.

        Raises ``TypeError``/``pickle.PicklingError`` (synchronously) if ``result`` cannot be
        pickled, so the tracker can fail that task instead of losing it.
        """
        value = _pack(fingerprint, result)
        self.pending.append((name, value))
        if not self.waking:
            self.waking = True
            assert self.ref is not None
            self.ref.tell("flush")

    def flush(self) -> None:
        """Commit every queued completion in one durable transaction (the actor calls this)."""
        self.waking = False
        batch: list[tuple[str, bytes]] = []
        while True:
            try:
                batch.append(self.pending.popleft())
            except IndexError:
                break
        if not batch:
            return
        while True:
            try:
                with self.env.begin(write=True, db=self.results) as txn:
                    for name, value in batch:
                        txn.put(self.prefix + name.encode(), value)
                break
            except lmdb.MapFullError:
                self.env.set_mapsize(self.env.info()["map_size"] * 2 + sum(len(v) for _, v in batch) * 2)
        if self.on_recorded is not None:
            self.on_recorded([name for name, _ in batch])

    def start(self, node: Node) -> None:
        self.ref = node.spawn(CheckpointActor, self)

    def close(self) -> None:
        if self.ref is not None:
            self.ref.stop()
        self.env.close()


class CheckpointActor(Actor):
    """Owns a checkpoint's writes: group-commits queued completions on ``flush``. It blocks
    in fsync, so it has a thread of its own."""

    dedicated_thread = True

    def __init__(self, checkpoint: Checkpoint) -> None:
        self.checkpoint = checkpoint

    def on_receive(self, message: Any) -> Any:
        if message.kind == "flush":
            self.checkpoint.flush()
            return None
        return super().on_receive(message)

    def on_stop(self) -> None:
        self.checkpoint.flush()  # completions queued behind the stop are still recorded


def read_checkpoint(path: str | os.PathLike[str]) -> dict[str, dict[str, float]]:
    """Every workflow recorded at ``path``: ``{workflow: {task: completed_at}}`` (for ``dag status``)."""
    env = lmdb.open(os.fspath(path), max_dbs=4, readonly=True, lock=False, create=False)
    try:
        db = env.open_db(b"results", create=False)
        out: dict[str, dict[str, float]] = {}
        with env.begin(db=db) as txn:
            for key, value in txn.cursor():
                workflow, _, task = key.partition(b"\0")
                out.setdefault(workflow.decode(), {})[task.decode()] = _unpack_head(value)[0]
        return out
    finally:
        env.close()
