"""Import photo files into the gallery: a generator that yields progress and returns a summary.

Analysis (decode, detect, encode) runs in worker processes so both cores work; the caller's thread
only hashes files and writes finished results to the store in batches. Closing the generator
(cancel) keeps every photo finished so far; a re-run skips them by SHA-256.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from rekog_desktop.core.audit.events import Imported
from rekog_desktop.core.audit.trail import append_event
from rekog_desktop.core.common.clock import os_user
from rekog_desktop.core.common.errors import UnreadableImage
from rekog_desktop.core.common.filenames import displayable
from rekog_desktop.core.common.types import EngineInfo, Face
from rekog_desktop.core.faces.dominant import DominantChoice, choose_dominant
from rekog_desktop.core.faces.engine import (
    ENROL_SETTINGS,
    EngineSettings,
    FaceEngine,
    create_engine,
    settings_for_engine,
)
from rekog_desktop.core.faces.images import (
    IMAGE_SUFFIXES,
    face_thumbnail_jpeg,
    load_image,
    sha256_file,
)
from rekog_desktop.core.faces.process import die_with_parent
from rekog_desktop.core.gallery.store import GalleryStore, PhotoRecord

#: Results are written once this many are ready, or after BATCH_SECONDS, whichever comes first.
BATCH_SIZE = 32
BATCH_SECONDS = 1.0
#: Fewer files than this are analysed in this process: starting a pool (a spawned interpreter
#: loading the models per worker) costs more than it saves on a handful of photos.
IN_PROCESS_BELOW = 12


@dataclass(frozen=True)
class ImportItem:
    """One file to import and the subject it is filed under (None: unassigned)."""

    path: Path
    subject: str | None


@dataclass(frozen=True)
class ImportProgress:
    """Yielded after each file: `status` is imported, duplicate, no_face, several_faces or
    failed; the first progress (done 0, status 'started') carries the total."""

    done: int
    total: int
    path: str
    status: str
    detail: str = ""


@dataclass
class ImportSummary:
    imported: int = 0
    duplicates: int = 0
    faces: int = 0
    no_face: list[str] = field(default_factory=list)
    several_faces: list[tuple[str, int]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False
    #: (path, SHA-256) of each photo stored, for the audit trail.
    stored_files: list[tuple[str, str]] = field(default_factory=list)
    #: Files met in folders and not imported, with why (not an image, hidden, a link back).
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: What the officer should know of a stored photo, e.g. "first frame of 12 used".
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: Photos filed under a name with several faces where the dominant-face rule chose one:
    #: {"path", "faces", "chosen" (1-based face number, largest first, as `rekog search
    #: --face`), "rule", "reason"}. The ambiguous ones are in `several_faces`.
    dominant: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "faces": self.faces,
            "no_face": list(self.no_face),
            "several_faces": [{"path": p, "faces": n} for p, n in self.several_faces],
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
            "notes": [{"path": p, "note": n} for p, n in self.notes],
            "dominant": [dict(entry) for entry in self.dominant],
            "cancelled": self.cancelled,
        }


@dataclass(frozen=True)
class _Analysed:
    """What a worker process sends back for one file (picklable)."""

    item: ImportItem
    sha256: str = ""
    width: int = 0
    height: int = 0
    faces: tuple[Face, ...] = ()
    thumbnails: tuple[bytes, ...] = ()
    error: str = ""
    note: str = ""
    #: The dominant-face rule's answer for a photo filed under a name with several faces.
    choice: DominantChoice | None = None


@dataclass
class Walk:
    """What a walk of the given paths met: files to import, and every other entry with the
    reason it is not imported (nothing met is skipped silently)."""

    items: list[ImportItem] = field(default_factory=list)
    #: Paths that could not be read at all: missing, dangling links, loops, unreadable folders.
    failed: list[tuple[str, str]] = field(default_factory=list)
    #: Files met inside folders that are not images (or hidden), with why they are left out.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def collect_items(
    paths: Iterable[str | Path], *, subject: str | None = None, subject_from_folder: bool = False
) -> Walk:
    """Expand files and folder trees into import items, surviving what a real disk holds:
    symbolic link loops, links to folders already walked, dangling links, unreadable folders
    and files, names that are not valid UTF-8. Each is reported with its reason and the rest
    is imported.

    Inside folders only image suffixes are taken (others are reported as not images, hidden
    files as hidden); a file named explicitly is always tried, whatever its suffix, so a
    mislabelled file gets a clear reason.
    """
    walk = Walk()
    seen_files: set[Path] = set()
    seen_dirs: set[tuple[int, int]] = set()

    def label(entry: Path) -> str:
        return displayable(entry)

    def add(file: Path, *, explicit: bool) -> None:
        try:
            resolved = file.resolve(strict=True)
        except RuntimeError:
            walk.failed.append((label(file), "symbolic link loop"))
            return
        except FileNotFoundError:
            reason = (
                "dangling link: its target does not exist"
                if file.is_symlink()
                else ("file or folder not found")
            )
            walk.failed.append((label(file), reason))
            return
        except OSError as exc:
            walk.failed.append((label(file), f"cannot read: {exc.strerror or exc}"))
            return
        if not explicit:
            if file.name.startswith("."):
                walk.skipped.append((label(file), "hidden file"))
                return
            if file.suffix.lower() not in IMAGE_SUFFIXES:
                what = f"{file.suffix.lower()} files" if file.suffix else "files without a suffix"
                walk.skipped.append((label(file), f"not an image ({what} are not imported)"))
                return
        if resolved in seen_files:
            return  # the same file reached twice (a link, or named twice): imported once
        seen_files.add(resolved)
        name = subject.strip() if subject else (file.parent.name if subject_from_folder else None)
        walk.items.append(ImportItem(path=resolved, subject=name or None))

    def walk_folder(top: Path) -> None:
        def unreadable(error: OSError) -> None:
            where = error.filename if error.filename is not None else top
            walk.failed.append(
                (label(Path(where)), f"cannot read folder: {error.strerror or error}")
            )

        for root, dirs, files in os.walk(top, onerror=unreadable, followlinks=True):
            here = Path(root)
            try:
                info = here.stat()
            except OSError as exc:
                walk.failed.append((label(here), f"cannot read folder: {exc.strerror or exc}"))
                dirs[:] = []
                continue
            if (info.st_dev, info.st_ino) in seen_dirs:
                walk.skipped.append((label(here), "folder already walked (a link back to it)"))
                dirs[:] = []
                continue
            seen_dirs.add((info.st_dev, info.st_ino))
            kept = []
            for name in sorted(dirs):
                if name.startswith("."):
                    walk.skipped.append((label(here / name), "hidden folder"))
                elif (here / name).is_symlink() and not (here / name).exists():
                    walk.failed.append(
                        (label(here / name), "dangling link: its target does not exist")
                    )
                else:
                    kept.append(name)
            dirs[:] = kept
            for name in sorted(files):
                add(here / name, explicit=False)

    for raw in paths:
        path = Path(raw).expanduser()
        try:
            is_dir = path.is_dir()
        except OSError as exc:
            walk.failed.append((label(path), f"cannot read: {exc.strerror or exc}"))
            continue
        if is_dir:
            walk_folder(path)
        else:
            add(path, explicit=True)
    return walk


_worker_engine: FaceEngine | None = None


def _init_worker(settings: EngineSettings, parent: int | None = None) -> None:
    global _worker_engine
    die_with_parent(parent)
    _worker_engine = create_engine(settings)


def analyse_item(item: ImportItem, engine: FaceEngine | None = None) -> _Analysed:
    """Decode, find faces and embed them; never raises for a bad file, reports it instead."""
    engine = engine or _worker_engine or create_engine()
    try:
        image = load_image(item.path)
    except UnreadableImage as exc:
        return _Analysed(item=item, error=exc.reason)
    try:
        faces = tuple(engine.faces(image.pixels))
    except Exception as exc:  # a model failure on one file must not stop the batch
        return _Analysed(item=item, sha256=image.sha256, error=f"face analysis failed: {exc}")
    thumbs = tuple(face_thumbnail_jpeg(image.pixels, face.box) for face in faces)
    choice = None
    if len(faces) > 1 and item.subject:
        choice = choose_dominant([face.box for face in faces], image.width, image.height)
    return _Analysed(
        item=item,
        sha256=image.sha256,
        width=image.width,
        height=image.height,
        faces=faces,
        thumbnails=thumbs,
        note=image.frames_note,
        choice=choice,
    )


def import_photos(
    store: GalleryStore,
    items: list[ImportItem],
    *,
    source: str = "",
    imported_by: str | None = None,
    settings: EngineSettings | None = None,
    workers: int | None = None,
) -> Generator[ImportProgress, None, ImportSummary]:
    """Import `items` into `store`, yielding an ImportProgress per file.

    A photo with several faces filed under a subject enrols its dominant face when the rule
    of core/faces/dominant.py is sure (the choice and the rule go into the photo's provenance,
    the summary's `dominant` and the audit event); the other faces stay unassigned. When the
    rule is not sure, every face stays unassigned and the photo is reported in
    `several_faces`: the store never guesses which face is the subject.
    """
    # A store keeps the engine variant it was built with; a new store takes the default.
    settings = settings_for_engine(store.engine_name(), settings or ENROL_SETTINGS)
    user = imported_by or os_user()
    summary = ImportSummary()
    total = len(items)
    done = 0
    yield ImportProgress(done=0, total=total, path="", status="started")

    todo: list[ImportItem] = []
    digests = {item.path: _hash_or_blank(item.path) for item in items}
    known = store.known_hashes(d for d in digests.values() if d)
    for item in items:
        if digests[item.path] in known:
            summary.duplicates += 1
            done += 1
            yield ImportProgress(done, total, displayable(item.path), "duplicate")
        else:
            todo.append(item)

    engine_info = create_engine(settings).info
    batch = _Batch(source=source, user=user, engine=engine_info, duplicates=summary.duplicates)
    last_write = time.monotonic()
    try:
        for result in _analyse_all(todo, settings, workers):
            batch.results.append(result)
            done += 1
            status, detail = _classify(result)
            if time.monotonic() - last_write > BATCH_SECONDS or len(batch.results) >= BATCH_SIZE:
                batch = _write(store, batch, summary)
                last_write = time.monotonic()
            yield ImportProgress(done, total, displayable(result.item.path), status, detail)
    except GeneratorExit:
        summary.cancelled = True
        raise
    finally:
        _write(store, batch, summary, final=True)
    return summary


@dataclass
class _Batch:
    """Finished files not yet written; written with their own audit event."""

    source: str
    user: str
    engine: EngineInfo
    number: int = 1
    duplicates: int = 0
    results: list[_Analysed] = field(default_factory=list)


def _classify(result: _Analysed) -> tuple[str, str]:
    if result.error:
        return "failed", result.error
    if not result.faces:
        return "no_face", "no face found"
    if len(result.faces) > 1 and result.item.subject:
        choice = result.choice
        if choice is not None and choice.chosen:
            return "imported", f"{_chosen_text(choice)} as {result.item.subject}"
        return "several_faces", f"{len(result.faces)} faces; none enrolled as {result.item.subject}"
    return "imported", f"{len(result.faces)} face(s)"


def _chosen_text(choice: DominantChoice) -> str:
    """E.g. "3 faces, the largest enrolled (rule dominant-v1: 2.1x the next, centred)"."""
    return f"{choice.faces} faces, the largest enrolled (rule {choice.rule.name}: {choice.reason})"


def _dominant_entry(path: str, choice: DominantChoice) -> dict[str, object]:
    assert choice.index is not None
    return {
        "path": path,
        "faces": choice.faces,
        "chosen": choice.index + 1,
        "rule": choice.rule.name,
        "reason": choice.reason,
        "text": _chosen_text(choice),
    }


def _write(
    store: GalleryStore, batch: _Batch, summary: ImportSummary, *, final: bool = False
) -> _Batch:
    """Write a batch's photos and its "import" audit event in one transaction, so a kill at any
    moment leaves no stored photo that no event names (a re-run skips stored photos as
    duplicates and would never audit them). The final batch is always audited, even empty,
    so the trail says how the import ended. Returns the next, empty batch."""
    source, user, engine = batch.source, batch.user, batch.engine
    failed: list[tuple[str, str]] = []
    records: list[tuple[_Analysed, PhotoRecord]] = []
    for result in batch.results:
        if result.error:
            failed.append((displayable(result.item.path), result.error))
            continue
        several = len(result.faces) > 1 and result.item.subject is not None
        choice = result.choice if several else None
        records.append(
            (
                result,
                PhotoRecord(
                    path=str(result.item.path),
                    sha256=result.sha256,
                    width=result.width,
                    height=result.height,
                    subject=result.item.subject,
                    source=source,
                    imported_by=user,
                    faces=result.faces,
                    thumbnails=result.thumbnails,
                    enrol=not several,
                    engine=engine,
                    enrol_only=choice.index if choice is not None else None,
                    face_choice=choice.as_dict() if choice is not None else None,
                ),
            )
        )
    if not records and not failed and not final:
        return batch
    part = ImportSummary(duplicates=batch.duplicates, failed=failed)
    with store.transaction():
        ids = store.add_photos(record for _, record in records)
        for (result, _), photo_id in zip(records, ids, strict=True):
            path = displayable(result.item.path)
            if photo_id is None:
                part.duplicates += 1
                continue
            part.imported += 1
            part.faces += len(result.faces)
            part.stored_files.append((path, result.sha256))
            if result.note:
                part.notes.append((path, result.note))
            if not result.faces:
                part.no_face.append(path)
            elif len(result.faces) > 1 and result.item.subject is not None:
                if result.choice is not None and result.choice.chosen:
                    part.dominant.append(_dominant_entry(path, result.choice))
                else:
                    part.several_faces.append((path, len(result.faces)))
        event = Imported(
            source=source,
            batch=batch.number,
            final=final,
            cancelled=final and summary.cancelled,
            imported=part.imported,
            faces=part.faces,
            duplicates=part.duplicates,
            no_face=len(part.no_face),
            several_faces=len(part.several_faces),
            failed=[{"path": p, "reason": r} for p, r in part.failed],
            files=[{"path": p, "sha256": h} for p, h in part.stored_files],
            notes=[{"path": p, "note": n} for p, n in part.notes],
            dominant=[{k: v for k, v in entry.items() if k != "text"} for entry in part.dominant],
        )
        append_event(store, event, actor=user)
    summary.imported += part.imported
    summary.faces += part.faces
    summary.duplicates += part.duplicates - batch.duplicates
    summary.failed.extend(part.failed)
    summary.no_face.extend(part.no_face)
    summary.several_faces.extend(part.several_faces)
    summary.stored_files.extend(part.stored_files)
    summary.notes.extend(part.notes)
    summary.dominant.extend(part.dominant)
    return _Batch(source=source, user=user, engine=engine, number=batch.number + 1)


def _analyse_all(
    items: list[ImportItem], settings: EngineSettings, workers: int | None
) -> Iterator[_Analysed]:
    """Analyse items on a pool of processes, keeping only a few in flight so memory stays
    bounded and a cancel stops quickly; small jobs run in this process."""
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count <= 1 or len(items) < IN_PROCESS_BELOW:
        engine = create_engine(settings)
        for item in items:
            yield analyse_item(item, engine)
        return
    context = multiprocessing.get_context("spawn")
    queue = iter(items)
    in_flight: dict[Future[_Analysed], ImportItem] = {}
    with ProcessPoolExecutor(
        max_workers=count,
        mp_context=context,
        initializer=_init_worker,
        initargs=(settings, os.getpid()),
    ) as pool:
        try:
            for item in queue:
                in_flight[pool.submit(analyse_item, item)] = item
                if len(in_flight) >= count * 2:
                    break
            while in_flight:
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in finished:
                    item = in_flight.pop(future)
                    next_item = next(queue, None)
                    if next_item is not None:
                        in_flight[pool.submit(analyse_item, next_item)] = next_item
                    yield _result_of(future, item)
        finally:
            for future in in_flight:
                future.cancel()


def _result_of(future: Future[_Analysed], item: ImportItem) -> _Analysed:
    try:
        return future.result()
    except Exception as exc:  # e.g. the worker process died on this file
        return _Analysed(item=item, error=f"analysis process failed: {exc or type(exc).__name__}")


def _hash_or_blank(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


def analyse_files(
    paths: Iterable[Path], settings: EngineSettings, *, workers: int | None = None
) -> Iterator[_Analysed]:
    """Decode and measure files on the import's process pool without storing anything in the
    gallery (case material to be clustered is never enrolled). Each result has `faces`,
    `thumbnails`, `sha256` or an `error`; closing the iterator stops the pool."""
    return _analyse_all([ImportItem(Path(p), None) for p in paths], settings, workers)
