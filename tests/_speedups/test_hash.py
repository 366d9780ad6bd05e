"""Both twins of ``_hash`` (compiled and pure) chunk and route identically."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphony import _speedups

VARIANTS = _speedups.variants("_hash")
PARAMS = (256, 1024, 4096)


@pytest.fixture(params=sorted(VARIANTS))
def impl(request):
    return VARIANTS[request.param]


def _data(n: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


def test_public_api_matches():
    pure = VARIANTS["pure"]
    for module in VARIANTS.values():
        for name in pure.public_api:
            assert hasattr(module, name)


def test_boundaries_cover_data_within_limits(impl):
    data = _data(200_000)
    bounds = impl.cdc_boundaries(data, *PARAMS)
    assert bounds[-1] == len(data)
    sizes = [b - a for a, b in zip([0] + bounds[:-1], bounds)]
    assert all(s <= PARAMS[2] for s in sizes)
    assert all(s >= PARAMS[0] for s in sizes[:-1])
    assert impl.cdc_boundaries(b"", *PARAMS) == []
    assert impl.cdc_boundaries(b"abc", *PARAMS) == [3]


def test_bad_sizes_raise(impl):
    with pytest.raises(ValueError):
        impl.cdc_boundaries(b"x" * 10, 100, 50, 200)
    with pytest.raises(ValueError):
        impl.jump_hash(1, 0)


def test_edit_in_middle_keeps_most_chunks(impl):
    data = bytearray(_data(300_000, seed=3))
    before = impl.cdc_boundaries(bytes(data), *PARAMS)
    data[150_000:150_010] = b"0123456789"
    after = impl.cdc_boundaries(bytes(data), *PARAMS)
    chunks = lambda d, b: {bytes(d[x:y]) for x, y in zip([0] + b[:-1], b)}  # noqa: E731
    old = chunks(_data(300_000, seed=3), before)
    new = chunks(data, after)
    assert sum(len(c) for c in new - old) < 3 * PARAMS[2]


@pytest.mark.skipif(len(VARIANTS) < 2, reason="compiled twin not built")
@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=0, max_size=20_000), st.sampled_from([(64, 256, 1024), (16, 64, 128), (1000, 1000, 1000)]))
def test_twins_give_same_chunks(data, sizes):
    assert VARIANTS["pure"].cdc_boundaries(data, *sizes) == VARIANTS["compiled"].cdc_boundaries(data, *sizes)


@pytest.mark.skipif(len(VARIANTS) < 2, reason="compiled twin not built")
@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=2**64 - 1), st.integers(min_value=1, max_value=10_000))
def test_twins_give_same_buckets(key, buckets):
    got = VARIANTS["pure"].jump_hash(key, buckets)
    assert got == VARIANTS["compiled"].jump_hash(key, buckets)
    assert 0 <= got < buckets


def test_jump_hash_moves_few_keys(impl):
    keys = range(0, 10_000 * 7919, 7919)
    moved = sum(impl.jump_hash(k, 10) != impl.jump_hash(k, 11) for k in keys)
    assert moved < 10_000 * 0.15
