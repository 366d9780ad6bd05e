# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled twin of ``_rope_py``: the nodes of a persistent B-tree rope and their metrics.

Same ``public_api``, same behaviour and same exceptions as the pure-Python twin, whose
docstring states the node model and the invariants. Here nodes are final, GC-untracked
extension objects (they can never form a cycle: they are immutable and only point down),
leaf metrics are computed by scanning the str's own buffer (``PyUnicode_KIND/DATA``), and
descents run in C.
"""

cimport cython
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA
from cpython.tuple cimport PyTuple_GET_SIZE

import re

cdef extern from "Python.h":
    int PyUnicode_IS_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)

public_api = [
    "EMPTY",
    "MAX_CHILDREN",
    "MAX_LEAF",
    "MIN_CHILDREN",
    "MIN_LEAF",
    "TARGET_LEAF",
    "Node",
    "build",
    "build_chunks",
    "char_at",
    "check",
    "chunks",
    "concat",
    "line_of_offset",
    "offset_of_line",
    "offset_of_utf16",
    "offset_of_utf8",
    "replace",
    "slice",
    "substr",
    "text_metrics",
    "utf16_of_offset",
    "utf8_of_offset",
]

cdef enum:
    C_MIN_LEAF = 512
    C_TARGET_LEAF = 1024
    C_MAX_LEAF = 2048
    C_MIN_CHILDREN = 4
    C_MAX_CHILDREN = 16

MIN_LEAF = C_MIN_LEAF
TARGET_LEAF = C_TARGET_LEAF
MAX_LEAF = C_MAX_LEAF
MIN_CHILDREN = C_MIN_CHILDREN
MAX_CHILDREN = C_MAX_CHILDREN


cdef struct Metrics:
    Py_ssize_t length
    Py_ssize_t newlines
    Py_ssize_t utf16
    Py_ssize_t utf8


@cython.final
@cython.no_gc
@cython.freelist(256)
cdef class Node:
    """One node of a rope: a leaf (``text``) or a branch (``children``), with subtree metrics."""

    cdef readonly Py_ssize_t length
    cdef readonly Py_ssize_t newlines
    cdef readonly Py_ssize_t utf16
    cdef readonly Py_ssize_t utf8
    cdef readonly int height
    cdef readonly str text
    cdef readonly tuple children

    def __repr__(self):
        kind = f"leaf {self.text[:20]!r}" if self.height == 0 else f"branch of {len(self.children)}"
        return f"<Node h={self.height} len={self.length} nl={self.newlines} {kind}>"


# ---------------------------------------------------------------------------------------
# Metrics, straight from the str's buffer


cdef void _scan(str s, Py_ssize_t start, Py_ssize_t end, Metrics* m) noexcept:
    """Metrics of ``s[start:end]``."""
    cdef int kind = PyUnicode_KIND(s)
    cdef void* data = PyUnicode_DATA(s)
    cdef Py_ssize_t i, nl = 0, extra16 = 0, extra8 = 0
    cdef const unsigned char* p1
    cdef const unsigned short* p2
    cdef const unsigned int* p4
    cdef unsigned int c
    m.length = end - start
    if kind == 1:
        p1 = <const unsigned char*>data
        if PyUnicode_IS_ASCII(s):
            for i in range(start, end):
                nl += p1[i] == 10
        else:
            for i in range(start, end):
                c = p1[i]
                nl += c == 10
                extra8 += c >= 0x80
    elif kind == 2:
        p2 = <const unsigned short*>data
        for i in range(start, end):
            c = p2[i]
            nl += c == 10
            extra8 += (c >= 0x80) + (c >= 0x800)
    else:
        p4 = <const unsigned int*>data
        for i in range(start, end):
            c = p4[i]
            nl += c == 10
            extra8 += (c >= 0x80) + (c >= 0x800) + (c >= 0x10000)
            extra16 += c >= 0x10000
    m.newlines = nl
    m.utf16 = m.length + extra16
    m.utf8 = m.length + extra8


cdef Py_ssize_t _count_nl(str s, Py_ssize_t start, Py_ssize_t end) noexcept:
    cdef int kind = PyUnicode_KIND(s)
    cdef void* data = PyUnicode_DATA(s)
    cdef Py_ssize_t i, nl = 0
    if kind == 1:
        for i in range(start, end):
            nl += (<const unsigned char*>data)[i] == 10
    elif kind == 2:
        for i in range(start, end):
            nl += (<const unsigned short*>data)[i] == 10
    else:
        for i in range(start, end):
            nl += (<const unsigned int*>data)[i] == 10
    return nl


cdef inline unsigned int _char(str s, Py_ssize_t i) noexcept:
    cdef int kind = PyUnicode_KIND(s)
    cdef void* data = PyUnicode_DATA(s)
    if kind == 1:
        return (<const unsigned char*>data)[i]
    if kind == 2:
        return (<const unsigned short*>data)[i]
    return (<const unsigned int*>data)[i]


def text_metrics(str s):
    """``(code points, newlines, utf16 units, utf8 bytes)`` of ``s``."""
    cdef Metrics m
    _scan(s, 0, PyUnicode_GET_LENGTH(s), &m)
    return m.length, m.newlines, m.utf16, m.utf8


# ---------------------------------------------------------------------------------------
# Node construction


cdef inline Node _mk_leaf(str text, Py_ssize_t length, Py_ssize_t nl, Py_ssize_t u16, Py_ssize_t u8):
    cdef Node n = Node.__new__(Node)
    n.length = length
    n.newlines = nl
    n.utf16 = u16
    n.utf8 = u8
    n.height = 0
    n.text = text
    n.children = None
    return n


cdef Node _leaf(str text):
    cdef Metrics m
    _scan(text, 0, PyUnicode_GET_LENGTH(text), &m)
    return _mk_leaf(text, m.length, m.newlines, m.utf16, m.utf8)


cdef Node _branch(tuple children):
    cdef Node n = Node.__new__(Node)
    cdef Node c
    cdef Py_ssize_t i, k = PyTuple_GET_SIZE(children)
    cdef Py_ssize_t length = 0, nl = 0, u16 = 0, u8 = 0
    for i in range(k):
        c = <Node>children[i]
        length += c.length
        nl += c.newlines
        u16 += c.utf16
        u8 += c.utf8
    n.length = length
    n.newlines = nl
    n.utf16 = u16
    n.utf8 = u8
    n.height = (<Node>children[0]).height + 1
    n.text = None
    n.children = children
    return n


cdef Node _EMPTY = _mk_leaf("", 0, 0, 0, 0)
EMPTY = _EMPTY
cdef Node _NEWLINE = _leaf("\n")


# ---------------------------------------------------------------------------------------
# Building


cdef Node _levels(list nodes):
    cdef Py_ssize_t k, groups, base, extra, g, i, size
    cdef list out
    while len(nodes) > 1:
        k = len(nodes)
        groups = (k + C_MAX_CHILDREN - 1) // C_MAX_CHILDREN
        base = k // groups
        extra = k % groups
        out = []
        i = 0
        for g in range(groups):
            size = base + 1 if g < extra else base
            out.append(_branch(tuple(nodes[i:i + size])))
            i += size
        nodes = out
    return <Node>nodes[0]


cdef Py_ssize_t _carve(str buf, list leaves):
    """Cut leaves off ``buf`` while more than MAX_LEAF remains; the position reached."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(buf)
    cdef Py_ssize_t pos = 0, end
    while n - pos > C_MAX_LEAF:
        end = pos + C_TARGET_LEAF
        if _char(buf, end - 1) == 13 and _char(buf, end) == 10:
            end += 1
        leaves.append(_leaf(buf[pos:end]))
        pos = end
    return pos


def build_chunks(chunks):
    """A tree holding the concatenation of ``chunks``, read once (no second copy is kept)."""
    cdef list leaves = []
    cdef str carry = ""
    cdef str buf
    cdef Py_ssize_t pos
    for chunk in chunks:
        if not isinstance(chunk, str):
            raise TypeError(f"rope chunks must be str, not {type(chunk).__name__}")
        if not chunk:
            continue
        buf = carry + chunk if carry else chunk
        pos = _carve(buf, leaves)
        carry = buf[pos:] if pos else buf
    if carry:
        leaves.append(_leaf(carry))
    if not leaves:
        return _EMPTY
    return _levels(leaves)


def build(text):
    """A tree holding ``text``, built bottom-up in linear time."""
    if not isinstance(text, str):
        raise TypeError(f"a rope holds str, not {type(text).__name__}")
    return build_chunks((text,))


# ---------------------------------------------------------------------------------------
# Reading


cdef int _check_range(Node root, Py_ssize_t start, Py_ssize_t end) except -1:
    if not 0 <= start <= end <= root.length:
        if start > end and 0 <= start <= root.length and 0 <= end <= root.length:
            raise ValueError(f"range start {start} is after its end {end}")
        raise IndexError(f"range {start}..{end} out of bounds for a rope of length {root.length}")
    return 0


cdef int _check_offset(Node root, Py_ssize_t offset) except -1:
    if not 0 <= offset <= root.length:
        raise IndexError(f"offset {offset} out of range 0..{root.length}")
    return 0


def char_at(Node root, Py_ssize_t index):
    """The character at ``index`` (0 <= index < length)."""
    if not 0 <= index < root.length:
        raise IndexError(f"index {index} out of range for a rope of length {root.length}")
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t i
    while node.height:
        ch = node.children
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if index < c.length:
                break
            index -= c.length
        node = c
    return node.text[index]


cdef void _collect(Node node, Py_ssize_t a, Py_ssize_t b, list out) except *:
    cdef Py_ssize_t off = 0, end, i
    cdef Node c
    cdef tuple ch
    if node.height == 0:
        out.append(node.text if a == 0 and b == node.length else node.text[a:b])
        return
    ch = node.children
    for i in range(PyTuple_GET_SIZE(ch)):
        c = <Node>ch[i]
        end = off + c.length
        if end > a:
            if off >= b:
                break
            _collect(c, a - off if a > off else 0, (b if b < end else end) - off, out)
        off = end


def substr(Node root, Py_ssize_t start, Py_ssize_t end):
    """The text between offsets ``start`` and ``end`` as one str."""
    _check_range(root, start, end)
    if start == end:
        return ""
    # fast path: inside one leaf
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t i, a = start, b = end, off
    while node.height:
        ch = node.children
        off = 0
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if a - off < c.length:
                break
            off += c.length
        if b - off > c.length:
            break
        a -= off
        b -= off
        node = c
    if node.height == 0:
        return node.text if a == 0 and b == node.length else node.text[a:b]
    cdef list out = []
    _collect(node, a, b, out)
    return out[0] if len(out) == 1 else "".join(out)


def chunks(Node root, Py_ssize_t start, Py_ssize_t end):
    """The text between ``start`` and ``end`` as consecutive non-empty str pieces, lazily."""
    _check_range(root, start, end)
    return _iter_chunks(root, start, end)


def _iter_chunks(Node root, Py_ssize_t start, Py_ssize_t end):
    cdef Py_ssize_t remaining = end - start, off = start, i, last, take
    cdef list stack = []
    cdef Node node = root
    cdef tuple ch
    cdef str text
    if remaining <= 0:
        return
    while node.height:
        ch = node.children
        i = 0
        last = PyTuple_GET_SIZE(ch) - 1
        while i < last and off >= (<Node>ch[i]).length:
            off -= (<Node>ch[i]).length
            i += 1
        stack.append((ch, i))
        node = <Node>ch[i]
    while True:
        text = node.text
        take = node.length - off
        if take >= remaining:
            yield text if off == 0 and remaining == node.length else text[off:off + remaining]
            return
        yield text[off:] if off else text
        remaining -= take
        off = 0
        while True:
            ch, i = stack.pop()
            if i + 1 < PyTuple_GET_SIZE(ch):
                stack.append((ch, i + 1))
                node = <Node>ch[i + 1]
                break
        while node.height:
            stack.append((node.children, 0))
            node = <Node>node.children[0]


def offset_of_line(Node root, Py_ssize_t line):
    """Offset where line ``line`` starts: just after the ``line``-th ``"\\n"`` (0 for line 0)."""
    if not 0 <= line <= root.newlines:
        raise IndexError(f"line {line} out of range: the rope has {root.newlines + 1} lines")
    if line == 0:
        return 0
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t off = 0, k = line, i = 0, n
    while node.height:
        ch = node.children
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if k <= c.newlines:
                break
            k -= c.newlines
            off += c.length
        node = c
    cdef str text = node.text
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    n = node.length
    if kind == 1:
        for i in range(n):
            if (<const unsigned char*>data)[i] == 10:
                k -= 1
                if k == 0:
                    break
    elif kind == 2:
        for i in range(n):
            if (<const unsigned short*>data)[i] == 10:
                k -= 1
                if k == 0:
                    break
    else:
        for i in range(n):
            if (<const unsigned int*>data)[i] == 10:
                k -= 1
                if k == 0:
                    break
    return off + i + 1


def line_of_offset(Node root, Py_ssize_t offset):
    """Number of ``"\\n"`` before ``offset``: the index of the line holding it."""
    _check_offset(root, offset)
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t lines = 0, k = offset, i
    while node.height:
        ch = node.children
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if k <= c.length:
                break
            k -= c.length
            lines += c.newlines
        node = c
    if k * 2 > node.length:
        return lines + node.newlines - _count_nl(node.text, k, node.length)
    return lines + _count_nl(node.text, 0, k)


def utf16_of_offset(Node root, Py_ssize_t offset):
    """UTF-16 code units before code point ``offset``."""
    _check_offset(root, offset)
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t units = 0, k = offset, i
    cdef Metrics m
    while node.height:
        ch = node.children
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if k <= c.length:
                break
            k -= c.length
            units += c.utf16
        node = c
    if node.utf16 == node.length:
        return units + k
    _scan(node.text, 0, k, &m)
    return units + m.utf16


def offset_of_utf16(Node root, Py_ssize_t units):
    """Code point offset at UTF-16 unit ``units``; inside a surrogate pair, the pair's start."""
    if not 0 <= units <= root.utf16:
        raise IndexError(f"UTF-16 position {units} out of range 0..{root.utf16}")
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t off = 0, u = units, i, pos = 0, w
    while node.height:
        ch = node.children
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if u <= c.utf16:
                break
            u -= c.utf16
            off += c.length
        node = c
    if node.utf16 == node.length:
        return off + u
    cdef str text = node.text
    for i in range(node.length):
        if pos == u:
            return off + i
        w = 2 if _char(text, i) >= 0x10000 else 1
        if pos + w > u:
            return off + i
        pos += w
    return off + node.length


def utf8_of_offset(Node root, Py_ssize_t offset):
    """UTF-8 bytes before code point ``offset``."""
    _check_offset(root, offset)
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t nbytes = 0, k = offset, i
    cdef Metrics m
    while node.height:
        ch = node.children
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if k <= c.length:
                break
            k -= c.length
            nbytes += c.utf8
        node = c
    if node.utf8 == node.length:
        return nbytes + k
    _scan(node.text, 0, k, &m)
    return nbytes + m.utf8


def offset_of_utf8(Node root, Py_ssize_t nbytes):
    """Code point offset at UTF-8 byte ``nbytes``; inside a character, that character's start."""
    if not 0 <= nbytes <= root.utf8:
        raise IndexError(f"UTF-8 position {nbytes} out of range 0..{root.utf8}")
    cdef Node node = root, c
    cdef tuple ch
    cdef Py_ssize_t off = 0, b = nbytes, i, pos = 0, w
    cdef unsigned int cp
    while node.height:
        ch = node.children
        for i in range(PyTuple_GET_SIZE(ch)):
            c = <Node>ch[i]
            if b <= c.utf8:
                break
            b -= c.utf8
            off += c.length
        node = c
    if node.utf8 == node.length:
        return off + b
    cdef str text = node.text
    for i in range(node.length):
        if pos == b:
            return off + i
        cp = _char(text, i)
        w = 1 if cp < 0x80 else (2 if cp < 0x800 else (3 if cp < 0x10000 else 4))
        if pos + w > b:
            return off + i
        pos += w
    return off + node.length


# ---------------------------------------------------------------------------------------
# Joining and cutting (persistent: inputs are never changed)


cdef inline bint _ok(Node node) noexcept:
    if node.height == 0:
        return node.length >= C_MIN_LEAF
    return PyTuple_GET_SIZE(node.children) >= C_MIN_CHILDREN


cdef Node _merge_nodes(tuple c1, tuple c2):
    cdef tuple both = c1 + c2
    cdef Py_ssize_t k = PyTuple_GET_SIZE(both), m
    if k <= C_MAX_CHILDREN:
        return _branch(both)
    m = k // 2
    return _branch((_branch(both[:m]), _branch(both[m:])))


cdef Py_ssize_t _split_point(str text) noexcept:
    cdef Py_ssize_t m = PyUnicode_GET_LENGTH(text) // 2
    if _char(text, m - 1) == 13 and _char(text, m) == 10:
        m += 1
    return m


cdef Node _split_leaf(str text, Py_ssize_t n, Py_ssize_t nl, Py_ssize_t u16, Py_ssize_t u8):
    """A branch of two leaves holding ``text`` (longer than MAX_LEAF) with the given metrics."""
    cdef Py_ssize_t m = _split_point(text)
    cdef Metrics lm
    _scan(text, 0, m, &lm)
    return _branch((_mk_leaf(text[:m], lm.length, lm.newlines, lm.utf16, lm.utf8),
                    _mk_leaf(text[m:], n - lm.length, nl - lm.newlines, u16 - lm.utf16, u8 - lm.utf8)))


cdef Node _merge_leaves(Node a, Node b):
    cdef str text = a.text + b.text
    cdef Py_ssize_t n = a.length + b.length
    if n <= C_MAX_LEAF:
        return _mk_leaf(text, n, a.newlines + b.newlines, a.utf16 + b.utf16, a.utf8 + b.utf8)
    return _split_leaf(text, n, a.newlines + b.newlines, a.utf16 + b.utf16, a.utf8 + b.utf8)


cdef Node _concat(Node a, Node b):
    """Join two trees; O(|height difference| + 1) new nodes. Does not look at CRLF."""
    if a.length == 0:
        return b
    if b.length == 0:
        return a
    cdef int ha = a.height, hb = b.height
    cdef tuple kids
    cdef Node n
    if ha < hb:
        kids = b.children
        if ha == hb - 1 and _ok(a):
            return _merge_nodes((a,), kids)
        n = _concat(a, <Node>kids[0])
        if n.height == hb - 1:
            return _merge_nodes((n,), kids[1:])
        return _merge_nodes(n.children, kids[1:])
    if ha > hb:
        kids = a.children
        if hb == ha - 1 and _ok(b):
            return _merge_nodes(kids, (b,))
        n = _concat(<Node>kids[PyTuple_GET_SIZE(kids) - 1], b)
        if n.height == ha - 1:
            return _merge_nodes(kids[:PyTuple_GET_SIZE(kids) - 1], (n,))
        return _merge_nodes(kids[:PyTuple_GET_SIZE(kids) - 1], n.children)
    if _ok(a) and _ok(b):
        return _branch((a, b))
    if ha == 0:
        return _merge_leaves(a, b)
    return _merge_nodes(a.children, b.children)


cdef unsigned int _first_char(Node node) noexcept:
    while node.height:
        node = <Node>node.children[0]
    return _char(node.text, 0)


cdef unsigned int _last_char(Node node) noexcept:
    while node.height:
        node = <Node>node.children[PyTuple_GET_SIZE(node.children) - 1]
    return _char(node.text, node.length - 1)


cdef Node _concat_checked(Node a, Node b):
    if a.length == 0:
        return b
    if b.length == 0:
        return a
    if _last_char(a) == 13 and _first_char(b) == 10:
        a = _concat(a, _NEWLINE)
        b = _slice(b, 1, b.length)
    return _concat(a, b)


def concat(Node a, Node b):
    """The tree of ``a``'s text followed by ``b``'s, sharing their nodes; keeps CRLF whole."""
    return _concat_checked(a, b)


cdef Node _slice(Node node, Py_ssize_t a, Py_ssize_t b):
    if a >= b:
        return _EMPTY
    if a == 0 and b == node.length:
        return node
    if node.height == 0:
        return _leaf(node.text[a:b])
    cdef Node result = None, piece, c
    cdef Py_ssize_t off = 0, end, i
    cdef tuple ch = node.children
    for i in range(PyTuple_GET_SIZE(ch)):
        c = <Node>ch[i]
        end = off + c.length
        if end > a:
            if off >= b:
                break
            piece = _slice(c, a - off if a > off else 0, (b if b < end else end) - off)
            result = piece if result is None else _concat(result, piece)
        off = end
    return result if result is not None else _EMPTY


def slice(Node root, Py_ssize_t start, Py_ssize_t end):
    """The tree of the text between ``start`` and ``end``, sharing ``root``'s whole subtrees."""
    _check_range(root, start, end)
    return _slice(root, start, end)


cdef tuple _edit(Node node, Py_ssize_t a, Py_ssize_t b, str text, Metrics* tm):
    """Path-copying edit of [a, b) inside one leaf: (node, node or None), or None."""
    cdef str t, new
    cdef Py_ssize_t n, nl, u16, u8, off, end, i, last, k
    cdef Metrics dm
    cdef tuple children, kids, r
    cdef Node n1
    if node.height == 0:
        t = node.text
        n = node.length - (b - a) + tm.length
        if n == 0:
            return None
        if a == 0:
            new = text + t[b:] if b else text + t
        elif b == node.length:
            new = t[:a] + text
        else:
            new = t[:a] + text + t[b:]
        if a == 0 and _char(new, 0) == 10 and _char(t, 0) != 10:
            return None  # the previous leaf may end in "\r": let concat keep the pair whole
        if b == node.length and _char(new, n - 1) == 13 and (node.length == 0 or _char(t, node.length - 1) != 13):
            return None
        nl = node.newlines + tm.newlines
        u16 = node.utf16 + tm.utf16
        u8 = node.utf8 + tm.utf8
        if a != b:
            _scan(t, a, b, &dm)
            nl -= dm.newlines
            u16 -= dm.utf16
            u8 -= dm.utf8
        if n <= C_MAX_LEAF:
            return (_mk_leaf(new, n, nl, u16, u8), None)
        return tuple((<Node>_split_leaf(new, n, nl, u16, u8)).children)
    children = node.children
    off = 0
    i = 0
    last = PyTuple_GET_SIZE(children) - 1
    while i < last:
        end = off + (<Node>children[i]).length
        if b <= end:
            break
        off = end
        i += 1
    if a < off:
        return None
    r = _edit(<Node>children[i], a - off, b - off, text, tm)
    if r is None:
        return None
    if r[1] is None:
        kids = children[:i] + (r[0],) + children[i + 1:]
    else:
        kids = children[:i] + r + children[i + 1:]
    k = PyTuple_GET_SIZE(kids)
    if k <= C_MAX_CHILDREN:
        return (_branch(kids), None)
    k //= 2
    return (_branch(kids[:k]), _branch(kids[k:]))


def replace(Node root, Py_ssize_t start, Py_ssize_t end, text):
    """The tree with [start, end) replaced by ``text``: O(log n) plus the length of ``text``."""
    _check_range(root, start, end)
    if not isinstance(text, str):
        raise TypeError(f"a rope holds str, not {type(text).__name__}")
    cdef str s = <str>text
    cdef Metrics tm
    cdef tuple r
    cdef Py_ssize_t tl = PyUnicode_GET_LENGTH(s)
    if start == end and tl == 0:
        return root
    if tl <= C_MAX_LEAF:
        _scan(s, 0, tl, &tm)
        r = _edit(root, start, end, s, &tm)
        if r is not None:
            return r[0] if r[1] is None else _branch(r)
    cdef Node left = _slice(root, 0, start)
    cdef Node right = _slice(root, end, root.length)
    return _concat_checked(_concat_checked(left, build(s)), right)


# ---------------------------------------------------------------------------------------
# Checking (tests)


def check(Node root):
    """Raise AssertionError unless every invariant in the module docstring holds under ``root``."""
    if root.length == 0:
        assert root.height == 0 and root.text == "", "an empty rope is one empty leaf"
        return
    prev_last = [""]

    def walk(Node node):
        if node.height == 0:
            t = node.text
            assert isinstance(t, str) and node.children is None, "leaf shape"
            assert 1 <= len(t) <= C_MAX_LEAF, f"leaf length {len(t)}"
            assert (node.length, node.newlines, node.utf16, node.utf8) == text_metrics(t), "leaf metrics"
            assert not (prev_last[0] == "\r" and t[0] == "\n"), "a chunk boundary splits CRLF"
            prev_last[0] = t[len(t) - 1]
            return
        kids = node.children
        assert node.text is None and isinstance(kids, tuple), "branch shape"
        assert 2 <= len(kids) <= C_MAX_CHILDREN, f"branch of {len(kids)} children"
        for c in kids:
            assert c.height == node.height - 1, "uneven heights"
            walk(c)
        sums = tuple(sum(getattr(c, f) for c in kids) for f in ("length", "newlines", "utf16", "utf8"))
        assert sums == (node.length, node.newlines, node.utf16, node.utf8), "branch metrics"

    walk(root)
