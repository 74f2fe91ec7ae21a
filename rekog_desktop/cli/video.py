"""`rekog video`: find, track and search every face in a clip."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rekog_desktop.cli import EXIT_BAD_INPUT, EXIT_OK, cli
from rekog_desktop.cli.context import CliContext, officer_options
from rekog_desktop.cli.options import require_case, search_options
from rekog_desktop.cli.output import echo_candidates, printable
from rekog_desktop.cli.progress import progress_bar
from rekog_desktop.core import workflow
from rekog_desktop.core.common.errors import UnsupportedVideo
from rekog_desktop.core.common.steps import Steps
from rekog_desktop.core.scoring.calibration import Preset
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.core.video.scan import VideoResult, VideoSettings, VideoTrack, timecode


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
@officer_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.pass_obj
def video_cmd(
    obj: CliContext,
    clip: Path,
    case_number: str | None,
    reviewer: str | None,
    password_stdin: bool,
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
        by = obj.officer(store, reviewer, password_stdin)
        case = workflow.choose_case(store, by, case_number)
        scan = workflow.scan_clip(
            store,
            by,
            clip,
            case_number=case.number,
            settings=SearchSettings(top_k, tolerance, preset),
            video=settings,
        )
        try:
            with progress_bar("Scanning", enabled=not as_json) as bar:
                task = bar.add_task("Scanning", total=None, current="")
                steps = Steps(scan)
                for step in steps:
                    bar.update(
                        task,
                        total=step.frames_total or None,
                        completed=step.frames_done,
                        current=f"{step.tracks_finished + step.tracks_live} track(s)",
                    )
                recorded = steps.result
        except UnsupportedVideo as exc:
            if as_json:
                click.echo(json.dumps({"clip": {"path": str(clip)}, "error": exc.reason}))
            else:
                click.echo(f"{printable(str(clip))}: {exc.reason}", err=True)
            return EXIT_BAD_INPUT
    result = recorded.result
    search_ids = [recorded.recorded[t.track.id] for t in result.tracks if t.search is not None]
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
        f"{printable(info.path)}  (sha256 {info.sha256[:16]}..., {info.duration_s:.1f} s, "
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
