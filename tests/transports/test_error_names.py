"""A failure crosses the wire by its type's name (``symphony.errors.<Name>``): the asker's side
maps some names back to local types and reports the rest as ``RemoteError``. Every exported error
must keep that name, wherever in ``symphony/errors/`` it is defined."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

import symphony.errors
from symphony import Actor, Message, Node
from symphony.errors import DeliveryError, MailboxFull, MessageExpired, RemoteError, RpcError
from symphony.transports._frames import _LOCAL_TYPES, _UNDELIVERED, error_from_payload, error_payload

from .conftest import SECRET, actor_at, listen_uri

EXPORTED = {name: getattr(symphony.errors, name) for name in symphony.errors.__all__}


def instance(cls: type[BaseException]) -> BaseException:
    return cls(7, "boom") if cls is RpcError else cls("boom")


def resolve(name: str) -> Any:
    module, _, qualname = name.rpartition(".")
    return getattr(importlib.import_module(module), qualname)


def test_the_names_mapped_back_to_local_types_name_exported_errors():
    for name, local in _LOCAL_TYPES.items():
        assert resolve(name) is local
        assert EXPORTED[local.__name__] is local
    assert {_LOCAL_TYPES[f"symphony.errors.{cls.__name__}"] for cls in (MessageExpired, MailboxFull)} == {
        MessageExpired, MailboxFull}
    for name in _UNDELIVERED:
        assert resolve(name) is EXPORTED[name.rpartition(".")[2]]


def test_every_error_is_sent_under_its_symphony_errors_name_and_that_name_resolves_to_it():
    for name, cls in EXPORTED.items():
        payload = error_payload(instance(cls))
        assert payload["type"] == f"symphony.errors.{name}"
        assert resolve(payload["type"]) is cls
        received = error_from_payload(payload, "tcp://127.0.0.1:1")
        assert isinstance(received, symphony.errors.SymphonyError)


class Raiser(Actor):
    """Raises the exported error named by the payload."""

    def on_receive(self, message: Message[Any]) -> Any:
        raise instance(EXPORTED[message.payload])


@pytest.fixture(params=["tcp", "unix"])
def raiser(request, short_dir):
    server = Node("server", listen=listen_uri(request.param, short_dir), secret=SECRET)
    client = Node("client", secret=SECRET)
    try:
        server.spawn(Raiser, name="raiser")
        yield client.ref(actor_at(str(server.address), "raiser"))
    finally:
        client.stop()
        server.stop()


def test_each_error_raised_by_a_remote_actor_reaches_the_asker_under_its_name(raiser):
    for name, cls in EXPORTED.items():
        with pytest.raises(symphony.errors.SymphonyError) as info:
            raiser.ask("raise", name, timeout=10)
        error = info.value
        if f"symphony.errors.{name}" in _LOCAL_TYPES:
            assert type(error) is cls
        elif f"symphony.errors.{name}" in _UNDELIVERED:
            assert type(error) is DeliveryError
        else:
            assert type(error) is RemoteError, name
            assert error.remote_type == f"symphony.errors.{name}"
            assert error.remote_message == str(instance(cls))
            assert "on_receive" in error.remote_traceback
