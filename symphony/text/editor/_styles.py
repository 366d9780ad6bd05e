"""Styles from plugins' scopes: xi's ``add_scopes``/``update_spans`` on the core side.

A plugin names scope stacks (``[["source.python", "keyword.control"], ...]``) and then
marks text with indices into its table. :class:`StyleMap` (one per frontend connection,
shared by its buffers) turns a scope stack into a style id through a resolver
(``Callable[[list[str]], dict]`` returning xi ``def_style`` fields: ``fg_color``,
``bg_color``, ``weight``, ``italic``, ``underline``; no resolver: no styling) and sends
``def_style`` the first time a style is used. :class:`PluginStyles` (one per buffer) holds
each plugin's scope table and spans (a :class:`~symphony.text.editor._spans.SpanStore`)
and answers, for the lines on screen, the style spans to send.

Invariants: a style id is sent in a line's ``styles`` only after its ``def_style`` (ids
from ``FIRST_STYLE``: 0 and 1 are xi's selection and find styles); two scope stacks that
resolve to the same fields share one id; a resolver that raises or answers nothing
usable leaves that scope unstyled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ._spans import SpanStore

__all__ = ["DEF_STYLE_FIELDS", "FIRST_STYLE", "PluginLayer", "PluginStyles", "Resolver", "StyleMap"]

logger = logging.getLogger(__name__)

#: Turns a scope stack into xi ``def_style`` fields (an empty dict: unstyled).
Resolver = Callable[[list[str]], dict[str, Any]]
#: The ``def_style`` fields a resolver may set.
DEF_STYLE_FIELDS = ("fg_color", "bg_color", "weight", "italic", "underline")
#: The first style id for plugins' styles (0: selection, 1: find, as in xi's frontend protocol).
FIRST_STYLE = 2


class StyleMap:
    """Style ids for one frontend connection (thread-safe: its buffers run on many threads)."""

    def __init__(self, resolver: Resolver | None = None) -> None:
        self._lock = threading.Lock()
        self._resolver = resolver
        self._ids: dict[tuple[tuple[str, Any], ...], int] = {}
        self._cache: dict[tuple[str, ...], int | None] = {}
        #: bumped when the resolver changes (buffers resolve their scope tables again)
        self.generation = 0

    def set_resolver(self, resolver: Resolver | None) -> None:
        """Use ``resolver`` from now on (a theme change); every scope is resolved again."""
        with self._lock:
            self._resolver = resolver
            self._cache.clear()
            self.generation += 1

    def style_id(self, scopes: list[str], send: Callable[[str, dict[str, Any]], None]) -> int | None:
        """The style id of a scope stack (None: unstyled); sends ``def_style`` for a new one."""
        key = tuple(scopes)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
            style_id = None
            if self._resolver is not None:
                try:
                    style = self._resolver(list(scopes))
                except Exception:  # a theme's bug must not break the buffer
                    logger.exception("style resolver failed for %r", scopes)
                    style = None
                fields = ({k: style[k] for k in DEF_STYLE_FIELDS if style.get(k) is not None}
                          if isinstance(style, dict) else {})
                if fields:
                    fkey = tuple(sorted(fields.items()))
                    style_id = self._ids.get(fkey)
                    if style_id is None:
                        style_id = FIRST_STYLE + len(self._ids)
                        self._ids[fkey] = style_id
                        send("def_style", {"id": style_id, **fields})
            self._cache[key] = style_id
            return style_id


class PluginLayer:
    """One plugin's scope table and spans in one buffer."""

    __slots__ = ("generation", "scopes", "spans", "style_ids")

    def __init__(self, length: int) -> None:
        self.scopes: list[list[str]] = []
        self.style_ids: list[int | None] = []
        self.spans: SpanStore[int] = SpanStore(length)
        self.generation = -1


class PluginStyles:
    """The style layers of one buffer's plugins (by plugin name, in order of arrival)."""

    def __init__(self, style_map: StyleMap, send: Callable[[str, dict[str, Any]], None]) -> None:
        self.style_map = style_map
        self.send = send
        self.layers: dict[str, PluginLayer] = {}
        #: spans shown for a plugin until it sends its own (its first screen, coloured in the
        #: core's process while it starts): each range it sends is cleared here
        self.previews: dict[str, PluginLayer] = {}
        #: the styles of the lines last rendered: line start -> (text, spans, triples); kept
        #: in step with edits, so a keystroke restyles only the lines it touched
        self._memo: dict[int, tuple[str, list[tuple[int, int, int]], tuple[int, ...]]] = {}
        self._memo_generation = style_map.generation

    @property
    def used(self) -> bool:
        """Whether any plugin has styles here (layers or previews)."""
        return bool(self.layers or self.previews)

    def layer(self, plugin: str, length: int) -> PluginLayer:
        """The plugin's layer (created empty on first use)."""
        layer = self.layers.get(plugin)
        if layer is None:
            layer = self.layers[plugin] = PluginLayer(length)
        return layer

    def add_scopes(self, plugin: str, scopes: list[list[str]], length: int) -> None:
        """Append to the plugin's scope table (xi ``add_scopes``)."""
        layer = self.layer(plugin, length)
        layer.scopes.extend(scopes)
        self._resolve(layer)

    def _resolve(self, layer: PluginLayer) -> None:
        generation = self.style_map.generation
        if layer.generation != generation:
            layer.style_ids = []
            layer.generation = generation
        for scopes in layer.scopes[len(layer.style_ids):]:
            layer.style_ids.append(self.style_map.style_id(scopes, self.send))

    def edit(self, start: int, end: int, inserted: int) -> None:
        """Carry every layer's spans over an edit of the text."""
        for layer in (*self.layers.values(), *self.previews.values()):
            layer.spans.edit(start, end, inserted)
        if self._memo:
            d = inserted - (end - start)
            self._memo = {(ls if ls + len(m[0]) < start else ls + d): m for ls, m in self._memo.items()
                          if ls + len(m[0]) < start or ls > end}

    def replace(self, plugin: str, start: int, end: int, spans: list[tuple[int, int, int]], length: int) -> None:
        """Replace the plugin's spans in ``[start, end)`` (absolute, checked)."""
        self.layer(plugin, length).spans.replace(start, end, spans)
        preview = self.previews.get(plugin)
        if preview is not None:  # the plugin's own spans take over from its preview, range by range
            preview.spans.replace(start, end, [])
            if not preview.spans.count:
                del self.previews[plugin]
        self._memo = {ls: m for ls, m in self._memo.items() if ls + len(m[0]) < start or ls > end}

    def has_spans(self, plugin: str) -> bool:
        """Whether the plugin has sent spans (that are still held)."""
        layer = self.layers.get(plugin)
        return layer is not None and bool(layer.spans.count)

    def preview(self, plugin: str, scopes: list[list[str]], start: int, end: int,
                spans: list[tuple[int, int, int]], length: int) -> None:
        """Show ``spans`` (over ``scopes``, a table of their own) for the plugin in
        ``[start, end)`` until the plugin's own spans replace them."""
        layer = PluginLayer(length)
        layer.scopes.extend(scopes)
        self._resolve(layer)
        layer.spans.replace(start, end, spans)
        self.previews[plugin] = layer
        self._memo = {ls: m for ls, m in self._memo.items() if ls + len(m[0]) < start or ls > end}

    def drop(self, plugin: str) -> None:
        """Forget a plugin's scopes and spans (and its preview)."""
        self.layers.pop(plugin, None)
        self.previews.pop(plugin, None)
        self._memo.clear()

    def per_line(self, starts: list[int], texts: list[str]
                 ) -> dict[int, tuple[str, list[tuple[int, int, int]], tuple[int, ...]]]:
        """Per line (index into ``texts``, which start at ``starts``) with any style:
        ``(text, spans, triples)``, its spans (code points from the line's start) and its
        ``styles`` triples alone (UTF-8 columns, each start relative to the previous end).
        Lines unchanged since the last call are not looked up again."""
        if self._memo_generation != self.style_map.generation:
            self._memo.clear()
            self._memo_generation = self.style_map.generation
        memo = self._memo
        kept: dict[int, tuple[str, list[tuple[int, int, int]], tuple[int, ...]]] = {}
        out: dict[int, tuple[str, list[tuple[int, int, int]], tuple[int, ...]]] = {}
        get = memo.get
        for li, (ls, text) in enumerate(zip(starts, texts)):
            hit = get(ls)
            if hit is None or hit[0] != text:
                found = self.window(ls, ls + len(text)) or []
                spans = [(a - ls, b - ls, sid) for a, b, sid in found]
                flat: list[int] = []
                prev = 0
                ascii_ = text.isascii()
                for a, b, sid in spans:
                    if not ascii_:
                        a, b = _utf8(text, a), _utf8(text, b)
                    flat += (a - prev, b - a, sid)
                    prev = b
                hit = (text, spans, tuple(flat))
            kept[ls] = hit
            if hit[1]:
                out[li] = hit
        self._memo = kept
        return out

    def window(self, start: int, end: int) -> list[tuple[int, int, int]] | None:
        """Style spans ``(start, end, style_id)`` meeting ``[start, end)``, sorted; None when
        no plugin has any spans (the common case costs one loop over the plugins)."""
        out: list[tuple[int, int, int]] | None = None
        for layer in (*self.layers.values(), *self.previews.values()) if self.previews else self.layers.values():
            if not layer.spans.count:
                continue
            if layer.generation != self.style_map.generation or len(layer.style_ids) < len(layer.scopes):
                self._resolve(layer)
            ids = layer.style_ids
            found = [(a, b, sid) for a, b, v in layer.spans.query(start, end) if (sid := ids[v]) is not None]
            if found:
                out = found if out is None else sorted(out + found)
        return out


def _utf8(text: str, col: int) -> int:
    return len(text[:col].encode("utf-8", "surrogatepass"))
