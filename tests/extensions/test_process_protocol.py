"""The extension protocol's checks: service parameters, and the errors an extension gets."""

from __future__ import annotations

import pytest

from symphony.errors import ExtensionNotFound, PermissionDenied, PoolError, RpcError
from symphony.extensions._protocol import (
    NOTIFICATIONS,
    PERMISSION_DENIED,
    SERVICE_FAILED,
    SERVICES,
    check_params,
    to_rpc_error,
)


def test_good_params_pass_unchanged():
    assert check_params("files/read", {"path": "a"}, SERVICES) == {"path": "a"}
    assert check_params("files/list", None, SERVICES) == {}
    assert check_params("process/run", {"argv": ["ls"], "timeout": 1.5}, SERVICES)["timeout"] == 1.5
    assert check_params("artifacts/search", {"query": "q", "limit": 3}, SERVICES)["limit"] == 3
    assert check_params("models/call", {"model": "m", "input": [1, {"a": None}]}, SERVICES)
    assert check_params("log", {"message": "m"}, NOTIFICATIONS)


@pytest.mark.parametrize("method, params, why", [
    ("files/read", None, "must be an object"),
    ("files/read", ["a"], "must be an object"),
    ("files/read", {}, "missing parameter 'path'"),
    ("files/read", {"path": 1}, "path must be a JSON str"),
    ("files/read", {"path": "a", "mode": "r"}, "unknown parameter 'mode'"),
    ("files/write", {"path": "a"}, "missing parameter 'text'"),
    ("artifacts/search", {"query": "q", "limit": True}, "limit must be a JSON int"),
    ("artifacts/search", {"query": "q", "limit": 2.0}, "limit must be a JSON int"),
    ("process/run", {"argv": "ls"}, "argv must be a JSON list"),
    ("process/run", {"argv": ["ls"], "timeout": "1"}, "timeout must be a JSON number"),
    ("artifacts/put", {"metadata": []}, "metadata must be a JSON object"),
])
def test_bad_params_are_invalid_params(method, params, why):
    with pytest.raises(RpcError, match=why) as info:
        check_params(method, params, SERVICES)
    assert info.value.code == -32602


def test_what_serve_raises_becomes_the_extensions_error():
    denied = to_rpc_error("files/write", PermissionDenied("files/write needs files:write"))
    assert (denied.code, denied.message) == (PERMISSION_DENIED, "files/write needs files:write")
    assert to_rpc_error("x", RpcError(-32602, "bad")).code == -32602
    for typed in (FileNotFoundError("gone"), ExtensionNotFound("no such"), PoolError("busy"), ValueError("v")):
        error = to_rpc_error("files/read", typed)
        assert error.code == SERVICE_FAILED and type(typed).__name__ in error.message
    bug = to_rpc_error("models/call", RuntimeError("a bug"))
    assert bug.code == -32603 and "RuntimeError: a bug" in bug.message
