"""The type checker agrees with the runtime: the package checks, and every export is visible to it."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

import symphony

ROOT = pathlib.Path(__file__).resolve().parent.parent
mypy = pytest.importorskip("mypy", reason="mypy is in the [dev] extra")


def run_mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--ignore-missing-imports", "--no-incremental",
                           "--cache-dir", "/dev/null", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_package_type_checks():
    out = run_mypy("symphony", "transports", "asv_bench")
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_export_and_typed_use_is_visible_to_mypy(tmp_path):
    names = [n for n in symphony.__all__ if not n.startswith("__")]
    source = "\n".join([
        "from symphony import " + ", ".join(names),
        "from typing import TypedDict",
        "class EditPayload(TypedDict):",
        "    offset: int",
        "    text: str",
        "msg: Message[EditPayload] = Message('edit', {'offset': 1, 'text': 'x'})",
        "offset: int = msg.payload['offset']",
        "built: Message[object] = Message.build('edit').payload(1).priority(Priority.HIGH).ttl(1.0).build()",
        "data: bytes = encode(msg)",
        "back: Message[object] = decode(data)",
        "def use(ref: Ref) -> None:",
        "    ref.tell('edit', 1, priority=Priority.LOW)",
        "    future: Future[object] = ref.ask_async('query')",
        "err: SymphonyError = AskTimeout('x')",
    ]) + "\n"
    probe = tmp_path / "probe.py"
    probe.write_text(source)
    out = run_mypy(str(probe))
    assert out.returncode == 0, out.stdout + out.stderr
    bad = tmp_path / "bad.py"
    bad.write_text("from symphony import Message\nm: Message[int] = Message('x', 1)\ns: str = m.payload\n")
    assert run_mypy(str(bad)).returncode == 1  # the payload type really is checked
