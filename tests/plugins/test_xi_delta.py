"""xi's wire form of a delta: string in / string out against the naive model, and hostile input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symphony.errors import PluginProtocolError
from symphony.plugins import delta_from_xi, delta_to_xi
from symphony.text import Delta, Rope

TEXT = st.text(alphabet=st.sampled_from("ab\né€😀\r"), max_size=30)


@st.composite
def text_and_delta(draw):
    base = draw(TEXT)
    start = draw(st.integers(0, len(base)))
    end = draw(st.integers(start, len(base)))
    return base, Delta.replace(len(base), start, end, draw(TEXT))


@given(text_and_delta())
def test_round_trip_through_json(case):
    base, delta = case
    rope = Rope(base)
    wire = json.loads(json.dumps(delta_to_xi(delta, rope)))
    assert delta_from_xi(wire, rope) == delta


@given(text_and_delta())
def test_wire_offsets_are_utf8_bytes(case):
    base, delta = case
    wire = delta_to_xi(delta, Rope(base))
    raw = base.encode()
    assert wire["base_len"] == len(raw)
    # Applying the wire form to the bytes, as a plugin does, gives the edited text.
    out = b"".join(raw[el["copy"][0]:el["copy"][1]] if "copy" in el else el["insert"].encode() for el in wire["els"])
    assert out.decode() == delta.apply(base)


def test_example_from_xi():
    # "héllo" -> "hé!llo": copy the 3 bytes of "hé", insert "!", copy "llo".
    wire = {"base_len": 6, "els": [{"copy": [0, 3]}, {"insert": "!"}, {"copy": [3, 6]}]}
    assert delta_from_xi(wire, Rope("héllo")).apply("héllo") == "hé!llo"


@pytest.mark.parametrize(
    "wire",
    [
        None,
        [],
        {"els": []},
        {"base_len": 6, "els": "x"},
        {"base_len": 5, "els": [{"copy": [0, 5]}]},  # base_len is bytes, not characters
        {"base_len": True, "els": [{"copy": [0, 6]}]},
        {"base_len": 6, "els": [{"copy": [0, 2]}]},  # inside "é"
        {"base_len": 6, "els": [{"copy": [0, 7]}]},
        {"base_len": 6, "els": [{"copy": [-1, 3]}]},
        {"base_len": 6, "els": [{"copy": [3, 1]}]},
        {"base_len": 6, "els": [{"copy": [3, 6]}, {"copy": [0, 3]}]},
        {"base_len": 6, "els": [{"copy": [0.0, 3]}]},
        {"base_len": 6, "els": [{"copy": [0, float("nan")]}]},
        {"base_len": 6, "els": [{"insert": 5}]},
        {"base_len": 6, "els": [{"copy": [0, 3], "insert": "x"}]},
        {"base_len": 6, "els": [{"move": [0, 3]}]},
        {"base_len": 6, "els": [["copy", 0, 3]]},
    ],
)
def test_hostile_wire_deltas_are_refused(wire):
    with pytest.raises(PluginProtocolError):
        delta_from_xi(wire, Rope("héllo"))
