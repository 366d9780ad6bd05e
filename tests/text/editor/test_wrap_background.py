"""The background wrap pass gives way to typing: it waits until the text has been quiet for
``WRAP_QUIET``, a step ends after one piece when a message waits, and an edit the local
re-wrap settles keeps the pass's progress (it does not send the pass back to the edit).
The breaks stay the from-scratch ones either way."""

from __future__ import annotations

from typing import Any

import symphony.text.editor._actor as actor_module
import symphony.text.editor._wrap as wrap_module
from symphony.envelope import Message
from symphony.text import Rope
from symphony.text.editor import Buffer, BufferActor, Region
from symphony.text.editor._wrap_line import wrap_line

from ...conftest import wait_until

WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit "


def _buffer(rope_cls: type[Rope], text: str, width: int) -> Buffer:
    buf = Buffer(lambda m, p: None)
    buf.rope = buf.saved = rope_cls(text)
    buf.add_view("v")
    buf.config["wrap_width"] = width
    buf.configure_wrap()
    return buf


def _exact(buf: Buffer) -> bool:
    assert buf.wrap is not None
    width = buf.wrap.width
    lines = str(buf.rope).split("\n")
    return all(list(buf.wrap.segments(i))[1:] == wrap_line(t, width) for i, t in enumerate(lines))


def test_a_step_ends_after_one_piece_when_something_waits(rope_cls, small_thresholds):
    buf = _buffer(rope_cls, WORDS * 400, 10)  # one line of 22400 characters (a larger document is wrapped at once)
    wrap = buf.wrap
    assert wrap is not None and not wrap.done
    asked = []

    def waiting() -> bool:
        asked.append(1)
        return True

    wrap.step(buf.rope, budget=60.0, interrupt=waiting)
    assert not wrap.done and len(asked) == 1
    assert wrap._partial is not None and wrap._partial[1] <= wrap_module.LONG  # one piece done
    # with nothing waiting the same budget wraps the whole line in one step
    wrap.step(buf.rope, budget=60.0, interrupt=lambda: False)
    assert wrap.done and _exact(buf)


def test_the_buffer_passes_its_interrupt_to_the_step(rope_cls, small_thresholds):
    buf = _buffer(rope_cls, WORDS * 400, 10)
    steps = 0
    while buf.wrap_step(lambda: True):
        steps += 1
    assert steps >= 22400 // 64 - 1  # a piece a step
    assert _exact(buf)


def test_an_edit_settled_near_it_keeps_the_passs_progress(rope_cls, small_thresholds):
    buf = _buffer(rope_cls, WORDS * 400, 22)
    while buf.wrap_step():
        pass
    wrap = buf.wrap
    assert wrap is not None
    # a word made longer near the start moves every break after it: the line is exact only
    # after a pass to its end (the text repeats, so the moved breaks never meet the old ones)
    buf.views["v"].regions = [Region(18, 18)]
    buf.command("v", "insert", {"chars": "xxx"})
    for _ in range(3):
        buf.wrap_step()
    assert wrap._resync is not None
    done = wrap._resync[1]
    assert done > 120
    # a letter changed inside a word well before ``done`` leaves every break where it was
    at = done - 90
    while buf.rope[at:at + 1] == " " or buf.rope[at + 1:at + 2] == " ":
        at += 1
    buf.views["v"].regions = [Region(at, at + 1)]
    buf.command("v", "insert", {"chars": "q"})
    assert wrap._resync is not None and wrap._resync[1] == done  # not sent back to the edit
    while buf.wrap_step():
        pass
    assert wrap.done and _exact(buf)


class _Probe(BufferActor):
    """Answers ``probe`` with whether a message waited before and after it told itself one."""

    def _handle(self, message: Message[Any]) -> Any:
        if message.kind == "probe":
            before = self._message_waiting()
            self.actor_ref.tell("get_config", None)
            return before, self._message_waiting()
        return super()._handle(message)


def test_the_actor_tells_its_steps_when_a_message_waits(node):
    ref = node.spawn(_Probe, lambda m, p: None)
    ref.ask("add_view", "v")
    assert ref.ask("probe", None) == (False, True)


class _WrapProbe(BufferActor):
    """Answers ``wrap_done`` with whether the document's wrapping is complete."""

    def _handle(self, message: Message[Any]) -> Any:
        if message.kind == "wrap_done":
            return self.buffer.wrap is not None and self.buffer.wrap.done
        return super()._handle(message)


def test_making_an_edited_line_exact_waits_for_typing_to_pause(node, monkeypatch, small_thresholds):
    monkeypatch.setattr(actor_module, "WRAP_QUIET", 3600.0)  # typing never pauses long enough
    ref = node.spawn(_WrapProbe, lambda m, p: None, None, {"wrap_width": 22})
    ref.ask("add_view", "v")
    ref.ask("command", ("v", "insert", {"chars": WORDS * 400}))
    # a line not wrapped yet is wrapped whatever the typing: it never waits
    assert wait_until(lambda: ref.ask("wrap_done", None))
    # a word made longer near the line's start moves the breaks after it far along the line
    ref.ask("command", ("v", "gesture", {"line": 0, "col": 18, "ty": "point_select"}))
    ref.ask("command", ("v", "insert", {"chars": "xxx"}))
    for _ in range(5):
        ref.ask("command", ("v", "scroll", [0, 50]))  # messages that do not change the text
        assert ref.ask("wrap_done", None) is False  # the pass waits (its waiter thread watches the quiet time)
    monkeypatch.setattr(actor_module, "WRAP_QUIET", 0.0)
    ref.tell("wrap_step", None)  # as the waiter would, once the text is quiet
    assert wait_until(lambda: ref.ask("wrap_done", None))
    # (stopping the node stops and joins a waiter: no thread is left running)
