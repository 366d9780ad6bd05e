"""The pool manager: AI models loaded, served, evicted and prewarmed within a memory budget.

A model repository (``NAME/VERSION/model.toml`` directories, models registered in code,
loaders added by the entry point group ``symphony.loaders``) is served by one model-slot
actor per version, with Triton's states (UNKNOWN, LOADING, READY, UNLOADING, UNAVAILABLE).
``Pool.acquire(name)`` returns a lease whose model is called on the caller's own thread;
a model already loaded costs a lookup and a lease count. The pool actor answers Triton's
repository API (index, load, unload, ready, metadata, statistics) as messages, so a pool on
another node is driven through a ``Ref`` exactly like a local one (``PoolClient``).
"""

from ._client import PoolClient
from ._events import TOPIC
from ._loaders import Loaded, load_model
from ._manifest import ModelManifest, VersionPolicy
from ._memory import parse_size
from ._policy import GDSF, LRU, EvictionPolicy, make_policy
from ._pool import Pool
from ._predictor import Predictor
from ._prewarm import Prewarm, plan_prewarm
from ._repository import ModelRepository
from ._service import PoolService
from ._states import ModelState

__all__ = [
    "GDSF",
    "LRU",
    "TOPIC",
    "EvictionPolicy",
    "Loaded",
    "ModelManifest",
    "ModelRepository",
    "ModelState",
    "Pool",
    "PoolClient",
    "PoolService",
    "Predictor",
    "Prewarm",
    "VersionPolicy",
    "load_model",
    "make_policy",
    "parse_size",
    "plan_prewarm",
]
