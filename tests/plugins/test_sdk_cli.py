"""``python -m symphony.plugins.sdk MODULE:CLASS``: a bad spec is one clear line and exit 2."""

from __future__ import annotations

import subprocess

import pytest

from .core_sim import ROOT, plugin_env, sdk_argv

PROG = "python -m symphony.plugins.sdk: "


@pytest.mark.parametrize("args, needle", [
    ((), "expected one argument MODULE:CLASS, got 0"),
    (("a:B", "c:D"), "expected one argument MODULE:CLASS, got 2"),
    (("no_colon",), "expected MODULE:CLASS"),
    ((":Recorder",), "expected MODULE:CLASS"),
    (("tests.plugins.sdk_plugins:",), "expected MODULE:CLASS"),
    (("no.such.module:Plugin",), "cannot import module 'no.such.module': ModuleNotFoundError"),
    (("tests.plugins.sdk_plugins:Missing",), "has no 'Missing'"),
    (("tests.plugins.sdk_plugins:NotAPlugin",), "is not a subclass of symphony.plugins.sdk.Plugin"),
    (("tests.plugins.sdk_plugins:report",), "is not a subclass"),
])
def test_a_bad_spec_exits_2_with_one_line(args, needle):
    out = subprocess.run(sdk_argv("x")[:-1] + list(args), input="", capture_output=True, text=True, timeout=120,
                         env=plugin_env(), cwd=ROOT)
    assert out.returncode == 2, out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith(PROG) and needle in lines[0], lines[0]
    assert out.stdout == ""


def test_a_class_that_cannot_be_built_exits_1():
    out = subprocess.run(sdk_argv("tests.plugins.sdk_plugins:Unbuildable"), input="", capture_output=True,
                         text=True, timeout=120, env=plugin_env(), cwd=ROOT)
    assert out.returncode == 1
    assert out.stderr.strip() == PROG + "cannot create tests.plugins.sdk_plugins:Unbuildable: " \
                                        "RuntimeError: cannot build on purpose"


def test_empty_input_is_a_clean_exit():
    out = subprocess.run(sdk_argv("tests.plugins.sdk_plugins:Quiet"), input="", capture_output=True, text=True,
                         timeout=120, env=plugin_env(), cwd=ROOT)
    assert (out.returncode, out.stdout) == (0, ""), out.stderr
