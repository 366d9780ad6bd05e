"""ProcessExtension supervision on real subprocesses: crashes, hangs, floods, hostile output."""

from __future__ import annotations

import concurrent.futures

import pytest

from symphony.errors import ExtensionFailed, ExtensionTimeout
from symphony.extensions._process import ProcessState

from .process_support import Host, gone, host_fixture, wait_until


@pytest.fixture
def host(tmp_path, no_leaked_threads):
    yield from host_fixture(tmp_path)


def restarted(host: Host, count: int = 1):
    """Wait for the ``count``-th restarted event; the events."""
    assert wait_until(lambda: len(host.kinds("restarted")) >= count)
    return host.kinds("restarted")


# -- crashes ----------------------------------------------------------------------------------


def test_a_crash_mid_call_fails_the_call_and_restarts(host: Host):
    ext = host.make('''
    def op(p):
        if first_time("crash"):
            sys.stderr.write("about to crash\\n")
            sys.stderr.flush()
            os._exit(3)
        return {"pid": os.getpid()}
    main({"operator/call": op})
    ''')
    first = ext.pid
    with pytest.raises(ExtensionFailed, match="exited with code 3") as info:
        ext.call("operator/call", {"inputs": {}})
    assert not isinstance(info.value, ExtensionTimeout) and info.value.extension == "test.ext"
    events = restarted(host)
    assert events[0]["extension"] == "test.ext" and "code 3" in events[0]["reason"]
    assert events[0]["pid"] != first and gone(first)
    assert ext.call("operator/call", {"inputs": {}}) == {"pid": events[0]["pid"]}
    assert ext.restarts == 1 and ext.state is ProcessState.RUNNING


def test_a_call_made_while_it_restarts_waits_for_the_restart(host: Host):
    ext = host.make('''
    def op(p):
        if p["inputs"] == "die":
            os._exit(1)
        return "alive"
    main({"operator/call": op})
    ''')
    with pytest.raises(ExtensionFailed):
        ext.call("operator/call", {"inputs": "die"})
    assert ext.call("operator/call", {"inputs": "again"}) == "alive"
    assert ext.restarts == 1


def test_a_crash_on_every_start_is_given_up(host: Host):
    ext = host.make('''
    sys.exit(5)
    ''', start=False, max_restarts=2)
    with pytest.raises(ExtensionFailed, match="cannot start.*code 5.*given up after 2 restarts"):
        ext.start()
    assert ext.state is ProcessState.FAILED and ext.pid is None
    assert len(host.kinds("restarted")) == 0  # never initialized: nothing was restarted into service
    failed = host.kinds("failed")
    assert len(failed) == 1 and "code 5" in failed[0]["reason"] and ext.restarts == 2
    with pytest.raises(ExtensionFailed, match="not restarted") as info:
        ext.call("operator/call", {"inputs": {}}, timeout=600)
    assert not isinstance(info.value, ExtensionTimeout)


def test_a_crash_right_after_every_start_is_given_up(host: Host):
    # It initializes, then dies: each restart is announced, then it is given up.
    ext = host.make('''
    def initialize(p):
        send({"jsonrpc": "2.0", "id": 0, "result": {}})
        os._exit(1)
    main({"initialize": initialize})
    ''', max_restarts=3)
    assert wait_until(lambda: ext.state is ProcessState.FAILED)
    assert len(host.kinds("restarted")) == 3 and len(host.kinds("failed")) == 1
    with pytest.raises(ExtensionFailed, match="not restarted"):
        ext.call("operator/call", {"inputs": {}})


def test_a_program_that_does_not_exist_fails_at_once(host: Host):
    ext = host.make("", argv=("no-such-program-anywhere", "main.py"), start=False)
    with pytest.raises(ExtensionFailed, match="no-such-program-anywhere"):
        ext.start()
    assert ext.state is ProcessState.FAILED and ext.restarts == 0


def test_initialize_refused_or_answered_wrongly_counts_as_a_crash(host: Host):
    ext = host.make('''
    main({"initialize": lambda p: [1, 2]})
    ''', start=False, max_restarts=1)
    with pytest.raises(ExtensionFailed, match="answered initialize with list"):
        ext.start()
    ext = host.make('''
    def initialize(p):
        raise RuntimeError("no thanks")
    main({"initialize": initialize})
    ''', start=False, max_restarts=0)
    with pytest.raises(ExtensionFailed, match="no thanks"):
        ext.start()


# -- hangs ------------------------------------------------------------------------------------


def test_a_hang_times_out_and_the_group_is_killed_and_restarted(host: Host):
    ext = host.make('''
    import subprocess
    def op(p):
        if first_time("hang"):
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            notify("log", {"message": str(child.pid)})
            time.sleep(600)
        return "awake"
    main({"operator/call": op})
    ''', permissions=frozenset({"process:run"}), call_timeout=30.0)
    first = ext.pid
    with pytest.raises(ExtensionTimeout, match="did not answer operator/call within 0.5 s"):
        ext.call("operator/call", {"inputs": {}}, timeout=0.5)
    assert wait_until(lambda: any(m == "log" for m, _ in host.served))
    child = int(next(p for m, p in host.served if m == "log")["message"])
    events = restarted(host)
    assert "did not answer" in events[0]["reason"]
    assert gone(first) and wait_until(lambda: gone(child))
    assert ext.call("operator/call", {"inputs": {}}) == "awake"


def test_a_hang_at_initialize_times_out(host: Host):
    ext = host.make('''
    main({"initialize": lambda p: time.sleep(600)})
    ''', start=False, call_timeout=0.3, max_restarts=0)
    with pytest.raises(ExtensionFailed, match="did not answer initialize"):
        ext.start()


# -- floods -----------------------------------------------------------------------------------


@pytest.mark.parametrize("flood", ["burst", "long_line", "endless_line"])
def test_a_flood_is_killed_and_restarted(host: Host, flood: str):
    ext = host.make(f'''
    def op(p):
        if first_time("flood"):
            if "{flood}" == "burst":
                for i in range(100000):
                    notify("log", {{"message": "spam %d" % i}})
            elif "{flood}" == "long_line":
                raw('{{"jsonrpc": "2.0", "method": "log", "params": {{"message": "' + "x" * (1 << 20) + '"}}}}\\n')
            else:
                while True:
                    raw("y" * 65536)
            time.sleep(600)
        return "calm"
    main({{"operator/call": op}})
    ''', max_line=64 << 10, max_messages_per_second=500)
    first = ext.pid
    with pytest.raises(ExtensionFailed, match="flooded the host") as info:
        ext.call("operator/call", {"inputs": {}})
    assert not isinstance(info.value, ExtensionTimeout)
    events = restarted(host)
    assert "flooded the host" in events[0]["reason"]
    assert ("500 messages" if flood == "burst" else "line over 65536 bytes") in events[0]["reason"]
    assert gone(first)
    assert ext.call("operator/call", {"inputs": {}}) == "calm"
    assert sum(1 for m, _ in host.served if m == "log") <= 500  # the rest was never served


def test_a_flood_leaves_other_extensions_unharmed(host: Host):
    calm = host.make('''
    main({"operator/call": lambda p: "calm"})
    ''', ext_id="test.calm")
    noisy = host.make('''
    def op(p):
        while True:
            notify("log", {"message": "spam"})
    main({"operator/call": op})
    ''', ext_id="test.noisy", max_messages_per_second=200)
    with pytest.raises(ExtensionFailed):
        noisy.call("operator/call", {"inputs": {}})
    assert [calm.call("operator/call", {"inputs": i}) for i in range(20)] == ["calm"] * 20
    assert calm.restarts == 0


# -- hostile output ---------------------------------------------------------------------------

HOSTILE = {
    # each: what the extension writes before its real answer, and what the host answers it
    "invalid_json": ('{"jsonrpc": "2.0", "id": 1, "result": oops}', -32700),
    "not_utf8": (b'{"jsonrpc": "2.0", "method": "log", "params": {"message": "\\xff\\xfe"}}', -32700),
    "nan": ('{"jsonrpc": "2.0", "id": 1, "result": NaN}', -32700),
    "huge_number": ('{"jsonrpc": "2.0", "id": 1, "result": 1e999}', -32700),
    "id_a_list": ('{"jsonrpc": "2.0", "id": [1], "method": "files/read", "params": {"path": "x"}}', -32600),
    "method_a_number": ('{"jsonrpc": "2.0", "id": 5, "method": 7}', -32600),
    "not_an_object": ('[]', -32600),
    "surrogate_params": ('{"jsonrpc": "2.0", "id": 6, "method": "files/read", "params": {"path": "\\ud800"}}',
                         -32602),
    "params_wrong_type": ('{"jsonrpc": "2.0", "id": 7, "method": "files/read", "params": {"path": ["x"]}}',
                          -32602),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_output_is_answered_and_changes_nothing(host: Host, case: str):
    line, code = HOSTILE[case]
    if isinstance(line, bytes):
        write = f"sys.stdout.buffer.write({line!r} + b'\\n'); sys.stdout.flush()"
    else:
        write = f"raw({line!r} + '\\n')"
    ext = host.make(f'''
    def op(p):
        {write}
        return read()  # the host's answer to what it wrote
    main({{"operator/call": op}})
    ''')
    answer = ext.call("operator/call", {"inputs": {}})
    assert answer["error"]["code"] == code
    assert ext.call("operator/call", {"inputs": {}})["error"]["code"] == code  # and again: still served
    assert ext.restarts == 0 and host.served == []


def test_wrong_answers_fail_only_their_call(host: Host):
    ext = host.make('''
    def op(p):
        i = p["inputs"]
        mine = CURRENT[0]
        if i == "malformed_error":
            raw('{"jsonrpc": "2.0", "id": %d, "error": "boom"}\\n' % mine)
        elif i == "error_code_a_string":
            raw('{"jsonrpc": "2.0", "id": %d, "error": {"code": "x", "message": 5}}\\n' % mine)
        elif i == "surrogate_result":
            raw('{"jsonrpc": "2.0", "id": %d, "result": "\\\\ud800"}\\n' % mine)
        elif i == "unknown_id":
            raw('{"jsonrpc": "2.0", "id": 99999, "result": 1}\\n')
            raw('{"jsonrpc": "2.0", "id": "%d", "result": 2}\\n' % mine)
            return "right"
        else:
            return "fine"
        return None  # answered already: main's answer to a stale id is ignored

    CURRENT = [0]
    _read = read
    def read():
        msg = _read()
        if msg.get("method") == "operator/call":
            CURRENT[0] = msg["id"]
        return msg
    main({"operator/call": op})
    ''')
    with pytest.raises(ExtensionFailed, match="malformed error"):
        ext.call("operator/call", {"inputs": "malformed_error"})
    with pytest.raises(ExtensionFailed, match="code -32603"):
        ext.call("operator/call", {"inputs": "error_code_a_string"})
    with pytest.raises(ExtensionFailed, match="not valid Unicode"):
        ext.call("operator/call", {"inputs": "surrogate_result"})
    assert ext.call("operator/call", {"inputs": "unknown_id"}) == "right"
    assert ext.call("operator/call", {"inputs": "x"}) == "fine"
    assert ext.restarts == 0


def test_a_half_sent_line_then_exit(host: Host):
    ext = host.make('''
    def op(p):
        if first_time("half"):
            raw('{"jsonrpc": "2.0", "id": 1, "res')
            os._exit(0)
        return "whole"
    main({"operator/call": op})
    ''')
    with pytest.raises(ExtensionFailed, match="exited with code 0"):
        ext.call("operator/call", {"inputs": {}})
    restarted(host)
    assert ext.call("operator/call", {"inputs": {}}) == "whole"


def test_closing_its_output_counts_as_an_exit(host: Host):
    ext = host.make('''
    def op(p):
        if first_time("close"):
            os.close(1)
            time.sleep(600)
        return "open"
    main({"operator/call": op})
    ''')
    first = ext.pid
    with pytest.raises(ExtensionFailed, match="closed its output"):
        ext.call("operator/call", {"inputs": {}})
    assert gone(first)
    restarted(host)
    assert ext.call("operator/call", {"inputs": {}}) == "open"


# -- lifecycle races --------------------------------------------------------------------------


def test_stop_during_start_ends_both(host: Host):
    ext = host.make('''
    def initialize(p):
        open(os.path.join(p["workspace"], "started"), "w").close()
        time.sleep(600)
    main({"initialize": initialize})
    ''', start=False)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        starting = pool.submit(ext.start)
        assert wait_until((host.workspace / "started").exists)
        ext.stop()
        with pytest.raises(ExtensionFailed, match="stopped while starting"):
            starting.result()
    assert ext.state is ProcessState.STOPPED and ext.pid is None


def test_a_failed_extension_starts_again(host: Host):
    ext = host.make('''
    def initialize(p):
        if not os.path.exists(os.path.join(p["workspace"], "fixed")):
            os._exit(2)
        return {}
    main({"initialize": initialize, "operator/call": lambda p: "fixed"})
    ''', start=False, max_restarts=0)
    with pytest.raises(ExtensionFailed, match="code 2"):
        ext.start()
    ext.stop()
    assert ext.state is ProcessState.FAILED and "code 2" in ext.reason
    (host.workspace / "fixed").touch()
    ext.start()
    assert ext.call("operator/call", {"inputs": {}}) == "fixed" and ext.state is ProcessState.RUNNING
