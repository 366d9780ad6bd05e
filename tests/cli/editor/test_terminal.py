"""``symphony edit FILE.py`` in a real pseudo-terminal: the bytes it draws hold syntax colours
(an SGR colour on a keyword, not the colour of plain text) and a diagnostic's gutter marker;
Ctrl+Q quits and the process exits 0."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest

from symphony.cli.editor._view import MARKER

from .conftest import ROOT

pytest.importorskip("textual")

T = float(os.environ.get("EDIT_TEST_TIMEOUT", 90))
TEXT = "import os\n\n\ndef greet(name):\n    return name\n"
_TOKEN = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[^\[]|[^\x1b]+")


def runs(data: bytes) -> list[tuple[tuple[int, ...] | None, bytes]]:
    """Each run of text drawn, with the foreground colour (its SGR parameters) it was drawn in."""
    fg: tuple[int, ...] | None = None
    out: list[tuple[tuple[int, ...] | None, bytes]] = []
    for token in _TOKEN.findall(data):
        if token.startswith(b"\x1b[") and token.endswith(b"m"):
            params = [int(p) if p else 0 for p in token[2:-1].split(b";")]
            k = 0
            while k < len(params):
                p = params[k]
                if p in (0, 39):
                    fg = None
                elif p in (38, 48) and k + 1 < len(params):
                    width = 5 if params[k + 1] == 2 else 3
                    if p == 38:
                        fg = tuple(params[k:k + width])
                    k += width - 1
                elif 30 <= p <= 37 or 90 <= p <= 97:
                    fg = (p,)
                k += 1
        elif not token.startswith(b"\x1b"):
            out.append((fg, token))
    return out


def keyword_coloured(data: bytes) -> bool:
    """Whether "def" was drawn as a run of its own, in a colour other than the name after it."""
    drawn = runs(data)
    keyword = {fg for fg, text in drawn if text == b"def" and fg is not None}
    names = {fg for fg, text in drawn if text.strip().startswith(b"greet")}
    return bool(keyword and names and keyword - names)


def test_symphony_edit_in_a_real_terminal_shows_colours_and_a_diagnostic(tmp_path):
    from tests.lsp.conftest import pylsp_config

    pylsp_config()
    path = tmp_path / "mod.py"
    path.write_text(TEXT)
    env = dict(os.environ, TERM="xterm-256color", XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("COLORTERM", None)
    env.pop("NO_COLOR", None)
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "symphony", "edit", str(path)], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=str(tmp_path), start_new_session=True)
    os.close(slave)
    output = bytearray()
    lock = threading.Lock()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the terminal's other side closed: the editor has ended
                return
            if not chunk:
                return
            with lock:
                output.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def wait_for(condition) -> bool:
        deadline = time.monotonic() + T
        while time.monotonic() < deadline:
            with lock:
                data = bytes(output)
            if condition(data):
                return True
            if proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    try:
        # the file drawn, "def" in a colour of its own (a keyword: neither plain text nor a name)
        assert wait_for(keyword_coloured), bytes(output)[-3000:]
        # the unused import gets its marker in the gutter and its message in the status line
        assert wait_for(lambda data: MARKER.encode() in data and b"imported but unused" in data), bytes(output)[-3000:]
        os.write(master, b"\x11")  # Ctrl+Q: the file is unchanged, so it quits at once
        assert proc.wait(T) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join(T)
        os.close(master)
