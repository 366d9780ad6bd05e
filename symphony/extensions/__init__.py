"""The extension host: instruments (models and agents), operators (workflow steps and
utilities) and motifs (contributions to the user interface), declared in ``extension.toml``,
discovered from entry points and extension directories, activated lazily, each in its own
actor, with the permissions it declares enforced.

``ExtensionManager(node, home=...)`` is the host: it finds extensions (entry point groups
``symphony.instruments``, ``symphony.operators``, ``symphony.motifs``; extension
directories; copies it installed in ``home/extensions``), refuses a bad manifest or an API
version it does not provide before importing any code, keeps each one's lifecycle state
(enable/disable survive restarts in ``home/state.json``) and routes calls to it:
``run_instrument``, ``call_operator``, ``run_command``. An extension reaches the host only
through its :class:`ExtensionContext`, whose handles check its permissions; an
out-of-process extension (``exec``) runs as a :class:`ProcessExtension`, supervised and
sandboxed, and asks for the same services as JSON-RPC requests (:func:`serve`).
"""

from ._actor import ExtensionActor
from ._context import ArtifactHandle, ExtensionContext, ModelHandle, ProcessHandle, WorkspaceFiles
from ._discovery import GROUPS
from ._events import TOPIC
from ._home import default_home
from ._manager import ExtensionManager
from ._manifest import (
    API_VERSION,
    KINDS,
    PERMISSIONS,
    ExtensionManifest,
    check_api,
    parse_extension_manifest,
    read_extension_manifest,
)
from ._process import ProcessExtension, ProcessState
from ._sandbox import SandboxLimits
from ._serve import serve
from ._signature import TYPES
from ._states import ExtensionInfo, ExtensionState

__all__ = [
    "API_VERSION",
    "GROUPS",
    "KINDS",
    "PERMISSIONS",
    "TOPIC",
    "TYPES",
    "ArtifactHandle",
    "ExtensionActor",
    "ExtensionContext",
    "ExtensionInfo",
    "ExtensionManager",
    "ExtensionManifest",
    "ExtensionState",
    "ModelHandle",
    "ProcessExtension",
    "ProcessHandle",
    "ProcessState",
    "SandboxLimits",
    "WorkspaceFiles",
    "check_api",
    "default_home",
    "parse_extension_manifest",
    "read_extension_manifest",
    "serve",
]
