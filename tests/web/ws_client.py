"""A test's WebSocket client of ``symphony web``: aiohttp on a loop thread of its own, used
synchronously (send a message, wait for one that matches), as a page would talk to the server."""

from __future__ import annotations

import asyncio
import json
import queue
import threading
from collections.abc import Callable
from typing import Any

import aiohttp


class Refused(Exception):
    """The server refused the upgrade (the HTTP status is ``status``)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class WsClient:
    """One WebSocket to ``/ws`` of the server at ``port``; every message received is kept."""

    def __init__(self, port: int, token: str | None, *, origin: str | None = "same", host: str = "127.0.0.1",
                 query: str | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.seen: list[Any] = []
        self.close_code: int | None = None
        self._ids = 1000
        headers = {}
        if origin == "same":
            headers["Origin"] = f"http://{host}:{port}"
        elif origin is not None:
            headers["Origin"] = origin
        url = f"http://{host}:{port}/ws" + (query if query is not None else
                                             (f"?token={token}" if token is not None else ""))
        try:
            self._call(self._open(url, headers))
        except BaseException:
            self._stop_loop()
            raise

    def _call(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _open(self, url: str, headers: dict[str, str]) -> None:
        self.session = aiohttp.ClientSession()
        try:
            self.ws = await self.session.ws_connect(url, headers=headers, max_msg_size=0)
        except aiohttp.WSServerHandshakeError as exc:
            await self.session.close()
            raise Refused(exc.status) from None
        self.reader = self.loop.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.inbox.put(json.loads(msg.data))
        self.close_code = self.ws.close_code
        self.inbox.put(None)

    def send_text(self, text: str) -> None:
        self._call(self.ws.send_str(text))

    def send_bytes(self, data: bytes) -> None:
        self._call(self.ws.send_bytes(data))

    def send(self, msg: dict[str, Any]) -> None:
        self.send_text(json.dumps(msg))

    def notify(self, method: str, params: Any = None, **extra: Any) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params, **extra})

    def edit(self, view: str, method: str, params: Any = None, seq: int | None = None) -> None:
        body: dict[str, Any] = {"view_id": view, "method": method}
        if params is not None:
            body["params"] = params
        extra = {"seq": seq} if seq is not None else {}
        self.notify("edit", body, **extra)

    def next(self, timeout: float = 30) -> Any:
        msg = self.inbox.get(timeout=timeout)
        self.seen.append(msg)
        return msg

    def wait_for(self, match: Callable[[Any], bool], timeout: float = 30) -> Any:
        """The first message (seen before, or arriving now) that ``match`` accepts."""
        for msg in self.seen:
            if msg is not None and match(msg):
                self.seen.remove(msg)
                return msg
        while True:
            msg = self.next(timeout)
            if msg is None:
                raise ConnectionError(f"closed ({self.close_code}) while waiting")
            if match(msg):
                self.seen.remove(msg)
                return msg

    def wait_closed(self, timeout: float = 30) -> int | None:
        while True:
            if self.next(timeout) is None:
                return self.close_code

    def request_raw(self, method: str, params: Any = None) -> dict[str, Any]:
        self._ids += 1
        request_id = self._ids
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return self.wait_for(lambda m: m.get("id") == request_id and "method" not in m)

    def request(self, method: str, params: Any = None) -> Any:
        answer = self.request_raw(method, params)
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["result"]

    def contents(self, view: str) -> str:
        return self.request("edit", {"view_id": view, "method": "debug_get_contents"})

    def close(self) -> None:
        """Close the socket and stop its loop (again: nothing)."""
        if self.loop.is_closed():
            return

        async def closing() -> None:
            await self.ws.close()
            await self.reader
            await self.session.close()
        try:
            self._call(closing(), timeout=10)
        finally:
            self._stop_loop()

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
