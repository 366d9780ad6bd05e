"""``Buffer`` in process, checked against a plain-``str`` model and a frontend line cache.

Random sequences of edits, movements, multi-cursor additions, scrolls and undo/redo: after
every step the cache built from ``update`` ops must equal the text in every valid line.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphony.text.editor import Buffer
from tests.rpc.xi_client import LineCache

ACTIONS = st.one_of(
    st.tuples(st.just("insert"), st.fixed_dictionaries({"chars": st.text("ab\n é😀\t", max_size=5)})),
    st.tuples(st.sampled_from([
        "delete_backward", "delete_forward", "insert_newline", "move_left", "move_right", "move_up",
        "move_down", "move_word_left", "move_word_right_and_modify_selection", "add_selection_below",
        "add_selection_above", "undo", "redo", "undo", "select_all", "duplicate_line", "transpose",
        "indent", "outdent", "delete_word_backward", "move_to_end_of_document", "collapse_selections",
        "selection_into_lines", "uppercase", "move_down_and_modify_selection", "insert_tab",
    ]), st.none()),
    st.tuples(st.just("scroll"), st.tuples(st.integers(0, 30), st.integers(1, 8)).map(lambda t: [t[0], t[0] + t[1]])),
    st.tuples(st.just("gesture"), st.fixed_dictionaries({
        "line": st.integers(0, 20), "col": st.integers(0, 10),
        "ty": st.sampled_from(["point_select", "toggle_sel", "range_select", "word_select", "multi_line_select"])})),
)


class Sink:
    def __init__(self) -> None:
        self.caches: dict[str, LineCache] = {}

    def __call__(self, method, params):
        if method == "update":
            self.caches.setdefault(params["view_id"], LineCache()).apply(params["update"]["ops"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text("ab\n ", max_size=60), st.lists(ACTIONS, max_size=25), st.integers(0, 1))
def test_cache_follows_every_step(initial, actions, acting):
    import symphony.text.editor._view as view_module
    sink = Sink()
    buf = Buffer(sink)
    old_margin = view_module.MARGIN
    view_module.MARGIN = 1  # small windows, so invalidation and copying are exercised
    try:
        buf.add_view("a")
        buf.add_view("b")
        buf.command("a", "insert", {"chars": initial})
        for method, params in actions:
            view = "ab"[acting]
            buf.command(view, method, params)
            text = str(buf.rope)
            for vid in ("a", "b"):
                sink.caches[vid].check(text)
                for region in buf.views[vid].regions:
                    assert 0 <= region.start <= region.end <= len(text)
            acting = 1 - acting
    finally:
        view_module.MARGIN = old_margin


def test_undo_restores_pristine_and_exact_rope():
    buf = Buffer(lambda m, p: None)
    buf.add_view("v")
    start = buf.rope
    for ch in "hello":
        buf.command("v", "insert", {"chars": ch})
    buf.command("v", "move_left", None)
    buf.command("v", "insert", {"chars": "X"})
    buf.command("v", "undo", None)
    assert str(buf.rope) == "hello"
    buf.command("v", "undo", None)
    assert buf.rope is start and buf.pristine


def test_word_movement_follows_uax29():
    buf = Buffer(lambda m, p: None)
    buf.add_view("v")
    buf.command("v", "insert", {"chars": "can't stop 3.14 naïve_x"})
    buf.command("v", "move_to_beginning_of_document", None)
    stops = []
    for _ in range(4):
        buf.command("v", "move_word_right", None)
        stops.append(buf.views["v"].regions[0].active)
    assert stops == [5, 10, 15, 23]


def _visual_lines(text: str, width: int) -> list[str]:
    from symphony.text.editor._wrap_line import wrap_line
    out = []
    logical = text.split("\n")
    for i, line in enumerate(logical):
        b = wrap_line(line, width)
        pieces = [line[x:y] for x, y in zip([0, *b], [*b, len(line)])]
        pieces[-1] += "\n" if i < len(logical) - 1 else ""
        out += pieces
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text("ab \n", max_size=80), st.lists(ACTIONS, max_size=20), st.integers(3, 8))
def test_wrapped_cache_follows_every_step(initial, actions, width):
    sink = Sink()
    buf = Buffer(sink, config={"word_wrap": True, "wrap_width": width})
    buf.add_view("a")
    buf.add_view("b")
    buf.command("a", "insert", {"chars": initial})
    for i, (method, params) in enumerate(actions):
        buf.command("ab"[i % 2], method, params)
        while buf.wrap_step():
            pass
        expected = _visual_lines(str(buf.rope), width)
        for vid in ("a", "b"):
            cache = sink.caches[vid]
            assert len(cache.lines) == len(expected)
            for k, line in enumerate(cache.lines):
                assert line is None or line.text == expected[k], (k, line.text, expected[k])


def test_wrap_is_off_the_typing_path_for_long_lines():
    from symphony.text.editor._wrap import LONG
    sink = Sink()
    buf = Buffer(sink, config={"word_wrap": True, "wrap_width": 40})
    buf.add_view("v")
    buf.command("v", "insert", {"chars": "word " * (LONG // 2)})  # one line of 2.5 LONG
    assert buf.wrap is not None and not buf.wrap.done  # queued, not wrapped while typing
    steps = 1
    while buf.wrap.step(buf.rope, budget=0) is None and not buf.wrap.done:
        steps += 1
    assert steps >= 3  # one piece of the long line per step
    buf.wrap_step()
    buf.flush()
    assert len(sink.caches["v"].lines) == len(_visual_lines(str(buf.rope), 40))


def test_typing_in_a_long_wrapped_line_rewraps_locally():
    from symphony.text.editor._wrap_line import wrap_line
    sent: list[dict] = []
    sink = Sink()

    def send(method, params):
        sink(method, params)
        if method == "update":
            sent.append(params)

    buf = Buffer(send, config={"word_wrap": True, "wrap_width": 30})
    buf.add_view("v")
    buf.command("v", "insert", {"chars": "lorem ipsum dolor sit amet " * 800})  # one 21,600-character line
    while buf.wrap_step():
        pass
    buf.command("v", "scroll", [300, 320])
    buf.command("v", "gesture", {"line": 310, "col": 3, "ty": "point_select"})
    sent.clear()
    for ch in "Hello, world " * 3:
        buf.command("v", "insert", {"chars": ch})
        longest = max((len(line["text"]) for u in sent for op in u["update"]["ops"] if op["op"] == "ins"
                       for line in op["lines"]), default=0)
        assert longest <= 31  # never the whole line
        sent.clear()
    while buf.wrap_step():
        pass
    assert buf.wrap.lines.get(0) == tuple(wrap_line(str(buf.rope), 30))
    assert len(sink.caches["v"].lines) == len(_visual_lines(str(buf.rope), 30))


def test_graphemes_move_and_delete_whole():
    buf = Buffer(lambda m, p: None)
    buf.add_view("v")
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    buf.command("v", "insert", {"chars": f"a{family}e\u0301b"})
    buf.command("v", "move_to_beginning_of_document", None)
    stops = []
    for _ in range(4):
        buf.command("v", "move_right", None)
        stops.append(buf.views["v"].regions[0].active)
    assert stops == [1, 1 + len(family), 3 + len(family), 4 + len(family)]
    buf.command("v", "move_left", None)
    buf.command("v", "delete_backward", None)  # e + combining acute go together
    buf.command("v", "delete_backward", None)  # the whole family
    assert str(buf.rope) == "ab"
