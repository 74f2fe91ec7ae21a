"""Searches recorded in a case: the probe, the face searched, the settings, every candidate
shown (a snapshot with face crops), views, and the accepted pairs awaiting verification.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.events import CandidateViewed, ProbeWithoutFace, Searched
from rekog_desktop.core.cases.cases import Case, CaseError, case_number_of_search, get_case
from rekog_desktop.core.cases.decisions import Decision, Verdict, decisions_for_search
from rekog_desktop.core.common.clock import os_user, utc_now
from rekog_desktop.core.common.types import FaceBox, RGBImage
from rekog_desktop.core.faces.images import face_thumbnail_jpeg
from rekog_desktop.core.gallery.store import GalleryStore
from rekog_desktop.core.scoring.search import FaceSearch, ProbeSearch


@dataclass(frozen=True)
class CandidateRecord:
    rank: int
    face_id: int
    subject: str
    photo_path: str
    photo_sha256: str
    box: FaceBox
    distance: float
    within_tolerance: bool
    est_fmr: float | None
    previously_rejected: bool = False
    #: The distance est_fmr is read at: the unit-length probe to the mean of the subject's
    #: enrolled faces (None: unassigned face, or recorded before it was kept).
    template_distance: float | None = None


@dataclass(frozen=True)
class SearchRecord:
    id: int
    case_id: int
    kind: str
    probe_path: str
    probe_sha256: str
    face_index: int
    face_box: FaceBox
    quality: dict[str, Any]
    context: dict[str, Any]
    top_k: int
    tolerance: float
    preset: str
    engine: str
    engine_version: str
    gallery_faces: int
    within_tolerance: int
    actor: str
    created_utc: str
    candidates: tuple[CandidateRecord, ...] = ()
    #: What the officer was told: chance a never-enrolled person matches anyone (None: no
    #: calibration, or a search recorded before estimates existed), the strict threshold.
    never_enrolled_match: float | None = None
    strict_threshold: float | None = None
    gallery_subjects: int | None = None
    fmr_floor: float | None = None
    decisions: dict[int, Decision] = field(default_factory=dict)

    @property
    def no_match(self) -> bool:
        return self.within_tolerance == 0

    @property
    def face_label(self) -> str:
        return face_label(self.kind, self.face_index)


def face_label(kind: str, face_index: int) -> str:
    """How a searched face is named everywhere (audit list, case notes, review header): a
    photo's faces by their place, largest first ("face 1"), a clip's by their track id as
    `rekog video` prints it ("track 3"). A video search's `face_index` holds its track id."""
    return f"track {face_index}" if kind == "video" else f"face {face_index + 1}"


def record_search(
    store: GalleryStore,
    *,
    case: Case,
    probe: ProbeSearch,
    face_index: int,
    top_k: int,
    tolerance: float,
    actor: str,
    probe_pixels: RGBImage | None = None,
) -> int:
    """Record the search of one face of an image probe, with every candidate shown."""
    face_search = probe.faces[face_index]
    thumb = (
        face_thumbnail_jpeg(probe_pixels, face_search.face.box)
        if probe_pixels is not None
        else None
    )
    if probe_pixels is not None:
        record_probe_image(store, probe.sha256, probe_pixels)
    return record_face_search(
        store,
        case=case,
        kind="image",
        probe_path=probe.path,
        probe_sha256=probe.sha256,
        face_index=face_index,
        face_search=face_search,
        top_k=top_k,
        tolerance=tolerance,
        actor=actor,
        probe_thumbnail=thumb,
        context={"face_boxes": [f.face.box.as_list() for f in probe.faces]},
    )


#: The whole probe picture is kept at most this many pixels on its longer side: enough to see
#: where each face is on a page, far less than the evidence file itself.
PROBE_IMAGE_SIDE = 1200


@dataclass(frozen=True)
class ProbeImage:
    """The whole probe picture as kept for the case notes: a JPEG `scale` times the size of
    the original (face boxes, in original pixels, are multiplied by it to be drawn on it)."""

    jpeg: bytes
    width: int
    height: int
    scale: float


def record_probe_image(store: GalleryStore, sha256: str, pixels: RGBImage) -> None:
    """Keep the whole probe picture (shrunk) once per SHA-256, so the case notes can show it
    with its face boxes from the store alone, even when the file has moved."""
    if store.db.execute("SELECT 1 FROM probe_images WHERE sha256 = ?", [sha256]).fetchone():
        return
    height, width = pixels.shape[:2]
    picture = Image.fromarray(pixels)
    picture.thumbnail((PROBE_IMAGE_SIDE, PROBE_IMAGE_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    picture.convert("RGB").save(out, format="JPEG", quality=85)
    with store.transaction():
        store.db.execute(
            "INSERT OR IGNORE INTO probe_images (sha256, jpeg, width, height, created_utc) "
            "VALUES (?, ?, ?, ?, ?)",
            [sha256, out.getvalue(), width, height, utc_now()],
        )


def probe_image(store: GalleryStore, sha256: str) -> ProbeImage | None:
    """The kept probe picture of `sha256` (None: a clip, or a search recorded before it was
    kept)."""
    row = store.db.execute(
        "SELECT jpeg, width, height FROM probe_images WHERE sha256 = ?", [sha256]
    ).fetchone()
    if row is None:
        return None
    jpeg = bytes(row[0])
    shown_width = Image.open(io.BytesIO(jpeg)).width
    return ProbeImage(jpeg, int(row[1]), int(row[2]), shown_width / max(int(row[1]), 1))


def record_face_search(
    store: GalleryStore,
    *,
    case: Case,
    kind: str,
    probe_path: str,
    probe_sha256: str,
    face_index: int,
    face_search: FaceSearch,
    top_k: int,
    tolerance: float,
    actor: str,
    probe_thumbnail: bytes | None = None,
    context: dict[str, Any] | None = None,
) -> int:
    """Record one searched face (image face or video track; `context` holds e.g. the track's
    time range and the frame timecode) and its candidate list, with the preset and estimated
    rates the officer saw, in the case and the audit trail."""
    if not case.is_open:
        raise CaseError(f"case {case.number} is closed: searches need an open case")
    engine_name, engine_version = _engine_of(store)
    face = face_search.face
    gallery_faces = store.counts()["enrolled_faces"]
    with store.transaction():
        cursor = store.db.execute(
            """INSERT INTO searches (case_id, kind, probe_path, probe_sha256, face_index, face_box,
            quality, probe_thumbnail, context, top_k, tolerance, preset, engine, engine_version,
            gallery_faces, within_tolerance, actor, os_user, created_utc, never_enrolled_match,
            strict_threshold, gallery_subjects, fmr_floor)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                case.id,
                kind,
                probe_path,
                probe_sha256,
                face_index,
                json.dumps(face.box.as_list()),
                json.dumps(face.quality.as_dict()),
                probe_thumbnail,
                json.dumps(context or {}),
                top_k,
                tolerance,
                face_search.preset,
                engine_name,
                engine_version,
                gallery_faces,
                face_search.within_tolerance,
                actor,
                os_user(),
                utc_now(),
                face_search.never_enrolled_match,
                face_search.strict_threshold,
                face_search.gallery_subjects,
                face_search.fmr_floor,
            ],
        )
        search_id = int(cursor.lastrowid or 0)
        stored = store.faces(c.face_id for c in face_search.candidates)
        for cand in face_search.candidates:
            info = stored.get(cand.face_id)
            store.db.execute(
                """INSERT INTO search_candidates (search_id, rank, face_id, subject, photo_path,
                photo_sha256, box, distance, within_tolerance, est_fmr, thumbnail,
                template_distance)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    search_id,
                    cand.rank,
                    cand.face_id,
                    cand.subject,
                    cand.photo_path,
                    info.photo_sha256 if info else "",
                    json.dumps(cand.box.as_list()),
                    cand.distance,
                    int(cand.within_tolerance),
                    cand.est_fmr,
                    store.face_thumbnail(cand.face_id),
                    cand.template_distance,
                ],
            )
        trail.append_event(
            store,
            Searched(
                search_id=search_id,
                kind_of_probe=kind,
                probe_path=probe_path,
                probe_sha256=probe_sha256,
                face_index=face_index,
                face_box=face.box.as_list(),
                quality_warnings=list(face.quality.warnings),
                top_k=top_k,
                tolerance=tolerance,
                preset=face_search.preset,
                never_enrolled_match=face_search.never_enrolled_match,
                strict_threshold=face_search.strict_threshold,
                fmr_floor=face_search.fmr_floor,
                estimates_unreliable=list(face_search.estimate_caveats),
                engine=f"{engine_name} ({engine_version})",
                gallery_faces=gallery_faces,
                within_tolerance=face_search.within_tolerance,
                no_match=face_search.within_tolerance == 0,
                candidates=[
                    {
                        "rank": c.rank,
                        "subject": c.subject,
                        "distance": round(c.distance, 4),
                        "template_distance": (
                            None if c.template_distance is None else round(c.template_distance, 4)
                        ),
                        "est_fmr": c.est_fmr,
                    }
                    for c in face_search.candidates
                ],
                context=context or {},
            ),
            actor=actor,
            case_number=case.number,
        )
    return search_id


def record_probe_without_face(
    store: GalleryStore,
    *,
    case: Case,
    probe_path: str,
    probe_sha256: str,
    actor: str,
    kind: str = "image",
) -> None:
    """A probe in which no face was found is still a search the case must disclose."""
    if not case.is_open:
        raise CaseError(f"case {case.number} is closed: searches need an open case")
    engine_name, engine_version = _engine_of(store)
    trail.append_event(
        store,
        ProbeWithoutFace(
            kind_of_probe=kind,
            probe_path=probe_path,
            probe_sha256=probe_sha256,
            engine=f"{engine_name} ({engine_version})",
        ),
        actor=actor,
        case_number=case.number,
    )


def _engine_of(store: GalleryStore) -> tuple[str, str]:
    """The engine a search of `store` runs with (the variant the store was built with)."""
    from rekog_desktop.core.scoring.search import engine_for_store

    info = engine_for_store(store).info
    return info.name, info.version


def get_search(store: GalleryStore, search_id: int) -> SearchRecord:
    row = store.db.execute(
        """SELECT id, case_id, kind, probe_path, probe_sha256, face_index, face_box, quality,
        context, top_k, tolerance, preset, engine, engine_version, gallery_faces, within_tolerance,
        actor, created_utc, never_enrolled_match, strict_threshold, gallery_subjects,
        fmr_floor FROM searches WHERE id = ?""",
        [search_id],
    ).fetchone()
    if row is None:
        raise CaseError(f"no search with id {search_id}")
    rejected = rejected_faces(
        store, case_id=row[1], probe_sha256=row[4], face_index=row[5], other_than=row[0]
    )
    candidates = tuple(
        CandidateRecord(
            rank=c[0],
            face_id=c[1],
            subject=c[2],
            photo_path=c[3],
            photo_sha256=c[4],
            box=FaceBox.from_list(json.loads(c[5])),
            distance=c[6],
            within_tolerance=bool(c[7]),
            est_fmr=c[8],
            previously_rejected=c[1] in rejected,
            template_distance=c[9],
        )
        for c in store.db.execute(
            """SELECT rank, face_id, subject, photo_path, photo_sha256, box, distance,
            within_tolerance, est_fmr, template_distance FROM search_candidates
            WHERE search_id = ? ORDER BY rank""",
            [search_id],
        )
    )
    return SearchRecord(
        id=row[0],
        case_id=row[1],
        kind=row[2],
        probe_path=row[3],
        probe_sha256=row[4],
        face_index=row[5],
        face_box=FaceBox.from_list(json.loads(row[6])),
        quality=json.loads(row[7]),
        context=json.loads(row[8]),
        top_k=row[9],
        tolerance=row[10],
        preset=row[11],
        engine=row[12],
        engine_version=row[13],
        gallery_faces=row[14],
        within_tolerance=row[15],
        actor=row[16],
        created_utc=row[17],
        candidates=candidates,
        never_enrolled_match=row[18],
        strict_threshold=row[19],
        gallery_subjects=row[20],
        fmr_floor=row[21],
        decisions=decisions_for_search(store, search_id),
    )


def searches_for_case(store: GalleryStore, number: str) -> list[SearchRecord]:
    case = get_case(store, number)
    ids = [
        r[0]
        for r in store.db.execute(
            "SELECT id FROM searches WHERE case_id = ? ORDER BY id", [case.id]
        )
    ]
    return [get_search(store, i) for i in ids]


def search_thumbnails(store: GalleryStore, search_id: int) -> tuple[bytes | None, dict[int, bytes]]:
    """The probe face and candidate face JPEGs saved with a search (for review and the PDF)."""
    row = store.db.execute(
        "SELECT probe_thumbnail FROM searches WHERE id = ?", [search_id]
    ).fetchone()
    cands = {
        int(r[0]): bytes(r[1])
        for r in store.db.execute(
            """SELECT rank, thumbnail FROM search_candidates
            WHERE search_id = ? AND thumbnail IS NOT NULL""",
            [search_id],
        )
    }
    return (bytes(row[0]) if row and row[0] is not None else None), cands


def rejected_faces(
    store: GalleryStore,
    *,
    case_id: int,
    probe_sha256: str,
    face_index: int,
    other_than: int | None = None,
) -> set[int]:
    """Gallery faces a reviewer has said are 'not this person' for this probe face in this case
    (in searches other than `other_than`), so a repeated search shows them as already rejected."""
    sql = """
        SELECT sc.face_id, d.verdict FROM decisions d
        JOIN search_candidates sc ON sc.search_id = d.search_id AND sc.rank = d.rank
        JOIN searches s ON s.id = d.search_id
        WHERE s.case_id = ? AND s.probe_sha256 = ? AND s.face_index = ?
    """
    params: list[Any] = [case_id, probe_sha256, face_index]
    if other_than is not None:
        sql += " AND s.id != ?"
        params.append(other_than)
    latest: dict[int, str] = {}
    for face_id, verdict in store.db.execute(sql + " ORDER BY d.id", params):
        latest[int(face_id)] = verdict
    return {face_id for face_id, verdict in latest.items() if verdict == Verdict.REJECT}


def record_view(store: GalleryStore, *, search_id: int, rank: int, actor: str) -> None:
    """Log that a person looked at a candidate: viewing is itself an auditable act."""
    record = case_number_of_search(store, search_id)
    trail.append_event(
        store, CandidateViewed(search_id=search_id, rank=rank), actor=actor, case_number=record
    )


@dataclass(frozen=True)
class BlindPair:
    """What a verifier sees: the two faces, never the first decision or the distance."""

    decision_id: int
    search_id: int
    probe_path: str
    probe_box: FaceBox
    candidate_photo: str
    candidate_box: FaceBox
    subject: str
    #: Which face of the probe (face_label): "face 1", or "track 3" of a clip.
    probe_face: str = "face 1"
    #: For a clip: the frame the probe face was taken from, by number and timecode.
    frame: int | None = None
    timecode: str | None = None


def pending_verifications(store: GalleryStore, number: str, *, reviewer: str) -> list[BlindPair]:
    """Accepted pairs of the case still to be verified, excluding the reviewer's own."""
    case = get_case(store, number)
    pairs = []
    for search in searches_for_case(store, case.number):
        for rank, decision in search.decisions.items():
            if decision.verdict is not Verdict.ACCEPT or decision.reviewer == reviewer:
                continue
            if any(v.reviewer == reviewer for v in decision.verifications):
                continue
            cand = next(c for c in search.candidates if c.rank == rank)
            pairs.append(
                BlindPair(
                    decision.id,
                    search.id,
                    search.probe_path,
                    search.face_box,
                    cand.photo_path,
                    cand.box,
                    cand.subject,
                    search.face_label,
                    *_frame_of(search),
                )
            )
    return pairs


def _frame_of(search: SearchRecord) -> tuple[int | None, str | None]:
    """The frame number and timecode a clip's searched face was taken from (None for a photo)."""
    if search.kind != "video":
        return None, None
    frame = search.context.get("best_frame")
    code = search.context.get("timecode")
    return (int(frame) if frame is not None else None), (str(code) if code else None)
