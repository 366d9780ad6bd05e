"""Calls into extensions: an operator's signature checked before anything is sent, its output
type checked; instruments by task kind; motif commands and contributions."""

from __future__ import annotations

import re

import pytest

from symphony.errors import ExtensionFailed, ExtensionNotFound
from symphony.extensions._signature import check_inputs, matches

from .conftest import make_toml

OPERATOR = ('[operator]\nname = "typed"\ninputs = {text = "str", n = "int", x = "float", flag = "bool"}\n'
            'output = "{out}"\n')
TYPED = '''
CALLS = []
class Typed:
    def call(self, inputs, ctx):
        CALLS.append(inputs)
        return inputs["flag"] and {"text": inputs["text"] * inputs["n"]} or "not a dict"
'''


@pytest.fixture
def typed(tmp_path, write_ext, host):
    write_ext(tmp_path / "e", "t", make_toml(id="test.typed", kind="operator", entry="typed:Typed",
                                             section=OPERATOR.replace("{out}", "dict")), {"typed.py": TYPED})
    return host(dirs=[tmp_path / "e"])


GOOD = {"text": "ab", "n": 2, "x": 1.5, "flag": True}


def test_operator_call(typed):
    assert typed.operators().keys() == {"typed"}
    assert typed.call_operator("typed", GOOD) == {"text": "abab"}
    assert typed.call_operator("typed", {**GOOD, "x": 3}) == {"text": "abab"}  # an int is a float


@pytest.mark.parametrize(("inputs", "why"), [
    ({k: v for k, v in GOOD.items() if k != "n"}, "missing input(s) 'n'"),
    ({**GOOD, "extra": 1}, "unexpected input(s) 'extra'"),
    ({**GOOD, "n": "2"}, "input 'n' must be int, not str"),
    ({**GOOD, "n": True}, "input 'n' must be int, not bool"),
    ({**GOOD, "x": float("nan")}, "input 'x' must be float"),
    ({**GOOD, "flag": 1}, "input 'flag' must be bool"),
    (["text"], "inputs must be a dict"),
])
def test_bad_input_is_refused_before_anything_is_sent(typed, inputs, why):
    with pytest.raises(ExtensionFailed, match=re.escape("bad input for operator typed: " + why)) as info:
        typed.call_operator("typed", inputs)
    assert info.value.extension == "test.typed"
    snapshot = typed.info("test.typed")
    assert (snapshot.calls, snapshot.activations, snapshot.errors) == (0, 0, 0)  # never reached it


def test_bad_output_is_an_error_of_the_extension(typed):
    with pytest.raises(ExtensionFailed, match="output must be dict, not str"):
        typed.call_operator("typed", {**GOOD, "flag": False})
    assert typed.info("test.typed").errors == 1
    assert typed.call_operator("typed", GOOD) == {"text": "abab"}


def test_unknown_operator_and_disabled_operator(typed):
    with pytest.raises(ExtensionNotFound, match="no enabled operator 'nope'"):
        typed.call_operator("nope", {})
    typed.disable("test.typed")
    with pytest.raises(ExtensionNotFound):
        typed.call_operator("typed", GOOD)


def test_instruments_by_task(tmp_path, write_ext, host):
    write_ext(tmp_path / "e", "a", make_toml(id="test.a", section='[instrument]\ntasks = ["classify", "probe"]\n'))
    write_ext(tmp_path / "e", "b", make_toml(id="test.b", section='[instrument]\ntasks = ["summarise"]\n'))
    manager = host(dirs=[tmp_path / "e"])
    assert [m.id for m in manager.instruments()] == ["test.a", "test.b"]
    assert [m.id for m in manager.instruments("classify")] == ["test.a"]
    with pytest.raises(ExtensionNotFound, match="does not do 'summarise'"):
        manager.run_instrument("test.a", {"kind": "summarise", "input": {}})
    for bad in (["x"], {"input": 1}, {"kind": "probe", "other": 1}, {"kind": "probe", "context": []}):
        with pytest.raises(ExtensionFailed, match="bad task"):
            manager.run_instrument("test.a", bad)
    assert manager.info("test.a").calls == 0
    task = manager.run_instrument("test.a", {"kind": "classify", "input": {"action": "echo", "arg": "ok"}})
    assert task == "ok"


def test_a_kind_mismatch_is_not_found(tmp_path, write_ext, host):
    write_ext(tmp_path / "e", "m", make_toml(id="test.m", kind="motif"))
    manager = host(dirs=[tmp_path / "e"])
    with pytest.raises(ExtensionNotFound, match="is a motif, not an instrument"):
        manager.run_instrument("test.m", {"kind": "probe"})
    with pytest.raises(ExtensionNotFound, match="no enabled motif declares"):
        manager.run_command("nope.cmd")
    with pytest.raises(ExtensionFailed, match="bad arguments"):
        manager.run_command("probe.act", ["x"])  # type: ignore[arg-type]


def test_contributions(tmp_path, write_ext, host):
    section = ('[motif]\ncommands = [{id = "c.one", title = "One", key = "ctrl+1"}]\n'
               'status_items = [{id = "c.status", text = "ready", alignment = "right"}]\n'
               'panels = [{id = "c.panel", title = "Panel"}]\n'
               'keybindings = [{command = "c.one", key = "ctrl+1"}]\n'
               'decorations = [{id = "c.deco", scope = "invalid"}]\n')
    write_ext(tmp_path / "e", "c", make_toml(id="test.c", kind="motif", section=section))
    manager = host(dirs=[tmp_path / "e"])
    assert manager.contributions() == {
        "commands": [{"id": "c.one", "title": "One", "key": "ctrl+1", "extension": "test.c"}],
        "status_items": [{"id": "c.status", "text": "ready", "alignment": "right", "extension": "test.c"}],
        "panels": [{"id": "c.panel", "title": "Panel", "extension": "test.c"}],
        "keybindings": [{"command": "c.one", "key": "ctrl+1", "extension": "test.c"}],
        "decorations": [{"id": "c.deco", "scope": "invalid", "extension": "test.c"}],
    }
    assert manager.status() == {"c.status": "ready"}
    manager.disable("test.c")
    assert manager.contributions()["commands"] == [] and manager.status() == {}


def test_signature_helpers():
    assert matches(1, "float") and not matches(True, "float") and matches(b"x", "bytes") and matches(None, "any")
    assert check_inputs({}, {}) is None
