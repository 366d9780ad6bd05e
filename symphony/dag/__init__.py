"""The AIDE DAG tracker: workflows of Python tasks with retries, timeouts and checkpoints.

``Workflow(name)``; ``wf.add(name, fn, deps=...)``; ``wf.run()`` returns every task's
result. A DagTracker actor drives each run and every running task is a DAG-node actor
on the node's shared dispatcher; tasks can also run on a ``dask.distributed`` cluster.
With ``checkpoint=PATH`` completed results are recorded durably, so a rerun after a crash
runs only what was not done.
"""

from ._checkpoint import read_checkpoint
from ._executors import DaskExecutor, LocalExecutor, TaskActor
from ._task import Task
from ._tracker import RunHandle
from ._workflow import Workflow

__all__ = ["DaskExecutor", "LocalExecutor", "RunHandle", "Task", "TaskActor", "Workflow", "read_checkpoint"]
