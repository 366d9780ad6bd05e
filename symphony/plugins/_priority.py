"""``lower_priority``: a helper process runs at a lower CPU priority than the editor's core.

Plugins and the language servers they start are background work: on a busy machine the user's
keystrokes must win over them, and a plugin spinning in a loop must not starve the editor.
Each of them runs in a session of its own (so that it and its children can be stopped as one
group), and Linux schedules each session as an *autogroup* that gets a fair share of the CPU
whatever the niceness of its processes; so the autogroup's niceness is set too
(``/proc/PID/autogroup``, where the kernel has it).
"""

from __future__ import annotations

import os

__all__ = ["lower_priority"]


def lower_priority(pid: int, steps: int) -> None:
    """Make process ``pid`` (and its autogroup, when it leads a session) ``steps`` nicer than
    this process, at most 19. Does nothing where the OS has no niceness; a process that has
    exited meanwhile is ignored."""
    if not hasattr(os, "setpriority"):
        return
    try:
        nice = min(19, os.getpriority(os.PRIO_PROCESS, 0) + max(0, steps))
        if nice <= 0:
            return
        os.setpriority(os.PRIO_PROCESS, pid, nice)
    except OSError:  # it exited already, or the OS refuses: it keeps the core's priority
        return
    try:
        with open(f"/proc/{pid}/autogroup", "w") as f:
            f.write(str(nice))
    except OSError:  # no autogroups here (or not ours): niceness alone orders the processes
        pass
