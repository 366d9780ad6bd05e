"""featurize: fixed length, bounded, deterministic, sensitive to what routing needs."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony.conductor._features import featurize


def test_shape_bias_and_determinism_across_processes():
    x = featurize("classify", "def f(x):\n    return x\n", {"path": "a.py"})
    assert x.shape == (32,) and x.dtype == np.float64 and x[0] == 1.0
    code = ("from symphony.conductor._features import featurize;"
            "print(featurize('classify', 'def f(x):\\n    return x\\n', {'path': 'a.py'}).tolist())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""})
    assert eval(out.stdout) == x.tolist()  # noqa: S307 - a list of floats we printed


def test_kind_language_and_size_change_the_features():
    base = featurize("review", "fn main() {}\n", {"path": "main.rs"})
    assert not np.array_equal(base, featurize("explain", "fn main() {}\n", {"path": "main.rs"}))
    assert not np.array_equal(base, featurize("review", "fn main() {}\n", {"path": "main.py"}))
    assert not np.array_equal(base, featurize("review", "fn main() {}\n", {"language": "python", "path": "x.rs"}))
    long = featurize("review", "fn main() {}\n" * 500, {"path": "main.rs"})
    assert long[1] > base[1] and long[2] > base[2]
    files = featurize("review", "fn main() {}\n", {"files": ["main.rs"]})
    assert np.array_equal(base, files)


@settings(max_examples=100, deadline=None)
@given(kind=st.text(max_size=20), text=st.text(max_size=3000),
       context=st.one_of(st.none(), st.fixed_dictionaries({}, optional={
           "path": st.text(max_size=30), "language": st.text(max_size=10),
           "files": st.lists(st.text(max_size=20), max_size=3), "selection": st.integers()})),
       n=st.integers(16, 64))
def test_values_are_bounded_and_finite(kind, text, context, n):
    x = featurize(kind, text, context, n)
    assert x.shape == (n,)
    assert np.isfinite(x).all() and np.abs(x).max() <= 2.0
    assert np.array_equal(x, featurize(kind, text, context, n))


def test_a_huge_text_is_read_in_bounded_parts():
    x = featurize("summarise", "word " * 2_000_000 + "\n" * 10)
    assert 0.9 < x[1] <= 1.0 and np.abs(x).max() <= 2.0


def test_bad_arguments():
    with pytest.raises(ValueError):
        featurize("k", "t", None, 8)
    with pytest.raises(TypeError):
        featurize("k", b"bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        featurize("k", "t", ["path"])  # type: ignore[arg-type]
