"""A small real ``TaskHooks`` for the task-request tests, and ``python -m tests.rpc.demo_tasks``:
``symphony serve`` on stdio with it (the frontend tests start that as their core).

Its tasks do real work on threads of their own: ``count_words``, ``upper`` (two steps, each
reported as it goes), ``context`` (echoes what it got), ``fail`` (its agent raises) and
``hang`` (never finishes; cancelled when the hooks close). One motif, ``demo.words``: the command
``demo.count`` counts the words it is run on and shows them in the status item
``demo.words``; ``demo.feedback`` answers the feedback recorded so far.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import sys
import threading
from collections.abc import Callable
from typing import Any

EXTENSION = "demo.words"
CONTRIBUTIONS: dict[str, Any] = {
    "commands": [{"id": "demo.count", "title": "Count words", "key": "ctrl+shift+w", "extension": EXTENSION},
                 {"id": "demo.feedback", "title": "Show the feedback", "extension": EXTENSION}],
    "status_items": [{"id": "demo.words", "text": "words: ?", "alignment": "right", "extension": EXTENSION}],
    "panels": [],
    "keybindings": [{"command": "demo.count", "key": "ctrl+shift+w", "extension": EXTENSION}],
    "decorations": [],
}


class DemoTasks:
    """Tasks and one motif, each running on a worker thread."""

    def __init__(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="demo-task")
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._watchers: list[Callable[[str, str], None]] = []
        self._status: dict[str, str] = {}
        self.done: set[str] = set()
        self.feedback_given: dict[str, float] = {}
        self.hanging: list[concurrent.futures.Future] = []  # the "hang" tasks (cancelled by close)

    def kinds(self) -> list[str]:
        return ["context", "count_words", "fail", "hang", "upper"]

    def run(self, view_id: str, kind: str, input: str, context: dict[str, Any], progress) -> concurrent.futures.Future:
        if kind not in self.kinds():
            raise LookupError(f"no agent can do {kind!r}")
        task_id = f"task-{next(self._ids)}"
        progress(task_id, kind, "queued")
        if kind == "hang":  # waits for an answer that never comes (its agent holds no thread)
            future: concurrent.futures.Future = concurrent.futures.Future()
            with self._lock:
                self.hanging.append(future)
            return future
        return self._pool.submit(self._work, task_id, kind, input, context, progress)

    def _work(self, task_id: str, kind: str, text: str, context: dict[str, Any], progress) -> dict[str, Any]:
        steps: dict[str, Any] = {}
        if kind == "count_words":
            output: Any = {"words": len(text.split())}
        elif kind == "upper":
            progress(task_id, "split", "running")
            words = text.split(" ")
            progress(task_id, "split", "done")
            progress(task_id, "upper", "running")
            output = " ".join(w.upper() for w in words)
            progress(task_id, "upper", "done")
            steps = {"split": {"agent": "splitter"}, "upper": {"agent": "upper"}}
        elif kind == "context":
            output = {"input": text, "context": context}
        elif kind == "fail":
            progress(task_id, "agent", "failed")
            raise RuntimeError("the agent broke")
        else:
            raise AssertionError(kind)
        with self._lock:
            self.done.add(task_id)
        return {"task_id": task_id, "output": output, "quality": None, "steps": steps}

    def feedback(self, task_id: str, score: float) -> concurrent.futures.Future:
        def record() -> None:
            with self._lock:
                if task_id not in self.done:
                    raise LookupError(f"no task {task_id!r}")
                self.feedback_given[task_id] = score

        return self._pool.submit(record)

    def contributions(self) -> dict[str, Any]:
        return CONTRIBUTIONS

    def run_command(self, command_id: str, view_id: str, args: dict[str, Any], context: dict[str, Any]):
        def work() -> Any:
            if command_id == "demo.feedback":
                with self._lock:
                    return dict(self.feedback_given)
            words = len(context["text"].split())
            self._set_status("demo.words", f"words: {words}")
            return {"words": words, "args": args}

        return self._pool.submit(work)

    def status(self) -> dict[str, str]:
        with self._lock:
            return dict(self._status)

    def _set_status(self, item: str, text: str) -> None:
        with self._lock:
            self._status[item] = text
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher(item, text)

    def watch_status(self, watcher: Callable[[str, str], None]) -> Callable[[], None]:
        with self._lock:
            self._watchers.append(watcher)

        def unwatch() -> None:
            with self._lock:
                self._watchers.remove(watcher)

        return unwatch

    def close(self) -> None:
        for future in self.hanging:
            future.cancel()
        self._pool.shutdown(wait=True)


def main() -> int:
    from symphony.plugins import BundledSyntax
    from symphony.rpc import serve_stdio

    hooks = DemoTasks()
    try:
        return serve_stdio(tasks=hooks, syntax=BundledSyntax())
    finally:
        hooks.close()


if __name__ == "__main__":
    sys.exit(main())
