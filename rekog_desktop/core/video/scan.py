"""Faces in a video probe: sample frames, track faces, search each track's template.

API for the CLI and the GUI (all Qt-free; run `scan_video` on a worker thread):

- `scan_video(path, engine, *, settings, store, top_k, tolerance)`: a generator. Each sampled
  frame yields a `VideoProgress` (frames done / total, clip time, tracks so far, and in
  `finished` the tracks that ended since the last progress, each already searched when a store
  is given, so a strip of tracks can fill while the clip is processed). It returns a
  `VideoResult` (StopIteration.value; core.common.steps drives it). Cancel = close the generator:
  the clip is released and nothing is left running. Nothing is written to the store; the
  store is only read, and must be one opened on the thread that pulls the generator. A clip
  that cannot be read raises `UnsupportedVideo` at the first `next()`; one whose decoding
  stops early (truncated) raises it at the end, so no partial result passes for a whole one.
- `VideoTrack`: `track` (a `tracking.FaceTrack`: `start_s` / `end_s`, `frames`, `points` with
  the box at every sampled frame, `shots` best first, `template`, `thumbnail_jpeg` of the best
  shot, `best.frame_index` / `best.time_s` / `best.face.box`) and `search` (a
  `search.FaceSearch` with the ranked candidates, or None without a store). `as_dict()` is one
  track of `rekog video --json`.
- `record_video_in_case(store, case, result, ...)`: records every track's search in an open
  case (kind "video", the track's time range and best frame as context) and a `video_scan`
  audit event with the clip's hash, even when no face was found. Returns the search ids.
- For a preview, `video.read_frame(path, track.best.frame_index)` and draw `best.face.box`.

Speed comes from three things: frames are sampled (`every_s`, default 4 per second) and only
sampled frames are converted; the whole frame is scanned for new faces only every
`scan_every_s` (default 1 s), in between only the neighbourhood of each live track; embeddings
are computed for a few best shots per track, not for every detection. Memory is bounded: one
frame at a time plus a few face crops per live track.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import VideoScanned
from rekog_desktop.core.cases.cases import Case
from rekog_desktop.core.cases.searches import record_face_search
from rekog_desktop.core.common.types import FaceBox, RGBImage
from rekog_desktop.core.faces.engine import FaceEngine
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.calibration import DEFAULT_PRESET, Preset
from rekog_desktop.core.scoring.search import (
    DEFAULT_TOLERANCE,
    DEFAULT_TOP_K,
    FaceSearch,
    SearchSettings,
    check_engine,
    search_face,
    search_faces,
)
from rekog_desktop.core.video.reader import VideoInfo, VideoReader
from rekog_desktop.core.video.tracking import FaceTrack, Tracker, TrackerSettings, iou

#: Grey-level histogram change (0..1) and mean pixel change (0..255) between two samples that
#: both must be exceeded to call a scene cut: camera motion moves pixels, a cut moves both.
CUT_HISTOGRAM_CHANGE = 0.25
CUT_PIXEL_CHANGE = 15.0
#: Around a live track, search a region this many face widths beyond the box on each side.
NEIGHBOURHOOD_BOX_WIDTHS = 1.0


@dataclass(frozen=True)
class VideoSettings:
    """How a clip is scanned.

    `every_s`: seconds between sampled frames (tracking resolution). `scan_every_s`: seconds
    between full-frame searches for new faces, the expensive step (in between, only the
    neighbourhood of each live track is searched, so a face is found at most this late).
    `detect_max_side`: frames are shrunk to this longest side for full-frame detection (faces
    below about 40 px at that scale are missed). `neighbourhood_face_px`: around a live track,
    the region is scaled so its face is about this wide. `min_face_px`: smaller boxes (in
    original pixels) are ignored: about 15 px between the eyes, too small to compare or to be
    sure it is a face at all. The engine's own `EngineSettings.detect_max_side` still applies
    on top of `detect_max_side` (raise both to find faces under ~75 px in 1080p video).
    """

    every_s: float = 0.25
    scan_every_s: float = 1.0
    detect_max_side: int = 1024
    neighbourhood_face_px: int = 64
    min_face_px: int = 40
    max_gap_s: float = 1.0
    best_shots: int = 3
    shots_kept: int = 3

    def tracker(self) -> TrackerSettings:
        return TrackerSettings(
            every_s=self.every_s,
            max_gap_s=max(self.max_gap_s, self.every_s * 1.5),
            best_shots=self.best_shots,
            shots_kept=max(self.shots_kept, self.best_shots),
        )


@dataclass(frozen=True)
class VideoTrack:
    """A face track and, when a gallery was given, its candidates."""

    track: FaceTrack
    search: FaceSearch | None

    def context(self) -> dict[str, Any]:
        """Where in the clip this track is: stored with its search in a case."""
        best = self.track.best
        return {
            "track_id": self.track.id,
            "start_s": round(self.track.start_s, 3),
            "end_s": round(self.track.end_s, 3),
            "frames": self.track.frames,
            "best_frame": best.frame_index,
            "best_frame_s": round(best.time_s, 3),
            "timecode": timecode(best.time_s),
        }

    def as_dict(self) -> dict[str, Any]:
        best = self.track.best
        where = self.context()
        del where["track_id"]
        return {
            "id": self.track.id,
            **where,
            "box": best.face.box.as_list(),
            "quality": best.face.quality.as_dict(),
            "shots": [
                {"frame": s.frame_index, "time_s": round(s.time_s, 3), "box": s.face.box.as_list()}
                for s in self.track.shots
            ],
            "within_tolerance": self.search.within_tolerance if self.search else 0,
            **(self._estimates() if self.search else {}),
            "candidates": [c.as_dict() for c in self.search.candidates] if self.search else [],
        }

    def _estimates(self) -> dict[str, Any]:
        """The preset and calibrated numbers of the track's search, as an image face has them."""
        assert self.search is not None
        face = self.search.as_dict()
        keys = (
            "preset",
            "strict_threshold",
            "never_enrolled_match_chance",
            "gallery_subjects",
            "fmr_floor",
        )
        return {k: face[k] for k in (*keys, "estimates_unreliable")}


@dataclass(frozen=True)
class VideoProgress:
    """Yielded after each sampled frame. `frames_total` is 0 when the clip does not say."""

    frames_done: int
    frames_total: int
    time_s: float
    duration_s: float
    tracks_finished: int
    tracks_live: int
    finished: tuple[VideoTrack, ...] = ()


@dataclass(frozen=True)
class VideoResult:
    info: VideoInfo
    tracks: tuple[VideoTrack, ...]
    frames_decoded: int
    frames_sampled: int
    embeddings_computed: int
    settings: VideoSettings = field(repr=False)

    @property
    def message(self) -> str:
        if self.tracks:
            return f"{len(self.tracks)} face track(s) in {self.frames_sampled} sampled frames"
        return (
            f"no face found in {self.frames_sampled} sampled frames "
            f"(one every {self.settings.every_s:g} s)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "clip": self.info.as_dict(),
            "sampled_frames": self.frames_sampled,
            "every_s": self.settings.every_s,
            "message": self.message,
            "tracks": [t.as_dict() for t in self.tracks],
        }


def timecode(seconds: float) -> str:
    """HH:MM:SS.mmm, the form a video player shows."""
    millis = round(max(0.0, seconds) * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest / 1000:06.3f}"


# -- detection --------------------------------------------------------------------------------


def _detect_frame(engine: FaceEngine, pixels: RGBImage, max_side: int) -> list[FaceBox]:
    """Faces anywhere in the frame, found on a copy shrunk to `max_side`."""
    height, width = pixels.shape[:2]
    longest = max(height, width)
    if max_side <= 0 or longest <= max_side:
        return engine.detect(pixels)
    factor = max_side / longest
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    small: RGBImage = np.asarray(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA), np.uint8)
    boxes = [b.scaled(1.0 / factor).clipped(width, height) for b in engine.detect(small)]
    return [b for b in boxes if b.width > 1 and b.height > 1]


def _detect_near(
    engine: FaceEngine, pixels: RGBImage, around: list[FaceBox], face_px: int
) -> list[FaceBox]:
    """Faces in the neighbourhood of each given box, each region scaled so its face is about
    `face_px` wide (never enlarged); overlapping finds are merged."""
    height, width = pixels.shape[:2]
    found: list[FaceBox] = []
    for box in around:
        side = max(box.width, box.height, 1)
        pad = round(side * NEIGHBOURHOOD_BOX_WIDTHS)
        left, top = max(0, box.left - pad), max(0, box.top - pad)
        right, bottom = min(width, box.right + pad), min(height, box.bottom + pad)
        if right - left < 8 or bottom - top < 8:
            continue
        region: RGBImage = pixels[top:bottom, left:right]
        factor = min(1.0, face_px / side)
        if factor < 1.0:
            size = (max(1, round((right - left) * factor)), max(1, round((bottom - top) * factor)))
            region = np.asarray(cv2.resize(region, size, interpolation=cv2.INTER_AREA), np.uint8)
        for hit in engine.detect(np.ascontiguousarray(region)):
            full = hit.scaled(1.0 / factor)
            moved = FaceBox(
                top=full.top + top,
                right=full.right + left,
                bottom=full.bottom + top,
                left=full.left + left,
            ).clipped(width, height)
            if moved.width > 1 and moved.height > 1 and all(iou(moved, f) < 0.5 for f in found):
                found.append(moved)
    return found


class _CutDetector:
    """Notices scene cuts from a tiny grey thumbnail and histogram of each sampled frame."""

    def __init__(self) -> None:
        self._previous: tuple[np.ndarray, np.ndarray] | None = None

    def is_cut(self, pixels: RGBImage) -> bool:
        grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY)
        thumb = cv2.resize(grey, (32, 18), interpolation=cv2.INTER_AREA).astype(np.float32)
        hist = np.asarray(cv2.calcHist([grey], [0], None, [32], [0, 256]), np.float64).ravel()
        hist /= max(float(hist.sum()), 1.0)
        previous, self._previous = self._previous, (thumb, hist)
        if previous is None:
            return False
        pixel_change = float(np.abs(thumb - previous[0]).mean())
        histogram_change = float(np.abs(hist - previous[1]).sum()) / 2.0
        return histogram_change >= CUT_HISTOGRAM_CHANGE and pixel_change >= CUT_PIXEL_CHANGE


# -- the pipeline -----------------------------------------------------------------------------


def scan_video(
    path: str | Path,
    engine: FaceEngine,
    *,
    settings: VideoSettings | None = None,
    store: GalleryStore | None = None,
    top_k: int = DEFAULT_TOP_K,
    tolerance: float = DEFAULT_TOLERANCE,
    preset: Preset = DEFAULT_PRESET,
) -> Generator[VideoProgress, None, VideoResult]:
    """Find, track and (with a store) search every face in a clip; see the module docstring."""
    settings = settings or VideoSettings()
    if store is not None:
        check_engine(store, engine)  # a clip's faces must be comparable with the gallery's
    if settings.every_s <= 0 or settings.scan_every_s < 0:
        raise ValueError("every_s must be positive and scan_every_s not negative")
    with VideoReader(path) as reader:
        info = reader.info()
        tracker = Tracker(engine, settings.tracker())
        cuts = _CutDetector()
        done: list[VideoTrack] = []

        def progress(time_s: float, finished: list[FaceTrack]) -> VideoProgress:
            tracks = tuple(
                VideoTrack(
                    track=t,
                    search=search_face(
                        store, t.template_face(), top_k=top_k, tolerance=tolerance, preset=preset
                    )
                    if store is not None
                    else None,
                )
                for t in finished
            )
            done.extend(tracks)
            return VideoProgress(
                frames_done=reader.frames_read,
                frames_total=max(reader.frame_count, reader.frames_read),
                time_s=time_s,
                duration_s=info.duration_s,
                tracks_finished=len(done),
                tracks_live=len(tracker.live_boxes),
                finished=tracks,
            )

        sampled = 0
        time_s = 0.0
        last_scan_s = -math.inf
        for frame in reader.sample(settings.every_s):
            sampled += 1
            time_s = frame.time_s
            cut = cuts.is_cut(frame.pixels)
            ended = tracker.cut() if cut else []
            live = tracker.live_boxes
            if cut or time_s - last_scan_s + 1e-3 >= settings.scan_every_s:
                boxes = _detect_frame(engine, frame.pixels, settings.detect_max_side)
                last_scan_s = time_s
            elif live:
                boxes = _detect_near(engine, frame.pixels, live, settings.neighbourhood_face_px)
            else:
                boxes = []
            boxes = [b for b in boxes if min(b.width, b.height) >= settings.min_face_px]
            ended += tracker.update(frame.pixels, frame.index, time_s, boxes)
            yield progress(time_s, ended)
        last = tracker.finish()
        if last:
            yield progress(time_s, last)
        return VideoResult(
            info=info,
            tracks=tuple(sorted(done, key=lambda t: (t.track.start_s, t.track.id))),
            frames_decoded=reader.frames_read,
            frames_sampled=sampled,
            embeddings_computed=tracker.embeddings_computed,
            settings=settings,
        )


def rerank_video(store: GalleryStore, result: VideoResult, settings: SearchSettings) -> VideoResult:
    """The same tracks searched again with other settings (or a changed gallery): no frame is
    decoded and no face measured again, only the ranking is redone."""
    searches = search_faces(store, (t.track.template_face() for t in result.tracks), settings)
    tracks = tuple(
        replace(item, search=search) for item, search in zip(result.tracks, searches, strict=True)
    )
    return replace(result, tracks=tracks)


def record_video_in_case(
    store: GalleryStore,
    *,
    case: Case,
    result: VideoResult,
    top_k: int,
    tolerance: float,
    actor: str,
    reranked: bool = False,
) -> list[int]:
    """Record each searched track in `case` (one search each, kind "video", with the track's
    time range and best frame as context) and one `video_scan` audit event for the clip, which
    also stands when no face was found (`reranked`: the tracks of a scan already recorded were
    ranked again with other settings). Returns the search ids in track order."""
    info = result.info
    search_ids: list[int] = []
    for item in result.tracks:
        if item.search is None:
            continue
        track = item.track
        search_ids.append(
            record_face_search(
                store,
                case=case,
                kind="video",
                probe_path=info.path,
                probe_sha256=info.sha256,
                face_index=track.id,
                face_search=item.search,
                top_k=top_k,
                tolerance=tolerance,
                actor=actor,
                probe_thumbnail=track.thumbnail_jpeg,
                context=item.context(),
            )
        )
    trail.append_event(
        store,
        VideoScanned(
            probe_path=info.path,
            probe_sha256=info.sha256,
            duration_s=round(info.duration_s, 3),
            every_s=result.settings.every_s,
            sampled_frames=result.frames_sampled,
            tracks=len(result.tracks),
            search_ids=search_ids,
            message=result.message,
            reranked=reranked,
        ),
        actor=actor,
        case_number=case.number,
    )
    return search_ids
