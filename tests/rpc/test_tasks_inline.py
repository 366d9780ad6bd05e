"""``XiCore``'s task requests in process: the reader thread never waits on a task, and hooks that
misbehave (raise, answer something that is not a future) give clear errors, never a dead core."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest

from symphony.errors import RpcError
from symphony.rpc import TASK_ERROR, XiCore

from .demo_tasks import DemoTasks
from .test_core_inline import Sent, open_view


class Gated(DemoTasks):
    """The demo tasks, but ``upper`` waits for ``gate`` on its worker."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def _work(self, task_id, kind, text, context, progress):
        if kind == "upper":
            self.gate.wait()
        return super()._work(task_id, kind, text, context, progress)


class Broken(DemoTasks):
    """Hooks with bugs: ``kinds`` of ``"raise"`` fails, ``run`` answers a string, contributions fail."""

    def __init__(self) -> None:
        super().__init__()
        self.broken_kinds = False
        self.watching = 0

    def kinds(self):
        if self.broken_kinds == "not a list":
            return "count_words"
        if self.broken_kinds:
            raise TypeError("kinds broke")
        return ["count_words", "not a future", "refused"]

    def run(self, view_id, kind, input, context, progress):
        if kind == "not a future":
            return "done"
        if kind == "refused":
            raise ValueError("the template has a cycle")
        return super().run(view_id, kind, input, context, progress)

    def contributions(self):
        raise RuntimeError("contributions broke")

    def watch_status(self, watcher):
        self.watching += 1
        unwatch = super().watch_status(watcher)

        def stop():
            self.watching -= 1
            unwatch()

        return stop


@pytest.fixture
def hooks():
    made = []

    def make(cls):
        made.append(cls())
        return made[-1]

    yield make
    for h in made:
        h.close()


def test_run_task_answers_later_and_the_reader_goes_on(node, hooks):
    tasks = hooks(Gated)
    sent = Sent()
    core = XiCore(sent, node=node, watch_files=False, tasks=tasks)
    try:
        view = open_view(core, sent)
        core.handle_notification("edit", {"view_id": view, "method": "insert", "params": {"chars": "quiet"}})
        answer = core.handle_request("run_task", {"view_id": view, "kind": "upper"})
        assert isinstance(answer, concurrent.futures.Future)
        # the reader goes on while the task waits
        assert core.handle_request("task_kinds", {}).result(30) == tasks.kinds()
        contents = core.handle_request("edit", {"view_id": view, "method": "debug_get_contents"})
        assert (contents.result(30) if isinstance(contents, concurrent.futures.Future) else contents) == "quiet"
        assert not answer.done()
        tasks.gate.set()
        assert answer.result(30)["output"] == "QUIET"
    finally:
        core.close()


def test_misbehaving_hooks_give_clear_errors(node, hooks):
    tasks = hooks(Broken)
    sent = Sent()
    core = XiCore(sent, node=node, watch_files=False, tasks=tasks)
    try:
        assert tasks.watching == 1
        view = open_view(core, sent)  # contributions fail: the view opens all the same, with no items
        assert not [m for _, m, _ in sent.items if m == "add_status_item"]
        with pytest.raises(RpcError) as caught:
            core.call("extension_contributions", {}).result(30)  # answered later: hooks never run on the reader
        assert caught.value.code == TASK_ERROR and "contributions broke" in caught.value.message
        odd = core.handle_request("run_task", {"view_id": view, "kind": "not a future"})
        with pytest.raises(RpcError) as caught:
            odd.result(30)
        assert caught.value.code == TASK_ERROR and "not a Future" in caught.value.message
        refused = core.handle_request("run_task", {"view_id": view, "kind": "refused"})
        with pytest.raises(RpcError) as caught:
            refused.result(30)
        assert caught.value.code == -32602 and caught.value.message == "ValueError: the template has a cycle"
        for broken in (True, "not a list"):
            tasks.broken_kinds = broken
            with pytest.raises(RpcError) as caught:
                core.call("task_kinds", {}).result(30)
            assert caught.value.code == TASK_ERROR
        tasks.broken_kinds = False
        assert core.handle_request("run_task", {"view_id": view, "kind": "count_words"}).result(30)["output"] == \
            {"words": 0}
    finally:
        core.close()
    assert tasks.watching == 0  # the core stopped watching; the hooks are their maker's to close


def test_a_view_whose_buffer_stops_under_the_request(node, hooks):
    """The buffer actor is gone (the view is closing) when the task asks for the selection."""
    tasks = hooks(DemoTasks)
    sent = Sent()
    core = XiCore(sent, node=node, watch_files=False, tasks=tasks)
    try:
        view = open_view(core, sent)
        core.views[view].stop()
        with pytest.raises(RpcError) as caught:
            answer = core.call("run_task", {"view_id": view, "kind": "count_words"})
            answer.result(30)
        assert caught.value.code == TASK_ERROR and "ActorDead" in caught.value.message
        assert core.call("task_kinds", {}).result(30) == tasks.kinds()
    finally:
        core.close()


def test_remote_sessions_share_the_hooks(tmp_path, hooks):
    """``XiServer(tasks=...)``: two remote frontends run tasks on one hooks object; a command in
    one shows its status item in both; a closed session stops watching."""
    from symphony.actors import Node
    from symphony.rpc import XiServer

    from ..conftest import wait_until
    from .test_listen import Frontend

    tasks = hooks(DemoTasks)
    with Node("serve-side", listen=f"unix://{tmp_path}/tasks.sock") as node:
        server = XiServer(node, tasks=tasks)
        try:
            one, two = Frontend(node.address), Frontend(node.address)
            try:
                view_one = one.request("new_view", {})
                view_two = two.request("new_view", {})
                one.edit(view_one, "insert", {"chars": "a b c"})
                assert one.request("run_task", {"view_id": view_one, "kind": "count_words"})["output"] == {"words": 3}
                assert two.request("run_extension_command", {"command": "demo.count", "view_id": view_two}) == \
                    {"words": 0, "args": {}}
                for fe, view in ((one, view_one), (two, view_two)):
                    wait_until(lambda fe=fe, view=view: ("update_status_item", {
                        "view_id": view, "key": "demo.words", "value": "words: 0"}) in list(fe.events))
                assert len(tasks._watchers) == 2
            finally:
                one.core.close()
                two.core.close()
            wait_until(lambda: server.sessions == 0)
            assert tasks._watchers == []
        finally:
            server.close()
