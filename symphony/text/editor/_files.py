"""Loading and saving files: encodings, BOM, newline style, atomic replace.

Loading streams the file in blocks through a strict incremental UTF-8 decoder straight
into a ``Rope``, so memory peaks at the rope plus one block. ``"\\r\\n"`` becomes ``"\\n"``
in the buffer (the style is remembered and restored on save); a lone ``"\\r"`` is kept.

Invariants:

- Bytes that are not valid UTF-8 raise :class:`FileEncodingError` and nothing is opened:
  the editor never replaces bytes it cannot decode (saving would destroy them).
- A UTF-8 BOM is dropped from the text and written back on save; a UTF-16/32 BOM is
  refused with :class:`FileEncodingError` (not decoded in this version).
- Saving writes a temporary file in the same directory, fsyncs it, gives it the original
  file's permission bits, and renames it over the target: a crash leaves the old file or
  the new one, never a mix.
"""

from __future__ import annotations

import codecs
import gc
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from ...errors import FileEncodingError
from .._rope import Rope
from ._whitespace import detect_indentation

__all__ = ["FileInfo", "load_file", "save_file"]

BLOCK = 1 << 20
_BOM8 = codecs.BOM_UTF8
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(slots=True)
class FileInfo:
    """What loading learned about a file, kept to write it back the same way."""

    path: str
    bom: bool = False
    crlf: bool = False
    tabs: bool | None = None
    indent_width: int | None = None
    mtime_ns: int = 0
    size: int = 0
    #: The file's identity on disk (device, inode): tells a rename from a delete.
    identity: tuple[int, int] = (0, 0)


def _decoded_blocks(f: object, path: str, info: FileInfo, counts: list[int]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    read = f.read  # type: ignore[attr-defined]
    consumed = 0
    first = True
    carry = ""
    while True:
        block = read(BLOCK)
        final = not block
        if first:
            first = False
            if block.startswith(_BOM8):
                info.bom = True
                block = block[3:]
                consumed += 3
            elif any(block.startswith(b) for b in _WIDE_BOMS):
                raise FileEncodingError(f"{path}: UTF-16/UTF-32 files are not supported (BOM found)", path=path,
                                        position=0)
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(block, final)
        except UnicodeDecodeError as exc:
            position = consumed - pending + exc.start
            raise FileEncodingError(f"{path}: not valid UTF-8 (byte offset {position}): refusing to open it",
                                    path=path, position=position) from None
        consumed += len(block)
        text = carry + text
        carry = ""
        if not final and text.endswith("\r"):
            carry = "\r"
            text = text[:-1]
        if "\r\n" in text:
            crlf = text.count("\r\n")
            counts[0] += crlf
            counts[1] += text.count("\n") - crlf
            text = text.replace("\r\n", "\n")
        elif counts[0]:  # LF-only lines matter only once CRLF ones were seen
            counts[1] += text.count("\n")
        if text:
            yield text
        if final:
            return


def load_file(path: str) -> tuple[Rope, FileInfo]:
    """Read ``path`` into a rope; raises ``FileEncodingError`` (not UTF-8) or ``OSError``."""
    info = FileInfo(path=os.path.abspath(path))
    counts = [0, 0]  # CRLF, LF
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        info.mtime_ns, info.size, info.identity = st.st_mtime_ns, st.st_size, (st.st_dev, st.st_ino)
        # building allocates ~100k leaves at once: cycle collections meanwhile find nothing
        collecting = gc.isenabled()
        gc.disable()
        try:
            rope = Rope.from_chunks(_decoded_blocks(f, path, info, counts))
        finally:
            if collecting:
                gc.enable()
    info.crlf = counts[0] > counts[1]
    info.tabs, info.indent_width = detect_indentation(rope.lines(0))
    return rope, info


def save_file(path: str, text: str, *, crlf: bool = False, bom: bool = False) -> os.stat_result:
    """Write ``text`` to ``path`` atomically (temp file, fsync, rename), keeping its mode.

    Raises :class:`FileEncodingError` (writing nothing) for text UTF-8 cannot encode (a lone
    surrogate): every file we write reads back."""
    if crlf:
        text = text.replace("\n", "\r\n")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: the bytes would not read back
        raise FileEncodingError(f"cannot save {path}: the text holds a lone surrogate at character "
                                f"{exc.start}, which UTF-8 cannot encode; nothing was written",
                                path=path, position=exc.start) from None
    if bom:
        data = _BOM8 + data
    directory = os.path.dirname(os.path.abspath(path)) or "."
    try:
        mode: int | None = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=".~" + os.path.basename(path) + ".", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return os.stat(path)
