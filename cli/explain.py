"""``graphroute explain``: the top tails of a KG query and the paths that explain each one."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from graphroute_cli.common import cli_errors, console, print_json, print_warnings

#: most answers ``--top`` explains: each gets its own path search (about a second on UMLS)
MAX_TOP = 100

@cli_errors
def explain_command(
    graph: Path = typer.Argument(..., help="The KG: a triples folder (train/valid/test) or a graph file from 'graph build kg'."),
    checkpoint: Path = typer.Option(..., "--checkpoint", help="A KG checkpoint (NBFNet or retrieval), e.g. data/checkpoints/kg_umls.pt."),
    head: str = typer.Option(..., "--head", help="Head entity, by name."),
    relation: str = typer.Option(..., "--relation", help="Query relation, by name (NAME^-1 asks for heads)."),
    top: int = typer.Option(5, "--top", help="How many predicted answers (tails; heads for NAME^-1), at most 100 (each is explained by a path search); more than the KG's entities gives them all."),
    paths: int = typer.Option(3, "--paths", help="Explaining paths per tail (1 to 100)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    from rich.markup import escape

    from graphroute.exceptions import InvalidArgumentError
    from graphroute.neural.kg.data import KGData
    from graphroute.neural.kg.explain import MAX_PATHS, predict
    from graphroute.neural.kg.train import load_kg_model
    from graphroute.neural.runs import require_checkpoint_file

    if top < 1 or paths < 1:
        raise InvalidArgumentError("--top and --paths must be at least 1")
    if paths > MAX_PATHS:
        raise InvalidArgumentError(f"--paths must be at most {MAX_PATHS}, got {paths}")
    if top > MAX_TOP:
        raise InvalidArgumentError(f"--top must be at most {MAX_TOP}, got {top}; graphroute evaluate ranks every "
                                   "entity")
    require_checkpoint_file(checkpoint)
    model, _, data = load_kg_model(checkpoint, KGData.from_path(graph))  # checks the KG matches the checkpoint first
    print_warnings(data.warnings(), as_json)
    h, r = data.entity_index(head), data.relation_index(relation)
    preds = predict(model, data, h, r, top=top, paths=paths)
    if as_json:
        ids = data.entity_ids or data.entity_names  # "id": the entity as the KG files name it (--names shows names)
        print_json({"head": head, "relation": relation, "checkpoint": str(checkpoint),
                    "predictions": [{**asdict(p), "id": ids[p.tail]} for p in preds]})
        return
    every = f" (every entity of the KG; --top {top} asked for more)" if len(preds) < top else ""
    console.print(f"[bold]({escape(head)}, {escape(relation)}, ?)[/]  top {len(preds)} answers{every}",
                  highlight=False)
    for i, p in enumerate(preds, 1):
        mark = "  [dim](training triple)[/]" if p.known else ""
        console.print(f"{i}. [bold]{escape(p.name)}[/]  score {p.score:.4f}{mark}", highlight=False)
        for path in p.paths:
            console.print(f"     {path.weight:+.4f}  {path.text}", highlight=False, markup=False, soft_wrap=True)
        if not p.paths:  # retrieval: paths exist, but no relation sequence along them implies the relation
            console.print("     (no rule of the retrieval scorer fires for this pair)" if _is_retrieval(model)
                          else "     (no path within reach)", highlight=False)


def _is_retrieval(model) -> bool:  # noqa: ANN001
    from graphroute.neural.kg.retrieval import PathRetrievalScorer

    return isinstance(model, PathRetrievalScorer)
