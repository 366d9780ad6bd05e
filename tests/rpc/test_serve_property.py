"""Property test: random well-formed and malformed requests through one real ``symphony serve``.

After every step: the document equals a model that applies only the valid edits, the
frontend's line cache (built from ``update`` ops alone) matches it, every bad request got an
error (or, sent as a notification, an ``alert``) and changed nothing, and every line the
core wrote is strict JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


@dataclass
class Model:
    """The document and its one selection, as the valid edits leave them."""

    text: str = ""
    anchor: int = 0
    caret: int = 0

    def apply(self, method: str, params: Any) -> None:
        start, end = sorted((self.anchor, self.caret))
        if method == "insert":
            chars = params["chars"]
            self.text = self.text[:start] + chars + self.text[end:]
            self.anchor = self.caret = start + len(chars)
        elif method == "delete_backward":
            if start == end and start > 0:
                start -= 1
            self.text = self.text[:start] + self.text[end:]
            self.anchor = self.caret = start
        elif method == "select_all":
            self.anchor, self.caret = 0, len(self.text)
        elif method == "move_to_beginning_of_document":
            self.anchor = self.caret = 0
        elif method == "move_to_end_of_document":
            self.anchor = self.caret = len(self.text)
        else:
            raise AssertionError(method)


# Characters that are one grapheme each and need no indentation rules: the model stays simple.
chars = st.text(alphabet="abcXYZ\né€😀中", max_size=6)
valid = st.one_of(
    st.builds(lambda c: ("insert", {"chars": c}), chars),
    st.sampled_from([("delete_backward", None), ("select_all", None), ("move_to_beginning_of_document", None),
                     ("move_to_end_of_document", None)]),
)
not_an_object = st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2), st.booleans())
bad_edit = st.one_of(
    st.builds(lambda p: ("insert", p), st.one_of(not_an_object, st.none())),
    st.builds(lambda p: ("insert", {"chars": p}),
              st.one_of(st.integers(), st.none(), st.booleans(), st.lists(st.text(max_size=2), max_size=2))),
    st.sampled_from([("insert", {}), ("find", {}), ("find", {"chars": "a"}), ("resize", {"width": 10}),
                     ("goto_line", {}), ("gesture", {"line": 0}), ("replace", {}), ("highlight_find", {}),
                     ("insert", {"chars": "a\ud800"}), ("paste", {"chars": "\udc00"}),
                     ("insert", {"chars": "x", "\ud800": 1})]),
    st.builds(lambda m, p: (m, p), st.sampled_from(["find", "toggle_recording", "find_next", "play_recording"]),
              not_an_object),
    st.builds(lambda m, p: (m, p), st.sampled_from(["scroll", "click", "request_lines"]),
              st.one_of(st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), st.integers())),
    st.builds(lambda m, p: (m, p), st.sampled_from(["undo", "select_all", "delete_backward", "copy"]),
              st.one_of(st.integers(), st.text(min_size=1, max_size=3), st.lists(st.integers(), min_size=1))),
)
bad_view = st.one_of(st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers()),
                     st.integers(), st.none(), st.just("view-id-999999"), st.just("\ud800"))
step = st.one_of(
    st.tuples(st.just("valid"), valid, st.booleans()),
    st.tuples(st.just("bad"), bad_edit, st.booleans()),
    st.tuples(st.just("bad_view"), st.tuples(bad_view, valid), st.booleans()),
    st.tuples(st.just("not_json"), st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e999"]), st.booleans()),
    st.tuples(st.just("garbage"), st.binary(max_size=30), st.booleans()),
)


def body(view: Any, method: str, params: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"view_id": view, "method": method}
    if params is not None:
        out["params"] = params
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(step, max_size=25))
def test_random_requests_keep_the_document_equal_to_the_model(xi, steps):
    view = xi.new_view()
    model = Model()
    serial = 0
    for kind, what, as_request in steps:
        serial += 1
        start_log, start_errors = len(xi.log), len(xi.errors)
        if kind == "valid":
            method, params = what
            if as_request:
                assert "error" not in xi.request_raw("edit", body(view, method, params))
            else:
                xi.edit(view, method, params)
            model.apply(method, params)
        elif kind in ("bad", "bad_view"):
            if kind == "bad":
                target, (method, params) = view, what
            else:
                target, (method, params) = what[0], what[1]
            if as_request:
                answer = xi.request_raw("edit", body(target, method, params))
                assert answer["error"]["code"] in (-32600, -32602), (method, params, answer)
            else:
                xi.notify("edit", body(target, method, params))
        elif kind == "not_json":
            msg = json.dumps({"id": f"p{serial}", "method": "edit",
                              "params": body(view, "insert", {"chars": "n"})}).replace('"n"', what.decode())
            xi.raw(msg.encode() + b"\n")
        else:
            xi.raw(what.replace(b"\n", b" ") + b"\n")
        text = xi.contents(view)  # a request: everything the step caused has arrived
        assert text == model.text, (kind, what)
        xi.caches[view].check(text)
        new = xi.log[start_log:]
        if kind in ("bad", "bad_view") and not as_request:
            assert any(m.get("method") == "alert" for m in new), (kind, what)
        if kind == "not_json":
            assert [e["error"]["code"] for e in xi.errors[start_errors:]] == [-32700]
    assert xi.bad_lines == []
    xi.request("close_view", {"view_id": view})
