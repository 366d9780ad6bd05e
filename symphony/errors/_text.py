"""Errors of the text core: a delta that does not fit its text, and a file whose bytes are not
valid in its encoding.
"""

from __future__ import annotations

from ._base import SymphonyError

__all__ = [
    "DeltaError",
    "FileEncodingError",
]


class DeltaError(SymphonyError, ValueError):
    """Raised when a :class:`symphony.text.Delta` does not fit what it is used with.

    Applying a delta to a text whose length is not the delta's ``base_len``; composing
    two deltas where the first's ``target_len`` is not the second's ``base_len``;
    transforming two deltas with different bases; recording overlapping or out-of-order
    edits in a ``DeltaBuilder``; or decoding a malformed wire form with
    ``Delta.from_json``. Nothing is changed when it is raised. Out-of-range offsets given
    to a ``Rope`` itself raise ``IndexError`` instead.
    """


class FileEncodingError(SymphonyError, ValueError):
    """Raised when opening a file whose bytes are not valid in the encoding it declares or
    we detect (invalid UTF-8, a UTF-16 BOM we do not decode, NUL-filled binary data), and
    when saving text that UTF-8 cannot encode (a lone surrogate), so no file is written
    that could not be opened again.

    The file is not opened and nothing is changed, on disk or in memory: the editor refuses
    rather than replace undecodable bytes and later write the mangled text back. ``path``
    names the file and ``position`` is the byte offset of the first bad byte, if known.
    """

    def __init__(self, message: str, *, path: str | None = None, position: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.position = position
