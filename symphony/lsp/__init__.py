"""A client for language servers (LSP): diagnostics, completion, hover, definition, rename."""

__all__: list[str] = []
