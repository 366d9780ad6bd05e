"""Build script: compiles the Cython speedups when it can, never fails when it cannot.

Every Cython module ``_x.pyx`` (in ``symphony/_speedups/``, and the transports' packet
sealing in ``transports/``) has a pure-Python twin ``_x_py.py``; ``symphony._twins`` picks
the compiled one when it imports, the twin otherwise.

The top-level ``transports/`` folder is installed as ``symphony.transports`` (there is no
top-level ``transports`` package in site-packages).
"""

from __future__ import annotations

import glob
import os
import sys

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """Build each extension if possible; on any failure warn and fall back to the pure twin."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - no compiler, no headers: the twins run instead
            self._warn(f"could not build the speedups ({exc}); the pure-Python twins will be used")

    def build_extension(self, ext) -> None:  # type: ignore[no-untyped-def]
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            self._warn(f"could not build {ext.name} ({exc}); its pure-Python twin will be used")

    @staticmethod
    def _warn(text: str) -> None:
        sys.stderr.write(f"WARNING: {text}\n")


#: Source folder -> the package it is installed as (the rest install under their own names).
PACKAGE_DIR = {"symphony.transports": "transports"}


def _module_name(src: str) -> str:
    """The dotted name a source file is installed as: ``transports/_x.pyx`` -> ``symphony.transports._x``."""
    name = os.path.splitext(src)[0].replace(os.sep, ".")
    for package, folder in PACKAGE_DIR.items():
        if name.startswith(folder + "."):
            return package + name[len(folder):]
    return name


def extensions() -> list:
    if os.environ.get("SYMPHONY_PURE_PYTHON", "") not in ("", "0"):
        return []
    sources = sorted(glob.glob(os.path.join("symphony", "_speedups", "_*.pyx"))
                     + glob.glob(os.path.join("transports", "_*.pyx")))
    if not sources:
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:
        sys.stderr.write("WARNING: Cython not found; the pure-Python twins will be used\n")
        return []
    from setuptools import Extension

    exts = [
        Extension(
            _module_name(src),
            [src],
            extra_compile_args=["-O3"] if sys.platform != "win32" else [],
        )
        for src in sources
    ]
    built = []
    for ext in exts:  # one at a time: a module that cannot be translated runs as its twin
        try:
            built += cythonize([ext], language_level=3, quiet=True,
                               compiler_directives={"boundscheck": False, "wraparound": False})
        except Exception as exc:  # noqa: BLE001
            sys.stderr.write(f"WARNING: Cython could not translate {ext.name} ({exc}); "
                             "its pure-Python twin will be used\n")
    return built


setup(
    packages=find_packages(include=["symphony", "symphony.*"]) + list(PACKAGE_DIR),
    package_dir=PACKAGE_DIR,
    ext_modules=extensions(),
    cmdclass={"build_ext": OptionalBuildExt},
)
