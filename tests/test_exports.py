"""The public API: exported, sorted, documented; errors form one documented hierarchy (as trio checks)."""

from __future__ import annotations

import inspect
import pathlib

import symphony
import symphony.actors
import symphony.envelope
import symphony.errors


def public_names(module):
    return [name for name in module.__all__ if not name.startswith("__")]


def isort_key(name):
    """isort/ruff RUF022 order: CONSTANTS, then Classes, then functions, each alphabetical."""
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_all_is_sorted_and_every_name_exists():
    for module in (symphony, symphony.actors, symphony.envelope, symphony.errors):
        names = public_names(module)
        assert names == sorted(names, key=isort_key), module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_subpackage_exports_are_reexported_from_the_top():
    top = set(symphony.__all__)
    for module in (symphony.envelope, symphony.errors):
        missing = set(module.__all__) - top
        assert not missing, f"{module.__name__} exports {missing} not in symphony.__all__"
    for name in ("Actor", "Node", "Ref", "Future", "DeadLetter", "Supervision"):
        assert name in top


def test_every_public_object_has_a_docstring():
    for name in public_names(symphony):
        obj = getattr(symphony, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), name
            for attr, member in vars(obj).items() if inspect.isclass(obj) else ():
                if not attr.startswith("_") and (inspect.isfunction(member) or isinstance(member, property)):
                    assert inspect.getdoc(member), f"{name}.{attr}"


def test_errors_form_one_documented_hierarchy():
    errors = [getattr(symphony.errors, n) for n in symphony.errors.__all__]
    for error in errors:
        assert issubclass(error, symphony.SymphonyError)
        doc = inspect.getdoc(error)
        assert doc and "raised" in doc.lower() or error is symphony.SymphonyError, error
    assert issubclass(symphony.AskTimeout, TimeoutError)
    assert issubclass(symphony.ActorNotFound, LookupError)
    assert issubclass(symphony.DecodeError, ValueError)


def test_typed_package():
    assert (pathlib.Path(symphony.__file__).parent / "py.typed").exists()


def test_library_logger_has_a_null_handler():
    import logging

    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("symphony").handlers)
