"""Link face detections across sampled video frames into tracks; pick each track's best shots.

A track is one person's continuous appearance. Detections are linked by geometry first (the same
face moves little between samples a fraction of a second apart); only when geometry is ambiguous
(two faces near one track, or one face near two tracks) are embeddings computed and compared.
That keeps the expensive step (a 128-d embedding, ~0.15 s per face on a CPU without BLAS) to a
handful per track instead of one per detection.

Memory is bounded: a live track keeps at most `shots_kept` small face crops (the sharpest, largest
so far); when the track ends, those crops are analysed (landmarks, embedding, full quality), the
best shots chosen, a template embedding built and the crops dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from rekog_desktop.core.common.types import Embedding, Face, FaceBox, Point, Quality, RGBImage
from rekog_desktop.core.faces import quality
from rekog_desktop.core.faces.engine import FaceEngine
from rekog_desktop.core.faces.images import face_thumbnail_jpeg

#: Eye distance (px) at which a face counts as full size for ranking shots (ISO/IEC 19794-5).
FULL_SIZE_EYE_DISTANCE_PX = 60.0
#: Sharpness at which a face counts as fully sharp for ranking shots (twice the warning floor).
FULL_SHARPNESS = 2.0 * quality.MIN_SHARPNESS
#: Head turn at which a shot's pose factor falls to zero.
ZERO_POSE_YAW_DEG = 90.0
#: dlib HOG boxes are about 2.5 eye distances wide; estimates size before landmarks exist.
EYE_DISTANCE_PER_BOX_WIDTH = 0.4
#: Margin kept around a face crop, as a fraction of the box, on each side: enough for dlib's
#: aligned 150-px chip (25% padding around the landmarks) to come out as from the full frame.
CROP_MARGIN = 0.6


@dataclass(frozen=True)
class TrackerSettings:
    """How detections are linked.

    `every_s`: the sampling interval (a track may move further when samples were missed).
    `max_gap_s`: a track not seen for longer than this ends. `link_distance`: embedding distance
    above which two faces are never linked (dlib's 0.6 same-person operating point).
    `gate_box_widths`: how far (in box widths) a face may move between consecutive samples.
    """

    every_s: float = 0.25
    max_gap_s: float = 1.0
    link_distance: float = 0.6
    gate_box_widths: float = 1.0
    shots_kept: int = 4
    best_shots: int = 3


@dataclass(frozen=True)
class TrackPoint:
    """Where a track's face was in one sampled frame (box in upright frame pixels)."""

    frame_index: int
    time_s: float
    box: FaceBox


@dataclass(frozen=True)
class TrackShot:
    """One analysed face of a track; `face` box and landmarks are in frame pixels."""

    frame_index: int
    time_s: float
    face: Face
    score: float


@dataclass(frozen=True)
class FaceTrack:
    """One person's continuous appearance in a clip.

    `shots` are the best shots, best first, all within `link_distance` of the first; `template`
    is their mean embedding rescaled to their mean length; `thumbnail_jpeg` shows the best shot.
    `points` has the face box at every sampled frame where the face was found.
    """

    id: int
    points: tuple[TrackPoint, ...]
    shots: tuple[TrackShot, ...]
    template: Embedding = field(repr=False, compare=False)
    thumbnail_jpeg: bytes = field(repr=False, compare=False)

    @property
    def start_s(self) -> float:
        return self.points[0].time_s

    @property
    def end_s(self) -> float:
        return self.points[-1].time_s

    @property
    def frames(self) -> int:
        """Sampled frames in which this face was found."""
        return len(self.points)

    @property
    def best(self) -> TrackShot:
        return self.shots[0]

    def template_face(self) -> Face:
        """The best shot with the template as its embedding: what is searched in the gallery."""
        best = self.best.face
        return Face(
            box=best.box, landmarks=best.landmarks, embedding=self.template, quality=best.quality
        )


def shot_score(
    eye_distance_px: float, sharpness: float, yaw_deg: float, brightness: float
) -> float:
    """0..1, higher is a better shot to search with: size x sharpness x pose x exposure."""
    size = min(1.0, eye_distance_px / FULL_SIZE_EYE_DISTANCE_PX)
    sharp = min(1.0, sharpness / FULL_SHARPNESS)
    pose = max(0.0, 1.0 - abs(yaw_deg) / ZERO_POSE_YAW_DEG)
    exposed = quality.MIN_BRIGHTNESS <= brightness <= quality.MAX_BRIGHTNESS
    return size * sharp * pose * (1.0 if exposed else 0.5)


def quality_score(q: Quality) -> float:
    return shot_score(q.eye_distance_px, q.sharpness, q.yaw_deg, q.brightness)


def template_embedding(embeddings: list[Embedding]) -> Embedding:
    """Mean of embeddings, rescaled to their mean length.

    dlib's distances are calibrated on raw descriptors (length close to 1, not exactly 1);
    averaging shortens the vector, so it is scaled back to the typical length to keep the 0.6
    threshold's meaning, rather than forced to unit length.
    """
    stack = np.stack([np.asarray(e, dtype=np.float64) for e in embeddings])
    mean: npt.NDArray[np.float64] = stack.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    target = float(np.linalg.norm(stack, axis=1).mean())
    if norm > 0:
        mean *= target / norm
    result: Embedding = mean.astype(np.float32)
    return result


def iou(a: FaceBox, b: FaceBox) -> float:
    inter = FaceBox(
        top=max(a.top, b.top),
        right=min(a.right, b.right),
        bottom=min(a.bottom, b.bottom),
        left=max(a.left, b.left),
    )
    if inter.width <= 0 or inter.height <= 0:
        return 0.0
    union = a.area + b.area - inter.area
    return inter.area / union if union > 0 else 0.0


def _distance(a: Embedding, b: Embedding) -> float:
    return float(np.linalg.norm(np.asarray(a, np.float64) - np.asarray(b, np.float64)))


def _shift_face(face: Face, dx: int, dy: int) -> Face:
    """The same face with box and landmarks moved by (dx, dy) pixels."""
    box = face.box
    moved = FaceBox(
        top=box.top + dy, right=box.right + dx, bottom=box.bottom + dy, left=box.left + dx
    )
    landmarks: dict[str, list[Point]] = {
        name: [(x + dx, y + dy) for x, y in points] for name, points in face.landmarks.items()
    }
    return Face(box=moved, landmarks=landmarks, embedding=face.embedding, quality=face.quality)


@dataclass
class _Shot:
    """A kept crop of one detection; analysed (face set) on demand or when the track ends."""

    frame_index: int
    time_s: float
    box: FaceBox
    pre_score: float
    crop: RGBImage
    origin: tuple[int, int]
    face: Face | None = None

    @property
    def box_in_crop(self) -> FaceBox:
        x, y = self.origin
        b = self.box
        return FaceBox(top=b.top - y, right=b.right - x, bottom=b.bottom - y, left=b.left - x)


@dataclass
class _LiveTrack:
    id: int
    points: list[TrackPoint] = field(default_factory=list)
    shots: list[_Shot] = field(default_factory=list)

    @property
    def last(self) -> TrackPoint:
        return self.points[-1]

    def reference_shot(self) -> _Shot:
        """The best analysed shot, or failing that the best kept crop (to be analysed)."""
        analysed = [s for s in self.shots if s.face is not None]
        return max(analysed or self.shots, key=lambda s: s.pre_score)


def _crop(pixels: RGBImage, box: FaceBox) -> tuple[RGBImage, tuple[int, int]]:
    """A copy of the face with CROP_MARGIN around it, and the crop's top-left in the frame."""
    height, width = pixels.shape[:2]
    pad_x, pad_y = int(box.width * CROP_MARGIN), int(box.height * CROP_MARGIN)
    left, top = max(0, box.left - pad_x), max(0, box.top - pad_y)
    right, bottom = min(width, box.right + pad_x), min(height, box.bottom + pad_y)
    return np.ascontiguousarray(pixels[top:bottom, left:right]).copy(), (left, top)


class Tracker:
    """Feed it each sampled frame's face boxes in time order; it returns the tracks that ended.

    Call `cut()` at a scene cut (no track continues across it) and `finish()` at the end.
    """

    def __init__(self, engine: FaceEngine, settings: TrackerSettings | None = None) -> None:
        self.engine = engine
        self.settings = settings or TrackerSettings()
        self._live: list[_LiveTrack] = []
        self._next_id = 1
        self.embeddings_computed = 0

    @property
    def live_boxes(self) -> list[FaceBox]:
        """The last box of every live track: where to look for its face in the next sample."""
        return [t.last.box for t in self._live]

    def update(
        self, pixels: RGBImage, frame_index: int, time_s: float, boxes: list[FaceBox]
    ) -> list[FaceTrack]:
        """Link this frame's boxes into tracks; returns tracks that ended before this frame."""
        ended = self._expire(time_s)
        pairs = {
            (ti, di)
            for ti, track in enumerate(self._live)
            for di, box in enumerate(boxes)
            if self._near(track.last, box, time_s)
        }
        assigned: dict[int, int] = {}  # detection index -> live track index
        ambiguous: set[tuple[int, int]] = set()
        for ti, di in pairs:
            track_options = sum(1 for t, _ in pairs if t == ti)
            box_options = sum(1 for _, d in pairs if d == di)
            if track_options == 1 and box_options == 1:
                assigned[di] = ti
            else:
                ambiguous.add((ti, di))
        faces: dict[int, Face] = {}
        if ambiguous:
            assigned.update(self._resolve(pixels, boxes, ambiguous, faces))
        for di, box in enumerate(boxes):
            if di in assigned:
                track = self._live[assigned[di]]
            else:
                track = _LiveTrack(id=self._next_id)
                self._next_id += 1
                self._live.append(track)
            self._add(track, pixels, frame_index, time_s, box, faces.get(di))
        return ended

    def _face_of(self, shot: _Shot) -> Face:
        """The shot's analysed face (landmarks, embedding, quality), computed once."""
        if shot.face is None:
            (found,) = self.engine.analyse(shot.crop, [shot.box_in_crop])
            shot.face = _shift_face(found, *shot.origin)
            self.embeddings_computed += 1
        return shot.face

    def cut(self) -> list[FaceTrack]:
        """End every live track (a scene cut: positions before and after are unrelated)."""
        ended = [self._close(t) for t in self._live]
        self._live = []
        return ended

    def finish(self) -> list[FaceTrack]:
        return self.cut()

    # -- linking ----------------------------------------------------------------------------

    def _expire(self, time_s: float) -> list[FaceTrack]:
        keep, ended = [], []
        for track in self._live:
            if time_s - track.last.time_s > self.settings.max_gap_s:
                ended.append(self._close(track))
            else:
                keep.append(track)
        self._live = keep
        return ended

    def _near(self, last: TrackPoint, box: FaceBox, time_s: float) -> bool:
        """Could `box` be the face last seen at `last`? Similar size, moved a plausible amount
        (the allowance grows with the number of samples since it was seen)."""
        prev = last.box
        if iou(prev, box) >= 0.3:
            return True
        size = max(prev.width, prev.height, 1)
        ratio = max(box.width, box.height, 1) / size
        if not 0.6 <= ratio <= 1.0 / 0.6:
            return False
        steps = max(1.0, (time_s - last.time_s) / max(self.settings.every_s, 1e-6))
        allowed = self.settings.gate_box_widths * size * (1.0 + 0.5 * (steps - 1.0))
        dx = (prev.left + prev.right - box.left - box.right) / 2
        dy = (prev.top + prev.bottom - box.top - box.bottom) / 2
        return float(np.hypot(dx, dy)) <= allowed

    def _resolve(
        self,
        pixels: RGBImage,
        boxes: list[FaceBox],
        pairs: set[tuple[int, int]],
        faces: dict[int, Face],
    ) -> dict[int, int]:
        """Assign ambiguous detections to tracks by embedding distance, closest pair first."""
        wanted = sorted({di for _, di in pairs})
        analysed = self.engine.analyse(pixels, [boxes[di] for di in wanted])
        self.embeddings_computed += len(wanted)
        faces.update(zip(wanted, analysed, strict=True))
        references = {
            ti: self._face_of(self._live[ti].reference_shot()).embedding for ti, _ in pairs
        }
        scored = sorted(
            (_distance(references[ti], faces[di].embedding), ti, di) for ti, di in pairs
        )
        result: dict[int, int] = {}
        used: set[int] = set()
        for distance, ti, di in scored:
            if distance > self.settings.link_distance or ti in used or di in result:
                continue
            result[di] = ti
            used.add(ti)
        return result

    # -- shots ------------------------------------------------------------------------------

    def _add(
        self,
        track: _LiveTrack,
        pixels: RGBImage,
        frame_index: int,
        time_s: float,
        box: FaceBox,
        face: Face | None,
    ) -> None:
        track.points.append(TrackPoint(frame_index=frame_index, time_s=time_s, box=box))
        if face is not None:
            score = quality_score(face.quality)
        else:
            rough = quality.assess(pixels, box, {})
            eyes = EYE_DISTANCE_PER_BOX_WIDTH * box.width
            score = shot_score(eyes, rough.sharpness, 0.0, rough.brightness)
        shots = track.shots
        if len(shots) >= self.settings.shots_kept:
            worst = min(range(len(shots)), key=lambda i: shots[i].pre_score)
            if shots[worst].pre_score >= score:
                return
            shots.pop(worst)
        crop, origin = _crop(pixels, box)
        shots.append(_Shot(frame_index, time_s, box, score, crop, origin, face))

    def _close(self, track: _LiveTrack) -> FaceTrack:
        """Analyse the kept crops, keep the best shots that agree with the best one."""
        analysed = [(self._face_of(s), s) for s in track.shots]
        analysed.sort(key=lambda pair: (-quality_score(pair[0].quality), pair[1].frame_index))
        best = analysed[0][0]
        chosen = [
            (face, s)
            for face, s in analysed
            if _distance(face.embedding, best.embedding) <= self.settings.link_distance
        ][: self.settings.best_shots]
        shots = tuple(
            TrackShot(s.frame_index, s.time_s, face, quality_score(face.quality))
            for face, s in chosen
        )
        top = chosen[0][1]
        return FaceTrack(
            id=track.id,
            points=tuple(track.points),
            shots=shots,
            template=template_embedding([shot.face.embedding for shot in shots]),
            thumbnail_jpeg=face_thumbnail_jpeg(top.crop, top.box_in_crop),
        )
