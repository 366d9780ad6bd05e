"""Real extensions for the extension host's tests: written to tmp_path, hosted on a real node.

Fixtures:

- ``node``: a started ``Node``, stopped after the test.
- ``write_ext``: ``write_ext(parent, dirname, toml, files={"name.py": source}) -> Path`` writes
  an extension directory and returns it.
- ``manifest_toml``: ``manifest_toml(**fields)`` -> the text of a valid ``extension.toml``
  (an instrument ``test.probe`` by default; keyword arguments replace top-level fields,
  ``section=`` replaces the kind's section text, None drops a field).
- ``host``: ``host(dirs=..., **options) -> ExtensionManager`` on ``node`` with its home in
  tmp_path (entry points off unless asked), closed after the test.
- ``PROBE``: the source of ``probe.py``, an extension whose ``run``/``call``/``command`` do
  what the task asks with the context's handles (so one module tests every permission).
- The pool's fixtures (``iris``, ``iris_classifier``, ``iris_pickle``, ``write_model``) are
  imported from ``tests/pool/conftest.py``: the iris model is trained at test time.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from symphony.actors import Node
from symphony.extensions import ExtensionManager
from tests.pool.conftest import iris, iris_classifier, iris_pickle, write_model  # noqa: F401 - fixtures

PROBE = '''
import os, time

ACTIVATED = []

class Probe:
    def activate(self, ctx):
        if os.environ.get("PROBE_ACTIVATE_RAISES") == ctx.id:
            raise RuntimeError("activate refused on purpose")
        ACTIVATED.append(ctx.id)
        self.ctx = ctx
        self.calls = 0

    def deactivate(self):
        pass

    def act(self, request, ctx):
        self.calls += 1
        action = request.get("action")
        arg = request.get("arg")
        if action == "echo":
            return arg
        if action == "count":
            return self.calls
        if action == "raise":
            raise ValueError(arg or "failed on purpose")
        if action == "sleep":
            time.sleep(arg)
            return "slept"
        if action == "read":
            return ctx.files.read_text(arg)
        if action == "write":
            return ctx.files.write_text(arg[0], arg[1])
        if action == "list":
            return ctx.files.list(arg)
        if action == "put":
            return ctx.artifacts.put(arg, name="out")
        if action == "get":
            return ctx.artifacts.get(arg).decode()
        if action == "search":
            return ctx.artifacts.search(arg)
        if action == "model":
            return ctx.models.call(arg[0], *arg[1:])
        if action == "process":
            return list(ctx.processes.run(arg, timeout=30))
        if action == "status":
            return ctx.status(arg[0], arg[1])
        if action == "id":
            return id(self)
        raise KeyError(action)

    def run(self, task, ctx):
        return self.act(task["input"], ctx)

    def call(self, inputs, ctx):
        return self.act(inputs["request"], ctx)

    def command(self, command_id, args, ctx):
        return self.act(args, ctx)
'''

SECTIONS = {
    "instrument": '[instrument]\ntasks = ["probe"]\ninputs = {request = "dict"}\n',
    "operator": '[operator]\nname = "probe"\ninputs = {request = "dict"}\noutput = "any"\n',
    "motif": ('[motif]\ncommands = [{id = "probe.act", title = "Act"}]\n'
              'status_items = [{id = "probe.status", text = "idle"}]\n'),
}


def make_toml(section: str | None = None, **fields: Any) -> str:
    """A valid ``extension.toml`` (see the module docstring)."""
    base: dict[str, Any] = {"id": "test.probe", "version": "1.0.0", "kind": "instrument", "api": ">=1.0,<2",
                            "entry": "probe:Probe", "permissions": []}
    base.update(fields)
    lines = []
    for key, value in base.items():
        if value is None:
            continue
        if isinstance(value, str):
            lines.append(f"{key} = {_toml_str(value)}")
        elif isinstance(value, list):
            lines.append(f"{key} = [{', '.join(_toml_str(v) for v in value)}]")
        else:
            lines.append(f"{key} = {value}")
    kind = base.get("kind")
    text = "\n".join(lines) + "\n"
    return text + (section if section is not None else SECTIONS.get(kind, "") if isinstance(kind, str) else "")


def _toml_str(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def _write_ext(parent: Path, dirname: str, toml: str, files: dict[str, str | bytes] | None = None) -> Path:
    directory = Path(parent) / dirname
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "extension.toml").write_text(textwrap.dedent(toml), encoding="utf-8")
    for name, content in ({"probe.py": PROBE} if files is None else files).items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


@pytest.fixture
def write_ext() -> Callable[..., Path]:
    return _write_ext


@pytest.fixture
def manifest_toml() -> Callable[..., str]:
    return make_toml


@pytest.fixture
def node() -> Iterator[Node]:
    n = Node("ext-test")
    yield n
    n.stop()


@pytest.fixture
def host(node: Node, tmp_path: Path) -> Iterator[Callable[..., ExtensionManager]]:
    made: list[ExtensionManager] = []

    def make(dirs: Any = (), **options: Any) -> ExtensionManager:
        options.setdefault("home", tmp_path / "home")
        options.setdefault("entry_points", False)
        manager = ExtensionManager(node, dirs=dirs, **options)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        manager.close()
