"""Video probe jobs: thin adapters running core.workflow's clip scan on the worker pool.

Like ui/search/jobs.py, each job opens its own GalleryStore (SQLite connections belong to one
thread) and builds QImages here (safe off the GUI thread). Cancel = close the generator: the
workflow closes the clip and records nothing; the tracks' searches are recorded once the clip
has been read to its end, as for `rekog video`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QImage

from rekog_desktop.core import workflow
from rekog_desktop.core.cases.users import Officer
from rekog_desktop.core.common.steps import Steps
from rekog_desktop.core.faces.images import sha256_file
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.core.video.reader import read_frame
from rekog_desktop.core.video.scan import VideoResult, VideoTrack
from rekog_desktop.ui.cases.jobs import SearchRecorded
from rekog_desktop.ui.common.qt_images import DisplayImage, display_from_pixels, jpeg_to_qimage
from rekog_desktop.ui.review.marks import CandidateDetail
from rekog_desktop.ui.search.jobs import _details

#: File name endings taken as video probes (anything else goes to the picture search).
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".m4v", ".webm"})


def is_video(path: str | Path) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


@dataclass(frozen=True)
class TrackRow:
    """One finished track as the strip shows it, with what its candidate list needs."""

    item: VideoTrack
    thumbnail: QImage
    details: dict[int, CandidateDetail]

    @property
    def track_id(self) -> int:
        return self.item.track.id


@dataclass(frozen=True)
class VideoStep:
    """Progress of a scan: frames done of total, and the tracks that finished since the last."""

    frames_done: int
    frames_total: int
    time_s: float
    duration_s: float
    tracks: tuple[TrackRow, ...]


@dataclass(frozen=True)
class VideoOutcome:
    """A scanned clip as the strip shows it: the workflow's record of it (`search`), the rows,
    and what the list needs of each track's recorded search (by track id)."""

    search: workflow.ClipSearch
    rows: tuple[TrackRow, ...]
    recorded: dict[int, SearchRecorded] = field(default_factory=dict)

    @property
    def result(self) -> VideoResult:
        return self.search.result


def scan_clip(
    store_path: str | Path,
    path: str | Path,
    *,
    settings: SearchSettings,
    case_number: str,
    by: Officer,
    engines: workflow.EngineFactory,
) -> Generator[VideoStep, None, VideoOutcome]:
    """The workflow's clip scan, yielding finished tracks as rows as they come; the workflow
    records every track's search once the clip has been read to its end. Cancel (close) and
    nothing is recorded. Raises UnsupportedVideo, CaseError."""
    with GalleryStore(store_path) as store:
        scan = workflow.scan_clip(
            store, by, path, case_number=case_number, settings=settings, engines=engines
        )
        rows: list[TrackRow] = []
        run = Steps(scan)
        try:
            for progress in run:
                new = tuple(_row(store, item) for item in progress.finished)
                rows.extend(new)
                yield VideoStep(
                    progress.frames_done,
                    progress.frames_total,
                    progress.time_s,
                    progress.duration_s,
                    new,
                )
        finally:
            scan.close()
        clip = run.result
        result = clip.result
        # Tracks still live at the end come only with the result.
        seen = {row.track_id for row in rows}
        late = tuple(_row(store, item) for item in result.tracks if item.track.id not in seen)
        if late:
            rows.extend(late)
            yield VideoStep(
                result.frames_sampled, result.frames_sampled, 0.0, result.info.duration_s, late
            )
        return VideoOutcome(clip, tuple(rows), _recorded(store, clip))


def rank_clip_again(
    store_path: str | Path, previous: VideoOutcome, *, settings: SearchSettings, by: Officer
) -> VideoOutcome:
    """Rank a scanned clip's tracks again; the workflow records every track's new search."""
    with GalleryStore(store_path) as store:
        clip = workflow.rank_clip_again(store, by, previous.search, settings)
        rows = tuple(_row(store, item) for item in clip.result.tracks)
        return VideoOutcome(clip, rows, _recorded(store, clip))


def _recorded(store: GalleryStore, clip: workflow.ClipSearch) -> dict[int, SearchRecorded]:
    return {
        track_id: SearchRecorded.read(store, track_id, search_id)
        for track_id, search_id in clip.recorded.items()
    }


def _row(store: GalleryStore, item: VideoTrack) -> TrackRow:
    searches = (item.search,) if item.search is not None else ()
    return TrackRow(item, jpeg_to_qimage(item.track.thumbnail_jpeg), _details(store, searches))


def load_frame(path: str | Path, frame_index: int, sha256: str = "") -> DisplayImage:
    """One upright frame of the clip for the preview and the review's probe side."""
    pixels = read_frame(path, frame_index)
    return display_from_pixels(str(path), sha256 or sha256_file(path), pixels)
