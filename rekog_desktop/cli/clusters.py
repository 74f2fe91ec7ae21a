"""`rekog cluster`: who is in a case's material, its unknown faces grouped into persons.

`rekog cluster PATH... --case N` measures photos, folders and clips (never enrolled in the
gallery) and clusters every face of the case; the subcommands edit and use the latest run:

    rekog cluster show --case N                  the latest clustering
    rekog cluster merge 3 5 --case N             clusters 3 and 5 are one person
    rekog cluster split 3 3.2 3.4 --case N       faces 2 and 4 of cluster 3 are someone else
    rekog cluster not-same 3.1 5 --case N        face 1 of cluster 3 is not cluster 5's person
    rekog cluster undo --case N                  take back the last edit
    rekog cluster search 3 --case N              search cluster 3 in the gallery as one face
    rekog cluster suggestions --case N           tracks that may be one person coming back

Names: `3` a cluster, `3.2` its second face, `u.4` the fourth unclustered face, as the latest
run lists them. Edits are rules kept through every later clustering until undone. A path
named like a subcommand is given as ./merge.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from rekog_desktop.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_SOME_FAILED, cli
from rekog_desktop.cli.context import CliContext, officer_options
from rekog_desktop.cli.options import require_case, search_options
from rekog_desktop.cli.output import echo_candidates, printable
from rekog_desktop.cli.progress import progress_bar
from rekog_desktop.core import workflow
from rekog_desktop.core.clusters.material import MaterialProgress
from rekog_desktop.core.clusters.records import CaseFace, ClusterRun
from rekog_desktop.core.clusters.regroup import MERGE, NOT_SAME, SPLIT
from rekog_desktop.core.common.steps import Steps
from rekog_desktop.core.scoring.calibration import Preset
from rekog_desktop.core.scoring.search import SearchSettings

F = TypeVar("F", bound=Callable[..., Any])


class _DefaultRun(click.Group):
    """A group whose first argument, when it is not a subcommand, is a path for `run`: so the
    issue's `rekog cluster PATH... --case N` and `rekog cluster merge ...` both work."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _case_option(func: F) -> F:
    return click.option("--case", "case_number", help="The case (required).")(func)


def _json_option(func: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="One JSON line on stdout.")(func)


@cli.group("cluster", cls=_DefaultRun)
def cluster_group() -> None:
    """Group the unknown faces of a case's photos and clips into persons: `rekog cluster
    PATH... --case N`; then show, merge, split, not-same, undo, search, suggestions."""


@cluster_group.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_case_option
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes.")
@officer_options
@_json_option
@click.pass_obj
def run_cmd(
    obj: CliContext,
    paths: tuple[Path, ...],
    case_number: str | None,
    workers: int | None,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """(default) Measure the faces of PATH... (photos, folders, clips) and cluster every face
    of the case; nothing is enrolled in the gallery."""
    case_number = require_case(case_number)
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        workflow.choose_case(store, by, case_number)
        steps = Steps(
            workflow.cluster_material(store, by, paths, case_number=case_number, workers=workers)
        )
        try:
            with progress_bar("Measuring", enabled=not as_json) as bar:
                task = bar.add_task("Measuring", total=None, current="")
                for step in steps:
                    if isinstance(step, workflow.ImportScanned):
                        if step.missing and not step.files:
                            steps.close()
                            raise click.UsageError("; ".join(f"{p}: {r}" for p, r in step.missing))
                        bar.update(task, total=step.files)
                    elif isinstance(step, MaterialProgress):
                        where = Path(step.path).name
                        if step.clip_fraction is not None and step.clip_fraction < 1:
                            where += f" {step.clip_fraction:.0%}"
                        bar.update(
                            task, completed=step.done, current=f"{where}, {step.faces} face(s)"
                        )
        except KeyboardInterrupt:
            steps.close()  # stops the worker processes; nothing was recorded
            raise
        outcome = steps.result
    if as_json:
        click.echo(json.dumps(outcome.run.as_dict()))
    else:
        click.echo(
            f"Case {outcome.run.case_number}: {outcome.new_faces} new face(s) from the material "
            f"given; clustering of every face of the case:"
        )
        _print_run(outcome.run)
        for path, reason in outcome.skipped:
            click.echo(f"  not taken: {printable(path)}: {reason}")
        for path, reason in outcome.failed:
            click.echo(f"  failed: {printable(path)}: {reason}", err=True)
    if outcome.failed:
        return EXIT_SOME_FAILED if outcome.measured else EXIT_BAD_INPUT
    return EXIT_OK


@cluster_group.command("show")
@_case_option
@officer_options
@_json_option
@click.pass_obj
def show_cmd(
    obj: CliContext,
    case_number: str | None,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """The case's latest clustering."""
    case_number = require_case(case_number)
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        run = workflow.current_clusters(store, by, case_number)
    _emit(run, as_json)
    return EXIT_OK


def _edit(
    obj: CliContext,
    *,
    kind: str,
    case_number: str | None,
    side_a: list[str],
    side_b: list[str],
    reason: str,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    case_number = require_case(case_number)
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        edit_id, run = workflow.edit_clusters(
            store, by, case_number, kind=kind, side_a=side_a, side_b=side_b, reason=reason
        )
    if not as_json:
        click.echo(f"Edit {edit_id} ({kind.replace('_', '-')}) recorded; clustering again:")
    _emit(run, as_json)
    return EXIT_OK


def _edit_options(func: F) -> F:
    func = _json_option(func)
    func = officer_options(func)
    func = click.option("--reason", default="", help="Why (kept with the edit and audited).")(func)
    return _case_option(func)


@cluster_group.command("merge")
@click.argument("names", nargs=-1, required=True)
@_edit_options
@click.pass_obj
def merge_cmd(
    obj: CliContext,
    names: tuple[str, ...],
    case_number: str | None,
    reason: str,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """NAMES (2 or more clusters or faces) are one person."""
    if len(names) < 2:
        raise click.UsageError("merge needs two or more names, e.g. `merge 3 5` or `merge 3 u.2`")
    return _edit(
        obj,
        kind=MERGE,
        case_number=case_number,
        side_a=[names[0]],
        side_b=list(names[1:]),
        reason=reason,
        reviewer=reviewer,
        password_stdin=password_stdin,
        as_json=as_json,
    )


@cluster_group.command("split")
@click.argument("cluster", type=click.IntRange(min=1))
@click.argument("faces", nargs=-1, required=True)
@_edit_options
@click.pass_obj
def split_cmd(
    obj: CliContext,
    cluster: int,
    faces: tuple[str, ...],
    case_number: str | None,
    reason: str,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """FACES (e.g. 3.2 3.4) of CLUSTER are not the person of its other faces."""
    return _edit(
        obj,
        kind=SPLIT,
        case_number=case_number,
        side_a=list(faces),
        side_b=[str(cluster)],
        reason=reason,
        reviewer=reviewer,
        password_stdin=password_stdin,
        as_json=as_json,
    )


@cluster_group.command("not-same")
@click.argument("first")
@click.argument("second")
@_edit_options
@click.pass_obj
def not_same_cmd(
    obj: CliContext,
    first: str,
    second: str,
    case_number: str | None,
    reason: str,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """FIRST and SECOND (faces or clusters) are not the same person: a rule kept through every
    later clustering."""
    return _edit(
        obj,
        kind=NOT_SAME,
        case_number=case_number,
        side_a=[first],
        side_b=[second],
        reason=reason,
        reviewer=reviewer,
        password_stdin=password_stdin,
        as_json=as_json,
    )


@cluster_group.command("undo")
@_case_option
@officer_options
@_json_option
@click.pass_obj
def undo_cmd(
    obj: CliContext,
    case_number: str | None,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Take back the newest edit still standing (audited)."""
    case_number = require_case(case_number)
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        edit, run = workflow.undo_cluster_edit(store, by, case_number)
    if not as_json:
        click.echo(f"Edit {edit.id} ({edit.kind.replace('_', '-')}) undone; clustering again:")
    _emit(run, as_json)
    return EXIT_OK


@cluster_group.command("search")
@click.argument("cluster", type=click.IntRange(min=1))
@search_options
@officer_options
@_json_option
@click.pass_obj
def search_cmd(
    obj: CliContext,
    cluster: int,
    top_k: int,
    tolerance: float,
    preset: Preset,
    case_number: str | None,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Search CLUSTER in the gallery as one template (the mean of its faces), recorded in the
    case."""
    case_number = require_case(case_number)
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        search_id, search, run = workflow.search_cluster(
            store, by, case_number, cluster, SearchSettings(top_k, tolerance, preset)
        )
    found = run.cluster(cluster)
    assert found is not None
    if as_json:
        payload = {
            "cluster": {"id": cluster, "run": run.id, "faces": len(found.faces)},
            "search_id": search_id,
            **search.as_dict(),
        }
        click.echo(json.dumps(payload))
        return EXIT_OK
    click.echo(
        f"Cluster {cluster} of run {run.id} ({len(found.faces)} face(s), purity "
        f"{found.purity:.2f}) searched as one template  (search {search_id})"
    )
    echo_candidates(search)
    click.echo("  Investigative lead only, not an identification.")
    return EXIT_OK


@cluster_group.command("suggestions")
@_case_option
@officer_options
@_json_option
@click.pass_obj
def suggestions_cmd(
    obj: CliContext,
    case_number: str | None,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Tracks of one clip that may be one person who left and came back (never merged: merge
    them yourself, or rule them out with not-same)."""
    case_number = require_case(case_number)
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        found = workflow.cluster_suggestions(store, by, case_number)
    if as_json:
        click.echo(json.dumps({"suggestions": [s.as_dict() for s in found]}))
        return EXIT_OK
    if not found:
        click.echo("No tracks to offer as one person.")
    for s in found:
        click.echo(
            f"{printable(s.clip_path)}: frames {s.first.frame} and {s.second.frame} may be one "
            f"person (distance {s.distance:.3f}, back after {s.gap_s:.1f} s): "
            f"`rekog cluster merge {s.names[0]} {s.names[1]} --case {case_number}`"
        )
    return EXIT_OK


def _emit(run: ClusterRun, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(run.as_dict()))
    else:
        _print_run(run)


def _face_line(name: str, face: CaseFace) -> str:
    where = "" if face.frame is None else f" frame {face.frame}"
    return f"    {name}  {printable(face.path)}{where}  box {face.box.as_list()}"


def _print_run(run: ClusterRun) -> None:
    faces = sum(len(c.faces) for c in run.clusters) + len(run.unclustered)
    click.echo(
        f"  run {run.id}: {faces} face(s), {len(run.clusters)} cluster(s), "
        f"{len(run.unclustered)} unclustered (cut {run.cut:g})"
    )
    for cluster in run.clusters:
        click.echo(
            f"  cluster {cluster.number}: {len(cluster.faces)} face(s), purity {cluster.purity:.2f}"
        )
        for k, face in enumerate(cluster.faces, start=1):
            click.echo(_face_line(f"{cluster.number}.{k}", face))
    if run.unclustered:
        click.echo("  unclustered (no close company):")
        for k, face in enumerate(run.unclustered, start=1):
            click.echo(_face_line(f"u.{k}", face))
    click.echo("  Groups of faces by likeness: investigative leads, not identifications.")
