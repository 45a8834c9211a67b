"""paths: --overlap / --max-overlap without --diverse are refused, not ignored (fuzz review defect 6)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from graphroute.graphs import save_graph
from graphroute.graphs.synthetic import synthetic_graph
from graphroute_cli.main import app


@pytest.fixture
def grid(tmp_path):
    return save_graph(synthetic_graph("grid", 16), tmp_path / "g")


@pytest.mark.parametrize("args,msg", [
    (["--overlap", "jaccard"], "--overlap applies to --diverse paths"),
    (["--max-overlap", "0.3"], "--max-overlap applies to --diverse paths"),
    (["--overlap", "nodes", "--max-overlap", "0.3"], "--overlap and --max-overlap apply to --diverse"),
    (["--overlap", "bogus", "--diverse"], "unknown overlap measure 'bogus'"),
])
def test_diverse_options_alone(grid, args, msg):
    res = CliRunner().invoke(app, ["paths", str(grid), "-s", "0", "-t", "15", "--k", "2", *args])
    assert res.exit_code == 1 and msg in res.stderr and "Traceback" not in res.output


def test_diverse_options_with_diverse_still_work(grid):
    res = CliRunner().invoke(app, ["paths", str(grid), "-s", "0", "-t", "15", "--k", "2", "--diverse",
                                   "--overlap", "jaccard", "--max-overlap", "0.9", "--json"])
    assert res.exit_code == 0, res.output
