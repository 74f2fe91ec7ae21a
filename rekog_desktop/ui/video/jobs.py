"""Video probe jobs: core's `scan_video` composed into a generator for the worker pool.

Like ui/jobs.py, each job opens its own GalleryStore (SQLite connections belong to one thread)
and builds QImages here (safe off the GUI thread). Cancel = close the generator: core closes
the clip and nothing is recorded. The tracks' searches are recorded in the case once the clip
has been read to its end (as `rekog video` does), so a truncated clip never passes for a whole
one in the case notes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QImage

from rekog_desktop.core.cases.cases import open_case
from rekog_desktop.core.faces.engine import (
    EngineSettings,
    FaceEngine,
    create_engine,
    settings_for_engine,
)
from rekog_desktop.core.faces.images import sha256_file
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import SearchSettings
from rekog_desktop.core.video.reader import read_frame
from rekog_desktop.core.video.scan import (
    VideoResult,
    VideoTrack,
    record_video_in_case,
    rerank_video,
    scan_video,
)
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
    """A scanned clip; `recorded` maps track id to its search written into the case."""

    result: VideoResult
    rows: tuple[TrackRow, ...]
    recorded: dict[int, SearchRecorded] = field(default_factory=dict)


def scan_clip(
    store_path: str | Path,
    path: str | Path,
    *,
    settings: SearchSettings,
    case_number: str | None = None,
    actor: str = "",
    engine: Callable[[EngineSettings], FaceEngine] | None = None,
) -> Generator[VideoStep, None, VideoOutcome]:
    """Scan a clip, yielding finished tracks as they come; with a case, record every track's
    search (and the clip's `video_scan` event) when the clip has been read to its end.
    Raises UnsupportedVideo for a clip that cannot be read, CaseError for a closed case."""
    with GalleryStore(store_path) as store:
        if case_number is not None:
            open_case(store, case_number)  # refuse before any work
        engine_settings = settings_for_engine(store.engine_name(), EngineSettings())
        scan = scan_video(
            path,
            engine(engine_settings) if engine is not None else create_engine(engine_settings),
            store=store,
            top_k=settings.top_k,
            tolerance=settings.tolerance,
            preset=settings.preset,
        )
        rows: list[TrackRow] = []
        try:
            while True:
                try:
                    progress = next(scan)
                except StopIteration as stop:
                    result: VideoResult = stop.value
                    break
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
        # Tracks still live at the end come only with the result.
        seen = {row.track_id for row in rows}
        late = tuple(_row(store, item) for item in result.tracks if item.track.id not in seen)
        if late:
            rows.extend(late)
            yield VideoStep(
                result.frames_sampled, result.frames_sampled, 0.0, result.info.duration_s, late
            )
        recorded = _record(store, result, settings, case_number, actor)
        return VideoOutcome(result, tuple(rows), recorded)


def rerank_clip(
    store_path: str | Path,
    previous: VideoOutcome,
    *,
    settings: SearchSettings,
    case_number: str | None = None,
    actor: str = "",
) -> VideoOutcome:
    """Rank a scanned clip's tracks again (new top-K, tolerance or preset); with a case, every
    track's new search is recorded, as a new picture search would be."""
    with GalleryStore(store_path) as store:
        if case_number is not None:
            open_case(store, case_number)
        result = rerank_video(store, previous.result, settings)
        rows = tuple(_row(store, item) for item in result.tracks)
        recorded = _record(store, result, settings, case_number, actor, reranked=True)
        return VideoOutcome(result, rows, recorded)


def _record(
    store: GalleryStore,
    result: VideoResult,
    settings: SearchSettings,
    case_number: str | None,
    actor: str,
    *,
    reranked: bool = False,
) -> dict[int, SearchRecorded]:
    """Record every track's search in the case; by track id, what the list needs of them."""
    recorded: dict[int, SearchRecorded] = {}
    if case_number is None:
        return recorded
    case = open_case(store, case_number)
    ids = record_video_in_case(
        store,
        case=case,
        result=result,
        top_k=settings.top_k,
        tolerance=settings.tolerance,
        actor=actor,
        reranked=reranked,
    )
    searched = [t for t in result.tracks if t.search is not None]
    for item, search_id in zip(searched, ids, strict=True):
        recorded[item.track.id] = SearchRecorded.read(store, item.track.id, search_id)
    return recorded


def _row(store: GalleryStore, item: VideoTrack) -> TrackRow:
    searches = (item.search,) if item.search is not None else ()
    return TrackRow(item, jpeg_to_qimage(item.track.thumbnail_jpeg), _details(store, searches))


def load_frame(path: str | Path, frame_index: int, sha256: str = "") -> DisplayImage:
    """One upright frame of the clip for the preview and the review's probe side."""
    pixels = read_frame(path, frame_index)
    return display_from_pixels(str(path), sha256 or sha256_file(path), pixels)
