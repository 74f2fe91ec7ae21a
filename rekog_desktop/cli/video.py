"""`rekog video`: find, track and search every face in a clip."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rekog_desktop.cli import EXIT_BAD_INPUT, EXIT_OK, cli
from rekog_desktop.cli.context import CliContext
from rekog_desktop.cli.options import require_case, search_options
from rekog_desktop.cli.output import echo_candidates
from rekog_desktop.cli.progress import progress_bar
from rekog_desktop.core.cases.cases import open_case
from rekog_desktop.core.cases.users import resolve_reviewer
from rekog_desktop.core.common.errors import UnsupportedVideo
from rekog_desktop.core.scoring.calibration import Preset
from rekog_desktop.core.scoring.search import engine_for_store
from rekog_desktop.core.video.scan import (
    VideoResult,
    VideoSettings,
    VideoTrack,
    record_video_in_case,
    scan_video,
    timecode,
)


@cli.command("video")
@click.argument("clip", type=click.Path(path_type=Path))
@click.option(
    "--every-s",
    type=click.FloatRange(min=0.01, max=60.0),
    default=VideoSettings.every_s,
    show_default=True,
    help="Seconds between sampled frames.",
)
@search_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_obj
def video_cmd(
    obj: CliContext,
    clip: Path,
    case_number: str | None,
    reviewer: str | None,
    every_s: float,
    top_k: int,
    tolerance: float,
    preset: Preset,
    as_json: bool,
) -> int:
    """Find every face in a video clip, track it, and search each track's best shots in the
    gallery; each track's search is recorded in an open case."""
    case_number = require_case(case_number)
    settings = VideoSettings(every_s=every_s, scan_every_s=max(VideoSettings.scan_every_s, every_s))
    with obj.open_store() as store:
        engine = engine_for_store(store)
        case = open_case(store, case_number)
        actor = resolve_reviewer(store, reviewer).name
        scan = scan_video(
            clip,
            engine,
            settings=settings,
            store=store,
            top_k=top_k,
            tolerance=tolerance,
            preset=preset,
        )
        try:
            with progress_bar("Scanning", enabled=not as_json) as bar:
                task = bar.add_task("Scanning", total=None, current="")
                while True:
                    try:
                        step = next(scan)
                    except StopIteration as stop:
                        result: VideoResult = stop.value
                        break
                    bar.update(
                        task,
                        total=step.frames_total or None,
                        completed=step.frames_done,
                        current=f"{step.tracks_finished + step.tracks_live} track(s)",
                    )
        except UnsupportedVideo as exc:
            if as_json:
                click.echo(json.dumps({"clip": {"path": str(clip)}, "error": exc.reason}))
            else:
                click.echo(f"{clip}: {exc.reason}", err=True)
            return EXIT_BAD_INPUT
        search_ids = record_video_in_case(
            store, case=case, result=result, top_k=top_k, tolerance=tolerance, actor=actor
        )
    if as_json:
        payload = result.as_dict()
        payload["case"] = case.number
        for track, search_id in zip(payload["tracks"], search_ids, strict=True):
            track["search_id"] = search_id
        click.echo(json.dumps(payload))
    else:
        _print_result(result, search_ids)
    return EXIT_OK


def _print_result(result: VideoResult, search_ids: list[int]) -> None:
    info = result.info
    click.echo(
        f"{info.path}  (sha256 {info.sha256[:16]}..., {info.duration_s:.1f} s, "
        f"{info.fps:g} fps, {info.width}x{info.height})"
    )
    click.echo(f"  {result.message}")
    for track, search_id in zip(result.tracks, search_ids, strict=True):
        _print_track(track, search_id)
    click.echo("  Investigative lead only, not an identification.")


def _print_track(item: VideoTrack, search_id: int) -> None:
    track, search = item.track, item.search
    best = track.best
    click.echo(
        f"  track {track.id}: {timecode(track.start_s)} to {timecode(track.end_s)}, "
        f"{track.frames} sampled frame(s)  (search {search_id})"
    )
    click.echo(
        f"    best shot at {timecode(best.time_s)} (frame {best.frame_index}), "
        f"box {best.face.box.as_list()}"
    )
    for warning in best.face.quality.warnings:
        click.echo(f"    warning: {warning}")
    if search is None:
        return
    echo_candidates(search)
