"""``FirstScreens``: a just-opened document's first screen coloured in the core's own process.

A plugin process takes a Python start and its imports (0.15-0.5 s on a busy machine) before it
can send a span, and a file opened together with the editor would show plain text that long.
A Python plugin may say what its first screen will be (:meth:`symphony.plugins.sdk.Plugin.first_screen`,
registered in the entry point group ``symphony.first_screens``, so that no other plugin's module
is imported into the core); the host asks it
on a worker thread when a document is first opened, and the buffer shows the answer as the
plugin's *preview* (``("plugin_preview", ...)``) until the plugin's own ``update_spans`` cover
the same text, range by range. A preview that comes after the plugin's own spans is ignored.

Nothing here can hold up an open: a class that fails to import, a hook that raises or returns
nonsense, is logged once and skipped.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading

from ..actors import Ref
from ..errors import SymphonyError
from ..text import Rope
from ._manifest import Manifest
from .sdk import FirstScreen, Plugin, load_plugin

__all__ = ["FIRST_SCREEN_CHARS", "FIRST_SCREEN_LINES", "FirstScreens", "first_lines"]

logger = logging.getLogger(__name__)

#: Lines a first screen covers (a tall terminal or window, and some).
FIRST_SCREEN_LINES = 120
#: At most this many characters of them (a file of very long lines).
FIRST_SCREEN_CHARS = 64 << 10


def first_lines(rope: Rope, lines: int = FIRST_SCREEN_LINES, chars: int = FIRST_SCREEN_CHARS) -> str:
    """The first ``lines`` whole lines of ``rope``, cut to whole lines within ``chars``
    characters ("" when its first line alone is longer). A text without a final newline
    counts its last line as whole."""
    count = rope.line_count
    end = rope.offset_of_line(lines) if lines < count else len(rope)
    if end > chars:
        text = str(rope.slice(0, chars))
        return text[:text.rfind("\n") + 1]
    return str(rope.slice(0, end))


class FirstScreens:
    """Runs plugins' :meth:`~symphony.plugins.sdk.Plugin.first_screen` for newly opened
    documents, one at a time on a worker thread, and tells the buffers what they said."""

    def __init__(self) -> None:
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._classes: dict[str, type[Plugin] | None] = {}
        self._closed = False

    def colour(self, manifest: Manifest, buffer: Ref, path: str | None, language: str, rev: int,
               rope: Rope) -> concurrent.futures.Future[None] | None:
        """Colour the first screen of ``rope`` (the buffer's text at ``rev``) for the plugin of
        ``manifest``, if it is a Python plugin that can: the buffer is told in the background;
        the future is done once it was (None: nothing to do)."""
        if manifest.first_screen is None or self._classes.get(manifest.first_screen, Plugin) is None:
            return None
        with self._lock:
            if self._closed:
                return None
            if self._pool is None:
                self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="symphony-first-screen")
            return self._pool.submit(self._run, manifest, buffer, path, language, rev, rope)

    def _plugin_class(self, entry: str) -> type[Plugin] | None:
        if entry not in self._classes:
            try:
                cls: type[Plugin] | None = load_plugin(entry)
            except SymphonyError as exc:
                logger.warning("plugin %s: no first screen: %s", entry, exc)
                cls = None
            if cls is not None and cls.first_screen.__func__ is Plugin.first_screen.__func__:  # type: ignore[attr-defined]
                cls = None  # the default: nothing to run
            self._classes[entry] = cls
        return self._classes[entry]

    def _run(self, manifest: Manifest, buffer: Ref, path: str | None, language: str, rev: int,
             rope: Rope) -> None:
        assert manifest.first_screen is not None
        cls = self._plugin_class(manifest.first_screen)
        if cls is None:
            return
        text = first_lines(rope)
        if not text:
            return
        try:
            found = cls.first_screen(path, language, text, rope.utf8_len)
        except Exception:
            logger.exception("plugin %s: first_screen failed", manifest.name)
            self._classes[manifest.first_screen] = None
            return
        if found is None:
            return
        if not isinstance(found, FirstScreen):
            logger.warning("plugin %s: first_screen returned %r, not a FirstScreen", manifest.name, type(found))
            return
        try:  # the buffer checks the spans (a bad one is refused there, changing nothing)
            buffer.tell("plugin_preview", (manifest.name, found.scopes, 0, len(text), found.spans, rev))
        except SymphonyError:  # the buffer is gone (closed meanwhile)
            pass

    def close(self) -> None:
        """Stop the worker (what is queued is dropped; what runs is waited for)."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
