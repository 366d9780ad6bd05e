"""``View``: one view the core opened for the plugin, its text kept current, and the calls a
plugin makes about it (the plugin side of xi's ``PluginNotification`` and ``get_data``).

Every call may come from any thread: the text and revision are guarded by a lock, and the
wire (:class:`symphony.rpc.Peer`) is thread-safe. Offsets a plugin gives count code points in
the text at ``rev`` (default :attr:`View.rev`); the view turns them into the UTF-8 byte
offsets xi's wire counts in, using the text at that revision (it keeps the last
:data:`HISTORY` revisions it has seen).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from ...errors import PluginProtocolError
from ...text import Delta, Rope
from .._xi_delta import delta_from_xi, delta_to_xi
from ._text import CHUNK_SIZE, DataChunk, byte_offsets, check_data, fetch_document
from ._types import Channel, PluginLike, Span

__all__ = ["HISTORY", "View"]

#: How many past revisions' texts a view keeps for edits, spans and annotations at an older ``rev``.
HISTORY = 32
#: xi's ``AnnotationType`` on the wire (serde's default form of the Rust enum).
_ANNOTATION_TYPES = {"selection": "Selection", "find": "Find"}


def _annotation_type(name: str) -> Any:
    known = _ANNOTATION_TYPES.get(name.lower())
    return known if known is not None else {"Other": name}


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


class View:
    """One view of a buffer, as the core opened it for the plugin.

    ``document`` is the whole text, fetched with ``get_data`` chunks the first time it is read
    (at :attr:`rev`), then kept current by each ``update``'s delta (fetched again after a
    ``null`` delta). ``config`` is the buffer's settings, ``language`` its syntax (xi's
    ``LanguageId``), ``path`` its file or ``None``.
    """

    def __init__(self, channel: Channel, plugin: PluginLike, view_id: Any, *, buffer_id: Any = None,
                 path: str | None = None, language: str = "", rev: int = 0, config: dict[str, Any] | None = None,
                 buf_size: int = 0, line_count: int = 1) -> None:
        self._channel = channel
        self.plugin = plugin
        self.view_id = view_id
        #: The buffer the view shows (xi's ``buffer_id``).
        self.buffer_id = buffer_id
        self.path = path
        self.language = language
        self.rev = rev
        self.config: dict[str, Any] = dict(config or {})
        #: The undo group of the last edit (xi sends it with each ``update``); an ``edit`` with
        #: ``new_undo_group=False`` joins it.
        self.undo_group: int | None = None
        #: The text's length in UTF-8 bytes and its line count, as the core last said.
        self.buf_size = buf_size
        self.line_count = line_count
        self._lock = threading.RLock()
        self._document: Rope | None = None
        self._history: OrderedDict[int, Rope] = OrderedDict()

    def __repr__(self) -> str:
        return f"<View {self.view_id!r} rev={self.rev} language={self.language!r} path={self.path!r}>"

    # -- the text -------------------------------------------------------------------------

    @property
    def document(self) -> Rope:
        """The whole text at :attr:`rev` (fetched on first use; raises PluginProtocolError or
        :class:`~symphony.errors.RpcError` if the core cannot give it)."""
        with self._lock:
            doc = self._document
            if doc is None:
                rev = self.rev
                doc = fetch_document(lambda start, size: self._get_data(start, "utf8", size, rev),
                                     self.buf_size, self._chunk_size())
                self._document = doc
                self._remember(rev, doc)
            return doc

    @property
    def document_loaded(self) -> bool:
        """Whether the text is here already (reading :attr:`document` asks the core for nothing)."""
        return self._document is not None

    def get_data(self, start: int, unit: str = "utf8", max_size: int | None = None,
                 rev: int | None = None) -> DataChunk:
        """One ``get_data`` request: at most ``max_size`` bytes of the text at ``rev`` from byte
        ``start`` (``unit="utf8"``) or from the start of line ``start`` (``unit="line"``)."""
        if unit not in ("utf8", "line"):
            raise PluginProtocolError(f"get_data: unit must be 'utf8' or 'line', not {unit!r}")
        return check_data(self._get_data(start, unit, max_size or self._chunk_size(),
                                         self.rev if rev is None else rev))

    def _get_data(self, start: int, unit: str, max_size: int, rev: int) -> Any:
        return self._channel.request("get_data", self._params(start=start, unit=unit, max_size=max_size, rev=rev))

    def _chunk_size(self) -> int:
        size = getattr(self.plugin, "chunk_size", CHUNK_SIZE)
        return size if _is_count(size) and size > 0 else CHUNK_SIZE

    def _remember(self, rev: int, doc: Rope) -> None:
        history = self._history
        history[rev] = doc
        history.move_to_end(rev)
        while len(history) > HISTORY:
            history.popitem(last=False)

    def text_at(self, rev: int) -> Rope:
        """The text at revision ``rev``: the current one, or one of the last :data:`HISTORY`
        this view saw (PluginProtocolError for another)."""
        with self._lock:
            if rev == self.rev:
                return self.document
            doc = self._history.get(rev)
        if doc is None:
            raise PluginProtocolError(f"revision {rev} is not known here (the view is at {self.rev} "
                                      f"and keeps the last {HISTORY} it saw)")
        return doc

    def _advance(self, rev: int, delta: Any, new_len: int, line_count: int, undo_group: int | None,
                 want_old: bool) -> tuple[Rope | None, Delta | None, str | None]:
        """Follow an ``update``: ``(old text, delta in code points, problem)``. The old text is
        fetched first when the plugin wants it and does not have it; a delta that does not fit
        (or a missing one) leaves the new text to be fetched when read."""
        with self._lock:
            problem = None
            old = self._document
            if old is None and want_old:
                try:
                    old = self.document
                except Exception as exc:  # noqa: BLE001 - the core could not give it: refetch later
                    problem = f"cannot fetch the text at revision {self.rev}: {exc}"
            new = code_delta = None
            if old is not None and delta is not None:
                try:
                    code_delta = delta_from_xi(delta, old)
                    new = code_delta.apply(old)
                except PluginProtocolError as exc:
                    problem = f"delta does not fit the text at revision {self.rev}: {exc}"
                    code_delta = None
                if new is not None and new.utf8_len != new_len:
                    problem = f"the edited text has {new.utf8_len} bytes, the core says {new_len}"
                    new = code_delta = None
            self.rev = rev
            self.buf_size = new_len
            self.line_count = line_count
            self.undo_group = undo_group
            self._document = new
            if new is not None:
                self._remember(rev, new)
            return old, code_delta, problem

    # -- what the plugin sends ------------------------------------------------------------

    def _params(self, **params: Any) -> dict[str, Any]:
        return {"plugin_id": self._channel.plugin_id, "view_id": self.view_id, **params}

    def _range(self, doc: Rope, start: int, length: int) -> None:
        if not (_is_count(start) and _is_count(length)) or start + length > len(doc):
            raise PluginProtocolError(f"range {start!r}+{length!r} is outside the text (0..{len(doc)})")

    def add_scopes(self, scopes: list[list[str]]) -> None:
        """Add scope stacks (``[["source.python", "keyword.control"], ...]``) to the plugin's
        scope table; a span's ``scope_id`` indexes the table."""
        if not isinstance(scopes, list) or not all(
                isinstance(s, list) and all(isinstance(n, str) for n in s) for s in scopes):
            raise PluginProtocolError("add_scopes takes a list of lists of scope names")
        self._channel.notify("add_scopes", self._params(scopes=scopes))

    def update_spans(self, start: int, length: int, spans: Sequence[Span | tuple[int, int, int]],
                     rev: int | None = None, *, head: Rope | None = None) -> None:
        """Replace the plugin's spans in ``[start, start + length)`` of the text at ``rev`` with
        ``spans`` (offsets relative to ``start``); sent in UTF-8 bytes. ``head``, the start of
        that text (at least up to the range's end), spares fetching the whole of it."""
        rev = self.rev if rev is None else rev
        doc = head if head is not None and start + length <= len(head) else self.text_at(rev)
        self._range(doc, start, length)
        checked = []
        for span in spans:
            s = span if isinstance(span, Span) else Span(*span)
            if not (_is_count(s.start) and _is_count(s.end) and _is_count(s.scope_id)
                    and s.start <= s.end <= length):
                raise PluginProtocolError(f"span {s} is not within 0..{length} with a scope id")
            checked.append(s)
        b0, bytes_of = byte_offsets(doc, start, start + length,
                                    [length, *(s.start for s in checked), *(s.end for s in checked)])
        wire = [{"start": bytes_of[s.start], "end": bytes_of[s.end], "scope_id": s.scope_id} for s in checked]
        self._channel.notify("update_spans", self._params(start=b0, len=bytes_of[length], spans=wire, rev=rev))

    def update_annotations(self, start: int, length: int, annotations: list[dict[str, Any]], annotation_type: str,
                           rev: int | None = None) -> None:
        """Replace the plugin's annotations of ``annotation_type`` in ``[start, start + length)``
        of the text at ``rev``; each annotation is ``{"start", "end", "data"}`` (code points
        relative to ``start``; ``data`` any JSON value). Sent as xi's ``DataSpan`` in bytes."""
        rev = self.rev if rev is None else rev
        doc = self.text_at(rev)
        self._range(doc, start, length)
        for a in annotations:
            if not (isinstance(a, dict) and _is_count(a.get("start")) and _is_count(a.get("end"))
                    and a["start"] <= a["end"] <= length):
                raise PluginProtocolError(f"annotation {a!r} is not {{start, end, data}} within 0..{length}")
        if not isinstance(annotation_type, str):
            raise PluginProtocolError("annotation_type must be a string")
        b0, bytes_of = byte_offsets(doc, start, start + length,
                                    [length, *(a["start"] for a in annotations), *(a["end"] for a in annotations)])
        wire = [{"start": bytes_of[a["start"]], "end": bytes_of[a["end"]], "data": a.get("data")} for a in annotations]
        self._channel.notify("update_annotations", self._params(
            start=b0, len=bytes_of[length], spans=wire, annotation_type=_annotation_type(annotation_type), rev=rev))

    def edit(self, delta: Delta, *, priority: int = 100_000, after_cursor: bool = False,
             new_undo_group: bool = True, author: str | None = None, rev: int | None = None) -> None:
        """Propose ``delta`` (code points, on the text at ``rev``) as an edit; the core transforms
        it over what happened since ``rev``. With ``new_undo_group=False`` it joins the undo group
        of the last update (:attr:`undo_group`)."""
        rev = self.rev if rev is None else rev
        base = self.text_at(rev)
        if not isinstance(delta, Delta) or delta.base_len != len(base):
            raise PluginProtocolError(f"edit: a Delta on the {len(base)} code points of revision {rev} expected")
        if not _is_count(priority):
            raise PluginProtocolError(f"edit: priority must be a count, not {priority!r}")
        edit = {
            "rev": rev,
            "delta": delta_to_xi(delta, base),
            "priority": priority,
            "after_cursor": bool(after_cursor),
            "new_undo_group": bool(new_undo_group),
            "undo_group": None if new_undo_group else self.undo_group,
            "author": self.plugin.name if author is None else author,
        }
        self._channel.notify("edit", self._params(edit=edit))

    def add_status_item(self, key: str, value: str, alignment: str = "left") -> None:
        """Show ``value`` in the status bar under ``key`` (``alignment`` ``"left"`` or ``"right"``)."""
        self._channel.notify("add_status_item", self._params(key=key, value=value, alignment=alignment))

    def update_status_item(self, key: str, value: str) -> None:
        """Change the value of status item ``key``."""
        self._channel.notify("update_status_item", self._params(key=key, value=value))

    def remove_status_item(self, key: str) -> None:
        """Remove status item ``key``."""
        self._channel.notify("remove_status_item", self._params(key=key))

    def alert(self, msg: str) -> None:
        """Show ``msg`` to the user (xi's ``alert``)."""
        self._channel.notify("alert", self._params(msg=msg))

    def show_hover(self, request_id: int, content: str, range: tuple[int, int] | None = None) -> None:
        """Answer hover request ``request_id`` with ``content`` (Markdown), optionally for the
        code points ``range`` of the current text (sent in bytes)."""
        wire_range = None
        if range is not None:
            doc = self.document
            start, end = range
            if not (_is_count(start) and _is_count(end) and start <= end <= len(doc)):
                raise PluginProtocolError(f"hover range {range!r} is outside the text (0..{len(doc)})")
            wire_range = {"start": doc.to_utf8(start), "end": doc.to_utf8(end)}
        self._channel.notify("show_hover", self._params(
            request_id=request_id, result={"Ok": {"content": content, "range": wire_range}}))

    def show_hover_error(self, request_id: int, message: str, code: int = -32603) -> None:
        """Answer hover request ``request_id`` with an error (xi's ``Err(RemoteError)``)."""
        self._channel.notify("show_hover", self._params(
            request_id=request_id, result={"Err": {"code": code, "message": message}}))

    # -- the loop -------------------------------------------------------------------------

    def schedule_idle(self, delay: float = 0.0) -> None:
        """Have ``on_idle(view)`` called once no message from the core is waiting (once, however
        many calls came before it runs): for long work done in slices that stay responsive.
        With ``delay``, not before that many seconds from now (the latest of the calls' times
        holds): background work that waits for the user to pause."""
        self._channel.schedule_idle(self, delay)

    def request_is_pending(self) -> bool:
        """Whether a message from the core waits: long work should stop and reschedule."""
        return self._channel.request_is_pending()

    def call_soon(self, fn: Callable[[], object]) -> None:
        """Run ``fn()`` on the plugin's thread between messages (from a thread of the plugin's
        own, such as a language server's reader)."""
        self._channel.call_soon(fn)
