"""``def_style`` as the terminal editor reads it: colours, weight, italics; malformed params left
to the terminal's defaults, never an exception."""

from __future__ import annotations

import pytest
from rich.color import Color

from symphony.cli.editor._view import style_of


def test_a_full_definition():
    style = style_of({"id": 2, "fg_color": 0xFFF92672, "bg_color": 0xFF272822, "weight": 700, "italic": True,
                      "underline": True})
    assert style.color == Color.from_rgb(0xF9, 0x26, 0x72)
    assert style.bgcolor == Color.from_rgb(0x27, 0x28, 0x22)
    assert (style.bold, style.italic, style.underline) == (True, True, True)


@pytest.mark.parametrize("params", [
    None, [], "x", {}, {"fg_color": -1}, {"fg_color": 2**40}, {"fg_color": "red"}, {"fg_color": 1.5},
    {"fg_color": float("nan")}, {"fg_color": 0x00FFFFFF}, {"weight": "bold"}, {"italic": 1}, {"underline": "yes"},
])
def test_malformed_definitions_leave_the_terminal_defaults(params):
    style = style_of(params)
    assert (style.color, style.bgcolor, style.bold, style.italic, style.underline) == (None, None, None, None, None)
