"""The wire protocol of out-of-process extensions: method names, parameter shapes, error codes.

An out-of-process extension speaks JSON-RPC 2.0 on its stdio, one JSON object per line
(UTF-8, ``\\n``-terminated), as xi plugins do. Both sides send requests:

- the host calls the extension (:data:`CALLS`): ``initialize`` first, then ``instrument/run``,
  ``operator/call``, ``motif/command``, and ``deactivate`` / ``shutdown`` at the end;
- the extension asks the host for services (:data:`SERVICES`: files, artifacts, models,
  processes), each answered after the permission check of the host's ``serve`` dispatcher,
  and sends notifications (:data:`NOTIFICATIONS`: ``log``, ``status/set``).

This module is the one place that names them and the error codes; :func:`check_params`
refuses a service request whose parameters have the wrong shape before the host does anything,
and :func:`to_rpc_error` turns what the host's service raised into the error the extension gets
(:class:`~symphony.errors.PermissionDenied` is :data:`PERMISSION_DENIED`, -32003).
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import PermissionDenied, RpcError, SymphonyError
from ..rpc import INTERNAL_ERROR, INVALID_PARAMS

__all__ = [
    "API_VERSION",
    "CALLS",
    "DEACTIVATE",
    "INITIALIZE",
    "INSTRUMENT_RUN",
    "MOTIF_COMMAND",
    "NOTIFICATIONS",
    "OPERATOR_CALL",
    "PERMISSION_DENIED",
    "SERVICES",
    "SERVICE_FAILED",
    "SHUTDOWN",
    "STOPPING",
    "TOO_BUSY",
    "check_params",
    "to_rpc_error",
]

logger = logging.getLogger(__name__)

#: The extension API this host provides (``initialize`` tells the extension; manifests' ``api`` ranges match it).
API_VERSION = "1.0"

# -- host -> extension ------------------------------------------------------------------------

#: ``{api, id, version, kind, permissions, workspace}`` -> ``{}``: the first request a started process gets.
INITIALIZE = "initialize"
#: ``{task: {kind, input, context}}`` -> the instrument's result.
INSTRUMENT_RUN = "instrument/run"
#: ``{inputs: {...}}`` -> the operator's output.
OPERATOR_CALL = "operator/call"
#: ``{command, args}`` -> the motif command's result.
MOTIF_COMMAND = "motif/command"
#: ``{}``: the extension is deactivated (it may clean up); the process is stopped after it.
DEACTIVATE = "deactivate"
#: ``{}``: the process should exit; it is terminated after a second if it does not.
SHUTDOWN = "shutdown"

#: What the host may call (``ProcessExtension.call``); ``initialize`` and ``shutdown`` are the
#: host's own, sent when the process starts and stops.
CALLS = frozenset({INSTRUMENT_RUN, OPERATOR_CALL, MOTIF_COMMAND, DEACTIVATE})

# -- extension -> host ------------------------------------------------------------------------

_STR, _INT, _NUM, _OBJ, _LIST, _ANY = "str", "int", "number", "object", "list", "any"

#: Service requests: method -> (required params, optional params), each name -> JSON type.
#: ``files/read {path} -> {text}``; ``files/write {path, text}``; ``artifacts/get {digest} ->
#: {text | base64}``; ``artifacts/put {text | base64, name?, metadata?, parents?} -> {digest}``;
#: ``artifacts/search {query, limit?}``; ``models/call {model, input}`` -> ``{output}``;
#: ``process/run {argv, timeout?, input?}`` -> ``{returncode, stdout, stderr}``.
SERVICES: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "files/read": ({"path": _STR}, {}),
    "files/write": ({"path": _STR, "text": _STR}, {}),
    "files/list": ({}, {"path": _STR}),
    "artifacts/get": ({"digest": _STR}, {}),
    "artifacts/put": ({}, {"text": _STR, "base64": _STR, "name": _STR, "metadata": _OBJ, "parents": _LIST}),
    "artifacts/search": ({"query": _ANY}, {"limit": _INT}),
    "models/call": ({"model": _STR, "input": _ANY}, {}),
    "process/run": ({"argv": _LIST}, {"timeout": _NUM, "input": _STR}),
}
#: Notifications: ``log {level, message}``; ``status/set {item, text}`` (motifs' status items).
NOTIFICATIONS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "log": ({"message": _STR}, {"level": _STR}),
    "status/set": ({"item": _STR, "text": _STR}, {}),
}

# -- error codes (JSON-RPC's server-error range) ----------------------------------------------

#: The host began to stop the extension: its request was not served (as the plugin host's).
STOPPING = -32001
#: The host's service failed (a missing file or artifact, a model's error): the message says why.
SERVICE_FAILED = -32002
#: The extension used a permission its manifest does not declare; nothing was done.
PERMISSION_DENIED = -32003
#: The extension has too many service requests unanswered; this one was refused unserved.
TOO_BUSY = -32004

_CHECKS = {
    _STR: lambda v: isinstance(v, str),
    _INT: lambda v: type(v) is int,
    _NUM: lambda v: type(v) in (int, float),
    _OBJ: lambda v: isinstance(v, dict),
    _LIST: lambda v: isinstance(v, list),
    _ANY: lambda v: True,
}


def check_params(method: str, params: Any, table: dict[str, tuple[dict[str, str], dict[str, str]]]) -> dict[str, Any]:
    """``params`` of service request (or notification) ``method`` from an extension, checked
    against ``table``: an object with every required name, no unknown name, each of its JSON
    type. Raises :class:`~symphony.errors.RpcError` ``INVALID_PARAMS`` (-32602) otherwise."""
    required, optional = table[method]
    if params is None and not required:
        return {}
    if not isinstance(params, dict):
        raise RpcError(INVALID_PARAMS, f"{method}: params must be an object, not {type(params).__name__}")
    for name in required:
        if name not in params:
            raise RpcError(INVALID_PARAMS, f"{method}: missing parameter {name!r}")
    for name, value in params.items():
        kind = required.get(name) or optional.get(name)
        if kind is None:
            raise RpcError(INVALID_PARAMS, f"{method}: unknown parameter {name!r}")
        if not _CHECKS[kind](value):
            raise RpcError(INVALID_PARAMS, f"{method}: {name} must be a JSON {kind}, not {type(value).__name__}")
    return params


def to_rpc_error(method: str, exc: BaseException) -> RpcError:
    """The error an extension gets for what the host's service ``method`` raised:
    :class:`PermissionDenied` -> :data:`PERMISSION_DENIED`; an :class:`RpcError` as it is;
    a typed failure (a Symphony error, a missing file, a bad value) -> :data:`SERVICE_FAILED`;
    anything else (a bug in the host) -> -32603, logged."""
    if isinstance(exc, RpcError):
        return exc
    if isinstance(exc, PermissionDenied):
        return RpcError(PERMISSION_DENIED, str(exc) or f"{method}: permission denied")
    if isinstance(exc, (SymphonyError, OSError, ValueError, LookupError, TypeError, TimeoutError)):
        return RpcError(SERVICE_FAILED, f"{method}: {type(exc).__name__}: {exc}")
    logger.error("extension service %s failed", method, exc_info=exc)
    return RpcError(INTERNAL_ERROR, f"{method}: {type(exc).__name__}: {exc}")
