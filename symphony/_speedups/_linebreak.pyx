# cython: language_level=3, boundscheck=False, wraparound=False
"""Compiled UAX #14 line break opportunities of ASCII text.

Twin of ``_linebreak_py.py`` (see there for the classes and the rules that apply): same
``public_api``, same results.
"""

from ._linebreak_py import ASCII_BYTES as _ASCII_BYTES, CLASS_TABLE as _CLASS_TABLE

__all__ = ["ASCII_BYTES", "ascii_line_breaks"]
public_api = ["ASCII_BYTES", "ascii_line_breaks"]

ASCII_BYTES = _ASCII_BYTES

# class codes, as in the twin
cdef enum:
    SP, EX, QU, AL, PR, PO, OP, CP, CL, IS, HY, SY, NU, BA, CR, LF, BK, NONE


def ascii_line_breaks(bytes data):
    """UAX #14 break opportunities ``0 < p < len(data)`` of ``data``, every byte of which
    is in ``ASCII_BYTES`` (a break at ``p`` lets a line start at ``data[p]``)."""
    cdef bytes classes = data.translate(_CLASS_TABLE)
    cdef const unsigned char* k = classes
    cdef Py_ssize_t n = len(classes)
    cdef list out = []
    if n < 2:
        return out
    cdef Py_ssize_t i
    cdef unsigned char p, c = k[0], pp = NONE, last_nonsp
    cdef bint brk, nusi1, nusi2 = False
    last_nonsp = c if c != SP else NONE
    nusi1 = c == NU
    for i in range(1, n):
        p = c
        c = k[i]
        if p == BK:
            brk = True
        elif p == CR:
            brk = c != LF
        elif p == LF:
            brk = True
        elif c == SP or c == CR or c == LF or c == BK:
            brk = False
        elif c == CL or c == CP or c == EX or c == SY:
            brk = False
        elif last_nonsp == OP:
            brk = False
        elif c == IS:
            brk = p == SP and i + 1 < n and k[i + 1] == NU
        elif p == SP:
            brk = True
        elif c == QU or p == QU:
            brk = False
        elif p == HY and c == AL and (pp == NONE or pp == SP or pp == CR or pp == LF or pp == BK):
            brk = False
        elif c == BA or c == HY:
            brk = False
        elif (p == AL and c == NU) or (p == NU and c == AL):
            brk = False
        elif (p == AL and (c == PR or c == PO)) or ((p == PR or p == PO) and c == AL):
            brk = False
        elif (c == PO or c == PR) and (nusi1 or ((p == CL or p == CP) and nusi2)):
            brk = False
        elif (p == PO or p == PR) and c == OP and i + 1 < n and (
                k[i + 1] == NU or (k[i + 1] == IS and i + 2 < n and k[i + 2] == NU)):
            brk = False
        elif c == NU and (p == PO or p == PR or p == HY or p == IS or nusi1):
            brk = False
        elif (p == AL or p == IS) and c == AL:
            brk = False
        elif ((p == AL or p == NU) and c == OP) or (p == CP and (c == AL or c == NU)):
            brk = False
        else:
            brk = True
        if brk:
            out.append(i)
        if c != SP:
            last_nonsp = c
        nusi2 = nusi1
        nusi1 = c == NU or ((c == IS or c == SY) and nusi1)
        pp = p
    return out
