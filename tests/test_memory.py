"""graphroute.memory: the free memory read from /proc/meminfo (Linux), and byte counts for messages."""

from __future__ import annotations

from graphroute import memory


def test_available_bytes_is_memavailable_in_bytes(tmp_path, monkeypatch):
    info = tmp_path / "meminfo"
    info.write_text("MemTotal:       24683664 kB\nMemFree:         1000 kB\nMemAvailable:   23419288 kB\n")
    monkeypatch.setattr(memory, "MEMINFO", info)
    assert memory.available_bytes() == 23419288 * 1024
    assert memory.available_bytes("cpu") == 23419288 * 1024


def test_available_bytes_is_none_where_it_cannot_be_told(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "MEMINFO", tmp_path / "missing")
    assert memory.available_bytes() is None
    info = tmp_path / "meminfo"
    info.write_text("MemTotal:       24683664 kB\n")  # a kernel before 3.14
    monkeypatch.setattr(memory, "MEMINFO", info)
    assert memory.available_bytes() is None


def test_fmt_bytes():
    assert memory.fmt_bytes(512e6) == "512 MB"
    assert memory.fmt_bytes(23.98e9) == "24 GB"
    assert memory.fmt_bytes(2.3e15) == "2.3e+03 TB"
    assert memory.fmt_bytes(1234) == "0.00 MB"
