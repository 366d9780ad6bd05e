"""``XiCore`` runs an edit on the reader's thread when the view's buffer actor is idle (no
thread hand-off on the keystroke path), and only tells a busy one, never waiting for it."""

from __future__ import annotations

import concurrent.futures
import threading

from symphony.rpc import XiCore


class Sent:
    """What the core sends the frontend, with the thread that sent it."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, dict]] = []
        self.cond = threading.Condition()

    def __call__(self, method: str, params: dict) -> None:
        with self.cond:
            self.items.append((threading.current_thread().name, method, params))
            self.cond.notify_all()

    def wait_for(self, predicate) -> list[tuple[str, str, dict]]:
        with self.cond:
            assert self.cond.wait_for(lambda: any(predicate(m, p) for _, m, p in self.items), 30)
            return list(self.items)


def open_view(core: XiCore, sent: Sent) -> str:
    view = core.call("new_view", {}).result
    core.views[view].tell("add_view", view)
    sent.wait_for(lambda m, p: m == "update")
    return view


def inserted(text: str):
    return lambda m, p: m == "update" and any(text in ln.get("text", "")
                                              for op in p["update"]["ops"] for ln in op.get("lines", []))


def test_an_edit_to_an_idle_buffer_runs_on_the_reader_thread(node):
    sent = Sent()
    core = XiCore(sent, node=node, watch_files=False)
    try:
        view = open_view(core, sent)
        core.handle_notification("edit", {"view_id": view, "method": "insert", "params": {"chars": "abc"}})
        items = sent.wait_for(inserted("abc"))
        me = threading.current_thread().name
        assert [t for t, m, p in items if inserted("abc")(m, p)] == [me]
        # a request too: answered at once, with the actor's result
        answer = core.handle_request("edit", {"view_id": view, "method": "insert", "params": {"chars": "d"}})
        assert answer is None  # the result itself, not a future
        assert [t for t, m, p in sent.wait_for(inserted("abcd")) if inserted("abcd")(m, p)] == [me]
    finally:
        core.close()


def test_an_edit_to_a_busy_buffer_is_queued_without_waiting(node):
    sent = Sent()
    core = XiCore(sent, node=node, watch_files=False)
    try:
        view = open_view(core, sent)
        ref = core.views[view]
        entered, release = threading.Event(), threading.Event()

        def hold(_result) -> None:  # runs inside the actor: keeps it busy
            entered.set()
            release.wait(30)

        done: concurrent.futures.Future = concurrent.futures.Future()
        done.set_result(None)
        ref.tell("answer", (hold, done))
        assert entered.wait(30)
        core.handle_notification("edit", {"view_id": view, "method": "insert", "params": {"chars": "xy"}})
        answer = core.handle_request("edit", {"view_id": view, "method": "insert", "params": {"chars": "z"}})
        assert not answer.done()  # the reader went on; the actor has not run it yet
        assert not any(inserted("xy")(m, p) for _, m, p in sent.items)
        release.set()
        assert answer.result(30) is None
        items = sent.wait_for(inserted("xyz"))
        me = threading.current_thread().name
        assert all(t != me for t, m, p in items if inserted("xy")(m, p))
    finally:
        release.set()
        core.close()


def test_an_edit_that_may_take_long_never_runs_on_the_reader_thread(node):
    """Only keystroke edits run inline: a paste, a long insert or a case change (work that
    grows with the document) goes to the actor's own thread, so other buffers' keystrokes
    never wait for it."""
    sent = Sent()
    core = XiCore(sent, node=node, watch_files=False)
    try:
        view = open_view(core, sent)
        me = threading.current_thread().name
        long_text = "q" * 300
        for method, params, shows in [("paste", {"chars": "pasted"}, "pasted"),
                                      ("insert", {"chars": long_text}, long_text),
                                      ("select_all", None, None), ("uppercase", None, "PASTED")]:
            core.handle_notification("edit", {"view_id": view, "method": method, "params": params})
            if shows is not None:
                assert all(t != me for t, m, p in sent.wait_for(inserted(shows)) if inserted(shows)(m, p))
    finally:
        core.close()
