"""Least privilege for an extension's process: what it starts with, and how it is stopped.

An out-of-process extension is someone else's code. It gets what the OS lets the host take away
without special privileges (Linux first, POSIX where it has it):

- its own session and process group (``start_new_session``): it and whatever it starts are
  stopped as one group (:func:`kill_group`), and it has no controlling terminal;
- resource limits: no core files (``RLIMIT_CORE`` 0, a crash dumps none of the host's data it
  was sent), a bounded number of open files (``RLIMIT_NOFILE``) and of address space
  (``RLIMIT_AS``); and, when the manifest does not grant ``process:run``, a bound on the
  processes it may start (``RLIMIT_NPROC``). That last one is best effort: Linux counts every
  task of the user, not the extension's, so the bound is the user's count now plus a headroom
  for the runtime's own threads (it stops a fork bomb, not one fork), and it does not apply to
  root;
- an environment scrubbed to ``PATH``, ``LANG`` and ``LC_*``, with ``HOME`` a private temporary
  directory and ``SYMPHONY_EXTENSION_ID`` its id: no token, key or password the host inherited
  reaches it;
- a lower CPU priority (:func:`symphony.plugins._priority.lower_priority`, niceness and
  autogroup), a umask of 077, and the extension's directory as its working directory.

The limits are set by a tiny trampoline (``python -I -S -c ...``) that calls ``setrlimit`` and
then ``execv``s the extension's program, the same process: a ``preexec_fn`` would run Python
code between ``fork`` and ``exec`` of a host full of threads, which can deadlock.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..plugins._priority import lower_priority

__all__ = ["SandboxLimits", "kill_group", "private_home", "resolve_program", "sandbox_env", "spawn"]

#: Environment variables an extension inherits (besides those the host sets for it).
KEPT = ("PATH", "LANG")
#: ``PATH`` when the host has none.
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass(frozen=True)
class SandboxLimits:
    """What an extension process may use: ``open_files`` descriptors (``RLIMIT_NOFILE``),
    ``address_space`` bytes of virtual memory (``RLIMIT_AS``; Node.js and CPython start in far
    less than the default 4 GiB), ``process_headroom`` tasks over the user's count when it may
    not run processes (``RLIMIT_NPROC``, see the module docstring), and ``nice`` steps of CPU
    priority below the host's."""

    open_files: int = 256
    address_space: int = 4 << 30
    process_headroom: int = 64
    nice: int = 10


def sandbox_env(extension_id: str, home: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment of extension ``extension_id``'s process: ``PATH``, ``LANG`` and
    ``LC_*`` from ``environ`` (the host's), ``HOME`` = ``home``, ``SYMPHONY_EXTENSION_ID``."""
    source = os.environ if environ is None else environ
    env = {k: v for k, v in source.items() if k in KEPT or k.startswith("LC_")}
    env.setdefault("PATH", DEFAULT_PATH)
    env["HOME"] = str(home)
    env["SYMPHONY_EXTENSION_ID"] = extension_id
    return env


def private_home(extension_id: str) -> Path:
    """A new directory only this user can enter, for the extension's ``HOME``."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in extension_id)[:64]
    return Path(tempfile.mkdtemp(prefix=f"symphony-ext-{safe}-"))


def resolve_program(argv0: str, root: Path, path: str) -> str:
    """The file to execute for an ``exec`` argv's first item: ``./x`` or ``bin/x`` (a path)
    relative to the extension's directory ``root`` (and inside it), an absolute path as it is,
    a bare name found on ``path``. Raises :class:`FileNotFoundError` (or
    :class:`PermissionError` for a path leaving ``root``) naming it."""
    if "/" not in argv0:
        found = shutil.which(argv0, path=path)
        if found is None:
            raise FileNotFoundError(f"program {argv0!r} is not on PATH ({path})")
        return found
    candidate = Path(argv0)
    if not candidate.is_absolute():
        base = root.resolve()
        candidate = (base / candidate).resolve()
        if not candidate.is_relative_to(base):
            raise PermissionError(f"program {argv0!r} leaves the extension's directory")
    if not (candidate.is_file() and os.access(candidate, os.X_OK)):
        raise FileNotFoundError(f"program {argv0!r} is not an executable file ({candidate})")
    return str(candidate)


def _user_tasks() -> int:
    """Tasks (threads) of this user now, as ``RLIMIT_NPROC`` counts them (0 where unknown)."""
    uid = os.getuid()
    count = 0
    try:
        entries = list(os.scandir("/proc"))
    except OSError:
        return 0
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid == uid:
                count += len(os.listdir(f"/proc/{entry.name}/task"))
        except OSError:  # it exited meanwhile
            continue
    return count


def _limits(limits: SandboxLimits, may_spawn: bool) -> list[tuple[int, int]]:
    """(resource, value) pairs, each at most the host's own hard limit (which the child inherits)."""
    wanted = [(resource.RLIMIT_CORE, 0), (resource.RLIMIT_NOFILE, limits.open_files),
              (resource.RLIMIT_AS, limits.address_space)]
    if not may_spawn and hasattr(resource, "RLIMIT_NPROC"):
        wanted.append((resource.RLIMIT_NPROC, _user_tasks() + limits.process_headroom))
    out = []
    for res, value in wanted:
        try:
            _, hard = resource.getrlimit(res)
        except (OSError, ValueError):
            continue
        if hard != resource.RLIM_INFINITY:
            value = min(value, hard)
        out.append((res, value))
    return out


#: Runs as ``python -I -S -c _TRAMPOLINE LIMITS PROGRAM ARGV0 ARGS...``: restores the signals
#: Python ignores, sets the limits (soft = hard), a private umask, and becomes the program.
_TRAMPOLINE = """\
import os, resource, signal, sys
for name in ("SIGPIPE", "SIGXFSZ"):
    if hasattr(signal, name):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
for spec in filter(None, sys.argv[1].split(",")):
    res, value = map(int, spec.split(":"))
    try:
        resource.setrlimit(res, (value, value))
    except (OSError, ValueError):
        pass
os.umask(0o077)
try:
    os.execv(sys.argv[2], sys.argv[3:])
except OSError as exc:
    sys.stderr.write("cannot run %s: %s\\n" % (sys.argv[2], exc))
    os._exit(127)
"""


def spawn(argv: Sequence[str], *, root: Path, env: dict[str, str], limits: SandboxLimits,
          may_spawn: bool) -> subprocess.Popen[bytes]:
    """Start ``argv`` (its first item resolved by :func:`resolve_program` against ``env``'s
    ``PATH``) in directory ``root`` with environment ``env`` (see :func:`sandbox_env`), in a
    session of its own, under ``limits``, with its stdin, stdout and stderr piped to the host.
    Raises :class:`OSError` (``FileNotFoundError``, ``PermissionError``) when it cannot start."""
    program = resolve_program(argv[0], root, env.get("PATH", DEFAULT_PATH))
    spec = ",".join(f"{res}:{value}" for res, value in _limits(limits, may_spawn))
    if not sys.executable:  # an embedding host without an interpreter to run the trampoline
        raise FileNotFoundError("no Python interpreter (sys.executable) to start the extension with")
    command = [sys.executable, "-I", "-S", "-c", _TRAMPOLINE, spec, program, *argv]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=root, env=env, start_new_session=True, close_fds=True)
    lower_priority(proc.pid, limits.nice)
    return proc


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to process group ``pid`` (an extension and what it started); nothing if it is gone.

    Call it while the leader ``pid`` is alive or an unreaped zombie: the group id cannot have
    been reused then."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
