"""A plain-``str`` model of every ``Rope`` query, the oracle of the property tests."""

from __future__ import annotations


def lines(s: str) -> list[str]:
    parts = s.split("\n")
    return [p[:-1] if i < len(parts) - 1 and p.endswith("\r") else p for i, p in enumerate(parts)]


def offset_of_line(s: str, line: int) -> int:
    if line == 0:
        return 0
    pos = -1
    for _ in range(line):
        pos = s.index("\n", pos + 1)
    return pos + 1


def line_of_offset(s: str, offset: int) -> int:
    return s.count("\n", 0, offset)


def utf16(s: str) -> int:
    return sum(2 if ord(c) > 0xFFFF else 1 for c in s)


def utf8(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


def from_utf16(s: str, units: int) -> int:
    """Largest offset whose UTF-16 position is at most ``units``."""
    pos = 0
    for i, c in enumerate(s):
        pos += 2 if ord(c) > 0xFFFF else 1
        if pos > units:
            return i
    return len(s)


def from_utf8(s: str, nbytes: int) -> int:
    pos = 0
    for i, c in enumerate(s):
        pos += utf8(c)
        if pos > nbytes:
            return i
    return len(s)
