"""The envelope against what it costs to do without one.

- Creation: ``Message("edit", {"a": 1})`` and the fluent builder against ``uuid.uuid4()``
  (a message needs a unique id; that is the floor a naive envelope pays).
- Codecs: ``encode``/``decode`` against raw ``msgpack.packb``/``unpackb`` and
  ``json.dumps``/``loads`` of an equivalent dict, so the envelope's own overhead shows.

Time methods loop ``ops`` times per call so each call lasts milliseconds (asv re-runs
``setup`` before every timed call); ``python -m asv_bench`` reports them per operation.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable

import msgpack

from symphony import Message, Priority, decode, encode

OPS = 10_000


class Create:
    """``Message("edit", {"a": 1})`` vs ``uuid.uuid4()``. Target: at most 1x uuid4.

    A message draws its id on first use, so plain creation ("lazy id") skips the uuid4;
    "id drawn" also reads ``msg.id`` (what sending over a wire or replying does), so both
    costs are visible. For the uuid4 peer the two are the same work.
    """

    params = [["symphony", "uuid4"], ["lazy id", "id drawn"]]
    param_names = ["impl", "id"]
    ops = OPS
    target = {"id=lazy id": 1.0}

    def setup(self, impl: str, id: str) -> None:
        if impl != "symphony":
            self.make: Callable[[], Any] = uuid.uuid4
        elif id == "lazy id":
            self.make = lambda: Message("edit", {"a": 1})
        else:
            self.make = lambda: Message("edit", {"a": 1}).id

    def time_create(self, impl: str, id: str) -> None:
        make = self.make
        for _ in range(OPS):
            make()


class Build:
    """The fluent builder with every common field set vs ``uuid.uuid4()``. Target: at most 3x."""

    params = ["symphony", "uuid4"]
    param_names = ["impl"]
    ops = OPS
    target = 3.0

    def setup(self, impl: str) -> None:
        corr = uuid.uuid4()
        if impl == "symphony":
            def make() -> Any:
                return (Message.build("edit").payload({"a": 1}).priority(Priority.HIGH).ttl(1.5)
                        .correlation_id(corr).source("editor").target("buffer-1").metadata(k=1).build())
            self.make: Callable[[], Any] = make
        else:
            self.make = uuid.uuid4

    def time_build(self, impl: str) -> None:
        make = self.make
        for _ in range(OPS):
            make()


def _raw_dict(msg: Message[Any], fmt: str) -> dict[str, Any]:
    """The same fields as the envelope's wire form, as a plain dict."""
    ident = msg.id.bytes if fmt == "msgpack" else str(msg.id)
    return {"v": "1.0", "id": ident, "kind": msg.kind, "payload": msg.payload, "type": 3,
            "priority": 0, "ttl": None, "created_at": time.time(), "correlation_id": None,
            "source": None, "target": None, "metadata": None}


class Codec:
    """``encode``/``decode`` of ``Message("edit", {"a": 1})`` vs the raw codec on an
    equivalent dict; and the encoded size (target: at most 128 bytes in msgpack)."""

    params = [["symphony", "raw"], ["msgpack", "json"]]
    param_names = ["impl", "format"]
    ops = OPS

    def setup(self, impl: str, fmt: str) -> None:
        msg: Message[Any] = Message("edit", {"a": 1})
        if impl == "symphony":
            self.encode: Callable[[], bytes] = lambda: encode(msg, fmt)  # type: ignore[arg-type]
            data = self.encode()
            self.decode: Callable[[], Any] = lambda: decode(data, fmt)  # type: ignore[arg-type]
        elif fmt == "msgpack":
            obj = _raw_dict(msg, fmt)
            packb, unpackb = msgpack.packb, msgpack.unpackb
            self.encode = lambda: packb(obj, use_bin_type=True)
            data = self.encode()
            self.decode = lambda: unpackb(data, raw=False)
        else:
            obj = _raw_dict(msg, fmt)
            dumps, loads = json.dumps, json.loads
            self.encode = lambda: dumps(obj, separators=(",", ":")).encode()
            data = self.encode()
            self.decode = lambda: loads(data)
        self.data = data

    def time_encode(self, impl: str, fmt: str) -> None:
        encode_ = self.encode
        for _ in range(OPS):
            encode_()

    def time_decode(self, impl: str, fmt: str) -> None:
        decode_ = self.decode
        for _ in range(OPS):
            decode_()

    def track_size(self, impl: str, fmt: str) -> int:
        return len(self.data)

    track_size.unit = "bytes"  # type: ignore[attr-defined]
    track_size.limit = {"format=msgpack": 128}  # type: ignore[attr-defined]
