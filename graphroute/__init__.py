"""graphroute: graph-based routing research.

Importing this package is light: numpy only. torch, torch-geometric, OR-Tools and PyVRP are
imported inside the functions that need them.
"""

from graphroute.check import CheckResult, check, gap_pct
from graphroute.exceptions import (
    ConfigError,
    GraphrouteError,
    InfeasibleError,
    InvalidArgumentError,
    InvalidInstanceError,
    InvalidSolutionError,
    MissingDependencyError,
    NoPathError,
    SolverError,
    UnknownNameError,
)
from graphroute.problems import Instance, Solution, generate, read_instance, write_instance
from graphroute.solvers import SOLVERS, SolveResult, solve

__version__ = "0.1.0"

__all__ = [
    "SOLVERS",
    "CheckResult",
    "ConfigError",
    "GraphrouteError",
    "InfeasibleError",
    "Instance",
    "InvalidArgumentError",
    "InvalidInstanceError",
    "InvalidSolutionError",
    "MissingDependencyError",
    "NoPathError",
    "SolveResult",
    "Solution",
    "SolverError",
    "UnknownNameError",
    "check",
    "gap_pct",
    "generate",
    "read_instance",
    "solve",
    "write_instance",
]
