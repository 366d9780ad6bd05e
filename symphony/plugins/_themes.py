"""Themes: the colours of scopes, built from Pygments styles, in the forms xi sends them.

A ``Theme`` answers two questions: what style a stack of scopes gets (``style_for``, whose
``Style.to_def_style(id)`` is xi's ``def_style`` notification), and the editor-wide colours
(``settings()``, the ``theme`` object of xi's ``theme_changed``: syntect's ``ThemeSettings``
serialised, each colour ``{"r", "g", "b", "a"}`` or null). A scope is styled as the Pygments
token type it corresponds to (``symphony.plugins._scopes``), so every Pygments style can be a
theme; ``THEMES`` holds a few, dark and light.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import Token
from pygments.util import ClassNotFound

from ._scopes import token_for_scope

__all__ = ["DEFAULT_THEME", "THEMES", "Style", "Theme"]

#: xi's font weights: normal and bold.
_NORMAL, _BOLD = 400, 700


def _argb(color: str | None) -> int | None:
    """``"#rrggbb"``/``"rrggbb"``/``"#rgb"`` as an opaque ARGB int; None for none or ``inherit``."""
    if not color:
        return None
    c = color.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    if len(c) != 6:
        return None
    try:
        return 0xFF000000 | int(c, 16)
    except ValueError:
        return None


@dataclass(frozen=True)
class Style:
    """One style as xi's ``def_style`` has it: colours as 32-bit ARGB ints (None: the default)."""

    fg_color: int | None = None
    bg_color: int | None = None
    weight: int = _NORMAL
    italic: bool = False
    underline: bool = False

    def to_def_style(self, style_id: int) -> dict[str, Any]:
        """The ``def_style`` params defining this style as ``style_id`` (fields at their
        default are left out, as xi-core leaves out what a style does not set)."""
        out: dict[str, Any] = {"id": style_id}
        if self.fg_color is not None:
            out["fg_color"] = self.fg_color
        if self.bg_color is not None:
            out["bg_color"] = self.bg_color
        if self.weight != _NORMAL:
            out["weight"] = self.weight
        if self.italic:
            out["italic"] = True
        if self.underline:
            out["underline"] = True
        return out


def _rgba(argb: int | None) -> dict[str, int] | None:
    if argb is None:
        return None
    return {"r": (argb >> 16) & 0xFF, "g": (argb >> 8) & 0xFF, "b": argb & 0xFF, "a": (argb >> 24) & 0xFF}


# syntect's ThemeSettings fields, in its order; those a Pygments style says nothing of are null.
_SETTINGS_FIELDS = (
    "foreground", "background", "caret", "line_highlight", "misspelling", "minimap_border", "accent",
    "popup_css", "phantom_css", "bracket_contents_foreground", "bracket_contents_options",
    "brackets_foreground", "brackets_background", "brackets_options", "tags_foreground", "tags_options",
    "highlight", "find_highlight", "find_highlight_foreground", "gutter", "gutter_foreground", "selection",
    "selection_foreground", "selection_border", "inactive_selection", "inactive_selection_foreground",
    "guide", "active_guide", "stack_guide", "shadow",
)


@dataclass(frozen=True)
class Theme:
    """A named theme on a Pygments style (``pygments_style``: a name ``get_style_by_name`` knows)."""

    name: str
    pygments_style: str
    dark: bool
    _cache: dict[tuple[str, ...], Style] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    @property
    def style(self) -> StyleMeta:
        """The Pygments style class."""
        return get_style_by_name(self.pygments_style)

    @property
    def foreground(self) -> int:
        """The default text colour (ARGB)."""
        fg = _argb(self.style.style_for_token(Token)["color"])
        return fg if fg is not None else (0xFFF8F8F2 if self.dark else 0xFF000000)

    @property
    def background(self) -> int:
        """The background colour (ARGB)."""
        bg = _argb(self.style.background_color)
        return bg if bg is not None else (0xFF272822 if self.dark else 0xFFFFFFFF)

    def style_for(self, scopes: list[str]) -> Style:
        """The style of a scope stack (outermost first): the innermost scope with a style decides."""
        key = tuple(scopes)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        pygments_style = self.style
        result = Style()
        for scope in reversed(key):
            token = token_for_scope(scope)
            if token is Token:
                continue
            s = pygments_style.style_for_token(token)
            result = Style(fg_color=_argb(s["color"]), bg_color=_argb(s["bgcolor"]),
                           weight=_BOLD if s["bold"] else _NORMAL, italic=bool(s["italic"]),
                           underline=bool(s["underline"]))
            break
        with self._lock:
            self._cache[key] = result
        return result

    def resolver(self) -> Callable[[list[str]], dict[str, Any]]:
        """Scope stacks to ``def_style`` fields under this theme (what the core's style map takes)."""
        return lambda scopes: self.style_for(scopes).to_def_style(0)

    def settings(self) -> dict[str, Any]:
        """xi's ``theme_changed`` ``theme`` object (syntect's ``ThemeSettings``)."""
        style = self.style
        fg, bg = self.foreground, self.background
        selection = _argb(getattr(style, "highlight_color", None)) or (0xFF49483E if self.dark else 0xFFFFFFCC)
        line_highlight = _argb(getattr(style, "line_number_background_color", None))
        if line_highlight is None or line_highlight == bg:
            line_highlight = selection
        gutter_fg = _argb(getattr(style, "line_number_color", None))
        if gutter_fg is None:
            gutter_fg = 0xFF90908A if self.dark else 0xFF999999
        out: dict[str, Any] = dict.fromkeys(_SETTINGS_FIELDS)
        out.update(
            foreground=_rgba(fg), background=_rgba(bg), caret=_rgba(fg), line_highlight=_rgba(line_highlight),
            selection=_rgba(selection), inactive_selection=_rgba(selection), gutter=_rgba(bg),
            gutter_foreground=_rgba(gutter_fg), find_highlight=_rgba(0xFFFFE792),
            find_highlight_foreground=_rgba(0xFF000000),
        )
        return out


def _themes(*specs: tuple[str, str, bool]) -> dict[str, Theme]:
    out = {}
    for name, style, dark in specs:
        try:
            get_style_by_name(style)
        except ClassNotFound:  # an older Pygments without this style
            continue
        out[name] = Theme(name, style, dark)
    return out


#: The themes by name (what ``available_themes`` lists and ``set_theme`` takes).
THEMES: dict[str, Theme] = _themes(
    ("Monokai", "monokai", True),
    ("Solarized (dark)", "solarized-dark", True),
    ("GitHub Dark", "github-dark", True),
    ("One Dark", "one-dark", True),
    ("Solarized (light)", "solarized-light", False),
    ("Friendly", "friendly", False),
    ("Default", "default", False),
)

#: The theme used until ``set_theme`` picks another.
DEFAULT_THEME = "Monokai"
