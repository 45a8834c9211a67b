"""How much memory is free, so that a run far too large for it is refused up front.

Linux does not fail a large allocation it lets a process reserve (overcommit): the kernel's
out-of-memory killer ends the process later, while it writes into the memory, so no
``MemoryError`` reaches the code and the user sees ``Killed``. Commands whose memory grows with an
argument (``evaluate --size``) compare an estimate with :func:`available_bytes` first.
"""

from __future__ import annotations

from pathlib import Path

MEMINFO = Path("/proc/meminfo")


def available_bytes(device: str = "cpu") -> int | None:
    """Bytes that can still be allocated on ``device``: ``MemAvailable`` of ``/proc/meminfo`` (Linux)
    for the host, the free memory ``torch.cuda.mem_get_info`` reports for a CUDA device; None
    where it cannot be told (another system, no CUDA), and then no check is made."""
    if str(device).startswith("cuda"):
        try:
            import torch

            return int(torch.cuda.mem_get_info(torch.device(device))[0])
        except (ImportError, RuntimeError, AssertionError, ValueError):
            return None
    try:
        text = MEMINFO.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            parts = line.split()
            try:
                return int(parts[1]) * (1024 if parts[2:] == ["kB"] else 1)
            except (IndexError, ValueError):
                return None
    return None


def fmt_bytes(n: float) -> str:
    """``n`` bytes for a message: ``512 MB``, ``23.4 GB``, ``1.6e+04 TB``."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            v = n / scale
            return f"{v:.3g} {unit}" if v < 1000 else f"{v:.2g} {unit}"
    return f"{n / 1e6:.2f} MB"
