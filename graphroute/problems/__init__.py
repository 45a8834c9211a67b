"""Problem model: instances, solutions, generators and file formats."""

from graphroute.problems.generate import capacity_for, generate
from graphroute.problems.instance import Instance, Solution
from graphroute.problems.io import (
    instance_from_dict,
    instance_to_dict,
    read_instance,
    write_instance,
    write_solution_sol,
)
from graphroute.problems.tsplib import parse_tsplib, read_sol

__all__ = [
    "Instance",
    "Solution",
    "capacity_for",
    "generate",
    "instance_from_dict",
    "instance_to_dict",
    "parse_tsplib",
    "read_instance",
    "read_sol",
    "write_instance",
    "write_solution_sol",
]
