"""Domain exceptions. The library raises these; only the CLI maps them to exit codes."""

from __future__ import annotations


class GraphrouteError(Exception):
    """Base class of every error graphroute raises on purpose."""


class InvalidInstanceError(GraphrouteError, ValueError):
    """An instance file or object is malformed or violates the problem definition."""


class GraphFormatError(InvalidInstanceError):
    """A graph file's arrays are inconsistent or out of range; the message names the file, the
    array and the first bad position."""


class InvalidSolutionError(GraphrouteError, ValueError):
    """A solution is malformed (unknown node ids, wrong shape) before feasibility is even asked."""


class InfeasibleError(GraphrouteError):
    """A solution violates a constraint of its instance (capacity, coverage, ...)."""


class UnknownNameError(GraphrouteError, KeyError):
    """A registry lookup (solver, suite, format, ...) failed; the message lists what is available."""

    def __str__(self) -> str:  # KeyError quotes its message; we want it plain
        return str(self.args[0]) if self.args else ""


class NoPathError(GraphrouteError):
    """No path exists between the requested source and target."""


class MissingDependencyError(GraphrouteError, ImportError):
    """An optional dependency is not installed; the message says how to install it."""


class SolverError(GraphrouteError):
    """A solver failed to return a solution (time limit too short, internal failure)."""


class ConfigError(GraphrouteError, ValueError):
    """A configuration file has an unknown key or a bad value; the message names the key."""


class InvalidArgumentError(GraphrouteError, ValueError):
    """An argument is out of range (a time limit <= 0, K <= 0, ...)."""


class TrainingDivergedError(GraphrouteError):
    """A training run's loss, weights or validation metric became NaN or infinite (a learning rate too
    high, most often); the message names where (epoch / step) and the last good checkpoint. Nothing
    of the diverged state is saved: ``last.pt`` / ``best.pt`` stay the last good ones."""


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is running out of memory: Python's ``MemoryError``, torch's ``OutOfMemoryError``
    (CUDA; recognised by class name, so that callers need not import torch) or the CPU allocator's
    RuntimeError ("can't allocate memory")."""
    msg = str(exc).lower()
    return (isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError"
            or "can't allocate memory" in msg or "out of memory" in msg)
