"""``Delta``: a description of an edit, for undo, plugins and the frontend protocol.

A delta is a sequence of operations walked over a base text from its start:

- ``n`` (an int > 0): keep the next ``n`` code points (*retain*);
- ``-n`` (an int < 0): drop the next ``n`` code points (*delete*);
- ``s`` (a non-empty str): insert ``s``.

Invariants (kept by every constructor, so equal edits compare equal):

- the operations are in canonical form: no zero-length operation, no two adjacent
  operations of the same kind, and in a run of inserts and deletes the insert comes first;
  a trailing retain is kept (``base_len`` is explicit, so ``[5]`` is the identity on a
  5-character text);
- ``base_len`` = retains + deletes, ``target_len`` = retains + inserted code points;
- a ``Delta`` never changes after construction.

The laws the tests hold it to: ``b.apply(a.apply(t)) == a.compose(b).apply(t)``;
``a.invert(t).apply(a.apply(t)) == t``; and for ``a2, b2 = a.transform(b)``,
``b2.apply(a.apply(t)) == a2.apply(b.apply(t))`` (concurrent edits converge).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar, Union, overload

from ..errors import DeltaError
from ._types import EditableText, Text

__all__ = ["Delta", "DeltaBuilder", "Op"]

#: One operation: retain (int > 0), delete (int < 0) or insert (non-empty str).
Op = Union[int, str]

_E = TypeVar("_E", bound=EditableText)


def _push_retain(ops: list[Op], n: int) -> None:
    if n:
        last = ops[-1] if ops else None
        if type(last) is int and last > 0:
            ops[-1] = last + n
        else:
            ops.append(n)


def _push_delete(ops: list[Op], n: int) -> None:
    if n:
        last = ops[-1] if ops else None
        if type(last) is int and last < 0:
            ops[-1] = last - n
        else:
            ops.append(-n)


def _push_insert(ops: list[Op], s: str) -> None:
    if not s:
        return
    if ops:
        last = ops[-1]
        if type(last) is str:
            ops[-1] = last + s
            return
        if last < 0:  # type: ignore[operator]
            if len(ops) >= 2 and type(ops[-2]) is str:
                ops[-2] = ops[-2] + s  # type: ignore[operator]
            else:
                ops.insert(len(ops) - 1, s)
            return
    ops.append(s)


def _text_len(text: Any) -> int:
    return len(text)


class Delta:
    """An edit of a text of length ``base_len`` into one of length ``target_len``.

    Build one with :meth:`replace`, :meth:`insert`, :meth:`delete`, a :class:`DeltaBuilder`,
    ``Rope.diff``, or from its operations (see the module docs). Offsets are code points.
    """

    __slots__ = ("_ops", "base_len", "target_len")

    base_len: int
    target_len: int

    def __init__(self, ops: Iterable[Op] = ()) -> None:
        """The delta of ``ops``: ints > 0 retain, ints < 0 delete, strs insert."""
        out: list[Op] = []
        base = target = 0
        for op in ops:
            if type(op) is int:
                if op > 0:
                    _push_retain(out, op)
                    base += op
                    target += op
                elif op < 0:
                    _push_delete(out, -op)
                    base -= op
            elif type(op) is str:
                _push_insert(out, op)
                target += len(op)
            else:
                raise DeltaError(f"a delta operation is an int or a str, not {type(op).__name__}")
        self._ops: tuple[Op, ...] = tuple(out)
        self.base_len = base
        self.target_len = target

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def _of(cls, ops: list[Op], base_len: int, target_len: int) -> Delta:
        d = object.__new__(cls)
        d._ops = tuple(ops)
        d.base_len = base_len
        d.target_len = target_len
        return d

    @classmethod
    def identity(cls, base_len: int) -> Delta:
        """The delta that changes nothing in a text of length ``base_len``."""
        if base_len < 0:
            raise DeltaError(f"negative length {base_len}")
        return cls._of([base_len] if base_len else [], base_len, base_len)

    @classmethod
    def replace(cls, base_len: int, start: int, end: int, text: str) -> Delta:
        """Replace ``[start, end)`` of a text of length ``base_len`` with ``text``."""
        if not 0 <= start <= end <= base_len:
            raise DeltaError(f"range {start}..{end} out of bounds for a text of length {base_len}")
        ops: list[Op] = []
        _push_retain(ops, start)
        _push_insert(ops, text)
        _push_delete(ops, end - start)
        _push_retain(ops, base_len - end)
        return cls._of(ops, base_len, base_len - (end - start) + len(text))

    @classmethod
    def insert(cls, base_len: int, offset: int, text: str) -> Delta:
        """Insert ``text`` at ``offset`` of a text of length ``base_len``."""
        return cls.replace(base_len, offset, offset, text)

    @classmethod
    def delete(cls, base_len: int, start: int, end: int) -> Delta:
        """Delete ``[start, end)`` of a text of length ``base_len``."""
        return cls.replace(base_len, start, end, "")

    # -- reading ------------------------------------------------------------------------

    @property
    def ops(self) -> tuple[Op, ...]:
        """The operations, in canonical form."""
        return self._ops

    @property
    def is_identity(self) -> bool:
        """True when applying this delta changes nothing."""
        return all(type(op) is int and op > 0 for op in self._ops)

    def edits(self) -> list[tuple[int, int, str]]:
        """The changes as ``(start, end, text)`` in base offsets, ascending and disjoint."""
        out: list[tuple[int, int, str]] = []
        pos = 0
        start = -1
        text = ""
        for op in self._ops:
            if type(op) is str:
                if start < 0:
                    start = pos
                text = op
            elif op < 0:  # type: ignore[operator]
                if start < 0:
                    start = pos
                pos -= op  # type: ignore[operator]
            else:
                if start >= 0:
                    out.append((start, pos, text))
                    start, text = -1, ""
                pos += op  # type: ignore[operator]
        if start >= 0:
            out.append((start, pos, text))
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Delta):
            return NotImplemented
        return self.base_len == other.base_len and self._ops == other._ops

    def __hash__(self) -> int:
        return hash((self.base_len, self._ops))

    def __repr__(self) -> str:
        return f"Delta({list(self._ops)!r})" if self._ops or not self.base_len else f"Delta.identity({self.base_len})"

    # -- using --------------------------------------------------------------------------

    @overload
    def apply(self, text: str) -> str: ...

    @overload
    def apply(self, text: _E) -> _E: ...

    def apply(self, text: str | _E) -> str | _E:
        """``text`` (a ``Rope`` or a ``str``) with this edit made; the same type comes back.

        On a ``Rope`` each change is an O(log n) persistent edit; the input is unchanged.
        """
        if len(text) != self.base_len:
            raise DeltaError(f"delta expects a text of length {self.base_len}, got {len(text)}")
        if isinstance(text, str):
            parts: list[str] = []
            pos = 0
            for op in self._ops:
                if type(op) is str:
                    parts.append(op)
                elif op > 0:  # type: ignore[operator]
                    parts.append(text[pos:pos + op])  # type: ignore[operator]
                    pos += op  # type: ignore[operator]
                else:
                    pos -= op  # type: ignore[operator]
            return "".join(parts)
        rope = text
        for start, end, s in reversed(self.edits()):
            rope = rope.replace(start, end, s)
        return rope

    def map_offset(self, offset: int, *, after: bool = False) -> int:
        """Where base offset ``offset`` is after this edit (cursors, selections, marks).

        Text inserted exactly at ``offset`` goes before the result when ``after`` is true,
        after it otherwise. An offset strictly inside a deleted or replaced range moves to
        the end of the text that replaced it (to where the deletion was, if none did).
        """
        if not 0 <= offset <= self.base_len:
            raise DeltaError(f"offset {offset} out of range 0..{self.base_len}")
        pos = 0  # base
        new = 0  # target
        for op in self._ops:
            if type(op) is str:
                if pos < offset or (pos == offset and after):
                    new += len(op)
            elif op > 0:  # type: ignore[operator]
                if offset < pos + op:  # type: ignore[operator]
                    return new + offset - pos
                pos += op  # type: ignore[operator]
                new += op  # type: ignore[operator]
            else:
                if offset < pos - op:  # type: ignore[operator]
                    return new
                pos -= op  # type: ignore[operator]
        return new

    def compose(self, other: Delta) -> Delta:
        """One delta with the effect of this one followed by ``other``."""
        if self.target_len != other.base_len:
            raise DeltaError(f"cannot compose: the first delta yields length {self.target_len}, "
                             f"the second expects {other.base_len}")
        out: list[Op] = []
        first = _Cursor(self._ops)
        second = _Cursor(other._ops)
        while not (first.done and second.done):
            if first.kind == "delete":  # text the second delta never sees
                _push_delete(out, first.take(first.size))
            elif second.kind == "insert":  # text the first delta never saw
                _push_insert(out, second.take_text(second.size))
            else:
                n = min(first.size, second.size)
                if first.kind == "insert":
                    text = first.take_text(n)
                    if second.kind == "retain":
                        _push_insert(out, text)
                    second.take(n)  # (a delete here drops the just-inserted text)
                else:  # first retains
                    first.take(n)
                    if second.kind == "retain":
                        _push_retain(out, second.take(n))
                    else:
                        _push_delete(out, second.take(n))
        return Delta._of(out, self.base_len, other.target_len)

    def invert(self, base: Text) -> Delta:
        """The delta that undoes this one, given the text it was applied to."""
        if len(base) != self.base_len:
            raise DeltaError(f"delta expects a text of length {self.base_len}, got {len(base)}")
        out: list[Op] = []
        pos = 0
        for op in self._ops:
            if type(op) is str:
                _push_delete(out, len(op))
            elif op > 0:  # type: ignore[operator]
                _push_retain(out, op)  # type: ignore[arg-type]
                pos += op  # type: ignore[operator]
            else:
                _push_insert(out, base[pos:pos - op])  # type: ignore[operator,index]
                pos -= op  # type: ignore[operator]
        return Delta._of(out, self.target_len, self.base_len)

    def transform(self, other: Delta) -> tuple[Delta, Delta]:
        """``(self2, other2)`` for two edits made concurrently on the same text.

        ``other2`` applies after this delta and ``self2`` after ``other``, and both orders
        give the same text. Where both insert at the same offset, this delta's text goes
        first (swap the roles with ``other.transform(self)`` for the opposite priority).
        """
        if self.base_len != other.base_len:
            raise DeltaError(f"cannot transform deltas of different bases ({self.base_len} and {other.base_len})")
        a2: list[Op] = []
        b2: list[Op] = []
        first = _Cursor(self._ops)
        second = _Cursor(other._ops)
        while not (first.done and second.done):
            if first.kind == "insert":
                text = first.take_text(first.size)
                _push_insert(a2, text)
                _push_retain(b2, len(text))
            elif second.kind == "insert":
                text = second.take_text(second.size)
                _push_retain(a2, len(text))
                _push_insert(b2, text)
            else:
                n = min(first.size, second.size)
                k1, k2 = first.kind, second.kind
                first.take(n)
                second.take(n)
                if k1 == "retain" and k2 == "retain":
                    _push_retain(a2, n)
                    _push_retain(b2, n)
                elif k1 == "delete" and k2 == "retain":
                    _push_delete(a2, n)
                elif k1 == "retain" and k2 == "delete":
                    _push_delete(b2, n)
                # both deleted the same text: nothing is left to do on either side
        return (Delta._of(a2, other.target_len, _target(a2)),
                Delta._of(b2, self.target_len, _target(b2)))

    # -- wire form ----------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready wire form: ``{"base_len": n, "ops": [...]}`` (ops as in the module docs)."""
        return {"base_len": self.base_len, "ops": list(self._ops)}

    @classmethod
    def from_json(cls, data: Any) -> Delta:
        """The delta of a wire form made by :meth:`to_json`; :class:`DeltaError` if malformed."""
        if not isinstance(data, dict):
            raise DeltaError(f"a delta's wire form is an object, not {type(data).__name__}")
        ops = data.get("ops")
        base_len = data.get("base_len")
        if not isinstance(ops, list):
            raise DeltaError("a delta's wire form needs an 'ops' list")
        if type(base_len) is not int or base_len < 0:
            raise DeltaError("a delta's wire form needs a non-negative int 'base_len'")
        for op in ops:
            if not ((type(op) is int and op != 0) or (type(op) is str and op)):
                raise DeltaError(f"bad delta operation {op!r}: expected a non-zero int or a non-empty str")
        delta = cls(ops)
        if delta.base_len != base_len:
            raise DeltaError(f"delta operations cover {delta.base_len} characters, 'base_len' says {base_len}")
        return delta


class _Cursor:
    """Walks a delta's operations, taking them in pieces of any size (for compose/transform).

    ``kind`` is ``"retain"``, ``"delete"``, ``"insert"`` or ``"end"``; ``size`` is what is
    left of the current operation (code points).
    """

    __slots__ = ("_ops", "_i", "_left", "_text", "kind", "size")

    def __init__(self, ops: Sequence[Op]) -> None:
        self._ops = ops
        self._i = -1
        self._left = 0
        self._text = ""
        self.kind = "end"
        self.size = 0
        self._next()

    @property
    def done(self) -> bool:
        return self.kind == "end"

    def _next(self) -> None:
        self._i += 1
        if self._i >= len(self._ops):
            self.kind, self.size = "end", 0
            return
        op = self._ops[self._i]
        if isinstance(op, str):
            self.kind, self.size, self._text = "insert", len(op), op
        elif op > 0:
            self.kind, self.size = "retain", op
        else:
            self.kind, self.size = "delete", -op

    def take(self, n: int) -> int:
        """Consume ``n`` (<= size) of the current operation; returns ``n``."""
        if self.kind == "insert":
            self._text = self._text[n:]
        self.size -= n
        if self.size == 0:
            self._next()
        return n

    def take_text(self, n: int) -> str:
        """Consume ``n`` code points of the current insert; returns them."""
        text = self._text[:n]
        self.take(n)
        return text


def _target(ops: Sequence[Op]) -> int:
    n = 0
    for op in ops:
        if type(op) is str:
            n += len(op)
        elif op > 0:  # type: ignore[operator]
            n += op  # type: ignore[operator]
    return n


class DeltaBuilder:
    """Records edits of one base text, in base offsets, into a :class:`Delta`.

    Edits must be given in ascending order and must not overlap (each starts at or after
    the previous one's end), as when walking a document once; :class:`DeltaError`
    otherwise. Two inserts at the same offset keep the order they were recorded in.
    To record edits that each see the result of the previous one, compose single-edit
    deltas (``d = d.compose(Delta.replace(d.target_len, ...))``) instead.
    """

    __slots__ = ("_base_len", "_ops", "_pos")

    def __init__(self, base_len: int) -> None:
        if base_len < 0:
            raise DeltaError(f"negative length {base_len}")
        self._base_len = base_len
        self._ops: list[Op] = []
        self._pos = 0

    def replace(self, start: int, end: int, text: str) -> DeltaBuilder:
        """Record replacing base ``[start, end)`` with ``text``; returns the builder."""
        if not 0 <= start <= end <= self._base_len:
            raise DeltaError(f"range {start}..{end} out of bounds for a text of length {self._base_len}")
        if start < self._pos:
            raise DeltaError(f"edit at {start} overlaps or precedes the previous edit (ending at {self._pos})")
        if not isinstance(text, str):
            raise TypeError(f"inserted text must be str, not {type(text).__name__}")
        _push_retain(self._ops, start - self._pos)
        _push_insert(self._ops, text)
        _push_delete(self._ops, end - start)
        self._pos = end
        return self

    def insert(self, offset: int, text: str) -> DeltaBuilder:
        """Record inserting ``text`` at base ``offset``."""
        return self.replace(offset, offset, text)

    def delete(self, start: int, end: int) -> DeltaBuilder:
        """Record deleting base ``[start, end)``."""
        return self.replace(start, end, "")

    def build(self) -> Delta:
        """The delta of the edits recorded so far (the builder can go on recording)."""
        ops = list(self._ops)
        _push_retain(ops, self._base_len - self._pos)
        return Delta._of(ops, self._base_len, _target(ops))
