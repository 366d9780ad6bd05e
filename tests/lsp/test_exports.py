"""symphony.lsp's public API: sorted, present, documented; its one error type is a LanguageServerError."""

from __future__ import annotations

import inspect

import symphony.lsp
from symphony.errors import LanguageServerError
from tests.test_exports import isort_key


def test_all_is_sorted_exists_and_documented():
    names = [n for n in symphony.lsp.__all__ if not n.startswith("__")]
    assert names == sorted(names, key=isort_key)
    for name in names:
        obj = getattr(symphony.lsp, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), name


def test_response_error_is_a_language_server_error():
    assert issubclass(symphony.lsp.ResponseError, LanguageServerError)
