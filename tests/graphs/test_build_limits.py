"""graph build refuses absurd sizes and a folder as --out in one line (fuzz review defects 3 and 6)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from graphroute.exceptions import InvalidArgumentError
from graphroute.graphs import save_graph
from graphroute.graphs.synthetic import MAX_NODES, synthetic_graph
from graphroute_cli.main import app


def test_synthetic_node_cap():
    with pytest.raises(InvalidArgumentError, match=f"at most {MAX_NODES:,} nodes, got 1,000,000,000"):
        synthetic_graph("grid", 10**9)  # was: built for minutes, then ran out of memory
    res = CliRunner().invoke(app, ["graph", "build", "synthetic", "grid", "--nodes", str(MAX_NODES + 1), "--out", "x"])
    assert res.exit_code == 1 and "at most 10,000,000 nodes" in res.stderr


def test_out_folder_is_refused_not_written_beside(tmp_path):
    d = tmp_path / "outdir"
    d.mkdir()
    with pytest.raises(InvalidArgumentError, match="it is a folder"):
        save_graph(synthetic_graph("grid", 9), d)
    res = CliRunner().invoke(app, ["graph", "build", "synthetic", "grid", "--nodes", "9", "--out", str(d)])
    assert res.exit_code == 1 and "it is a folder" in res.stderr
    assert not (tmp_path / "outdir.graph.npz").exists() and not list(d.iterdir())
