"""The router benchmark's --out / --queries and the GPU checks script's --help, run as a user runs them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
RESULTS = REPO / "experiments/results"


def _digest(*paths: Path) -> list[str]:
    return [hashlib.sha256(p.read_bytes()).hexdigest() if p.exists() else "" for p in paths]


def _refuse(name: str):  # noqa: ANN202
    raise AssertionError(f"{name} is not JSON (strict readers refuse it)")


def test_published_router_json_is_strict_json():
    """Walkthrough: router.json held 138 NaN literals (Python's json wrote them); now null."""
    results = json.loads((RESULTS / "router.json").read_text(), parse_constant=_refuse)
    assert any(row["kth_mean_stretch"] is None for r in results.values() for row in r["rows"])


def test_router_bench_writes_elsewhere_and_shrinks(tmp_path):
    """--out PREFIX writes PREFIX.json / PREFIX.md and leaves the published tables alone; --queries N
    routes N pairs (the K rows at most N). Before, every run rewrote experiments/results/router.*."""
    published = (RESULTS / "router.json", RESULTS / "router.md")
    before = _digest(*published)
    prefix = tmp_path / "sub" / "router"
    res = subprocess.run([sys.executable, str(REPO / "experiments/bench/router.py"), "--only", "grid10k",
                          "--queries", "3", "--steps", "3", "--out", str(prefix)],
                         capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert res.returncode == 0, res.stderr
    assert _digest(*published) == before
    rows = json.loads(Path(f"{prefix}.json").read_text(), parse_constant=_refuse)["grid10k"]["rows"]
    assert {r["queries"] for r in rows} == {3} and any(r["method"] == "Yen K=3" for r in rows)
    md = Path(f"{prefix}.md").read_text()
    assert f"experiments/bench/router.py --steps 3 --queries 3 --out {prefix}`" in md and "T = 3 steps" in md
    bad = subprocess.run([sys.executable, str(REPO / "experiments/bench/router.py"), "--queries", "0", "--out",
                          str(prefix)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--queries must be at least 1" in bad.stderr


def test_router_bench_renders_the_published_command_by_default():
    """Without --out / --queries / --steps the rendered command is the documented one (router.md unchanged)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_router", REPO / "experiments/bench/router.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = mod.render({})
    assert "Command: `OMP_NUM_THREADS=1 python experiments/bench/router.py` (checkpoint" in text
    assert "truncated passes of T = 30 and 100 steps" in text


def test_device_checks_help_and_unknown_options(tmp_path):
    """--help / -h print the usage and exit 0; another -option exits 2; neither becomes an output folder
    (before, --help was taken for OUT and ~30 lines of errors followed)."""
    script = REPO / "experiments/gpu/device_checks.sh"
    for flag in ("--help", "-h"):
        res = subprocess.run(["bash", str(script), flag], cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert res.returncode == 0 and res.stderr == ""
        assert res.stdout.startswith("The checks that need a GPU") and "device_checks.sh \"$OUT\"" in res.stdout
        assert "set -uo" not in res.stdout
    res = subprocess.run(["bash", str(script), "--out"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert res.returncode == 2 and "unknown option '--out'" in res.stderr and res.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_router_timedep_refuses_bad_arguments_in_one_line(tmp_path):
    """--pairs 0 ended in an IndexError traceback and a missing --checkpoint in a raw InvalidArgumentError."""
    script = REPO / "experiments/bench/router_timedep.py"
    for args, msg in ((["--pairs", "0"], "--pairs and --steps must be at least 1"),
                      (["--checkpoint", str(tmp_path / "nope.pt")], "no such file")):
        res = subprocess.run([sys.executable, str(script), *args, "--out", str(tmp_path / "o.md")],
                             capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
        assert res.returncode == 2 and msg in res.stderr and "Traceback" not in res.stderr
        assert not (tmp_path / "o.md").exists()
