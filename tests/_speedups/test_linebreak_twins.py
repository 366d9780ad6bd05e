"""Both twins of ``_linebreak`` (compiled and pure) give uniseg's UAX #14 break
opportunities on every ASCII string they handle: random strings over all of
``ASCII_BYTES`` (and over the punctuation that drives the contextual rules), and JSON
documents, minified and indented, as ``json.dumps`` writes them."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from uniseg.linebreak import line_break_boundaries

from symphony import _speedups

VARIANTS = _speedups.variants("_linebreak")
ALL = VARIANTS["pure"].ASCII_BYTES.decode("ascii")
#: the classes whose rules look past the pair they decide (LB14, LB15c, LB20a, LB25) and a
#: letter, a digit and the line ends, so random strings hit those rules often
DENSE = " ([{)]}$+\\%,.:;-/|!?\"'0a\t\r\n\x0b"

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=20,
)


IMPLS = pytest.mark.parametrize("impl", [VARIANTS[k] for k in sorted(VARIANTS)], ids=sorted(VARIANTS))


def _uniseg(text: str) -> list[int]:
    return [b for b in line_break_boundaries(text) if 0 < b < len(text)]


def test_both_twins_are_here_and_share_the_api():
    assert "pure" in VARIANTS
    if _speedups.COMPILED:
        assert "compiled" in VARIANTS
    pure = VARIANTS["pure"]
    for module in VARIANTS.values():
        for name in pure.public_api:
            assert hasattr(module, name)
        assert module.ASCII_BYTES == pure.ASCII_BYTES


def test_ascii_bytes_are_printable_ascii_and_line_ends():
    printable = {chr(c) for c in range(0x20, 0x7F)}
    assert set(ALL) == printable | set("\t\r\n\x0b\x0c")
    assert len(ALL) == len(set(ALL))


@IMPLS
@pytest.mark.parametrize("text, want", [
    ("", []),
    ("a", []),
    ('{"a":[1,2],"b":{"c":null}}', [5, 15]),
    ("x = f(a, b) - 3", [2, 4, 9, 12, 14]),
    ("see /usr/bin and http://x.org", [5, 9, 13, 17, 24]),
    ("$(1.5) 10% -3 ( 2)", [7, 11, 14]),
    ("a\r\nb\rc\nd\x0be", [3, 5, 7, 9]),
])
def test_known_strings(impl, text, want):
    assert _uniseg(text) == want
    assert impl.ascii_line_breaks(text.encode("ascii")) == want


@IMPLS
@settings(max_examples=2000, deadline=None)
@given(st.text(ALL, max_size=40) | st.text(DENSE, max_size=40))
def test_random_ascii_is_uniseg(impl, text):
    assert impl.ascii_line_breaks(text.encode("ascii")) == _uniseg(text)


@IMPLS
@settings(max_examples=2000, deadline=None)
@given(JSON, st.sampled_from([None, 1]))
def test_json_documents_are_uniseg(impl, doc, indent):
    text = json.dumps(doc, indent=indent)  # ensure_ascii: \uXXXX escapes keep it ASCII
    assert impl.ascii_line_breaks(text.encode("ascii")) == _uniseg(text)
