"""The conductor: takes a task, plans it into a workflow, routes each step to the agent a
contextual bandit expects to do it best, stores each step's output as an artifact with its
quality score, and learns from those scores.
"""

__all__: list[str] = []
