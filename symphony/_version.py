"""The package version, in one place (read by setup tooling and ``symphony --version``)."""

__version__ = "0.1.0"
