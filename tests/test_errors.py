"""The errors keep the names they travel by: every one is ``symphony.errors.<Name>`` whichever
module of the package defines it, so remote error types, pickles and reprs do not depend on
where in ``symphony/errors/`` a class lives."""

from __future__ import annotations

import importlib
import pickle

import pytest

import symphony.errors
from symphony.errors import CycleError, IntegrityError, RemoteError, RpcError

EXPORTED = [getattr(symphony.errors, name) for name in symphony.errors.__all__]

#: Made by ``pickle.dumps(..., protocol=4)`` when the errors were one module, ``symphony/errors.py``.
OLD_PICKLE = (
    b"\x80\x04\x95\xee\x00\x00\x00\x00\x00\x00\x00]\x94(\x8c\x0fsymphony.errors\x94\x8c\x15_rebuild_remote_error"
    b"\x94\x93\x94(\x8c\x16at n: ValueError: boom\x94\x8c\nValueError\x94\x8c\x04boom\x94\x8c\x02tb\x94t\x94R\x94"
    b"h\x01\x8c\x0eIntegrityError\x94\x93\x94\x8c\tbad bytes\x94\x85\x94R\x94}\x94\x8c\x06digest\x94\x8c\x04ab12"
    b"\x94sbh\x01\x8c\nCycleError\x94\x93\x94\x8c\x05cycle\x94\x85\x94R\x94}\x94h\x14]\x94(\x8c\x01a\x94\x8c\x01b"
    b"\x94h\x19esbh\x01\x8c\nAskTimeout\x94\x93\x94\x8c\x04late\x94\x85\x94R\x94e."
)


def instance(cls: type[BaseException]) -> BaseException:
    """An instance of the exported error ``cls``, made the way the library makes one."""
    return cls(7, "boom", {"why": "test"}) if cls is RpcError else cls("boom")


def test_every_error_is_named_as_a_member_of_symphony_errors():
    for cls in EXPORTED:
        assert cls.__module__ == "symphony.errors", cls
        assert getattr(importlib.import_module(cls.__module__), cls.__qualname__) is cls
        assert repr(instance(cls)).startswith(f"{cls.__name__}(")
        assert str(cls) == f"<class 'symphony.errors.{cls.__name__}'>"


def test_the_package_modules_define_the_errors_and_export_nothing_else():
    defined = {}
    for module_name in ("_base", "_core", "_transports", "_artifacts", "_dag", "_text", "_protocols", "_pool",
                        "_extensions", "_conductor", "_cli"):
        module = importlib.import_module(f"symphony.errors.{module_name}")
        for name in module.__all__:
            assert name not in defined, f"{name} in {module_name} and {defined[name]}"
            defined[name] = module_name
    assert sorted(defined) == sorted(symphony.errors.__all__)


@pytest.mark.parametrize("cls", EXPORTED, ids=lambda cls: cls.__name__)
def test_every_error_pickles_to_an_equal_one(cls):
    error = instance(cls)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        blob = pickle.dumps(error, protocol=protocol)
        assert b"symphony.errors._" not in blob  # never the defining module's name
        back = pickle.loads(blob)
        assert type(back) is cls
        assert back.args == error.args
        assert str(back) == str(error)
        assert vars(back) == vars(error)


def test_an_rpc_error_keeps_its_code_message_and_data_across_a_pickle():
    back = pickle.loads(pickle.dumps(RpcError(-32602, "invalid params", {"field": "x"})))
    assert (back.code, back.message, back.data) == (-32602, "invalid params", {"field": "x"})
    assert back.to_json() == {"code": -32602, "message": "invalid params", "data": {"field": "x"}}
    assert str(back) == "invalid params (-32602)"


def test_a_pickle_made_when_the_errors_were_one_module_still_loads():
    remote, integrity, cycle, late = pickle.loads(OLD_PICKLE)
    assert type(remote) is RemoteError
    assert (remote.remote_type, remote.remote_message, remote.remote_traceback) == ("ValueError", "boom", "tb")
    assert type(integrity) is IntegrityError and integrity.digest == "ab12"
    assert type(cycle) is CycleError and cycle.cycle == ["a", "b", "a"]
    assert type(late) is symphony.errors.AskTimeout and str(late) == "late"
