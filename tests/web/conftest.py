"""Fixtures for ``symphony web``: the server as a real subprocess, a real headless Chromium
(Debian's ``chromium``, driven by Playwright for Python), pages on the server, screenshots.

The browser tests skip when no Chromium is installed, except under ``.ci/run``
(``SYMPHONY_REQUIRE_BROWSER=1``), which installs it and so fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = str(Path(__file__).resolve().parents[2])
ARTIFACTS = Path(__file__).parent / "artifacts"
#: The flags Chromium needs here: no sandbox as root, no GPU, and no traffic of its own (the
#: machine's closed network refuses it).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
_URL = re.compile(r"at (http://\S+)")


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


class WebProcess:
    """``symphony web`` in a subprocess: its port, token and page address; killed, restarted, stopped."""

    def __init__(self, paths: list[str], token: str, args: list[str], cwd: str) -> None:
        self.paths = paths
        self.token = token
        self.args = args
        self.cwd = cwd
        self.port = 0
        self.proc: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self.start()

    def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        argv = [sys.executable, "-m", "symphony", "web", "--no-open", "--port", str(self.port),
                "--token", self.token, *self.args, *self.paths]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                     cwd=self.cwd)
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            found = _URL.search(line)
            if found:
                self.url = found.group(1)
                self.port = int(self.url.split(":")[2].split("/")[0])
                break
        else:
            raise AssertionError(f"symphony web did not start: {''.join(self.output)}")
        threading.Thread(target=self._drain, args=(self.proc,), daemon=True).start()

    def _drain(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.output.append(line)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """Kill it as a crash would (SIGKILL): no shutdown at all."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(30)

    def restart(self) -> None:
        """Kill it and start it again on the same port with the same token."""
        self.kill()
        self.start()

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(30)


@pytest.fixture
def web_server(tmp_path) -> Iterator[Any]:
    """A factory: ``web_server(*paths, token=..., args=[...])`` starts ``symphony web`` (no tasks
    unless ``args`` says otherwise); every server it started is stopped after the test."""
    started: list[WebProcess] = []

    def start(*paths: str | os.PathLike[str], token: str = "test-token-0123456789",
              args: list[str] | None = None) -> WebProcess:
        server = WebProcess([str(p) for p in paths], token, ["--no-tasks"] if args is None else args, str(tmp_path))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def ws_for(web_server) -> Iterator[Any]:
    """A factory: ``ws_for(server, **options)`` opens a WebSocket to the server as a page would
    (a ``WsClient``; options as for it); every socket it opened is closed after the test,
    before its servers stop."""
    from .ws_client import WsClient

    opened: list[WsClient] = []

    def connect(server: WebProcess, **options: Any) -> WsClient:
        ws = WsClient(server.port, server.token, **options)
        opened.append(ws)
        return ws

    yield connect
    for ws in opened:
        try:
            ws.close()
        except ConnectionError:  # a socket the server already closed
            pass


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's), shared by the session's tests."""
    path = chromium_path()
    if path is None:
        if os.environ.get("SYMPHONY_REQUIRE_BROWSER") == "1":
            pytest.fail("no chromium installed (apt-get install chromium), and SYMPHONY_REQUIRE_BROWSER=1")
        pytest.skip("no chromium installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page_for(browser) -> Iterator[Any]:
    """A factory: ``page_for(server)`` opens the server's page in a new browser context (its
    own storage) and waits until it is connected with its files open; closed after the test."""
    contexts: list[Any] = []

    def open_page(server: WebProcess, *, url: str | None = None, wait: bool = True,
                  viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or {"width": 1200, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.errors = []  # uncaught exceptions on the page fail the test that reads them
        page.on("pageerror", lambda exc: page.errors.append(str(exc)))
        page.goto(url or server.url)
        if wait:
            page.wait_for_function("() => window.symphony && window.symphony.connected", timeout=30_000)
            page.evaluate("() => window.symphony.ready")
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot(request) -> Any:
    """``screenshot(page, name)``: a PNG of the page in tests/web/artifacts/, kept after the run."""

    def take(page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path))
        return path

    return take
