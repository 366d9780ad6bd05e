"""Pure-Python twin of ``_linebreak.pyx``: UAX #14 line break opportunities of ASCII text.

Same ``public_api`` and the same results as the compiled module (tests hold both to
uniseg's ``line_break_boundaries`` on random ASCII strings and JSON documents); only slower.

Only the code points in ``ASCII_BYTES`` are handled: printable ASCII, tab, CR, LF, VT and
FF. Their Line_Break classes (Unicode 16.0, as uniseg gives them) are

====  ==========================================
SP    space
EX    ``! ?``
QU    ``" '`` (general category Po: neither initial nor final quotation)
AL    ``# & * < = > @ ^ _ ` ~`` and the letters
PR    ``$ + \\``
PO    ``%``
OP    ``( [ {``
CP    ``) ]``
CL    ``}``
IS    ``, . : ;``
HY    ``-``
SY    ``/``
NU    the digits
BA    ``|`` and tab
CR    carriage return
LF    line feed
BK    vertical tab, form feed
====  ==========================================

none of them CM, ZWJ, GL, WJ, NS, B2, CB, HL or East Asian, so the rules that can apply
are LB4-LB7, LB13, LB14, LB15c/d, LB18, LB19, LB20a, LB21, LB23-LB25 and LB28-LB30,
taken in that order (the first that applies decides), as uniseg takes them. The scan
keeps two facts about the text before the position: the class of the last non-space
(LB14: ``OP SP* ×``) and whether it ends in ``NU (SY|IS)*`` (LB25).
"""

from __future__ import annotations

__all__ = ["ASCII_BYTES", "ascii_line_breaks"]
public_api = ["ASCII_BYTES", "ascii_line_breaks"]

# class codes (NONE: start of text)
SP, EX, QU, AL, PR, PO, OP, CP, CL, IS, HY, SY, NU, BA, CR, LF, BK, NONE = range(18)

_CLASSES: dict[int, str] = {
    SP: " ",
    EX: "!?",
    QU: "\"'",
    AL: "#&*<=>@^_`~ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    PR: "$+\\",
    PO: "%",
    OP: "([{",
    CP: ")]",
    CL: "}",
    IS: ",.:;",
    HY: "-",
    SY: "/",
    NU: "0123456789",
    BA: "|\t",
    CR: "\r",
    LF: "\n",
    BK: "\x0b\x0c",
}

#: The bytes ``ascii_line_breaks`` handles: printable ASCII, tab, CR, LF, VT, FF.
ASCII_BYTES: bytes = "".join(_CLASSES.values()).encode("ascii")


def _table() -> bytes:
    table = bytearray([NONE] * 256)
    for cls, chars in _CLASSES.items():
        for ch in chars:
            table[ord(ch)] = cls
    return bytes(table)


#: ``bytes.translate`` table from a byte to its class code.
CLASS_TABLE: bytes = _table()


def ascii_line_breaks(data: bytes) -> list[int]:
    """UAX #14 break opportunities ``0 < p < len(data)`` of ``data``, every byte of which
    is in ``ASCII_BYTES`` (a break at ``p`` lets a line start at ``data[p]``)."""
    k = data.translate(CLASS_TABLE)
    n = len(k)
    out: list[int] = []
    if n < 2:
        return out
    c = k[0]
    last_nonsp = c if c != SP else NONE  # class of the last non-space before i (LB14)
    nusi1 = c == NU  # whether k[:i] ends in NU (SY|IS)*
    nusi2 = False  # whether k[:i - 1] does
    pp = NONE  # k[i - 2]
    for i in range(1, n):
        p = c
        c = k[i]
        if p == BK:  # LB4
            brk = True
        elif p == CR:  # LB5
            brk = c != LF
        elif p == LF:
            brk = True
        elif c == SP or c == CR or c == LF or c == BK:  # LB6, LB7
            brk = False
        elif c == CL or c == CP or c == EX or c == SY:  # LB13
            brk = False
        elif last_nonsp == OP:  # LB14
            brk = False
        elif c == IS:  # LB15c, LB15d
            brk = p == SP and i + 1 < n and k[i + 1] == NU
        elif p == SP:  # LB18
            brk = True
        elif c == QU or p == QU:  # LB19
            brk = False
        elif p == HY and c == AL and (pp == NONE or pp == SP or pp == CR or pp == LF or pp == BK):  # LB20a
            brk = False
        elif c == BA or c == HY:  # LB21
            brk = False
        elif (p == AL and c == NU) or (p == NU and c == AL):  # LB23
            brk = False
        elif (p == AL and (c == PR or c == PO)) or ((p == PR or p == PO) and c == AL):  # LB24
            brk = False
        elif (c == PO or c == PR) and (nusi1 or ((p == CL or p == CP) and nusi2)):  # LB25
            brk = False
        elif (p == PO or p == PR) and c == OP and i + 1 < n and (
                k[i + 1] == NU or (k[i + 1] == IS and i + 2 < n and k[i + 2] == NU)):
            brk = False
        elif c == NU and (p == PO or p == PR or p == HY or p == IS or nusi1):
            brk = False
        elif (p == AL or p == IS) and c == AL:  # LB28, LB29
            brk = False
        elif ((p == AL or p == NU) and c == OP) or (p == CP and (c == AL or c == NU)):  # LB30
            brk = False
        else:  # LB31
            brk = True
        if brk:
            out.append(i)
        if c != SP:
            last_nonsp = c
        nusi2 = nusi1
        nusi1 = c == NU or ((c == IS or c == SY) and nusi1)
        pp = p
    return out
