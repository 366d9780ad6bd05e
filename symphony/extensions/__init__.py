"""The extension host: instruments (models and agents), operators (workflow steps and
utilities) and motifs (contributions to the user interface), declared in ``extension.toml``,
discovered from entry points and extension directories, activated lazily, each in its own
actor, with the permissions it declares enforced.
"""

__all__: list[str] = []
