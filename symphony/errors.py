"""Every error Symphony raises, in one hierarchy rooted at :class:`SymphonyError`.

Catch ``SymphonyError`` to handle anything the library raises on purpose. Each class says
when it is raised and how it differs from its neighbours. Errors that mean the same as a
builtin also derive from that builtin (``AskTimeout`` is a ``TimeoutError``,
``ActorNotFound`` a ``LookupError``), so code that knows only the builtins still works.

Later layers add their errors here too, so there is one place to look.
"""

from __future__ import annotations

__all__ = [
    "ActorDead",
    "ActorNotFound",
    "ArtifactInUse",
    "ArtifactNotFound",
    "ArtifactStoreFull",
    "AskTimeout",
    "CommandError",
    "ConductorError",
    "CycleError",
    "DecodeError",
    "DeliveryError",
    "DeltaError",
    "EncodeError",
    "ExtensionApiMismatch",
    "ExtensionError",
    "ExtensionFailed",
    "ExtensionManifestError",
    "ExtensionNotFound",
    "ExtensionStateError",
    "ExtensionTimeout",
    "FileEncodingError",
    "InsecureListen",
    "IntegrityError",
    "InvalidQuery",
    "LanguageServerError",
    "MailboxFull",
    "ManifestError",
    "MessageExpired",
    "ModelManifestError",
    "ModelNotFound",
    "ModelTimeout",
    "ModelUnavailable",
    "NameTaken",
    "NoCapableAgent",
    "NodeStopped",
    "PermissionDenied",
    "PluginError",
    "PluginProtocolError",
    "PolicyError",
    "PoolError",
    "PoolFull",
    "RemoteError",
    "RpcError",
    "SchemaError",
    "SearchUnavailable",
    "SymphonyError",
    "TaskFailed",
    "TaskRejected",
    "TaskTimeout",
    "TransportNotFound",
    "WorkflowCancelled",
    "WorkflowError",
    "WorkflowFailed",
]


class SymphonyError(Exception):
    """Root of every error Symphony raises on purpose.

    Anything else that escapes the library (a ``TypeError`` from a wrong call, say) is a
    programming error at the call site, not a condition to handle.
    """


class DecodeError(SymphonyError, ValueError):
    """Raised by :func:`symphony.decode` when bytes are not a valid wire-form ``Message``.

    Covers every malformed input: random bytes, truncated or mutated frames, fields of the
    wrong type, an unknown format, an incompatible protocol major version. Decoding raises
    this and nothing else. Distinct from :class:`SchemaError`, which means the envelope is
    well formed but its payload breaks the schema registered for its kind.
    """


class EncodeError(SymphonyError, ValueError):
    """Raised by :func:`symphony.encode` when a message cannot be put in the wire format asked for.

    The payload or metadata holds something the format cannot represent (an arbitrary
    object; bytes or NaN in JSON). The message is unchanged; nothing was sent. The
    receiving side's counterpart is :class:`DecodeError`.
    """


class SchemaError(SymphonyError, ValueError):
    """Raised when a payload does not match the JSON Schema registered for its kind.

    Raised by :func:`symphony.validate`, by :func:`symphony.decode` for registered kinds, and
    by :func:`symphony.register_kind` when the schema itself is invalid. ``kind`` names the
    message kind and ``detail`` says which rule failed.
    """

    def __init__(self, message: str, *, kind: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.detail = detail


class MessageExpired(SymphonyError):
    """Raised to an asker when its message's TTL ran out before an actor handled it.

    The message itself is never delivered; it is recorded in the node's dead letters.
    Differs from :class:`AskTimeout`: the *message* outlived its TTL (it will never be
    handled), whereas an ask timeout only means the asker stopped waiting (the message may
    still be handled later).
    """


class AskTimeout(SymphonyError, TimeoutError):
    """Raised by ``Ref.ask`` / ``Future.get`` when no reply came within the caller's timeout.

    The request may still be handled afterwards; its late reply is discarded. Compare
    :class:`MessageExpired`, where the message itself is dropped undelivered.
    """


class ActorDead(SymphonyError):
    """Raised to an asker when the target actor stopped (or had stopped) before handling it.

    Also raised by ``Ref.ask`` on a ref whose actor is already gone; a ``tell`` to a dead
    actor does not raise, the message goes to dead letters instead.
    """


class ActorNotFound(SymphonyError, LookupError):
    """Raised by ``Node.ref(name)`` when no live actor has that name on the node.

    Differs from :class:`ActorDead`: here no actor of that name exists now, whereas
    ``ActorDead`` is about a specific actor a ref pointed at, which has stopped.
    """


class NameTaken(SymphonyError, ValueError):
    """Raised by ``Node.spawn(..., name=n)`` when a live actor on the node already has name ``n``."""


class NodeStopped(SymphonyError):
    """Raised by ``Node.spawn`` (and other calls that start work) on a node that is stopping
    or has stopped. Messages sent to actors of a stopped node go to dead letters instead.
    """


class MailboxFull(SymphonyError):
    """Raised by ``tell``/``ask`` when the target's bounded mailbox is full and the sender
    chose not to block (``Actor.mailbox_overflow = "raise"``, the default for bounded
    mailboxes), or blocked longer than its timeout.

    Nothing is dropped silently: the message was not enqueued and the caller still owns it.
    """


class TransportNotFound(SymphonyError, LookupError):
    """Raised when an address uses a URI scheme no installed transport provides.

    Transports register under the ``symphony.transports`` entry point group.
    """


# -- transports -----------------------------------------------------------------------------


class DeliveryError(SymphonyError, ConnectionError):
    """Raised to a sender when a message for another node could not be delivered there.

    The node is unreachable or stopped answering heartbeats (an ask to a dead peer fails
    with this promptly instead of waiting out its timeout), no actor of that name lives
    there, the actor stopped before handling it, the message is larger than the
    transport's ``max_frame``, or a bound (pending asks, messages waiting to go out) was
    hit and the caller chose not to block. Differs from :class:`RemoteError`: here the actor never
    ran the message (or its fate is unknown); there it ran and raised. Locally the
    counterparts are :class:`ActorNotFound` and :class:`ActorDead`.
    """


class RemoteError(SymphonyError):
    """Raised to an asker when an actor on another node raised while handling its ask.

    The exception object itself cannot cross the wire, so this carries its description:
    ``remote_type`` (the qualified type name, ``"builtins.ValueError"``), ``remote_message``
    (``str(exc)``) and ``remote_traceback`` (the formatted traceback, as text). Differs from
    :class:`DeliveryError`, which means the message did not reach a running actor; an
    in-process ask raises the actor's own exception instead.
    """

    def __init__(self, message: str, *, remote_type: str = "", remote_message: str = "",
                 remote_traceback: str = "") -> None:
        super().__init__(message)
        self.remote_type = remote_type
        self.remote_message = remote_message
        self.remote_traceback = remote_traceback

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (_rebuild_remote_error, (self.args[0] if self.args else "", self.remote_type,
                                        self.remote_message, self.remote_traceback))


def _rebuild_remote_error(message: str, remote_type: str, remote_message: str,
                          remote_traceback: str) -> RemoteError:
    return RemoteError(message, remote_type=remote_type, remote_message=remote_message,
                       remote_traceback=remote_traceback)


class InsecureListen(SymphonyError, ValueError):
    """Raised by ``Node(listen=...)`` when asked to listen on a non-loopback TCP address
    without a ``secret``: anyone who can reach the port could then run messages on its
    actors. Pass a ``secret`` (every frame is then signed), or ``insecure=True`` to accept
    the risk knowingly. Loopback addresses, ``ipc://`` and ``unix://`` paths are allowed.
    """


# -- AIDE: artifact store --------------------------------------------------------------------


class ArtifactNotFound(SymphonyError, KeyError):
    """Raised by the artifact store when no artifact (or name, or tag) matches what was asked.

    ``get``/``stat``/``delete`` of an unknown digest, ``latest`` of an unknown name. A
    ``KeyError`` so ``store.get(d)`` reads like a mapping lookup. Differs from
    :class:`IntegrityError`: here nothing is stored under that key; there, something is
    stored but its bytes are wrong.
    """

    def __str__(self) -> str:  # KeyError would show repr(args[0]); keep the plain message
        return str(self.args[0]) if self.args else ""


class IntegrityError(SymphonyError):
    """Raised when bytes read from the artifact store do not hash to the digest they are stored under.

    Every read verifies; on a mismatch the read raises this and never returns the wrong
    bytes. ``digest`` names the artifact (or chunk) whose bytes are damaged. Also raised
    when a store's record cannot be decoded, and on opening a store whose ``store.json``
    names a newer on-disk format than this version reads (nothing is written then). Differs from
    :class:`ArtifactNotFound` (nothing stored) and from a ``DecodeError`` (wire messages).
    """

    def __init__(self, message: str, *, digest: str | None = None) -> None:
        super().__init__(message)
        self.digest = digest


class ArtifactInUse(SymphonyError):
    """Raised by ``ArtifactStore.delete`` for an artifact something still holds: a named
    version, a tag or a pin. Nothing is deleted; remove the hold first (``unpin``, or delete
    without a name). ``gc`` never raises this: it just keeps such artifacts.
    """


class ArtifactStoreFull(SymphonyError, OSError):
    """Raised by an artifact store write when a shard's LMDB map cannot grow any more.

    The map grows with the data, up to the store's ``max_map_size`` per shard (or less if
    the operating system refuses to map more address space). The write changes nothing;
    reads, and writes that fit, keep working. Free space (``delete``, ``gc``) or open the
    store with a larger ``max_map_size``. An ``OSError`` because the limit is a resource one.
    """


class InvalidQuery(SymphonyError, ValueError):
    """Raised by ``ArtifactStore.search`` for a query it cannot run: not a ``str``, not valid
    Unicode (a lone surrogate), longer than the size limit, an unbalanced ``"``, a field
    query with an empty value or a field name that is not allowed, or a ``limit`` that is not
    a non-negative int. ``position`` is the offending character's index in the query, when
    one is to blame. Nothing is searched and the index is unchanged. A query that is valid but
    matches nothing is not an error: it returns no hits.
    """

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class SearchUnavailable(SymphonyError):
    """Raised by ``ArtifactStore.search`` when the search index cannot be brought up to date:
    with the tantivy engine, another process holds the index's writer lock past the wait
    limit (one writer per index directory), or the engine could not write its files (disk
    full). The store itself keeps working; retry later.
    Differs from :class:`InvalidQuery`, where the query itself is at fault.
    """


# -- AIDE: DAG tracker -----------------------------------------------------------------------


class WorkflowError(SymphonyError, ValueError):
    """Raised when a workflow is malformed: a duplicate task name, a dependency on a task
    that does not exist, a bad option, or a spec file that does not describe a workflow.

    Raised by ``Workflow.add``/``validate`` before anything runs; nothing has run. Its
    subclass :class:`CycleError` is the case of a dependency cycle.
    """


class CycleError(WorkflowError):
    """Raised by ``Workflow.validate`` (and so ``run``) when the tasks' dependencies form a cycle.

    ``cycle`` lists the task names around one cycle, first name repeated at the end
    (``["a", "b", "a"]``). Nothing has run.
    """

    def __init__(self, message: str, *, cycle: list[str] | None = None) -> None:
        super().__init__(message)
        self.cycle = list(cycle or [])


class TaskTimeout(SymphonyError, TimeoutError):
    """Raised (recorded as the task's failure) when a workflow task runs past its ``timeout``.

    The tracker fails the task at its deadline (and retries it if it has retries left); a
    late result is ignored. Appears in :class:`WorkflowFailed`'s ``failures``; differs from
    :class:`AskTimeout`, where a caller stopped waiting for an actor's reply.
    """


class WorkflowFailed(SymphonyError):
    """Raised by ``Workflow.run`` when one or more tasks failed for good (retries used up).

    Independent branches still ran to the end. ``failures`` maps each failed task to its
    exception, ``results`` holds every completed task's result, ``skipped`` lists the tasks
    not run because something they depend on failed.
    """

    def __init__(self, message: str, *, failures: dict | None = None, results: dict | None = None,
                 skipped: list | None = None) -> None:
        super().__init__(message)
        self.failures = dict(failures or {})
        self.results = dict(results or {})
        self.skipped = list(skipped or [])


class WorkflowCancelled(SymphonyError):
    """Raised by a run handle's ``result()`` after ``cancel()``: no new task was started
    after the cancellation; ``results`` holds what had completed. Differs from
    :class:`WorkflowFailed`, where tasks failed on their own.
    """

    def __init__(self, message: str, *, results: dict | None = None) -> None:
        super().__init__(message)
        self.results = dict(results or {})


class DeltaError(SymphonyError, ValueError):
    """Raised when a :class:`symphony.text.Delta` does not fit what it is used with.

    Applying a delta to a text whose length is not the delta's ``base_len``; composing
    two deltas where the first's ``target_len`` is not the second's ``base_len``;
    transforming two deltas with different bases; recording overlapping or out-of-order
    edits in a ``DeltaBuilder``; or decoding a malformed wire form with
    ``Delta.from_json``. Nothing is changed when it is raised. Out-of-range offsets given
    to a ``Rope`` itself raise ``IndexError`` instead.
    """


class RpcError(SymphonyError):
    """A JSON-RPC 2.0 error: raised by a request handler to answer with ``code``/``message``,
    and raised by :meth:`symphony.rpc.Peer.request`'s result when the other side answered
    a request with an error object.

    ``code`` follows JSON-RPC 2.0: -32700 parse error, -32600 invalid request, -32601
    method not found, -32602 invalid params, -32603 internal error; other codes are the
    application's. Raising it in a handler changes nothing else: the peer keeps serving.
    """

    def __init__(self, code: int, message: str, data: object = None) -> None:
        super().__init__(f"{message} ({code})")
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, object]:
        """The JSON-RPC ``error`` object for this error."""
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class FileEncodingError(SymphonyError, ValueError):
    """Raised when opening a file whose bytes are not valid in the encoding it declares or
    we detect (invalid UTF-8, a UTF-16 BOM we do not decode, NUL-filled binary data), and
    when saving text that UTF-8 cannot encode (a lone surrogate), so no file is written
    that could not be opened again.

    The file is not opened and nothing is changed, on disk or in memory: the editor refuses
    rather than replace undecodable bytes and later write the mangled text back. ``path``
    names the file and ``position`` is the byte offset of the first bad byte, if known.
    """

    def __init__(self, message: str, *, path: str | None = None, position: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.position = position


# -- protocols: plugins and language servers ----------------------------------------------


class PluginError(SymphonyError):
    """Raised by the plugin host (``symphony.plugins``) when a plugin cannot be used: it is
    not installed, its process cannot start, it died or was stopped (over its memory or
    message budget), or it did not answer in time.

    The editor is unaffected: the buffers, their undo history and every other plugin keep
    working. Distinct from :class:`ManifestError` (the plugin's declaration is wrong, so it
    is never started) and :class:`PluginProtocolError` (it runs but says something invalid).
    """


class ManifestError(PluginError, ValueError):
    """Raised when a plugin's or extension's ``manifest.toml`` is not valid: not TOML, a
    required field missing, a field of the wrong type, an unknown scope or activation, an
    ``exec_path`` outside the plugin's directory.

    The plugin is left out of the catalogue (with this reason) and nothing else changes;
    the other plugins are still discovered.
    """


class PluginProtocolError(PluginError, ValueError):
    """Raised when a message between the plugin host and a plugin is not valid under xi's
    plugin protocol: a delta whose offsets are outside the text or not on a character
    boundary, spans out of range, an unknown method, a parameter of the wrong type.

    The message is refused and nothing changes: no buffer is edited and no span is stored;
    the plugin keeps running and is told (an error response to its request).
    """


class LanguageServerError(SymphonyError):
    """Raised by the LSP client (``symphony.lsp``) when a language server cannot serve a
    request: its command cannot start, it crashed (the request is failed; the server is
    restarted and the open documents resynced), it answered with an error, or it does not
    offer the capability asked for.

    Differs from :class:`PluginError`, which concerns plugins on xi's plugin protocol; a
    language server speaks LSP.
    """


# -- AIDE: the pool manager ------------------------------------------------------------


class PoolError(SymphonyError):
    """Root of what the pool manager (``symphony.pool``) raises: raised (as one of its
    subclasses) for a model that is not in the repository, cannot be loaded, does not fit
    the memory budget, or was not ready in time.

    The pool keeps serving every other model whatever one model does.
    """


class ModelNotFound(PoolError, LookupError):
    """Raised when a model name (or a version of it) is neither in the pool's repository nor
    registered in code, or is not served under the version policy in force.

    Differs from :class:`ModelUnavailable`: that model exists but cannot be used now.
    """


class ModelManifestError(PoolError, ValueError):
    """Raised when a model's ``model.toml`` (or a manifest given in code) is not valid: not
    TOML, a required field missing or of the wrong type, an unknown loader, a model file
    outside the version's directory, a negative memory figure.

    That version is left UNAVAILABLE with this reason; the repository's other models and
    versions are still served. Differs from :class:`ManifestError`, which is about plugins.
    """


class ModelUnavailable(PoolError):
    """Raised by ``acquire``/``call`` when the model is known but cannot serve: its load
    failed (a corrupt file, a loader that raised; the reason is in the message and in the
    model's ``reason``), it was unloaded, or it is larger than the whole memory budget.

    Differs from :class:`ModelNotFound` (no such model) and :class:`ModelTimeout` (it is
    loading and was not ready in time).
    """


class ModelTimeout(PoolError, TimeoutError):
    """Raised by ``acquire``/``call`` when the model did not become READY within the caller's
    timeout (or the message's TTL), or when ``wait=False`` was asked and it was not READY.

    The load goes on: a later ``acquire`` may find the model ready.
    """


class PoolFull(PoolError):
    """Raised when a model cannot be loaded because the memory budget is taken by models
    with live leases (a leased model is never evicted), or a model's concurrent-lease limit
    is reached and the caller asked not to wait.

    Differs from :class:`ModelUnavailable`: the model itself is fine, and the same request
    can succeed once leases are released.
    """


# -- AIDE: extensions -----------------------------------------------------------------------


class ExtensionError(SymphonyError):
    """Root of what the extension host (``symphony.extensions``) raises about one extension:
    raised (as one of its subclasses) for its manifest, its API version, its lifecycle, its
    permissions or its process.

    Whatever one extension does, the host and every other extension keep working.
    """


class ExtensionManifestError(ExtensionError, ValueError):
    """Raised when an ``extension.toml`` (or an entry point's manifest) cannot be used: a
    missing or mistyped field, an unknown kind, permission or activation event, an entry
    that leaves the extension's directory. The message names the file and the field;
    nothing is installed or loaded.

    Differs from :class:`ExtensionApiMismatch`: that manifest is well formed, but asks for
    an extension API this host does not provide.
    """


class ExtensionApiMismatch(ExtensionError):
    """Raised when an extension's declared API version range excludes this host's extension
    API version. It is refused before any of its code is imported or started, never later.
    """


class ExtensionNotFound(ExtensionError, LookupError):
    """Raised when no installed extension has the id asked for (or it has no command,
    operator or task by that name)."""


class ExtensionStateError(ExtensionError):
    """Raised for a lifecycle step the extension's current state does not allow: activating
    a disabled extension, enabling an uninstalled one, invoking one that is not enabled.
    The extension's state is unchanged.
    """


class PermissionDenied(ExtensionError, PermissionError):
    """Raised to an extension that used a capability its manifest does not declare (writing
    an artifact without ``artifacts:write``, a file outside the workspace, a process without
    ``process:run``). Nothing was done; the host also publishes the violation as an event
    for the user.
    """


class ExtensionFailed(ExtensionError):
    """Raised to the caller of an extension whose code raised, whose process crashed or
    answered a protocol error, or which the host gave up restarting. ``.extension`` names it.

    Differs from :class:`ExtensionTimeout`: the extension answered (or died), it did not hang.
    """

    def __init__(self, message: str, extension: str = "") -> None:
        super().__init__(message)
        self.extension = extension


class ExtensionTimeout(ExtensionFailed, TimeoutError):
    """Raised when an extension did not answer a call in time. An out-of-process extension
    that hangs is killed and restarted; the call is not retried by the host."""


# -- AIDE: the conductor ---------------------------------------------------------------------


class ConductorError(SymphonyError):
    """Root of what the conductor (``symphony.conductor``) raises about a task: raised (as
    one of its subclasses) when a task cannot be planned, no agent can do a step, or it
    failed, was cancelled or ran out of time."""


class TaskRejected(ConductorError, ValueError):
    """Raised when a task is refused before anything runs: an unknown kind, an input or
    context of the wrong type, a template whose steps do not form a workflow. Nothing ran
    and nothing was stored.
    """


class NoCapableAgent(ConductorError, LookupError):
    """Raised when a step of a task needs a capability that no registered (and enabled)
    agent declares."""


class TaskFailed(ConductorError):
    """Raised when a task's workflow ended without a result: a step failed after its
    retries, the task was cancelled, or its deadline (the message's TTL) passed. ``.steps``
    maps each step that finished to its artifact digest, so partial work is kept.

    Differs from :class:`TaskRejected`: this task was accepted and started.
    """

    def __init__(self, message: str, steps: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.steps = dict(steps or {})


class PolicyError(ConductorError, ValueError):
    """Raised when a stored routing policy cannot be read (corrupt, or from an incompatible
    feature layout). The conductor starts a fresh policy rather than route on a wrong one."""


# -- apps: the symphony command ------------------------------------------------------------


class CommandError(SymphonyError, ValueError):
    """Raised by the ``symphony`` command when an argument parses but cannot be used: a
    ``--spawn`` that is not ``module:Class`` or does not load, an unknown transport
    ``--option`` or one whose value has the wrong type, an artifact store path where there
    is no store, a key file that exists (without ``--force``). The command prints it as one
    line and exits with status 2; nothing was changed.
    """
