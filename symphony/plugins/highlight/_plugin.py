"""``HighlightPlugin``: the bundled highlighter as a plugin of the SDK (``symphony.plugins.sdk``).

A thin adapter: each view gets a ``HighlightSession``; its batches go out as ``add_scopes`` and
``update_spans``, and while lines are owed the plugin asks for an idle turn. Runs out of
process as ``python -m symphony.plugins.sdk symphony.plugins.highlight._plugin:HighlightPlugin``.
"""

from __future__ import annotations

from ..sdk import Plugin, Span, Update, View
from ._languages import LANGUAGES, PLAIN_TEXT, detect_language
from ._session import HighlightSession, SpanBatch

__all__ = ["HighlightPlugin"]


class HighlightPlugin(Plugin):
    """Syntax highlighting for every view: tree-sitter where a grammar exists, else Pygments."""

    name = "symphony-highlight"

    def __init__(self) -> None:
        self._sessions: dict[str, HighlightSession] = {}

    @staticmethod
    def _language(view: View) -> str:
        if view.language and view.language in LANGUAGES and view.language != PLAIN_TEXT:
            return view.language
        first = view.document.line(0) if len(view.document) else ""
        return detect_language(view.path, first)

    def _flush(self, view: View, batches: list[SpanBatch], rev: int | None) -> None:
        for batch in batches:
            if batch.new_scopes:
                view.add_scopes(batch.new_scopes)
            view.update_spans(batch.start, batch.length, [Span(s, e, i) for s, e, i in batch.spans], rev)
        if self._sessions.get(view.view_id) is not None and self._sessions[view.view_id].pending:
            view.schedule_idle()

    def on_new_view(self, view: View) -> None:
        session = HighlightSession(self._language(view), view.document)
        self._sessions[view.view_id] = session
        self._flush(view, session.open(), view.rev)

    def on_update(self, view: View, update: Update) -> None:
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
