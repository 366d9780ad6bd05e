# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled twin of ``_rope_py``: the nodes of a persistent B-tree rope and their metrics.

Same ``public_api``, same behaviour and same exceptions as the pure-Python twin, whose
docstring states the node model and the invariants. Here nodes are GC-untracked
extension objects (they can never form a cycle: they are immutable and only point down);
a ``Branch`` holds its children's pointers and metrics in one inline C block instead of
a tuple (``children`` builds the tuple on demand), so a descent reads one contiguous
array per level and an edit copies that block; leaf metrics are computed by scanning the
str's own buffer (``PyUnicode_KIND/DATA``); descents use borrowed pointers.
"""

cimport cython
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA
from cpython.ref cimport PyObject, Py_DECREF, Py_INCREF
from libc.string cimport memcpy
from cpython.tuple cimport PyTuple_GET_SIZE, PyTuple_GET_ITEM, PyTuple_New, PyTuple_SET_ITEM


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define SYMPHONY_PREFETCH(p) __builtin_prefetch(p)
    #else
    #define SYMPHONY_PREFETCH(p) ((void)0)
    #endif
    """
    void SYMPHONY_PREFETCH(const void* p) nogil

cdef extern from "Python.h":
    int PyUnicode_IS_ASCII(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    Py_UCS4 PyUnicode_MAX_CHAR_VALUE(object o)
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    Py_ssize_t PyUnicode_CopyCharacters(object to, Py_ssize_t to_start, object source, Py_ssize_t from_start, Py_ssize_t how_many) except -1

public_api = [
    "EMPTY",
    "CHILDREN_CAP",
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
    "limits",
    "line_of_offset",
    "offset_of_line",
    "offset_of_utf16",
    "offset_of_utf8",
    "replace",
    "set_limits",
    "slice",
    "substr",
    "text_metrics",
    "utf16_of_offset",
    "utf8_of_offset",
]

#: Default limits (see ``set_limits``): leaves shorter than MIN_LEAF are merged with a
#: neighbour when trees are joined; leaves cut from a big text are about TARGET_LEAF long;
#: none is longer than MAX_LEAF; branches hold MIN_CHILDREN..MAX_CHILDREN children.
MIN_LEAF = 1024
TARGET_LEAF = 2048
MAX_LEAF = 4096
MIN_CHILDREN = 4
MAX_CHILDREN = 16
#: The most children a branch may ever have (``set_limits`` refuses more).
CHILDREN_CAP = 16

cdef enum:
    C_CAP = 16  # room for children metrics in a node: the largest max_children allowed

cdef Py_ssize_t C_MIN_LEAF = MIN_LEAF
cdef Py_ssize_t C_TARGET_LEAF = TARGET_LEAF
cdef Py_ssize_t C_MAX_LEAF = MAX_LEAF
cdef Py_ssize_t C_MIN_CHILDREN = MIN_CHILDREN
cdef Py_ssize_t C_MAX_CHILDREN = MAX_CHILDREN


def limits():
    """The limits in force: ``(min_leaf, target_leaf, max_leaf, min_children, max_children)``."""
    return (C_MIN_LEAF, C_TARGET_LEAF, C_MAX_LEAF, C_MIN_CHILDREN, C_MAX_CHILDREN)


def set_limits(Py_ssize_t min_leaf, Py_ssize_t target_leaf, Py_ssize_t max_leaf,
               Py_ssize_t min_children, Py_ssize_t max_children):
    """Change the node size limits for trees built from now on; returns the previous ones.

    For tests, which use tiny limits so small texts make deep trees. Trees built before
    stay valid texts. Requires 1 <= min_leaf <= target_leaf, target_leaf + min_leaf <=
    max_leaf, 2 <= min_children and 2 * min_children <= max_children <= CHILDREN_CAP.
    """
    global C_MIN_LEAF, C_TARGET_LEAF, C_MAX_LEAF, C_MIN_CHILDREN, C_MAX_CHILDREN
    if not (1 <= min_leaf <= target_leaf and target_leaf + min_leaf <= max_leaf
            and 2 <= min_children and 2 * min_children <= max_children <= CHILDREN_CAP):
        raise ValueError("inconsistent rope limits")
    previous = limits()
    C_MIN_LEAF, C_TARGET_LEAF, C_MAX_LEAF = min_leaf, target_leaf, max_leaf
    C_MIN_CHILDREN, C_MAX_CHILDREN = min_children, max_children
    return previous


cdef struct Metrics:
    Py_ssize_t length
    Py_ssize_t newlines
    Py_ssize_t utf16
    Py_ssize_t utf8


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

    @property
    def children(self):
        """The children of a branch as a tuple; None for a leaf."""
        return None

    def __repr__(self):
        kind = f"leaf {self.text[:20]!r}" if self.height == 0 else f"branch of {len(self.children)}"
        return f"<Node h={self.height} len={self.length} nl={self.newlines} {kind}>"


@cython.final
@cython.no_gc
cdef class Branch(Node):
    """A branch node (``height`` > 0)."""

    # A branch also keeps its children's metrics side by side in one C block
    # (lengths, child pointers, newlines, UTF-16 units, UTF-8 bytes: 5 * nkids entries,
    # inline in the node so one cache miss per level fetches them), so a descent
    # reads one contiguous array per level instead of touching every child object.
    # The branch owns one reference to each child, held through its pointer in ``cm``
    # (no tuple: an edit copies this block and bumps the siblings' refcounts, nothing else).
    cdef Py_ssize_t nkids
    cdef Py_ssize_t cm[5 * C_CAP]

    @property
    def children(self):
        """The children of this branch as a tuple."""
        return _kids(self)

    def __dealloc__(self):
        cdef Py_ssize_t j
        for j in range(self.nkids):
            Py_DECREF(<object><PyObject*>self.cm[self.nkids + j])
        self.nkids = 0


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
    return n


cdef Node _leaf(str text):
    cdef Metrics m
    _scan(text, 0, PyUnicode_GET_LENGTH(text), &m)
    return _mk_leaf(text, m.length, m.newlines, m.utf16, m.utf8)


cdef Node _branch(tuple children):
    cdef Branch n = Branch.__new__(Branch)
    cdef Node c
    cdef Py_ssize_t i, k = PyTuple_GET_SIZE(children)
    cdef Py_ssize_t length = 0, nl = 0, u16 = 0, u8 = 0
    cdef Py_ssize_t* cm = n.cm
    n.nkids = k
    for i in range(k):
        c = <Node>PyTuple_GET_ITEM(children, i)
        Py_INCREF(c)
        cm[i] = c.length
        cm[k + i] = <Py_ssize_t><PyObject*>c
        cm[2 * k + i] = c.newlines
        cm[3 * k + i] = c.utf16
        cm[4 * k + i] = c.utf8
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
    return n


cdef tuple _kids(Node node):
    """The children of branch ``node`` as a new tuple (slow paths only: joins and cuts)."""
    cdef Branch b = <Branch>node
    cdef Py_ssize_t j, k = b.nkids
    cdef tuple out = PyTuple_New(k)
    cdef object o
    for j in range(k):
        o = <object><PyObject*>b.cm[k + j]
        Py_INCREF(o)
        PyTuple_SET_ITEM(out, j, o)
    return out


cdef inline Node _child(Node node, Py_ssize_t i):
    return <Node><PyObject*>(<Branch>node).cm[(<Branch>node).nkids + i]


cdef Node _EMPTY = _mk_leaf("", 0, 0, 0, 0)
EMPTY = _EMPTY
cdef Node _CRLF = _leaf("\r\n")


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
    cdef Py_ssize_t i
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        for i in range((<Branch>pn).nkids):
            if index < cm[i]:
                break
            index -= cm[i]
        pn = <PyObject*>cm[(<Branch>pn).nkids + i]
    node = <Node>pn
    return node.text[index]


cdef void _collect(Node node, Py_ssize_t a, Py_ssize_t b, list out) except *:
    cdef Py_ssize_t off = 0, end, i
    cdef Node c
    if node.height == 0:
        out.append(node.text if a == 0 and b == node.length else node.text[a:b])
        return
    for i in range((<Branch>node).nkids):
        c = _child(node, i)
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
    cdef Py_ssize_t i, a = start, b = end, off
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        off = 0
        for i in range((<Branch>pn).nkids):
            if a - off < cm[i]:
                break
            off += cm[i]
        if b - off > cm[i]:
            break
        a -= off
        b -= off
        pn = <PyObject*>cm[(<Branch>pn).nkids + i]
    node = <Node>pn
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
    cdef Node node = root, parent
    cdef str text
    if remaining <= 0:
        return
    while node.height:
        i = 0
        last = (<Branch>node).nkids - 1
        while i < last and off >= _child(node, i).length:
            off -= _child(node, i).length
            i += 1
        stack.append((node, i))
        node = _child(node, i)
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
            parent, i = stack.pop()
            if i + 1 < (<Branch>parent).nkids:
                stack.append((parent, i + 1))
                node = _child(parent, i + 1)
                break
        while node.height:
            stack.append((node, 0))
            node = _child(node, 0)


def offset_of_line(Node root, Py_ssize_t line):
    """Offset where line ``line`` starts: just after the ``line``-th ``"\\n"`` (0 for line 0)."""
    if not 0 <= line <= root.newlines:
        raise IndexError(f"line {line} out of range: the rope has {root.newlines + 1} lines")
    if line == 0:
        return 0
    cdef Node node = root, c
    cdef Py_ssize_t off = 0, k = line, i = 0, n
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    cdef Py_ssize_t nk
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        nk = (<Branch>pn).nkids
        for i in range(nk):
            if k <= cm[2 * nk + i]:
                break
            k -= cm[2 * nk + i]
            off += cm[i]
        pn = <PyObject*>cm[nk + i]
    node = <Node>pn
    i = 0
    return off + _nth_newline(node.text, node.length, node.newlines, k) + 1


cdef Py_ssize_t _nth_newline(str text, Py_ssize_t n, Py_ssize_t total, Py_ssize_t k) noexcept:
    """Index of the ``k``-th (1-based) ``"\n"`` of ``text`` (which has ``total`` of them)."""
    cdef int kind = PyUnicode_KIND(text)
    cdef void* data = PyUnicode_DATA(text)
    cdef const unsigned char* p1
    cdef Py_ssize_t i = 0, j, c
    if kind == 1:
        p1 = <const unsigned char*>data
        if 2 * k <= total:
            # whole 64-byte blocks first (a vectorised count), then the block holding it
            while i + 64 <= n:
                c = 0
                for j in range(64):
                    c += p1[i + j] == 10
                if c >= k:
                    break
                k -= c
                i += 64
            while True:
                if p1[i] == 10:
                    k -= 1
                    if k == 0:
                        return i
                i += 1
        # nearer the end: the (total - k + 1)-th newline counted backwards
        k = total - k + 1
        i = n
        while i >= 64:
            c = 0
            for j in range(1, 65):
                c += p1[i - j] == 10
            if c >= k:
                break
            k -= c
            i -= 64
        while True:
            i -= 1
            if p1[i] == 10:
                k -= 1
                if k == 0:
                    return i
    for i in range(n):
        if (kind == 2 and (<const unsigned short*>data)[i] == 10) or (kind == 4 and (<const unsigned int*>data)[i] == 10):
            k -= 1
            if k == 0:
                return i
    return n


def line_of_offset(Node root, Py_ssize_t offset):
    """Number of ``"\\n"`` before ``offset``: the index of the line holding it."""
    _check_offset(root, offset)
    cdef Node node = root, c
    cdef Py_ssize_t lines = 0, k = offset, i
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    cdef Py_ssize_t nk
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        nk = (<Branch>pn).nkids
        for i in range(nk):
            if k <= cm[i]:
                break
            k -= cm[i]
            lines += cm[2 * nk + i]
        pn = <PyObject*>cm[nk + i]
    node = <Node>pn
    if k * 2 > node.length:
        return lines + node.newlines - _count_nl(node.text, k, node.length)
    return lines + _count_nl(node.text, 0, k)


def utf16_of_offset(Node root, Py_ssize_t offset):
    """UTF-16 code units before code point ``offset``."""
    _check_offset(root, offset)
    cdef Node node = root, c
    cdef Py_ssize_t units = 0, k = offset, i
    cdef Metrics m
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    cdef Py_ssize_t nk
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        nk = (<Branch>pn).nkids
        for i in range(nk):
            if k <= cm[i]:
                break
            k -= cm[i]
            units += cm[3 * nk + i]
        pn = <PyObject*>cm[nk + i]
    node = <Node>pn
    if node.utf16 == node.length:
        return units + k
    _scan(node.text, 0, k, &m)
    return units + m.utf16


def offset_of_utf16(Node root, Py_ssize_t units):
    """Code point offset at UTF-16 unit ``units``; inside a surrogate pair, the pair's start."""
    if not 0 <= units <= root.utf16:
        raise IndexError(f"UTF-16 position {units} out of range 0..{root.utf16}")
    cdef Node node = root, c
    cdef Py_ssize_t off = 0, u = units, i, pos = 0, w
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    cdef Py_ssize_t nk
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        nk = (<Branch>pn).nkids
        for i in range(nk):
            if u <= cm[3 * nk + i]:
                break
            u -= cm[3 * nk + i]
            off += cm[i]
        pn = <PyObject*>cm[nk + i]
    node = <Node>pn
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
    cdef Py_ssize_t nbytes = 0, k = offset, i
    cdef Metrics m
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    cdef Py_ssize_t nk
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        nk = (<Branch>pn).nkids
        for i in range(nk):
            if k <= cm[i]:
                break
            k -= cm[i]
            nbytes += cm[4 * nk + i]
        pn = <PyObject*>cm[nk + i]
    node = <Node>pn
    if node.utf8 == node.length:
        return nbytes + k
    _scan(node.text, 0, k, &m)
    return nbytes + m.utf8


def offset_of_utf8(Node root, Py_ssize_t nbytes):
    """Code point offset at UTF-8 byte ``nbytes``; inside a character, that character's start."""
    if not 0 <= nbytes <= root.utf8:
        raise IndexError(f"UTF-8 position {nbytes} out of range 0..{root.utf8}")
    cdef Node node = root, c
    cdef Py_ssize_t off = 0, b = nbytes, i, pos = 0, w
    cdef unsigned int cp
    cdef Py_ssize_t* cm
    cdef PyObject* pn
    cdef Py_ssize_t nk
    i = 0
    pn = <PyObject*>node
    while (<Node>pn).height:
        cm = (<Branch>pn).cm
        nk = (<Branch>pn).nkids
        for i in range(nk):
            if b <= cm[4 * nk + i]:
                break
            b -= cm[4 * nk + i]
            off += cm[i]
        pn = <PyObject*>cm[nk + i]
    node = <Node>pn
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
    return (<Branch>node).nkids >= C_MIN_CHILDREN


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
        kids = _kids(b)
        if ha == hb - 1 and _ok(a):
            return _merge_nodes((a,), kids)
        n = _concat(a, <Node>kids[0])
        if n.height == hb - 1:
            return _merge_nodes((n,), kids[1:])
        return _merge_nodes(_kids(n), kids[1:])
    if ha > hb:
        kids = _kids(a)
        if hb == ha - 1 and _ok(b):
            return _merge_nodes(kids, (b,))
        n = _concat(<Node>kids[PyTuple_GET_SIZE(kids) - 1], b)
        if n.height == ha - 1:
            return _merge_nodes(kids[:PyTuple_GET_SIZE(kids) - 1], (n,))
        return _merge_nodes(kids[:PyTuple_GET_SIZE(kids) - 1], _kids(n))
    if _ok(a) and _ok(b):
        return _branch((a, b))
    if ha == 0:
        return _merge_leaves(a, b)
    return _merge_nodes(_kids(a), _kids(b))


cdef unsigned int _first_char(Node node) noexcept:
    while node.height:
        node = _child(node, 0)
    return _char(node.text, 0)


cdef unsigned int _last_char(Node node) noexcept:
    while node.height:
        node = _child(node, (<Branch>node).nkids - 1)
    return _char(node.text, node.length - 1)


cdef Node _concat_checked(Node a, Node b):
    if a.length == 0:
        return b
    if b.length == 0:
        return a
    if _last_char(a) == 13 and _first_char(b) == 10:
        # move the pair into one leaf of its own: "\r\n" is never split
        a = _concat(_slice(a, 0, a.length - 1), _CRLF)
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
    for i in range((<Branch>node).nkids):
        c = _child(node, i)
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


cdef enum:
    C_MAX_DEPTH = 64


cdef str _splice(str t, Py_ssize_t a, Py_ssize_t b, str text, Py_ssize_t n):
    """``t[:a] + text + t[b:]`` (of length ``n``) in one allocation when that is safe."""
    cdef Py_UCS4 maxchar
    cdef object out
    if a == b:  # pure insert: the widest char of the result is the widest of the two
        maxchar = PyUnicode_MAX_CHAR_VALUE(t)
        if PyUnicode_MAX_CHAR_VALUE(text) > maxchar:
            maxchar = PyUnicode_MAX_CHAR_VALUE(text)
        out = PyUnicode_New(n, maxchar)
        PyUnicode_CopyCharacters(out, 0, t, 0, a)
        PyUnicode_CopyCharacters(out, a, text, 0, PyUnicode_GET_LENGTH(text))
        PyUnicode_CopyCharacters(out, a + PyUnicode_GET_LENGTH(text), t, b, PyUnicode_GET_LENGTH(t) - b)
        return <str>out
    # a deletion may narrow the str's kind: let CPython pick the canonical form
    if a == 0:
        return text + t[b:]
    if b == PyUnicode_GET_LENGTH(t):
        return t[:a] + text
    return t[:a] + text + t[b:]


cdef tuple _with_children(Py_ssize_t* cm, Py_ssize_t k, Py_ssize_t i, Node n1, Node n2):
    """The children of a branch (metrics block ``cm``, ``k`` children), child ``i`` replaced by
    ``n1`` (and ``n2`` after it)."""
    cdef Py_ssize_t j, extra = 0 if n2 is None else 1
    cdef tuple out = PyTuple_New(k + extra)
    cdef object o
    cdef Py_ssize_t* ptrs = cm + k
    for j in range(i):
        o = <object><PyObject*>ptrs[j]
        Py_INCREF(o)
        PyTuple_SET_ITEM(out, j, o)
    Py_INCREF(n1)
    PyTuple_SET_ITEM(out, i, n1)
    if extra:
        Py_INCREF(n2)
        PyTuple_SET_ITEM(out, i + 1, n2)
    for j in range(i + 1, k):
        o = <object><PyObject*>ptrs[j]
        Py_INCREF(o)
        PyTuple_SET_ITEM(out, j + extra, o)
    return out


cdef Node _edit(Node root, Py_ssize_t a, Py_ssize_t b, str text, Metrics* tm):
    """Path-copying edit of [a, b) inside one leaf (splitting nodes that overflow), or None.

    None when the edit spans leaves, empties a leaf, or could put a chunk boundary inside
    a CRLF; the caller then takes the general slice-and-concat path.
    """
    cdef PyObject* path[C_MAX_DEPTH]
    cdef Py_ssize_t idx[C_MAX_DEPTH]
    cdef int depth = 0, d
    cdef Node node, n1, n2 = None
    cdef Branch c, parent
    cdef tuple kids
    cdef Py_ssize_t off, end, i, j, last, n, k, nl, u16, u8
    cdef Py_ssize_t dlen, dnl, du16, du8
    cdef Py_ssize_t* cm
    cdef Metrics dm
    cdef str t, new
    # Descend with borrowed pointers (no refcount writes on the way down); prefetch the
    # siblings of each node on the path, whose refcounts the copy of the path will bump.
    cdef PyObject* pn = <PyObject*>root
    while (<Node>pn).height:
        if depth == C_MAX_DEPTH:
            return None
        cm = (<Branch>pn).cm
        k = (<Branch>pn).nkids
        off = 0
        i = 0
        last = k - 1
        while i < last:
            end = off + cm[i]
            if b <= end:
                break
            off = end
            i += 1
        if a < off:
            return None
        for j in range(k):
            SYMPHONY_PREFETCH(<void*>cm[k + j])
        path[depth] = pn
        idx[depth] = i
        depth += 1
        a -= off
        b -= off
        pn = <PyObject*>cm[k + i]
    node = <Node>pn
    t = node.text
    n = node.length - (b - a) + tm.length
    if n == 0 or n > 2 * C_MAX_LEAF - 2:
        return None  # (a leaf that long might not split into two legal halves)
    new = _splice(t, a, b, text, n)
    if a == 0 and _char(new, 0) == 10 and _char(t, 0) != 10:
        return None  # the previous leaf may end in "\r": let concat keep the pair whole
    if b == node.length and _char(new, n - 1) == 13 and (node.length == 0 or _char(t, node.length - 1) != 13):
        return None
    dlen = n - node.length
    dnl = tm.newlines
    du16 = tm.utf16
    du8 = tm.utf8
    if a != b:
        _scan(t, a, b, &dm)
        dnl -= dm.newlines
        du16 -= dm.utf16
        du8 -= dm.utf8
    nl = node.newlines + dnl
    u16 = node.utf16 + du16
    u8 = node.utf8 + du8
    if n <= C_MAX_LEAF:
        n1 = _mk_leaf(new, n, nl, u16, u8)
    else:
        kids = _kids(_split_leaf(new, n, nl, u16, u8))
        n1 = <Node>kids[0]
        n2 = <Node>kids[1]
    for d in range(depth - 1, -1, -1):
        parent = <Branch>path[d]
        k = parent.nkids
        if n2 is None:
            i = idx[d]
            c = Branch.__new__(Branch)
            cm = c.cm
            memcpy(cm, parent.cm, 5 * k * sizeof(Py_ssize_t))
            cm[i] += dlen
            cm[k + i] = <Py_ssize_t><PyObject*>n1  # kept alive by ``kids``
            cm[2 * k + i] += dnl
            cm[3 * k + i] += du16
            cm[4 * k + i] += du8
            for j in range(k):
                Py_INCREF(<object><PyObject*>cm[k + j])
            c.nkids = k
            c.length = parent.length + dlen
            c.newlines = parent.newlines + dnl
            c.utf16 = parent.utf16 + du16
            c.utf8 = parent.utf8 + du8
            c.height = parent.height
            c.text = None
            n1 = c
            continue
        kids = _with_children(parent.cm, k, idx[d], n1, n2)
        k = PyTuple_GET_SIZE(kids)
        if k <= C_MAX_CHILDREN:
            n1 = _branch(kids)
            n2 = None
        else:
            k //= 2
            n1 = _branch(kids[:k])
            n2 = _branch(kids[k:])
    if n2 is not None:
        return _branch((n1, n2))
    return n1


def replace(Node root, Py_ssize_t start, Py_ssize_t end, text):
    """The tree with [start, end) replaced by ``text``: O(log n) plus the length of ``text``."""
    _check_range(root, start, end)
    if not isinstance(text, str):
        raise TypeError(f"a rope holds str, not {type(text).__name__}")
    cdef str s = <str>text
    cdef Metrics tm
    cdef Node r
    cdef Py_ssize_t tl = PyUnicode_GET_LENGTH(s)
    if start == end and tl == 0:
        return root
    if tl <= C_MAX_LEAF:
        _scan(s, 0, tl, &tm)
        r = _edit(root, start, end, s, &tm)
        if r is not None:
            return r
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
