"""Least privilege for extension processes, seen from inside the child."""

from __future__ import annotations

import os
import resource
import stat
import sys
from pathlib import Path

import pytest

from symphony.errors import ExtensionFailed
from symphony.extensions._process import ProcessState
from symphony.extensions._sandbox import SandboxLimits, resolve_program, sandbox_env

from .process_support import Host, host_fixture


@pytest.fixture
def host(tmp_path, no_leaked_threads):
    yield from host_fixture(tmp_path)


INSIDE = '''
def op(p):
    with open("/proc/self/limits") as f:
        limits = f.read()
    home = os.environ.get("HOME", "")
    return {"env": dict(os.environ), "pid": os.getpid(), "pgid": os.getpgid(0), "sid": os.getsid(0),
            "limits": limits, "cwd": os.getcwd(), "nice": os.getpriority(os.PRIO_PROCESS, 0),
            "umask": os.umask(0o077), "home_mode": os.stat(home).st_mode if home else None,
            "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd"))}
main({"operator/call": op})
'''


def limit(text: str, name: str) -> tuple[str, str]:
    for line in text.splitlines():
        if line.startswith(name):
            soft, hard = line[len(name):].split()[:2]
            return soft, hard
    raise AssertionError(f"no {name} in /proc/self/limits")


def test_no_inherited_secrets(host: Host, monkeypatch):
    monkeypatch.setenv("SYMPHONY_TEST_CANARY_TOKEN", "canary-3f9a1c")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "canary-aws")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("PYTHONPATH", "/nowhere")
    ext = host.make(INSIDE, ext_id="test.sandbox")
    inside = ext.call("operator/call", {"inputs": {}})
    env = inside["env"]
    assert "canary" not in repr(env)
    assert "SYMPHONY_TEST_CANARY_TOKEN" not in env and "PYTHONPATH" not in env
    assert set(env) <= {"PATH", "LANG", "HOME", "SYMPHONY_EXTENSION_ID"} | {k for k in env if k.startswith("LC_")}
    assert env["SYMPHONY_EXTENSION_ID"] == "test.sandbox" and env["LC_ALL"] == "C.UTF-8"
    assert env["PATH"] == os.environ["PATH"]
    home = Path(env["HOME"])
    assert home != Path.home() and home.is_dir()
    assert stat.S_IMODE(inside["home_mode"]) == 0o700
    ext.stop()
    assert not home.exists()  # the private home goes with it


def test_own_session_and_process_group(host: Host):
    ext = host.make(INSIDE)
    inside = ext.call("operator/call", {"inputs": {}})
    assert inside["pid"] == ext.pid == inside["pgid"] == inside["sid"]
    assert inside["pgid"] != os.getpgid(0) and inside["sid"] != os.getsid(0)


def test_resource_limits_are_visible_from_inside(host: Host):
    limits = SandboxLimits(open_files=200, address_space=3 << 30, nice=5)
    ext = host.make(INSIDE, limits=limits)
    inside = ext.call("operator/call", {"inputs": {}})
    text = inside["limits"]
    assert limit(text, "Max core file size") == ("0", "0")
    assert limit(text, "Max open files") == ("200", "200")
    assert limit(text, "Max address space") == (str(3 << 30), str(3 << 30))
    nproc = limit(text, "Max processes")
    assert nproc[0] == nproc[1] != "unlimited"  # bounded: process:run is not granted
    host_soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
    assert host_soft == resource.RLIM_INFINITY or int(nproc[0]) <= host_soft
    assert inside["nice"] >= min(19, os.getpriority(os.PRIO_PROCESS, 0) + 5)
    assert inside["umask"] == 0o077
    assert Path(inside["cwd"]) == ext.manifest.root
    assert inside["fds"] == [0, 1, 2, 3]  # stdio (and the listing's own): nothing of the host's leaked


def test_process_run_lifts_the_process_bound(host: Host):
    ext = host.make(INSIDE, permissions=frozenset({"process:run"}))
    nproc = limit(ext.call("operator/call", {"inputs": {}})["limits"], "Max processes")
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    assert nproc == tuple("unlimited" if v == resource.RLIM_INFINITY else str(v) for v in (soft, hard))


def test_the_open_files_limit_is_enforced(host: Host):
    ext = host.make('''
    def op(p):
        files = []
        try:
            for _ in range(1000):
                files.append(open("/dev/null"))
        except OSError as exc:
            return {"opened": len(files), "errno": exc.errno}
        return {"opened": len(files)}
    main({"operator/call": op})
    ''', limits=SandboxLimits(open_files=64))
    answer = ext.call("operator/call", {"inputs": {}})
    assert answer["errno"] == 24 and answer["opened"] < 64  # EMFILE


def test_the_address_space_limit_is_enforced(host: Host):
    ext = host.make('''
    def op(p):
        try:
            block = bytearray(p["inputs"])
        except MemoryError:
            return "refused"
        return len(block)
    main({"operator/call": op})
    ''', limits=SandboxLimits(address_space=512 << 20))
    assert ext.call("operator/call", {"inputs": 1 << 20}) == 1 << 20
    assert ext.call("operator/call", {"inputs": 1 << 30}) == "refused"
    assert ext.state is ProcessState.RUNNING


def test_programs_resolve_inside_the_extension_directory(host: Host, tmp_path):
    root = tmp_path / "ext"
    (root / "bin").mkdir(parents=True)
    tool = root / "bin" / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    assert resolve_program("./bin/tool", root, "") == str(tool)
    assert resolve_program("bin/tool", root, "") == str(tool)
    assert resolve_program("sh", root, "/usr/bin:/bin") in ("/usr/bin/sh", "/bin/sh")
    outside = tmp_path / "outside"
    outside.write_text("#!/bin/sh\n")
    outside.chmod(0o755)
    with pytest.raises(PermissionError):
        resolve_program("../outside", root, "")
    (root / "data.txt").write_text("not a program")
    for missing in ("./data.txt", "./absent", "no-such-program-here"):
        with pytest.raises(FileNotFoundError):
            resolve_program(missing, root, "/usr/bin:/bin")
    ext = host.make("", argv=("../../outside",), start=False)
    with pytest.raises(ExtensionFailed, match="leaves the extension's directory"):
        ext.start()


def test_a_script_in_the_directory_runs(host: Host):
    ext = host.make(INSIDE, argv=("./run.sh",), start=False)
    script = ext.manifest.root / "run.sh"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" main.py\n')
    script.chmod(0o755)
    ext.start()
    assert ext.call("operator/call", {"inputs": {}})["pid"] == ext.pid


def test_sandbox_env_keeps_only_what_it_names(tmp_path):
    env = sandbox_env("a.b", tmp_path, {"PATH": "/x", "LANG": "fr_FR.UTF-8", "LC_CTYPE": "C", "TOKEN": "s",
                                        "LD_PRELOAD": "/evil.so", "HOME": "/root"})
    assert env == {"PATH": "/x", "LANG": "fr_FR.UTF-8", "LC_CTYPE": "C", "HOME": str(tmp_path),
                   "SYMPHONY_EXTENSION_ID": "a.b"}
    assert sandbox_env("a.b", tmp_path, {})["PATH"]  # a default PATH when the host has none
