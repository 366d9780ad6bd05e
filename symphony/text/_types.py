"""``Text`` and ``EditableText``: what a delta and a diff need of a text, whatever holds it.

``Delta`` and ``diff`` work on a ``str`` or a ``Rope`` alike; they name these protocols
instead of ``Rope`` so the rope can build on them (``Rope.diff``) without an import cycle:
``_types`` <- ``_delta`` <- ``_diff`` <- ``_rope``.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

__all__ = ["EditableText", "Text"]

_E = TypeVar("_E", bound="EditableText")


class Text(Protocol):
    """A read-only text: its length in code points and ``str`` slices of it."""

    def __len__(self) -> int: ...

    def __getitem__(self, key: slice, /) -> str: ...


class EditableText(Text, Protocol):
    """A persistent text whose ``replace`` returns an edited copy (``Rope``)."""

    def replace(self: _E, start: int, end: int, text: str) -> _E: ...
