"""``WebServer``: the page and its WebSocket, served on loopback with aiohttp.

``GET /`` is the page, ``GET /static/...`` its files (from the package's ``static`` directory
only), ``/ws`` the WebSocket that carries the xi frontend protocol to the server's
:class:`WebBridge`. Every request must name this server in ``Host`` (DNS rebinding); the
WebSocket also needs the token (``?token=``) and, from a browser, this server's own
``Origin`` (cross-site WebSocket hijacking). Refusals are HTTP 403 before any upgrade.

The server runs its event loop on a thread of its own, so a host application embeds it
with :meth:`WebServer.start` and :meth:`WebServer.stop`; ``symphony web`` does just that.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Iterable
from typing import Any

from aiohttp import WSMsgType, web

from ._bridge import WebBridge
from ._security import allowed_hosts, host_ok, new_token, origin_ok, token_ok

__all__ = ["MAX_FRAME", "STATIC_DIR", "WebServer"]

logger = logging.getLogger(__name__)

#: The page's files, shipped in the package.
STATIC_DIR = os.path.join(os.path.dirname(__file__), "static")
#: The largest frame a page may send (a paste); a bigger one closes its socket (1009).
MAX_FRAME = 64 << 20


class _Link:
    """One page's socket as the bridge sees it: frames queued from any thread, sent in order
    by one task on the server's loop."""

    def __init__(self, ws: web.WebSocketResponse, loop: asyncio.AbstractEventLoop) -> None:
        self.ws = ws
        self.loop = loop
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.task = loop.create_task(self._send_loop())

    def send(self, text: str) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, text)
        except RuntimeError:  # the loop is closed: the server is gone
            pass

    def close(self, code: int, reason: str) -> None:
        def closing() -> None:
            self.queue.put_nowait(None)
            self.loop.create_task(self.ws.close(code=code, message=reason.encode()))
        try:
            self.loop.call_soon_threadsafe(closing)
        except RuntimeError:
            pass

    async def _send_loop(self) -> None:
        while True:
            text = await self.queue.get()
            if text is None or self.ws.closed:
                return
            try:
                await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return


class WebServer:
    """``symphony web``'s server: the page, and the WebSocket to ``bridge``'s core.

    ``host`` is 127.0.0.1 unless the user asked to listen elsewhere; ``port`` 0 takes a free
    port; ``token`` None makes a fresh one. ``allow_hosts`` adds names the server may be
    reached as (besides loopback and ``host``).
    """

    def __init__(self, bridge: WebBridge, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None,
                 allow_hosts: Iterable[str] = ()) -> None:
        self.bridge = bridge
        self.host = host
        self.token = token or new_token()
        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
        except OSError:
            self._sock.close()
            raise
        self.port: int = self._sock.getsockname()[1]
        self.allowed = allowed_hosts(host, self.port, allow_hosts)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """The page's address with the token (in the fragment: never sent to any server)."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{name}:{self.port}/#token={self.token}"

    # -- the app --------------------------------------------------------------------------

    def _app(self) -> web.Application:
        @web.middleware
        async def guard(request: web.Request, handler: Any) -> web.StreamResponse:
            if not host_ok(request.headers.get("Host"), self.allowed):
                return web.Response(status=403, text="wrong Host: this server answers only to its own address\n")
            response = await handler(request)
            if not isinstance(response, web.WebSocketResponse):
                response.headers.setdefault("Content-Security-Policy", (
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                    f"connect-src 'self' ws://{request.host}; frame-ancestors 'none'; base-uri 'none'"))
                response.headers.setdefault("X-Content-Type-Options", "nosniff")
                response.headers.setdefault("Referrer-Policy", "no-referrer")
                response.headers.setdefault("Cache-Control", "no-store")
            return response

        app = web.Application(middlewares=[guard], client_max_size=1 << 16)
        app.router.add_get("/", self._index)
        app.router.add_get("/ws", self._websocket)
        app.router.add_static("/static", STATIC_DIR, follow_symlinks=False)
        return app

    async def _index(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(os.path.join(STATIC_DIR, "index.html"))

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if not token_ok(request.query.get("token"), self.token):
            return web.Response(status=403, text="wrong or missing token\n")
        if not origin_ok(request.headers.get("Origin"), self.allowed):
            return web.Response(status=403, text="this page's origin may not use the editor\n")
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, compress=False, heartbeat=30.0)
        await ws.prepare(request)
        link = _Link(ws, asyncio.get_running_loop())
        self.bridge.attach(link)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    try:
                        self.bridge.receive(link, msg.data)
                    except Exception:  # noqa: BLE001 - one bad frame must not end the session
                        logger.exception("web: a frame failed")
                elif msg.type == WSMsgType.BINARY:
                    link.send('{"jsonrpc":"2.0","id":null,"error":{"code":-32600,'
                              '"message":"binary frames are not accepted: send JSON text"}}')
        finally:
            self.bridge.detach(link)
            link.queue.put_nowait(None)
        return ws

    # -- running --------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a thread of its own; returns :attr:`url` once the server accepts."""
        self._thread = threading.Thread(target=self._run, name="symphony-web", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            raise self._error
        return self.url

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            runner = web.AppRunner(self._app(), access_log=None, handle_signals=False)
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, self._sock, shutdown_timeout=1.0).start())
            self._runner = runner
        except BaseException as exc:  # noqa: BLE001 - handed to start()
            self._error = exc
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        """Stop serving: close the page's socket, then the core. Idempotent."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
        self._sock.close()
        self.bridge.close()
