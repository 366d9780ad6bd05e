"""``Rope``: the immutable, persistent text every editor feature stands on.

A ``Rope`` wraps the root node of a B-tree built by the speedup ``_rope`` (compiled, or its
pure-Python twin, chosen once by :func:`symphony._speedups.load`). Leaves hold ``str``
chunks of 1-4 KB; every node keeps the metrics of its subtree (code points,
newlines, UTF-16 units, UTF-8 bytes), so positions of any kind are found in O(log n).

Invariants:

- A ``Rope`` never changes. Every edit returns a new ``Rope`` that shares all untouched
  nodes with the old one, which stays valid and unchanged (cheap undo, snapshots for
  plugins, safe to hand to another actor).
- Offsets are code points, i.e. Python ``str`` indices.
- A line ends after ``"\\n"``; ``"\\r\\n"`` is one terminator (the rope never puts a chunk
  boundary inside it); a lone ``"\\r"`` is not a line break. The empty text has 1 line,
  ``"a\\n"`` has 2.
- Out-of-range offsets raise ``IndexError``; a range whose start is after its end raises
  ``ValueError``; nothing is changed either way.

A ``Rope`` is bound to one implementation of the node operations through its class
attribute ``_ops``; :func:`rope_class` makes the class bound to another (tests use it to
hold the compiled and pure twins to the same behaviour in one run).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from types import ModuleType
from typing import Any, ClassVar, TypeVar, overload

from .._speedups import load
from ._delta import Delta
from ._diff import diff

__all__ = ["Rope", "rope_class"]

_R = TypeVar("_R", bound="Rope")
_new = object.__new__


class Rope:
    """Immutable text with O(log n) edits, slices and line/UTF-16/UTF-8 lookups.

    ``Rope(text)`` builds in linear time; ``Rope.from_file`` and ``Rope.from_chunks`` build
    from a stream without holding the text twice. Edits (``insert``, ``delete``,
    ``replace``, ``+``, ``slice``, ``split``) return new ropes and leave this one as it was.
    """

    __slots__ = ("_root",)

    #: The node operations this class uses: the speedup module ``_rope`` in use.
    _ops: ClassVar[ModuleType] = load("_rope")

    def __init__(self, text: str = "") -> None:
        self._root = self._ops.build(text)

    @classmethod
    def _wrap(cls: type[_R], root: Any) -> _R:
        rope = _new(cls)
        rope._root = root
        return rope

    def _node_of(self, other: Rope | str) -> Any:
        """``other``'s root in this rope's implementation (re-built if it uses another)."""
        if isinstance(other, str):
            return self._ops.build(other)
        if isinstance(other, Rope):
            if other._ops is self._ops:
                return other._root
            return self._ops.build_chunks(other.chunks())
        raise TypeError(f"expected a Rope or str, not {type(other).__name__}")

    # -- building -----------------------------------------------------------------------

    @classmethod
    def from_chunks(cls: type[_R], chunks: Iterable[str]) -> _R:
        """A rope of the concatenation of ``chunks`` (str pieces of any size), read once.

        Only the rope's own leaves are kept, so a huge stream is never held twice.
        """
        return cls._wrap(cls._ops.build_chunks(chunks))

    @classmethod
    def from_file(cls: type[_R], path: str | os.PathLike[str], encoding: str = "utf-8",
                  errors: str = "strict", block_size: int = 1 << 20) -> _R:
        """A rope of the text of the file at ``path``, read in blocks of ``block_size``.

        Line terminators are kept as they are in the file (no newline translation), so
        ``"\\r\\n"`` files round-trip exactly.
        """
        with open(path, encoding=encoding, errors=errors, newline="") as f:
            return cls.from_chunks(iter(lambda: f.read(block_size), ""))

    # -- whole text ---------------------------------------------------------------------

    def __len__(self) -> int:
        return self._root.length  # type: ignore[no-any-return]

    def __str__(self) -> str:
        root = self._root
        return self._ops.substr(root, 0, root.length)  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        n = len(self)
        if n <= 40:
            return f"Rope({str(self)!r})"
        return f"Rope({self._ops.substr(self._root, 0, 30)!r}... {n} chars)"

    def __bool__(self) -> bool:
        return self._root.length > 0

    def __reduce__(self) -> tuple[Any, ...]:
        return (Rope, (str(self),))

    def __copy__(self: _R) -> _R:
        return self  # immutable: a copy would be indistinguishable

    def __deepcopy__(self: _R, memo: dict[int, Any]) -> _R:
        return self

    def chunks(self, start: int = 0, end: int | None = None) -> Iterator[str]:
        """The text between ``start`` and ``end`` as consecutive non-empty str pieces, lazily.

        Chunks are the rope's own leaves (1-4 KB), cut at ``start`` and ``end``.
        """
        root = self._root
        return self._ops.chunks(root, start, root.length if end is None else end)  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks():
            yield from chunk

    # -- indexing -----------------------------------------------------------------------

    @overload
    def __getitem__(self, key: int) -> str: ...

    @overload
    def __getitem__(self, key: slice) -> str: ...

    def __getitem__(self, key: int | slice) -> str:
        """``r[i]`` (one character, negative counts from the end) or ``r[a:b]`` (a str)."""
        root = self._root
        if isinstance(key, slice):
            start, stop, step = key.indices(root.length)
            if step == 1:
                return self._ops.substr(root, start, stop) if start < stop else ""  # type: ignore[no-any-return]
            return str(self)[key]
        index: int = key
        if index < 0:
            index += root.length
            if index < 0:
                raise IndexError(f"index {key} out of range for a rope of length {root.length}")
        return self._ops.char_at(root, index)  # type: ignore[no-any-return]

    def slice(self: _R, start: int, end: int) -> _R:
        """The rope of the text between ``start`` and ``end``, sharing this rope's nodes."""
        return self._wrap(self._ops.slice(self._root, start, end))

    def split(self: _R, offset: int) -> tuple[_R, _R]:
        """``(text before offset, text from offset)`` as two ropes."""
        ops = self._ops
        root = self._root
        left = ops.slice(root, 0, offset)
        return self._wrap(left), self._wrap(ops.slice(root, offset, root.length))

    # -- edits --------------------------------------------------------------------------

    def replace(self: _R, start: int, end: int, text: str) -> _R:
        """A new rope with the text between ``start`` and ``end`` replaced by ``text``."""
        rope = _new(self.__class__)
        rope._root = self._ops.replace(self._root, start, end, text)
        return rope

    def insert(self: _R, offset: int, text: str) -> _R:
        """A new rope with ``text`` inserted at ``offset``."""
        rope = _new(self.__class__)
        rope._root = self._ops.replace(self._root, offset, offset, text)
        return rope

    def delete(self: _R, start: int, end: int) -> _R:
        """A new rope without the text between ``start`` and ``end``."""
        rope = _new(self.__class__)
        rope._root = self._ops.replace(self._root, start, end, "")
        return rope

    def __add__(self: _R, other: Rope | str) -> _R:
        if not isinstance(other, (Rope, str)):
            return NotImplemented
        return self._wrap(self._ops.concat(self._root, self._node_of(other)))

    def __radd__(self: _R, other: str) -> _R:
        if not isinstance(other, str):
            return NotImplemented
        return self._wrap(self._ops.concat(self._ops.build(other), self._root))

    # -- comparison ---------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Rope):
            if other._root is self._root:
                return True
            if len(other) != len(self):
                return False
            ops = other._ops
            root = other._root
            pos = 0
            for chunk in self.chunks():
                end = pos + len(chunk)
                if ops.substr(root, pos, end) != chunk:
                    return False
                pos = end
            return True
        if isinstance(other, str):
            if len(other) != len(self):
                return False
            pos = 0
            for chunk in self.chunks():
                if not other.startswith(chunk, pos):
                    return False
                pos += len(chunk)
            return True
        return NotImplemented

    def __hash__(self) -> int:
        # Equal to hash(str(self)), since a rope equals the str of its text. O(n).
        return hash(str(self))

    # -- lines --------------------------------------------------------------------------

    @property
    def line_count(self) -> int:
        """Number of lines: newlines + 1 (``""`` has 1 line, ``"a\\n"`` has 2)."""
        return self._root.newlines + 1  # type: ignore[no-any-return]

    def offset_of_line(self, line: int) -> int:
        """Offset of the first character of line ``line`` (0 <= line < line_count)."""
        return self._ops.offset_of_line(self._root, line)  # type: ignore[no-any-return]

    def line_of_offset(self, offset: int) -> int:
        """Index of the line holding ``offset`` (0 <= offset <= len). O(log n)."""
        return self._ops.line_of_offset(self._root, offset)  # type: ignore[no-any-return]

    def line_col(self, offset: int) -> tuple[int, int]:
        """``(line, column)`` of ``offset``, the column counted in code points."""
        ops = self._ops
        root = self._root
        line = ops.line_of_offset(root, offset)
        return line, offset - ops.offset_of_line(root, line)

    def line(self, line: int) -> str:
        """The text of line ``line`` without its terminator (``"\\n"`` or ``"\\r\\n"``)."""
        ops = self._ops
        root = self._root
        start = ops.offset_of_line(root, line)
        if line == root.newlines:
            return ops.substr(root, start, root.length)  # type: ignore[no-any-return]
        end = ops.offset_of_line(root, line + 1) - 1
        if end > start and ops.char_at(root, end - 1) == "\r":
            end -= 1
        return ops.substr(root, start, end)  # type: ignore[no-any-return]

    def lines(self, start_line: int = 0) -> Iterator[str]:
        """The lines from ``start_line`` on, each without its terminator, lazily."""
        root = self._root
        start = self._ops.offset_of_line(root, start_line)
        return _iter_lines(self._ops.chunks(root, start, root.length))

    # -- encodings ----------------------------------------------------------------------

    @property
    def utf16_len(self) -> int:
        """Length of the text in UTF-16 code units."""
        return self._root.utf16  # type: ignore[no-any-return]

    @property
    def utf8_len(self) -> int:
        """Length of the text in UTF-8 bytes."""
        return self._root.utf8  # type: ignore[no-any-return]

    def to_utf16(self, offset: int) -> int:
        """UTF-16 code units before code point ``offset`` (LSP positions). O(log n)."""
        return self._ops.utf16_of_offset(self._root, offset)  # type: ignore[no-any-return]

    def from_utf16(self, units: int) -> int:
        """Code point offset of UTF-16 position ``units``; inside a surrogate pair, the pair's start."""
        return self._ops.offset_of_utf16(self._root, units)  # type: ignore[no-any-return]

    def to_utf8(self, offset: int) -> int:
        """UTF-8 bytes before code point ``offset``. O(log n)."""
        return self._ops.utf8_of_offset(self._root, offset)  # type: ignore[no-any-return]

    def from_utf8(self, nbytes: int) -> int:
        """Code point offset of UTF-8 position ``nbytes``; inside a character, its start."""
        return self._ops.offset_of_utf8(self._root, nbytes)  # type: ignore[no-any-return]

    # -- search and diff ----------------------------------------------------------------

    def find(self, sub: str, start: int = 0, end: int | None = None) -> int:
        """Lowest offset of ``sub`` in ``self[start:end]``, or -1; the same as ``str.find``."""
        if not isinstance(sub, str):
            raise TypeError(f"must be str, not {type(sub).__name__}")
        n = len(self)
        if start < 0:
            start = max(start + n, 0)
        if end is None or end > n:
            end = n
        elif end < 0:
            end = max(end + n, 0)
        if start > end:
            return -1
        m = len(sub)
        if m == 0:
            return start
        if m > end - start:
            return -1
        keep = m - 1
        carry = ""
        base = start  # offset of carry[0]
        for chunk in self._ops.chunks(self._root, start, end):
            buf = carry + chunk if carry else chunk
            i = buf.find(sub)
            if i >= 0:
                return base + i
            if keep:
                cut = len(buf) - keep if len(buf) > keep else 0
                carry = buf[cut:]
                base += cut
            else:
                base += len(buf)
        return -1

    def __contains__(self, sub: str) -> bool:
        return self.find(sub) >= 0

    def diff(self, other: Rope | str) -> Delta:
        """A :class:`Delta` that turns this text into ``other`` (one replace of the differing middle)."""
        return diff(self, other)


def _iter_lines(chunks: Iterator[str]) -> Iterator[str]:
    pending: list[str] = []
    for chunk in chunks:
        pos = 0
        while True:
            j = chunk.find("\n", pos)
            if j < 0:
                if pos < len(chunk):
                    pending.append(chunk[pos:])
                break
            if pending:
                pending.append(chunk[pos:j])
                line = "".join(pending)
                pending = []
            else:
                line = chunk[pos:j]
            yield line[:-1] if line.endswith("\r") else line
            pos = j + 1
    yield "".join(pending)


_bound: dict[str, type[Rope]] = {}


def rope_class(ops: ModuleType) -> type[Rope]:
    """The ``Rope`` class bound to node operations ``ops`` (a twin of the speedup ``_rope``).

    ``rope_class(load("_rope"))`` is ``Rope`` itself; for the other twin it is a subclass
    (so ``isinstance(r, Rope)`` holds) whose ropes are built by ``ops``.
    """
    if ops is Rope._ops:
        return Rope
    cls = _bound.get(ops.__name__)
    if cls is None:
        cls = type("Rope", (Rope,), {"__slots__": (), "_ops": ops, "__module__": __name__,
                                      "__qualname__": "Rope", "__doc__": Rope.__doc__})
        _bound[ops.__name__] = cls
    return cls
