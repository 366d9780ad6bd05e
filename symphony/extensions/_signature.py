"""Typed signatures: the value types a manifest may declare for an operator's inputs and
output or an instrument's inputs and outputs, and the check run on every operator call
before anything reaches the extension.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["TYPES", "check_inputs", "check_output", "matches"]

#: Type names a signature may use, and the Python types each accepts.
TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,), "int": (int,), "float": (float, int), "bool": (bool,), "bytes": (bytes, bytearray),
    "list": (list, tuple), "dict": (dict,), "any": (object,),
}


def matches(value: Any, type_name: str) -> bool:
    """Whether ``value`` is of the declared ``type_name`` (a bool is not an int or a float;
    a float must be finite)."""
    if type_name == "any":
        return True
    if isinstance(value, bool) and type_name != "bool":
        return False
    if not isinstance(value, TYPES[type_name]):
        return False
    return not (type_name == "float" and isinstance(value, float) and not math.isfinite(value))


def check_inputs(declared: dict[str, str], inputs: Any) -> str | None:
    """Why ``inputs`` does not fit the ``declared`` signature (name -> type), or None if it
    does: it must be a dict with exactly the declared names, each of its declared type."""
    if not isinstance(inputs, dict):
        return f"inputs must be a dict, not {type(inputs).__name__}"
    missing = sorted(set(declared) - set(inputs))
    if missing:
        return f"missing input(s) {', '.join(map(repr, missing))}"
    extra = sorted(str(k) for k in set(inputs) - set(declared))
    if extra:
        return f"unexpected input(s) {', '.join(map(repr, extra))} (declared: {', '.join(sorted(declared)) or 'none'})"
    for name, type_name in declared.items():
        if not matches(inputs[name], type_name):
            return f"input {name!r} must be {type_name}, not {type(inputs[name]).__name__}"
    return None


def check_output(type_name: str, output: Any) -> str | None:
    """Why ``output`` is not of the declared ``type_name``, or None."""
    if matches(output, type_name):
        return None
    return f"output must be {type_name}, not {type(output).__name__}"
