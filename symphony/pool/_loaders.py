"""Loaders: what turns a :class:`ModelManifest` into a model that can be called.

A loader is a :class:`Loader` (an object with ``load(manifest) -> Loaded``) or a plain
function ``manifest -> Loaded``. Four come with Symphony:

- ``onnx``: an ONNX Runtime ``InferenceSession`` on the CPU execution provider
  (``options.intra_op_num_threads``, default 1). The model takes an array (or nested lists)
  for a single-input graph, or a dict ``{input name: array}``; it returns one array for a
  single output, else a list. Lists are converted to the input's element type.
- ``sklearn``: a pickled (``.pkl``/``.pickle``) or joblib (``.joblib``) estimator; the model
  calls ``options.method`` (default ``"predict"``). A pickle runs code when loaded: serve
  only repositories you trust.
- ``python``: ``options.entry = "module:attr"`` is the model, or its factory (called with the
  manifest) when ``options.factory`` is true; or the callable registered in code.
- ``wordllama``: the embedding weights the ``wordllama`` wheel ships, loaded from its files
  with no download; the model takes a list of strings and returns their embeddings.

More come from the entry point group ``symphony.loaders`` (``name = "module:attr"``, a
Loader class, a Loader, or a function); a builtin name cannot be replaced.

Invariants: :func:`load_model` returns a :class:`Loaded` whose model has answered the
manifest's warm-up input, or raises :class:`~symphony.errors.ModelUnavailable` naming the model
version and why (a missing or corrupt file, a package not installed, a loader that raised,
a warm-up that failed), having closed whatever it loaded. Third-party packages are imported
inside the loader that needs them, so importing :mod:`symphony.pool` stays light.
"""

from __future__ import annotations

import glob
import importlib
import importlib.util
import logging
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

from ..errors import ModelUnavailable
from ._manifest import LOADER_GROUP, ModelManifest
from ._memory import rss_bytes

__all__ = ["BUILTINS", "Loaded", "Loader", "load_model", "loader_for"]

_EXTRA = "pip install 'symphony-aide[pool]'"


def _nothing() -> None:
    """What closing a model that holds nothing to release does."""


@dataclass(frozen=True)
class Loaded:
    """A loaded model: the callable itself, its size in bytes (measured or estimated; None
    if the loader cannot tell), and how to release it (called once, when it is unloaded)."""

    model: Callable[..., Any]
    memory: int | None = None
    close: Callable[[], None] = field(default=_nothing)


@runtime_checkable
class Loader(Protocol):
    """Turns a manifest into a :class:`Loaded`; raises anything on failure (the pool reports it)."""

    def load(self, manifest: ModelManifest) -> Loaded:
        """Load the model ``manifest`` declares."""


LoadFunction = Callable[[ModelManifest], Loaded]


def _need(module: str) -> Any:
    """Import a loader's third-party package, or say which extra brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ModelUnavailable(f"the package {module.split('.')[0]!r} is not installed ({exc}); "
                               f"{_EXTRA} brings the pool's loaders") from None


def _model_file(manifest: ModelManifest) -> str:
    path = manifest.file_path
    if path is None:
        raise ModelUnavailable(f"loader {manifest.loader!r} needs a file in a version directory")
    if not path.is_file():
        raise ModelUnavailable(f"model file {str(path)!r} does not exist")
    return str(path)


# -- onnx ---------------------------------------------------------------------------------------

_ONNX_TYPES = {
    "tensor(float)": "float32", "tensor(double)": "float64", "tensor(float16)": "float16",
    "tensor(int64)": "int64", "tensor(int32)": "int32", "tensor(int16)": "int16", "tensor(int8)": "int8",
    "tensor(uint8)": "uint8", "tensor(uint16)": "uint16", "tensor(uint32)": "uint32", "tensor(uint64)": "uint64",
    "tensor(bool)": "bool", "tensor(string)": "object",
}


class OnnxModel:
    """An ONNX Runtime session as a callable: ``model(x)`` or ``model({"input": x})``."""

    def __init__(self, session: Any, np: Any) -> None:
        self.session = session
        self._np = np
        self.inputs = [(i.name, _ONNX_TYPES.get(i.type)) for i in session.get_inputs()]
        self.outputs = [o.name for o in session.get_outputs()]

    def __call__(self, x: Any) -> Any:
        if isinstance(x, dict):
            types = dict(self.inputs)
            unknown = sorted(set(x) - set(types))
            if unknown:
                raise ValueError(f"unknown input(s) {unknown}; the model's inputs are {sorted(types)}")
            feed = {name: self._np.asarray(value, dtype=types[name]) for name, value in x.items()}
        elif len(self.inputs) == 1:
            name, dtype = self.inputs[0]
            feed = {name: self._np.asarray(x, dtype=dtype)}
        else:
            raise ValueError(f"the model has inputs {[n for n, _ in self.inputs]}: pass a dict of name -> array")
        session = self.session
        if session is None:
            raise ModelUnavailable("this ONNX model was unloaded: acquire it from the pool again")
        out = session.run(None, feed)
        return out[0] if len(out) == 1 else out

    def close(self) -> None:
        """Release the session's memory now, even if something still holds this object."""
        self.session = None


def load_onnx(manifest: ModelManifest) -> Loaded:
    """The ``onnx`` loader (see the module's docstring)."""
    ort = _need("onnxruntime")
    np = _need("numpy")
    path = _model_file(manifest)
    device = manifest.device.split(":")[0]
    providers = {"cpu": ["CPUExecutionProvider"], "cuda": ["CUDAExecutionProvider", "CPUExecutionProvider"]}
    if device not in providers or providers[device][0] not in ort.get_available_providers():
        raise ModelUnavailable(f"device {manifest.device!r} is not available to onnxruntime "
                               f"(providers: {', '.join(ort.get_available_providers())})")
    options = ort.SessionOptions()
    options.intra_op_num_threads = int(manifest.options.get("intra_op_num_threads", 1))
    options.inter_op_num_threads = int(manifest.options.get("inter_op_num_threads", 1))
    options.log_severity_level = 3  # errors only: a failed load is reported by ModelUnavailable
    # No arena by default: ONNX Runtime's CPU arena keeps what a run allocated for the life of
    # the session and never shrinks, so a model's memory would grow past what it was charged.
    options.enable_cpu_mem_arena = bool(manifest.options.get("cpu_memory_arena", False))
    session = ort.InferenceSession(path, sess_options=options, providers=providers[device])
    model = OnnxModel(session, np)
    return Loaded(model, memory=None, close=model.close)


# -- sklearn ------------------------------------------------------------------------------------

class SklearnModel:
    """A scikit-learn estimator as a callable: ``model(X)`` is ``estimator.<method>(X)``."""

    def __init__(self, estimator: Any, method: str) -> None:
        self.estimator = estimator
        self.method = method
        self._call = getattr(estimator, method)

    def __call__(self, X: Any) -> Any:
        return self._call(X)


def load_sklearn(manifest: ModelManifest) -> Loaded:
    """The ``sklearn`` loader (see the module's docstring)."""
    _need("sklearn")
    path = _model_file(manifest)
    if path.endswith(".joblib"):
        estimator = _need("joblib").load(path)
    else:
        with open(path, "rb") as f:
            estimator = pickle.load(f)  # noqa: S301 - the repository is trusted, as the docstring says
    method = str(manifest.options.get("method", "predict"))
    if not callable(getattr(estimator, method, None)):
        raise ModelUnavailable(f"the {type(estimator).__name__} in {os.path.basename(path)!r} "
                               f"has no method {method!r}")
    return Loaded(SklearnModel(estimator, method), memory=None)


# -- python -------------------------------------------------------------------------------------

def _resolve(entry: str) -> Any:
    module, _, attr = entry.partition(":")
    target: Any = importlib.import_module(module)
    for part in attr.split("."):
        target = getattr(target, part)
    return target


def _close_of(model: Any) -> Callable[[], None]:
    close = getattr(model, "close", None)
    return close if callable(close) else _nothing


def load_python(manifest: ModelManifest) -> Loaded:
    """The ``python`` loader (see the module's docstring)."""
    target = manifest.target
    if target is None:
        entry = manifest.options.get("entry")
        if not isinstance(entry, str):
            raise ModelUnavailable("loader 'python' needs options.entry = 'module:attr' "
                                   "(or a model registered in code)")
        target = _resolve(entry)
    model = target(manifest) if manifest.options.get("factory", False) else target
    if isinstance(model, Loaded):
        return model
    if not callable(model):
        raise ModelUnavailable(f"the python model is a {type(model).__name__}, which cannot be called")
    return Loaded(model, memory=None, close=_close_of(model))


# -- wordllama ----------------------------------------------------------------------------------

class WordLlamaModel:
    """wordllama embeddings as a callable: ``model(["text", ...])`` -> an array, one row per text."""

    def __init__(self, inference: Any) -> None:
        self.inference = inference

    def __call__(self, texts: Any) -> Any:
        if isinstance(texts, str):
            texts = [texts]
        return self.inference.embed(list(texts))


def _import_quietly(module: str) -> Any:
    """Import ``module``, undoing a ``logging.basicConfig`` it runs on import (wordllama's does),
    so loading a model does not change the host's logging."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return _need(module)
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def load_wordllama(manifest: ModelManifest) -> Loaded:
    """The ``wordllama`` loader (see the module's docstring)."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(f"the package 'wordllama' is not installed; {_EXTRA} brings the pool's loaders")
    tokenizers = _need("tokenizers")
    safetensors = _need("safetensors")
    _need("numpy")
    inference_module = _import_quietly("wordllama.inference")
    package = list(spec.submodule_search_locations)[0]
    config = str(manifest.options.get("config", "l2_supercat"))
    dim = int(manifest.options.get("dim", 256))
    # The wheel's own layout, found by globbing so a new wheel version still works (WordLlama.load
    # looks for the tokenizer under "tokenizer/" while the wheel ships "tokenizers/", then downloads).
    where, name = glob.escape(package), glob.escape(config)
    weights = sorted(glob.glob(os.path.join(where, "weights", f"{name}_{dim}.safetensors")))
    tokenizer_files = sorted(glob.glob(os.path.join(where, "tokenizer*", f"{name}_tokenizer*.json")))
    if not weights or not tokenizer_files:
        shipped = sorted(os.path.basename(p) for p in glob.glob(os.path.join(where, "weights", "*")))
        raise ModelUnavailable(f"the wordllama wheel ships no {config}_{dim} weights and tokenizer "
                               f"(it ships: {', '.join(shipped) or 'nothing'}); downloads are never made")
    tokenizer = tokenizers.Tokenizer.from_file(tokenizer_files[0])
    with safetensors.safe_open(weights[0], framework="np") as f:
        embedding = f.get_tensor("embedding.weight")
    inference = inference_module.WordLlamaInference(embedding, tokenizer)
    return Loaded(WordLlamaModel(inference), memory=int(inference.embedding.nbytes))


#: The loaders Symphony brings, by name.
BUILTINS: dict[str, LoadFunction] = {
    "onnx": load_onnx,
    "python": load_python,
    "sklearn": load_sklearn,
    "wordllama": load_wordllama,
}


def loader_for(name: str) -> LoadFunction:
    """The load function of loader ``name``: a builtin, else the entry point of that name in
    ``symphony.loaders``. Raises ModelUnavailable if there is none or it cannot be imported."""
    builtin = BUILTINS.get(name)
    if builtin is not None:
        return builtin
    for ep in entry_points(group=LOADER_GROUP):
        if ep.name == name:
            try:
                found = ep.load()
            except Exception as exc:  # noqa: BLE001 - whatever a third party's import raises
                raise ModelUnavailable(f"loader {name!r} ({ep.value}) cannot be imported: "
                                       f"{type(exc).__name__}: {exc}") from exc
            return _as_function(name, found)
    raise ModelUnavailable(f"no loader named {name!r} (builtins: {', '.join(sorted(BUILTINS))}; "
                           f"others come from the entry point group {LOADER_GROUP!r})")


def _as_function(name: str, found: Any) -> LoadFunction:
    if isinstance(found, type):
        found = found()
    if isinstance(found, Loader):
        return found.load
    if callable(found):
        return found  # type: ignore[no-any-return]
    raise ModelUnavailable(f"loader {name!r} is a {type(found).__name__}, neither a Loader nor a function")


def load_model(manifest: ModelManifest) -> Loaded:
    """Load the model ``manifest`` declares and run its warm-up input through it.

    ``Loaded.memory`` is the loader's figure, else the growth of the process's RSS during
    the load (approximate when other loads run at the same time). Raises ModelUnavailable
    saying which model version and why for any failure, after closing what was loaded.
    """
    label = f"model {manifest.name!r} version {manifest.version}"
    before = rss_bytes()
    try:
        loaded = loader_for(manifest.loader)(manifest)
    except ModelUnavailable as exc:
        raise ModelUnavailable(f"{label} cannot be loaded: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - a loader may raise anything; the pool reports it
        raise ModelUnavailable(f"{label} cannot be loaded by loader {manifest.loader!r}: "
                               f"{type(exc).__name__}: {exc}") from exc
    if not isinstance(loaded, Loaded):
        if not callable(loaded):
            raise ModelUnavailable(f"{label}: loader {manifest.loader!r} returned a {type(loaded).__name__}, "
                                   "not a Loaded or a callable model")
        loaded = Loaded(loaded)
    if manifest.warmup is not None:
        try:
            loaded.model(manifest.warmup)
        except Exception as exc:  # noqa: BLE001 - the model's own error, whatever it is
            _close_quietly(loaded)
            raise ModelUnavailable(f"{label} failed its warm-up: {type(exc).__name__}: {exc}") from exc
    if loaded.memory is None:
        loaded = Loaded(loaded.model, max(rss_bytes() - before, 0), loaded.close)
    return loaded


def _close_quietly(loaded: Loaded) -> None:
    try:
        loaded.close()
    except Exception:  # noqa: BLE001 - closing after a failure must not hide the failure
        logging.getLogger(__name__).warning("closing a model that failed its warm-up raised", exc_info=True)
