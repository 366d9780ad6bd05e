"""The two twins of the ``_rope`` speedup: same API, same answers, same errors; chosen in one place."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symphony._speedups as speedups

ROOT = Path(__file__).resolve().parents[2]
VARIANTS = speedups.variants("_rope")
pure = VARIANTS["pure"]


def test_rope_is_a_registered_speedup():
    assert "_rope" in speedups.MODULES
    assert speedups.load("_rope") in VARIANTS.values()


def test_same_public_api():
    for ops in VARIANTS.values():
        for name in pure.public_api:
            assert hasattr(ops, name), (ops.__name__, name)
        assert list(ops.public_api) == list(pure.public_api)
        assert (ops.MIN_LEAF, ops.TARGET_LEAF, ops.MAX_LEAF, ops.MIN_CHILDREN, ops.MAX_CHILDREN) == (
            pure.MIN_LEAF, pure.TARGET_LEAF, pure.MAX_LEAF, pure.MIN_CHILDREN, pure.MAX_CHILDREN)


def test_text_metrics():
    for ops in VARIANTS.values():
        assert ops.text_metrics("") == (0, 0, 0, 0)
        assert ops.text_metrics("ab\n") == (3, 1, 3, 3)
        assert ops.text_metrics("é\n😀中") == (4, 1, 5, 2 + 1 + 4 + 3)
        assert ops.text_metrics("\ud800") == (1, 0, 1, 3)
        with pytest.raises(TypeError):
            ops.text_metrics(b"x")


def test_set_limits_validates():
    for ops in VARIANTS.values():
        before = ops.limits()
        with pytest.raises(ValueError):
            ops.set_limits(4, 4, 6, 2, 4)  # target + min > max
        with pytest.raises(ValueError):
            ops.set_limits(1, 1, 2, 3, 5)  # 2 * min_children > max_children
        assert ops.limits() == before


def _outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # noqa: BLE001 - comparing what each twin raises
        return ("raise", type(exc).__name__, str(exc))


@pytest.mark.skipif("compiled" not in VARIANTS, reason="compiled speedups not built")
@settings(max_examples=60, deadline=None)
@given(text=st.lists(st.sampled_from(["a", "b", "\n", "\r", "é", "😀", "\ud83d", "\ude00", "中"]), max_size=40).map("".join),
       calls=st.lists(
    st.tuples(st.sampled_from(["char_at", "substr", "slice", "replace", "offset_of_line", "line_of_offset",
                               "utf16_of_offset", "offset_of_utf16", "utf8_of_offset", "offset_of_utf8"]),
              st.integers(-2, 45), st.integers(-2, 45), st.text(alphabet="x\r\n😀", max_size=5)), max_size=10))
def test_twins_agree_on_answers_and_errors(text, calls):
    roots = {name: ops.build(text) for name, ops in VARIANTS.items()}
    for fn, a, b, s in calls:
        results = {}
        for name, ops in VARIANTS.items():
            f = getattr(ops, fn)
            args = {"char_at": (a,), "substr": (a, b), "slice": (a, b), "replace": (a, b, s)}.get(fn, (a,))
            out = _outcome(f, roots[name], *args)
            if out[0] == "ok" and fn in ("slice", "replace"):
                ops.check(out[1])
                out = ("ok", ops.substr(out[1], 0, out[1].length))
            results[name] = out
        assert results["pure"] == results["compiled"], (fn, a, b, s)


def _run(code: str, **env: str) -> str:
    full_env = {k: v for k, v in os.environ.items() if k != "SYMPHONY_PURE_PYTHON"}
    full_env.update(PYTHONPATH=str(ROOT), **env)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full_env, cwd=str(ROOT),
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def test_pure_python_env_selects_the_twin():
    out = _run("""
        import symphony._speedups as s
        from symphony.text import Rope
        print(s.status()["_rope"], s.COMPILED, Rope._ops.__name__, Rope("a\\nb").line_count)
    """, SYMPHONY_PURE_PYTHON="1")
    assert out == "pure False symphony._speedups._rope_py 2"


def test_import_works_without_the_compiled_module():
    out = _run("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "symphony._speedups._rope":
                    raise ImportError("no compiled module here")
                return None
        sys.meta_path.insert(0, Block())
        import symphony._speedups as s
        from symphony.text import Rope
        print(s.status()["_rope"], Rope("ab").insert(1, "x"))
    """)
    assert out == "pure axb"


@pytest.mark.skipif("compiled" not in VARIANTS, reason="compiled speedups not built")
def test_compiled_is_chosen_by_default():
    assert _run("import symphony._speedups as s; print(s.status()['_rope'])") == "compiled"


def test_edits_release_every_node_they_share():
    """Copying a path takes references to the untouched siblings; dropping the copy gives them back."""
    import random
    import sys

    for ops in VARIANTS.values():
        root = ops.build("abc\r\n" * 20_000)
        first = root
        while first.height:
            first = first.children[0]
        before = sys.getrefcount(first)
        rng = random.Random(7)
        r = root
        for _ in range(300):
            o = rng.randrange(r.length + 1)
            r = ops.replace(r, o, min(r.length, o + rng.choice([0, 1, 9000])), rng.choice(["", "x", "\r\n" * 3000]))
            r = ops.concat(ops.slice(r, 0, r.length // 2), ops.slice(r, r.length // 2, r.length))
        del r
        assert sys.getrefcount(first) == before
        assert ops.substr(root, 0, 10) == "abc\r\nabc\r\n"
