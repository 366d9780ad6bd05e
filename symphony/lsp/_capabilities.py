"""What the client offers in ``initialize`` and what it takes from the server's answer."""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from ._positions import Encoding

__all__ = ["CLIENT_CAPABILITIES", "PROVIDERS", "negotiated_encoding", "provides", "sync_kind"]

_MARKUP = [lsp.MarkupKind.Markdown, lsp.MarkupKind.PlainText]

#: The client's capabilities: incremental sync with save notifications, the requests the
#: client makes, the server-to-client requests it answers, and both position encodings it
#: can convert (UTF-16, the default, and UTF-8).
CLIENT_CAPABILITIES = lsp.ClientCapabilities(
    general=lsp.GeneralClientCapabilities(
        position_encodings=[lsp.PositionEncodingKind.Utf8, lsp.PositionEncodingKind.Utf16]),
    workspace=lsp.WorkspaceClientCapabilities(
        apply_edit=True, configuration=True, workspace_folders=True,
        workspace_edit=lsp.WorkspaceEditClientCapabilities(document_changes=True),
        did_change_configuration=lsp.DidChangeConfigurationClientCapabilities(dynamic_registration=False)),
    window=lsp.WindowClientCapabilities(work_done_progress=True),
    text_document=lsp.TextDocumentClientCapabilities(
        synchronization=lsp.TextDocumentSyncClientCapabilities(did_save=True),
        completion=lsp.CompletionClientCapabilities(
            completion_item=lsp.ClientCompletionItemOptions(snippet_support=False, documentation_format=_MARKUP)),
        hover=lsp.HoverClientCapabilities(content_format=_MARKUP),
        signature_help=lsp.SignatureHelpClientCapabilities(
            signature_information=lsp.ClientSignatureInformationOptions(documentation_format=_MARKUP)),
        definition=lsp.DefinitionClientCapabilities(link_support=True),
        references=lsp.ReferenceClientCapabilities(),
        rename=lsp.RenameClientCapabilities(prepare_support=False),
        formatting=lsp.DocumentFormattingClientCapabilities(),
        code_action=lsp.CodeActionClientCapabilities(),
        publish_diagnostics=lsp.PublishDiagnosticsClientCapabilities(version_support=True),
    ),
)

#: The server capability that says a request is offered.
PROVIDERS = {
    "textDocument/hover": "hoverProvider",
    "textDocument/completion": "completionProvider",
    "textDocument/signatureHelp": "signatureHelpProvider",
    "textDocument/definition": "definitionProvider",
    "textDocument/references": "referencesProvider",
    "textDocument/rename": "renameProvider",
    "textDocument/formatting": "documentFormattingProvider",
    "textDocument/codeAction": "codeActionProvider",
}


def negotiated_encoding(capabilities: dict[str, Any]) -> Encoding:
    """UTF-8 when the server chose it, else UTF-16 (LSP's default; a server that names an
    encoding we did not offer is held to the default)."""
    return "utf-8" if capabilities.get("positionEncoding") == "utf-8" else "utf-16"


def sync_kind(capabilities: dict[str, Any]) -> int:
    """``TextDocumentSyncKind`` the server wants: 0 none, 1 full text, 2 incremental."""
    sync = capabilities.get("textDocumentSync")
    if isinstance(sync, dict):
        sync = sync.get("change", 0)
    return sync if sync in (0, 1, 2) else 0


def wants_open_close(capabilities: dict[str, Any]) -> bool:
    """Whether the server wants ``didOpen``/``didClose`` (true when it asked for any sync)."""
    sync = capabilities.get("textDocumentSync")
    if isinstance(sync, dict):
        return bool(sync.get("openClose", False))
    return sync in (1, 2)


def save_includes_text(capabilities: dict[str, Any]) -> bool | None:
    """None when the server wants no ``didSave``; else whether it wants the text with it."""
    sync = capabilities.get("textDocumentSync")
    if isinstance(sync, dict):
        save = sync.get("save")
        if not save:
            return None
        return bool(save.get("includeText")) if isinstance(save, dict) else False
    return False if sync in (1, 2) else None


def provides(capabilities: dict[str, Any], method: str) -> bool:
    """Whether the server offers ``method`` (requests not in ``PROVIDERS`` are assumed offered)."""
    key = PROVIDERS.get(method)
    return key is None or bool(capabilities.get(key))
