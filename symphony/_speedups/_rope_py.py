"""Pure-Python twin of ``_rope.pyx``: the nodes of a persistent B-tree rope and their metrics.

``symphony.text.Rope`` is a thin wrapper around a root :class:`Node` from this module (or
from its compiled twin, chosen by :func:`symphony._speedups.load`). Both twins provide every
name in :data:`public_api` with the same behaviour, including the exception types raised.

Node model: a leaf holds a ``str`` chunk; a branch holds a tuple of children. Every node
carries the metrics of its whole subtree, read by the rope to find anything in O(log n):
``length`` (code points), ``newlines`` (count of ``"\\n"``), ``utf16`` (UTF-16 code units:
astral characters count 2, everything else 1, lone surrogates included) and ``utf8``
(UTF-8 bytes, a lone surrogate counting 3 as with ``surrogatepass``).

Invariants, true of every node reachable from a root this module returns:

1. Nodes are never changed after construction, so any number of ropes share them safely;
   an edit copies only the path from the root to the leaves it touches.
2. A leaf has ``height`` 0, ``text`` a str and ``children`` None. A branch has ``height`` h > 0,
   ``text`` None and a tuple of 2..max_children children, each of height h - 1 (so every leaf
   is at the same depth, and the depth is O(log n)).
3. A branch's metrics are the sums of its children's; a leaf's are those of its text.
4. A leaf holds 1..max_leaf code points; only the root of the empty rope is an empty leaf.
   Leaves cut from a text hold target_leaf..max_leaf code points (the last may be shorter
   only when it is the whole rope); edits may leave shorter leaves, merged again when
   trees are joined. (``max_leaf`` etc. are the limits in force: :func:`limits`.)
5. No chunk boundary falls inside ``"\\r\\n"``: a leaf ending in ``"\\r"`` is never followed
   by a leaf starting with ``"\\n"``. (Line metrics count ``"\\n"`` only, so lookups would be
   right anyway; the invariant lets a consumer of :func:`chunks` treat each chunk's line
   terminators as whole.)

Line ``k`` starts after the ``k``-th ``"\\n"``; a lone ``"\\r"`` is not a line break.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

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

#: Default limits (see :func:`set_limits`): leaves shorter than MIN_LEAF are merged with a
#: neighbour when trees are joined; leaves cut from a big text are about TARGET_LEAF long;
#: none is longer than MAX_LEAF; branches hold MIN_CHILDREN..MAX_CHILDREN children.
MIN_LEAF = 1024
TARGET_LEAF = 2048
MAX_LEAF = 4096
MIN_CHILDREN = 4
MAX_CHILDREN = 16
#: The most children a branch may ever have (``set_limits`` refuses more): the compiled
#: twin keeps its children's metrics inline in each node, with room for this many.
CHILDREN_CAP = 16

_min_leaf = MIN_LEAF
_target_leaf = TARGET_LEAF
_max_leaf = MAX_LEAF
_min_children = MIN_CHILDREN
_max_children = MAX_CHILDREN


def limits() -> tuple[int, int, int, int, int]:
    """The limits in force: ``(min_leaf, target_leaf, max_leaf, min_children, max_children)``."""
    return (_min_leaf, _target_leaf, _max_leaf, _min_children, _max_children)


def set_limits(min_leaf: int, target_leaf: int, max_leaf: int,
               min_children: int, max_children: int) -> tuple[int, int, int, int, int]:
    """Change the node size limits for trees built from now on; returns the previous ones.

    For tests, which use tiny limits so small texts make deep trees. Trees built before
    stay valid texts. Requires 1 <= min_leaf <= target_leaf, target_leaf + min_leaf <=
    max_leaf, 2 <= min_children and 2 * min_children <= max_children <= CHILDREN_CAP.
    """
    global _min_leaf, _target_leaf, _max_leaf, _min_children, _max_children
    if not (1 <= min_leaf <= target_leaf and target_leaf + min_leaf <= max_leaf
            and 2 <= min_children and 2 * min_children <= max_children <= CHILDREN_CAP):
        raise ValueError("inconsistent rope limits")
    previous = limits()
    _min_leaf, _target_leaf, _max_leaf = min_leaf, target_leaf, max_leaf
    _min_children, _max_children = min_children, max_children
    return previous

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Node:
    """One node of a rope: a leaf (``text``) or a branch (``children``), with subtree metrics."""

    __slots__ = ("length", "newlines", "utf16", "utf8", "height", "text", "children")

    def __init__(self, length: int, newlines: int, utf16: int, utf8: int, height: int,
                 text: str | None, children: tuple[Node, ...] | None) -> None:
        self.length = length
        self.newlines = newlines
        self.utf16 = utf16
        self.utf8 = utf8
        self.height = height
        self.text = text
        self.children = children

    def __repr__(self) -> str:
        kind = f"leaf {self.text[:20]!r}" if self.height == 0 else f"branch of {len(self.children)}"  # type: ignore[index,arg-type]
        return f"<Node h={self.height} len={self.length} nl={self.newlines} {kind}>"


def text_metrics(s: str) -> tuple[int, int, int, int]:
    """``(code points, newlines, utf16 units, utf8 bytes)`` of ``s``."""
    n = len(s)
    if s.isascii():
        return n, s.count("\n"), n, n
    return n, s.count("\n"), n + len(_ASTRAL.findall(s)), len(s.encode("utf-8", "surrogatepass"))


def _leaf(text: str) -> Node:
    n, nl, u16, u8 = text_metrics(text)
    return Node(n, nl, u16, u8, 0, text, None)


def _branch(children: tuple[Node, ...]) -> Node:
    length = newlines = utf16 = utf8 = 0
    for c in children:
        length += c.length
        newlines += c.newlines
        utf16 += c.utf16
        utf8 += c.utf8
    return Node(length, newlines, utf16, utf8, children[0].height + 1, None, children)


EMPTY = Node(0, 0, 0, 0, 0, "", None)
_CRLF = _leaf("\r\n")


# ---------------------------------------------------------------------------------------
# Building


def _levels(nodes: list[Node]) -> Node:
    """Stack ``nodes`` (all of one height) into a balanced tree, bottom-up, in linear time."""
    while len(nodes) > 1:
        k = len(nodes)
        groups = -(-k // _max_children)
        base, extra = divmod(k, groups)
        out = []
        i = 0
        for g in range(groups):
            size = base + 1 if g < extra else base
            out.append(_branch(tuple(nodes[i:i + size])))
            i += size
        nodes = out
    return nodes[0]


def build_chunks(chunks: Iterable[str]) -> Node:
    """A tree holding the concatenation of ``chunks``, read once (no second copy is kept)."""
    leaves: list[Node] = []
    carry = ""
    for chunk in chunks:
        if not isinstance(chunk, str):
            raise TypeError(f"rope chunks must be str, not {type(chunk).__name__}")
        if not chunk:
            continue
        buf = carry + chunk if carry else chunk
        n = len(buf)
        pos = 0
        while n - pos > _max_leaf:
            end = pos + _target_leaf
            if buf[end - 1] == "\r" and buf[end] == "\n":
                end += 1
            leaves.append(_leaf(buf[pos:end]))
            pos = end
        carry = buf[pos:] if pos else buf
    if carry:
        leaves.append(_leaf(carry))
    if not leaves:
        return EMPTY
    return _levels(leaves)


def build(text: str) -> Node:
    """A tree holding ``text``, built bottom-up in linear time."""
    if not isinstance(text, str):
        raise TypeError(f"a rope holds str, not {type(text).__name__}")
    return build_chunks((text,))


# ---------------------------------------------------------------------------------------
# Reading


def _check_range(root: Node, start: int, end: int) -> None:
    if not 0 <= start <= end <= root.length:
        if start > end and 0 <= start <= root.length and 0 <= end <= root.length:
            raise ValueError(f"range start {start} is after its end {end}")
        raise IndexError(f"range {start}..{end} out of bounds for a rope of length {root.length}")


def _check_offset(root: Node, offset: int) -> None:
    if not 0 <= offset <= root.length:
        raise IndexError(f"offset {offset} out of range 0..{root.length}")


def char_at(root: Node, index: int) -> str:
    """The character at ``index`` (0 <= index < length)."""
    if not 0 <= index < root.length:
        raise IndexError(f"index {index} out of range for a rope of length {root.length}")
    node = root
    while node.height:
        for c in node.children:  # type: ignore[union-attr]
            if index < c.length:
                node = c
                break
            index -= c.length
    return node.text[index]  # type: ignore[index]


def _collect(node: Node, a: int, b: int, out: list[str]) -> None:
    if node.height == 0:
        t = node.text
        out.append(t if a == 0 and b == len(t) else t[a:b])  # type: ignore[arg-type,index]
        return
    off = 0
    for c in node.children:  # type: ignore[union-attr]
        end = off + c.length
        if end > a:
            if off >= b:
                break
            _collect(c, a - off if a > off else 0, (b if b < end else end) - off, out)
        off = end


def substr(root: Node, start: int, end: int) -> str:
    """The text between offsets ``start`` and ``end`` as one str."""
    _check_range(root, start, end)
    if start == end:
        return ""
    out: list[str] = []
    _collect(root, start, end, out)
    return out[0] if len(out) == 1 else "".join(out)


def chunks(root: Node, start: int, end: int) -> Iterator[str]:
    """The text between ``start`` and ``end`` as consecutive non-empty str pieces, lazily."""
    _check_range(root, start, end)
    return _iter_chunks(root, start, end)


def _iter_chunks(root: Node, start: int, end: int) -> Iterator[str]:
    remaining = end - start
    if remaining <= 0:
        return
    stack: list[tuple[tuple[Node, ...], int]] = []
    node = root
    off = start
    while node.height:
        ch = node.children
        i = 0
        last = len(ch) - 1  # type: ignore[arg-type]
        while i < last and off >= ch[i].length:  # type: ignore[index]
            off -= ch[i].length  # type: ignore[index]
            i += 1
        stack.append((ch, i))  # type: ignore[arg-type]
        node = ch[i]  # type: ignore[index]
    while True:
        text = node.text
        take = len(text) - off  # type: ignore[arg-type]
        if take >= remaining:
            yield text if off == 0 and remaining == len(text) else text[off:off + remaining]  # type: ignore[arg-type,index,misc]
            return
        yield text[off:] if off else text  # type: ignore[index,misc]
        remaining -= take
        off = 0
        while True:
            ch, i = stack.pop()
            if i + 1 < len(ch):
                stack.append((ch, i + 1))
                node = ch[i + 1]
                break
        while node.height:
            stack.append((node.children, 0))  # type: ignore[arg-type]
            node = node.children[0]  # type: ignore[index]


def _descend(root: Node, target: int, by: str, acc: str) -> tuple[Node, int, int]:
    """Walk from ``root`` to the leaf holding position ``target`` of metric ``by``.

    Returns the leaf, what is left of ``target`` inside it, and the sum of metric ``acc``
    over every subtree passed on the way (the one walk behind every position conversion,
    like xi's generic metric walk). A position on a boundary belongs to the left subtree.
    """
    node = root
    total = 0
    while node.height:
        for c in node.children:  # type: ignore[union-attr]
            m = getattr(c, by)
            if target <= m:
                node = c
                break
            target -= m
            total += getattr(c, acc)
    return node, target, total


def offset_of_line(root: Node, line: int) -> int:
    """Offset where line ``line`` starts: just after the ``line``-th ``"\\n"`` (0 for line 0)."""
    if not 0 <= line <= root.newlines:
        raise IndexError(f"line {line} out of range: the rope has {root.newlines + 1} lines")
    if line == 0:
        return 0
    node, k, off = _descend(root, line, "newlines", "length")
    text = node.text
    pos = -1
    for _ in range(k):
        pos = text.find("\n", pos + 1)  # type: ignore[union-attr]
    return off + pos + 1


def line_of_offset(root: Node, offset: int) -> int:
    """Number of ``"\\n"`` before ``offset``: the index of the line holding it."""
    _check_offset(root, offset)
    node, k, lines = _descend(root, offset, "length", "newlines")
    text = node.text
    if k * 2 > len(text):  # type: ignore[arg-type]
        return lines + node.newlines - text.count("\n", k)  # type: ignore[union-attr]
    return lines + text.count("\n", 0, k)  # type: ignore[union-attr]


def utf16_of_offset(root: Node, offset: int) -> int:
    """UTF-16 code units before code point ``offset``."""
    _check_offset(root, offset)
    node, k, units = _descend(root, offset, "length", "utf16")
    if node.utf16 == node.length:
        return units + k
    return units + k + len(_ASTRAL.findall(node.text, 0, k))  # type: ignore[arg-type]


def offset_of_utf16(root: Node, units: int) -> int:
    """Code point offset at UTF-16 unit ``units``; inside a surrogate pair, the pair's start."""
    if not 0 <= units <= root.utf16:
        raise IndexError(f"UTF-16 position {units} out of range 0..{root.utf16}")
    node, u, off = _descend(root, units, "utf16", "length")
    if node.utf16 == node.length:
        return off + u
    count = 0
    for m in _ASTRAL.finditer(node.text):  # type: ignore[arg-type]
        p = m.start()
        if p + count >= u:
            break
        if p + count + 1 == u:
            return off + p
        count += 1
    return off + u - count


def utf8_of_offset(root: Node, offset: int) -> int:
    """UTF-8 bytes before code point ``offset``."""
    _check_offset(root, offset)
    node, k, nbytes = _descend(root, offset, "length", "utf8")
    if node.utf8 == node.length:
        return nbytes + k
    return nbytes + len(node.text[:k].encode("utf-8", "surrogatepass"))  # type: ignore[index]


def offset_of_utf8(root: Node, nbytes: int) -> int:
    """Code point offset at UTF-8 byte ``nbytes``; inside a character, that character's start."""
    if not 0 <= nbytes <= root.utf8:
        raise IndexError(f"UTF-8 position {nbytes} out of range 0..{root.utf8}")
    node, b, off = _descend(root, nbytes, "utf8", "length")
    if node.utf8 == node.length:
        return off + b
    data = node.text.encode("utf-8", "surrogatepass")  # type: ignore[union-attr]
    while b < len(data) and (data[b] & 0xC0) == 0x80:
        b -= 1
    return off + len(data[:b].decode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------------------------------
# Joining and cutting (persistent: inputs are never changed)


def _ok(node: Node) -> bool:
    if node.height == 0:
        return node.length >= _min_leaf
    return len(node.children) >= _min_children  # type: ignore[arg-type]


def _merge_nodes(c1: tuple[Node, ...], c2: tuple[Node, ...]) -> Node:
    both = c1 + c2
    if len(both) <= _max_children:
        return _branch(both)
    m = len(both) // 2
    return _branch((_branch(both[:m]), _branch(both[m:])))


def _split_text(text: str) -> int:
    m = len(text) // 2
    if text[m - 1] == "\r" and text[m] == "\n":
        m += 1
    return m


def _merge_leaves(a: Node, b: Node) -> Node:
    text = a.text + b.text  # type: ignore[operator]
    n = len(text)
    nl = a.newlines + b.newlines
    u16 = a.utf16 + b.utf16
    u8 = a.utf8 + b.utf8
    if n <= _max_leaf:
        return Node(n, nl, u16, u8, 0, text, None)
    m = _split_text(text)
    left = _leaf(text[:m])
    right = Node(n - left.length, nl - left.newlines, u16 - left.utf16, u8 - left.utf8, 0, text[m:], None)
    return _branch((left, right))


def _concat(a: Node, b: Node) -> Node:
    """Join two trees; O(|height difference| + 1) new nodes. Does not look at CRLF."""
    if a.length == 0:
        return b
    if b.length == 0:
        return a
    ha = a.height
    hb = b.height
    if ha < hb:
        kids = b.children
        if ha == hb - 1 and _ok(a):
            return _merge_nodes((a,), kids)  # type: ignore[arg-type]
        n = _concat(a, kids[0])  # type: ignore[index]
        if n.height == hb - 1:
            return _merge_nodes((n,), kids[1:])  # type: ignore[index]
        return _merge_nodes(n.children, kids[1:])  # type: ignore[arg-type,index]
    if ha > hb:
        kids = a.children
        if hb == ha - 1 and _ok(b):
            return _merge_nodes(kids, (b,))  # type: ignore[arg-type]
        n = _concat(kids[-1], b)  # type: ignore[index]
        if n.height == ha - 1:
            return _merge_nodes(kids[:-1], (n,))  # type: ignore[index]
        return _merge_nodes(kids[:-1], n.children)  # type: ignore[arg-type,index]
    if _ok(a) and _ok(b):
        return _branch((a, b))
    if ha == 0:
        return _merge_leaves(a, b)
    return _merge_nodes(a.children, b.children)  # type: ignore[arg-type]


def _first_char(node: Node) -> str:
    while node.height:
        node = node.children[0]  # type: ignore[index]
    return node.text[0]  # type: ignore[index]


def _last_char(node: Node) -> str:
    while node.height:
        node = node.children[-1]  # type: ignore[index]
    return node.text[-1]  # type: ignore[index]


def concat(a: Node, b: Node) -> Node:
    """The tree of ``a``'s text followed by ``b``'s, sharing their nodes; keeps CRLF whole."""
    if a.length == 0:
        return b
    if b.length == 0:
        return a
    if _last_char(a) == "\r" and _first_char(b) == "\n":
        # move the pair into one leaf of its own: "\r\n" is never split
        a = _concat(_slice(a, 0, a.length - 1), _CRLF)
        b = _slice(b, 1, b.length)
    return _concat(a, b)


def _slice(node: Node, a: int, b: int) -> Node:
    if a >= b:
        return EMPTY
    if a == 0 and b == node.length:
        return node
    if node.height == 0:
        return _leaf(node.text[a:b])  # type: ignore[index]
    result = None
    off = 0
    for c in node.children:  # type: ignore[union-attr]
        end = off + c.length
        if end > a:
            if off >= b:
                break
            piece = _slice(c, a - off if a > off else 0, (b if b < end else end) - off)
            result = piece if result is None else _concat(result, piece)
        off = end
    return result if result is not None else EMPTY


def slice(root: Node, start: int, end: int) -> Node:  # noqa: A001 - mirrors the Rope method
    """The tree of the text between ``start`` and ``end``, sharing ``root``'s whole subtrees."""
    _check_range(root, start, end)
    return _slice(root, start, end)


def _edit(node: Node, a: int, b: int, text: str, tm: tuple[int, int, int, int]) -> tuple[Node, Node | None] | None:
    """Path-copying edit of [a, b) inside one leaf; None when that does not apply."""
    if node.height == 0:
        t = node.text
        new = t[:a] + text + t[b:]  # type: ignore[index]
        n = len(new)
        if n == 0 or n > 2 * _max_leaf - 2:
            return None  # (a leaf that long might not split into two legal halves)
        if a == 0 and new[0] == "\n" and not t.startswith("\n"):  # type: ignore[union-attr]
            return None  # the previous leaf may end in "\r": let concat keep the pair whole
        if b == len(t) and new[-1] == "\r" and not t.endswith("\r"):  # type: ignore[arg-type,union-attr]
            return None
        if a == b:
            nl, u16, u8 = node.newlines + tm[1], node.utf16 + tm[2], node.utf8 + tm[3]
        else:
            dm = text_metrics(t[a:b])  # type: ignore[index]
            nl, u16, u8 = node.newlines - dm[1] + tm[1], node.utf16 - dm[2] + tm[2], node.utf8 - dm[3] + tm[3]
        if n <= _max_leaf:
            return Node(n, nl, u16, u8, 0, new, None), None
        m = _split_text(new)
        left = _leaf(new[:m])
        right = Node(n - left.length, nl - left.newlines, u16 - left.utf16, u8 - left.utf8, 0, new[m:], None)
        return left, right
    children = node.children
    off = 0
    i = 0
    last = len(children) - 1  # type: ignore[arg-type]
    while i < last:
        end = off + children[i].length  # type: ignore[index]
        if b <= end:
            break
        off = end
        i += 1
    if a < off:
        return None
    r = _edit(children[i], a - off, b - off, text, tm)  # type: ignore[index]
    if r is None:
        return None
    n1, n2 = r
    if n2 is None:
        kids = children[:i] + (n1,) + children[i + 1:]  # type: ignore[index,operator]
    else:
        kids = children[:i] + (n1, n2) + children[i + 1:]  # type: ignore[index,operator]
    if len(kids) <= _max_children:
        return _branch(kids), None
    m = len(kids) // 2
    return _branch(kids[:m]), _branch(kids[m:])


def replace(root: Node, start: int, end: int, text: str) -> Node:
    """The tree with [start, end) replaced by ``text``: O(log n) plus the length of ``text``."""
    _check_range(root, start, end)
    if not isinstance(text, str):
        raise TypeError(f"a rope holds str, not {type(text).__name__}")
    if start == end and not text:
        return root
    if len(text) <= _max_leaf:
        r = _edit(root, start, end, text, text_metrics(text))
        if r is not None:
            n1, n2 = r
            return n1 if n2 is None else _branch((n1, n2))
    left = _slice(root, 0, start)
    right = _slice(root, end, root.length)
    return concat(concat(left, build(text)), right)


# ---------------------------------------------------------------------------------------
# Checking (tests)


def check(root: Node) -> None:
    """Raise AssertionError unless every invariant in the module docstring holds under ``root``."""
    if root.length == 0:
        assert root.height == 0 and root.text == "", "an empty rope is one empty leaf"
        return
    prev_last = [""]

    def walk(node: Node, is_root: bool) -> None:
        if node.height == 0:
            t = node.text
            assert isinstance(t, str) and node.children is None, "leaf shape"
            assert 1 <= len(t) <= _max_leaf, f"leaf length {len(t)}"
            assert (node.length, node.newlines, node.utf16, node.utf8) == text_metrics(t), "leaf metrics"
            assert not (prev_last[0] == "\r" and t[0] == "\n"), "a chunk boundary splits CRLF"
            prev_last[0] = t[-1]
            return
        kids = node.children
        assert node.text is None and isinstance(kids, tuple), "branch shape"
        assert 2 <= len(kids) <= _max_children, f"branch of {len(kids)} children"
        for c in kids:
            assert c.height == node.height - 1, "uneven heights"
            walk(c, False)
        sums = tuple(sum(getattr(c, f) for c in kids) for f in ("length", "newlines", "utf16", "utf8"))
        assert sums == (node.length, node.newlines, node.utf16, node.utf8), "branch metrics"

    walk(root, True)
