"""Case material (photos, folders, clips) turned into faces to cluster, never enrolled.

Photos go through the import's process pool (importer.analyse_files: decode, detect, embed);
each clip is scanned by the video pipeline (core.video.scan, no gallery search) and every track
becomes one face: its template embedding, its best shot's box and frame, and the sampled
frames it was seen in (two tracks seen in one frame are two people).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rekog_desktop.core.clusters.records import PHOTO, TRACK, NewFace
from rekog_desktop.core.common.errors import UnsupportedVideo
from rekog_desktop.core.common.filenames import displayable
from rekog_desktop.core.faces.engine import EngineSettings, FaceEngine
from rekog_desktop.core.gallery import importer
from rekog_desktop.core.video.scan import VideoSettings, scan_video

#: Files taken as clips (inside folders, and when named); every other file is tried as a photo.
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".m4v", ".webm"})


@dataclass
class MaterialWalk:
    """What the given paths hold: photos, clips, and what was not taken, with why."""

    photos: list[Path] = field(default_factory=list)
    clips: list[Path] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def files(self) -> int:
        return len(self.photos) + len(self.clips)


def is_clip(path: Path) -> bool:
    return path.suffix.lower() in VIDEO_SUFFIXES


def walk_material(paths: Iterable[str | Path]) -> MaterialWalk:
    """Expand files and folders (the importer's walk for photos, which survives link loops
    and unreadable entries; clips found beside them by suffix)."""
    walk = MaterialWalk()
    for given in (Path(p) for p in paths):
        if given.is_file() and is_clip(given):
            walk.clips.append(given)
            continue
        if given.is_dir():
            for folder, _dirs, names in sorted(os.walk(given)):
                walk.clips.extend(
                    Path(folder) / n for n in sorted(names) if is_clip(Path(n)) and n[0] != "."
                )
        found = importer.collect_items([given])
        walk.photos.extend(item.path for item in found.items)
        walk.failed.extend(found.failed)
        walk.skipped.extend((p, r) for p, r in found.skipped if not is_clip(Path(p)))
    return walk


@dataclass(frozen=True)
class MaterialProgress:
    """Yielded as files are measured: `done` of `total` files, `faces` found so far; within a
    clip, `clip_fraction` of it read (None for photos)."""

    done: int
    total: int
    path: str
    faces: int
    clip_fraction: float | None = None


@dataclass
class MaterialFaces:
    faces: list[NewFace] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Each file measured: (path, sha256, faces found), for the audit event.
    media: list[tuple[str, str, int]] = field(default_factory=list)


def faces_of_material(
    walk: MaterialWalk,
    settings: EngineSettings,
    *,
    engines: Callable[[EngineSettings], FaceEngine],
    workers: int | None = None,
    video: VideoSettings | None = None,
) -> Generator[MaterialProgress, None, MaterialFaces]:
    """Measure every photo and clip of `walk`; a file that cannot be read is reported in
    `failed` and the rest go on. Closing the generator stops the work (nothing is stored
    here at all)."""
    out = MaterialFaces(failed=list(walk.failed))
    done = 0
    total = walk.files
    for analysed in importer.analyse_files(walk.photos, settings, workers=workers):
        done += 1
        path = displayable(analysed.item.path.resolve())
        if analysed.error:
            out.failed.append((path, analysed.error))
        else:
            for face, thumb in zip(analysed.faces, analysed.thumbnails, strict=True):
                out.faces.append(
                    NewFace(
                        PHOTO,
                        path,
                        analysed.sha256,
                        None,
                        face.box,
                        face.embedding,
                        face.quality,
                        thumb,
                    )
                )
            out.media.append((path, analysed.sha256, len(analysed.faces)))
        yield MaterialProgress(done, total, path, len(out.faces))
    engine = engines(settings) if walk.clips else None
    for clip in walk.clips:
        assert engine is not None
        path = displayable(clip.resolve())
        scan = scan_video(clip, engine, settings=video)
        try:
            while True:
                step = next(scan)
                fraction = step.frames_done / step.frames_total if step.frames_total else None
                yield MaterialProgress(done, total, path, len(out.faces), fraction)
        except StopIteration as stop:
            result = stop.value
        except UnsupportedVideo as exc:
            done += 1
            out.failed.append((path, exc.reason))
            continue
        finally:
            scan.close()
        done += 1
        for item in result.tracks:
            track = item.track
            best = track.best
            out.faces.append(
                NewFace(
                    TRACK,
                    result.info.path,
                    result.info.sha256,
                    best.frame_index,
                    best.face.box,
                    track.template,
                    best.face.quality,
                    track.thumbnail_jpeg,
                    frames=tuple(p.frame_index for p in track.points),
                    start_s=round(track.start_s, 3),
                    end_s=round(track.end_s, 3),
                )
            )
        out.media.append((result.info.path, result.info.sha256, len(result.tracks)))
        yield MaterialProgress(done, total, path, len(out.faces), 1.0)
    return out
