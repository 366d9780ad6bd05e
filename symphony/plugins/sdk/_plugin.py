"""``Plugin``: the class a plugin subclasses, one method per event of xi's plugin protocol."""

from __future__ import annotations

from ._types import FirstScreen, Update
from ._view import View

__all__ = ["Plugin"]


class Plugin:
    """A plugin: subclass it and override the hooks you need (each one is optional).

    The SDK calls the hooks one at a time, on the thread that runs :func:`~symphony.plugins.sdk.serve`
    (or :func:`~symphony.plugins.sdk.run`), in the order the core's messages arrived. A hook that
    raises is logged on stderr (and, for a command or a hover, reported to the user with an
    ``alert``); the plugin keeps serving. Offsets a hook receives count code points.
    """

    #: The plugin's name: the ``author`` of its edits, and the prefix of its alerts.
    name: str = "plugin"
    #: Bytes asked for per ``get_data`` when the SDK fetches a view's text (xi's plugin-lib: 1 MiB).
    chunk_size: int = 1 << 20

    @classmethod
    def first_screen(cls, path: str | None, language: str, text: str, size: int) -> FirstScreen | None:
        """Styles for the first lines of a document just opened, computed in the core's own
        process while this plugin's process is still starting, so a file opened with the
        editor is coloured at once. ``text`` is the document's first lines (whole lines),
        ``size`` the whole document's length in UTF-8 bytes (xi's ``buf_size``), ``language`` the core's guess.
        They are shown until the plugin's own ``update_spans`` cover the same text, so they
        should be what it will send. Called on a worker thread of the core, with no
        instance: keep it quick and stateless. Default: None (nothing until the plugin speaks)."""
        return None

    def follows(self, view: View) -> bool:
        """Whether the plugin follows the edits of ``view`` (``on_update``). One that says no
        (a highlighter shown plain text, say) is not sent the text to keep it current; it
        is fetched when the plugin next reads ``view.document``. Default: every view."""
        return True

    def on_initialize(self, plugin_id: int) -> None:
        """The core started the plugin and gave it the id it is known by."""

    def on_new_view(self, view: View) -> None:
        """The core opened ``view`` for the plugin (at ``initialize`` or ``new_buffer``)."""

    def on_update(self, view: View, update: Update) -> None:
        """The text of ``view`` changed: ``view.document`` is already the new text."""

    def on_save(self, view: View, path: str) -> None:
        """``view``'s buffer was saved to ``path`` (``view.path`` is already ``path``)."""

    def on_close(self, view: View) -> None:
        """``view`` was closed; it is forgotten once this returns."""

    def on_config_changed(self, view: View, changes: dict) -> None:  # type: ignore[type-arg]
        """``changes`` (keys to new values) apply to ``view``: ``view.config`` still has the old
        values while this runs (as in xi's plugin-lib), the new ones after."""

    def on_language_changed(self, view: View, old_language: str) -> None:
        """``view.language`` is the new language; ``old_language`` the one before."""

    def on_hover(self, view: View, request_id: int, position: int) -> None:
        """The user hovers at code point ``position``: answer with ``view.show_hover(request_id, ...)``."""

    def on_command(self, view: View, method: str, params: object) -> object:
        """A ``custom_command`` for the plugin (a command its manifest declares). When the core
        sent it as a request (the frontend's ``plugin_rpc`` with ``rpc_type: "request"``), the
        value returned (JSON: dicts, lists, strings, numbers, None) is the answer; raising
        :class:`~symphony.plugins.sdk.CommandRefused` answers with that error instead."""
        return None

    def on_idle(self, view: View) -> None:
        """Called after ``view.schedule_idle()``, once no message from the core is waiting."""

    def on_shutdown(self) -> None:
        """The core asked the plugin to exit (or closed its input); the SDK then returns."""
