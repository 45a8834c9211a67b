"""A one-line description of the machine, for benchmark and comparison reports."""

from __future__ import annotations

import os
import platform


def machine_info() -> str:
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages * size / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    return f"{model}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, {platform.system()}"


def keep_freed_memory(threshold: int = 1 << 30) -> bool:
    """Let glibc's malloc keep freed memory for reuse instead of returning it to the kernel.

    By default glibc serves every allocation above its mmap threshold (at most 32 MiB) with a fresh
    ``mmap`` and unmaps it on free, so each large temporary tensor of a CPU training or routing step
    is faulted in page by page again: on this project's 2-core VM half the CPU time of a router pass
    on a 100k-node graph went to the kernel. Raising the threshold to ``threshold`` bytes (and the
    trim threshold to 2 GiB) makes torch's CPU allocations come from the heap and be reused:
    ``experiments/bench/cpu_malloc.py`` measures the gain (3.3-3.9x for that router pass, 4.0x for an
    NBFNet training step on the full WN18RR graph; nothing for the POMO and NBFNet UMLS training steps,
    whose tensors are small). The cost: the process keeps its peak heap until it exits. ``graphroute
    route``, ``compare --task paths``, ``train --task kg`` and ``evaluate --task kg`` call it. Only on
    Linux with glibc; a no-op elsewhere, or when the environment sets
    ``GRAPHROUTE_MALLOC=system``. Returns whether the setting was applied.
    """
    import sys

    if os.environ.get("GRAPHROUTE_MALLOC", "").lower() == "system" or not sys.platform.startswith("linux"):
        return False
    if platform.libc_ver()[0] != "glibc":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3  # mallopt parameters (malloc.h)
    return bool(libc.mallopt(m_mmap_threshold, min(threshold, 2**31 - 1))) and bool(
        libc.mallopt(m_trim_threshold, 2**31 - 1))
