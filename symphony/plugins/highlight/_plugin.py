"""``HighlightPlugin``: the bundled highlighter as a plugin of the SDK (``symphony.plugins.sdk``).

A thin adapter: each view gets a ``HighlightSession``; its batches go out as ``add_scopes`` and
``update_spans``, and while lines are owed the plugin asks for an idle turn. Runs out of
process as ``python -m symphony.plugins.sdk symphony.plugins.highlight._plugin:HighlightPlugin``.
"""

from __future__ import annotations

import time

from ...text import Rope
from ..sdk import FirstScreen, Plugin, Span, Update, View
from ._engine import TREE_SITTER_MAX_BYTES
from ._languages import LANGUAGES, PLAIN_TEXT, detect_language
from ._session import HighlightSession, SpanBatch

__all__ = ["HighlightPlugin"]


#: Bytes of a big file's start its first screen is coloured from, before the whole text is read.
PREFIX_BYTES = 256 << 10
#: Seconds without an edit before the background work (lines owed, far from the edit) goes on:
#: each batch it sends costs the core a little, and while the user types that little comes
#: out of the keystrokes. The lines an edit touches are sent at once all the same.
QUIET = 0.2


class HighlightPlugin(Plugin):
    """Syntax highlighting for every view: tree-sitter where a grammar exists, else Pygments."""

    name = "symphony-highlight"
    #: the text in xi's 1 MiB ``get_data`` chunks: each answer holds the core's interpreter
    #: for a moment (a 16 MiB one, for some 20 ms of typing); the first screen does not wait
    #: for the whole text (``first_screen`` and the head of a big file colour it)
    chunk_size = 1 << 20

    def __init__(self) -> None:
        self._sessions: dict[str, HighlightSession] = {}
        self._edited = -QUIET  # when the last edit came (time.monotonic())

    @staticmethod
    def _language(view: View) -> str:
        if view.language in LANGUAGES:
            return view.language  # the core detected it (modeline, name, shebang) or was told
        first = view.document.line(0) if len(view.document) else ""
        return detect_language(view.path, first)

    @classmethod
    def first_screen(cls, path: str | None, language: str, text: str, size: int) -> FirstScreen | None:
        """The first screen from the text the core has; nothing for plain text. Tree-sitter
        where the language has a grammar, whatever the file's size (it loads in about 10 ms
        where a Pygments lexer compiles in 25): for a file past ``TREE_SITTER_MAX_BYTES``,
        which the plugin colours with Pygments, a few tokens may change colour when the
        plugin's own spans arrive."""
        if language not in LANGUAGES:
            language = detect_language(path, text[:text.find("\n") + 1] if "\n" in text else text)
        if language == PLAIN_TEXT or not text:
            return None
        scopes: list[list[str]] = []
        spans: list[tuple[int, int, int]] = []
        for batch in HighlightSession(language, Rope(text)).open():
            scopes += batch.new_scopes
            spans += [(batch.start + s, batch.start + e, i) for s, e, i in batch.spans]
        return FirstScreen(scopes, spans)

    def follows(self, view: View) -> bool:
        return self._language(view) != PLAIN_TEXT  # plain text: no colours, its text never fetched

    def _flush(self, view: View, batches: list[SpanBatch], rev: int | None, head: Rope | None = None) -> None:
        for batch in batches:
            if batch.new_scopes:
                view.add_scopes(batch.new_scopes)
            view.update_spans(batch.start, batch.length, [Span(s, e, i) for s, e, i in batch.spans], rev,
                              head=head)
        if self._sessions.get(view.view_id) is not None and self._sessions[view.view_id].pending:
            view.schedule_idle(max(0.0, self._edited + QUIET - time.monotonic()))

    def on_new_view(self, view: View) -> None:
        if not self.follows(view):
            self._sessions.pop(view.view_id, None)
            return
        language = self._language(view)
        first = None
        if not view.document_loaded and view.buf_size > 4 * PREFIX_BYTES:
            # a big file: colour its first screen from its first bytes while the rest comes
            # (lexing runs top down, so those lines' colours do not depend on what follows)
            first = self._first_screen(view, language)
        session = HighlightSession(language, view.document)
        if first is not None:
            session.continue_from(first)
        self._sessions[view.view_id] = session
        self._flush(view, session.open(), view.rev)

    def _first_screen(self, view: View, language: str) -> HighlightSession | None:
        head = view.get_data(0, "utf8", PREFIX_BYTES).chunk
        head = head[:head.rfind("\n") + 1]  # whole lines only
        if not head:
            return None
        engine = "pygments" if view.buf_size > TREE_SITTER_MAX_BYTES else None  # as the whole file will
        text = Rope(head)
        session = HighlightSession(language, text, engine=engine)
        self._flush(view, session.open(), view.rev, head=text)
        return session

    def on_update(self, view: View, update: Update) -> None:
        self._edited = time.monotonic()
        session = self._sessions.get(view.view_id)
        if session is None:
            self.on_new_view(view)
            return
        self._flush(view, session.update(update.delta, view.document), update.rev)

    def on_language_changed(self, view: View, old_language: str) -> None:
        session = self._sessions.get(view.view_id)
        if session is None:
            self.on_new_view(view)
            return
        self._flush(view, session.restart(view.document, view.language or PLAIN_TEXT), view.rev)

    def on_idle(self, view: View) -> None:
        session = self._sessions.get(view.view_id)
        if session is not None:
            self._flush(view, session.idle(), view.rev)

    def on_close(self, view: View) -> None:
        self._sessions.pop(view.view_id, None)
