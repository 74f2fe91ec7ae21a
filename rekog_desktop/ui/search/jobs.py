"""The app's background jobs: thin adapters running core.workflow on the worker pool.

Each job opens its own GalleryStore (SQLite connections belong to one thread), yields what the
GUI can show early (the probe image before its faces, photos one by one) and returns the rest.
Nothing here touches a widget or decides a rule; QImage is built here because it is safe off
the GUI thread.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QImage

from rekog_desktop.core import workflow
from rekog_desktop.core.cases.probes import ProbeType
from rekog_desktop.core.cases.users import Officer
from rekog_desktop.core.common.steps import Steps
from rekog_desktop.core.faces.engine import create_engine
from rekog_desktop.core.gallery.importer import ImportProgress, ImportSummary
from rekog_desktop.core.gallery.store import GalleryStore, StoredFace, StoredPhoto
from rekog_desktop.core.scoring.search import FaceSearch, ProbeSearch, SearchSettings
from rekog_desktop.core.workflow import ImportScanned
from rekog_desktop.ui.cases.jobs import SearchRecorded
from rekog_desktop.ui.common.qt_images import (
    DisplayImage,
    display_from_pixels,
    jpeg_to_qimage,
    load_display_image,
)
from rekog_desktop.ui.review.marks import CandidateDetail

#: Longest side of a photo tile in the gallery's photo grid.
TILE_SIDE = 240


# -- gallery --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubjectRow:
    id: int
    name: str
    notes: str
    photos: int
    faces: int
    thumbnail: QImage


@dataclass(frozen=True)
class GallerySnapshot:
    """Subjects with thumbnails and the store's counts, read in one go."""

    store_path: str
    subjects: list[SubjectRow]
    counts: dict[str, int]
    unassigned_photos: int
    #: Faces enrolled as nobody (group photos, a dominant-face choice's leftovers, photos filed
    #: under no subject) and the photos holding them: the "awaiting assignment" list.
    awaiting_faces: int = 0
    awaiting_photos: int = 0


def load_gallery(store_path: str | Path) -> GallerySnapshot:
    with GalleryStore(store_path) as store:
        rows = [
            SubjectRow(
                id=s.id,
                name=s.name,
                notes=s.notes,
                photos=s.photos,
                faces=s.faces,
                thumbnail=jpeg_to_qimage(store.subject_thumbnail(s.id)),
            )
            for s in store.subjects()
        ]
        counts = store.counts()
        unassigned = counts["photos"] - sum(row.photos for row in rows)
        awaiting = store.unassigned_face_count()
        awaiting_photos = len(store.photos(awaiting_assignment=True)) if awaiting else 0
        return GallerySnapshot(str(store.path), rows, counts, unassigned, awaiting, awaiting_photos)


@dataclass(frozen=True)
class PhotoTile:
    """One gallery photo shrunk to a tile, with its faces (boxes in original pixels)."""

    photo: StoredPhoto
    faces: tuple[StoredFace, ...]
    image: QImage
    scale: float
    error: str = ""


def load_photo_tiles(
    store_path: str | Path,
    subject_id: int | None,
    *,
    side: int = TILE_SIDE,
    awaiting_assignment: bool = False,
) -> Generator[PhotoTile, None, int]:
    """Yield the photos of a subject (or the unassigned ones for None; with
    `awaiting_assignment`, every photo holding a face enrolled as nobody) one by one; the file
    is read from where it was imported, and a missing file gives a tile with the reason."""
    with GalleryStore(store_path) as store:
        if awaiting_assignment:
            photos = store.photos(awaiting_assignment=True)
        elif subject_id is None:
            photos = [p for p in store.photos() if p.subject_id is None]
        else:
            photos = store.photos(subject_id=subject_id)
        photos.sort(key=lambda p: (Path(p.path).name, p.id))
        faces = {p.id: tuple(store.faces_of_photo(p.id)) for p in photos}
    for photo in photos:
        try:
            shown = load_display_image(photo.file, max_side=side)
        except Exception as exc:
            reason = getattr(exc, "reason", str(exc))
            yield PhotoTile(photo, faces[photo.id], QImage(), 1.0, reason)
            continue
        yield PhotoTile(photo, faces[photo.id], shown.image, shown.scale)
    return len(photos)


def delete_photo(store_path: str | Path, photo_id: int, reason: str, by: Officer) -> None:
    with GalleryStore(store_path) as store:
        workflow.delete_photo(store, by, photo_id, reason)


def delete_subject(store_path: str | Path, subject_id: int, reason: str, by: Officer) -> int:
    with GalleryStore(store_path) as store:
        return workflow.delete_subject(store, by, subject_id, reason)


def assign_face(store_path: str | Path, face_id: int, subject_name: str, by: Officer) -> None:
    """Enrol one face of an unassigned photo under a subject (audited by the store)."""
    with GalleryStore(store_path) as store:
        workflow.assign_face(store, by, face_id, subject_name)


# -- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRequest:
    """What the import dialog asked for: dropped paths and how to file them."""

    paths: tuple[str, ...]
    subject: str | None
    subject_from_folder: bool
    source: str


def import_files(
    store_path: str | Path, request: ImportRequest, *, by: Officer
) -> Generator[ImportScanned | ImportProgress, None, ImportSummary]:
    """The workflow's import on this job's own store connection; closing this generator
    closes the importer (finished photos stay, audited)."""
    with GalleryStore(store_path) as store:
        return (
            yield from workflow.import_into_gallery(
                store,
                by,
                request.paths,
                subject=request.subject,
                subject_from_folder=request.subject_from_folder,
                source=request.source,
            )
        )


# -- probe search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeShown:
    """First step of a probe search: the picture, before any face is found."""

    display: DisplayImage


@dataclass
class SearchOutcome:
    """A ranked probe as the window shows it: the workflow's record of it (`search`, renewed
    as more faces are recorded), the candidates' thumbnails and what the list needs of the
    search on screen (`recorded`)."""

    search: workflow.PictureSearch
    details: dict[int, CandidateDetail] = field(default_factory=dict)
    recorded: SearchRecorded | None = None

    @property
    def probe(self) -> ProbeSearch:
        return self.search.probe

    @property
    def settings(self) -> SearchSettings:
        return self.search.settings

    @property
    def engine(self) -> str:
        return self.search.engine


def search_probe(
    store_path: str | Path,
    path: str | Path,
    *,
    settings: SearchSettings,
    case_number: str,
    by: Officer,
    engines: workflow.EngineFactory = create_engine,
    probe_type: ProbeType = ProbeType.PHOTO,
) -> Generator[ProbeShown | workflow.ProbeFacesFound, None, SearchOutcome]:
    """The workflow's probe search with the app's rule: the face chosen (the largest first;
    others are recorded when the officer clicks them). Raises what the workflow raises."""
    with GalleryStore(store_path) as store:
        steps = workflow.search_probe(
            store,
            by,
            path,
            case_number=case_number,
            settings=settings,
            rule=workflow.FaceRule.CHOSEN,
            face=0,
            engines=engines,
            probe_type=probe_type,
        )
        run = Steps(steps)
        for step in run:
            if isinstance(step, workflow.ProbeLoaded):
                yield ProbeShown(display_from_pixels(str(path), step.sha256, step.pixels))
            else:
                yield step
        result = run.result
        return _outcome(store, result, 0)


def rank_again(
    store_path: str | Path,
    previous: SearchOutcome,
    *,
    settings: SearchSettings,
    face_index: int,
    by: Officer,
) -> SearchOutcome:
    """Rank the measured faces again; the face on screen is recorded (the workflow's rule)."""
    with GalleryStore(store_path) as store:
        result = workflow.rank_again(store, by, previous.search, settings, face=face_index)
        return _outcome(store, result, face_index)


def search_another_face(
    store_path: str | Path, previous: SearchOutcome, face_index: int, *, by: Officer
) -> tuple[workflow.PictureSearch, SearchRecorded]:
    """The officer clicked another face: record its search."""
    with GalleryStore(store_path) as store:
        result = workflow.search_another_face(store, by, previous.search, face_index)
        return result, SearchRecorded.read(store, face_index, result.recorded[face_index])


def _outcome(store: GalleryStore, result: workflow.PictureSearch, face_index: int) -> SearchOutcome:
    search_id = result.recorded.get(face_index)
    recorded = SearchRecorded.read(store, face_index, search_id) if search_id is not None else None
    return SearchOutcome(result, _details(store, result.probe.faces), recorded)


def _details(store: GalleryStore, searches: tuple[FaceSearch, ...]) -> dict[int, CandidateDetail]:
    ids = {c.face_id for s in searches for c in s.candidates}
    stored = store.faces(ids)
    return {
        face_id: CandidateDetail(
            face_id=face_id,
            thumbnail=jpeg_to_qimage(store.face_thumbnail(face_id)),
            quality=info.quality,
            landmarks=info.landmarks,
        )
        for face_id, info in stored.items()
    }


def load_photo(path: str | Path) -> DisplayImage:
    """A gallery photo for the review view (decoded and shrunk on the worker)."""
    return load_display_image(path)
