"""``symphony node``: every way to start it wrong is one line on stderr and a non-zero exit."""

from __future__ import annotations

import socket

import pytest

from .conftest import one_line_error, symphony


@pytest.fixture
def busy_port():
    """A loopback port something else is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def node(*args: str):
    return symphony("node", *args, timeout=60)


def test_a_port_in_use(busy_port):
    address = f"tcp://127.0.0.1:{busy_port}"
    one_line_error(node("--listen", address), "node", f"cannot listen on {address}", "in use")


def test_a_port_that_is_not_a_number():
    line = one_line_error(node("--listen", "tcp://127.0.0.1:notaport"), "node",
                          "cannot listen on tcp://127.0.0.1:notaport")
    assert line.count("notaport") == 1


@pytest.mark.parametrize("scheme", ["unix", "ipc"])
def test_a_socket_in_a_missing_directory(tmp_path, scheme):
    address = f"{scheme}://{tmp_path}/no/such/dir/node.sock"
    one_line_error(node("--listen", address), "node", f"cannot listen on {address}", "no such directory")


@pytest.mark.parametrize("spec, needles", [
    ("nosuchmod:X", ["nosuchmod:X", "no module named 'nosuchmod'"]),
    ("badformat", ["badformat", "module:Class"]),
    ("symphony:NoSuchClass", ["symphony:NoSuchClass", "NoSuchClass"]),
    ("symphony:Message", ["symphony:Message", "Actor"]),
])
def test_a_spawn_that_does_not_load(spec, needles):
    one_line_error(node("--listen", "tcp://127.0.0.1:0", "--spawn", spec), "node", "--spawn", *needles)


def test_an_unknown_option_is_refused():
    line = one_line_error(node("--listen", "tcp://127.0.0.1:0", "--option", "bogus=1"), "node",
                          "bogus", "unknown")
    assert "heartbeat" in line and "max_frame" in line  # the known options are listed


@pytest.mark.parametrize("option, needles", [
    ("heartbeat=abc", ["heartbeat", "abc", "number"]),
    ("max_frame=big", ["max_frame", "big"]),
    ("inline=7", ["inline", "true or false"]),
])
def test_an_option_of_the_wrong_type_is_named(option, needles):
    one_line_error(node("--listen", "tcp://127.0.0.1:0", "--option", option), "node", *needles)


def test_insecure_listen_names_the_command_line_flags():
    line = one_line_error(node("--listen", "tcp://0.0.0.0:0"), "node", "tcp://0.0.0.0:0",
                          "--secret-file", "--insecure")
    assert "secret=" not in line and "insecure=True" not in line


def test_an_empty_secret_or_key_file(tmp_path):
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    one_line_error(node("--listen", "tcp://127.0.0.1:0", "--secret-file", str(empty)), "node", str(empty), "empty")
    one_line_error(node("--listen", "tcp://127.0.0.1:0", "--curve-key-file", str(empty)), "node", str(empty))
    missing = tmp_path / "missing"
    one_line_error(node("--listen", "tcp://127.0.0.1:0", "--secret-file", str(missing)), "node", str(missing))


def test_an_option_value_a_transport_refuses():
    one_line_error(node("--listen", "tcp://127.0.0.1:0", "--option", "overflow=sometimes"), "node", "overflow")


def test_a_good_node_still_starts_and_stops(tmp_path):
    """The checks let a correct command line through: options of every type, a spawned actor."""
    import signal
    import subprocess
    import sys

    from .conftest import ROOT

    proc = subprocess.Popen([sys.executable, "-m", "symphony", "node", "--listen", f"unix://{tmp_path}/n.sock",
                             "--spawn", "tests.transports._actors:Echo=echo", "--option", "heartbeat=0.5",
                             "--option", "max_frame=1048576", "--option", "inline=false",
                             "--option", "overflow=block", "--option", "heartbeat_timeout=null"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT))
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith("listening on unix://")
        assert proc.stdout.readline().strip() == "actors: echo"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
