"""The app's background jobs: core calls composed into generators for the worker pool.

Each job opens its own GalleryStore (SQLite connections belong to one thread), yields what the
GUI can show early (the probe image before its faces, photos one by one) and returns the rest.
Nothing here touches a widget; QImage is built here because it is safe off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtGui import QImage

from rekog_desktop.core.cases.cases import open_case
from rekog_desktop.core.cases.searches import record_probe_without_face
from rekog_desktop.core.common.types import Face, RGBImage
from rekog_desktop.core.faces.engine import EngineSettings, create_engine, settings_for_engine
from rekog_desktop.core.faces.images import load_image
from rekog_desktop.core.gallery.importer import (
    ImportProgress,
    ImportSummary,
    collect_items,
    import_photos,
)
from rekog_desktop.core.gallery.store import GalleryStore, StoredFace, StoredPhoto
from rekog_desktop.core.scoring.search import FaceSearch, ProbeSearch, SearchSettings, search_faces
from rekog_desktop.ui.cases.jobs import SearchRecorded, record_face
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
        return GallerySnapshot(str(store.path), rows, counts, unassigned)


@dataclass(frozen=True)
class PhotoTile:
    """One gallery photo shrunk to a tile, with its faces (boxes in original pixels)."""

    photo: StoredPhoto
    faces: tuple[StoredFace, ...]
    image: QImage
    scale: float
    error: str = ""


def load_photo_tiles(
    store_path: str | Path, subject_id: int | None, *, side: int = TILE_SIDE
) -> Generator[PhotoTile, None, int]:
    """Yield the photos of a subject (or the unassigned ones for None) one by one; the file is
    read from where it was imported, and a missing file gives a tile with the reason."""
    with GalleryStore(store_path) as store:
        if subject_id is None:
            photos = [p for p in store.photos() if p.subject_id is None]
        else:
            photos = store.photos(subject_id=subject_id)
        photos.sort(key=lambda p: (Path(p.path).name, p.id))
        faces = {p.id: tuple(store.faces_of_photo(p.id)) for p in photos}
    for photo in photos:
        try:
            shown = load_display_image(photo.path, max_side=side)
        except Exception as exc:
            reason = getattr(exc, "reason", str(exc))
            yield PhotoTile(photo, faces[photo.id], QImage(), 1.0, reason)
            continue
        yield PhotoTile(photo, faces[photo.id], shown.image, shown.scale)
    return len(photos)


def delete_photo(store_path: str | Path, photo_id: int, actor: str) -> None:
    with GalleryStore(store_path) as store:
        store.delete_photo(photo_id, actor=actor)


def delete_subject(store_path: str | Path, subject_id: int, actor: str) -> int:
    with GalleryStore(store_path) as store:
        return store.delete_subject(subject_id, actor=actor)


def assign_face(store_path: str | Path, face_id: int, subject_name: str, actor: str) -> None:
    """Enrol one face of an unassigned photo under a subject (audited by the store)."""
    with GalleryStore(store_path) as store, store.transaction():
        subject_id = store.subject_id(subject_name, create=True)
        store.assign_face(face_id, subject_id, actor=actor)


# -- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRequest:
    """What the import dialog asked for: dropped paths and how to file them."""

    paths: tuple[str, ...]
    subject: str | None
    subject_from_folder: bool
    source: str
    imported_by: str = ""


@dataclass(frozen=True)
class ImportScanned:
    """First step of an import: the dropped folders were walked."""

    files: int
    missing: tuple[tuple[str, str], ...]


def import_files(
    store_path: str | Path, request: ImportRequest
) -> Generator[ImportScanned | ImportProgress, None, ImportSummary]:
    """Walk the dropped paths, then run the core importer on this job's own store connection;
    closing this generator closes the importer (finished photos stay)."""
    items, missing = collect_items(
        request.paths, subject=request.subject, subject_from_folder=request.subject_from_folder
    )
    yield ImportScanned(len(items), tuple(missing))
    with GalleryStore(store_path) as store:
        summary = yield from import_photos(
            store, items, source=request.source, imported_by=request.imported_by or None
        )
    summary.failed[:0] = missing
    return summary


# -- probe search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeLoaded:
    """First step of a probe search: the picture, before any face is found."""

    display: DisplayImage


@dataclass(frozen=True)
class ProbeFacesFound:
    faces: tuple[Face, ...]


@dataclass(frozen=True)
class SearchOutcome:
    """A ranked probe. `pixels` are kept for recording later faces' searches (their face crop
    goes into the case); `recorded` is the search written into the case, if any."""

    probe: ProbeSearch
    settings: SearchSettings
    details: dict[int, CandidateDetail] = field(default_factory=dict)
    engine: str = ""
    pixels: RGBImage | None = field(default=None, repr=False)
    recorded: SearchRecorded | None = None


def search_probe(
    store_path: str | Path,
    path: str | Path,
    *,
    settings: SearchSettings,
    case_number: str | None = None,
    actor: str = "",
    analyse: Callable[[RGBImage, EngineSettings], list[Face]] | None = None,
) -> Generator[ProbeLoaded | ProbeFacesFound, None, SearchOutcome]:
    """Decode the probe, show it, find and measure its faces, then rank each face against the
    gallery (the ranking is a matrix product, cheap next to detection). With a case, the
    largest face's search is recorded in it. `analyse` finds the faces (the app passes its
    FaceProcess; default: the engine in this thread). Raises UnreadableImage for a file that
    is not a usable image, CaseError for a closed or unknown case."""
    with GalleryStore(store_path) as store:
        if case_number is not None:
            open_case(store, case_number)  # refuse before any work
        loaded = load_image(path)
        yield ProbeLoaded(display_from_pixels(str(path), loaded.sha256, loaded.pixels))
        # The probe is measured with the engine variant the store was built with.
        engine_settings = settings_for_engine(store.engine_name(), EngineSettings())
        engine = create_engine(engine_settings)
        faces = tuple(
            analyse(loaded.pixels, engine_settings) if analyse else engine.faces(loaded.pixels)
        )
        yield ProbeFacesFound(faces)
        probe = ProbeSearch(
            path=str(Path(path).resolve()),
            sha256=loaded.sha256,
            width=loaded.width,
            height=loaded.height,
            faces=search_faces(store, faces, settings),
        )
        if case_number is not None and not faces:
            record_probe_without_face(
                store,
                case=open_case(store, case_number),
                probe_path=probe.path,
                probe_sha256=probe.sha256,
                actor=actor,
            )
        info = engine.info
        return _outcome(
            store,
            probe,
            settings,
            f"{info.name} ({info.version})",
            loaded.pixels,
            case_number=case_number,
            face_index=0,
            actor=actor,
        )


def research_probe(
    store_path: str | Path,
    previous: SearchOutcome,
    *,
    settings: SearchSettings,
    face_index: int,
    case_number: str | None = None,
    actor: str = "",
) -> SearchOutcome:
    """Rank the already-measured probe faces again (new top-K, tolerance or preset, changed
    gallery); with a case, the search of `face_index` is recorded."""
    probe = previous.probe
    with GalleryStore(store_path) as store:
        faces = search_faces(store, (s.face for s in probe.faces), settings)
        redone = ProbeSearch(probe.path, probe.sha256, probe.width, probe.height, faces)
        return _outcome(
            store,
            redone,
            settings,
            previous.engine,
            previous.pixels,
            case_number=case_number,
            face_index=face_index,
            actor=actor,
        )


def _outcome(
    store: GalleryStore,
    probe: ProbeSearch,
    settings: SearchSettings,
    engine: str,
    pixels: RGBImage | None,
    *,
    case_number: str | None,
    face_index: int,
    actor: str,
) -> SearchOutcome:
    """The ranked probe for the window; with a case, the search of `face_index` recorded."""
    recorded = None
    if case_number is not None and 0 <= face_index < len(probe.faces):
        recorded = record_face(
            store,
            case_number=case_number,
            probe=probe,
            face_index=face_index,
            top_k=settings.top_k,
            tolerance=settings.tolerance,
            actor=actor,
            pixels=pixels,
        )
    return SearchOutcome(probe, settings, _details(store, probe.faces), engine, pixels, recorded)


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
