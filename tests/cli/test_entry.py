"""The console script: a Ctrl-C while the CLI is still importing is one line and exit 130, like a Ctrl-C in any
command (it was a 20-line KeyboardInterrupt traceback and exit -2 for the first tenths of a second)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# a Ctrl-C that lands while graphroute_cli.main is being imported
INTERRUPTED_IMPORT = """
import sys
class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "graphroute_cli.main":
            raise KeyboardInterrupt
sys.meta_path.insert(0, CtrlC())
from graphroute_cli.entry import main
main()
"""


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", INTERRUPTED_IMPORT, *args], capture_output=True, text=True,
                          timeout=60, env=env)


def test_the_console_script_is_the_guarded_entry():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"graphroute": "graphroute_cli.entry:main"}


def test_ctrl_c_during_start_up_is_one_line():
    res = _run("solve", "x.json")
    assert res.returncode == 130 and res.stderr == "error: interrupted\n"


def test_debug_shows_the_traceback():
    res = _run("--debug", "solve", "x.json")
    assert res.returncode != 130 and "KeyboardInterrupt" in res.stderr and "Traceback" in res.stderr


def test_the_entry_runs_the_app():
    res = subprocess.run([sys.executable, "-m", "graphroute_cli.entry", "--help"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0 and "solve" in res.stdout


def test_an_empty_argument_is_refused_before_any_command_runs(tmp_path):
    """compare --out '' wrote its results into the current folder (Path('') is '.')."""
    for args, msg in ((["compare", "x.json", "--out", ""], "error: argument 4 is empty after --out (an unset shell variable?)"),
                      (["compare", "x.json", "--out="], "error: --out is given an empty value (an unset shell variable?)"),
                      (["solve", ""], "error: argument 2 is empty after solve (an unset shell variable?)")):
        res = subprocess.run([sys.executable, "-m", "graphroute_cli.entry", *args], capture_output=True, text=True,
                             timeout=60, cwd=tmp_path)
        assert res.returncode == 1 and res.stderr.strip() == msg, res.stderr
        assert list(tmp_path.iterdir()) == []
