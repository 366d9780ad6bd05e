"""What a plugin sends, checked and converted to code points (``symphony.plugins._inbound``): spans
and annotations in UTF-8 bytes against a model that converts each offset through the rope."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symphony.errors import PluginProtocolError
from symphony.plugins import _inbound as inbound
from symphony.text import Rope

TEXT = st.text(st.sampled_from("ab \n\té€😀\r"), max_size=40)


def _boundaries(text: str) -> list[int]:
    out, n = [0], 0
    for ch in text:
        n += len(ch.encode("utf-8"))
        out.append(n)
    return out


@given(data=st.data(), text=TEXT)
def test_spans_in_bytes_become_code_points_as_the_rope_converts_them(data, text):
    rope = Rope(text)
    bounds = _boundaries(text)
    i = data.draw(st.integers(0, len(text)))
    j = data.draw(st.integers(i, len(text)))
    start_b, end_b = bounds[i], bounds[j]
    local = [b - start_b for b in bounds[i:j + 1]]
    raw = []
    for _ in range(data.draw(st.integers(0, 5))):
        a = data.draw(st.sampled_from(local))
        b = data.draw(st.sampled_from([x for x in local if x >= a]))
        raw.append({"start": a, "end": b, "scope_id": data.draw(st.integers(0, 3))})
    start, length, spans = inbound.spans({"start": start_b, "len": end_b - start_b, "spans": raw}, rope)
    assert (start, length) == (i, j - i)
    model = [(rope.from_utf8(start_b + s["start"]) - i, rope.from_utf8(start_b + s["end"]) - i, s["scope_id"])
             for s in raw]
    assert spans == model
    notes = inbound.annotation_spans({"start": start_b, "len": end_b - start_b, "annotation_type": "x",
                                      "spans": [{**s, "data": 1} for s in raw]}, rope)[2]
    assert [(n["start"], n["end"]) for n in notes] == [(a, b) for a, b, _ in model]


@pytest.mark.parametrize("span, message", [
    ({"start": 2, "end": 3, "scope_id": 0}, "inside a character"),  # inside "é" (bytes 1..3)
    ({"start": 0, "end": 99, "scope_id": 0}, r"past start \+ len"),
    ({"start": 3, "end": 1, "scope_id": 0}, "ends before it starts"),
    ({"start": True, "end": 1, "scope_id": 0}, "non-negative integer"),
    ({"start": 0, "end": 1.5, "scope_id": 0}, "non-negative integer"),
    ({"start": 0, "end": 1, "scope_id": -1}, "non-negative integer"),
    ([0, 1, 0], "must be an object"),
])
def test_a_bad_span_is_refused(span, message):
    rope = Rope("aé b\n")
    with pytest.raises(PluginProtocolError, match=message):
        inbound.spans({"start": 0, "len": len("aé b\n".encode()), "spans": [span]}, rope)


def test_a_bad_range_is_refused():
    rope = Rope("aé\n")
    for params, message in (({"start": 2, "len": 1, "spans": []}, "inside a character"),
                            ({"start": 0, "len": 99, "spans": []}, "outside the text"),
                            ({"start": 0, "len": 1, "spans": "x"}, "must be a list")):
        with pytest.raises(PluginProtocolError, match=message):
            inbound.spans(params, rope)
