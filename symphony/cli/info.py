"""``symphony info``: the version, whether the compiled speedups are in use, the transports found."""

from __future__ import annotations

import argparse
import sys

from symphony import _speedups, _twins
from symphony._version import __version__
from symphony.actors import available_transports, default_threads

from ._registry import register

__all__ = ["cmd_info"]


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def cmd_info(args: argparse.Namespace) -> int:
    """Print the version, whether the compiled speedups are in use, and the transports found."""
    speedups = _speedups.status()
    print(f"symphony {__version__} (Python {sys.version.split()[0]})")
    print(f"speedups: {'compiled' if _speedups.COMPILED else 'pure Python'}"
          + (" (SYMPHONY_PURE_PYTHON is set)" if _speedups.PURE_PYTHON else ""))
    for name, state in speedups.items():
        print(f"  {name}: {state}")
    # The transports' packet sealing is a compiled twin too, chosen in the same place.
    sealing = "symphony.transports._sealing"
    print(f"  {sealing}: {'compiled' if _twins.is_compiled(sealing) else 'pure'}")
    transports = available_transports()
    print("transports: " + (", ".join(f"{scheme}:// ({target})" for scheme, target in sorted(transports.items()))
                            if transports else "none installed"))
    print(f"default dispatcher threads: {default_threads()}")
    return 0


register("info", "version, compiled or pure speedups, transports found", _no_arguments, cmd_info)
