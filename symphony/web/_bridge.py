"""``WebBridge``: one core for the server's life, driven by whichever page is connected now.

A page is a WebSocket carrying the xi frontend protocol, one JSON-RPC message per text frame.
Pages come and go (a reload, a dropped network, another tab taking over); the core and its
buffers stay, so unsaved edits live on. The bridge adds what a page that comes back needs
(docs/web.md): ``web_session`` when it connects, ``web_hello`` (which views are open, which of
its edits arrived), the state-setting notifications again (:class:`Replay`), ``web_list_dir``
for the file tree and ``web_stats`` (the core's own edit-to-update times).

Invariants:

- Exactly one page is attached at a time; attaching another closes the old one (code 4001).
- An ``edit`` frame's ``seq`` is stripped before the core sees it and counted as applied for
  that page's client id only once handed to the core, so a page resends exactly the edits
  that never arrived.
- A request the core sends (``measure_width``) to a page that goes away, or when no page is
  attached, is answered with an error at once (the core then measures in character cells).
- A frame that is not JSON, not an object, or has bad params is answered as ``symphony serve``
  answers it on stdio; the bridge and the core keep serving.
"""

from __future__ import annotations

import concurrent.futures
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import RpcError
from ..rpc import INTERNAL_ERROR, INVALID_PARAMS, Answer, Peer
from ._files import list_dir
from ._replay import Replay

__all__ = ["CoreSide", "PageLink", "RemoteSide", "WebBridge"]

#: Code a page's socket is closed with when another page takes over.
TAKEN_OVER = 4001
#: The most edit-to-update times kept for ``web_stats``.
STATS_KEPT = 1000
_MAX_CLIENT_ID = 128


class PageLink(Protocol):
    """A connected page, as the server gives it to the bridge."""

    def send(self, text: str) -> None:
        """Send one frame (thread-safe; frames go out in the order sent)."""

    def close(self, code: int, reason: str) -> None:
        """Close the page's socket (thread-safe)."""


class CoreSide(Protocol):
    """The core the bridge drives: an in-process ``XiCore``, or :class:`RemoteSide`."""

    def handle_request(self, method: str, params: Any) -> Any: ...

    def handle_notification(self, method: str, params: Any) -> None: ...

    def close(self) -> None: ...


class RemoteSide:
    """A ``symphony serve --listen`` core reached through Symphony's transports (``address``,
    ``secret`` and ``transport_options`` as for ``symphony.rpc.connect``)."""

    def __init__(self, address: str, on_notification: Callable[[str, Any], None], **options: Any) -> None:
        from ..rpc import connect
        self.remote = connect(address, on_notification, **options)

    def handle_request(self, method: str, params: Any) -> concurrent.futures.Future[Any]:
        return self.remote.request(method, params)

    def handle_notification(self, method: str, params: Any) -> None:
        self.remote.notify(method, params)

    def close(self) -> None:
        self.remote.close()


class _Writer:
    """The bridge peer's output stream: each line goes to the attached page as one frame."""

    def __init__(self, bridge: WebBridge) -> None:
        self.bridge = bridge

    def write(self, data: bytes) -> int:
        for line in data.split(b"\n"):
            if line:
                self.bridge._to_page(line)
        return len(data)

    def flush(self) -> None:
        pass


class _Handler:
    """The bridge peer's handler: ``web_*`` methods here, the rest to the core."""

    def __init__(self, bridge: WebBridge) -> None:
        self.bridge = bridge

    def handle_request(self, method: str, params: Any) -> Any:
        return self.bridge._request(method, params)

    def handle_notification(self, method: str, params: Any) -> None:
        self.bridge.core.handle_notification(method, params)


class WebBridge:
    """The core behind ``symphony web`` and the one page that drives it.

    ``make_core(send)`` makes the core, given the function it sends notifications with (an
    ``XiCore(peer_send=send, ...)``, or ``RemoteSide(address, send)``); ``root`` is the
    directory the file tree shows (None: no tree) and ``files`` the files a first page opens.
    """

    def __init__(self, make_core: Callable[[Callable[[str, Any], None]], CoreSide], *, root: str | None = None,
                 files: list[str] | None = None) -> None:
        self.server_id = uuid.uuid4().hex
        self.root = root
        self.files = list(files or [])
        self.replay = Replay()
        self._page: PageLink | None = None
        self._closed = False
        self._client: dict[int, str] = {}  # id(page) -> its client id
        self._lock = threading.RLock()
        self._applied: dict[str, int] = {}
        self._views: dict[str, str | None] = {}  # open views -> their paths, in opening order
        self._outstanding: set[Any] = set()  # ids of the core's requests the page has not answered
        self._edit_started: dict[str, float] = {}
        self._open_started: dict[str, float] = {}
        self.edit_to_update: deque[float] = deque(maxlen=STATS_KEPT)
        self.first_update: dict[str, float] = {}
        self.peer = Peer(None, _Writer(self), _Handler(self), name="web")  # type: ignore[arg-type]
        self.core = make_core(self._from_core)
        if hasattr(self.core, "peer"):  # an in-process XiCore asks the page through our peer
            self.core.peer = self.peer

    # -- pages ----------------------------------------------------------------------------

    def attach(self, page: PageLink) -> None:
        """``page`` drives the core from now on; the page before it is closed."""
        with self._lock:
            old, self._page = self._page, page
        if old is not None:
            self._page_gone(old)
            old.close(TAKEN_OVER, "the editor was opened in another page")
        self.peer.send_notification("web_session", {"server": self.server_id, "root": self.root,
                                                    "files": self.files})

    def detach(self, page: PageLink) -> None:
        """``page``'s socket closed; the core keeps everything for the next page."""
        with self._lock:
            if self._page is not page:
                return
            self._page = None
        self._page_gone(page)

    def _page_gone(self, page: PageLink) -> None:
        self._client.pop(id(page), None)
        with self._lock:
            outstanding, self._outstanding = self._outstanding, set()
        for request_id in outstanding:
            self._answer_for_page(request_id)

    def _answer_for_page(self, request_id: Any) -> None:
        self.peer.handle_line(json.dumps({"jsonrpc": "2.0", "id": request_id, "error": {
            "code": INTERNAL_ERROR, "message": "no page is connected"}}))

    def receive(self, page: PageLink, text: str) -> None:
        """One text frame from ``page``."""
        if self._page is not page:
            return
        seq = None
        if '"seq"' in text:
            try:
                msg = json.loads(text)
            except ValueError:
                msg = None
            if isinstance(msg, dict) and "seq" in msg:
                seq = msg.pop("seq")
                if type(seq) is not int or seq < 1:
                    self.peer.send_error(msg.get("id"), RpcError(INVALID_PARAMS, "seq must be a positive integer"))
                    return
                params = msg.get("params")
                if msg.get("method") == "edit" and isinstance(params, dict) and isinstance(params.get("view_id"), str):
                    self._edit_started.setdefault(params["view_id"], time.perf_counter())
                text = json.dumps(msg)
        elif '"method"' not in text and self._outstanding:  # the page's answer to the core
            try:
                answered = json.loads(text).get("id")
            except (ValueError, AttributeError):
                answered = None
            with self._lock:
                self._outstanding.discard(answered)
        self.peer.handle_line(text)
        if seq is not None:
            client = self._client.get(id(page))
            if client is not None and seq > self._applied.get(client, 0):
                self._applied[client] = seq

    def _to_page(self, line: bytes) -> None:
        head = line[:64]
        request_id = None
        if b'"id"' in head and b'"method"' in head:
            try:
                msg = json.loads(line)
            except ValueError:
                msg = None
            if isinstance(msg, dict) and "method" in msg and "id" in msg:
                request_id = msg["id"]
        with self._lock:
            page = self._page
            if page is not None and request_id is not None:
                self._outstanding.add(request_id)
        if page is not None:
            page.send(line.decode("utf-8"))
        elif request_id is not None:
            self._answer_for_page(request_id)

    # -- the core's side ------------------------------------------------------------------

    def _from_core(self, method: str, params: Any) -> None:
        if method == "update" and isinstance(params, dict):
            view_id = str(params.get("view_id"))
            started = self._edit_started.pop(view_id, None)
            if started is not None:
                self.edit_to_update.append((time.perf_counter() - started) * 1000)
            opened = self._open_started.pop(view_id, None)
            if opened is not None:
                self.first_update[view_id] = (time.perf_counter() - opened) * 1000
        else:
            with self._lock:
                self.replay.note(method, params)
        self.peer.send_notification(method, params)

    # -- requests -------------------------------------------------------------------------

    def _request(self, method: str, params: Any) -> Any:
        if method == "web_hello":
            return self._hello(params)
        if method == "web_list_dir":
            path = params.get("path") if isinstance(params, dict) else None
            return list_dir(self.root, path)
        if method == "web_stats":
            return {"edit_to_update_ms": list(self.edit_to_update), "first_update_ms": dict(self.first_update)}
        started = time.perf_counter()
        result = self.core.handle_request(method, params)
        if method == "new_view":
            path = params.get("file_path") if isinstance(params, dict) else None
            if isinstance(result, Answer):
                self._opened(result.result, path, started)
            elif isinstance(result, concurrent.futures.Future):
                result.add_done_callback(
                    lambda f: None if f.exception() else self._opened(f.result(), path, started))
        elif method == "close_view" and isinstance(params, dict):
            view_id = params.get("view_id")
            with self._lock:
                if isinstance(view_id, str) and self._views.pop(view_id, 0) != 0:
                    self.replay.forget_view(view_id)
        return result

    def _opened(self, view_id: Any, path: Any, started: float) -> None:
        if isinstance(view_id, str):
            self._open_started[view_id] = started
            with self._lock:
                self._views[view_id] = path if isinstance(path, str) else None

    def _hello(self, params: Any) -> Answer:
        client = params.get("client") if isinstance(params, dict) else None
        if not isinstance(client, str) or not 0 < len(client) <= _MAX_CLIENT_ID:
            raise RpcError(INVALID_PARAMS, f"client must be a string of 1 to {_MAX_CLIENT_ID} characters")
        with self._lock:
            page = self._page
            if page is not None:
                self._client[id(page)] = client
            fresh = client not in self._applied
            applied = self._applied.setdefault(client, 0)
            views = [{"view_id": v, "path": p} for v, p in self._views.items()]
            replay = self.replay.messages(list(self._views))

        def then() -> None:
            for method, msg in replay:
                self.peer.send_notification(method, msg)

        return Answer({"server": self.server_id, "applied": applied, "views": views, "fresh": fresh}, then)

    def close(self) -> None:
        """Close the core (its buffers; unsaved edits are gone) and the page, if one is attached.
        Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            page, self._page = self._page, None
        if page is not None:
            page.close(1001, "the server is shutting down")
        self.core.close()
        self.peer.close()
