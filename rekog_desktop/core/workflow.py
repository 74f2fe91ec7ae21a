"""The operations an officer performs, one way for every front end.

The CLI and the GUI call only these for anything that writes the gallery, a case or the audit
trail, so a case record does not depend on which front end made it. Each operation takes the
signed-in `Officer` (core.cases.users.sign_in), checks the role table (core.cases.roles), and
writes its rows and their audit event in one transaction. Long operations (import, probe
search, clip scan) are generators: a front end shows their steps and cancels by closing them.

A dropped probe goes forward only: front end -> search_probe (faces.images decodes,
the engine measures, scoring.search ranks, cases.searches records) -> decide / verify
(cases.decisions) -> export_case (report.case_notes, audit.checkpoint).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from rekog_desktop.core.audit import checkpoint, trail
from rekog_desktop.core.audit.events import PolicyChanged
from rekog_desktop.core.cases import cases, decisions, purge, searches
from rekog_desktop.core.cases.policy import Policy, read_policy, write_policy
from rekog_desktop.core.cases.probes import ProbeType, probe_warning
from rekog_desktop.core.cases.roles import Operation
from rekog_desktop.core.cases.users import Officer, UserError, get_user
from rekog_desktop.core.clusters import casework
from rekog_desktop.core.clusters import records as cluster_records
from rekog_desktop.core.clusters.material import MaterialProgress, faces_of_material, walk_material
from rekog_desktop.core.clusters.records import ClusterEdit, ClusterRun
from rekog_desktop.core.clusters.suggestions import Suggestion, reappearances
from rekog_desktop.core.common.errors import RekogError
from rekog_desktop.core.common.filenames import displayable
from rekog_desktop.core.common.types import Face, RGBImage
from rekog_desktop.core.faces.engine import (
    EngineSettings,
    FaceEngine,
    create_engine,
    settings_for_engine,
)
from rekog_desktop.core.faces.images import face_thumbnail_jpeg, load_image
from rekog_desktop.core.gallery import importer
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.report.case_notes import ExportResult, export_case_pdf
from rekog_desktop.core.scoring.search import (
    FaceSearch,
    ProbeSearch,
    SearchSettings,
    check_engine,
    search_faces,
)
from rekog_desktop.core.video.scan import (
    VideoProgress,
    VideoResult,
    VideoSettings,
    record_video_in_case,
    rerank_video,
    scan_video,
)

#: Builds the engine a probe is measured with, from the store's variant (the app passes its
#: face process; the CLI the engine in its own process).
EngineFactory = Callable[[EngineSettings], FaceEngine]


class NoSuchFace(RekogError):
    """The face asked for is not among the faces found in the probe."""


class FaceRule(StrEnum):
    """Which faces of a probe picture are searched and recorded; the record states the rule."""

    #: Every face found (the CLI's default): nothing the officer saw goes unrecorded.
    EVERY = "every"
    #: Only the face the officer chose (the app: the largest first, others when clicked).
    CHOSEN = "chosen"


# -- gallery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportScanned:
    """First step of an import: the paths were walked (`missing`: paths that could not be
    read, `skipped`: files that are not imported, each with its reason)."""

    files: int
    missing: tuple[tuple[str, str], ...]
    skipped: tuple[tuple[str, str], ...] = ()


def import_into_gallery(
    store: GalleryStore,
    by: Officer,
    paths: Iterable[str | Path],
    *,
    subject: str | None = None,
    subject_from_folder: bool = False,
    source: str = "",
    workers: int | None = None,
) -> Generator[ImportScanned | importer.ImportProgress, None, importer.ImportSummary]:
    """Walk `paths` and import every photo, each committed batch audited with its photos."""
    by.require(Operation.IMPORT)
    walk = importer.collect_items(paths, subject=subject, subject_from_folder=subject_from_folder)
    yield ImportScanned(len(walk.items), tuple(walk.failed), tuple(walk.skipped))
    summary = yield from importer.import_photos(
        store, walk.items, source=source, imported_by=by.name, workers=workers
    )
    summary.failed[:0] = walk.failed
    summary.skipped[:0] = walk.skipped
    return summary


class ErasureError(RekogError):
    """An erasure that cannot be done as asked (no reason, unknown subject or photo)."""


def delete_subject(store: GalleryStore, by: Officer, subject_id: int, reason: str) -> int:
    """Erase a subject from the gallery: photos, faces, embeddings and thumbnails, with the
    bytes gone from the store file; the receipt in the trail names what and why. Past case
    records keep what the officer was shown (they belong to the case)."""
    by.require(Operation.EDIT_GALLERY)
    if not reason.strip():
        raise ErasureError("erasing needs a reason (it goes into the audit receipt)")
    return store.delete_subject(subject_id, actor=by.name, reason=reason.strip())


def delete_subject_named(store: GalleryStore, by: Officer, name: str, reason: str) -> int:
    subject_id = store.subject_id(name)
    if subject_id is None:
        raise ErasureError(f"no subject named {name!r} in this store")
    return delete_subject(store, by, subject_id, reason)


def delete_photo(store: GalleryStore, by: Officer, photo_id: int, reason: str) -> None:
    """Erase one photo (its faces, embeddings and thumbnails), as delete_subject."""
    by.require(Operation.EDIT_GALLERY)
    if not reason.strip():
        raise ErasureError("erasing needs a reason (it goes into the audit receipt)")
    store.delete_photo(photo_id, actor=by.name, reason=reason.strip())


def assign_face(store: GalleryStore, by: Officer, face_id: int, subject_name: str) -> None:
    """Enrol one face of an unassigned photo under a subject (audited by the store)."""
    by.require(Operation.EDIT_GALLERY)
    with store.transaction():
        subject_id = store.subject_id(subject_name, create=True)
        store.assign_face(face_id, subject_id, actor=by.name)


# -- cases --------------------------------------------------------------------------------


def open_new_case(
    store: GalleryStore,
    by: Officer,
    *,
    number: str,
    title: str,
    purpose: str,
    legal_basis: str,
    officer: str | None = None,
) -> cases.Case:
    """Open a case; the officer in charge defaults to the signed-in officer."""
    by.require(Operation.OPEN_CASE)
    return cases.create_case(
        store,
        number=number,
        title=title,
        purpose=purpose,
        legal_basis=legal_basis,
        officer=officer or by.name,
        actor=by.name,
    )


def choose_case(store: GalleryStore, by: Officer, number: str) -> cases.Case:
    """The open case searches will go into (refused for a role that cannot search)."""
    by.require(Operation.SEARCH)
    return cases.open_case(store, number)


def close_case(store: GalleryStore, by: Officer, number: str) -> cases.Case:
    by.require(Operation.CLOSE_CASE)
    return cases.close_case(store, number, actor=by.name)


def purge_case(store: GalleryStore, by: Officer, number: str, reason: str) -> purge.PurgeReceipt:
    """Remove a closed case's searches, candidate snapshots (face crops), decisions,
    verifications and notes once the store's retention period has passed since it was closed
    (supervisor; the receipt in the trail lists what, by whom and why). Raises PurgeRefused
    for an open case, a store with no retention period, or before the period ends."""
    by.require(Operation.PURGE_CASE)
    days = read_policy(store).retention_days
    return purge.purge_case(store, number, actor=by.name, reason=reason, retention_days=days)


def add_note(store: GalleryStore, by: Officer, number: str, text: str) -> cases.Note:
    by.require(Operation.NOTE)
    return cases.add_note(store, number, text, author=by.name)


# -- probe pictures -----------------------------------------------------------------------


@dataclass(frozen=True)
class ProbeLoaded:
    """First step of a probe search: the picture, before any face is found."""

    path: str
    sha256: str
    pixels: RGBImage = field(repr=False)


@dataclass(frozen=True)
class ProbeFacesFound:
    faces: tuple[Face, ...]


@dataclass(frozen=True)
class PictureSearch:
    """A ranked probe picture and what of it is recorded in its case: `recorded` maps face
    index (largest first) to search id. `pixels` stay for the face crops of later faces."""

    case_number: str
    probe: ProbeSearch
    settings: SearchSettings
    rule: FaceRule
    engine: str
    recorded: dict[int, int]
    pixels: RGBImage | None = field(default=None, repr=False)
    probe_type: ProbeType = ProbeType.PHOTO


def search_probe(
    store: GalleryStore,
    by: Officer,
    path: str | Path,
    *,
    case_number: str,
    settings: SearchSettings,
    rule: FaceRule = FaceRule.EVERY,
    face: int = 0,
    engines: EngineFactory = create_engine,
    probe_type: ProbeType = ProbeType.PHOTO,
) -> Generator[ProbeLoaded | ProbeFacesFound, None, PictureSearch]:
    """Decode the probe, find and measure its faces with the store's engine variant, rank
    each against the gallery, and record in the case the faces `rule` names (`face`: the
    index chosen, largest first). A probe with no face is recorded as such. Raises
    UnreadableImage, CaseError, PermissionDenied, NoSuchFace, ProbeTypeRefused (nothing
    recorded then). `probe_type`: what the officer says the probe is (recorded, warned)."""
    by.require(Operation.SEARCH)
    cases.open_case(store, case_number)  # refuse before any work
    probe_warning(probe_type, settings.preset)
    loaded = load_image(path)
    yield ProbeLoaded(str(path), loaded.sha256, loaded.pixels)
    engine = engines(settings_for_engine(store.engine_name(), EngineSettings()))
    check_engine(store, engine)
    faces = tuple(engine.faces(loaded.pixels))
    yield ProbeFacesFound(faces)
    if rule is FaceRule.CHOSEN and faces and not 0 <= face < len(faces):
        raise NoSuchFace(f"{path}: face {face + 1} was asked for; {len(faces)} found")
    probe = ProbeSearch(
        path=displayable(Path(path).resolve()),
        sha256=loaded.sha256,
        width=loaded.width,
        height=loaded.height,
        faces=search_faces(store, faces, settings),
    )
    info = engine.info
    result = PictureSearch(
        case_number,
        probe,
        settings,
        rule,
        f"{info.name} ({info.version})",
        {},
        loaded.pixels,
        probe_type,
    )
    chosen = range(len(faces)) if rule is FaceRule.EVERY else [face][: len(faces)]
    return _record_faces(store, by, result, chosen)


def rank_again(
    store: GalleryStore,
    by: Officer,
    previous: PictureSearch,
    settings: SearchSettings,
    *,
    face: int | None = None,
) -> PictureSearch:
    """Rank the measured faces again with other settings (or a changed gallery) and record the
    new searches by the same rule (`face`: for CHOSEN, the face on screen)."""
    by.require(Operation.SEARCH)
    cases.open_case(store, previous.case_number)
    probe_warning(previous.probe_type, settings.preset)
    old = previous.probe
    ranked = search_faces(store, (s.face for s in old.faces), settings)
    redone = replace(
        previous,
        probe=ProbeSearch(old.path, old.sha256, old.width, old.height, ranked),
        settings=settings,
        recorded={},
    )
    if previous.rule is FaceRule.EVERY:
        chosen: Iterable[int] = range(len(ranked))
    else:
        index = face if face is not None else min(previous.recorded, default=0)
        chosen = [index] if 0 <= index < len(ranked) else []
    return _record_faces(store, by, redone, chosen, reranked=True)


def search_another_face(
    store: GalleryStore, by: Officer, previous: PictureSearch, face: int
) -> PictureSearch:
    """The officer chose another face of the probe: record its search (same settings)."""
    by.require(Operation.SEARCH)
    cases.open_case(store, previous.case_number)
    if not 0 <= face < len(previous.probe.faces):
        raise NoSuchFace(f"face {face + 1} was asked for; {len(previous.probe.faces)} found")
    if face in previous.recorded:
        return previous
    return _record_faces(store, by, previous, [face])


def _record_faces(
    store: GalleryStore,
    by: Officer,
    result: PictureSearch,
    chosen: Iterable[int],
    *,
    reranked: bool = False,
) -> PictureSearch:
    """Record the searches of `chosen` faces in one transaction; a probe with no face is
    recorded as a search that found none."""
    probe = result.probe
    case = cases.open_case(store, result.case_number)
    recorded = dict(result.recorded)
    context: dict[str, object] = {
        "face_rule": result.rule.value,
        "faces_found": len(probe.faces),
        # Every face found, largest first (face n is entry n - 1), for the case notes' picture.
        "face_boxes": [f.face.box.as_list() for f in probe.faces],
        "probe_type": result.probe_type.value,
    }
    warning = probe_warning(result.probe_type, result.settings.preset)
    if warning:
        context["probe_warning"] = warning
    if reranked:
        context["reranked"] = True
    with store.transaction():
        if result.pixels is not None:
            searches.record_probe_image(store, probe.sha256, result.pixels)
        if not probe.faces:
            searches.record_probe_without_face(
                store, case=case, probe_path=probe.path, probe_sha256=probe.sha256, actor=by.name
            )
        for index in chosen:
            face_search = probe.faces[index]
            crop = (
                face_thumbnail_jpeg(result.pixels, face_search.face.box)
                if result.pixels is not None
                else None
            )
            recorded[index] = searches.record_face_search(
                store,
                case=case,
                kind="image",
                probe_path=probe.path,
                probe_sha256=probe.sha256,
                face_index=index,
                face_search=face_search,
                top_k=result.settings.top_k,
                tolerance=result.settings.tolerance,
                actor=by.name,
                probe_thumbnail=crop,
                context=context,
            )
    return replace(result, recorded=recorded)


# -- clips --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipSearch:
    """A scanned clip and its tracks' searches in the case (track id -> search id)."""

    case_number: str
    result: VideoResult
    settings: SearchSettings
    recorded: dict[int, int]


def scan_clip(
    store: GalleryStore,
    by: Officer,
    path: str | Path,
    *,
    case_number: str,
    settings: SearchSettings,
    video: VideoSettings | None = None,
    engines: EngineFactory = create_engine,
) -> Generator[VideoProgress, None, ClipSearch]:
    """Scan a clip, yielding progress with the tracks finished; once the clip has been read
    to its end, record every track's search and the clip's `video_scan` event in one
    transaction (a cancelled scan records nothing). Raises UnsupportedVideo, CaseError."""
    by.require(Operation.SEARCH)
    cases.open_case(store, case_number)
    engine = engines(settings_for_engine(store.engine_name(), EngineSettings()))
    result = yield from scan_video(
        path,
        engine,
        settings=video,
        store=store,
        top_k=settings.top_k,
        tolerance=settings.tolerance,
        preset=settings.preset,
    )
    return _record_clip(store, by, ClipSearch(case_number, result, settings, {}))


def rank_clip_again(
    store: GalleryStore, by: Officer, previous: ClipSearch, settings: SearchSettings
) -> ClipSearch:
    """Rank a scanned clip's tracks again; every track's new search is recorded."""
    by.require(Operation.SEARCH)
    cases.open_case(store, previous.case_number)
    result = rerank_video(store, previous.result, settings)
    return _record_clip(
        store, by, ClipSearch(previous.case_number, result, settings, {}), reranked=True
    )


def _record_clip(
    store: GalleryStore, by: Officer, clip: ClipSearch, *, reranked: bool = False
) -> ClipSearch:
    case = cases.open_case(store, clip.case_number)
    with store.transaction():
        ids = record_video_in_case(
            store,
            case=case,
            result=clip.result,
            top_k=clip.settings.top_k,
            tolerance=clip.settings.tolerance,
            actor=by.name,
            reranked=reranked,
        )
    searched = [t.track.id for t in clip.result.tracks if t.search is not None]
    return replace(clip, recorded=dict(zip(searched, ids, strict=True)))


# -- review -------------------------------------------------------------------------------


def view_candidate(store: GalleryStore, by: Officer, search_id: int, rank: int) -> None:
    """Looking at a candidate is itself on the record."""
    by.require(Operation.VIEW)
    searches.record_view(store, search_id=search_id, rank=rank, actor=by.name)


def decide(
    store: GalleryStore, by: Officer, search_id: int, rank: int, verdict: str, reason: str
) -> decisions.Decision:
    """Accept, reject or call inconclusive one candidate; a reason is required to accept, and
    for every verdict where the store policy says so."""
    by.require(Operation.DECIDE)
    if read_policy(store).require_reasons and not reason.strip():
        raise cases.CaseError("this store requires a reason for every decision")
    decisions.record_decision(
        store, search_id=search_id, rank=rank, verdict=verdict, reason=reason, reviewer=by.name
    )
    return decisions.decisions_for_search(store, search_id)[rank]


def pairs_to_verify(store: GalleryStore, by: Officer, number: str) -> list[searches.BlindPair]:
    """Accepted pairs of the case this officer may verify (never their own), blind."""
    by.require(Operation.VERIFY)
    return searches.pending_verifications(store, number, reviewer=by.name)


def verify(
    store: GalleryStore, by: Officer, decision_id: int, verdict: str, reason: str
) -> decisions.VerificationRecord:
    """A second officer confirms or disputes an accepted pair."""
    by.require(Operation.VERIFY)
    return decisions.verify_decision(
        store, decision_id=decision_id, verdict=verdict, reason=reason, reviewer=by.name
    )


def export_case(store: GalleryStore, by: Officer, number: str, path: str | Path) -> ExportResult:
    """Write the case notes PDF (its SHA-256 goes into the trail), with the trail anchored:
    a signed checkpoint taken before is printed in the PDF, and one taken after the export
    event is written beside it (`<pdf>.checkpoint.json`) for `rekog audit verify
    --checkpoint`."""
    by.require(Operation.EXPORT)
    case = cases.get_case(store, number)
    if case.is_purged:
        # Its searches, decisions and notes are gone: notes printed now would read as a case
        # in which nothing was searched. The purge receipt in the trail is its record.
        raise cases.CaseError(
            f"case {case.number} was purged on {case.purged_utc}: there are no case notes to "
            "export; its purge receipt is in the audit trail (`rekog audit list`)"
        )
    before = checkpoint.make_checkpoint(store)
    result = export_case_pdf(store, number, path, actor=by.name, anchor=before.anchor)
    checkpoint.save_checkpoint(checkpoint.make_checkpoint(store), checkpoint_beside(result.path))
    return result


def checkpoint_beside(pdf: Path) -> Path:
    return pdf.with_name(pdf.name + ".checkpoint.json")


def write_checkpoint(store: GalleryStore, by: Officer, path: str | Path) -> checkpoint.Checkpoint:
    """Sign the trail's head now (`rekog audit checkpoint --out FILE`)."""
    by.require(Operation.READ_AUDIT)
    point = checkpoint.make_checkpoint(store)
    checkpoint.save_checkpoint(point, path)
    return point


# -- administration -----------------------------------------------------------------------


def set_policy(
    store: GalleryStore,
    by: Officer,
    *,
    require_passwords: bool | None = None,
    require_reasons: bool | None = None,
    retention_days: int | None = None,
) -> Policy:
    """Change the store policy (supervisor). Requiring passwords is refused while the
    supervisor setting it has none, so nobody locks the store against themselves.
    `retention_days`: how long closed cases are kept before they may be purged (0 or more)."""
    by.require(Operation.SET_POLICY)
    if retention_days is not None and retention_days < 0:
        raise UserError("the retention period is a number of days, 0 or more")
    old = read_policy(store)
    new = Policy(
        require_passwords=old.require_passwords if require_passwords is None else require_passwords,
        require_reasons=old.require_reasons if require_reasons is None else require_reasons,
        retention_days=old.retention_days if retention_days is None else retention_days,
    )
    me = get_user(store, by.name)
    if new.require_passwords and (me is None or not me.has_password):
        raise UserError(f"set your own password first (`rekog user password {by.name}`)")
    with store.transaction():
        write_policy(store, new)
        trail.append_event(
            store,
            PolicyChanged(old=old.as_dict(), new=new.as_dict()),
            actor=by.name,
        )
    return new


# -- clusters of case material ----------------------------------------------------------


@dataclass(frozen=True)
class ClusterOutcome:
    """A clustering after new material: the run (every face of the case), how many faces
    were new, and the files that failed or were not taken, each with its reason."""

    run: ClusterRun
    new_faces: int
    failed: tuple[tuple[str, str], ...]
    skipped: tuple[tuple[str, str], ...]
    #: Files of the material given that were measured (with or without faces).
    measured: int = 0


def cluster_material(
    store: GalleryStore,
    by: Officer,
    paths: Iterable[str | Path],
    *,
    case_number: str,
    engines: EngineFactory = create_engine,
    workers: int | None = None,
    video: VideoSettings | None = None,
) -> Generator[ImportScanned | MaterialProgress, None, ClusterOutcome]:
    """Measure the faces of case material (photos, folders, clips; nothing is enrolled in the
    gallery), add them to the case and cluster every face of the case under the analyst's
    standing rules; the faces, the run and the `cluster_run` event are written in one
    transaction once every file is measured (a cancelled run records nothing). Refused like
    a search: an open case and a role that may search."""
    by.require(Operation.SEARCH)
    case = cases.open_case(store, case_number)
    walk = walk_material(paths)
    yield ImportScanned(walk.files, tuple(walk.failed), tuple(walk.skipped))
    settings = settings_for_engine(store.engine_name(), EngineSettings())
    engine: FaceEngine | None = None

    def clip_engine(wanted: EngineSettings) -> FaceEngine:
        nonlocal engine
        if engine is None:
            engine = engines(wanted)
            check_engine(store, engine)
        return engine

    material = yield from faces_of_material(walk, settings, engines=clip_engine, workers=workers)
    run, added = casework.record_material(store, case, material, actor=by.name)
    return ClusterOutcome(
        run, added, tuple(material.failed), tuple(walk.skipped), len(material.media)
    )


def current_clusters(store: GalleryStore, by: Officer, case_number: str) -> ClusterRun:
    """The case's latest clustering (ClusterEditRefused before the first)."""
    by.require(Operation.VIEW)
    return casework.current_run(store, cases.get_case(store, case_number))


def edit_clusters(
    store: GalleryStore,
    by: Officer,
    case_number: str,
    *,
    kind: str,
    side_a: Sequence[str],
    side_b: Sequence[str],
    reason: str = "",
) -> tuple[int, ClusterRun]:
    """An analyst's merge, split or "not the same person" on the latest run (names as
    core.clusters.refs reads them), kept as a rule through every later clustering until
    undone; audited with the run it gives."""
    by.require(Operation.DECIDE)
    case = cases.open_case(store, case_number)
    return casework.edit(
        store, case, kind=kind, refs_a=side_a, refs_b=side_b, reason=reason, actor=by.name
    )


def undo_cluster_edit(
    store: GalleryStore, by: Officer, case_number: str
) -> tuple[ClusterEdit, ClusterRun]:
    """Take back the newest standing edit of the case's clustering (audited)."""
    by.require(Operation.DECIDE)
    case = cases.open_case(store, case_number)
    return casework.undo(store, case, actor=by.name)


def search_cluster(
    store: GalleryStore, by: Officer, case_number: str, number: int, settings: SearchSettings
) -> tuple[int, FaceSearch, ClusterRun]:
    """Search cluster `number` of the case's latest clustering against the gallery as one
    template (the mean of its faces, as a clip track), recorded in the case with the preset
    and estimated rates. Returns (search id, search, run)."""
    by.require(Operation.SEARCH)
    case = cases.open_case(store, case_number)
    with store.transaction():
        return casework.record_cluster_search(
            store, case, number=number, settings=settings, actor=by.name
        )


def cluster_suggestions(store: GalleryStore, by: Officer, case_number: str) -> list[Suggestion]:
    """Tracks of one clip that may be one person who left and came back: offered, never
    merged (the analyst merges with edit_clusters or rules them out with a not-same)."""
    by.require(Operation.VIEW)
    case = cases.get_case(store, case_number)
    run = casework.current_run(store, case)
    return reappearances(run, cluster_records.edits(store, case))
