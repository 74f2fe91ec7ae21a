"""`rekog import`, `rekog search`, `rekog subjects`, `rekog subject delete`, `rekog photo
delete`: the gallery commands, thin over core.workflow."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rekog_desktop.cli import EXIT_BAD_INPUT, EXIT_OK, EXIT_SOME_FAILED, cli
from rekog_desktop.cli.context import CliContext, officer_options
from rekog_desktop.cli.options import require_case, search_options
from rekog_desktop.cli.output import echo_candidates, printable
from rekog_desktop.cli.progress import progress_bar
from rekog_desktop.core import workflow
from rekog_desktop.core.cases.probes import ProbeType, probe_warning
from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.core.common.steps import Steps, finish
from rekog_desktop.core.gallery.importer import ImportProgress
from rekog_desktop.core.scoring.calibration import Preset
from rekog_desktop.core.scoring.search import SearchSettings


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
@officer_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary on stdout.")
@click.pass_obj
def import_cmd(
    obj: CliContext,
    paths: tuple[Path, ...],
    subject: str | None,
    subject_from_folder: bool,
    source: str,
    workers: int | None,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Import photo files and folder trees into the gallery."""
    if bool(subject) == subject_from_folder:
        raise click.UsageError("give exactly one of --subject NAME or --subject-from-folder")
    if subject is not None and not subject.strip():
        raise click.UsageError("--subject must not be blank")
    with obj.open_store(create=True) as store:
        by = obj.officer(store, reviewer, password_stdin)
        run = workflow.import_into_gallery(
            store,
            by,
            paths,
            subject=subject,
            subject_from_folder=subject_from_folder,
            source=source,
            workers=workers,
        )
        scanned = next(run)
        assert isinstance(scanned, workflow.ImportScanned)
        if scanned.missing and not scanned.files:
            run.close()
            raise click.UsageError("; ".join(f"{p}: {r}" for p, r in scanned.missing))
        with progress_bar("Importing", enabled=not as_json) as bar:
            task = bar.add_task("Importing", total=scanned.files, current="")
            steps = Steps(run)
            for step in steps:
                if isinstance(step, ImportProgress):
                    bar.update(task, completed=step.done, current=Path(step.path).name)
            summary = steps.result
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        click.echo(
            f"Imported {summary.imported} photo(s), {summary.faces} face(s); "
            f"{summary.duplicates} already in the store."
        )
        for path in summary.no_face:
            click.echo(f"  no face: {printable(path)}")
        for path, count in summary.several_faces:
            click.echo(f"  {count} faces, none enrolled (pick one in the app): {printable(path)}")
        for entry in summary.dominant:
            click.echo(f"  {entry['text']}: {printable(str(entry['path']))}")
        for path, note in summary.notes:
            click.echo(f"  note: {printable(path)}: {note}")
        for path, reason in summary.skipped:
            click.echo(f"  not imported: {printable(path)}: {reason}")
        for path, reason in summary.failed:
            click.echo(f"  failed: {printable(path)}: {reason}", err=True)
    return EXIT_SOME_FAILED if summary.failed else EXIT_OK


@cli.command("search")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
@search_options
@click.option(
    "--face",
    type=click.IntRange(min=1),
    default=None,
    help="Search and record only this face of each probe (1 = the largest); default: every "
    "face found. The case record states the rule.",
)
@click.option(
    "--probe-type",
    type=click.Choice([t.value for t in ProbeType]),
    default=ProbeType.PHOTO.value,
    show_default=True,
    help="What the probe is; recorded with the search. The strict preset refuses sketch and "
    "lookalike; the investigative preset searches them under a warning.",
)
@officer_options
@click.option("--json", "as_json", is_flag=True, help="One JSON line per probe image.")
@click.pass_obj
def search_cmd(
    obj: CliContext,
    images: tuple[Path, ...],
    top_k: int,
    tolerance: float,
    preset: Preset,
    case_number: str | None,
    face: int | None,
    probe_type: str,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Search the gallery for the faces in each probe image, recorded in an open case."""
    case_number = require_case(case_number)
    settings = SearchSettings(top_k, tolerance, preset)
    rule = workflow.FaceRule.EVERY if face is None else workflow.FaceRule.CHOSEN
    failures = 0
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        workflow.choose_case(store, by, case_number)
        for image in images:
            try:
                result = finish(
                    workflow.search_probe(
                        store,
                        by,
                        image,
                        case_number=case_number,
                        settings=settings,
                        rule=rule,
                        face=(face or 1) - 1,
                        probe_type=ProbeType(probe_type),
                    )
                )
            except (UnreadableImage, workflow.NoSuchFace) as exc:
                failures += 1
                reason = getattr(exc, "reason", str(exc))
                if as_json:
                    click.echo(json.dumps({"probe": {"path": str(image)}, "error": reason}))
                else:
                    click.echo(f"{printable(str(image))}: {reason}", err=True)
                continue
            if as_json:
                probe = result.probe
                faces = [
                    {**face.as_dict(), "search_id": result.recorded.get(index)}
                    for index, face in enumerate(probe.faces)
                ]
                payload = {
                    "probe": {"path": probe.path, "sha256": probe.sha256},
                    "faces": faces,
                    "face_rule": rule.value,
                    "probe_type": probe_type,
                }
                click.echo(json.dumps(payload))
            else:
                _print_search(result)
    if failures == len(images):
        return EXIT_BAD_INPUT
    return EXIT_SOME_FAILED if failures else EXIT_OK


def _print_search(result: workflow.PictureSearch) -> None:
    probe = result.probe
    click.echo(f"{printable(probe.path)}  (sha256 {probe.sha256[:16]}...)")
    warning = probe_warning(result.probe_type, result.settings.preset)
    if warning:
        click.echo(f"  WARNING: {warning}")
    if not probe.faces:
        click.echo("  no face found (recorded in the case)")
    for index, face in enumerate(probe.faces):
        search_id = result.recorded.get(index)
        where = f"search {search_id}" if search_id is not None else "not recorded: not chosen"
        click.echo(f"  face {index + 1} at {face.face.box.as_list()}  ({where})")
        if search_id is None:
            continue
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
            click.echo(f"{printable(s.name)}\t{s.photos} photo(s)\t{s.faces} face(s)")
    return EXIT_OK


@cli.group("subject")
def subject_group() -> None:
    """Gallery subjects."""


@subject_group.command("delete")
@click.argument("name")
@click.option("--reason", required=True, help="Why (kept in the audit receipt).")
@officer_options
@click.pass_obj
def subject_delete(
    obj: CliContext, name: str, reason: str, reviewer: str | None, password_stdin: bool
) -> int:
    """Erase a subject: photos, faces, embeddings and thumbnails, with the bytes gone from the
    store file. Case records keep what officers were shown."""
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        removed = workflow.delete_subject_named(store, by, name, reason)
    click.echo(f"Erased {printable(name)}: {removed} photo(s)")
    return EXIT_OK


@cli.group("photo")
def photo_group() -> None:
    """Gallery photos."""


@photo_group.command("delete")
@click.argument("photo_id", type=int)
@click.option("--reason", required=True, help="Why (kept in the audit receipt).")
@officer_options
@click.pass_obj
def photo_delete(
    obj: CliContext, photo_id: int, reason: str, reviewer: str | None, password_stdin: bool
) -> int:
    """Erase one photo, its faces, embeddings and thumbnails."""
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        workflow.delete_photo(store, by, photo_id, reason)
    click.echo(f"Erased photo {photo_id}")
    return EXIT_OK
