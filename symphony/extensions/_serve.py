"""The host's services for an out-of-process extension: JSON-RPC method names mapped onto
the permission-checked handles of its :class:`ExtensionContext`.

``serve(ctx, method, params)`` answers what the extension's process asks (the
``ProcessExtension`` is given ``functools.partial(serve, ctx)``):

============================= =========================================== ==================
method                        params                                      result
============================= =========================================== ==================
``files/read``                ``{path}``                                  ``{text}``
``files/write``               ``{path, text}``                            ``{}``
``files/list``                ``{path?}``                                 ``{entries}``
``artifacts/get``             ``{digest}``                                ``{text}`` or ``{base64}``
``artifacts/put``             ``{text | base64, name?, metadata?, parents?}`` ``{digest}``
``artifacts/search``          ``{query, limit?}``                         ``{hits}``
``models/call``               ``{model, input}``                          ``{output}`` (JSON)
``process/run``               ``{argv, timeout?, input?}``                ``{returncode, stdout, stderr}``
``log`` (notification)        ``{level?, message}``                       None
``status/set`` (notification) ``{item, text}``                            None
============================= =========================================== ==================

A permission the manifest lacks raises :class:`~symphony.errors.PermissionDenied` (JSON-RPC
-32003 on the wire) having done nothing; malformed params raise
:class:`~symphony.errors.ExtensionError`; an unknown method
:class:`~symphony.errors.ExtensionNotFound`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Callable

from ..errors import ExtensionError, ExtensionNotFound
from ..pool._service import to_wire
from ._context import ExtensionContext

__all__ = ["METHODS", "serve"]


def _get(params: dict[str, Any], key: str, kind: type | tuple[type, ...], method: str, default: Any = ...) -> Any:
    value = params.get(key, default)
    if value is ...:
        raise ExtensionError(f"{method}: missing parameter {key!r}")
    if value is not default and (not isinstance(value, kind) or isinstance(value, bool) and kind is not bool):
        raise ExtensionError(f"{method}: parameter {key!r} has the wrong type ({type(value).__name__})")
    return value


def _files_read(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    return {"text": ctx.files.read_text(_get(p, "path", str, "files/read"))}


def _files_write(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    ctx.files.write_text(_get(p, "path", str, "files/write"), _get(p, "text", str, "files/write"))
    return {}


def _files_list(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    return {"entries": ctx.files.list(_get(p, "path", str, "files/list", "."))}


def _artifacts_get(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    data = ctx.artifacts.get(_get(p, "digest", str, "artifacts/get"))
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _artifacts_put(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    text, b64 = p.get("text"), p.get("base64")
    if (text is None) == (b64 is None):
        raise ExtensionError("artifacts/put: give exactly one of 'text' and 'base64'")
    if text is not None:
        data = _get(p, "text", str, "artifacts/put").encode("utf-8")
    else:
        try:
            data = base64.b64decode(_get(p, "base64", str, "artifacts/put"), validate=True)
        except (binascii.Error, ValueError):
            raise ExtensionError("artifacts/put: 'base64' is not valid base64") from None
    parents = _get(p, "parents", list, "artifacts/put", [])
    if not all(isinstance(d, str) for d in parents):
        raise ExtensionError("artifacts/put: 'parents' must be a list of digests")
    digest = ctx.artifacts.put(data, name=_get(p, "name", str, "artifacts/put", None),
                               metadata=_get(p, "metadata", dict, "artifacts/put", None), parents=parents)
    return {"digest": digest}


def _artifacts_search(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    limit = _get(p, "limit", int, "artifacts/search", 10)
    if not 1 <= limit <= 1000:
        raise ExtensionError(f"artifacts/search: limit must be from 1 to 1000, not {limit}")
    return {"hits": ctx.artifacts.search(_get(p, "query", str, "artifacts/search"), limit)}


def _models_call(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    if "input" not in p:
        raise ExtensionError("models/call: missing parameter 'input'")
    return {"output": to_wire(ctx.models.call(_get(p, "model", str, "models/call"), p["input"]))}


def _process_run(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    argv = _get(p, "argv", list, "process/run")
    code, out, err = ctx.processes.run(argv, timeout=_get(p, "timeout", (int, float), "process/run", 60.0),
                                       input=_get(p, "input", str, "process/run", None))
    return {"returncode": code, "stdout": out, "stderr": err}


def _log(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    ctx.log(_get(p, "level", str, "log", "info"), _get(p, "message", str, "log"))


def _status_set(ctx: ExtensionContext, p: dict[str, Any]) -> Any:
    ctx.status(_get(p, "item", str, "status/set"), _get(p, "text", str, "status/set"))


#: method -> handler(ctx, params).
METHODS: dict[str, Callable[[ExtensionContext, dict[str, Any]], Any]] = {
    "files/read": _files_read, "files/write": _files_write, "files/list": _files_list,
    "artifacts/get": _artifacts_get, "artifacts/put": _artifacts_put, "artifacts/search": _artifacts_search,
    "models/call": _models_call, "process/run": _process_run, "log": _log, "status/set": _status_set,
}


def serve(ctx: ExtensionContext, method: str, params: Any) -> Any:
    """Answer the service request ``method`` (see the module docstring) for the extension of ``ctx``."""
    handler = METHODS.get(method)
    if handler is None:
        raise ExtensionNotFound(f"the host has no service {method!r} (it has: {', '.join(sorted(METHODS))})")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ExtensionError(f"{method}: params must be an object, not {type(params).__name__}")
    return handler(ctx, params)
