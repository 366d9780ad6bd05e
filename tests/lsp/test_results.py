"""Results as the client hands them out: unions normalised, lazily structured completions, typed errors."""

from __future__ import annotations

import pytest
from lsprotocol import types as lsp

from symphony.errors import LanguageServerError
from symphony.lsp import _results


def test_completion_shapes():
    assert len(_results.completion(None)) == 0
    bare = _results.completion([{"label": "a"}, {"label": "b", "kind": 3}])
    assert not bare.is_incomplete and bare.labels == ["a", "b"]
    assert bare[1] == lsp.CompletionItem(label="b", kind=lsp.CompletionItemKind.Function)
    assert bare[-1] is bare[1]  # structured once, then kept
    assert [i.label for i in bare[0:2]] == ["a", "b"]
    listed = _results.completion({"isIncomplete": True, "items": [{"label": "x"}]})
    assert listed.is_incomplete and listed.to_lsp().items[0].label == "x"


@pytest.mark.parametrize("result", [5, {"items": 3}, [{"kind": 1}], [7], {"isIncomplete": "no", "items": []}])
def test_malformed_completions_fail_typed(result):
    with pytest.raises(LanguageServerError):
        _results.completion(result)


def test_an_item_that_does_not_fit_lsp_fails_typed_when_read():
    completions = _results.completion([{"label": "ok"}, {"label": "bad", "textEdit": "not an edit"}])
    assert completions[0].label == "ok"
    with pytest.raises(LanguageServerError):
        completions[1]


def test_locations_normalise_links_and_single_locations():
    rng = {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 5}}
    assert _results.locations(None) == []
    assert _results.locations({"uri": "file:///a", "range": rng})[0].uri == "file:///a"
    [link] = _results.locations([{"targetUri": "file:///b", "targetRange": rng, "targetSelectionRange": rng}])
    assert link.uri == "file:///b" and link.range.start.character == 2


def test_code_actions_keep_commands_and_actions_apart():
    out = _results.code_actions([{"title": "run", "command": "do.it"},
                                 {"title": "fix", "command": {"title": "x", "command": "y"}}])
    assert isinstance(out[0], lsp.Command) and isinstance(out[1], lsp.CodeAction)


def test_hover_text_of_every_content_shape():
    from symphony.lsp import hover_text

    assert hover_text(lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value="**x**"))) == "**x**"
    assert hover_text(lsp.Hover(contents="plain")) == "plain"
    marked = lsp.Hover(contents=[lsp.MarkedStringWithLanguage(language="python", value="f()"), "doc"])
    assert hover_text(marked) == "```python\nf()\n```\n\ndoc"
