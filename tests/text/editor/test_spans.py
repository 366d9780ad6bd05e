"""``SpanStore`` against a naive model (a list of spans, edited span by span), and plugins'
spans given at an older revision carried over the later edits; hostile spans refused."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symphony.text.editor._spans as spans_module
from symphony.errors import PluginProtocolError
from symphony.text.editor import Buffer
from symphony.text.editor._spans import SpanStore

Span = tuple[int, int, int]


def coalesce(spans: list[Span]) -> list[Span]:
    """Join touching spans of equal value (the store may keep a span in pieces)."""
    out: list[Span] = []
    for a, b, v in spans:
        if out and out[-1][1] == a and out[-1][2] == v:
            out[-1] = (out[-1][0], b, v)
        else:
            out.append((a, b, v))
    return out


def model_edit(spans: list[Span], s: int, e: int, ins: int) -> list[Span]:
    """xi's Spans::apply_shape, naively: pieces outside [s, e) stay, shifted after it; text
    inserted inside a span splits it."""
    d = ins - (e - s)
    out: list[Span] = []
    for a, b, v in spans:
        if b <= s:
            out.append((a, b, v))
        elif a >= e and not (s == e and a < s):
            out.append((a + d, b + d, v))
        else:
            if a < s:
                out.append((a, s, v))
            if b > e:
                out.append((e + d, b + d, v))
    return out


def model_replace(spans: list[Span], s: int, e: int, new: list[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b, v in spans:
        if b <= s or a >= e:
            out.append((a, b, v))
            continue
        if a < s:
            out.append((a, s, v))
        if b > e:
            out.append((e, b, v))
    return sorted(out + new)


@st.composite
def operations(draw: st.DrawFn) -> tuple[int, list[tuple]]:
    length = draw(st.integers(0, 60))
    ops: list[tuple] = []
    n = length
    for _ in range(draw(st.integers(1, 40))):
        s = draw(st.integers(0, n))
        e = draw(st.integers(s, n))
        if draw(st.booleans()):
            ins = draw(st.sampled_from([0, 0, 1, 3, 17]))
            ops.append(("edit", s, e, ins))
            n += ins - (e - s)
        else:
            cuts = sorted(set(draw(st.lists(st.integers(s, e), max_size=10))))
            new = [(cuts[i], cuts[i + 1], draw(st.integers(0, 3))) for i in range(0, len(cuts) - 1, 2)]
            ops.append(("replace", s, e, new))
    return length, ops


@pytest.fixture
def tiny_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    """Leaves of 2 spans and blocks of 2 leaves: splits and block boundaries everywhere."""
    monkeypatch.setattr(spans_module, "LEAF", 1)
    monkeypatch.setattr(spans_module, "BLOCK", 1)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(operations(), st.data())
def test_the_store_matches_a_naive_model(tiny_leaves, case, data):
    length, ops = case
    store: SpanStore[int] = SpanStore(length)
    model: list[Span] = []
    for op in ops:
        if op[0] == "edit":
            _, s, e, ins = op
            store.edit(s, e, ins)
            model = model_edit(model, s, e, ins)
            length += ins - (e - s)
        else:
            _, s, e, new = op
            store.replace(s, e, new)
            model = model_replace(model, s, e, new)
        assert store.length == length
        assert coalesce(store.spans()) == coalesce(model)
        assert store.count >= len(coalesce(model))
        qs = data.draw(st.integers(0, length))
        qe = data.draw(st.integers(qs, length))
        clipped = [(max(a, qs), min(b, qe), v) for a, b, v in model if a < qe and b > qs and qe > qs]
        assert coalesce(store.query(qs, qe)) == coalesce(clipped)


def test_an_edit_touches_only_its_leaf_whatever_the_document_size():
    """100 MB of spans: an edit in the middle changes one leaf; the spans after it move
    without being visited (their leaf-relative offsets are untouched)."""
    n = 100_000_000
    store: SpanStore[int] = SpanStore(n)
    store.replace(0, n, [(k, k + 3, k % 7) for k in range(0, 2_000_000, 10)])
    store.replace(n - 1000, n, [(n - 900, n - 800, 1)])
    leaves = [leaf for block in store._blocks for leaf in block]
    snapshot = [(leaf.starts, leaf.ends) for leaf in leaves]
    store.edit(1_000_005, 1_000_005, 1)  # typing between two spans
    changed = [k for k, leaf in enumerate(leaves) if (leaf.starts, leaf.ends) != snapshot[k]]
    assert len(changed) <= 1
    assert max(len(block) for block in store._blocks) <= 2 * spans_module.BLOCK
    assert max(len(leaf.starts) for leaf in leaves) <= 2 * spans_module.LEAF
    assert store.query(n - 1000, n + 1) == [(n - 899, n - 799, 1)]


def plugin_buffer(text: str) -> Buffer:
    buf = Buffer(lambda m, p: None)
    buf.add_view("v")
    buf.command("v", "insert", {"chars": text})
    buf.plugin_scopes("hl", [["a"], ["b"], ["c"], ["d"]])
    return buf


ACTIONS = st.one_of(
    st.tuples(st.just("insert"), st.fixed_dictionaries({"chars": st.text("xy\n", min_size=1, max_size=3)})),
    st.tuples(st.sampled_from(["delete_backward", "delete_forward", "undo", "redo", "move_left", "move_left",
                               "move_word_left_and_modify_selection", "add_selection_above"]), st.none()),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text("ab \n", min_size=1, max_size=40), st.data(), st.lists(ACTIONS, max_size=10))
def test_spans_given_at_an_old_rev_are_mapped_like_stored_ones(text, data, actions):
    """Spans sent before some edits end up where spans already stored at that revision do."""
    buf = plugin_buffer(text)
    rev = buf.revisions.rev
    n = len(buf.rope)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(start, n))
    cuts = sorted(set(data.draw(st.lists(st.integers(0, end - start), max_size=8))))
    rel = [(cuts[i], cuts[i + 1], data.draw(st.integers(0, 3))) for i in range(0, len(cuts) - 1, 2)]
    model: list[Span] = [(a + start, b + start, v) for a, b, v in rel]
    events = []
    buf.listen(events.append)
    for method, params in actions:
        buf.command("v", method, params)
    for event in events:
        for s, e, t in reversed(event.delta.edits()):
            model = model_edit(model, s, e, len(t))
    lo = start
    hi = end
    for event in events:
        lo, hi = event.delta.map_offset(lo), event.delta.map_offset(hi, after=True)
    buf.plugin_spans("hl", start, end - start, rel, rev)
    got = buf.styles.layers["hl"].spans
    assert got.length == len(buf.rope)
    assert coalesce(got.spans()) == coalesce([(a, b, v) for a, b, v in model if lo <= a and b <= hi])


def test_stored_spans_follow_typing_and_deleting():
    buf = plugin_buffer("def f(): pass")
    buf.plugin_spans("hl", 0, 13, [(0, 3, 0), (4, 5, 1), (9, 13, 2)], buf.revisions.rev)
    buf.command("v", "move_to_beginning_of_document", None)
    buf.command("v", "insert", {"chars": "  "})  # everything shifts by 2
    assert buf.styles.layers["hl"].spans.spans() == [(2, 5, 0), (6, 7, 1), (11, 15, 2)]
    buf.command("v", "move_right", None)
    buf.command("v", "insert", {"chars": "X"})  # inside "def": the span splits around the new text
    assert buf.styles.layers["hl"].spans.spans() == [(2, 3, 0), (4, 6, 0), (7, 8, 1), (12, 16, 2)]
    buf.command("v", "undo", None)  # the spans come back together
    assert coalesce(buf.styles.layers["hl"].spans.spans()) == [(2, 5, 0), (6, 7, 1), (11, 15, 2)]
    buf.command("v", "select_all", None)
    buf.command("v", "delete_backward", None)  # all gone
    assert buf.styles.layers["hl"].spans.spans() == []


#: (plugin, start, length, spans, rev, also bad as annotations)
HOSTILE = [
    ("hl", 0, 5, [(3, 9, 0)], "rev", True),  # past the range
    ("hl", 0, 5, [(-1, 2, 0)], "rev", True),  # negative
    ("hl", 0, 5, [(2, 1, 0)], "rev", True),  # end before start
    ("hl", 0, 5, [(0.0, 2, 0)], "rev", True),  # float
    ("hl", 0, 5, [(float("nan"), 2, 0)], "rev", True),  # NaN
    ("hl", 0, 5, [(True, 2, 0)], "rev", True),  # bool
    ("hl", 0, 5, [(0, 3, 0), (2, 4, 1)], "rev", True),  # overlapping
    ("hl", 0, 5, [(3, 4, 0), (0, 2, 1)], "rev", True),  # out of order
    ("hl", 0, 5, [(0, 2, 4)], "rev", False),  # unknown scope index
    ("hl", 0, 5, [(0, 2, -1)], "rev", False),  # negative scope index
    ("hl", 0, 5, [(0, 2, "a")], "rev", False),  # scope index of the wrong type
    ("other", 0, 5, [(0, 2, 0)], "rev", False),  # a plugin without scopes
    ("hl", 0, 5, [(0, 2)], "rev", True),  # not a triple
    ("hl", 0, 5, "spans", "rev", True),  # not a list
    ("hl", 0, 99, [], "rev", True),  # range past the end
    ("hl", -1, 3, [], "rev", True),
    ("hl", 0.5, 3, [], "rev", True),
    ("hl", 0, 5, [], 99, True),  # unknown revision
    ("hl", 0, 5, [], -1, True),
    ("hl", 0, 5, [], 0, True),  # too old
    ("hl", 0, 5, [], "1", True),
    ("", 0, 5, [], "rev", True),
    (None, 0, 5, [], "rev", True),
]


@pytest.mark.parametrize("plugin, start, length, spans, rev, bad_annotations", HOSTILE)
def test_hostile_spans_raise_and_change_nothing(plugin, start, length, spans, rev, bad_annotations):
    sent: list[tuple[str, dict]] = []
    buf = Buffer(lambda m, p: sent.append((m, p)))
    buf.add_view("v")
    buf.command("v", "insert", {"chars": "hello world"})
    buf.revisions.max_revisions = 1
    buf.command("v", "insert", {"chars": "!"})
    buf.plugin_scopes("hl", [["a"], ["b"], ["c"], ["d"]])
    buf.plugin_spans("hl", 0, 5, [(0, 5, 1)], buf.revisions.rev)
    before = buf.styles.layers["hl"].spans.spans()
    n_sent = len(sent)
    rev = buf.revisions.rev if rev == "rev" else rev
    with pytest.raises(PluginProtocolError):
        buf.plugin_message("plugin_spans", (plugin, start, length, spans, rev))
    assert buf.styles.layers["hl"].spans.spans() == before and set(buf.styles.layers) == {"hl"}
    assert len(sent) == n_sent
    if bad_annotations:  # annotations are checked the same way (their data is free)
        with pytest.raises(PluginProtocolError):
            buf.plugin_message("plugin_annotations", (plugin, start, length, spans, "lint", rev))
        assert not buf.annotations.stores and len(sent) == n_sent


@pytest.mark.parametrize("message, payload", [
    ("plugin_scopes", ("hl", "source.python")),
    ("plugin_scopes", ("hl", [["a", 1]])),
    ("plugin_scopes", ("hl",)),
    ("plugin_spans", ("hl", 0, 5)),
    ("plugin_gone", 7),
    ("listen", "not callable"),
])
def test_hostile_messages_raise(message, payload):
    buf = plugin_buffer("hello")
    with pytest.raises(PluginProtocolError):
        buf.plugin_message(message, payload)
    assert buf.styles.layers["hl"].scopes == [["a"], ["b"], ["c"], ["d"]]
