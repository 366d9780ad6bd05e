"""Memory figures for the pool: the process's resident set now, and sizes written by people.

``rss_bytes()`` is what the budget is checked against after a load (a model's real cost is
the growth of the process, whatever its manifest declared); ``parse_size`` reads the
``memory = "64MB"`` of a ``model.toml``; ``give_back()`` returns freed heap to the system
after a model is unloaded.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["MAX_SIZE", "give_back", "parse_size", "rss_bytes"]

#: The largest size accepted (bytes): a signed 64-bit integer, what any allocator can name.
MAX_SIZE = 2**63 - 1

_UNITS = {
    "": 1, "B": 1,
    "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
    "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40,
}
_SIZE = re.compile(r"\s*([0-9]{1,30}(?:\.[0-9]{1,30})?)\s*([A-Za-z]{0,3})\s*")

try:
    _PAGE = os.sysconf("SC_PAGE_SIZE")
except (AttributeError, ValueError, OSError):  # pragma: no cover - not Linux/BSD
    _PAGE = 4096


def rss_bytes() -> int:
    """The process's resident set size now, in bytes.

    Read from ``/proc/self/statm`` (Linux); elsewhere the peak RSS from ``resource`` (the
    best figure the platform gives), and 0 when neither exists.
    """
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        pass
    try:
        import resource
        import sys
    except ImportError:  # pragma: no cover - Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def parse_size(value: int | str) -> int:
    """Bytes from an int or a size string: ``"64MB"``, ``"1.5 GiB"``, ``"512"``, ``"2kb"``.

    Units B, KB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024), any
    case. Raises ``ValueError`` for anything else: a negative number, NaN, a bool, a float,
    text that is not a size, or more than :data:`MAX_SIZE` bytes.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(f"a size is an int of bytes or a string like '64MB', not {value!r}")
    if isinstance(value, int):
        number = value
    else:
        match = _SIZE.fullmatch(value)
        unit = match.group(2).upper() if match else ""
        if match is None or unit not in _UNITS:
            raise ValueError(f"not a size: {value!r} (write e.g. '64MB', '1.5GiB' or a number of bytes)")
        try:
            number = int(Decimal(match.group(1)) * _UNITS[unit])
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only plain decimals
            raise ValueError(f"not a size: {value!r}") from exc
    if number < 0:
        raise ValueError(f"a size cannot be negative: {value!r}")
    if number > MAX_SIZE:
        raise ValueError(f"a size of {value!r} is more than {MAX_SIZE} bytes")
    return number


def _malloc_trim() -> Any:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return libc.malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to call
        return None


_TRIM: Any = None
_TRIM_LOOKED = False


def give_back() -> None:
    """Return freed heap memory to the operating system (glibc's ``malloc_trim``), so the
    process's RSS drops when a model is unloaded: glibc otherwise keeps freed memory for
    reuse, and the pool's budget is about what the process holds. Does nothing elsewhere."""
    global _TRIM, _TRIM_LOOKED
    if not _TRIM_LOOKED:
        _TRIM, _TRIM_LOOKED = _malloc_trim(), True
    if _TRIM is not None:
        _TRIM(0)
