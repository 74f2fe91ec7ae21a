"""`rekog import`, `rekog search`, `rekog subjects`: the gallery commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rekog_desktop.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_SOME_FAILED, cli
from rekog_desktop.cli.context import CliContext
from rekog_desktop.cli.options import require_case, search_options
from rekog_desktop.cli.output import echo_candidates
from rekog_desktop.cli.progress import progress_bar
from rekog_desktop.core.cases.cases import open_case
from rekog_desktop.core.cases.searches import record_probe_without_face, record_search
from rekog_desktop.core.cases.users import resolve_reviewer
from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.gallery.importer import collect_items, import_photos
from rekog_desktop.core.scoring.calibration import Preset
from rekog_desktop.core.scoring.search import (
    ProbeSearch,
    engine_for_store,
    search_loaded,
)


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--subject", help="File every photo under this one subject name.")
@click.option(
    "--subject-from-folder",
    is_flag=True,
    help="File each photo under the name of the folder that holds it.",
)
@click.option(
    "--source", default="", help="Where the photos come from (provenance, kept per photo)."
)
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Worker processes.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary on stdout.")
@click.pass_obj
def import_cmd(
    obj: CliContext,
    paths: tuple[Path, ...],
    subject: str | None,
    subject_from_folder: bool,
    source: str,
    workers: int | None,
    as_json: bool,
) -> int:
    """Import photo files and folder trees into the gallery."""
    if bool(subject) == subject_from_folder:
        raise click.UsageError("give exactly one of --subject NAME or --subject-from-folder")
    if subject is not None and not subject.strip():
        raise click.UsageError("--subject must not be blank")
    items, missing = collect_items(paths, subject=subject, subject_from_folder=subject_from_folder)
    if missing and not items:
        raise click.UsageError("; ".join(f"{p}: {r}" for p, r in missing))
    with obj.open_store() as store:
        run = import_photos(store, items, source=source, workers=workers)
        with progress_bar("Importing", enabled=not as_json) as bar:
            task = bar.add_task("Importing", total=len(items), current="")
            while True:
                try:
                    step = next(run)
                except StopIteration as stop:
                    summary = stop.value
                    break
                bar.update(task, completed=step.done, current=Path(step.path).name)
    summary.failed[:0] = missing
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        click.echo(
            f"Imported {summary.imported} photo(s), {summary.faces} face(s); "
            f"{summary.duplicates} already in the store."
        )
        for path in summary.no_face:
            click.echo(f"  no face: {path}")
        for path, count in summary.several_faces:
            click.echo(f"  {count} faces, none enrolled (pick one in the app): {path}")
        for path, reason in summary.failed:
            click.echo(f"  failed: {path}: {reason}", err=True)
    return EXIT_SOME_FAILED if summary.failed else EXIT_OK


@cli.command("search")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@search_options
@click.option("--json", "as_json", is_flag=True, help="One JSON line per probe image.")
@click.pass_obj
def search_cmd(
    obj: CliContext,
    images: tuple[Path, ...],
    top_k: int,
    tolerance: float,
    preset: Preset,
    case_number: str | None,
    reviewer: str | None,
    as_json: bool,
) -> int:
    """Search the gallery for the faces in each probe image, recorded in an open case."""
    case_number = require_case(case_number)
    failures = 0
    with obj.open_store() as store:
        engine = engine_for_store(store)
        case = open_case(store, case_number)
        actor = resolve_reviewer(store, reviewer).name
        for image in images:
            try:
                loaded = load_image(image)
                result = search_loaded(
                    store, engine, loaded, top_k=top_k, tolerance=tolerance, preset=preset
                )
            except UnreadableImage as exc:
                failures += 1
                if as_json:
                    click.echo(json.dumps({"probe": {"path": str(image)}, "error": exc.reason}))
                else:
                    click.echo(f"{image}: {exc.reason}", err=True)
                continue
            search_ids = [
                record_search(
                    store,
                    case=case,
                    probe=result,
                    face_index=index,
                    top_k=top_k,
                    tolerance=tolerance,
                    actor=actor,
                    probe_pixels=loaded.pixels,
                )
                for index in range(len(result.faces))
            ]
            if not result.faces:
                record_probe_without_face(
                    store,
                    case=case,
                    probe_path=result.path,
                    probe_sha256=result.sha256,
                    actor=actor,
                )
            if as_json:
                payload = result.as_dict()
                for face, search_id in zip(payload["faces"], search_ids, strict=True):  # type: ignore[call-overload]
                    face["search_id"] = search_id
                click.echo(json.dumps(payload))
            else:
                _print_search(result, search_ids)
    if failures == len(images):
        return EXIT_BAD_INPUT
    return EXIT_SOME_FAILED if failures else EXIT_OK


def _print_search(result: ProbeSearch, search_ids: list[int]) -> None:
    click.echo(f"{result.path}  (sha256 {result.sha256[:16]}...)")
    if not result.faces:
        click.echo("  no face found")
    for index, (face, search_id) in enumerate(zip(result.faces, search_ids, strict=True), 1):
        click.echo(f"  face {index} at {face.face.box.as_list()}  (search {search_id})")
        for warning in face.face.quality.warnings:
            click.echo(f"    warning: {warning}")
        echo_candidates(face)
    click.echo("  Investigative lead only, not an identification.")


@cli.command("subjects")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def subjects_cmd(obj: CliContext, as_json: bool) -> int:
    """List subjects with their photo and face counts."""
    with obj.open_store() as store:
        subjects = store.subjects()
    if as_json:
        click.echo(
            json.dumps([{"name": s.name, "photos": s.photos, "faces": s.faces} for s in subjects])
        )
    else:
        for s in subjects:
            click.echo(f"{s.name}\t{s.photos} photo(s)\t{s.faces} face(s)")
    return EXIT_OK
