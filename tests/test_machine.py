"""machine_info and keep_freed_memory: the allocator setting is applied where it can be, and can be refused."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from graphroute.machine import keep_freed_memory, machine_info

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def test_machine_info_names_cores():
    assert " cores" in machine_info()


def _in_fresh_process(env_value: str | None) -> str:
    env = {"PATH": "/usr/bin:/bin"} | ({"GRAPHROUTE_MALLOC": env_value} if env_value is not None else {})
    code = "from graphroute.machine import keep_freed_memory; print(keep_freed_memory())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          check=True).stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="keep_freed_memory only acts on Linux with glibc")
def test_keep_freed_memory_applies_on_glibc_and_can_be_turned_off():
    assert _in_fresh_process(None) == "True"
    assert _in_fresh_process("system") == "False"


@pytest.mark.skipif(GLIBC, reason="elsewhere than Linux/glibc it must be a no-op")
def test_keep_freed_memory_is_a_no_op_elsewhere():
    assert keep_freed_memory() is False
