"""What ``symphony conductor run`` and ``symphony serve`` build to run tasks, from the same options.

:class:`TaskSetup` opens the conductor's artifact store, the model pool (``--models``), the
extension host and the :class:`~symphony.conductor.Conductor` with the agents and templates
of ``--config``, and closes them in the reverse order. :class:`LazyTaskHooks` is what
``symphony serve`` gives the frontend protocol: it builds a ``TaskSetup`` on a thread of its
own a moment after the core starts (importing the conductor takes a few hundred
milliseconds, which the first screen must not wait for), and every hook waits for it.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import importlib
import logging
import os
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from symphony.errors import CommandError

__all__ = ["LazyTaskHooks", "TaskOptions", "TaskSetup", "default_store", "serve_task_hooks"]

logger = logging.getLogger(__name__)

_AGENT_KEYS = {"name", "tasks", "entry", "model", "cost"}


def default_store() -> str:
    """Where the conductor's artifact store is when ``--store`` is not given."""
    return os.environ.get("SYMPHONY_CONDUCTOR_STORE") or os.path.join(
        os.path.expanduser("~"), ".local", "share", "symphony", "conductor")


@dataclass
class TaskOptions:
    """The options both commands take: where results go and where agents come from.

    ``extensions``: run an extension host (over ``extension_dirs``, the installed ones in
    ``ext_home`` and, with ``entry_points``, those Python packages register).
    """

    store: str | None = None
    models: str | None = None
    config: str | None = None
    extensions: bool = False
    extension_dirs: list[str] = field(default_factory=list)
    ext_home: str | None = None
    entry_points: bool = True
    workspace: str | None = None

    def check(self) -> dict[str, Any]:
        """Refuse options that cannot work (``CommandError``) before anything starts; the config's tables."""
        config = _load_config(self.config) if self.config else {}
        if self.models is not None and not os.path.isdir(self.models):
            raise CommandError(f"--models {self.models}: no such model repository directory")
        for directory in self.extension_dirs:
            if not os.path.isdir(directory):
                raise CommandError(f"--extensions {directory}: no such directory")
        return config


class TaskSetup:
    """The store, pool, extension host and conductor of ``options``, on ``node``; ``close()`` stops them."""

    def __init__(self, node: Any, options: TaskOptions) -> None:
        from symphony.artifacts import ArtifactStore
        from symphony.conductor import Conductor

        config = options.check()
        self.node = node
        self.pool: Any = None
        self.manager: Any = None
        self.conductor: Any = None
        self.store = ArtifactStore(options.store or default_store(), node=node, index=False)
        try:
            self.conductor = Conductor(node, self.store)
            if options.models is not None:
                from symphony.pool import Pool

                self.pool = Pool(node, options.models, prewarm=False)
                configured = {t.get("model") for t in config.get("agents", []) if isinstance(t, dict)}
                for name in self.pool.repository.names():
                    if name not in configured and self.pool.repository.served(name):
                        self.conductor.add_model(self.pool, name, name)
            if options.extensions:
                from symphony.extensions import ExtensionManager, default_home

                home = os.path.expanduser(options.ext_home) if options.ext_home else default_home()
                self.manager = ExtensionManager(node, home=home, dirs=options.extension_dirs, store=self.store,
                                                pool=self.pool, workspace=options.workspace,
                                                entry_points=options.entry_points)
                self.conductor.add_instruments(self.manager)
            _add_config_agents(self.conductor, config.get("agents", []), self.pool)
            if config.get("templates"):
                from symphony.conductor import templates_from_toml

                for template in templates_from_toml(config):
                    self.conductor.add_template(template)
        except BaseException:
            self.close()
            raise

    @property
    def refusals(self) -> list[Exception]:
        """The extensions the host refused (a bad manifest, an API it does not provide)."""
        return list(self.manager.errors) if self.manager is not None else []

    def close(self) -> None:
        """Save the policy and stop everything, the conductor first."""
        for part in (self.conductor, self.manager, self.pool, self.store):
            if part is not None:
                try:
                    part.close()
                except Exception:  # noqa: BLE001 - the others are closed all the same
                    logger.exception("closing %r", part)


class LazyTaskHooks:
    """The frontend protocol's ``TaskHooks`` on a :class:`TaskSetup` built in the background.

    The build starts ``delay`` seconds after construction, or at the first hook that needs
    it; hooks wait for it (``XiCore`` calls them on worker threads, never on the reader). A
    build that fails (a bad ``--config``) makes each hook raise its error, and the editor
    goes on without tasks. Status watchers registered before the build are attached after
    it, and told each declared status item, so a view opened early still shows them.
    """

    def __init__(self, options: TaskOptions, *, delay: float = 2.0, timeout: float | None = None) -> None:
        self.options = options
        self.timeout = timeout
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self._built = threading.Event()
        self._hooks: Any = None
        self._setup: TaskSetup | None = None
        self._node: Any = None
        self._error: BaseException | None = None
        self._watchers: dict[int, tuple[Callable[[str, str], None], Callable[[], None] | None]] = {}
        self._next = 0
        self._timer = threading.Timer(delay, self._start)
        self._timer.daemon = True
        self._timer.start()

    def _start(self) -> None:
        with self._lock:
            if self._started or self._closed:
                return
            self._started = True
        threading.Thread(target=self._build, name="symphony-task-setup", daemon=True).start()

    def _build(self) -> None:
        try:
            from symphony.actors import Node
            from symphony.conductor import ConductorTaskHooks

            self._node = Node("symphony-tasks")
            self._setup = TaskSetup(self._node, self.options)
            for refusal in self._setup.refusals:
                logger.warning("extension refused: %s", refusal)
            self._hooks = ConductorTaskHooks(self._setup.conductor, self._setup.manager, timeout=self.timeout)
        except BaseException as exc:  # noqa: BLE001 - every hook reports it
            logger.error("tasks unavailable: %s", exc)
            self._error = exc
        with self._lock:
            closed = self._closed
            watchers = list(self._watchers.items()) if self._hooks is not None and not closed else []
            for token, (watcher, _) in watchers:
                self._watchers[token] = (watcher, self._hooks.watch_status(watcher))
        self._built.set()
        if closed:
            self._teardown()
            return
        if watchers:
            self._announce([w for _, (w, _) in watchers])

    def _announce(self, watchers: list[Callable[[str, str], None]]) -> None:
        try:
            texts = self._hooks.status()
            items = self._hooks.contributions().get("status_items") or []
        except Exception:  # noqa: BLE001 - no items to show
            return
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                text = texts.get(item["id"], item.get("text"))
                for watcher in watchers:
                    watcher(item["id"], text if isinstance(text, str) else "")

    def _get(self) -> Any:
        self._start()
        self._built.wait()
        if self._error is not None:
            raise self._error
        if self._closed:
            raise CommandError("the task hooks are closed")
        return self._hooks

    # -- TaskHooks ---------------------------------------------------------------------------

    def kinds(self) -> list[str]:
        """The conductor's task kinds."""
        return self._get().kinds()  # type: ignore[no-any-return]

    def run(self, view_id: str, kind: str, input: str, context: dict[str, Any],
            progress: Callable[[str, str, str], None]) -> concurrent.futures.Future[dict[str, Any]]:
        """Run a task (see ``ConductorTaskHooks.run``)."""
        return self._get().run(view_id, kind, input, context, progress)  # type: ignore[no-any-return]

    def feedback(self, task_id: str, score: float) -> concurrent.futures.Future[Any]:
        """Score a task's result."""
        return self._get().feedback(task_id, score)  # type: ignore[no-any-return]

    def contributions(self) -> dict[str, Any]:
        """What the enabled motifs add to the user interface."""
        return self._get().contributions()  # type: ignore[no-any-return]

    def run_command(self, command_id: str, view_id: str, args: dict[str, Any],
                    context: dict[str, Any]) -> concurrent.futures.Future[Any]:
        """Run a motif's command."""
        return self._get().run_command(command_id, view_id, args, context)  # type: ignore[no-any-return]

    def status(self) -> dict[str, str]:
        """The status items' current texts."""
        return self._get().status()  # type: ignore[no-any-return]

    def watch_status(self, watcher: Callable[[str, str], None]) -> Callable[[], None]:
        """Follow the status items (attached once the build is done)."""
        with self._lock:
            token, self._next = self._next, self._next + 1
            unwatch = self._hooks.watch_status(watcher) if self._hooks is not None else None
            self._watchers[token] = (watcher, unwatch)

        def stop() -> None:
            with self._lock:
                _, undo = self._watchers.pop(token, (None, None))
            if undo is not None:
                undo()

        return stop

    def close(self) -> None:
        """Stop the build's timer, or what it built (the conductor saves its policy)."""
        self._timer.cancel()
        with self._lock:
            self._closed = True
            started = self._started
        if started:
            self._built.wait()
            self._teardown()

    def _teardown(self) -> None:
        with self._lock:
            hooks, setup, node = self._hooks, self._setup, self._node
            self._hooks = self._setup = self._node = None
        if hooks is not None:
            hooks.close()
        if setup is not None:
            setup.close()
        if node is not None:
            node.stop()


def add_task_arguments(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *, store_flag: str = "--store",
                       config_flag: str = "--config") -> None:
    """The options of :class:`TaskOptions`, as both commands take them."""
    parser.add_argument(store_flag, dest="store", default=None, metavar="DIR",
                        help="the conductor's artifact store: results, the routing policy, counters (default "
                             "$SYMPHONY_CONDUCTOR_STORE or ~/.local/share/symphony/conductor)")
    parser.add_argument("--models", metavar="REPO", help="a pool model repository; each model is an agent")
    parser.add_argument(config_flag, dest="config", metavar="F",
                        help="a TOML file of the conductor's [[agents]] and [[templates]]")
    parser.add_argument("--extensions", metavar="DIR", action="append", default=[],
                        help="a directory of extensions (repeatable): their instruments are agents, their "
                             "operators steps")
    parser.add_argument("--ext-home", metavar="DIR", default=None,
                        help="the extension host's home (default: $SYMPHONY_HOME or ~/.config/symphony)")


def serve_task_hooks(args: argparse.Namespace) -> LazyTaskHooks | None:
    """The conductor and the extensions for a core's frontends (``symphony serve``, ``symphony
    web``), from the options of :func:`add_task_arguments` plus ``--no-tasks`` and
    ``--no-bundled-plugins``: built in the background; None with ``--no-tasks``."""
    if args.no_tasks:
        return None
    options = TaskOptions(store=args.store, models=args.models, config=args.config, extensions=True,
                          extension_dirs=[os.path.abspath(d) for d in args.extensions], ext_home=args.ext_home,
                          entry_points=not getattr(args, "no_bundled_plugins", False), workspace=os.getcwd())
    options.check()
    return LazyTaskHooks(options)


def _load_config(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CommandError(f"--config {path}: not TOML: {exc}") from None
    unknown = set(data) - {"agents", "templates"}
    if unknown:
        raise CommandError(f"--config {path}: unknown table(s) {sorted(unknown)}; it takes agents, templates")
    return data


def _entry(text: Any, where: str) -> Any:
    if not isinstance(text, str) or text.count(":") != 1:
        raise CommandError(f"{where}: entry must be 'module:function', not {text!r}")
    module, _, attr = text.partition(":")
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise CommandError(f"{where}: cannot load {text!r}: {exc}") from None
    if not callable(fn):
        raise CommandError(f"{where}: {text!r} is not callable")
    return fn


def _add_config_agents(conductor: Any, agents: Any, pool: Any) -> None:
    if not isinstance(agents, list):
        raise CommandError("--config: 'agents' must be an array of tables ([[agents]])")
    for i, table in enumerate(agents):
        where = f"--config agents[{i}]"
        if not isinstance(table, dict) or set(table) - _AGENT_KEYS or ("entry" in table) == ("model" in table):
            raise CommandError(f"{where}: a table of {sorted(_AGENT_KEYS)} with one of entry or model")
        try:
            if "model" in table:
                if pool is None:
                    raise CommandError(f"{where}: model agents need --models REPO")
                conductor.add_model(pool, table["model"], table.get("tasks", ()), cost=table.get("cost", 1.0),
                                    name=table.get("name"))
            else:
                conductor.add_agent(table.get("name"), table.get("tasks", ()), _entry(table["entry"], where),
                                    cost=table.get("cost", 1.0))
        except (TypeError, ValueError) as exc:
            if isinstance(exc, CommandError):
                raise
            raise CommandError(f"{where}: {exc}") from None

