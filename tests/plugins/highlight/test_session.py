"""What the plugin sends, played into a model of the core's span store, colours every
character as a fresh highlight does once the idle turns are done, after any edits; and the
first screen / the changed lines go out at once."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.plugins.highlight._lines import LineTodo
from symphony.plugins.highlight._session import HighlightSession
from symphony.text import Delta, Rope

from ._oracle import fresh
from .test_incremental import PIECES, delta_on, texts


class CoreModel:
    """The core's spans of one plugin: replaced per update_spans, moved through edits."""

    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.spans: list[tuple[int, int, int]] = []  # absolute, sorted, disjoint
        self.length = 0

    def receive(self, batches) -> None:
        for b in batches:
            for stack in b.new_scopes:
                assert len(stack) == 1
                self.scopes.append(stack[0])
            lo, hi = b.start, b.start + b.length
            assert 0 <= lo <= hi <= self.length
            kept = []
            for s, e, i in self.spans:
                if e <= lo or s >= hi:
                    kept.append((s, e, i))
                    continue
                if s < lo:
                    kept.append((s, lo, i))
                if e > hi:
                    kept.append((hi, e, i))
            for s, e, i in b.spans:
                assert 0 <= s < e <= b.length and 0 <= i < len(self.scopes)
                kept.append((s + lo, e + lo, i))
            self.spans = sorted(kept)

    def edit(self, delta: Delta) -> None:
        moved = []
        for s, e, i in self.spans:
            s2, e2 = delta.map_offset(s, after=True), delta.map_offset(e)
            if s2 < e2:
                moved.append((s2, e2, i))
        self.spans = moved
        self.length = delta.target_len

    def colours(self) -> list[str]:
        out = [""] * self.length
        for s, e, i in self.spans:
            out[s:e] = [self.scopes[i]] * (e - s)
        return out


def colours_of(spans, length):
    out = [""] * length
    for s, e, scope in spans:
        out[s:e] = [scope] * (e - s)
    return out


def drain(session, core):
    for _ in range(10_000):
        if not session.pending:
            return
        core.receive(session.idle())
    raise AssertionError("idle never finished")


CASES = [("tree-sitter", "Python"), ("tree-sitter", "Rust"), ("pygments", "Python"), ("pygments", "Go")]


@pytest.mark.parametrize("budget", [None, 0.0], ids=["reparse-at-once", "reparse-on-idle"])
@pytest.mark.parametrize("engine,language", CASES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_core_ends_with_a_fresh_highlight(engine, language, budget, data):
    rope = Rope(data.draw(texts(language)))
    session = HighlightSession(language, rope, screen_lines=2, chunk_lines=3, engine=engine, reparse_budget=budget)
    core = CoreModel()
    core.length = len(rope)
    core.receive(session.open())
    for _ in range(data.draw(st.integers(1, 4))):
        delta = data.draw(delta_on(str(rope), language))
        rope = delta.apply(rope)
        core.edit(delta)
        core.receive(session.update(delta, rope))
        if data.draw(st.booleans()):
            drain(session, core)
            assert core.colours() == colours_of(fresh(language, rope, engine), len(rope))
    drain(session, core)
    assert core.colours() == colours_of(fresh(language, rope, engine), len(rope))


def test_open_sends_all_scopes_once_then_the_first_screen():
    rope = Rope("".join(f"x{i} = {i}\n" for i in range(50)))
    session = HighlightSession("Python", rope, screen_lines=10, chunk_lines=15)
    [first] = session.open()
    assert first.start == 0 and first.length == rope.offset_of_line(10)
    assert len(first.new_scopes) > 30 and all(len(s) == 1 for s in first.new_scopes)
    assert session.todo.ranges == [(10, 51)]
    sizes = []
    while session.pending:
        [b] = session.idle()
        assert not b.new_scopes
        sizes.append(b.length)
    assert len(sizes) == 3 and session.idle() == []


def test_an_edit_sends_its_lines_at_once():
    rope = Rope("".join(f"x{i} = {i}\n" for i in range(50)))
    session = HighlightSession("Python", rope, screen_lines=10, reparse_budget=None)
    session.open()
    while session.pending:
        session.idle()
    at = rope.offset_of_line(30)
    new = rope.insert(at, "# ")
    [b] = session.update(Delta.insert(len(rope), at, "# "), new)
    assert b.start == at and b.spans == [(0, b.length - 1, b.spans[0][2])]  # the whole line is a comment now
    assert not session.pending


def test_a_reparse_past_its_budget_goes_out_on_the_next_idle_turn():
    rope = Rope("x = [\n1]\n" + "y = 2\n" * 100)
    session = HighlightSession("Python", rope, screen_lines=10, reparse_budget=0.0)
    session.open()
    while session.pending:
        session.idle()
    new = rope.delete(7, 8)
    assert session.update(Delta.delete(len(rope), 7, 8), new) == []
    assert session.pending
    [b] = session.idle()
    assert b.start <= 6 < b.start + b.length


def test_a_missing_delta_starts_afresh_and_a_language_change_too():
    rope = Rope("x = 1\n")
    session = HighlightSession("Python", rope)
    session.open()
    new = Rope("fn main() {}\n")
    [b] = session.update(None, new)
    assert b.length == len(new)
    [b] = session.restart(new, "Rust")
    assert session.language == "Rust" and session.highlighter.engine == "tree-sitter"


def test_a_scope_outside_the_vocabulary_is_added_before_use(monkeypatch):
    import symphony.plugins.highlight._treesitter as ts_module

    monkeypatch.setattr(ts_module, "scope_for_capture", lambda name: "x.custom." + name)
    session = HighlightSession("Python", Rope("x = 1\n"))
    [b] = session.open()
    names = [s[0] for s in b.new_scopes]
    for _s, _e, i in b.spans:
        assert names[i].startswith("x.custom.")


def test_line_todo_moves_with_edits():
    t = LineTodo()
    t.add(0, 5)
    t.add(10, 20)
    t.add(4, 8)
    assert t.ranges == [(0, 8), (10, 20)]
    t.remove(2, 12)
    assert t.ranges == [(0, 2), (12, 20)]
    t.shift(5, 5, 8)  # line 5 became lines 5..8
    assert t.ranges == [(0, 2), (15, 23)]
    t.shift(16, 18, 16)  # lines 16..18 became line 16
    assert t.ranges == [(0, 2), (15, 21)]
    t.shift(0, 3, 0)
    assert t.ranges == [(0, 1), (12, 18)]
